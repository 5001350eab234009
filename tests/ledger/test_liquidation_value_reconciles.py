"""LIQ-CENTS: a holder never sees two figures for one right. The Liquidation Value that `state`
shows (F §3(a), G §3(a), to the cent) is what a fully funded waterfall pays each holding."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction as Fr
from importlib import resources
from pathlib import Path

from prefstack import queries
from prefstack.figures import MONEY, fixed
from prefstack.ledger.files import read_ledger_file
from prefstack.ledger.replay import replay
from prefstack.report import state_report

ON = dt.date(2002, 6, 30)


def test_fully_funded_waterfall_pays_the_state_liquidation_values() -> None:
    """The example on 2002-06-30: Microsoft holds 43,316.636... Series F shares with $126,340.19 of
    accrued dividends, a Liquidation Value of $43,442,976.34 (43,316.636... x $1,000 + 126,340.19,
    half-up to the cent). With $500,000,000 of proceeds the parity tier is paid in full, and each
    holding is paid exactly its state figure (it used to be $43,442,976.35: the tier's total was
    rounded once and its cents apportioned); every cent of the proceeds is still paid out."""
    state = replay(read_ledger_file(Path(str(resources.files("prefstack.data").joinpath("example_ledger.yaml")))), ON)
    shown = {
        (s["series"], h["holder"]): h["liquidation_value"] for s in state_report(state)["series"] for h in s["holders"]
    }
    assert shown[("F", "Microsoft Corporation")] == "43442976.34"
    result = queries.liquidation(state, Fr(500_000_000), [])
    parity = [p for p in result.payouts if p.tier == "parity preference"]
    paid = {(p.security, p.holder): fixed(p.amount.value, MONEY) for p in parity}
    assert paid == shown
    assert result.total_paid.value == 500_000_000
