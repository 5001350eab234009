"""An OCF package read into a company's ledger (``prefstack ocf import``).

A package prefstack exported carries each ledger event in its extension (:mod:`prefstack.ocf.extension`):
on the OCF transaction that stands for it, or on the manifest for an event OCF has no transaction
for. Import takes each event from there, with what the OCF fields say where a person edited them
(a date, a quantity, a stakeholder), drops the events whose transactions were removed, records a
stakeholder renamed as a ``holder_name`` event (OCF-RENAME-DATE), and recomputes the derived
transactions rather than storing them (OCF-DERIVED-TRANSACTIONS).

A package from elsewhere (no extension) is read where its objects are ones prefstack can represent
(stakeholders, the Common Stock, stock issuances of a series prefstack has terms for); any other
object is refused with an error naming the object (its file, index and id) and the field prefstack
cannot represent. Nothing is stored from a refused package: the whole ledger is built and validated
before one event is appended, and the append is all or nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from prefstack.decisions import decision
from prefstack.errors import InputError
from prefstack.instruments.capital_structure import CapitalStructure, parse_capital_structure
from prefstack.instruments.registry import issuer
from prefstack.ledger.events import LedgerEvent, parse_event
from prefstack.ledger.files import parse_recorded_at
from prefstack.ledger.replay import Placed
from prefstack.ocf import extension
from prefstack.ocf.export import COMMON_ID, UNNAMED, series_class_id
from prefstack.ocf.numbers import CURRENCY, agrees, parse_numeric
from prefstack.ocf.package import Package
from prefstack.terms.schema import series_names

CLAUSE = "OCF import"


@dataclass
class Imported:
    """What a package gives: the company, its events in ledger order, the capital structure it
    carries (None: none), and notes for the report (md5 mismatches, derived transactions ignored)."""

    company: str
    placed: list[Placed]
    structure: CapitalStructure | None
    notes: list[str] = field(default_factory=list)


def _where(file: str, index: int, obj: object) -> str:
    ident = obj.get("id") if isinstance(obj, dict) else None
    return f"{file} items[{index}]" + (f" (id {ident})" if isinstance(ident, str) else "")


def _items(doc: dict[str, Any], file: str) -> list[dict[str, Any]]:
    items = doc.get("items")
    if not isinstance(items, list):
        raise InputError(f"{file}.items", CLAUSE, "must be a list of OCF objects")
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise InputError(f"{file} items[{i}]", CLAUSE, "an OCF object is a JSON object")
        if not isinstance(item.get("object_type"), str):
            raise InputError(f"{_where(file, i, item)}.object_type", CLAUSE, "every OCF object has an object_type")
    return items


def _text(obj: dict[str, Any], key: str, where: str) -> str:
    value = obj.get(key)
    if not isinstance(value, str) or not value:
        raise InputError(f"{where}.{key}", CLAUSE, f"must be a non-empty string, not {value!r}")
    return value


def _date(obj: dict[str, Any], key: str, where: str) -> dt.date:
    value = _text(obj, key, where)
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise InputError(f"{where}.{key}", CLAUSE, f"{value!r} is not a date (YYYY-MM-DD)") from exc


@dataclass
class _Reader:
    package: Package
    company: str
    holders: dict[str, str] = field(default_factory=dict)
    """Stakeholder id -> holder id."""
    foreign_holders: dict[str, str] = field(default_factory=dict)
    """Stakeholder id -> where it was read, for the stakeholders without prefstack's extension."""
    renamed: dict[str, str] = field(default_factory=dict)
    """Holder id -> the new name a person gave its stakeholder."""
    classes: dict[str, str | None] = field(default_factory=dict)
    """Stock class id -> series id (None: the Common Stock or a class of the capital structure)."""
    events: list[tuple[int, dict[str, Any], str]] = field(default_factory=list)
    """(seq in the exported ledger, event document, where it was read)."""
    derived: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    foreign: list[tuple[dict[str, Any], str]] = field(default_factory=list)
    as_of: dt.date = dt.date.min
    structure: CapitalStructure | None = None
    package_ext: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)
    tranche_holders: dict[str, str] = field(default_factory=dict)
    """The stakeholder id of a warrant tranche's holder -> its name as the package gives it."""
    warrants: dict[str, tuple[dict[str, Any], str]] = field(default_factory=dict)
    """A warrant tranche's name -> its TX_WARRANT_ISSUANCE and where it was read."""

    def manifest(self) -> None:
        manifest = self.package.manifest
        where = "manifest"
        self.as_of = _date(manifest, "as_of", where)
        self.package_ext = extension.find(manifest, where)
        if self.package_ext is None:
            return
        if self.package_ext.get("role") != "package":
            raise InputError(f"{where}.comments", extension.CLAUSE, "the manifest's extension has role package")
        exported = extension.require(self.package_ext, "company", str, f"{where} extension")
        if issuer(exported, "company").id != issuer(self.company, "--company").id:
            raise InputError("--company", CLAUSE, f"the package is the cap table of {exported}, not of {self.company}")
        events = extension.require(self.package_ext, "events", list, f"{where} extension")
        for i, placed in enumerate(events):
            self.events.append(self._placed_event(placed, f"{where} extension events[{i}]"))
        readings = self.package_ext.get("readings")
        if isinstance(readings, dict) and readings:
            chosen = ", ".join(f"{k}={v}" for k, v in sorted(readings.items()))
            self.notes.append(
                f"the package's figures were computed under {chosen}; the ledger is validated and its derived "
                "transactions recomputed under prefstack's readings"
            )
        structure = self.package_ext.get("capital_structure")
        if structure is not None:
            self.structure = parse_capital_structure(structure, f"{where} extension capital_structure")

    @staticmethod
    def _placed_event(data: object, where: str) -> tuple[int, dict[str, Any], str]:
        if not isinstance(data, dict):
            raise InputError(where, extension.CLAUSE, "an event of the extension is an object with seq and event")
        seq = extension.require(data, "seq", int, where)
        event = extension.require(data, "event", dict, where)
        if seq < 1:
            raise InputError(f"{where}.seq", extension.CLAUSE, "a position in the ledger counts from 1")
        return seq, dict(event), where

    def stakeholders(self) -> None:
        for file, doc in self.package.files["stakeholders_files"]:
            for i, item in enumerate(_items(doc, file)):
                where = _where(file, i, item)
                if item["object_type"] != "STAKEHOLDER":
                    raise InputError(f"{where}.object_type", CLAUSE, "a stakeholders file holds STAKEHOLDER objects")
                ident = _text(item, "id", where)
                name_obj = item.get("name")
                if not isinstance(name_obj, dict):
                    raise InputError(f"{where}.name", CLAUSE, "a stakeholder's name is an object with legal_name")
                name = _text(name_obj, "legal_name", f"{where}.name")
                ext = extension.find(item, where)
                if ext is None:
                    self.holders[ident] = name  # from elsewhere: the name is the holder id
                    self.foreign_holders[ident] = where
                    continue
                if ext.get("role") == "tranche":  # the holder of a warrant tranche of the capital structure
                    self.tranche_holders[ident] = name
                    continue
                holder = extension.require(ext, "holder", str, f"{where} extension")
                self.holders[ident] = holder
                if holder in UNNAMED:
                    continue
                if name != extension.require(ext, "name", str, f"{where} extension"):
                    self.renamed[holder] = name

    def stock_classes(self) -> None:
        for file, doc in self.package.files["stock_classes_files"]:
            for i, item in enumerate(_items(doc, file)):
                where = _where(file, i, item)
                ident = _text(item, "id", where)
                ext = extension.find(item, where)
                kind = item.get("class_type")
                if ext is not None:
                    series = ext.get("series")
                    if series is not None and series not in series_names():
                        raise InputError(f"{where} extension.series", CLAUSE, f"no terms for series {series!r}")
                    self.classes[ident] = series if isinstance(series, str) else None
                    continue
                if kind == "COMMON":
                    self.classes[ident] = None
                    continue
                if kind == "PREFERRED":
                    raise InputError(
                        f"{where}.participation_cap_multiple",
                        CLAUSE,
                        "a PREFERRED class without prefstack's extension: prefstack computes the certificates it "
                        f"has terms for ({', '.join(series_names())}) and describes other classes in a "
                        "capital-structure file, which needs whether the class participates; OCF says so only for "
                        "a capped class (participation_cap_multiple), so an uncapped class cannot be told apart",
                    )
                raise InputError(f"{where}.class_type", CLAUSE, f"{kind!r} is not COMMON or PREFERRED")

    def refuse_others(self) -> None:
        """Objects of files prefstack never writes or cannot represent: refused, naming the object."""
        reasons = {
            "stock_plans_files": None,
            "stock_legend_templates_files": "stock legends",
            "vesting_terms_files": "vesting terms",
            "valuations_files": "valuations (prefstack's Fair Market Value comes from closing prices or the Board, "
            "per event)",
            "financings_files": "financings",
            "documents_files": "documents",
        }
        for key, what in reasons.items():
            for file, doc in self.package.files.get(key, []):
                for i, item in enumerate(_items(doc, file)):
                    where = _where(file, i, item)
                    if what is None and extension.find(item, where) is not None:
                        continue  # an option tranche of the capital structure the package carries
                    raise InputError(
                        f"{where}.object_type",
                        CLAUSE,
                        f"{item['object_type']}: prefstack cannot represent "
                        f"{what or 'a stock plan other than a tranche of its capital structure'}",
                    )

    def transactions(self) -> None:
        for file, doc in self.package.files["transactions_files"]:
            for i, item in enumerate(_items(doc, file)):
                where = _where(file, i, item)
                ext = extension.find(item, where)
                if ext is None:
                    self.foreign.append((item, where))
                elif ext.get("role") == "derived":
                    self.derived.append((where, item))
                elif ext.get("role") == "event":
                    seq, event, _ = self._placed_event(ext.get("event"), f"{where} extension.event")
                    self.events.append((seq, _edited(event, item, where, self), where))
                elif ext.get("role") == "tranche" and item.get("object_type") == "TX_WARRANT_ISSUANCE":
                    self.warrants[extension.require(ext, "name", str, f"{where} extension")] = (item, where)
                else:
                    raise InputError(
                        f"{where}.comments",
                        extension.CLAUSE,
                        "a transaction's extension is event or derived (or tranche, on a TX_WARRANT_ISSUANCE)",
                    )

    def warrant_tranches(self) -> None:
        """The capital structure's warrant tranches whose issuance it records, with what a person
        edited in their TX_WARRANT_ISSUANCE (date, quantity, exercise and purchase price, the
        holder's name); a tranche whose transaction was removed is left out (its warrants were not
        issued); each change listed as a note."""
        structure = self.structure
        if structure is None:
            for name, (_, where) in self.warrants.items():
                raise InputError(
                    f"{where}.comments", extension.CLAUSE, f"no capital structure has the tranche {name!r}"
                )
            return
        kept: list[dict[str, Any]] = []
        for tranche in structure.options_and_warrants:
            data = tranche.model_dump(mode="json")
            if tranche.kind == "warrant" and tranche.issuance is not None:
                found = self.warrants.pop(tranche.name, None)
                if found is None:
                    self.notes.append(f"the warrants {tranche.name!r}: their TX_WARRANT_ISSUANCE was removed; left out")
                    continue
                data = self._edited_tranche(data, *found)
            kept.append(data)
        for name, (_, where) in self.warrants.items():
            raise InputError(
                f"{where}.comments", extension.CLAUSE, f"the capital structure has no warrant tranche {name!r}"
            )
        if kept != [t.model_dump(mode="json") for t in structure.options_and_warrants]:
            document = {**structure.model_dump(mode="json"), "options_and_warrants": kept}
            self.structure = parse_capital_structure(document, "the package's capital structure, as edited")

    def _edited_tranche(self, data: dict[str, Any], item: dict[str, Any], where: str) -> dict[str, Any]:
        issuance = dict(data["issuance"])
        stakeholder = _text(item, "stakeholder_id", where)
        if stakeholder not in self.tranche_holders:
            raise InputError(f"{where}.stakeholder_id", CLAUSE, f"no stakeholder {stakeholder!r} of the tranche")
        given = {
            "date": _date(item, "date", where).isoformat(),
            "holder": self.tranche_holders[stakeholder],
            "purchase_price": str(_money_amount(item.get("purchase_price"), f"{where}.purchase_price")),
        }
        count = parse_numeric(item.get("quantity"), f"{where}.quantity")
        strike = _money_amount(item.get("exercise_price"), f"{where}.exercise_price")
        out = dict(data)
        if not agrees(count, Fraction(data["count"])):
            out["count"] = str(count)
        if strike != Fraction(data["strike_price"]):
            out["strike_price"] = str(strike)
        for key, value in given.items():
            if (Fraction(value) != Fraction(issuance[key])) if key == "purchase_price" else value != issuance[key]:
                issuance[key] = value
        out["issuance"] = issuance
        if out != data:
            self.notes.append(f"{where}: the warrants {data['name']!r} as edited in the package")
        return out


_OBJECT_OF_KIND = {
    "preferred_issued": "TX_STOCK_ISSUANCE",
    "common_issued": "TX_STOCK_ISSUANCE",
    "transfer": "TX_STOCK_TRANSFER",
    "conversion": "TX_STOCK_CONVERSION",
    "stock_split": "TX_STOCK_CLASS_SPLIT",
    "stock_combination": "TX_STOCK_CLASS_SPLIT",
    "common_authorized": "TX_STOCK_CLASS_AUTHORIZED_SHARES_ADJUSTMENT",
    "option_issued": "TX_EQUITY_COMPENSATION_ISSUANCE",
    "option_exercised": "TX_EQUITY_COMPENSATION_EXERCISE",
    "option_expired": "TX_EQUITY_COMPENSATION_CANCELLATION",
}

_QUANTITY = {
    "preferred_issued": ("quantity", "shares"),
    "common_issued": ("quantity", "shares"),
    "transfer": ("quantity", "shares"),
    "conversion": ("quantity_converted", "shares"),
    "common_authorized": ("new_shares_authorized", "shares"),
    "option_issued": ("quantity", "max_shares"),
    "option_exercised": ("quantity", "shares"),
    "option_expired": ("quantity", "shares"),
}
"""The OCF field that states each kind's quantity, and the event's field it is."""


def _edited(event: dict[str, Any], item: dict[str, Any], where: str, reader: _Reader) -> dict[str, Any]:
    """The event a transaction carries, with what its OCF fields say where a person edited them:
    its date, its quantity and its stakeholder (reading OCF-NUMERIC-ROUNDING for quantities)."""
    kind = event.get("kind")
    expected = _OBJECT_OF_KIND.get(kind) if isinstance(kind, str) else None
    if expected is None or item["object_type"] != expected:
        raise InputError(
            f"{where}.object_type",
            extension.CLAUSE,
            f"{item['object_type']} does not carry a {kind!r} event (its extension was moved or edited)",
        )
    out = dict(event)
    day = _date(item, "date", where)
    if kind != "conversion" or "conditioned_on_offering_closing" not in event:
        out["date"] = day.isoformat()
    field_names = _QUANTITY.get(str(kind))
    if field_names is not None:
        ocf_field, event_field = field_names
        if ocf_field in item:
            given = parse_numeric(item[ocf_field], f"{where}.{ocf_field}")
            had = _exact(out.get(event_field))
            if had is None and kind == "option_expired":
                pass  # all the options still outstanding: the OCF quantity is what export counted
            elif had is None or not agrees(given, had):
                out[event_field] = str(given) if given.denominator == 1 else _decimal(given)
    if kind == "preferred_issued":
        stakeholder = _text(item, "stakeholder_id", where)
        if stakeholder not in reader.holders:
            raise InputError(f"{where}.stakeholder_id", CLAUSE, f"no stakeholder {stakeholder!r} in the package")
        out["holder"] = reader.holders[stakeholder]
    if kind in ("stock_split", "stock_combination"):
        ratio = _ratio(item.get("split_ratio"), f"{where}.split_ratio")
        if kind == "stock_split":
            if ratio != _exact(out.get("new_shares_per_old_share")):
                out["new_shares_per_old_share"] = f"{ratio.numerator}/{ratio.denominator}"
        elif ratio and 1 / ratio != _exact(out.get("old_shares_per_new_share")):
            out["old_shares_per_new_share"] = f"{ratio.denominator}/{ratio.numerator}"
    return out


def _money_amount(value: object, where: str) -> Fraction:
    """The amount of an OCF Monetary in US dollars, exactly."""
    if not isinstance(value, dict) or value.get("currency") != CURRENCY:
        raise InputError(where, CLAUSE, f"a Monetary in {CURRENCY} ({{amount, currency: {CURRENCY}}})")
    return parse_numeric(value.get("amount"), f"{where}.amount")


def _ratio(value: object, where: str) -> Fraction:
    if not isinstance(value, dict):
        raise InputError(where, CLAUSE, "a Ratio is an object with numerator and denominator")
    numerator = parse_numeric(value.get("numerator"), f"{where}.numerator")
    denominator = parse_numeric(value.get("denominator"), f"{where}.denominator")
    if denominator <= 0 or numerator <= 0:
        raise InputError(where, CLAUSE, "a split ratio's numerator and denominator are positive")
    return numerator / denominator


def _exact(value: object) -> Fraction | None:
    from prefstack.numeric import exact

    if not isinstance(value, str):
        return None
    try:
        return exact(value, field="value", clause=CLAUSE)
    except InputError:
        return None


def _decimal(value: Fraction) -> str:
    from prefstack.numeric import to_decimal_string

    return to_decimal_string(value)


def _foreign_event(reader: _Reader, item: dict[str, Any], where: str) -> dict[str, Any]:
    """A transaction from elsewhere (no extension): a stock issuance of a series prefstack has terms
    for is a ``preferred_issued``; anything else is refused naming the field."""
    kind = item["object_type"]
    if kind != "TX_STOCK_ISSUANCE":
        raise InputError(
            f"{where}.object_type",
            CLAUSE,
            f"{kind}: prefstack cannot represent this transaction without its extension (it reads stock issuances "
            "of a series it has terms for; see docs/ocf.md)",
        )
    cls = _text(item, "stock_class_id", where)
    if cls not in reader.classes:
        raise InputError(f"{where}.stock_class_id", CLAUSE, f"no stock class {cls!r} in the package")
    series = reader.classes[cls]
    if series is None:
        raise InputError(
            f"{where}.stock_class_id",
            CLAUSE,
            f"an issuance of {cls!r}: prefstack records Common Stock issued with its purpose and consideration "
            "(F §5(d)(i)(C)), which OCF does not give",
        )
    stakeholder = _text(item, "stakeholder_id", where)
    if stakeholder not in reader.holders:
        raise InputError(f"{where}.stakeholder_id", CLAUSE, f"no stakeholder {stakeholder!r} in the package")
    shares = parse_numeric(item.get("quantity"), f"{where}.quantity")
    return {
        "kind": "preferred_issued",
        "date": _date(item, "date", where).isoformat(),
        "series": series,
        "holder": reader.holders[stakeholder],
        "shares": _decimal(shares),
    }


def read_ledger_of(package: Package, company: str) -> Imported:
    """The ledger a package gives for ``company``; every problem is an :class:`InputError` naming the
    package's object and field, and nothing is stored here."""
    decision("ocf", "OCF-RENAME-DATE")
    reader = _Reader(package, company)
    reader.manifest()
    reader.stakeholders()
    reader.stock_classes()
    reader.refuse_others()
    reader.transactions()
    reader.warrant_tranches()
    ordered = sorted(reader.events, key=lambda e: e[0])
    seen: dict[int, str] = {}
    for seq, _, where in ordered:
        if seq in seen:
            raise InputError(f"{where}.seq", extension.CLAUSE, f"position {seq} is also {seen[seq]}'s")
        seen[seq] = where
    renumber = {seq: i for i, (seq, _, _) in enumerate(ordered, 1)}
    docs: list[tuple[dict[str, Any], str]] = []
    for _, event, where in ordered:
        docs.append((_renumbered(event, renumber, where), where))
    for item, where in reader.foreign:
        docs.append((_foreign_event(reader, item, where), where))
    holding = {str(item.get("stakeholder_id")) for item, _ in reader.foreign}
    for ident, where in reader.foreign_holders.items():
        if ident not in holding:
            raise InputError(
                f"{where}.id",
                CLAUSE,
                "no transaction prefstack can read issues this stakeholder shares of a series prefstack has terms "
                "for; prefstack records a holder by its shares of a series",
            )
    for holder, name in sorted(reader.renamed.items()):
        docs.append(
            ({"kind": "holder_name", "date": reader.as_of.isoformat(), "holder": holder, "name": name}, "stakeholders")
        )
    placed = [_placed(doc, where, i) for i, (doc, where) in enumerate(docs, 1)]
    if not placed:
        raise InputError(package.source, CLAUSE, "the package records no transaction prefstack can read")
    imported = Imported(issuer(company, "--company").id, placed, reader.structure, [*package.notes, *reader.notes])
    imported.notes += _derived_differences(reader, imported)
    return imported


def _renumbered(event: dict[str, Any], renumber: dict[int, int], where: str) -> dict[str, Any]:
    """A void by sequence number names the event's new position (a removed transaction shifts those after it)."""
    target = event.get("voids_seq")
    if event.get("kind") != "void" or target is None:
        return event
    if not isinstance(target, int) or target not in renumber:
        raise InputError(
            f"{where}.voids_seq", CLAUSE, f"the event at position {target!r} that this void names is not in the package"
        )
    return {**event, "voids_seq": renumber[target]}


def _placed(doc: dict[str, Any], where: str, seq: int) -> Placed:
    entry = dict(doc)
    recorded = entry.pop("recorded_at", None)
    by = entry.pop("recorded_by", None)
    moment = parse_recorded_at(recorded, where) if recorded is not None else None
    if by is not None and not isinstance(by, str):
        raise InputError(f"{where}.recorded_by", CLAUSE, "is the name of who entered the event")
    event: LedgerEvent = parse_event(entry, where)
    from prefstack.ledger.store import check_recorded_by

    return Placed(
        event, where, moment, seq=seq, recorded_by=None if by is None else _checked_by(check_recorded_by, by, where)
    )


def _checked_by(check: Callable[[object], str], value: str, where: str) -> str:
    from prefstack.ledger.hashing import InvalidEvent

    try:
        return check(value)
    except InvalidEvent as exc:
        raise InputError(f"{where}.recorded_by", CLAUSE, exc.problem) from exc


def _derived_differences(reader: _Reader, imported: Imported) -> list[str]:
    """The package's derived transactions that recomputing them from the imported events does not
    give (OCF-DERIVED-TRANSACTIONS): listed, never stored."""
    decision("ocf", "OCF-DERIVED-TRANSACTIONS")
    if not reader.derived:
        return []
    from prefstack.ocf.export import IssuerFacts, export_package

    facts = IssuerFacts(dt.date(2000, 1, 1), "US")  # not compared: only the transactions are
    last = max((p.event.date for p in imported.placed), default=reader.as_of)
    again = export_package(
        imported.placed, imported.company, max(last, reader.as_of), imported.structure, facts, dt.datetime.now(dt.UTC)
    )
    recomputed = {_key(t) for t in again["Transactions.ocf.json"]["items"] if _is_derived(t)}
    given = {_key(item) for _, item in reader.derived}
    notes = [
        f"{where}: a derived {item['object_type']} on {item.get('date')} that the imported events do not give; "
        "ignored (prefstack recomputes derived transactions, OCF-DERIVED-TRANSACTIONS)"
        for where, item in reader.derived
        if _key(item) not in recomputed
    ]
    missing = len(recomputed - given)
    if missing:
        notes.append(f"{missing} derived transaction(s) recomputed from the events are not in the package (recomputed)")
    return notes


def _is_derived(item: dict[str, Any]) -> bool:
    found = extension.find(item, "recomputed")
    return found is not None and found.get("role") == "derived"


def _key(item: dict[str, Any]) -> tuple[str, ...]:
    fields = ("object_type", "date", "security_id", "stock_class_id", "quantity")
    return (*tuple(str(item.get(f)) for f in fields), str(item.get("new_ratio_conversion_mechanism")))


__all__ = ["COMMON_ID", "Imported", "read_ledger_of", "series_class_id"]
