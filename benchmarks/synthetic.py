"""Synthetic ledger files for the benchmarks (and, small, for the tests).

Each function returns the document of a ledger file (``{format, events, ...}``), plain data
that :func:`prefstack.ledger.files.dump_ledger` writes as YAML or JSON and ``prefstack ledger
import`` accepts: every event is valid under the certificates as replay enforces them.

- :func:`dividend_ledger`: Series F dividends only (holders, an election per holder per
  Payment Date, daily closing prices, a payment outcome per Payment Date), the shape of the
  replay benchmark's ledger.
- :func:`register_ledger`: a register of Series F and Series G holders over five years:
  issues, dividend elections (cash, PIK, half and half, Common Stock; a few received late),
  daily closing prices, a payment outcome per Payment Date of each series (one quarter unpaid
  and its arrears paid later), and conversions spread over the years (some settling the
  accrued dividends in Common Stock at its Fair Market Value, which needs the prices).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from prefstack.calendars import nasdaq_trading_days, payment_dates
from prefstack.ledger.files import FORMAT
from prefstack.terms import load_terms

Document = dict[str, Any]

DIVIDEND_START = dt.date(2000, 8, 2)
DIVIDEND_END = dt.date(2005, 6, 30)

REGISTER_PRICES_FROM = dt.date(2000, 6, 1)
G_ISSUE_DATE = dt.date(2000, 6, 15)
F_ISSUE_DATE = dt.date(2000, 8, 2)
REGISTER_END = dt.date(2005, 6, 30)
UNPAID_PAYMENT_DATE = dt.date(2001, 12, 15)
ARREARS_PAID_ON = dt.date(2002, 3, 15)

F_ISSUED = 40_000
"""Series F shares issued in all (F Sched. 1); the rest of the 56,617 authorized is the PIK reserve."""
G_ISSUED = 20_000
"""Series G shares issued in all; the rest of the 28,051 authorized is the PIK reserve."""


def _price(i: int) -> str:
    return f"{10 + i % 7}.{i % 100:02d}"


def dividend_ledger(events: int) -> Document:
    """About ``events`` events of Series F dividends (a little under: whole holders only).

    Daily closing prices from 2000-08-02 to 2005-06-30; as many holders as fit, each issued
    ``40000 // holders`` shares on 2000-08-02 and electing cash (one in four) or PIK for every
    Payment Date 20 days before it; every Payment Date paid.
    """
    terms = load_terms("F")
    dates = list(payment_dates(terms, DIVIDEND_START, DIVIDEND_END))
    prices = nasdaq_trading_days(DIVIDEND_START, DIVIDEND_END)
    per_holder = 1 + len(dates)
    holders = max(1, (events - len(prices) - len(dates)) // per_holder)
    shares = F_ISSUED // holders
    docs: list[dict[str, object]] = [
        {"kind": "closing_price", "date": d.isoformat(), "price": _price(i)} for i, d in enumerate(prices)
    ]
    for h in range(holders):
        name = f"holder {h:06d}"
        docs.append(
            {
                "kind": "preferred_issued",
                "date": DIVIDEND_START.isoformat(),
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
    return {"format": FORMAT, "events": docs}


def _shares_each(total: int, holders: int) -> list[int]:
    """Whole shares for each of ``holders``: around ``total // holders`` each (varied by -2..+2
    when that leaves at least one share), never more than ``total`` in all."""
    base = total // holders
    if base < 1:
        raise ValueError(f"{holders:,} holders cannot share {total:,} shares with at least one each")
    if base < 3:
        return [base] * holders
    return [base + (h % 5) - 2 for h in range(holders)]


_FORMS: tuple[dict[str, str], ...] = (
    {"cash": "1"},
    {"cash": "1"},
    {"cash": "1"},
    {"pik": "1"},
    {"pik": "1"},
    {"pik": "1"},
    {"pik": "1"},
    {"pik": "1/2", "cash": "1/2"},
    {"pik": "1/2", "cash": "1/2"},
    {"common": "1"},
)


def f_holder_name(h: int) -> str:
    return f"F holder {h:05d}"


def g_holder_name(h: int) -> str:
    return f"G holder {h:05d}"


def register_ledger(
    f_holders: int = 5_000,
    g_holders: int = 2_000,
    conversions: int = 1_000,
    elections_per_holder: int = 9,
) -> Document:
    """A stock register of ``f_holders`` Series F and ``g_holders`` Series G holders, 2000-06-01
    to 2005-06-30 (with the defaults about 54,000 events).

    - the Company's Common Stock authorized and outstanding and an effective resale
      registration statement (2000-06-01), and a closing price every Nasdaq trading day;
    - Series G issued on 2000-06-15 and Series F on 2000-08-02: 20,000 and 40,000 shares
      shared among the holders (each holder is issued once);
    - ``elections_per_holder`` dividend elections of each Series F holder (of the 20 Payment
      Dates), 20 days before the Payment Date (one in 37 five days before: late, so the
      default form applies); forms rotate through cash, PIK, half and half and Common Stock;
    - every Payment Date of both series paid, except 2001-12-15 (no funds legally available),
      whose arrears are paid on 2002-03-15;
    - ``conversions`` conversions by distinct holders, F and G in proportion to their holders,
      on trading days spread from October 2000 to May 2005, of 1 to 3 shares each; one in ten
      with no funds legally available for the accrued dividends (settled in Common Stock at
      its Fair Market Value, F §5(c)(iii)).
    """
    if not 0 <= elections_per_holder <= 20:
        raise ValueError("elections_per_holder is 0 to 20 (the Payment Dates in the register's five years)")
    f_conversions = round(conversions * f_holders / (f_holders + g_holders))
    g_conversions = conversions - f_conversions
    if f_conversions > f_holders or g_conversions > g_holders:
        raise ValueError("more conversions than holders (each holder converts at most once)")

    prices = nasdaq_trading_days(REGISTER_PRICES_FROM, REGISTER_END)
    f_dates = list(payment_dates(load_terms("F"), F_ISSUE_DATE, REGISTER_END))
    g_dates = list(payment_dates(load_terms("G"), G_ISSUE_DATE, REGISTER_END))
    start = REGISTER_PRICES_FROM.isoformat()

    docs: list[dict[str, object]] = [
        {"kind": "common_authorized", "date": start, "shares": "200000000"},
        {"kind": "common_outstanding", "date": start, "shares": "22000000"},
        {"kind": "registration_statement", "date": start, "effective": True},
    ]
    docs += [{"kind": "closing_price", "date": d.isoformat(), "price": _price(i)} for i, d in enumerate(prices)]

    f_shares = _shares_each(F_ISSUED, f_holders)
    g_shares = _shares_each(G_ISSUED, g_holders)
    for h, shares in enumerate(g_shares):
        docs.append(
            {
                "kind": "preferred_issued",
                "date": G_ISSUE_DATE.isoformat(),
                "series": "G",
                "holder": g_holder_name(h),
                "shares": str(shares),
            }
        )
    for h, shares in enumerate(f_shares):
        docs.append(
            {
                "kind": "preferred_issued",
                "date": F_ISSUE_DATE.isoformat(),
                "series": "F",
                "holder": f_holder_name(h),
                "shares": str(shares),
            }
        )

    for h in range(f_holders):
        for k, pay in enumerate(f_dates):
            if (h * 7 + k) % len(f_dates) >= elections_per_holder:
                continue
            late = (h + k) % 37 == 0
            docs.append(
                {
                    "kind": "dividend_election",
                    "date": (pay - dt.timedelta(days=5 if late else 20)).isoformat(),
                    "series": "F",
                    "holder": f_holder_name(h),
                    "payment_date": pay.isoformat(),
                    **_FORMS[(h + k) % len(_FORMS)],
                }
            )

    for series, dates in (("F", f_dates), ("G", g_dates)):
        for pay in dates:
            outcome = "not_legally_available" if pay == UNPAID_PAYMENT_DATE else "paid"
            docs.append({"kind": "dividend_payment", "date": pay.isoformat(), "series": series, "outcome": outcome})
        docs.append(
            {
                "kind": "arrears_paid",
                "date": ARREARS_PAID_ON.isoformat(),
                "series": series,
                "note": f"the unpaid {UNPAID_PAYMENT_DATE} dividend declared",
            }
        )

    first = next(i for i, d in enumerate(prices) if d >= dt.date(2000, 10, 2))
    last = next(i for i, d in enumerate(prices) if d >= dt.date(2005, 6, 1))
    plan = [("F", h, f_shares[h]) for h in (i * f_holders // f_conversions for i in range(f_conversions))]
    plan += [("G", h, g_shares[h]) for h in (i * g_holders // g_conversions for i in range(g_conversions))]
    # Interleave the series over time: order the plan by a stride through it.
    order = sorted(range(len(plan)), key=lambda i: (i * 7919) % len(plan)) if plan else []
    for n, i in enumerate(order):
        series, h, issued = plan[i]
        day = prices[first + n * (last - first) // max(1, len(plan))]
        conversion: dict[str, object] = {
            "kind": "conversion",
            "date": day.isoformat(),
            "series": series,
            "holder": f_holder_name(h) if series == "F" else g_holder_name(h),
            "shares": str(min(1 + n % 3, issued)),
        }
        if n % 10 == 9:
            conversion["funds_legally_available"] = "0"
        docs.append(conversion)

    return {
        "format": FORMAT,
        "company": "CAIS Internet, Inc.",
        "description": (
            f"Synthetic register for benchmarks: {f_holders:,} Series F and {g_holders:,} Series G holders, "
            f"{conversions:,} conversions; every figure is invented."
        ),
        "events": docs,
    }


def kind_counts(document: Document) -> Counter[str]:
    """How many events of each kind a ledger document holds."""
    return Counter(str(event["kind"]) for event in document["events"])
