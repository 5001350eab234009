"""The ledger end to end: events validated against the certificates, replay, round trips,
as-of and known-at queries, refusals that leave the store unchanged (SQLite and PostgreSQL)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import random
from fractions import Fraction as Fr
from importlib import resources
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from prefstack.ledger import service
from prefstack.ledger.events import parse_event
from prefstack.ledger.files import dump_ledger, ledger_document, parse_ledger, read_ledger_file
from prefstack.ledger.replay import LedgerRuleError, Placed, holding_accrued_unpaid, replay
from prefstack.ledger.store import EventStore
from prefstack.report import state_report

EXAMPLE = Path(str(resources.files("prefstack.data").joinpath("example_ledger.yaml")))
D = dt.date
CAIS = "cais-internet"  # the issuer whose stream the store tests write


def example() -> list[Placed]:
    return read_ledger_file(EXAMPLE)


def small() -> list[Placed]:
    doc = {
        "format": "prefstack-ledger/1",
        "events": [
            {"kind": "common_outstanding", "date": "2000-06-01", "shares": 20_000_000},
            {"kind": "preferred_issued", "date": "2000-08-02", "series": "F", "holder": "A", "shares": "300"},
            {"kind": "preferred_issued", "date": "2000-08-02", "series": "F", "holder": "B", "shares": "100"},
            {"kind": "preferred_issued", "date": "2000-06-15", "series": "G", "holder": "C", "shares": "200"},
            {"kind": "dividend_payment", "date": "2000-09-15", "series": "F", "outcome": "paid"},
            {"kind": "dividend_payment", "date": "2000-09-15", "series": "G", "outcome": "paid"},
        ],
    }
    return parse_ledger(doc, "small")


def test_state_of_a_small_ledger_by_hand() -> None:
    """F §2(b)/(d), G §2(a): A holds 300 F from 2000-08-02; PIK on 2000-09-15 (default form):
    300 x 7% x 44/360 = 2.5666... shares -> 302.5666...; B: 100 -> 100.8555...;
    C holds 200 G from 2000-06-15: 200 x 1.5% = 3 -> 203.
    As of 2000-10-15 (30 days on): A accrued 302.5666... x 1,000 x 7% x 30/360 = $1,764.97 (to the cent)."""
    state = replay(small(), D(2000, 10, 15))
    f, g = state.series["F"], state.series["G"]
    assert f.holdings["A"].shares == 300 + Fr(300 * 7 * 44, 100 * 360)
    assert f.holdings["B"].shares == 100 + Fr(100 * 7 * 44, 100 * 360)
    assert g.holdings["C"].shares == 203
    accrued = holding_accrued_unpaid(f, f.holdings["A"], D(2000, 10, 15)).value
    assert accrued == f.holdings["A"].shares * 1000 * Fr(7, 100) * Fr(30, 360)
    assert round(float(accrued), 2) == 1764.97  # check figure only; the engine keeps the exact value


@pytest.mark.clause("G §2(a)", "G §2(b)")
def test_unpaid_quarter_accrues_and_compounds_for_g() -> None:
    """G §2(a)-(b): with no payment recorded for 2000-09-15, C's 200 shares owe 200 x $15 = $3,000
    of arrears; on 2000-10-15 the accrual runs on $200,000 + $3,000 at 6% x 30/360 = $1,015."""
    # Neither series is paid on 2000-09-15 (paying F alone would be refused by G §2(c)).
    placed = [p for p in small() if p.event.kind != "dividend_payment"]
    state = replay(placed, D(2000, 10, 15))
    g = state.series["G"]
    assert g.holdings["C"].shares == 200
    assert holding_accrued_unpaid(g, g.holdings["C"], D(2000, 10, 15)).value == 3000 + 1015
    assert g.holdings["C"].unpaid_dates == (D(2000, 9, 15),)


def test_example_ledger_replays_and_reports() -> None:
    """The bundled example: 40,000 F on 2000-08-02, 20,000 G; as of 2002-06-30 every figure is present."""
    report = state_report(replay(example(), D(2002, 6, 30)))
    assert [s["series"] for s in report["series"]] == ["F", "G"]
    f, g = report["series"]
    assert f["original_issuance_date"] == "2000-08-02"
    assert f["conversion_price"] == "24.00" and g["conversion_price"] == "36.00"
    # 22,000,000 opening + 26,329 common dividend + 41,666 on converting 1,000 F (1,000 x 1,000 / 24 = 41,666.67)
    assert report["common_stock"]["outstanding"] == "22067995"
    assert f["holders"][0]["votes"] == int(Fr(f["holders"][0]["shares_outstanding_exact"]) * 1000 / 24)


def test_state_does_not_depend_on_the_order_events_were_recorded_in() -> None:
    """Replay determinism: shuffling the recorded order never changes the state."""
    placed = example()
    want = json.dumps(state_report(replay(placed, D(2002, 6, 30))))
    rng = random.Random(7)
    for _ in range(3):
        shuffled = placed[:]
        rng.shuffle(shuffled)
        assert json.dumps(state_report(replay(shuffled, D(2002, 6, 30)))) == want


@settings(max_examples=25, deadline=None)
@given(st.permutations(list(range(6))), st.dates(min_value=D(2000, 6, 1), max_value=D(2001, 1, 1)))
def test_any_record_order_same_state(perm: list[int], as_of: dt.date) -> None:
    """Property: for every order of recording and every as-of date, the same state."""
    placed = small()
    base = json.dumps(state_report(replay(placed, as_of)))
    assert json.dumps(state_report(replay([placed[i] for i in perm], as_of))) == base


def test_file_round_trip_import_then_export_gives_the_same_events(tmp_path: Path) -> None:
    """Round trip: a ledger file -> store -> export -> the same events and recorded times."""
    url = f"sqlite:///{tmp_path / 'l.sqlite'}"
    placed = example()
    with EventStore(url) as store:
        service.append(store, placed, company=CAIS, recorded_by="Registrar")
        exported = ledger_document(service.placed_from_store(store.stream(CAIS).read()))
    original = ledger_document([dataclasses.replace(p, recorded_by="Registrar") for p in placed])
    assert exported["events"] == original["events"]
    again = parse_ledger(json.loads(dump_ledger(exported, "json")), "again")
    assert ledger_document(again)["events"] == original["events"]


BAD = [
    (
        {"kind": "conversion", "date": "2001-01-10", "series": "F", "holder": "A", "shares": "303"},
        r"shares: converting 303 shares but A holds .*\(F §5\(a\)\)",
    ),
    (
        {"kind": "conversion", "date": "2000-07-01", "series": "F", "holder": "A", "shares": "1"},
        r"date: no Series F shares have been issued by 2000-07-01 \(F §5\(a\)\)",
    ),
    (
        {"kind": "conversion", "date": "2001-01-10", "series": "F", "holder": "Z", "shares": "1"},
        r"holder: 'Z' holds no Series F shares \(holders: A, B\) \(F §5\(a\)\)",
    ),
    (
        {"kind": "preferred_issued", "date": "2001-01-10", "series": "F", "holder": "A", "shares": "-5"},
        r"shares.*must be positive \(F §1\(a\)\)",
    ),
    (
        {"kind": "preferred_issued", "date": "2001-02-30", "series": "F", "holder": "A", "shares": "5"},
        r"date.*day is out of range for month \(ledger format\)",
    ),
    (
        {"kind": "preferred_issued", "date": "2000-09-15", "series": "F", "holder": "D", "shares": "56217"},
        r"shares: Series F: issuing these shares would bring the series to .*"
        r" more than the 56617 authorized \(F §1\(a\)\)",
    ),
    (
        {"kind": "dividend_payment", "date": "2000-09-16", "series": "F", "outcome": "paid"},
        r"date: 2000-09-16 is not a Payment Date \(F §2\(a\)\)",
    ),
]


@pytest.mark.parametrize(("data", "message"), BAD, ids=[b[1][:30] for b in BAD])
def test_events_that_cannot_apply_are_refused_and_the_store_is_unchanged(
    store_url: str, data: dict[str, object], message: str
) -> None:
    """Each refusal names the field and the clause; nothing already stored changes."""
    with EventStore(store_url) as opened:
        service.append(opened, small(), company=CAIS)
        store = opened.stream(CAIS)
        before = [(s.seq, s.hash) for s in store.read()]
        with pytest.raises(Exception, match=message):
            service.append(opened, [Placed(parse_event(data, "new event"), "new event")], company=CAIS)
        assert [(s.seq, s.hash) for s in store.read()] == before
        assert store.verify().ok


def test_known_at_answers_what_the_ledger_said_then(tmp_path: Path) -> None:
    """--known-at: a correction recorded later (a void and a new event) does not change the past answer."""
    doc = {
        "format": "prefstack-ledger/1",
        "events": [
            {
                "kind": "preferred_issued",
                "date": "2000-08-02",
                "series": "F",
                "holder": "A",
                "shares": "300",
                "id": "first",
                "recorded_at": "2000-08-02T12:00:00Z",
            },
            {
                "kind": "void",
                "date": "2000-08-02",
                "voids": "first",
                "reason": "wrong count",
                "recorded_at": "2000-08-10T12:00:00Z",
            },
            {
                "kind": "preferred_issued",
                "date": "2000-08-02",
                "series": "F",
                "holder": "A",
                "shares": "400",
                "recorded_at": "2000-08-10T12:00:00Z",
            },
        ],
    }
    placed = parse_ledger(doc, "corrections")
    then = replay(placed, D(2000, 9, 1), known_at=dt.datetime(2000, 8, 5, tzinfo=dt.UTC))
    now = replay(placed, D(2000, 9, 1))
    assert then.series["F"].holdings["A"].shares == 300
    assert now.series["F"].holdings["A"].shares == 400


def test_void_of_an_unknown_id_is_refused() -> None:
    doc = {
        "format": "prefstack-ledger/1",
        "events": [{"kind": "void", "date": "2000-08-02", "voids": "nope", "reason": "x"}],
    }
    with pytest.raises(LedgerRuleError, match=r"voids: no event has id 'nope'"):
        replay(parse_ledger(doc, "v"), D(2000, 9, 1))


def test_common_stock_dividend_refused_without_registration_after_the_first() -> None:
    """F §2(c): once Common Stock has been paid as a dividend, the next one needs an effective
    resale registration statement (DIV-F-REGISTRATION-VACUOUS)."""
    placed = [p for p in example() if p.event.kind != "registration_statement"]
    extra = parse_ledger(
        {
            "format": "prefstack-ledger/1",
            "events": [
                {
                    "kind": "dividend_election",
                    "date": "2002-05-20",
                    "series": "F",
                    "holder": "Microsoft Corporation",
                    "payment_date": "2002-06-15",
                    "common": "1",
                },
            ],
        },
        "extra",
    )
    with pytest.raises(LedgerRuleError, match=r"registration statement.*\(F §2\(c\)\)"):
        replay([*placed, *extra], D(2002, 6, 30))


@pytest.mark.clause("F §5(c)(v)")
def test_conversion_conditioned_on_an_offering_takes_effect_at_the_closing() -> None:
    """F §5(c)(v): surrendered 2000-10-02, conditioned on the underwritten offering closing 2000-11-01:
    not converted until immediately prior to the closing; the shares still count on 2000-10-20."""
    placed = [
        *small(),
        *parse_ledger(
            {
                "format": "prefstack-ledger/1",
                "events": [
                    {
                        "kind": "conversion",
                        "date": "2000-10-02",
                        "series": "F",
                        "holder": "B",
                        "shares": "100",
                        "conditioned_on_offering_closing": "2000-11-01",
                    },
                ],
            },
            "offering",
        ),
    ]
    before = replay(placed, D(2000, 10, 20))
    after = replay(placed, D(2000, 11, 1))
    assert before.series["F"].holdings["B"].shares == 100 + Fr(100 * 7 * 44, 100 * 360)
    assert after.series["F"].holdings["B"].shares == Fr(100 * 7 * 44, 100 * 360)
    assert after.series["F"].conversions[0].date == D(2000, 11, 1)


def test_a_second_outcome_for_one_payment_date_is_refused(cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """F §2(a): one outcome per series and Payment Date. A second `dividend_payment` for F on
    2000-09-15 (paid, then paid again, or not legally available) is refused naming the event, the
    field and the clause, by replay and by `ledger import`, which then stores nothing."""
    twice = [p.event.model_dump(mode="json") for p in small()]
    twice.append({"kind": "dividend_payment", "date": "2000-09-15", "series": "F", "outcome": "not_legally_available"})
    with pytest.raises(LedgerRuleError, match=r"already has its outcome .*F §2\(a\)"):
        replay(parse_ledger({"format": "prefstack-ledger/1", "events": twice}, "twice"), D(2000, 10, 1))
    path = tmp_path / "twice.yaml"
    path.write_text(yaml.safe_dump({"format": "prefstack-ledger/1", "events": twice}))
    db = f"sqlite:///{tmp_path / 'store.sqlite'}"
    refused = cli("ledger", "import", str(path), "--db", db, ok=False)
    assert refused.returncode == 2 and "already has its outcome" in refused.stderr
    assert "Traceback" not in refused.stderr
