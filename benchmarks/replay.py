"""Replay benchmark: ledgers of 25,000, 50,000 and 100,000 events replayed side by side.

The synthetic ledger grows with its length the way a real one does: more holders of Series F
(each with a dividend election for every Payment Date), daily closing prices and a Payment
Date outcome per quarter. The figures printed are the replay time to the last date and an
as-of query in the middle, and the ratio of each to the 25,000-event ledger: linear growth
gives about 2x and 4x.
"""

from __future__ import annotations

import datetime as dt
import time

from prefstack.calendars import nasdaq_trading_days, payment_dates
from prefstack.ledger.files import parse_ledger
from prefstack.ledger.replay import Placed, replay
from prefstack.report import state_report
from prefstack.terms import load_terms

START = dt.date(2000, 8, 2)
END = dt.date(2005, 6, 30)


def synthetic_ledger(events: int) -> list[Placed]:
    terms = load_terms("F")
    dates = list(payment_dates(terms, START, END))
    prices = nasdaq_trading_days(START, END)
    per_holder = 1 + len(dates)
    holders = max(1, (events - len(prices) - len(dates)) // per_holder)
    shares = 40000 // holders
    docs: list[dict[str, object]] = [
        {"kind": "closing_price", "date": d.isoformat(), "price": f"{10 + i % 7}.{i % 100:02d}"}
        for i, d in enumerate(prices)
    ]
    for h in range(holders):
        name = f"holder {h:06d}"
        docs.append(
            {
                "kind": "preferred_issued",
                "date": START.isoformat(),
                "series": "F",
                "holder": name,
                "shares": str(shares),
            }
        )
        for pay in dates:
            election = {"cash": "1"} if (h + pay.month) % 4 == 0 else {"pik": "1"}
            docs.append(
                {
                    "kind": "dividend_election",
                    "date": (pay - dt.timedelta(days=20)).isoformat(),
                    "series": "F",
                    "holder": name,
                    "payment_date": pay.isoformat(),
                    **election,
                }
            )
    docs += [{"kind": "dividend_payment", "date": d.isoformat(), "series": "F", "outcome": "paid"} for d in dates]
    return parse_ledger({"format": "prefstack-ledger/1", "events": docs}, "synthetic")


def _time(fn: object) -> float:
    assert callable(fn)
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def run() -> list[str]:
    lines = ["replay (F dividends, elections and prices; times in seconds, one run each)"]
    base: tuple[float, float] | None = None
    for size in (25_000, 50_000, 100_000):
        placed = synthetic_ledger(size)
        full = _time(lambda placed=placed: state_report(replay(placed, END)))
        middle = _time(lambda placed=placed: state_report(replay(placed, dt.date(2003, 1, 1))))
        if base is None:
            base = (full, middle)
        lines.append(
            f"  {len(placed):>7} events: replay to {END} {full:7.2f} s ({full / base[0]:4.2f}x)   "
            f"as-of 2003-01-01 {middle:7.2f} s ({middle / base[1]:4.2f}x)   {len(placed) / full:8.0f} events/s"
        )
    lines.append("  linear growth reads about 2x and 4x; quadratic would read about 4x and 16x")
    return lines


if __name__ == "__main__":
    print("\n".join(run()))
