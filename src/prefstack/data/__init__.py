"""Data bundled with prefstack: the example ledger."""
