"""The compliance calendar: every deadline the certificates set, from the ledger.

For a period, each deadline is listed with the party that owes it, the clause, and whether
it was met (the ledger records the act in time), missed (late or not at all, and the
deadline has passed) or is pending (the deadline is after the as-of date). Dates that are
not obligations (the last day to convert before a redemption, the day unclaimed funds may
be returned) are listed as ``passed`` or ``upcoming``.

Deadline rules: F §2(e) (form of dividend, wire account), F/G §5(j) (certificate of
adjustment), F/G §5(k) (record and effective dates), F §6(e)-(f), (j) / G §6(d)-(e), (i)
(redemption notice, deposit, conversion cut-off, unclaimed funds).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from prefstack.calendars import payment_dates
from prefstack.clauses.notices import (
    certificate_of_adjustment_deadline,
    dividend_form_notice_deadline,
    effective_date_notice_deadline,
    merger_notice_deadline,
    record_date_notice_deadline,
    wire_account_notice_deadline,
)
from prefstack.clauses.redemption import (
    conversion_rights_end,
    deposit_deadline,
    redemption_notice_window,
    unclaimed_funds_returnable_on,
)
from prefstack.explain import Explained
from prefstack.interpretations import reading
from prefstack.interpretations.readings import chosen
from prefstack.ledger import events as ev
from prefstack.ledger.replay import LedgerState, Placed
from prefstack.ledger.section5 import conversion_price_state
from prefstack.terms.schema import SeriesTerms

Status = Literal["met", "missed", "pending", "passed", "upcoming", "not made, default applies"]


@dataclass(frozen=True)
class Deadline:
    """One deadline: when, who owes what, under which clause, and whether it was kept."""

    date: dt.date
    party: str
    what: str
    clause: str
    status: Status
    evidence: str
    explained: Explained

    def to_dict(self) -> dict[str, object]:
        return {
            "date": self.date.isoformat(),
            "party": self.party,
            "what": self.what,
            "clause": self.clause,
            "status": self.status,
            "evidence": self.evidence,
        }


def _status(deadline: dt.date, done_on: dt.date | None, as_of: dt.date) -> Status:
    if done_on is not None and done_on <= deadline:
        return "met"
    if deadline < as_of:
        return "missed"
    return "pending"


def _date_of(x: Explained) -> dt.date:
    assert isinstance(x.value, dt.date)
    return x.value


def _dividend_deadlines(state: LedgerState, start: dt.date, end: dt.date, as_of: dt.date) -> list[Deadline]:
    """The holders' notices of the form of each dividend, for every series whose terms give its
    holders that election (``election_notice_days``, F §2(e))."""
    found = []
    for name, s in state.series.items():
        if s.terms.dividends.election_notice_days is not None:
            found += _election_deadlines(state, name, start, end, as_of)
    return found


def _election_deadlines(state: LedgerState, name: str, start: dt.date, end: dt.date, as_of: dt.date) -> list[Deadline]:
    s = state.series[name]
    if s.original_issuance_date is None:
        return []
    found = []
    for payment in payment_dates(s.terms, max(start, s.original_issuance_date) - dt.timedelta(days=1), end):
        for holder in sorted(s.holdings):
            notice = dividend_form_notice_deadline(s.terms, payment)
            election = state.elections.get((name, holder, payment))
            done = election.date if election else None
            status = _status(_date_of(notice), done, as_of)
            if status == "missed" and done is None:
                # An election is the holder's option, not an obligation: none made means the default form.
                status = "not made, default applies"
            evidence = (
                f"election received {done}"
                if done
                else f"no election recorded (default form, {s.terms.dividends.default_form.cite})"
            )
            found.append(
                Deadline(
                    _date_of(notice),
                    holder,
                    f"notice of the form of the {payment} dividend",
                    notice.clause,
                    status,
                    evidence,
                    notice,
                )
            )
            if election is not None and election.election.cash:
                wire = wire_account_notice_deadline(s.terms, payment)
                wired = state.wire_notices.get((name, holder, payment))
                found.append(
                    Deadline(
                        _date_of(wire),
                        holder,
                        f"wire account for the {payment} cash dividend",
                        wire.clause,
                        _status(_date_of(wire), wired, as_of),
                        f"account notice received {wired}" if wired else "no account notice recorded",
                        wire,
                    )
                )
    return found


def _payment_date_obligations(state: LedgerState, start: dt.date, end: dt.date, as_of: dt.date) -> list[Deadline]:
    """F §2(a), G §2(a): the Company's own obligation on each Payment Date: the dividend declared and
    paid (met), recorded as not legally available or not recorded at all once the date has passed
    (missed by the Company; it accrues unpaid), or still to come (pending)."""
    found = []
    for name, s in state.series.items():
        if s.original_issuance_date is None:
            continue
        first = max(start, s.original_issuance_date) - dt.timedelta(days=1)
        for payment in payment_dates(s.terms, first, end):
            outcome = s.payment_outcomes.get(payment)
            if outcome == "paid":
                status: Status = "met"
                evidence = "dividend_payment recorded: paid"
            elif outcome == "not_legally_available":
                status, evidence = "missed", "not paid: no funds legally available (the dividend accrues unpaid)"
            elif payment <= as_of:
                status, evidence = "missed", "no dividend_payment recorded (the dividend accrues unpaid)"
            else:
                status, evidence = "pending", "not yet due"
            clause = s.terms.dividends.payment_months.cite
            explained = Explained(
                "payment_date", payment, clause, inputs={"series": name}, formula="the quarterly Payment Date"
            )
            found.append(
                Deadline(
                    payment,
                    "the Company",
                    f"Series {name} dividend of the Payment Date {payment}",
                    clause,
                    status,
                    evidence,
                    explained,
                )
            )
    return found


def _notice_given(state: LedgerState, series: str, notice: str, reference: str) -> dt.date | None:
    dates = [n.date for n in state.notices if n.series == series and n.notice == notice and n.reference == reference]
    return min(dates) if dates else None


RECORD_DATE_KINDS = (ev.StockSplit, ev.StockCombination, ev.StockDividend, ev.OtherDistribution)


def _merger_notice_event(e: ev.MergerOrSale) -> bool:
    """G §5(k)(iv) names a merger or consolidation and a disposition of "all or substantially all of the
    Company's assets, property or business": a sale of less is no occasion for the notice; a sale of
    all or substantially all of the Subsidiaries' stock is one of the business (NOTICE-MERGER-SCOPE)."""
    if e.transaction in ("merger", "consolidation"):
        return True
    reading("NOTICE-MERGER-SCOPE")
    match chosen("NOTICE-MERGER-SCOPE"):
        case "default":
            return bool(e.all_or_substantially_all)
        case "assets-only":  # a sale of the Subsidiaries' stock is no occasion, whatever its scope
            return e.transaction == "asset_sale" and bool(e.all_or_substantially_all)
        case other:
            raise AssertionError(f"NOTICE-MERGER-SCOPE alternative {other!r} is registered but not computed")


def _section5k_deadlines(state: LedgerState, placed: Sequence[Placed], as_of: dt.date) -> list[Deadline]:
    found = []
    rule: Callable[[SeriesTerms, dt.date], Explained | None]
    for item in placed:
        e = item.event
        if isinstance(e, RECORD_DATE_KINDS):
            rule, notice_kind, what = (
                record_date_notice_deadline,
                "record_date",
                f"notice of the record date of the {e.kind}",
            )
        elif isinstance(e, (ev.Reclassification, ev.Liquidation)):
            rule, notice_kind, what = effective_date_notice_deadline, "effective_date", f"notice of the {e.kind}"
        elif isinstance(e, ev.MergerOrSale) and not e.agreement_only and _merger_notice_event(e):
            # G §5(k)(iv): a merger or sale; F §5(k)(iv) names dissolution only (no notice for F).
            rule, notice_kind, what = merger_notice_deadline, "effective_date", f"notice of the {e.transaction}"
        else:
            continue
        reference = e.id or e.date.isoformat()
        for series, s in state.series.items():
            if s.original_issuance_date is None or s.original_issuance_date > e.date:
                continue
            deadline = rule(s.terms, e.date)
            if deadline is None:
                continue
            given = _notice_given(state, series, notice_kind, reference)
            found.append(
                Deadline(
                    _date_of(deadline),
                    "the Company",
                    f"{what} of {e.date} to Series {series} holders",
                    deadline.clause,
                    _status(_date_of(deadline), given, as_of),
                    f"notice sent {given}" if given else f"no notice_sent (reference {reference!r}) recorded",
                    deadline,
                )
            )
    return found


def _certificate_deadlines(state: LedgerState, as_of: dt.date) -> list[Deadline]:
    found = []
    for series in state.series:
        s = state.series[series]
        for adjustment in conversion_price_state(state, series).adjustments:
            deadline = certificate_of_adjustment_deadline(s.terms, adjustment.date)
            if deadline is None:  # NOTICE-PROMPTLY=reasonable-time: no date by which it is missed
                continue
            given = _notice_given(state, series, "certificate_of_adjustment", adjustment.date.isoformat())
            found.append(
                Deadline(
                    _date_of(deadline),
                    "the Company",
                    f"certificate of adjustment ({adjustment.price_before} -> {adjustment.price_after}) "
                    f"to Series {series} holders",
                    deadline.clause,
                    _status(_date_of(deadline), given, as_of),
                    f"certificate sent {given}" if given else "no certificate recorded as sent",
                    deadline,
                )
            )
    return found


def _redemption_deadlines(state: LedgerState, placed: Sequence[Placed], as_of: dt.date) -> list[Deadline]:
    found = []
    for item in placed:
        e = item.event
        if not isinstance(e, ev.RedemptionNotice):
            continue
        s = state.series[e.series]
        window = redemption_notice_window(s.terms, e.redemption_date)
        found.append(
            Deadline(
                _date_of(window.latest),
                "the Company",
                f"Redemption Notice for {e.redemption_date}",
                window.latest.clause,
                _status(_date_of(window.latest), e.date, as_of),
                f"notice sent {e.date}",
                window.latest,
            )
        )
        deposit = deposit_deadline(s.terms, e.redemption_date)
        made = [d.date for d in state.deposits if d.series == e.series and d.redemption_date == e.redemption_date]
        found.append(
            Deadline(
                _date_of(deposit),
                "the Company",
                f"deposit of the Redemption Price for {e.redemption_date}",
                deposit.clause,
                _status(_date_of(deposit), min(made) if made else None, as_of),
                f"deposited {min(made)}" if made else "no deposit recorded",
                deposit,
            )
        )
        cutoff = conversion_rights_end(s.terms, e.redemption_date, payment_defaulted=False)
        returnable = unclaimed_funds_returnable_on(s.terms, e.redemption_date)
        for x, party, what in (
            (cutoff, f"Series {e.series} holders", "last day to convert shares called for redemption"),
            (returnable, "the Company", "unclaimed redemption funds may be asked back"),
        ):
            day = _date_of(x)
            found.append(Deadline(day, party, what, x.clause, "passed" if day < as_of else "upcoming", "", x))
    return found


def calendar(
    state: LedgerState, placed: Sequence[Placed], start: dt.date, end: dt.date, as_of: dt.date
) -> list[Deadline]:
    """Every deadline dated from ``start`` to ``end``, judged as of ``as_of``."""
    every = [
        *_dividend_deadlines(state, start, end, as_of),
        *_payment_date_obligations(state, start, end, as_of),
        *_section5k_deadlines(state, placed, as_of),
        *_certificate_deadlines(state, as_of),
        *_redemption_deadlines(state, placed, as_of),
    ]
    return sorted((d for d in every if start <= d.date <= end), key=lambda d: (d.date, d.clause, d.party, d.what))


def _ics_text(text: str) -> str:
    """RFC 5545 §3.3.11 TEXT: backslash, semicolon, comma and newline are escaped."""
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> list[str]:
    """RFC 5545 §3.1: lines longer than 75 octets are folded with CRLF and a space."""
    out, current = [], ""
    for char in line:
        if len((current + char).encode()) > 75:
            out.append(current)
            current = " " + char
        else:
            current += char
    out.append(current)
    return out


def to_ics(deadlines: Sequence[Deadline], stamp: dt.datetime) -> str:
    """The deadlines as an iCalendar file (all-day events), for a calendar application."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//prefstack//compliance calendar//EN", "CALSCALE:GREGORIAN"]
    for d in deadlines:
        digest = hashlib.sha256(f"{d.date}|{d.party}|{d.what}|{d.clause}".encode()).hexdigest()[:16]
        uid = f"{d.date.isoformat()}-{digest}@prefstack"
        lines += [
            "BEGIN:VEVENT",
            f"UID:{uid}",
            f"DTSTAMP:{stamp.astimezone(dt.UTC).strftime('%Y%m%dT%H%M%SZ')}",
            f"DTSTART;VALUE=DATE:{d.date.strftime('%Y%m%d')}",
            f"DTEND;VALUE=DATE:{(d.date + dt.timedelta(days=1)).strftime('%Y%m%d')}",
            f"SUMMARY:{_ics_text(f'[{d.status}] {d.party}: {d.what}')}",
            f"DESCRIPTION:{_ics_text(f'{d.clause}. {d.evidence}')}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "\r\n".join(part for line in lines for part in _fold(line)) + "\r\n"
