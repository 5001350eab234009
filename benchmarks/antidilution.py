"""Replay of ledgers with anti-dilution activity: every day an issue of Common Stock below the
Conversion Price (an F/G §5(d)(iv) adjustment) and a conversion (which needs the Conversion Price
of its day). The §5 fold is continued as actions are appended, so replay grows linearly; it used
to re-fold every earlier action at each conversion (quadratic).

Printed side by side in one run: the time to validate (replay and fold) ledgers of 400, 800,
1,600 and 3,200 such events, each against the smallest, next to the same questions answered by
re-folding from the start (the reference the incremental fold is proven equal to).
"""

from __future__ import annotations

import datetime as dt
import time
from fractions import Fraction
from importlib import resources

import yaml

from prefstack.clauses import antidilution as ad
from prefstack.ledger import service
from prefstack.ledger.files import parse_ledger
from prefstack.ledger.replay import Placed

EXAMPLE = resources.files("prefstack.data").joinpath("example_ledger.yaml")


def ledger(events: int) -> list[Placed]:
    """The example's issues and Common Stock balances, then ``events`` daily issue + conversion pairs."""
    base = yaml.safe_load(EXAMPLE.read_text())
    docs = [e for e in base["events"] if e["kind"] in ("common_outstanding", "common_authorized", "preferred_issued")]
    start = dt.date(2001, 1, 2)
    for i in range(events // 2):
        day = (start + dt.timedelta(days=i)).isoformat()
        docs.append(
            {
                "kind": "common_issued",
                "date": day,
                "id": f"sale-{i}",
                "shares": "1000",
                "purpose": "none",
                "cash_consideration": "1000",
                "fair_market_value_per_share": "30",
            }
        )
        docs.append(
            {"kind": "conversion", "date": day, "series": "F", "holder": "Microsoft Corporation", "shares": "1"}
        )
    return parse_ledger({"format": "prefstack-ledger/1", "events": docs}, "anti-dilution benchmark")


def mixed_ledger(events: int) -> list[Placed]:
    """The example's issues and balances, then about ``events`` events of §5 activity: every day an
    issue of Common Stock below the Conversion Price and a conversion; every eighth day Options
    issued below it, which expire unexercised three days later (a §5(d)(iii)(B) readjustment)."""
    base = yaml.safe_load(EXAMPLE.read_text())
    docs = [e for e in base["events"] if e["kind"] in ("common_outstanding", "common_authorized", "preferred_issued")]
    start = dt.date(2001, 1, 2)
    day_index = 0
    while len(docs) < events:
        day = start + dt.timedelta(days=day_index)
        docs.append(
            {
                "kind": "common_issued",
                "date": day.isoformat(),
                "id": f"sale-{day_index}",
                "shares": "1000",
                "purpose": "none",
                "cash_consideration": "1000",
                "fair_market_value_per_share": "30",
            }
        )
        docs.append(
            {
                "kind": "conversion",
                "date": day.isoformat(),
                "series": "F",
                "holder": "Microsoft Corporation",
                "shares": "1",
            }
        )
        if day_index % 8 == 0:
            docs.append(
                {
                    "kind": "option_issued",
                    "date": day.isoformat(),
                    "id": f"options-{day_index}",
                    "security": "option",
                    "max_shares": "500",
                    "consideration_received": "0",
                    "min_additional_consideration": "2500",
                    "purpose": "none",
                    "fair_market_value_per_share": "30",
                }
            )
            expiry = (day + dt.timedelta(days=3)).isoformat()
            docs.append({"kind": "option_expired", "date": expiry, "option": f"options-{day_index}"})
        day_index += 1
    return parse_ledger({"format": "prefstack-ledger/1", "events": docs}, "mixed §5 benchmark")


def _validate_time(placed: list[Placed]) -> float:
    started = time.perf_counter()
    service.validate(placed)
    return time.perf_counter() - started


def _refold_time(placed: list[Placed]) -> float:
    """The same §5 questions answered the old way: a whole fold for every conversion's day."""
    state = service.validate(placed)
    assert state is not None
    actions = list(state.section5_actions)
    terms = state.series["F"].terms
    issued = state.series["F"].original_issuance_date
    assert issued is not None and state.common_outstanding_opening is not None
    started = time.perf_counter()
    for count in range(1, len(actions) + 1, 2):
        ad.conversion_price_history(
            terms,
            original_issuance_date=issued,
            initial_common_outstanding=Fraction(state.common_outstanding_opening),
            actions=actions[:count],
        )
    return time.perf_counter() - started


def run() -> list[str]:
    lines = ["replay with a §5(d)(iv) adjustment and a conversion every day (seconds, one run each)"]
    base: tuple[float, float] | None = None
    for size in (400, 800, 1_600, 3_200):
        placed = ledger(size)
        incremental = _validate_time(placed)
        refold = _refold_time(placed) if size <= 1_600 else None
        if base is None:
            assert refold is not None
            base = (incremental, refold)
        refold_text = "(not run)" if refold is None else f"{refold:7.2f} s ({refold / base[1]:5.2f}x)"
        lines.append(
            f"  {len(placed):>5} events: replay {incremental:6.2f} s ({incremental / base[0]:5.2f}x)   "
            f"re-folding from the start for each conversion {refold_text}"
        )
    lines.append("  linear growth reads about 2x, 4x, 8x; quadratic reads about 4x, 16x, 64x")
    lines.append("replay with issues, conversions, Options and their expiries (seconds, one run each)")
    first: tuple[int, float] | None = None
    for size in (1_000, 2_000, 4_000, 8_000):
        placed = mixed_ledger(size)
        seconds = _validate_time(placed)
        if first is None:
            first = (len(placed), seconds)
        size_ratio, time_ratio = len(placed) / first[0], seconds / first[1]
        verdict = "within" if time_ratio <= 1.3 * size_ratio else "NOT within"
        lines.append(
            f"  {len(placed):>5} events: {seconds:6.2f} s   size {size_ratio:4.2f}x  time {time_ratio:5.2f}x  "
            f"({verdict} 1.3x of the size ratio)"
        )
    return lines


if __name__ == "__main__":
    print("\n".join(run()))
