"""Ledger files: the ``prefstack-ledger/1`` format in YAML or JSON.

A ledger file is ``{format: prefstack-ledger/1, company: ..., events: [...]}``; each event
is a mapping with ``kind``, ``date`` and the fields of its kind (see
:mod:`prefstack.ledger.events` and ``prefstack schema ledger``), and optionally
``recorded_at`` (ISO 8601 with UTC offset: when the fact was entered, for ``--known-at``).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from prefstack.errors import InputError
from prefstack.ledger.events import LedgerEvent, check_name, parse_event
from prefstack.ledger.hashing import InvalidEvent
from prefstack.ledger.replay import Placed
from prefstack.ledger.store import check_recorded_by

FORMAT = "prefstack-ledger/1"
_TOP = {"format", "company", "description", "events"}


def parse_recorded_at(value: object, where: str) -> dt.datetime:
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError as exc:
            raise InputError(f"{where}.recorded_at", "ledger format", f"{value!r} is not an ISO 8601 time") from exc
    else:
        raise InputError(f"{where}.recorded_at", "ledger format", f"{value!r} is not an ISO 8601 time")
    if moment.tzinfo is None:
        raise InputError(f"{where}.recorded_at", "ledger format", "needs a UTC offset, e.g. 2001-01-02T10:00:00Z")
    return moment.astimezone(dt.UTC)


@dataclass(frozen=True)
class LedgerFile:
    """A ledger file read and validated: the company it names (if any) and its events."""

    company: str | None
    events: list[Placed]


def parse_ledger(data: object, source: str) -> list[Placed]:
    """Validate a parsed ledger document; errors name the event and field."""
    return parse_ledger_file(data, source).events


def parse_ledger_file(data: object, source: str) -> LedgerFile:
    """Validate a parsed ledger document, its company included; errors name the event and field."""
    if not isinstance(data, dict):
        raise InputError(source, "ledger format", "a ledger is a mapping with 'format' and 'events'")
    unknown = set(data) - _TOP
    if unknown:
        raise InputError(f"{source}.{sorted(unknown)[0]}", "ledger format", "unknown field")
    if data.get("format") != FORMAT:
        raise InputError(f"{source}.format", "ledger format", f"must be {FORMAT!r}, not {data.get('format')!r}")
    raw = data.get("events")
    if not isinstance(raw, list):
        raise InputError(f"{source}.events", "ledger format", "must be a list of events")
    placed = []
    for i, entry in enumerate(raw, 1):
        where = f"event {i}"
        if not isinstance(entry, dict):
            raise InputError(where, "ledger format", "an event is a mapping")
        entry = dict(entry)
        recorded = entry.pop("recorded_at", None)
        by = entry.pop("recorded_by", None)
        if isinstance(entry.get("date"), dt.date):
            entry["date"] = entry["date"].isoformat()
        moment = parse_recorded_at(recorded, where) if recorded is not None else None
        placed.append(Placed(parse_event(entry, where), where, moment, seq=i, recorded_by=_recorded_by(by, where)))
    company = data.get("company")
    if company is not None:
        try:
            company = check_name(company)
        except ValueError as exc:
            raise InputError(f"{source}.company", "ledger format", str(exc)) from exc
    description = data.get("description")
    if description is not None and (not isinstance(description, str) or len(description) > 2000):
        raise InputError(f"{source}.description", "ledger format", "is text of at most 2,000 characters")
    return LedgerFile(company, placed)


MAX_LEDGER_FILE_BYTES = 64 * 1024 * 1024
"""The largest ledger file read (about 800,000 events): a larger one is refused before it is read."""


class StrictLoader(yaml.SafeLoader):
    """YAML as a ledger needs it: no aliases (a few hundred bytes of nested aliases can expand to
    gigabytes) and no key given twice in one mapping (the last would silently win)."""

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.constructor.ConstructorError(
                None, None, "aliases (*name) are not accepted in a ledger file: write the value out", event.start_mark
            )
        return super().compose_node(parent, index)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[object, object]:
        seen: set[object] = set()
        for key_node, _value in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"the key {key!r} is given twice in one mapping", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def no_duplicate_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    """``json.loads``' ``object_pairs_hook`` that refuses a key given twice (the last would win)."""
    out: dict[str, object] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"the key {key!r} is given twice in one object")
        out[key] = value
    return out


def load_text(text: str, suffix: str, source: str) -> object:
    """Parse ledger text as JSON (``.json``) or strict YAML; every problem is an :class:`InputError`."""
    kind = "JSON" if suffix == ".json" else "YAML"
    try:
        if suffix == ".json":
            return json.loads(text, object_pairs_hook=no_duplicate_keys)
        return yaml.load(text, Loader=StrictLoader)  # a SafeLoader: no arbitrary objects
    except RecursionError as exc:
        raise InputError(source, "ledger format", f"not a ledger: the {kind} is nested too deeply") from exc
    except (ValueError, yaml.YAMLError) as exc:
        raise InputError(source, "ledger format", f"not valid {kind}: {exc}") from exc


def read_ledger_file(path: Path) -> list[Placed]:
    """The events of the ledger file at ``path`` (see :func:`read_ledger`)."""
    return read_ledger(path).events


def read_ledger(path: Path) -> LedgerFile:
    """Read and validate the ledger file at ``path``; every problem is an :class:`InputError`."""
    try:
        if not path.is_file():
            raise InputError(str(path), "ledger format", "is not a file (a ledger file is YAML or JSON)")
        size = path.stat().st_size
        if size > MAX_LEDGER_FILE_BYTES:
            raise InputError(
                str(path), "ledger format", f"has {size:,} bytes; ledger files are at most {MAX_LEDGER_FILE_BYTES:,}"
            )
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(str(path), "ledger format", f"cannot be read: {exc.strerror}") from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(str(path), "ledger format", f"is not UTF-8 text (byte {exc.start})") from exc
    return parse_ledger_file(load_text(text, path.suffix, str(path)), str(path))


def _recorded_by(value: object, where: str) -> str | None:
    if value is None:
        return None
    try:
        return check_recorded_by(value)
    except InvalidEvent as exc:
        raise InputError(f"{where}.recorded_by", "ledger format", exc.problem) from exc


def event_document(
    event: LedgerEvent, recorded_at: dt.datetime | None, recorded_by: str | None = None
) -> dict[str, Any]:
    doc: dict[str, Any] = {"kind": event.kind, "date": event.date.isoformat(), **event.payload()}
    if recorded_at is not None:
        doc["recorded_at"] = recorded_at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    if recorded_by is not None:
        doc["recorded_by"] = recorded_by
    return doc


def ledger_document(placed: Sequence[Placed], company: str | None = None) -> dict[str, Any]:
    doc: dict[str, Any] = {"format": FORMAT}
    if company:
        doc["company"] = company
    doc["events"] = [event_document(p.event, p.recorded_at, p.recorded_by) for p in placed]
    return doc


def dump_ledger(doc: dict[str, Any], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100)
