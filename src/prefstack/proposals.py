"""A transaction proposed, not recorded (``prefstack transaction`` and the web service's
``/transaction``): the ledger event a question about a merger, a sale, a change of control, a
board turnover or an insolvency proposes, from the facts given (F/G §6(b), G §3(d))."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from prefstack.errors import InputError
from prefstack.ledger.events import LedgerEvent, parse_event

__all__ = ["TRANSACTION_FACTS", "TRANSACTION_KINDS", "judged_on", "proposed_transaction"]

TRANSACTION_KINDS = {
    "merger": "merger_or_sale",
    "consolidation": "merger_or_sale",
    "asset_sale": "merger_or_sale",
    "subsidiary_stock_sale": "merger_or_sale",
    "control_acquisition": "control_acquisition",
    "board_turnover": "board_turnover",
    "insolvency": "insolvency",
}
"""The kinds of transaction a question asks about, and the ledger event of each."""

TRANSACTION_FACTS = {
    "merger_or_sale": ("prior_stockholders_voting_share", "all_or_substantially_all", "consideration"),
    "control_acquisition": ("acquirers", "voting_power_after"),
    "board_turnover": ("period_start_year", "board_size", "continuing_directors"),
    "insolvency": ("insolvency", "appointed_with_consent", "vacated_or_stayed_on"),
}
"""The facts each event of §6(b) records."""


def proposed_transaction(
    kind: str, on: str, facts: Mapping[str, object], agreement_only: bool, kind_field: str
) -> LedgerEvent:
    """The ledger event of a ``kind`` transaction taking effect ``on``, with the facts of that kind
    that were given (None: not given); an unknown kind is refused naming ``kind_field``, listing the
    kinds, and a fact the event refuses names the event's field."""
    event_kind = TRANSACTION_KINDS.get(kind)
    if event_kind is None:
        raise InputError(kind_field, "F §6(b)", f"{kind!r}: ask about {', '.join(TRANSACTION_KINDS)}")
    fields: dict[str, object] = {
        "kind": event_kind,
        "date": on,
        "description": f"proposed {kind}",
        "agreement_only": agreement_only,
    }
    if event_kind == "merger_or_sale":
        fields["transaction"] = kind
    fields.update({name: facts[name] for name in TRANSACTION_FACTS[event_kind] if facts.get(name) is not None})
    return parse_event(fields, kind_field)


def judged_on(event: LedgerEvent, as_of: str | None, field: str) -> dt.date | None:
    """The date the facts of a proposed ``event`` are judged on (``as_of``; None: its own date),
    refused before the transaction's date."""
    from prefstack.arguments import parse_date

    judge_on = None if as_of is None else parse_date(as_of, field, "F §6(b)")
    if judge_on is not None and judge_on < event.date:
        raise InputError(field, "F §6(b)", f"judge the facts on or after the transaction's date {event.date}")
    return judge_on
