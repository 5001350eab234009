"""A fuzz test of `prefstack ocf import` (Hypothesis): a package prefstack exported, broken at random
(fields deleted or replaced by any JSON, extension comments garbled, files truncated or replaced by
bytes, zips corrupted), either imports or is refused with a PrefstackError; never another exception,
and nothing is stored from a refused package."""

from __future__ import annotations

import copy
import datetime as dt
import json
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from test_ocf_export import FACTS, NORTHWIND, WHEN
from test_ocf_import import stored_events

from prefstack.cli_ocf import import_package
from prefstack.errors import PrefstackError
from prefstack.instruments.capital_structure import bundled_for_company
from prefstack.ledger import service
from prefstack.ocf import extension
from prefstack.ocf.export import dumps, export_package
from prefstack.ocf.package import write_package

Files = dict[str, Any]


@cache
def base() -> str:
    """The Northwind example's package (JSON text, copied for each example)."""
    whose, placed = service.load_ledger(str(NORTHWIND), "sqlite:///unused.sqlite", None)
    assert whose is not None
    structure = bundled_for_company(service.company_name(whose), "--capital-structure").structure
    return json.dumps(export_package(placed, whose, dt.date(2025, 12, 31), structure, FACTS, WHEN))


ANY_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)


def _places(node: Any, parent: Any = None, key: Any = None) -> list[tuple[Any, Any]]:
    """Every (container, key) of a JSON document, the document itself first where it has a parent."""
    found = [] if parent is None else [(parent, key)]
    if isinstance(node, dict):
        for k, v in node.items():
            found += _places(v, node, k)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            found += _places(v, node, i)
    return found


@st.composite
def broken_documents(draw: st.DrawFn) -> Files:
    files: Files = json.loads(base())
    for _ in range(draw(st.integers(0, 2))):
        _break_an_extension(draw, files)
    for _ in range(draw(st.integers(0, 2))):
        places = _places(files, None, None)
        parent, key = draw(st.sampled_from(places))
        action = draw(st.sampled_from(["delete", "replace", "garble"]))
        if action == "delete":
            del parent[key]
        elif action == "replace":
            parent[key] = draw(ANY_JSON)
        elif isinstance(parent[key], str) and parent[key].startswith(extension.PREFIX):
            text = parent[key]
            cut = draw(st.integers(0, len(text)))
            parent[key] = text[:cut] + draw(st.text(max_size=10)) + text[cut:]
        else:
            parent[key] = extension.PREFIX + json.dumps(draw(ANY_JSON))
    return files


def _break_an_extension(draw: st.DrawFn, files: Files) -> None:
    """Decode one extension comment, delete or replace a field inside its JSON, and encode it again
    (valid JSON, wrong content: an event's field, a seq, the capital structure, ...)."""
    comments = [
        (parent, key)
        for parent, key in _places(files, None, None)
        if isinstance(parent[key], str) and parent[key].startswith(extension.PREFIX)
    ]
    parent, key = draw(st.sampled_from(comments))
    data = json.loads(parent[key][len(extension.PREFIX) :])
    inner = _places(data, None, None)
    if not inner:
        return
    container, at = draw(st.sampled_from(inner))
    if draw(st.booleans()):
        del container[at]
    else:
        container[at] = draw(ANY_JSON | st.sampled_from(["0", "-5", "2/3", "1e3", "2099-01-01", "F", "X", ""]))
    parent[key] = extension.PREFIX + json.dumps(data)


def _write(files: Files, folder: Path, as_zip: bool, raw: tuple[str, bytes] | None) -> Path:
    target = folder / ("package.zip" if as_zip else "package")
    documents = {name: doc for name, doc in files.items()}
    write_package({k: v if isinstance(v, dict) else {"items": v} for k, v in documents.items()}, target)
    for name, doc in documents.items():
        if not isinstance(doc, dict) and not as_zip:
            (target / name).write_text(dumps({"x": doc}) if isinstance(doc, (list, str)) else json.dumps(doc))
    if raw is not None and not as_zip:
        name, data = raw
        (target / name).write_bytes(data)
    if raw is not None and as_zip:
        _, data = raw
        blob = bytearray(target.read_bytes())
        for i, byte in enumerate(data[:16]):
            blob[(i * 97 + byte) % len(blob)] ^= byte or 1
        target.write_bytes(bytes(blob))
    return target


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    files=broken_documents(),
    as_zip=st.booleans(),
    raw=st.none()
    | st.tuples(
        st.sampled_from(["Manifest.ocf.json", "Transactions.ocf.json", "Stakeholders.ocf.json"]),
        st.binary(max_size=40),
    ),
)
def test_a_broken_package_is_refused_clearly_or_imported_and_a_refused_one_stores_nothing(
    files: Files, as_zip: bool, raw: tuple[str, bytes] | None
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        package = _write(copy.deepcopy(files), Path(folder), as_zip, raw)
        db = Path(folder) / "store.sqlite"
        try:
            import_package(package, "northwind-networks", f"sqlite:///{db}", dry_run=False)
            event("imported")
        except PrefstackError as exc:
            event(f"refused: {type(exc).__name__}")
            assert str(exc)  # a message naming the field, the clause and the problem
            assert stored_events(db) == 0
