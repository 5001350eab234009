"""The load test of the web service (benchmarks/web_load.py; ``make bench`` runs it with 50
readers and 8 writers for 30 s) in small: a few readers and writers for a few seconds against a
real ``prefstack serve`` process, on SQLite and PostgreSQL; no acknowledged event lost, none
stored twice, and every fifth write sent again under its key is answered from the kept answer."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from benchmarks.web_load import measure


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_no_acknowledged_event_is_lost_or_stored_twice_under_load(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    if backend == "sqlite":
        db = f"sqlite:///{tmp_path / 'load.sqlite'}"
    else:
        admin: sa.Engine = request.getfixturevalue("pg_admin")
        name = f"web_load_{tmp_path.name[-20:].replace('-', '_').lower()}"
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        db = admin.url.set(database=name).render_as_string(hide_password=False)
    figures = measure(db, backend, readers=6, writers=3, seconds=3)
    assert figures.errors == {}
    assert len(figures.reads) > 0 and len(figures.acknowledged) > 0
    # each write acknowledged once is stored once; the writes sent again (n = 0, 5, 10, ... of each
    # writer) were answered 201 from the kept answer, so there are more 201s than events
    assert figures.stored == len(figures.acknowledged) and (figures.lost, figures.duplicated) == (0, 0)
    assert figures.replayed >= 3  # each writer's first write (n = 0) was sent twice
    assert len(figures.writes) == len(figures.acknowledged) + figures.replayed
