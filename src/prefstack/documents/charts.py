"""Charts a person would rather look at than read: the PIK share count and the liquidation
value of a series (or of one holder) over time, and its Conversion Price history (PNG, embedded
in documents).

The figures are computed exactly by replaying the ledger at each date (:func:`chart_data`):
shares and the Conversion Price change only on the dates of events and are drawn as steps
(``steps-post``) on those dates; the liquidation value accrues day by day and is drawn as a line
through every event date and month end. matplotlib draws them (floats only for drawing, never for
a figure that is reported); money axes read in dollars with thousands separators, and a caption
under the chart says what is plotted and from what.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from numbers import Real

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


QUIET_KINDS = frozenset(
    {"closing_price", "company_details", "holder_address", "holder_name", "notice_sent", "void"}
)
"""Kinds that change none of the charted values by themselves: their dates are not candidates."""


@dataclass(frozen=True)
class ChartData:
    """What the history chart draws, exact: the step points of shares and Conversion Price (the
    first day, then each date an event changed the value, then the last day) and the points of the
    liquidation value (every event date and month end, which it accrues between)."""

    series: str
    holder: str | None
    start: dt.date
    end: dt.date
    shares: tuple[tuple[dt.date, Fraction], ...]
    price: tuple[tuple[dt.date, Fraction], ...]
    value: tuple[tuple[dt.date, Fraction], ...]
    events: int
    """Ledger events on or before ``end``."""

    @property
    def caption(self) -> str:
        who = self.holder if self.holder else "all holders"
        return (
            f"Series {self.series}, {who}: shares held (PIK included), liquidation value ($1,000 per share plus "
            f"accrued and unpaid dividends) and Conversion Price, {self.start} to {self.end}, as of {self.end}. "
            f"Source: ledger events ({self.events} up to {self.end}). Shares and Conversion Price step on the "
            "dates of the events that changed them; the liquidation value accrues between them."
        )


def _steps(points: list[tuple[dt.date, Fraction]], end: dt.date) -> tuple[tuple[dt.date, Fraction], ...]:
    """The first point, each point where the value changed, and the last day at the last value."""
    kept = [points[0]]
    for day, value in points[1:]:
        if value != kept[-1][1]:
            kept.append((day, value))
    if kept[-1][0] != end:
        kept.append((end, kept[-1][1]))
    return tuple(kept)


def chart_data(
    placed: Sequence[Placed], series: str, start: dt.date, end: dt.date, holder: str | None = None
) -> ChartData:
    """The ledger replayed on the first day, on each date of an event that may change a value,
    on each month end (for the accruing liquidation value) and on the last day."""
    event_days = {
        p.effective_date for p in placed if start < p.effective_date <= end and p.event.kind not in QUIET_KINDS
    }
    days = sorted({start, end, *event_days, *month_ends(start, end)})
    shares_points: list[tuple[dt.date, Fraction]] = []
    price_points: list[tuple[dt.date, Fraction]] = []
    value_points: list[tuple[dt.date, Fraction]] = []
    for day in days:
        state = replay(placed, day)
        s = state.series[series]
        holdings = [s.holdings[holder]] if holder is not None and holder in s.holdings else []
        if holder is None:
            holdings = list(s.holdings.values())
        shares = sum((h.shares for h in holdings), Fraction(0))
        accrued = Fraction(0)
        for holding in holdings:
            if holding.shares:
                owed = holding_accrued_unpaid(s, holding, day).value
                assert isinstance(owed, Fraction)
                accrued += owed
        if day in (start, end) or day in event_days:
            shares_points.append((day, shares))
            price_points.append((day, conversion_price_state(state, series).conversion_price))
        value_points.append((day, shares * s.terms.original_issue_price.value + accrued))
    return ChartData(
        series=series,
        holder=holder,
        start=start,
        end=end,
        shares=_steps(shares_points, end),
        price=_steps(price_points, end),
        value=tuple(value_points),
        events=sum(1 for p in placed if p.effective_date <= end),
    )


def _tick(value: Real) -> Decimal:
    """An axis tick as matplotlib hands it over, as a decimal for its label (display only: the
    figures plotted come from the exact engine)."""
    return Decimal(str(value))


def _dollars(value: Real, _position: object) -> str:
    return f"${_tick(value):,.0f}"


def _price(value: Real, _position: object) -> str:
    return f"${_tick(value):,.2f}"


def _shares(value: Real, _position: object) -> str:
    return f"{_tick(value):,.0f}"


def history_png(data: ChartData, caption: bool = True) -> bytes:
    """The chart as PNG, with its caption under it (``caption=False`` where the page that embeds
    it prints the caption itself)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    def floats(points: Sequence[tuple[dt.date, Fraction]]) -> tuple[list[dt.date], list[float]]:
        return [d for d, _ in points], [v.numerator / v.denominator for _, v in points]  # drawing only

    who = data.holder or "all holders"
    fig, axes = plt.subplots(3, 1, figsize=(7.5, 8.4 if caption else 7.8), sharex=True)
    panels = (
        (data.shares, f"Series {data.series} shares held by {who} (PIK included)", "shares", _shares, True),
        (data.value, f"Series {data.series} liquidation value ($1,000 + accrued and unpaid)", "US$", _dollars, False),
        (data.price, f"Series {data.series} Conversion Price", "US$ per share", _price, True),
    )
    for ax, (points, title, unit, formatter, steps) in zip(axes, panels, strict=True):
        xs, ys = floats(points)
        if steps:
            ax.plot(xs, ys, drawstyle="steps-post", color="#1c4f8a", marker="o", markersize=3)
        else:
            ax.plot(xs, ys, color="#8a1c1c")
        ax.yaxis.set_major_formatter(FuncFormatter(formatter))
        ax.set_title(title, fontsize=10)
        ax.set_ylabel(unit, fontsize=8)
        ax.tick_params(labelsize=8)
        ax.grid(alpha=0.3)
    fig.autofmt_xdate()
    fig.tight_layout(rect=(0, 0.07 if caption else 0, 1, 1))
    if caption:
        fig.text(0.02, 0.01, textwrap.fill(data.caption, 120), fontsize=7.5, va="bottom", ha="left", style="italic")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    plt.close(fig)
    return buffer.getvalue()


def as_base64(png: bytes) -> str:
    return base64.b64encode(png).decode("ascii")
