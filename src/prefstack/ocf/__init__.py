"""The Open Cap Table Format interchange: a ledger as an OCF package (:mod:`.export`), a package
read back into a ledger (:mod:`.importer`), and prefstack's extension carried in OCF's comments
(:mod:`.extension`). The mapping, object by object, is in docs/ocf.md."""
