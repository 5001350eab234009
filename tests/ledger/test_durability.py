"""The short version of the durability benchmark (benchmarks/durability.py): concurrent writer
processes, some killed with SIGKILL mid-append, on SQLite and PostgreSQL. Nothing acknowledged is
lost, nothing is stored twice, and the hash chain verifies with no gap in the sequence."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from benchmarks.durability import measure


def test_concurrent_writers_and_kills_lose_nothing(store_url: str) -> None:
    backend = "PostgreSQL" if store_url.startswith("postgresql") else "SQLite"
    figures = measure(store_url, backend, writers=4, seconds=4, kills=3)
    assert figures.kills == 3
    assert figures.acknowledged > 0
    assert figures.lost == 0
    assert figures.duplicated == 0
    assert figures.chain_valid
    # An append in flight at a kill may be stored without its acknowledgement: at most one per writer stopped.
    assert figures.acknowledged <= figures.stored <= figures.acknowledged + figures.kills + figures.writers
