"""Ledger files: the ``prefstack-ledger/1`` format in YAML or JSON.

A ledger file is ``{format: prefstack-ledger/1, company: ..., events: [...]}``; each event
is a mapping with ``kind``, ``date`` and the fields of its kind (see
:mod:`prefstack.ledger.events` and ``prefstack schema ledger``), and optionally
``recorded_at`` (ISO 8601 with UTC offset: when the fact was entered, for ``--known-at``).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml

from prefstack.collector import without_cyclic_gc
from prefstack.errors import InputError
from prefstack.ledger.events import LedgerEvent, check_name, parse_event
from prefstack.ledger.hashing import InvalidEvent
from prefstack.ledger.replay import Placed
from prefstack.ledger.store import check_recorded_by

T = TypeVar("T")

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
    top = _top_level(data, source)
    raw = top.get("events")
    if not isinstance(raw, list):
        raise InputError(f"{source}.events", "ledger format", "must be a list of events")
    return _ledger_file(top, source, [parse_entry(entry, i) for i, entry in enumerate(raw, 1)])


def _top_level(data: object, source: str) -> dict[str, object]:
    if not isinstance(data, dict):
        raise InputError(source, "ledger format", "a ledger is a mapping with 'format' and 'events'")
    unknown = set(data) - _TOP
    if unknown:
        raise InputError(f"{source}.{sorted(unknown)[0]}", "ledger format", "unknown field")
    if data.get("format") != FORMAT:
        raise InputError(f"{source}.format", "ledger format", f"must be {FORMAT!r}, not {data.get('format')!r}")
    return data


def parse_entry(entry: object, index: int) -> Placed:
    """Event ``index`` (1-based) of a ledger file, validated."""
    where = f"event {index}"
    if not isinstance(entry, dict):
        raise InputError(where, "ledger format", "an event is a mapping")
    entry = dict(entry)
    recorded = entry.pop("recorded_at", None)
    by = entry.pop("recorded_by", None)
    if isinstance(entry.get("date"), dt.date):
        entry["date"] = entry["date"].isoformat()
    moment = parse_recorded_at(recorded, where) if recorded is not None else None
    return Placed(parse_event(entry, where), where, moment, seq=index, recorded_by=_recorded_by(by, where))


def _ledger_file(top: dict[str, object], source: str, placed: list[Placed]) -> LedgerFile:
    company = top.get("company")
    if company is not None:
        try:
            company = check_name(company)
        except ValueError as exc:
            raise InputError(f"{source}.company", "ledger format", str(exc)) from exc
    description = top.get("description")
    if description is not None and (not isinstance(description, str) or len(description) > 2000):
        raise InputError(f"{source}.description", "ledger format", "is text of at most 2,000 characters")
    return LedgerFile(company, placed)


def _consume_events(data: object, source: str) -> LedgerFile:
    """:func:`parse_ledger_file` of a document read from a file (nobody else holds it): each raw
    event is let go as soon as it is validated, so the raw document and the events are not both
    held whole."""
    top = _top_level(data, source)
    raw = top.get("events")
    if not isinstance(raw, list):
        raise InputError(f"{source}.events", "ledger format", "must be a list of events")
    placed = []
    for i in range(len(raw)):
        placed.append(parse_entry(raw[i], i + 1))
        raw[i] = None
    return _ledger_file(top, source, placed)


MAX_LEDGER_FILE_BYTES = 64 * 1024 * 1024
"""The largest ledger file read (about 800,000 events): a larger one is refused before it is read."""


MAX_NESTING = 32
"""The deepest nesting of mappings and lists in a YAML ledger file (an event needs three)."""

_PARSER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's parser where PyYAML was built with it (about 30x faster than the pure-Python one)."""

_SCALARS = yaml.SafeLoader("")
"""The resolver and constructors of plain YAML scalars (dates, numbers, booleans, null, text)."""

_SCALAR_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}" for name in ("null", "bool", "int", "float", "str", "timestamp")
)
_COLLECTION_TAGS = (None, "!", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq")


class _Refused(yaml.YAMLError):
    """Something a ledger file never needs, found at a place in the YAML text."""


def _refused(problem: str, event: yaml.Event) -> _Refused:
    mark = event.start_mark
    where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
    return _Refused(problem + where)


class _YamlReader:
    """YAML read from the parser's stream of events, without a node tree: plain scalars become what
    PyYAML's safe loader makes of them, and everything a ledger never needs is refused before it
    is built: aliases (a few hundred bytes of nested aliases can expand to gigabytes), a key given
    twice in one mapping (the last would silently win), keys that are not plain values, tagged
    collections and nesting deeper than :data:`MAX_NESTING`."""

    def __init__(self, text: str, source: str) -> None:
        self._events: Iterator[yaml.Event] = yaml.parse(text, Loader=_PARSER)
        self._source = source

    def document(self) -> object:
        """The single document of the text (None when it is empty)."""
        self._expect(yaml.StreamStartEvent)
        first = next(self._events)
        if isinstance(first, yaml.StreamEndEvent):
            return None
        value = self._value(next(self._events), 1)
        self._end()
        return value

    def ledger(self) -> LedgerFile:
        """The ledger file of the text, each event validated as soon as its mapping ends (its raw
        form is then let go: the events are streamed, not read whole first)."""
        self._expect(yaml.StreamStartEvent)
        first = next(self._events)
        if isinstance(first, yaml.StreamEndEvent):
            return parse_ledger_file(None, self._source)
        opening = next(self._events)
        if not isinstance(opening, yaml.MappingStartEvent):
            value = self._value(opening, 1)
            self._end()
            return parse_ledger_file(value, self._source)
        self._collection_tag(opening)
        top: dict[str, object] = {}
        placed: list[Placed] | None = None
        while not isinstance(event := next(self._events), yaml.MappingEndEvent):
            key = self._key(event, top)
            value_event = next(self._events)
            if key == "events" and isinstance(value_event, yaml.SequenceStartEvent):
                self._collection_tag(value_event)
                placed = []
                while not isinstance(item := next(self._events), yaml.SequenceEndEvent):
                    placed.append(parse_entry(self._value(item, 3), len(placed) + 1))
                top[key] = placed
            else:
                top[key] = self._value(value_event, 2)
        self._end()
        top = _top_level(top, self._source)
        if placed is None:
            raise InputError(f"{self._source}.events", "ledger format", "must be a list of events")
        return _ledger_file(top, self._source, placed)

    def _value(self, event: yaml.Event, depth: int) -> object:
        if depth > MAX_NESTING:
            raise InputError(self._source, "ledger format", "not a ledger: the YAML is nested too deeply")
        if isinstance(event, yaml.ScalarEvent):
            return self._scalar(event)
        if isinstance(event, yaml.SequenceStartEvent):
            self._collection_tag(event)
            items = []
            while not isinstance(item := next(self._events), yaml.SequenceEndEvent):
                items.append(self._value(item, depth + 1))
            return items
        if isinstance(event, yaml.MappingStartEvent):
            self._collection_tag(event)
            mapping: dict[object, object] = {}
            while not isinstance(key_event := next(self._events), yaml.MappingEndEvent):
                key = self._key(key_event, mapping)
                mapping[key] = self._value(next(self._events), depth + 1)
            return mapping
        if isinstance(event, yaml.AliasEvent):
            raise _refused("aliases (*name) are not accepted in a ledger file: write the value out", event)
        raise _refused(f"unexpected {type(event).__name__}", event)

    def _key(self, event: yaml.Event, mapping: Mapping[Any, object]) -> Any:
        if not isinstance(event, yaml.ScalarEvent):
            if isinstance(event, yaml.AliasEvent):
                return self._value(event, 1)  # refused, naming the alias
            raise _refused("a key of a mapping is a plain value, not a list or mapping", event)
        key = self._scalar(event)
        if key in mapping:
            raise _refused(f"the key {key!r} is given twice in one mapping", event)
        return key

    @staticmethod
    def _scalar(event: yaml.ScalarEvent) -> object:
        tag = event.tag
        if tag is None or tag == "!":
            tag = _SCALARS.resolve(yaml.ScalarNode, event.value, event.implicit)  # type: ignore[no-untyped-call]
        if tag not in _SCALAR_TAGS:
            raise _refused(f"the tag {tag!r} is not accepted in a ledger file", event)
        node = yaml.ScalarNode(tag, event.value, style=event.style)
        return _SCALARS.yaml_constructors[tag](_SCALARS, node)

    @staticmethod
    def _collection_tag(event: yaml.CollectionStartEvent) -> None:
        if event.tag not in _COLLECTION_TAGS:
            raise _refused(f"the tag {event.tag!r} is not accepted in a ledger file", event)

    def _expect(self, kind: type[yaml.Event]) -> yaml.Event:
        event = next(self._events)
        if not isinstance(event, kind):
            raise _refused(f"unexpected {type(event).__name__}", event)
        return event

    def _end(self) -> None:
        self._expect(yaml.DocumentEndEvent)
        event = next(self._events)
        if not isinstance(event, yaml.StreamEndEvent):
            raise _refused("a ledger file holds one YAML document", event)


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
    return _parsing(suffix, source, lambda: _json(text) if suffix == ".json" else _YamlReader(text, source).document())


def _json(text: str) -> object:
    return json.loads(text, object_pairs_hook=no_duplicate_keys)


def _parsing(suffix: str, source: str, parse: Callable[[], T]) -> T:
    """``parse()``, its JSON or YAML errors given as :class:`InputError`."""
    kind = "JSON" if suffix == ".json" else "YAML"
    try:
        return parse()
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
    source = str(path)
    with without_cyclic_gc():
        return _read_text(text, path.suffix, source)


def _read_text(text: str, suffix: str, source: str) -> LedgerFile:
    if suffix == ".json":
        return _consume_events(_parsing(".json", source, lambda: _json(text)), source)
    return _parsing(suffix, source, _YamlReader(text, source).ledger)


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
