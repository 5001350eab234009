"""Charts a person would rather look at than read: the PIK share count and the liquidation
value of a series over time, and its Conversion Price history (PNG, embedded in documents).

The figures are computed exactly by replaying the ledger at each date; matplotlib draws them
(floats only for drawing, never for a figure that is reported).
"""

from __future__ import annotations

import base64
import datetime as dt
import io
from collections.abc import Sequence
from fractions import Fraction

from prefstack.ledger.replay import Placed, holding_accrued_unpaid, replay
from prefstack.ledger.section5 import conversion_price_state


def month_ends(start: dt.date, end: dt.date) -> list[dt.date]:
    days = []
    year, month = start.year, start.month
    while True:
        nxt = dt.date(year + month // 12, month % 12 + 1, 1)
        last = nxt - dt.timedelta(days=1)
        if last > end:
            break
        if last >= start:
            days.append(last)
        year, month = nxt.year, nxt.month
    return days if days and days[-1] == end else [*days, end]


def history(
    placed: Sequence[Placed], series: str, start: dt.date, end: dt.date
) -> list[tuple[dt.date, Fraction, Fraction, Fraction]]:
    """(date, shares outstanding, liquidation value, Conversion Price) at each month end."""
    points = []
    for day in month_ends(start, end):
        state = replay(placed, day)
        s = state.series[series]
        shares = s.shares_outstanding
        accrued = Fraction(0)
        for holding in s.holdings.values():
            if holding.shares:
                owed = holding_accrued_unpaid(s, holding, day).value
                assert isinstance(owed, Fraction)
                accrued += owed
        value = shares * s.terms.original_issue_price.value + accrued
        price = conversion_price_state(state, series).conversion_price
        points.append((day, shares, value, price))
    return points


def history_png(placed: Sequence[Placed], series: str, start: dt.date, end: dt.date) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    points = history(placed, series, start, end)
    days = [p[0] for p in points]
    fig, axes = plt.subplots(3, 1, figsize=(7.5, 8), sharex=True)
    panels = (
        (1, f"Series {series} shares outstanding (PIK included)", "shares"),
        (2, f"Series {series} liquidation value ($1,000 + accrued, all shares)", "US$"),
        (3, f"Series {series} Conversion Price", "US$"),
    )
    for ax, (index, title, unit) in zip(axes, panels, strict=True):
        series_values: list[Fraction] = [p[index] for p in points]  # type: ignore[misc]
        values = [v.numerator / v.denominator for v in series_values]  # drawing only
        if index == 2:
            ax.plot(days, values, color="#1c4f8a")  # accrues day by day
        else:
            ax.step(days, values, where="post", color="#1c4f8a" if index == 1 else "#8a1c1c")  # changes on events
        ax.set_title(title, fontsize=10)
        ax.set_ylabel(unit, fontsize=8)
        ax.grid(alpha=0.3)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    plt.close(fig)
    return buffer.getvalue()


def as_base64(png: bytes) -> str:
    return base64.b64encode(png).decode("ascii")
