"""One rule for converting (F/G §5(a)-(c)): the `convert` question and the `conversion` event go
through the same function, cut-offs included (F §6(j), G §6(i)); fractions of a share convert."""

from __future__ import annotations

import datetime as dt
import json
from fractions import Fraction as Fr
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prefstack.ledger.files import parse_ledger
from prefstack.ledger.replay import replay
from prefstack.ledger.section5 import conversion_price_state
from prefstack.report import state_report

BASE: list[dict[str, Any]] = [
    {"kind": "common_outstanding", "date": "2000-06-01", "shares": 20_000_000},
    {"kind": "preferred_issued", "date": "2000-06-15", "series": "G", "holder": "C", "shares": "20000"},
    {"kind": "preferred_issued", "date": "2000-08-02", "series": "F", "holder": "A", "shares": "40000"},
]
CALL = {"kind": "redemption_notice", "date": "2005-07-01", "series": "F", "redemption_date": "2005-08-02"}


def _write(tmp_path: Path, *events: dict[str, Any]) -> str:
    path = tmp_path / f"l{len(list(tmp_path.iterdir()))}.yaml"
    path.write_text(yaml.safe_dump({"format": "prefstack-ledger/1", "events": [*BASE, *events]}))
    return str(path)


def _quote(cli, path: str, on: str, ok: bool = True):  # type: ignore[no-untyped-def]
    args = ["convert", "--series", "F", "--holder", "A", "--shares", "10", "--on", on, "--ledger", path]
    return cli(*args, "--format", "json", ok=ok)


def test_convert_question_respects_the_redemption_cutoff(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """F §6(j): after a Redemption Notice for 2005-08-02, the Conversion Rights end at the close of
    business on the fifth day before it, 2005-07-28. A quote for 2005-07-28 is answered
    (10 x $1,000 / $24 = 416.66... -> 416 shares); one for 2005-07-29 is refused citing F §6(j),
    exactly as the ledger refuses a conversion event dated 2005-07-29."""
    path = _write(tmp_path, CALL)
    assert json.loads(_quote(cli, path, "2005-07-28").stdout)["common_shares"] == 416
    late = _quote(cli, path, "2005-07-29", ok=False)
    assert late.returncode == 2 and "F §6(j)" in late.stderr and "Traceback" not in late.stderr
    event = {"kind": "conversion", "date": "2005-07-29", "series": "F", "holder": "A", "shares": "10"}
    refused = cli("state", "--ledger", _write(tmp_path, CALL, event), "--as-of", "2005-07-30", ok=False)
    assert refused.returncode == 2 and "F §6(j)" in refused.stderr


def test_quote_does_not_change_the_state() -> None:
    """A question leaves the state as it was: the same report before and after a quote."""
    from prefstack.queries import conversion_quote

    state = replay(parse_ledger({"format": "prefstack-ledger/1", "events": BASE}, "t"), dt.date(2001, 1, 10))
    before = json.dumps(state_report(state), sort_keys=True)
    conversion_quote(state, "F", "A", Fr(250), None)
    assert json.dumps(state_report(state), sort_keys=True) == before


def test_one_hundredth_of_a_share_converts() -> None:
    """F §5(a)-(b): 1/100 share converts into 10 / 24 = 5/12 of a share of Common Stock: no whole
    share, cash for the fraction 5/12 x $24 = $10.00. No Common Stock is issued, so nothing enters
    the Common Stock outstanding, and the next state replays (it used to fail on a zero-share issue)."""
    conversion = {"kind": "conversion", "date": "2000-09-15", "series": "F", "holder": "A", "shares": "1/100"}
    events = [*BASE, {"kind": "dividend_payment", "date": "2000-09-15", "series": "G", "outcome": "paid"}]
    events += [{"kind": "dividend_payment", "date": "2000-09-15", "series": "F", "outcome": "paid"}, conversion]
    state = replay(parse_ledger({"format": "prefstack-ledger/1", "events": events}, "t"), dt.date(2000, 10, 1))
    record = state.series["F"].conversions[0]
    assert record.result.common_shares.value == 0
    assert record.result.cash_for_fraction.value == 10
    pik = 40_000 * Fr(7, 100) * Fr(44, 360)  # the 2000-09-15 stub paid in PIK shares (F §2(b))
    assert state.series["F"].holdings["A"].shares == 40_000 + pik - Fr(1, 100)
    assert conversion_price_state(state, "F").common_outstanding == 20_000_000
    state_report(state)


@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.fractions(min_value=Fr(1, 10**6), max_value=Fr(3000), max_denominator=10**6),
        min_size=1,
        max_size=4,
    )
)
def test_random_exact_fractions_convert_and_replay(amounts: list[Fr]) -> None:
    """Property (F §5(a)-(b)): converting any exact fractions of a holding, one after another on
    the Payment Date 2000-12-15 (no accrued dividends then but the paid quarter), replays; the
    holding falls by exactly the shares converted; each conversion gives floor(shares x 1,000 / 24)
    shares of Common Stock, and the Common Stock outstanding rises by their sum."""
    events: list[dict[str, Any]] = [*BASE]
    for day in ("2000-09-15", "2000-12-15"):
        events += [
            {"kind": "dividend_payment", "date": day, "series": "G", "outcome": "paid"},
            {"kind": "dividend_payment", "date": day, "series": "F", "outcome": "paid"},
        ]
    for amount in amounts:
        events.append({"kind": "conversion", "date": "2000-12-15", "series": "F", "holder": "A", "shares": str(amount)})
    placed = parse_ledger({"format": "prefstack-ledger/1", "events": events}, "t")
    before = replay(placed, dt.date(2000, 12, 14)).series["F"].holdings["A"].shares
    pik_december = before * Fr(175, 10000)  # 1.75% of the holding, paid in PIK shares (F §2(b))
    state = replay(placed, dt.date(2000, 12, 31))
    assert state.series["F"].holdings["A"].shares == before + pik_december - sum(amounts, Fr(0))
    whole = sum(int(a * 1000 / 24) for a in amounts)
    # Conversions on one date replay in content order, so compare as multisets.
    given_shares = sorted(r.result.common_shares.value for r in state.series["F"].conversions)  # type: ignore[type-var]
    assert given_shares == sorted(int(a * 1000 / 24) for a in amounts)
    assert conversion_price_state(state, "F").common_outstanding == 20_000_000 + whole
    state_report(state)
