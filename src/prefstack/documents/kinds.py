"""The documents, built from the ledger's state: one function per kind."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from fractions import Fraction

from prefstack.clauses import antidilution as ad
from prefstack.clauses.notices import effective_date_notice_deadline, record_date_notice_deadline
from prefstack.clauses.redemption import conversion_rights_end, redemption_notice_window
from prefstack.documents import Document, Figure, Image, Table
from prefstack.documents.charts import as_base64, history_png
from prefstack.errors import InputError
from prefstack.explain import Explained, display, render
from prefstack.ledger import events as ev
from prefstack.ledger.replay import LedgerState, Placed, holding_accrued_unpaid
from prefstack.ledger.section5 import conversion_price_state
from prefstack.numeric import Rounding, round_to
from prefstack.queries import conversion_quote


def _money(x: Fraction, clause: str) -> str:
    return f"${round_to(x, 2, Rounding.HALF_UP, clause).value:,}"


def _fr(x: Explained) -> Fraction:
    assert isinstance(x.value, (Fraction, int)) and not isinstance(x.value, bool)
    return Fraction(x.value)


def _walk(items: Iterable[Explained]) -> list[Explained]:
    out: list[Explained] = []
    for item in items:
        out.append(item)
        out.extend(_walk(item.parts))
    return out


def _interpretations(items: Iterable[Explained]) -> list[str]:
    return sorted({i for x in _walk(items) for i in x.interpretations})


def dividend_statement(state: LedgerState, series: str, holder: str, payment_date: dt.date) -> Document:
    """F §2: what a holder received on a Payment Date, in each form, and how it was priced."""
    s = state.series[series]
    record = next((r for r in s.payments.get(payment_date, []) if r.holder == holder), None)
    if record is None:
        raise InputError(
            "--payment-date", f"{series} §2(a)", f"no dividend was paid to {holder!r} on {payment_date} in the ledger"
        )
    p = record.payment
    clause = p.dividend.clause
    figures = [Figure("Dividend for the period", _money(_fr(p.dividend), clause), clause)]
    election = p.election
    figures.append(
        Figure(
            "Form (cash / PIK / common)",
            f"{display(election.cash)} / {display(election.pik)} / {display(election.common)}",
            p.election_clause if hasattr(p, "election_clause") else f"{series} §2(b)",
        )
    )
    basis = [f"dividend_payment of Series {series} on {payment_date} (paid)", f"form: {record.form_reason}"]
    if p.pik_shares is not None:
        figures.append(Figure("PIK Preferred Shares issued", display(_fr(p.pik_shares)), p.pik_shares.clause))
    if p.cash is not None:
        figures.append(Figure("Cash paid", _money(_fr(p.cash), p.cash.clause), p.cash.clause))
    if p.common_shares is not None and p.cash_for_fraction is not None:
        price = p.common_shares.parts[0]
        figures.append(Figure("Average closing price (25 trading days)", f"${display(_fr(price))}", price.clause))
        figures.append(Figure("Shares of Common Stock issued", f"{p.common_shares.value:,}", p.common_shares.clause))
        figures.append(
            Figure(
                "Cash for the fraction of a share",
                _money(_fr(p.cash_for_fraction), p.cash_for_fraction.clause),
                p.cash_for_fraction.clause,
            )
        )
        basis.append(
            f"closing prices of the {price.inputs['trading_days']} Nasdaq trading days "
            f"{price.inputs['first_trading_day']} to {price.inputs['last_trading_day']} (closing_price events)"
        )
    for part in _walk([p.dividend]):
        if part.name == "dividend_rate":
            basis.append(f"dividend period {part.inputs['period_start']} to {part.inputs['period_end']}")
    return Document(
        title=f"Dividend payment statement: Series {series}, {payment_date}",
        subtitle=f"to {holder}",
        paragraphs=[
            f"On the Payment Date {payment_date} the Company paid {holder} the quarterly dividend on its Series "
            f"{series} Preferred Stock in the form shown below ({series} §2(a)-(b))."
        ],
        figures=figures,
        basis=basis,
        interpretations=_interpretations([p.dividend, *p.figures()]),
    )


def certificate_of_adjustment(state: LedgerState, series: str, adjustment_date: dt.date | None) -> Document:
    """F/G §5(j): the adjustment, the facts it rests on, the price before and after, and what a
    conversion now gives."""
    result = conversion_price_state(state, series)
    chosen = [a for a in result.adjustments if adjustment_date is None or a.date == adjustment_date]
    if not chosen:
        raise InputError(
            "--date",
            f"{series} §5(j)",
            f"no adjustment of the Series {series} Conversion Price"
            + (f" on {adjustment_date}" if adjustment_date else f" up to {state.as_of}"),
        )
    adjustment = chosen[-1]
    cert = ad.certificate_of_adjustment(state.series[series].terms, adjustment, result.entitlements)
    clause = f"{series} §5(j)"
    figures = [
        Figure("Conversion Price before", f"${display(cert.price_before)}", adjustment.clause),
        Figure("Conversion Price after", f"${display(cert.price_after)}", adjustment.clause),
        Figure(
            "Common Stock per preferred share now", display(cert.common_shares_per_preferred_share), f"{series} §5(a)"
        ),
    ]
    figures += [
        Figure(f"Other property per share: {d}", display(a), f"{series} §5(g)")
        for d, a in cert.other_property_per_share
    ]
    facts = Table(
        "Facts on which the adjustment is based",
        ("fact", "value"),
        tuple((k, render(v)) for k, v in cert.facts.items()),
    )
    return Document(
        title=f"Certificate of adjustment: Series {series} Conversion Price",
        subtitle=f"adjustment of {adjustment.date} under {adjustment.clause}",
        paragraphs=[f"Furnished under {clause} to each holder of Series {series} Preferred Stock."],
        figures=figures,
        tables=[facts],
        basis=[
            f"{len(state.section5_actions)} section 5 actions in the ledger up to {state.as_of}",
            f"adjustment: {adjustment.action}",
        ],
        interpretations=_interpretations([adjustment.explained]),
    )


def conversion_statement(
    state: LedgerState, series: str, holder: str, shares: Fraction, funds: Fraction | None
) -> Document:
    """F/G §5(a)-(c): common shares, cash for the fraction, and the accrued dividends settled."""
    q = conversion_quote(state, series, holder, shares, funds)
    settlement = q["dividend_settlement"]
    figures = [
        Figure("Preferred shares converted", str(q["shares_converted"]), f"{series} §5(a)"),
        Figure("Conversion Price", f"${q['conversion_price']}", f"{series} §5(a)"),
        Figure("Shares of Common Stock", f"{q['common_shares']:,}", f"{series} §5(b)"),
        Figure("Cash for the fraction of a share", f"${q['cash_for_fraction']}", f"{series} §5(b)"),
        Figure(
            "Accrued but unpaid dividends",
            _money(Fraction(q["accrued_unpaid_dividends"]), f"{series} §5(c)(iii)"),
            f"{series} §5(c)(iii)",
        ),
        Figure("  paid in cash", f"${settlement['cash']}", f"{series} §5(c)(iii)"),
        Figure("  paid in Common Stock (shares)", str(settlement["common_shares"]), f"{series} §5(c)(iii)"),
    ]
    return Document(
        title=f"Conversion statement: Series {series}",
        subtitle=f"{holder}, Conversion Date {state.as_of}",
        paragraphs=[f"Conversion deemed made at the close of business on {state.as_of} ({series} §5(c)(i))."],
        figures=figures,
        basis=[
            f"the ledger's events up to {state.as_of}: holding of {holder}, dividends paid and unpaid, "
            f"{len(state.section5_actions)} section 5 actions"
        ],
        interpretations=sorted({i for e in q["explain"] for i in e.get("interpretations", [])}),
    )


def redemption_notice(state_on_redemption: LedgerState, series: str, redemption_date: dt.date, place: str) -> Document:
    """F §6(e) / G §6(d): shares to be redeemed from each holder, the Redemption Date, the price
    per share and the place of payment."""
    s = state_on_redemption.series[series]
    window = redemption_notice_window(s.terms, redemption_date)
    cutoff = conversion_rights_end(s.terms, redemption_date, payment_defaulted=False)
    rows = []
    for holder in sorted(s.holdings):
        h = s.holdings[holder]
        if not h.shares:
            continue
        accrued = _fr(holding_accrued_unpaid(s, h, redemption_date))
        price = s.terms.original_issue_price.value + accrued / h.shares
        rows.append(
            (
                holder,
                display(h.shares),
                _money(price, window.latest.clause),
                _money(price * h.shares, window.latest.clause),
            )
        )
    if not rows:
        raise InputError("--series", f"{series} §6(a)", f"no Series {series} shares are outstanding")
    return Document(
        title=f"Redemption Notice: Series {series} Preferred Stock",
        subtitle=f"Redemption Date {redemption_date}",
        paragraphs=[
            f"The Company will redeem the Series {series} Preferred Stock on the Redemption Date {redemption_date} "
            f"at the Redemption Price: the Original Series {series} Issue Price of $1,000.00 plus accrued but unpaid "
            f"dividends to that date ({series} §6(a)). Payment may be obtained at {place}.",
            f"Conversion Rights for the shares called end at the close of business on {cutoff.value} "
            f"({cutoff.clause}).",
            f"This notice must be sent between {window.earliest.value} and {window.latest.value} "
            f"({window.latest.clause}).",
        ],
        tables=[Table("Shares to be redeemed", ("holder", "shares", "price per share", "amount"), tuple(rows))],
        basis=[f"holdings and dividends from the ledger, projected to {redemption_date} with no further payment"],
        interpretations=["DIV-ACCRUED-UNPAID"],
    )


def record_date_notice(state: LedgerState, placed: Sequence[Placed], event_id: str) -> Document:
    """F/G §5(k): notice of the record date of a dividend, distribution, split or combination, or
    of the effective date of a reclassification or liquidation."""
    found = next((p for p in placed if p.event.id == event_id), None)
    if found is None:
        raise InputError("--event", "F §5(k)", f"no event has id {event_id!r}")
    e = found.event
    record_kinds = (ev.StockSplit, ev.StockCombination, ev.StockDividend, ev.OtherDistribution)
    if not isinstance(e, (*record_kinds, ev.Reclassification, ev.Liquidation)):
        raise InputError("--event", "F §5(k)", f"a {e.kind} needs no notice of record date under §5(k)")
    rows = []
    for series in ("F", "G"):
        terms = state.series[series].terms
        rule = record_date_notice_deadline if isinstance(e, record_kinds) else effective_date_notice_deadline
        deadline = rule(terms, e.date)
        rows.append((f"Series {series}", str(deadline.value), deadline.clause))
    label = "record date" if isinstance(e, record_kinds) else "date it is expected to become effective"
    return Document(
        title=f"Notice of {label}: {e.kind.replace('_', ' ')}",
        subtitle=f"{label} {e.date}",
        paragraphs=[
            f"The Company gives notice under F §5(k) and G §5(k) that the {label} of the {e.kind.replace('_', ' ')} "
            f"is {e.date}." + (f" ({e.note})" if e.note else "")
        ],
        tables=[Table("Notice due to the holders by", ("holders", "date", "clause"), tuple(rows))],
        basis=[found.label],
        interpretations=["NOTICE-CALENDAR-DAYS"],
    )


def history_document(placed: Sequence[Placed], series: str, start: dt.date, end: dt.date) -> tuple[Document, bytes]:
    png = history_png(placed, series, start, end)
    doc = Document(
        title=f"Series {series}: shares, liquidation value and Conversion Price",
        subtitle=f"{start} to {end}, month ends",
        paragraphs=["Each point is the ledger replayed to that date; the figures are exact, the chart is a drawing."],
        images=[Image(f"Series {series} history", as_base64(png))],
        basis=[f"{len(placed)} ledger events"],
    )
    return doc, png
