"""The compliance calendar (F §2(e), F/G §5(j), §5(k), §6): met, missed and pending deadlines,
on dates that cross weekends, US bank holidays and the Nasdaq closure of 2001-09-11 to 09-14."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import icalendar
import pytest
import yaml

from prefstack.compliance import calendar
from prefstack.ledger.files import parse_ledger
from prefstack.ledger.replay import replay

D = dt.date
BASE: list[dict[str, object]] = [
    {"kind": "common_outstanding", "date": "2000-06-01", "shares": 20_000_000},
    {"kind": "preferred_issued", "date": "2000-08-02", "series": "F", "holder": "A", "shares": "300"},
    {"kind": "preferred_issued", "date": "2000-06-15", "series": "G", "holder": "C", "shares": "200"},
]


def deadlines(events: list[dict[str, object]], start: dt.date, end: dt.date, as_of: dt.date):  # type: ignore[no-untyped-def]
    placed = parse_ledger({"format": "prefstack-ledger/1", "events": [*BASE, *events]}, "t")
    state = replay(placed, max(end, as_of))
    return calendar(state, placed, start, end, as_of)


def test_wire_account_deadline_across_the_september_2001_closure() -> None:
    """F §2(e): cash elected for Saturday 2001-09-15. Form notice due 2001-09-05 (10 days, met on
    08-31). Wire account due 2 US banking days before: Fri 09-14 (1), Thu 09-13 (2) -> 2001-09-13;
    banks were open while Nasdaq was closed 09-11 to 09-14. The account notice came 09-14: missed."""
    events = [
        {
            "kind": "dividend_election",
            "date": "2001-08-31",
            "series": "F",
            "holder": "A",
            "payment_date": "2001-09-15",
            "cash": "1",
        },
        {
            "kind": "wire_account_notice",
            "date": "2001-09-14",
            "series": "F",
            "holder": "A",
            "payment_date": "2001-09-15",
        },
    ]
    found = deadlines(events, D(2001, 9, 1), D(2001, 9, 30), D(2001, 9, 30))
    form = next(d for d in found if "form of the 2001-09-15" in d.what)
    wire = next(d for d in found if "wire account" in d.what)
    assert (form.date, form.status) == (D(2001, 9, 5), "met")
    assert (wire.date, wire.status, wire.clause) == (D(2001, 9, 13), "missed", "F §2(e)")


def test_wire_account_deadline_is_pending_until_it_passes() -> None:
    """F §2(e): cash elected for Friday 2002-03-15: Thu 03-14 (1), Wed 03-13 (2) -> due 2002-03-13;
    judged as of 2002-03-01 with no account notice yet, it is pending, not missed. (No Payment Date's
    two banking days cross a US bank holiday; that case is tested on the deadline rule itself in
    tests/clauses/test_notices.py.)"""
    events = [
        {
            "kind": "dividend_election",
            "date": "2001-12-20",
            "series": "F",
            "holder": "A",
            "payment_date": "2002-03-15",
            "cash": "1",
        },
    ]
    found = deadlines(events, D(2002, 3, 1), D(2002, 3, 31), D(2002, 3, 1))
    wire = next(d for d in found if "wire account" in d.what)
    assert (wire.date, wire.status) == (D(2002, 3, 13), "pending")


@pytest.mark.clause("F §5(k)(A)", "G §5(k)(A)")
def test_record_date_notice_missed_met_and_pending_5k() -> None:
    """F/G §5(k)(A): a split with record date 2001-06-01 needs notice by 2001-05-22 to each series.
    Notice to F on 05-20 (met); none to G (missed). A split on 2001-12-01 judged on 2001-11-01: pending."""
    events = [
        {"kind": "stock_split", "date": "2001-06-01", "id": "split", "new_shares_per_old_share": "2"},
        {"kind": "notice_sent", "date": "2001-05-20", "series": "F", "notice": "record_date", "reference": "split"},
        {"kind": "stock_split", "date": "2001-12-01", "id": "split2", "new_shares_per_old_share": "2"},
    ]
    found = deadlines(events, D(2001, 5, 1), D(2001, 12, 31), D(2001, 11, 1))
    first = {d.what.split(" to ")[-1]: d for d in found if "2001-06-01" in d.what}
    assert first["Series F holders"].status == "met" and first["Series F holders"].date == D(2001, 5, 22)
    assert first["Series G holders"].status == "missed" and first["Series G holders"].clause == "G §5(k)"
    assert all(d.status == "pending" for d in found if "2001-12-01" in d.what)


@pytest.mark.clause("F §5(j)", "G §5(j)")
def test_certificate_of_adjustment_promptly_5j() -> None:
    """F/G §5(j), NOTICE-PROMPTLY (10 days): a dilutive issue on 2001-01-10 adjusts both prices;
    F's certificate sent 2001-01-15 (met), G's never (missed, due 2001-01-20)."""
    events = [
        {
            "kind": "common_issued",
            "date": "2001-01-10",
            "shares": "1000000",
            "purpose": "none",
            "cash_consideration": "25000000",
            "fair_market_value_per_share": "30.00",
        },
        {
            "kind": "notice_sent",
            "date": "2001-01-15",
            "series": "F",
            "notice": "certificate_of_adjustment",
            "reference": "2001-01-10",
        },
    ]
    found = [d for d in deadlines(events, D(2001, 1, 1), D(2001, 2, 28), D(2001, 2, 28)) if "certificate" in d.what]
    assert [(d.clause, d.date, d.status) for d in found] == [
        ("F §5(j)", D(2001, 1, 20), "met"),
        ("G §5(j)", D(2001, 1, 20), "missed"),
    ]


def test_redemption_notice_deposit_and_cut_off_6() -> None:
    """F §6(e)-(f), (j): Redemption Date 2005-08-02; notice sent 2005-06-20 (due by 07-13: met);
    deposit due on or before 08-02, none recorded: missed as of 08-10; conversion cut-off 07-28."""
    events = [
        {"kind": "redemption_notice", "date": "2005-06-20", "series": "F", "redemption_date": "2005-08-02"},
    ]
    found = deadlines(events, D(2005, 6, 1), D(2006, 12, 31), D(2005, 8, 10))
    by_what = {d.what: d for d in found}
    assert by_what["Redemption Notice for 2005-08-02"].status == "met"
    assert by_what["Redemption Notice for 2005-08-02"].date == D(2005, 7, 13)
    deposit = by_what["deposit of the Redemption Price for 2005-08-02"]
    assert (deposit.date, deposit.status, deposit.clause) == (D(2005, 8, 2), "missed", "F §6(f)")
    assert by_what["last day to convert shares called for redemption"].date == D(2005, 7, 28)
    assert by_what["unclaimed redemption funds may be asked back"].date == D(2006, 8, 2)


def test_calendar_command_json_and_ics(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "l.yaml"
    path.write_text(yaml.safe_dump({"format": "prefstack-ledger/1", "events": BASE}))
    rows = json.loads(
        cli("calendar", "--from", "2001-01-01", "--to", "2001-12-31", "--ledger", str(path), "--format", "json").stdout
    )
    holders = [r for r in rows if r["party"] != "the Company"]
    assert [r["date"] for r in holders] == ["2001-03-05", "2001-06-05", "2001-09-05", "2001-12-05"]
    # F §2(b), (e): the election is the holder's option; none made is not a breach: the default applies.
    assert {r["status"] for r in holders} == {"not made, default applies"}
    # F/G §2(a): no dividend_payment recorded for the four 2001 Payment Dates of each series: missed by the Company.
    company = [r for r in rows if r["party"] == "the Company"]
    assert [(r["date"], r["clause"], r["status"]) for r in company] == [
        (day, clause, "missed")
        for day in ("2001-03-15", "2001-06-15", "2001-09-15", "2001-12-15")
        for clause in ("F §2(a)", "G §2(a)")
    ]
    ics = cli("calendar", "--from", "2001-01-01", "--to", "2001-12-31", "--ledger", str(path), "--format", "ics").stdout
    parsed = icalendar.Calendar.from_ical(ics)
    events = [c for c in parsed.walk("VEVENT")]
    assert len(events) == 12
    assert events[0].decoded("DTSTART") == D(2001, 3, 5)
    assert "F §2(e)" in str(events[0].get("DESCRIPTION"))


@pytest.mark.clause("F §2(a)", "G §2(a)")
def test_company_payment_date_obligations_f_2a_g_2a() -> None:
    """F/G §2(a): each Payment Date is the Company's obligation: paid (met), not legally available or
    unrecorded once passed (missed by the Company), or still to come (pending)."""
    events = [
        {"kind": "dividend_payment", "date": "2000-09-15", "series": "G", "outcome": "paid"},
        {"kind": "dividend_payment", "date": "2000-09-15", "series": "F", "outcome": "paid"},
        {"kind": "dividend_payment", "date": "2000-12-15", "series": "G", "outcome": "not_legally_available"},
        {"kind": "dividend_payment", "date": "2000-12-15", "series": "F", "outcome": "not_legally_available"},
    ]
    found = deadlines(events, D(2000, 9, 1), D(2001, 6, 30), D(2001, 4, 1))
    company = {(d.date, d.clause): d.status for d in found if d.party == "the Company"}
    assert company == {
        (D(2000, 9, 15), "F §2(a)"): "met",
        (D(2000, 9, 15), "G §2(a)"): "met",
        (D(2000, 12, 15), "F §2(a)"): "missed",
        (D(2000, 12, 15), "G §2(a)"): "missed",
        (D(2001, 3, 15), "F §2(a)"): "missed",
        (D(2001, 3, 15), "G §2(a)"): "missed",
        (D(2001, 6, 15), "F §2(a)"): "pending",
        (D(2001, 6, 15), "G §2(a)"): "pending",
    }
