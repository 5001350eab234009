"""The event ledger: every corporate action recorded once; state derived by replay."""
