"""A company's ledger as an Open Cap Table Format package (``prefstack ocf export``).

The package is a dict of file name -> JSON document: the manifest and one file of each kind OCF
requires. The mapping, object by object, is in docs/ocf.md. In short:

* the issuer: its legal name from the ledger's company; OCF requires a formation date and country
  that no prefstack file records, so the caller gives them;
* a stakeholder per holder id (its name on record as of the package's date), plus one stakeholder
  for the unnamed holders of Common Stock issued and one for the unnamed holders of Options;
* a PREFERRED stock class per series prefstack has terms for, with its seniority, its current
  Conversion Price as a ratio conversion, its liquidation preference multiple and par value; a
  COMMON class; a PREFERRED class per generic class of the capital structure;
* a stock plan per option tranche of the capital structure;
* every event with an OCF transaction as that transaction, carrying the event itself in
  prefstack's extension; every share issued as a dividend, every change of a Conversion Price and
  every share redeemed as a *derived* transaction (computed by replay, marked as derived);
* every other event (and the capital-structure file) in the extension on the manifest.

No figure is rounded except where OCF's Numeric cannot hold it (ten decimal places, reading
OCF-NUMERIC-ROUNDING); the exact value then travels in the extension.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from prefstack.decisions import decision
from prefstack.errors import InputError
from prefstack.instruments.capital_structure import CapitalStructure, GenericClass, OptionTranche
from prefstack.interpretations.readings import active, consulting
from prefstack.ledger import events as ev
from prefstack.ledger.files import event_document
from prefstack.ledger.replay import LedgerState, Placed, replay, voids
from prefstack.ocf import extension
from prefstack.ocf.numbers import CURRENCY, exact_string, numeric
from prefstack.terms.schema import load_terms

OCF_VERSION = "1.2.1-alpha+main"
"""The OCF version of the schemas in ../shared/ocf/schema (the manifest's ``ocf_version`` const)."""
"""Every amount of the certificates is in dollars (F §3(a): "$1,000.00")."""
MANIFEST = "Manifest.ocf.json"
FILES: dict[str, tuple[str, str]] = {
    "stakeholders_files": ("Stakeholders.ocf.json", "OCF_STAKEHOLDERS_FILE"),
    "stock_classes_files": ("StockClasses.ocf.json", "OCF_STOCK_CLASSES_FILE"),
    "stock_plans_files": ("StockPlans.ocf.json", "OCF_STOCK_PLANS_FILE"),
    "stock_legend_templates_files": ("StockLegends.ocf.json", "OCF_STOCK_LEGEND_TEMPLATES_FILE"),
    "vesting_terms_files": ("VestingTerms.ocf.json", "OCF_VESTING_TERMS_FILE"),
    "valuations_files": ("Valuations.ocf.json", "OCF_VALUATIONS_FILE"),
    "transactions_files": ("Transactions.ocf.json", "OCF_TRANSACTIONS_FILE"),
}
"""The manifest's file lists and the one file prefstack writes for each, with its ``file_type``."""

COMMON_ID = "common-stock"
UNNAMED_COMMON = "prefstack-unnamed-common-holders"
"""The stakeholder of Common Stock issued (``common_issued`` names no holder)."""
UNNAMED_OPTIONS = "prefstack-unnamed-option-holders"
"""The stakeholder of Options issued (``option_issued`` names no holder)."""
UNNAMED = {
    UNNAMED_COMMON: "Holders of Common Stock issued (not named in the ledger)",
    UNNAMED_OPTIONS: "Holders of Options issued (not named in the ledger)",
}

TRANSACTION_KINDS = frozenset(
    {
        "preferred_issued",
        "transfer",
        "conversion",
        "stock_split",
        "stock_combination",
        "common_issued",
        "common_authorized",
        "option_issued",
        "option_exercised",
        "option_expired",
    }
)
"""The event kinds an OCF transaction carries (every other kind travels in the manifest's extension)."""

DIVIDEND_KINDS = ("dividend_payment", "arrears_paid", "ratable_dividends")


def series_class_id(series: str) -> str:
    return f"series-{series}"


def generic_class_id(name: str) -> str:
    return "class-" + "".join(c if c.isalnum() else "-" for c in name.lower())


def tranche_holder_id(name: str) -> str:
    """The OCF stakeholder id of the holder of a warrant tranche of the capital structure."""
    return f"{generic_class_id(name)}/holder"


def position(class_id: str, holder: str) -> str:
    """The security id of a holder's shares of a class (reading OCF-POSITIONS: prefstack records a
    holder's shares of a class, not the certificates that hold them)."""
    return f"{class_id}/{holder}"


def _money(value: Fraction) -> dict[str, str]:
    return {"amount": numeric(value), "currency": CURRENCY}


def _ratio(value: Fraction) -> dict[str, str]:
    return {"numerator": str(value.numerator), "denominator": str(value.denominator)}


@dataclass(frozen=True)
class IssuerFacts:
    """What OCF requires of an issuer that no prefstack file records: given on the command line."""

    formation_date: dt.date
    country_of_formation: str
    country_subdivision_of_formation: str | None = None


def check_country(value: str, field: str) -> str:
    """An ISO 3166-1 alpha-2 country code (OCF's CountryCode)."""
    if len(value) != 2 or not value.isascii() or not value.isalpha() or not value.isupper():
        raise InputError(field, "OCF CountryCode", f"{value!r} is not a two-letter ISO 3166-1 code such as US")
    return value


@dataclass
class _Builder:
    placed: list[Placed]
    company: str
    as_of: dt.date
    structure: CapitalStructure | None
    issuer: IssuerFacts
    generated_at: dt.datetime

    def __post_init__(self) -> None:
        self.final: LedgerState = replay(self.placed, self.as_of, company=self.company)
        self.series = tuple(self.final.series)
        self.transactions: list[dict[str, Any]] = []
        self.package_events: list[dict[str, Any]] = []
        self.holders: dict[str, None] = {}
        self.option_balance: dict[str, Fraction] = {}
        self.ocf_options: set[str] = set()
        self.interpretations: list[str] = []
        """The interpretations whose reading the figures of the package rest on (filled at the end)."""

    # ------------------------------------------------------------------ events

    def _event_ext(self, item: Placed) -> dict[str, Any]:
        assert item.seq is not None
        return {"seq": item.seq, "event": event_document(item.event, item.recorded_at, item.recorded_by)}

    def events(self) -> None:
        off_record = {id(p) for pair in voids(self.placed) for p in pair}
        for item in self.placed:
            event = item.event
            tx = None if id(item) in off_record else self._transaction(item)
            for field in ("holder", "from_holder", "to_holder"):
                value = getattr(event, field, None)
                if tx is not None and isinstance(value, str):
                    self.holders.setdefault(value)
            if tx is None:
                self.package_events.append(self._event_ext(item))
                continue
            tx["comments"] = [extension.comment({"role": "event", "event": self._event_ext(item)})]
            self.transactions.append(tx)

    def _transaction(self, item: Placed) -> dict[str, Any] | None:
        event = item.event
        base: dict[str, Any] = {"id": f"ev-{item.seq}", "date": event.date.isoformat()}
        if isinstance(event, ev.PreferredIssued):
            cls = series_class_id(event.series)
            return {
                **base,
                "object_type": "TX_STOCK_ISSUANCE",
                "security_id": position(cls, event.holder),
                "custom_id": event.id or f"{event.series}-{item.seq}",
                "stakeholder_id": event.holder,
                "security_law_exemptions": [],
                "stock_class_id": cls,
                "share_price": _money(load_terms(event.series).original_issue_price.value),
                "quantity": numeric(event.shares),
                "stock_legend_ids": [],
            }
        if isinstance(event, ev.Transfer):
            cls = series_class_id(event.series)
            return {
                **base,
                "object_type": "TX_STOCK_TRANSFER",
                "security_id": position(cls, event.from_holder),
                "quantity": numeric(event.shares),
                "balance_security_id": position(cls, event.from_holder),
                "resulting_security_ids": [position(cls, event.to_holder)],
            }
        if isinstance(event, ev.Conversion):
            return {
                **base,
                "date": item.effective_date.isoformat(),
                "object_type": "TX_STOCK_CONVERSION",
                "security_id": position(series_class_id(event.series), event.holder),
                "quantity_converted": numeric(event.shares),
                "resulting_security_ids": [position(COMMON_ID, event.holder)],
            }
        if isinstance(event, ev.StockSplit):
            return {
                **base,
                "object_type": "TX_STOCK_CLASS_SPLIT",
                "stock_class_id": COMMON_ID,
                "split_ratio": _ratio(event.new_shares_per_old_share),
            }
        if isinstance(event, ev.StockCombination):
            return {
                **base,
                "object_type": "TX_STOCK_CLASS_SPLIT",
                "stock_class_id": COMMON_ID,
                "split_ratio": _ratio(1 / event.old_shares_per_new_share),
            }
        if isinstance(event, ev.CommonIssued):
            self.holders.setdefault(UNNAMED_COMMON)
            return {
                **base,
                "object_type": "TX_STOCK_ISSUANCE",
                "security_id": f"{COMMON_ID}/issue-{item.seq}",
                "custom_id": event.id or f"common-{item.seq}",
                "stakeholder_id": UNNAMED_COMMON,
                "security_law_exemptions": [],
                "stock_class_id": COMMON_ID,
                "share_price": _money(event.cash_consideration / event.shares),
                "quantity": numeric(event.shares),
                "stock_legend_ids": [],
            }
        if isinstance(event, ev.CommonAuthorized):
            return {
                **base,
                "object_type": "TX_STOCK_CLASS_AUTHORIZED_SHARES_ADJUSTMENT",
                "stock_class_id": COMMON_ID,
                "new_shares_authorized": numeric(event.shares),
            }
        return self._option_transaction(item, base)

    def _option_transaction(self, item: Placed, base: dict[str, Any]) -> dict[str, Any] | None:
        event = item.event
        if isinstance(event, ev.OptionIssued) and event.security == "option":
            assert event.id is not None  # required by the event
            self.holders.setdefault(UNNAMED_OPTIONS)
            self.ocf_options.add(event.id)
            self.option_balance[event.id] = event.max_shares
            return {
                **base,
                "object_type": "TX_EQUITY_COMPENSATION_ISSUANCE",
                "security_id": f"option/{event.id}",
                "custom_id": event.id,
                "stakeholder_id": UNNAMED_OPTIONS,
                "security_law_exemptions": [],
                "stock_class_id": COMMON_ID,
                "compensation_type": "OPTION",
                "quantity": numeric(event.max_shares),
                "exercise_price": _money(event.min_additional_consideration / event.max_shares),
                "expiration_date": None,
                "termination_exercise_windows": [],
            }
        if isinstance(event, ev.OptionChanged) and event.option in self.option_balance:
            self.option_balance[event.option] = event.new_max_shares
            return None
        if isinstance(event, ev.OptionExercised) and event.option in self.ocf_options:
            self.option_balance[event.option] -= event.shares
            return {
                **base,
                "object_type": "TX_EQUITY_COMPENSATION_EXERCISE",
                "security_id": f"option/{event.option}",
                "quantity": numeric(event.shares),
                "resulting_security_ids": [],
            }
        if isinstance(event, ev.OptionExpired) and event.option in self.ocf_options:
            expired = self.option_balance[event.option] if event.shares is None else event.shares
            self.option_balance[event.option] -= expired
            return {
                **base,
                "object_type": "TX_EQUITY_COMPENSATION_CANCELLATION",
                "security_id": f"option/{event.option}",
                "quantity": numeric(expired),
                "reason_text": "expired unexercised (§5(d)(iii)(B))",
            }
        return None

    # ------------------------------------------------------------------ derived transactions

    def derived(self) -> None:
        """Shares issued as dividends, shares redeemed or retired otherwise, and changes of the
        Conversion Price, found by replaying the ledger to each date on which an event could make
        them and comparing with the day before (reading OCF-DERIVED-TRANSACTIONS)."""
        decision("ocf", "OCF-DERIVED-TRANSACTIONS")
        by_date: dict[dt.date, list[Placed]] = defaultdict(list)
        for item in self.placed:
            if not isinstance(item.event, ev.ClosingPrice):
                by_date[item.effective_date].append(item)
            if isinstance(item.event, ev.RedemptionDeposit):
                by_date.setdefault(item.event.redemption_date, [])
        days = sorted(d for d in by_date if d <= self.as_of)
        if not days:
            return
        before = replay(self.placed, days[0] - dt.timedelta(days=1), company=self.company)
        previous_prices = self._prices(before)
        for day in days:
            after = replay(self.placed, day, company=self.company)
            prices = self._prices(after)
            self._share_changes(day, by_date[day], before, after)
            for series, price in prices.items():
                old = previous_prices.get(series)
                if price is not None and old is not None and price != old:
                    self._ratio_adjustment(day, series, price, by_date[day])
            before, previous_prices = after, prices

    @staticmethod
    def _prices(state: LedgerState) -> dict[str, Fraction | None]:
        from prefstack.ledger import section5

        found: dict[str, Fraction | None] = {}
        for series, s in state.series.items():
            if s.original_issuance_date is None:
                found[series] = None
                continue
            found[series] = section5.conversion_price_state(state, series, state.as_of).conversion_price
        return found

    def _share_changes(self, day: dt.date, items: list[Placed], before: LedgerState, after: LedgerState) -> None:
        for series in self.series:
            cls = series_class_id(series)
            explained: dict[str, Fraction] = defaultdict(Fraction)
            for item in items:
                e = item.event
                if isinstance(e, ev.PreferredIssued) and e.series == series:
                    explained[e.holder] += e.shares
                elif isinstance(e, ev.Transfer) and e.series == series:
                    explained[e.from_holder] -= e.shares
                    explained[e.to_holder] += e.shares
                elif isinstance(e, ev.Conversion) and e.series == series:
                    explained[e.holder] -= e.shares
            old, new = before.series[series].holdings, after.series[series].holdings
            for holder in sorted(set(old) | set(new)):
                was = old[holder].shares if holder in old else Fraction(0)
                now = new[holder].shares if holder in new else Fraction(0)
                change = now - was - explained[holder]
                if change:
                    self._share_change(day, series, cls, holder, change, items, after)

    def _share_change(
        self,
        day: dt.date,
        series: str,
        cls: str,
        holder: str,
        change: Fraction,
        items: list[Placed],
        after: LedgerState,
    ) -> None:
        terms = load_terms(series)
        n = len(self.transactions)
        if change > 0:
            source = _first(items, DIVIDEND_KINDS, series)
            self.holders.setdefault(holder)
            self.transactions.append(
                {
                    "id": f"derived-{n + 1}",
                    "object_type": "TX_STOCK_ISSUANCE",
                    "date": day.isoformat(),
                    "security_id": position(cls, holder),
                    "custom_id": f"pik-{series}-{day.isoformat()}-{holder}",
                    "stakeholder_id": holder,
                    "security_law_exemptions": [],
                    "stock_class_id": cls,
                    "share_price": _money(Fraction(0)),
                    "quantity": numeric(change),
                    "stock_legend_ids": [],
                    "consideration_text": f"PIK dividend shares ({terms.dividends.forms.cite})",
                    "comments": [self._derived_ext(source, terms.dividends.forms.cite, quantity=change)],
                }
            )
            return
        redeemed = [r for r in after.series[series].redemptions if r.on == day]
        if redeemed:
            from prefstack.explain import exact_value

            part = redeemed[-1].holder(holder)
            price = exact_value(part.price_per_share)
            clause = terms.redeemable().anniversary_years.cite
            source = _first(items, ("redemption", "redemption_deposit"), series)
            self.transactions.append(
                {
                    "id": f"derived-{n + 1}",
                    "object_type": "TX_STOCK_REPURCHASE",
                    "date": day.isoformat(),
                    "security_id": position(cls, holder),
                    "price": _money(price),
                    "quantity": numeric(-change),
                    "consideration_text": f"redemption ({clause})",
                    "comments": [self._derived_ext(source, clause, quantity=-change, price=price)],
                }
            )
            return
        source = items[0] if items else None
        clause = "ledger format" if source is None else ev.event_clause(source.event)
        self.transactions.append(
            {
                "id": f"derived-{n + 1}",
                "object_type": "TX_STOCK_CANCELLATION",
                "date": day.isoformat(),
                "security_id": position(cls, holder),
                "quantity": numeric(-change),
                "reason_text": f"shares retired ({clause})",
                "comments": [self._derived_ext(source, clause, quantity=-change)],
            }
        )

    def _ratio_adjustment(self, day: dt.date, series: str, price: Fraction, items: list[Placed]) -> None:
        terms = load_terms(series)
        ratio = terms.original_issue_price.value / price
        section5_kinds = (
            "common_issued",
            "option_issued",
            "option_changed",
            "option_exercised",
            "option_expired",
            "stock_split",
            "stock_combination",
            "stock_dividend",
            "other_distribution",
            "reclassification",
        )
        source = _first(items, section5_kinds, None) or (items[0] if items else None)
        clause = f"{series} §5(d)" if source is None else ev.event_clause(source.event)
        self.transactions.append(
            {
                "id": f"derived-{len(self.transactions) + 1}",
                "object_type": "TX_STOCK_CLASS_CONVERSION_RATIO_ADJUSTMENT",
                "date": day.isoformat(),
                "stock_class_id": series_class_id(series),
                "new_ratio_conversion_mechanism": _mechanism(price, ratio),
                "comments": [self._derived_ext(source, clause, conversion_price=price, ratio=ratio)],
            }
        )

    @staticmethod
    def _derived_ext(source: Placed | None, clause: str, **exact: Fraction) -> str:
        seq = 1 if source is None or source.seq is None else source.seq
        data = {"role": "derived", "from_seq": seq, "clause": clause}
        return extension.comment({**data, "exact": {k: exact_string(v) for k, v in exact.items()}})

    # ------------------------------------------------------------------ objects

    def warrants(self) -> None:
        """Each warrant tranche of the capital structure whose issuance it records, as a
        ``TX_WARRANT_ISSUANCE`` to a stakeholder of its own (the tranche's extension; the capital
        structure itself travels in the manifest's)."""
        for t in self._issued_warrants():
            assert t.issuance is not None
            security = generic_class_id(t.name)
            self.transactions.append(
                {
                    "object_type": "TX_WARRANT_ISSUANCE",
                    "id": f"{security}/issuance",
                    "date": t.issuance.date.isoformat(),
                    "security_id": security,
                    "custom_id": t.name,
                    "stakeholder_id": tranche_holder_id(t.name),
                    "security_law_exemptions": [],
                    "quantity": numeric(t.count),
                    "exercise_price": _money(t.strike_price),
                    "purchase_price": _money(t.issuance.purchase_price),
                    "exercise_triggers": [],
                    "comments": [extension.comment({"role": "tranche", "name": t.name})],
                }
            )

    def _issued_warrants(self) -> list[OptionTranche]:
        if self.structure is None:
            return []
        return [t for t in self.structure.options_and_warrants if t.kind == "warrant" and t.issuance is not None]

    def stakeholders(self) -> list[dict[str, Any]]:
        out = [
            {
                "object_type": "STAKEHOLDER",
                "id": tranche_holder_id(t.name),
                "name": {"legal_name": t.issuance.holder},
                "stakeholder_type": "INSTITUTION",
                "comments": [extension.comment({"role": "tranche", "name": t.name})],
            }
            for t in self._issued_warrants()
            if t.issuance is not None
        ]
        for holder in self.holders:
            name = UNNAMED.get(holder, self.final.holder_name(holder))
            out.append(
                {
                    "object_type": "STAKEHOLDER",
                    "id": holder,
                    "name": {"legal_name": name},
                    "stakeholder_type": "INSTITUTION",
                    "comments": [extension.comment({"role": "stakeholder", "holder": holder, "name": name})],
                }
            )
        return out

    def _seniority(self) -> tuple[dict[str, int], int]:
        """OCF seniority (higher is paid first) from the capital structure's ranks (1 is paid first)."""
        ranks: dict[str, int] = {}
        if self.structure is not None:
            ranks = {c.name: c.rank for c in self.structure.classes}
        top = max(ranks.values(), default=1)
        return {name: top + 2 - rank for name, rank in ranks.items()}, top + 2 - 1

    def stock_classes(self) -> list[dict[str, Any]]:
        seniority, certificate_default = self._seniority()
        prices = self._prices(self.final)
        out = []
        for series in self.series:
            terms = load_terms(series)
            name = f"Series {series}"
            price = prices[series] or terms.conversion.initial_conversion_price.value
            ratio = terms.original_issue_price.value / price
            votes = ratio  # as converted, before a holder's votes are taken in whole shares (F §4)
            item: dict[str, Any] = {
                "object_type": "STOCK_CLASS",
                "id": series_class_id(series),
                "name": name,
                "class_type": "PREFERRED",
                "default_id_prefix": f"{series}-",
                "initial_shares_authorized": numeric(terms.authorized_shares.value),
                "votes_per_share": numeric(votes),
                "par_value": _money(terms.par_value.value),
                "price_per_share": _money(terms.original_issue_price.value),
                "seniority": str(seniority.get(name, certificate_default)),
                "conversion_rights": [
                    {
                        "type": "STOCK_CLASS_CONVERSION_RIGHT",
                        "conversion_mechanism": _mechanism(price, ratio),
                        "converts_to_stock_class_id": COMMON_ID,
                    }
                ],
                "liquidation_preference_multiple": numeric(terms.liquidation.preference_multiple.value),
                "comments": [
                    extension.comment(
                        {
                            "role": "stock_class",
                            "series": series,
                            "class_name": name,
                            "exact": {"conversion_price": exact_string(price), "votes_per_share": exact_string(votes)},
                        }
                    )
                ],
            }
            out.append(item)
        for g in self.structure.generic if self.structure is not None else ():
            out.append(_generic_class(g, seniority[g.name]))
        authorized = self.final.common_authorized
        out.append(
            {
                "object_type": "STOCK_CLASS",
                "id": COMMON_ID,
                "name": "Common Stock" if self.structure is None else self.structure.common.name,
                "class_type": "COMMON",
                "default_id_prefix": "CS-",
                "initial_shares_authorized": "NOT APPLICABLE" if authorized is None else numeric(authorized),
                "votes_per_share": "1",
                "seniority": "1",
                "comments": [
                    extension.comment(
                        {"role": "stock_class", "series": None, "class_name": "Common Stock", "exact": {}}
                    )
                ],
            }
        )
        return out

    def stock_plans(self) -> list[dict[str, Any]]:
        if self.structure is None:
            return []
        return [
            {
                "object_type": "STOCK_PLAN",
                "id": generic_class_id(t.name),
                "plan_name": t.name,
                "initial_shares_reserved": numeric(t.count),
                "stock_class_ids": [COMMON_ID],
                "comments": [extension.comment({"role": "tranche", "name": t.name})],
            }
            for t in self.structure.options_and_warrants
            if t.kind == "option"
        ]

    def manifest(self, files: dict[str, dict[str, Any]]) -> dict[str, Any]:
        issuer: dict[str, Any] = {
            "object_type": "ISSUER",
            "id": "issuer",
            "legal_name": self._legal_name(),
            "formation_date": self.issuer.formation_date.isoformat(),
            "country_of_formation": self.issuer.country_of_formation,
        }
        if self.issuer.country_subdivision_of_formation:
            issuer["country_subdivision_of_formation"] = self.issuer.country_subdivision_of_formation
        package = {
            "role": "package",
            "company": self.company,
            "as_of": self.as_of.isoformat(),
            "terms": {s: load_terms(s).designation.value for s in self.series},
            "readings": dict(active()),
            "interpretations": self.interpretations,
            "events": self.package_events,
            "capital_structure": None if self.structure is None else self.structure.model_dump(mode="json"),
        }
        doc: dict[str, Any] = {
            "ocf_version": OCF_VERSION,
            "file_type": "OCF_MANIFEST_FILE",
            "issuer": issuer,
            "as_of": self.as_of.isoformat(),
            "generated_at": self.generated_at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
        }
        for key, (name, _) in FILES.items():
            doc[key] = [{"filepath": f"./{name}", "md5": md5(files[name])}]
        doc["comments"] = [extension.comment(package)]
        return doc

    def _legal_name(self) -> str:
        if self.final.company is not None:
            return self.final.company.name
        from prefstack.instruments.registry import issuer

        return issuer(self.company).name


def _first(items: Sequence[Placed], kinds: Sequence[str], series: str | None) -> Placed | None:
    for item in items:
        if item.event.kind in kinds and (series is None or getattr(item.event, "series", series) == series):
            return item
    return None


def _mechanism(price: Fraction, ratio: Fraction) -> dict[str, Any]:
    """A RATIO_CONVERSION: the Conversion Price and the exact conversion ratio (Original Issue Price /
    Conversion Price, F §5(a)); whole shares only, the fraction paid in cash (§5(b)): FLOOR."""
    return {
        "type": "RATIO_CONVERSION",
        "conversion_price": _money(price),
        "ratio": _ratio(ratio),
        "rounding_type": "FLOOR",
    }


def _generic_class(g: GenericClass, seniority: int) -> dict[str, Any]:
    multiple = g.preference_per_share / g.original_issue_price
    item: dict[str, Any] = {
        "object_type": "STOCK_CLASS",
        "id": generic_class_id(g.name),
        "name": g.name,
        "class_type": "PREFERRED",
        "default_id_prefix": generic_class_id(g.name) + "-",
        "initial_shares_authorized": "NOT APPLICABLE",
        "votes_per_share": numeric(g.common_per_share or 0) if g.votes_with_common else "0",
        "price_per_share": _money(g.original_issue_price),
        "seniority": str(seniority),
        "liquidation_preference_multiple": numeric(multiple),
        "comments": [
            extension.comment(
                {
                    "role": "stock_class",
                    "series": None,
                    "class_name": g.name,
                    "exact": {"multiple": exact_string(multiple)},
                }
            )
        ],
    }
    if g.participating and g.participation_cap is not None:
        item["participation_cap_multiple"] = numeric(g.participation_cap)
    per = g.common_per_share
    if per is not None:
        price = g.original_issue_price / per
        item["conversion_rights"] = [
            {
                "type": "STOCK_CLASS_CONVERSION_RIGHT",
                "conversion_mechanism": _mechanism(price, per),
                "converts_to_stock_class_id": COMMON_ID,
            }
        ]
    return item


def md5(doc: dict[str, Any]) -> str:
    """The md5 of a file as :func:`dumps` writes it."""
    return hashlib.md5(dumps(doc).encode("utf-8")).hexdigest()


def dumps(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def export_package(
    placed: Sequence[Placed],
    company: str,
    as_of: dt.date,
    structure: CapitalStructure | None,
    issuer: IssuerFacts,
    generated_at: dt.datetime,
) -> dict[str, dict[str, Any]]:
    """The OCF package of the ledger ``placed`` of ``company`` as of ``as_of``: file name -> JSON.
    Events dated after ``as_of`` are left out (the package is the cap table as of that date)."""
    decision("ocf", "OCF-POSITIONS")
    kept = [p for p in placed if p.event.date <= as_of]
    if not kept:
        raise InputError("--as-of", "ledger format", f"the ledger has no event on or before {as_of}")
    with consulting() as consulted:
        builder = _Builder(kept, company, as_of, structure, issuer, generated_at)
        builder.events()
        builder.derived()
        builder.warrants()
        builder.transactions.sort(key=lambda t: (t["date"], 0 if t["id"].startswith("ev-") else 1))
        items = {
            "stakeholders_files": builder.stakeholders(),
            "stock_classes_files": builder.stock_classes(),
            "stock_plans_files": builder.stock_plans(),
            "stock_legend_templates_files": [],
            "vesting_terms_files": [],
            "valuations_files": [],
            "transactions_files": builder.transactions,
        }
    builder.interpretations = sorted(consulted)
    files = {name: {"items": items[key], "file_type": file_type} for key, (name, file_type) in FILES.items()}
    return {MANIFEST: builder.manifest(files), **files}
