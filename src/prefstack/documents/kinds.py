"""The documents, built from the ledger's state: one function per kind."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from fractions import Fraction

from prefstack.answers import Figure as AnswerFigure
from prefstack.clauses import antidilution as ad
from prefstack.clauses.notices import effective_date_notice_deadline, record_date_notice_deadline
from prefstack.clauses.redemption import conversion_rights_end, redemption_notice_window, redemption_price_per_share
from prefstack.documents import Addressee, Document, Figure, Image, Letterhead, Table
from prefstack.documents.charts import as_base64, chart_data, history_png
from prefstack.errors import InputError
from prefstack.explain import Explained, display, exact_value, render
from prefstack.figures import PRICE, SHARES, fixed, quantity_text
from prefstack.instruments.registry import ISSUER_FILE, TransferAgent, issuer_of_series
from prefstack.interpretations import reading, registry
from prefstack.interpretations.readings import chosen
from prefstack.ledger import events as ev
from prefstack.ledger.replay import NO_PREFERRED_SPLIT, LedgerState, Placed, replay
from prefstack.ledger.section5 import conversion_price_state
from prefstack.numeric import Rounding, round_to
from prefstack.queries import conversion_quote, holder_dividend, redemption_holdings


def _common_text(count: int | AnswerFigure | None) -> str:
    """Shares of Common Stock issued: ``8,117,079``, or, where a reading issues a fraction of a share
    (DIV-F-COMMON-FRACTIONS=fractional), the shares to two places with the exact count beside."""
    if isinstance(count, AnswerFigure):
        return f"{quantity_text(count.value, SHARES)} (exact {display(Fraction(count.value))})"
    return f"{count or 0:,}"


def _money(x: Fraction, clause: str) -> str:
    return f"${round_to(x, 2, Rounding.HALF_UP, clause).value:,}"


def _count(x: Fraction) -> str:
    """A number of shares for people, as F Sched. 1 shows them: whole shares with thousands
    separators, a fractional count (PIK shares are exact, F §2(a)) to two decimals; the exact
    value goes in the annex (:func:`_exact_note`)."""
    if x.denominator == 1:
        return f"{x.numerator:,}"
    return quantity_text(x, SHARES)


def _exact_note(label: str, x: Fraction) -> str | None:
    """The annex line giving the exact value of a figure shown rounded, or None when it is exact."""
    shown = round_to(x, SHARES, Rounding.HALF_UP, "display").value
    if x.denominator == 1 or Fraction(shown) == x:
        return None
    return f"{label}: exactly {display(x)}"


def _share_of(x: Fraction) -> str:
    """A fraction of the dividend as a percentage: 1/2 as 50%, 1/3 as 33.33%."""
    percent = x * 100
    if percent.denominator == 1:
        return f"{percent.numerator}%"
    return f"{quantity_text(percent, 2)}%"


def _day(x: Explained) -> dt.date:
    assert isinstance(x.value, dt.date)
    return x.value


def _walk(items: Iterable[Explained]) -> list[Explained]:
    out: list[Explained] = []
    for item in items:
        out.append(item)
        out.extend(_walk(item.parts))
    return out


def _interpretations(items: Iterable[Explained]) -> list[str]:
    return sorted({i for x in _walk(items) for i in x.interpretations})


def letterhead(state: LedgerState) -> Letterhead:
    """The Company's block from the latest ``company_details`` on or before the state's date;
    without one, the certificates' name of the Company and nothing else (NOTICE-SIGNATORY)."""
    reading("NOTICE-SIGNATORY")
    c = state.company
    if c is None:
        return Letterhead()
    match chosen("NOTICE-SIGNATORY"):
        case "default":
            return Letterhead(c.name, c.address, c.officer_name, c.officer_title)
        case "secretary":
            title = SECRETARY
        case "chairman-and-ceo":
            title = CHAIRMAN_AND_CEO
        case other:
            raise AssertionError(f"NOTICE-SIGNATORY alternative {other!r} is registered but not computed")
    if " ".join(c.officer_title.split()).casefold() != title.casefold():
        raise InputError(
            "officer_title",
            ", ".join(registry()[reading("NOTICE-SIGNATORY")].clauses),
            f"notices are signed by the {title} (NOTICE-SIGNATORY={chosen('NOTICE-SIGNATORY')}), but the "
            f"company_details of {c.since} names {c.officer_name}, {c.officer_title}: record a company_details "
            f"naming the {title}",
        )
    return Letterhead(c.name, c.address, c.officer_name, title)


SECRETARY = "Secretary"
"""The officer who attests the certificates of designation (NOTICE-SIGNATORY=secretary)."""
CHAIRMAN_AND_CEO = "Chairman of the Board and Chief Executive Officer"
"""The officer who executes them (NOTICE-SIGNATORY=chairman-and-ceo)."""


def addressee(state: LedgerState, holder: str) -> Addressee:
    """The holder at its last address on the records of the Company (F/G §5(k)). A holder with no
    address on record is not refused: its document says "no address on record in the ledger"
    where the address would be, so that no notice the Company owes is held back and no address is
    invented (interpretation NOTICE-ADDRESS). Under NOTICE-ADDRESS=refuse no document is made for
    it; under NOTICE-ADDRESS=transfer-agent it is addressed in care of the company's transfer agent
    (its issuer.yaml's ``transfer_agent``), and refused where none is on file."""
    found = state.addresses.get(holder)
    if found is not None:
        return Addressee(state.holder_name(holder), found.address)
    match chosen("NOTICE-ADDRESS"):
        case "default":
            return Addressee(state.holder_name(holder), None)
        case "refuse":  # no document
            raise InputError(
                "holder",
                ", ".join(registry()[reading("NOTICE-ADDRESS")].clauses),
                f"no address of {state.holder_name(holder)} is on record in the ledger (NOTICE-ADDRESS=refuse): "
                "record a holder_address event",
            )
        case "transfer-agent":
            agent = _transfer_agent(state, holder)
            return Addressee(
                state.holder_name(holder),
                (f"c/o {agent.name}", *agent.address),
                f"in care of the transfer agent: no address of the holder is on record in the ledger "
                f"(NOTICE-ADDRESS=transfer-agent, {_notice_clause(state, holder)})",
            )
        case other:
            raise AssertionError(f"NOTICE-ADDRESS alternative {other!r} is registered but not computed")


def _notice_clause(state: LedgerState, holder: str) -> str:
    """The clause that has notices mailed to the holders' addresses (F/G §5(k)), from the terms of
    each series ``holder`` holds or held shares of (of every series of the ledger for a holder of
    none, whose document is refused elsewhere)."""
    held = [s for s in state.series.values() if holder in s.holdings] or list(state.series.values())
    return ", ".join(sorted({s.terms.conversion.record_date_notice_days.cite for s in held}))


def _transfer_agent(state: LedgerState, holder: str) -> TransferAgent:
    """The transfer agent of the ledger's company (its issuer.yaml's ``transfer_agent``), in whose
    care NOTICE-ADDRESS=transfer-agent addresses ``holder``'s document; refused where none is on file."""
    companies = {issuer_of_series(series) for series in state.series}
    if len(companies) != 1:  # replay holds the series of one company, and a holder's document one of them
        raise AssertionError(f"a holder's document is of one company's ledger, not of {len(companies)}")
    (company,) = companies
    if company.transfer_agent is None:
        raise InputError(
            f"instruments/issuers/{company.id}/{ISSUER_FILE}.transfer_agent",
            _notice_clause(state, holder),
            f"no transfer agent of {company.name} is on file, so the document of {state.holder_name(holder)}, "
            "who has no address on record in the ledger, cannot be addressed in care of it "
            "(NOTICE-ADDRESS=transfer-agent)",
        )
    return company.transfer_agent


def to_the_holders(series: Sequence[str]) -> Addressee:
    """A notice to every holder of the series: one copy for the records, mailed to each holder."""
    names = " and ".join(f"Series {s}" for s in series)
    return Addressee(
        f"To the holders of record of the {names} Preferred Stock",
        ("at their last addresses as shown on the records of the Company",),
    )


def holders_of(state: LedgerState, series: str) -> list[str]:
    """The holders of shares of the series on the state's date (``--all-holders``)."""
    return sorted(h for h, holding in state.series[series].holdings.items() if holding.shares)


_ALWAYS = ["NOTICE-ADDRESS", "NOTICE-SIGNATORY"]


def dividend_series(state: LedgerState, given: str | None, day: dt.date, holder: str | None) -> str:
    """The series of a dividend statement: ``given`` (``--series``) where given, else the one series
    of the company that paid a dividend on ``day`` (to ``holder``, where given); none or several is
    refused."""
    if given is not None:
        if given not in state.series:
            raise InputError("--series", "ledger format", f"Series {given} is not a series of the ledger's company")
        return given
    paid = [
        name
        for name, s in state.series.items()
        if any(holder is None or r.holder == holder for r in s.payments.get(day, []))
    ]
    to = f" to {holder!r}" if holder is not None else ""
    clauses = ", ".join(s.terms.dividends.annual_rate.cite for s in state.series.values()) or "ledger format"
    if not paid:
        raise InputError("--payment-date", clauses, f"no dividend was paid{to} on {day} in the ledger")
    if len(paid) > 1:
        listed = " and ".join(f"Series {name}" for name in paid)
        raise InputError("--series", clauses, f"{listed} paid dividends{to} on {day}: name one with --series")
    return paid[0]


def dividend_statements(
    state: LedgerState, given: str | None, payment_date: dt.date, holder: str | None, *, every_holder: bool
) -> list[tuple[str, Document]]:
    """The dividend statements of ``payment_date``: ``holder``'s, or with ``every_holder`` those of
    every holder paid a dividend on it, each with the holder it is addressed to."""
    name = dividend_series(state, given, payment_date, None if every_holder else holder)
    clause = state.series[name].terms.dividends.annual_rate.cite
    if every_holder:
        paid = sorted({r.holder for r in state.series[name].payments.get(payment_date, [])})
        if not paid:
            raise InputError("--payment-date", clause, f"no Series {name} dividend was paid on {payment_date}")
        return [(h, dividend_statement(state, name, h, payment_date)) for h in paid]
    if holder is None:
        raise InputError("--holder", clause, "give --holder or --all-holders")
    return [(holder, dividend_statement(state, name, holder, payment_date))]


def dividend_statement(state: LedgerState, series: str, holder: str, payment_date: dt.date) -> Document:
    """F §2: what a holder received on a Payment Date, in each form, and how it was priced: the
    figures of the ``dividends`` answer (:func:`prefstack.queries.holder_dividend`), not computed
    again here."""
    s = state.series[series]
    record = next((r for r in s.payments.get(payment_date, []) if r.holder == holder), None)
    if record is None:
        raise InputError(
            "--payment-date", f"{series} §2(a)", f"no dividend was paid to {holder!r} on {payment_date} in the ledger"
        )
    paid = holder_dividend(state, series, record)
    assert paid.form is not None  # a paid dividend has its form
    explained = {str(e["name"]): e for e in paid.explain[1:]}
    clause = paid.clause
    figures = [Figure("Dividend for the period", _money(Fraction(paid.dividend.value), clause), clause)]
    figures.append(
        Figure(
            "Form of the dividend",
            f"cash {_share_of(Fraction(paid.form.cash))}, PIK shares {_share_of(Fraction(paid.form.pik))}, "
            f"Common Stock {_share_of(Fraction(paid.form.common))}",
            f"{series} §2(b)",
        )
    )
    basis = [f"dividend_payment of Series {series} on {payment_date} (paid)", f"form: {paid.form_reason}"]
    if "pik_shares" in explained and paid.pik_shares is not None:
        pik, pik_clause = Fraction(paid.pik_shares.value), str(explained["pik_shares"]["clause"])
        figures.append(Figure("PIK Preferred Shares issued", _count(pik), pik_clause))
        note = _exact_note("PIK Preferred Shares issued", pik)
        if note is not None:
            basis.append(note)
    if "cash" in explained and paid.cash is not None:
        cash_clause = str(explained["cash"]["clause"])
        figures.append(Figure("Cash paid", _money(Fraction(paid.cash.value), cash_clause), cash_clause))
    window, price = paid.common_price_window, paid.common_price
    if "common_shares" in explained and window is not None and price is not None and paid.cash_for_fraction is not None:
        fraction_clause = str(explained["cash_for_fraction"]["clause"])
        figures.append(
            Figure("Average closing price (25 trading days)", f"${display(Fraction(price.value))}", window.clause)
        )
        common_clause = str(explained["common_shares"]["clause"])
        figures.append(Figure("Shares of Common Stock issued", _common_text(paid.common_shares), common_clause))
        figures.append(
            Figure(
                "Cash for the fraction of a share",
                _money(Fraction(paid.cash_for_fraction.value), fraction_clause),
                fraction_clause,
            )
        )
        basis.append(
            f"closing prices of the {window.trading_days} Nasdaq trading days "
            f"{window.first_trading_day} to {window.last_trading_day} (closing_price events)"
        )
    for part in _walk_explained(paid.explain[:1]):
        if part.get("name") == "dividend_rate":
            inputs = part["inputs"]
            assert isinstance(inputs, dict)
            basis.append(f"dividend period {inputs['period_start']} to {inputs['period_end']}")
    return Document(
        title=f"Dividend payment statement: Series {series}, {payment_date}",
        subtitle=f"Payment Date {payment_date}",
        dated=payment_date,
        clause=f"{series} §2(a)-(b)",
        addressee=addressee(state, holder),
        company=letterhead(state),
        paragraphs=[
            f"On the Payment Date {payment_date} the Company paid {holder} the quarterly dividend on its Series "
            f"{series} Preferred Stock in the form shown below ({series} §2(a)-(b))."
        ],
        figures=figures,
        basis=basis,
        interpretations=[
            *sorted({str(i) for e in _walk_explained(paid.explain) for i in _listed(e.get("interpretations"))}),
            *_ALWAYS,
        ],
    )


def _walk_explained(items: Iterable[Mapping[str, object]]) -> list[Mapping[str, object]]:
    """An answer's explanations (``Explained.to_dict``) and all their parts, depth first."""
    out: list[Mapping[str, object]] = []
    for item in items:
        out.append(item)
        out.extend(_walk_explained([p for p in _listed(item.get("parts")) if isinstance(p, Mapping)]))
    return out


def _listed(value: object) -> list[object]:
    return list(value) if isinstance(value, list) else []


def certificate_of_adjustment(
    state: LedgerState, series: str, adjustment_date: dt.date | None, holder: str | None = None
) -> Document:
    """F/G §5(j): the adjustment, the facts it rests on, the price before and after, and what a
    conversion now gives; addressed to ``holder`` (its copy) or to all the holders."""
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
    paragraphs = [
        f"Upon the adjustment of the Conversion Price of the Series {series} Preferred Stock on {adjustment.date} "
        f"under {adjustment.clause}, the Company furnishes this certificate under {clause} to each holder of "
        f"Series {series} Preferred Stock, setting forth the adjustment and the facts on which it is based."
    ]
    if holder is not None:
        held = state.series[series].holdings.get(holder)
        shares = held.shares if held else Fraction(0)
        paragraphs.append(
            f"According to the records of the Company, {holder} holds {display(shares)} shares of Series {series} "
            f"Preferred Stock on {state.as_of}."
        )
    return Document(
        title=f"Certificate of adjustment: Series {series} Conversion Price",
        subtitle=f"adjustment of {adjustment.date} under {adjustment.clause}",
        dated=state.as_of,
        clause=clause,
        addressee=addressee(state, holder) if holder is not None else to_the_holders([series]),
        company=letterhead(state),
        paragraphs=paragraphs,
        figures=figures,
        tables=[facts],
        basis=[
            f"{len(state.section5_actions)} section 5 actions in the ledger up to {state.as_of}",
            f"adjustment: {adjustment.action}",
        ],
        interpretations=[*_interpretations([adjustment.explained]), *_ALWAYS],
    )


def conversion_statement(
    state: LedgerState,
    series: str,
    holder: str,
    shares: Fraction,
    funds: Fraction | None,
    certificates: Sequence[Fraction] | None = None,
) -> Document:
    """F/G §5(a)-(c): common shares, cash for the fraction, and the accrued dividends settled
    (``certificates``: the shares on each certificate surrendered, listed when given)."""
    q = conversion_quote(state, series, holder, shares, funds, certificates)
    settlement = q.dividend_settlement
    converted = fixed(q.shares_converted.value, SHARES)
    figures = [
        Figure("Preferred shares converted", converted, f"{series} §5(a)"),
        *(
            [
                Figure(
                    "Certificates surrendered (shares each)",
                    ", ".join(fixed(c, SHARES) for c in certificates),
                    f"{series} §5(c)(i)",
                )
            ]
            if certificates is not None
            else []
        ),
        Figure("Conversion Price", f"${fixed(q.conversion_price.value, PRICE)}", f"{series} §5(a)"),
        Figure("Shares of Common Stock", f"{q.common_shares:,}", f"{series} §5(b)"),
        Figure(
            "Cash for the fraction of a share",
            _money(Fraction(q.cash_for_fraction.value), f"{series} §5(b)"),
            f"{series} §5(b)",
        ),
        Figure(
            "Accrued but unpaid dividends",
            _money(Fraction(q.accrued_unpaid_dividends.value), f"{series} §5(c)(iii)"),
            f"{series} §5(c)(iii)",
        ),
        Figure(
            "  paid in cash", _money(Fraction(settlement.cash.value), f"{series} §5(c)(iii)"), f"{series} §5(c)(iii)"
        ),
        Figure("  paid in Common Stock (shares)", f"{settlement.common_shares:,}", f"{series} §5(c)(iii)"),
    ]
    return Document(
        title=f"Conversion statement: Series {series}",
        subtitle=f"Conversion Date {state.as_of}",
        dated=state.as_of,
        clause=f"{series} §5(a)-(c)",
        addressee=addressee(state, holder),
        company=letterhead(state),
        paragraphs=[
            f"{holder} converts {converted} shares of Series {series} Preferred Stock into Common Stock. "
            f"The conversion is deemed made at the close of business on {state.as_of} ({series} §5(c)(i)); the "
            "Common Stock issued, the cash paid for the fraction of a share and the settlement of the accrued but "
            f"unpaid dividends ({series} §5(b), §5(c)(iii)) are as follows."
        ],
        figures=figures,
        basis=[
            f"the ledger's events up to {state.as_of}: holding of {holder}, dividends paid and unpaid, "
            f"{len(state.section5_actions)} section 5 actions"
        ],
        interpretations=[*sorted({i for e in q.explain for i in e.get("interpretations", [])}), *_ALWAYS],
    )


def redemption_notice(
    state_on_redemption: LedgerState,
    series: str,
    redemption_date: dt.date,
    place: str,
    on_notice: LedgerState | None = None,
    holder: str | None = None,
) -> Document:
    """F §6(e) / G §6(d): shares to be redeemed from each holder (or from ``holder``, its copy), the
    Redemption Date, the price per share and the place of payment. ``on_notice`` is the ledger on
    the date of the notice (letterhead, addresses); without it, the latest day the notice may be
    sent. A notice dated outside the window of 20 to 60 days before the Redemption Date is refused."""
    s = state_on_redemption.series[series]
    window = redemption_notice_window(s.terms, redemption_date)
    cutoff = conversion_rights_end(s.terms, redemption_date, payment_defaulted=False)
    letter = on_notice if on_notice is not None else state_on_redemption
    dated = on_notice.as_of if on_notice is not None else _day(window.latest)
    if not _day(window.earliest) <= dated <= _day(window.latest):
        raise InputError(
            "--dated",
            window.latest.clause,
            f"a Redemption Notice for {redemption_date} is sent between {window.earliest.value} and "
            f"{window.latest.value}, not on {dated}",
        )
    rows = []
    exact: list[str] = []
    for h in redemption_holdings(state_on_redemption, series, redemption_date):
        if holder is not None and h.holder != holder:
            continue
        price = exact_value(
            redemption_price_per_share(s.terms, h.accrued_unpaid_per_share, issue_price_adjustment=NO_PREFERRED_SPLIT)
        )
        if h.shares.denominator != 1:
            exact.append(f"{h.holder}: {display(h.shares)} shares (exact)")
        rows.append(
            (
                state_on_redemption.holder_name(h.holder),
                _count(h.shares),
                _money(price, window.latest.clause),
                _money(price * h.shares, window.latest.clause),
            )
        )
    if not rows:
        if holder is not None:
            raise InputError("--holder", f"{series} §6(a)", f"{holder!r} holds no Series {series} shares to redeem")
        raise InputError("--series", f"{series} §6(a)", f"no Series {series} shares are outstanding")
    whom = "the Series" if holder is None else f"{rows[0][1]} shares of Series"
    return Document(
        title=f"Redemption Notice: Series {series} Preferred Stock",
        subtitle=f"Redemption Date {redemption_date}",
        dated=dated,
        clause=window.latest.clause,
        addressee=addressee(letter, holder) if holder is not None else to_the_holders([series]),
        company=letterhead(letter),
        paragraphs=[
            f"The Company will redeem {whom} {series} Preferred Stock shown below on the Redemption Date "
            f"{redemption_date} at the Redemption Price: the Original Series {series} Issue Price of "
            f"{_money(s.terms.original_issue_price.value, s.terms.original_issue_price.cite)} plus "
            f"accrued but unpaid dividends to that date ({series} §6(a)). Payment may be obtained at {place}, upon "
            "surrender of the certificates representing the shares.",
            f"Conversion Rights for the shares called end at the close of business on {cutoff.value} "
            f"({cutoff.clause}).",
            f"This notice is sent between {window.earliest.value} and {window.latest.value}, at least 20 and not "
            f"more than 60 days before the Redemption Date ({window.latest.clause}).",
        ],
        tables=[Table("Shares to be redeemed", ("holder", "shares", "price per share", "amount"), tuple(rows))],
        basis=[
            f"holdings and dividends from the ledger, projected to {redemption_date} with no further payment",
            *exact,
        ],
        interpretations=["DIV-ACCRUED-UNPAID", *_ALWAYS],
    )


RECORD_KINDS = (ev.StockSplit, ev.StockCombination, ev.StockDividend, ev.OtherDistribution)


def record_date_event(placed: Sequence[Placed], event_id: str) -> Placed:
    """The split, dividend, distribution, reclassification or liquidation a §5(k) notice is about."""
    found = next((p for p in placed if p.event.id == event_id), None)
    if found is None:
        raise InputError("--event", "F §5(k)", f"no event has id {event_id!r}")
    if not isinstance(found.event, (*RECORD_KINDS, ev.Reclassification, ev.Liquidation)):
        raise InputError("--event", "F §5(k)", f"a {found.event.kind} needs no notice of record date under §5(k)")
    return found


def record_date_deadline(state: LedgerState, found: Placed) -> dt.date:
    """The last day the notice may be given: 10 days before a record date, 20 before an effective date."""
    rule = record_date_notice_deadline if isinstance(found.event, RECORD_KINDS) else effective_date_notice_deadline
    return min(_day(rule(state.series[s].terms, found.event.date)) for s in state.series)


def record_date_notice(
    state: LedgerState,
    placed: Sequence[Placed],
    event_id: str,
    on_notice: LedgerState | None = None,
    holder: str | None = None,
) -> Document:
    """F/G §5(k): notice of the record date of a dividend, distribution, split or combination, or
    of the effective date of a reclassification or liquidation; to the holders of both series, or
    to ``holder`` (its copy, under the clause of each series it holds). ``on_notice`` is the ledger
    on the date of the notice; without it, the last day the notice may be given."""
    found = record_date_event(placed, event_id)
    e = found.event
    rows = []
    for series in state.series:
        terms = state.series[series].terms
        rule = record_date_notice_deadline if isinstance(e, RECORD_KINDS) else effective_date_notice_deadline
        deadline = rule(terms, e.date)
        rows.append((f"Series {series}", str(deadline.value), deadline.clause))
    label = "record date" if isinstance(e, RECORD_KINDS) else "date it is expected to become effective"
    letter = on_notice if on_notice is not None else state
    dated = on_notice.as_of if on_notice is not None else record_date_deadline(state, found)
    held = [s for s in letter.series if holder is None or letter.series[s].holdings.get(holder)]
    if holder is not None and not held:
        raise InputError("--holder", "F §5(k)", f"{holder!r} holds no shares of either series on {letter.as_of}")
    clause = " and ".join(f"{s} §5(k)" for s in held)
    return Document(
        title=f"Notice of {label}: {e.kind.replace('_', ' ')}",
        subtitle=f"{label} {e.date}",
        dated=dated,
        clause=clause,
        addressee=addressee(letter, holder) if holder is not None else to_the_holders(held),
        company=letterhead(letter),
        paragraphs=[
            f"The Company gives notice under {clause} that the {label} of the {e.kind.replace('_', ' ')} "
            f"is {e.date}." + (f" ({e.note})" if e.note else ""),
            "This notice is filed at the principal office of the Company and mailed to the holders by first class "
            "mail, postage prepaid, at their last addresses as shown on the records of the Company.",
        ],
        tables=[Table("Notice due to the holders by", ("holders", "date", "clause"), tuple(rows), text_columns=(0, 2))],
        basis=[found.label],
        interpretations=["NOTICE-CALENDAR-DAYS", *_ALWAYS],
    )


def history_document(
    placed: Sequence[Placed], series: str, start: dt.date, end: dt.date, holder: str | None = None
) -> tuple[Document, bytes]:
    """The history chart as a document dated ``end``: for the Company's records, or for ``holder``."""
    state = replay(placed, end)
    if holder is not None and holder not in state.series[series].holdings:
        known = ", ".join(sorted(state.series[series].holdings)) or "none"
        raise InputError(
            "--holder", f"{series} §1(a)", f"{holder!r} holds no Series {series} shares (holders: {known})"
        )
    data = chart_data(placed, series, start, end, holder)
    png = history_png(data)
    embedded = history_png(data, caption=False)
    doc = Document(
        title=f"Series {series}: shares, liquidation value and Conversion Price",
        subtitle=f"{start} to {end}",
        dated=end,
        addressee=addressee(state, holder) if holder is not None else Addressee("For the records of the Company", ()),
        company=letterhead(state),
        paragraphs=[
            "Each point is the ledger replayed to that date; the figures are exact, the chart is a drawing. "
            "Shares and the Conversion Price change only on the dates of ledger events and are drawn as steps "
            "on those dates."
        ],
        images=[Image(f"Series {series} history", as_base64(embedded))],
        caption=data.caption,
        basis=[f"{data.events} ledger events up to {end}"],
        interpretations=list(_ALWAYS),
    )
    return doc, png
