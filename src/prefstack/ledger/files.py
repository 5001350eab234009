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
from pathlib import Path
from typing import Any

import yaml

from prefstack.errors import InputError
from prefstack.ledger.events import LedgerEvent, parse_event
from prefstack.ledger.replay import Placed

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


def parse_ledger(data: object, source: str) -> list[Placed]:
    """Validate a parsed ledger document; errors name the event and field."""
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
        if isinstance(entry.get("date"), dt.date):
            entry["date"] = entry["date"].isoformat()
        moment = parse_recorded_at(recorded, where) if recorded is not None else None
        placed.append(Placed(parse_event(entry, where), where, moment))
    return placed


def read_ledger_file(path: Path) -> list[Placed]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(str(path), "ledger format", f"cannot be read: {exc.strerror}") from exc
    try:
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise InputError(
            str(path), "ledger format", f"not valid {'JSON' if path.suffix == '.json' else 'YAML'}: {exc}"
        ) from exc
    return parse_ledger(data, str(path))


def event_document(event: LedgerEvent, recorded_at: dt.datetime | None) -> dict[str, Any]:
    doc: dict[str, Any] = {"kind": event.kind, "date": event.date.isoformat(), **event.payload()}
    if recorded_at is not None:
        doc["recorded_at"] = recorded_at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    return doc


def ledger_document(placed: Sequence[Placed], company: str | None = None) -> dict[str, Any]:
    doc: dict[str, Any] = {"format": FORMAT}
    if company:
        doc["company"] = company
    doc["events"] = [event_document(p.event, p.recorded_at) for p in placed]
    return doc


def dump_ledger(doc: dict[str, Any], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100)
