"""Transfers of preferred shares between holders (the stock register): accrued dividends go with
the shares (TRANSFER-ACCRUED), elections stay with each holder (TRANSFER-ELECTION), and votes,
dividends and Conversion Rights follow the new holdings."""

from __future__ import annotations

import datetime as dt
import json
from fractions import Fraction as Fr
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from prefstack.ledger.files import parse_ledger
from prefstack.ledger.replay import LedgerRuleError, holding_accrued_unpaid, paid_dividend, replay
from prefstack.queries import voting

BASE: list[dict[str, Any]] = [
    {"kind": "common_outstanding", "date": "2000-06-01", "shares": 20_000_000},
    {"kind": "preferred_issued", "date": "2000-08-02", "series": "F", "holder": "A", "shares": "40000"},
    {"kind": "dividend_payment", "date": "2000-09-15", "series": "F", "outcome": "paid"},
]
TRANSFER = {
    "kind": "transfer",
    "date": "2000-11-01",
    "series": "F",
    "from_holder": "A",
    "to_holder": "B",
    "shares": "10000",
}
PIK_SEPT = 40_000 * Fr(7, 100) * Fr(44, 360)  # the 44-day stub paid in PIK shares (F Sched. 1)
DAY_RATE = Fr(7, 100) / 360


def _state(*events: dict[str, Any], as_of: str):  # type: ignore[no-untyped-def]
    doc = {"format": "prefstack-ledger/1", "events": [*BASE, *events]}
    return replay(parse_ledger(doc, "t"), dt.date.fromisoformat(as_of))


def _accrued(state, holder: str, on: str) -> Fr:  # type: ignore[no-untyped-def]
    f = state.series["F"]
    value = holding_accrued_unpaid(f, f.holdings[holder], dt.date.fromisoformat(on)).value
    assert isinstance(value, Fr)
    return value


def test_accrued_dividends_go_with_the_shares_mid_quarter() -> None:
    """A holds 40,342.22... shares after the 2000-09-15 PIK dividend and transfers 10,000 to B on
    2000-11-01, 47 days into the quarter. On 2000-11-01 B's shares carry 10,000 x $1,000 x 7% x 47/360 =
    $91,388.89 of accrued dividends and A's 30,342.22... carry the rest: the two add up to what the
    40,342.22... shares carried before the transfer."""
    before = _state(as_of="2000-11-01")
    after = _state(TRANSFER, as_of="2000-11-01")
    f = after.series["F"]
    assert f.holdings["A"].shares == 30_000 + PIK_SEPT and f.holdings["B"].shares == 10_000
    assert _accrued(after, "B", "2000-11-01") == 10_000 * 1000 * DAY_RATE * 47
    assert round(_accrued(after, "B", "2000-11-01"), 2) == Fr("91388.89")
    assert _accrued(after, "A", "2000-11-01") + _accrued(after, "B", "2000-11-01") == _accrued(
        before, "A", "2000-11-01"
    )


def test_next_payment_date_pays_the_transferee_the_whole_quarter_and_votes_follow() -> None:
    """2000-12-15 (PIK, the default form): B receives 1.75% x 10,000 = 175 PIK shares for the whole
    quarter; A 1.75% x 30,342.22... = 530.99 shares. B's votes: 10,175 x $1,000 / $24 = 423,958.33 ->
    423,958 (F §4)."""
    payment = {"kind": "dividend_payment", "date": "2000-12-15", "series": "F", "outcome": "paid"}
    state = _state(TRANSFER, payment, as_of="2000-12-15")
    f = state.series["F"]
    assert f.holdings["B"].shares == 10_175
    assert f.holdings["A"].shares == (30_000 + PIK_SEPT) * Fr(10175, 10000)
    votes = {h.holder: h.votes for h in voting(state).series[0].holders}
    assert votes["B"] == 423_958


def test_transferee_converts_and_elections_stay_with_each_holder() -> None:
    """A elected cash for 2000-12-15 (F §2(b), notice 2000-11-20); B made no election: A's remaining
    30,342.22... shares are paid 1.75% x $30,342,222.22 = $530,988.89 in cash and B gets 175 PIK
    shares (TRANSFER-ELECTION).
    On 2000-12-20 B converts its 10,175 shares: 10,175 x $1,000 / $24 = 423,958.33 -> 423,958
    shares of Common Stock and $8.00 (0.333... x $24) for the fraction (F §5(a)-(b))."""
    election = {
        "kind": "dividend_election",
        "date": "2000-11-20",
        "series": "F",
        "holder": "A",
        "payment_date": "2000-12-15",
        "cash": "1",
    }
    wire = {
        "kind": "wire_account_notice",
        "date": "2000-12-01",
        "series": "F",
        "holder": "A",
        "payment_date": "2000-12-15",
    }
    payment = {"kind": "dividend_payment", "date": "2000-12-15", "series": "F", "outcome": "paid"}
    conversion = {"kind": "conversion", "date": "2000-12-20", "series": "F", "holder": "B", "shares": "10175"}
    state = _state(TRANSFER, election, wire, payment, conversion, as_of="2000-12-31")
    f = state.series["F"]
    paid = {p.holder: paid_dividend(state, "F", p) for p in f.payments[dt.date(2000, 12, 15)]}
    assert paid["A"].cash is not None and paid["A"].pik_shares is None
    assert paid["A"].cash.value == Fr("530988.89")
    assert paid["B"].pik_shares is not None and paid["B"].pik_shares.value == 175
    (record,) = f.conversions
    assert record.holder == "B" and record.result.common_shares.value == 423_958
    assert record.result.cash_for_fraction.value == 8
    assert f.holdings["B"].shares == 0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"shares": "50000"}, r"shares: transferring 50000 shares but A holds"),
        ({"from_holder": "Nobody"}, r"from_holder: 'Nobody' holds no Series F shares"),
        ({"series": "G"}, r"no Series G shares have been issued"),
    ],
)
def test_impossible_transfers_are_refused(change: dict[str, str], message: str) -> None:
    with pytest.raises(LedgerRuleError, match=message):
        _state({**TRANSFER, **change}, as_of="2000-12-31")


def test_a_transfer_to_oneself_or_of_nothing_is_a_format_error() -> None:
    from prefstack.errors import InputError

    with pytest.raises(InputError, match="same holder"):
        parse_ledger({"format": "prefstack-ledger/1", "events": [{**TRANSFER, "to_holder": "A"}]}, "t")
    with pytest.raises(InputError, match="shares"):
        parse_ledger({"format": "prefstack-ledger/1", "events": [{**TRANSFER, "shares": "0"}]}, "t")


def test_transfer_into_a_holding_with_another_accrual_start_is_refused() -> None:
    """B was issued shares on 2000-10-01, so its holding accrues from then; A's from 2000-09-15. One
    holding has one accrual start: the transfer must wait for the next Payment Date."""
    issue_b = {"kind": "preferred_issued", "date": "2000-10-01", "series": "F", "holder": "B", "shares": "100"}
    with pytest.raises(LedgerRuleError, match=r"accrue from 2000-10-01 and the transferred shares from 2000-09-15"):
        _state(issue_b, TRANSFER, as_of="2000-12-31")


@settings(max_examples=30, deadline=None, derandomize=True)
@given(
    st.lists(
        st.tuples(
            st.integers(min_value=1, max_value=80),
            st.sampled_from(["A", "B", "C"]),
            st.sampled_from(["A", "B", "C"]),
            st.fractions(min_value=Fr(1, 100), max_value=Fr(1), max_denominator=1000),
        ),
        max_size=5,
    )
)
def test_transfers_conserve_shares_and_accrued_dividends(moves: list[tuple[int, str, str, Fr]]) -> None:
    """Property: whatever transfers are made between 2000-09-16 and 2000-12-14, the series' shares
    and the accrued dividends of all holders together are those of a ledger without transfers."""
    events: list[dict[str, Any]] = []
    held = {"A": 40_000 + PIK_SEPT, "B": Fr(0), "C": Fr(0)}
    for offset, source, target, portion in sorted(moves):
        if source == target or held[source] == 0:
            continue
        shares = held[source] * portion
        day = (dt.date(2000, 9, 16) + dt.timedelta(days=offset)).isoformat()
        events.append(
            {
                "kind": "transfer",
                "date": day,
                "series": "F",
                "from_holder": source,
                "to_holder": target,
                "shares": str(shares),
            }
        )
        held[source] -= shares
        held[target] += shares
    on = "2000-12-14"
    plain, moved = _state(as_of=on), _state(*events, as_of=on)
    assert moved.series["F"].shares_outstanding == plain.series["F"].shares_outstanding
    total = sum((_accrued(moved, h, on) for h, v in moved.series["F"].holdings.items() if v.shares), Fr(0))
    assert total == _accrued(plain, "A", on)
    assert {h: v.shares for h, v in moved.series["F"].holdings.items() if v.shares} == {
        h: v for h, v in held.items() if v
    }


def test_cli_ledger_add_transfer_and_state(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "l.yaml"
    path.write_text(yaml.safe_dump({"format": "prefstack-ledger/1", "events": BASE}))
    db = f"sqlite:///{tmp_path / 's.sqlite'}"
    cli("ledger", "import", str(path), "--db", db)
    cli(
        "ledger", "add", "--db", db, "--kind", "transfer", "--date", "2000-11-01",
        "--field", "series=F", "--field", "from_holder=A", "--field", "to_holder=B", "--field", "shares=10000",
    )  # fmt: skip
    report = json.loads(cli("state", "--db", db, "--as-of", "2000-11-01", "--format", "json").stdout)
    holders = {h["holder"]: h for h in report["series"][0]["holders"]}
    assert holders["B"]["shares_outstanding"] == "10000.00" and holders["B"]["accrued_unpaid_dividends"] == "91388.89"
    refused = cli(
        "ledger", "add", "--db", db, "--kind", "transfer", "--date", "2000-11-02",
        "--field", "series=F", "--field", "from_holder=B", "--field", "to_holder=C", "--field", "shares=20000",
    ok=False)  # fmt: skip
    assert refused.returncode == 2 and "transferring 20000 shares but B holds 10000" in refused.stderr
