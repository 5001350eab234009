"""The files of ``prefstack scenarios``: the grid of exit values, the payouts table (CSV or Parquet,
written a chunk at a time) and the charts (PNG with matplotlib; a self-contained HTML page with an
inline SVG and a few lines of JavaScript, nothing fetched from anywhere).

Every amount written is whole cents (int64), the kernel's own figures (:mod:`prefstack.kernels.waterfall`):
per class (each security, summed over its holders) and, for a security held by named holders (the
holdings of Series F and G in the ledger), per holder as well.
"""

from __future__ import annotations

import datetime as dt
import html
import json
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from prefstack.errors import InputError
from prefstack.kernels.waterfall import MAX_EXIT_CENTS, KernelPlan, pay
from prefstack.scenarios import ScenarioPlan

__all__ = ["CHUNK_ROWS", "grid", "holder_columns", "output_columns", "write_chart", "write_table"]

CHUNK_ROWS = 262_144
"""Exit values computed and written at a time (memory stays a few chunks' worth whatever the grid)."""

GRID_CLAUSE = "scenario grid"


def grid(
    start: Fraction, stop: Fraction, steps: int, fields: tuple[str, str, str] = ("--from", "--to", "--steps")
) -> npt.NDArray[np.int64]:
    """The exit values ``start + i x (stop - start) / steps`` for i = 0..steps, in cents; each must
    be a whole number of cents (nothing is rounded: a grid that is not is refused, naming the
    steps' field). ``fields`` names the lowest value, the highest and the steps in the errors (the
    command's options; the web service's job names its arguments ``from``, ``to``, ``steps``)."""
    low, high, count = fields
    if steps < 1:
        raise InputError(count, GRID_CLAUSE, f"give at least one step, not {steps}")
    if start < 0 or stop < start:
        raise InputError(low, GRID_CLAUSE, f"need 0 <= {low} <= {high}, not {start} and {stop}")
    for name, value in ((low, start), (high, stop)):
        if (value * 100).denominator != 1:
            raise InputError(name, GRID_CLAUSE, f"{value} is not a whole number of cents")
    if stop * 100 > MAX_EXIT_CENTS:
        raise InputError(
            high, GRID_CLAUSE, f"{stop} is above the largest exit value the kernel pays, $100,000,000,000.00"
        )
    first, span = int(start * 100), int((stop - start) * 100)
    if span % steps:
        raise InputError(
            count,
            GRID_CLAUSE,
            f"({stop} - {start}) / {steps} is not a whole number of cents: choose another {count}",
        )
    return first + np.arange(steps + 1, dtype=np.int64) * (span // steps)


def holder_columns(plan: ScenarioPlan) -> list[int]:
    """The columns of holdings held by named holders (not a whole class's ``holders of ...``)."""
    return [j for j, (security, holder) in enumerate(plan.columns) if holder != f"holders of {security}"]


def output_columns(plans: Sequence[ScenarioPlan]) -> list[str]:
    """The table's amount columns over every date: each class, then each named holding."""
    names: dict[str, None] = {}
    for plan in plans:
        names.update(dict.fromkeys(plan.classes))
    holders: dict[str, None] = {}
    for plan in plans:
        holders.update(dict.fromkeys(f"{plan.columns[j][0]} / {plan.columns[j][1]}" for j in holder_columns(plan)))
    return list(names) + list(holders)


def _rows(plan: ScenarioPlan, kernel_paid: npt.NDArray[np.int64]) -> dict[str, npt.NDArray[np.int64]]:
    paid = plan.to_holders(kernel_paid)  # a class whose holders are listed: a column per holder
    by_class = plan.by_class(paid)
    out = {name: by_class[:, i] for i, name in enumerate(plan.classes)}
    for j in holder_columns(plan):
        security, holder = plan.columns[j]
        out[f"{security} / {holder}"] = paid[:, j]
    return out


def pay_chunk(kernel: KernelPlan, exits: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """One chunk's payouts (a task a Dask worker runs: the kernel's plan and the exit values in,
    the cents out)."""
    return pay(kernel, exits, field="--to")


Chunks = Iterator[tuple[ScenarioPlan, npt.NDArray[np.int64], npt.NDArray[np.int64]]]


def local_chunks(plans: Sequence[ScenarioPlan], exits: npt.NDArray[np.int64]) -> Chunks:
    """Each date's grid a chunk at a time in this process: (plan, exit values, payouts)."""
    for plan in plans:
        for begin in range(0, exits.size, CHUNK_ROWS):
            chunk = exits[begin : begin + CHUNK_ROWS]
            yield plan, chunk, pay_chunk(plan.kernel, chunk)


DASK_AHEAD = 8
"""Chunks submitted to the Dask cluster ahead of the one being written (memory stays bounded)."""


def dask_chunks(plans: Sequence[ScenarioPlan], exits: npt.NDArray[np.int64], scheduler: str) -> Chunks:
    """The same chunks computed by the workers of the Dask scheduler at ``scheduler``, in the same
    order (the kernel is deterministic: the same cents as :func:`local_chunks`)."""
    try:
        from distributed import Client
    except ImportError as exc:  # pragma: no cover - a dependency of the project
        raise InputError("--engine", GRID_CLAUSE, "dask[distributed] is not installed") from exc
    try:
        client = Client(scheduler, timeout=30)  # type: ignore[no-untyped-call]
    except (OSError, TimeoutError) as exc:
        raise InputError("--scheduler", GRID_CLAUSE, f"no Dask scheduler answers at {scheduler}: {exc}") from exc
    with client:
        work = [(plan, exits[b : b + CHUNK_ROWS]) for plan in plans for b in range(0, exits.size, CHUNK_ROWS)]
        kernels = {id(plan): client.scatter(plan.kernel, broadcast=True) for plan in plans}  # type: ignore[no-untyped-call]
        pending: deque[tuple[ScenarioPlan, npt.NDArray[np.int64], Any]] = deque()
        for plan, chunk in work:
            pending.append((plan, chunk, client.submit(pay_chunk, kernels[id(plan)], chunk, pure=False)))
            if len(pending) > DASK_AHEAD:
                done_plan, done_chunk, future = pending.popleft()
                yield done_plan, done_chunk, future.result()
        while pending:
            done_plan, done_chunk, future = pending.popleft()
            yield done_plan, done_chunk, future.result()


def write_table(
    path: Path,
    plans: Sequence[ScenarioPlan],
    exits: npt.NDArray[np.int64],
    advance: Callable[[int], None] = lambda rows: None,
    chunks: Chunks | None = None,
) -> int:
    """Write every date's payouts at every exit value to ``path`` (``.csv`` or ``.parquet``): the
    columns ``on``, ``exit_value_cents`` and one per class and named holding, in cents (a holding
    absent on a date is left empty), after ``capital_structure`` where the plans are of several
    variants (each plan's ``variant``). ``chunks``: where they are computed (default: here, by
    :func:`local_chunks`). Returns the rows written; ``advance`` is told each chunk's rows."""
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise InputError("--out", GRID_CLAUSE, f"write FILE.csv or FILE.parquet, not {path.name}")
    names = output_columns(plans)
    variants = any(plan.variant for plan in plans)  # a capital_structure column where there are several
    computed = local_chunks(plans, exits) if chunks is None else chunks
    written = 0
    if suffix == ".parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        fields = [("capital_structure", pa.string())] if variants else []
        schema = pa.schema(
            [*fields, ("on", pa.date32()), ("exit_value_cents", pa.int64())] + [(name, pa.int64()) for name in names]
        )
        with pq.ParquetWriter(path, schema) as writer:
            for plan, chunk, paid in computed:
                found = _rows(plan, paid)
                arrays = [pa.array(np.full(chunk.size, plan.variant), pa.string())] if variants else []
                arrays += [pa.array(np.full(chunk.size, plan.on), pa.date32()), pa.array(chunk)]
                arrays += [pa.array(found[n]) if n in found else pa.nulls(chunk.size, pa.int64()) for n in names]
                writer.write_table(pa.Table.from_arrays(arrays, schema=schema))
                written += chunk.size
                advance(chunk.size)
        return written
    with path.open("w", encoding="utf-8", newline="") as out:
        first = ["capital_structure"] if variants else []
        out.write(",".join(_csv_field(n) for n in [*first, "on", "exit_value_cents", *names]) + "\n")
        for plan, chunk, paid in computed:
            found = _rows(plan, paid)
            columns = [np.full(chunk.size, _csv_field(plan.variant), dtype=object)] if variants else []
            columns += [np.full(chunk.size, plan.on.isoformat()), chunk.astype(str)]
            columns += [found[n].astype(str) if n in found else np.full(chunk.size, "") for n in names]
            lines = columns[0].astype(object)
            for c in columns[1:]:
                lines = lines + "," + c.astype(object)
            out.write("\n".join(lines.tolist()) + "\n")
            written += chunk.size
            advance(chunk.size)
    return written


def _csv_field(text: str) -> str:
    return f'"{text.replace(chr(34), chr(34) * 2)}"' if any(c in text for c in ',"\n') else text


# ----------------------------------------------------------------------------- charts

CHART_POINTS = 1_000
"""Grid points a chart draws at most (evenly taken), with every breakpoint in its range added: the
payoffs are straight between breakpoints, so the lines are the payoffs themselves."""


def chart_points(
    plan: ScenarioPlan, exits: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """The exit values a chart draws and each class's payouts there (cents)."""
    step = max(1, exits.size // CHART_POINTS)
    chosen = set(exits[::step].tolist()) | {int(exits[-1])}
    low, high = int(exits[0]), int(exits[-1])
    for b in plan.breakpoints:
        cents = b.exit_value * 100
        for c in (int(cents), int(cents) + 1):
            if low <= c <= high:
                chosen.add(c)
    x = np.asarray(sorted(chosen), dtype=np.int64)
    return x, plan.by_class(plan.payouts(x, field="--to"))


def write_chart(path: Path, plan: ScenarioPlan, exits: npt.NDArray[np.int64], title: str) -> None:
    """A chart of each class's payout against the exit value on ``plan.on``, breakpoints marked:
    ``.png`` (matplotlib) or ``.html`` (inline SVG, self-contained)."""
    suffix = path.suffix.lower()
    if suffix not in (".png", ".html"):
        raise InputError("--chart", GRID_CLAUSE, f"write FILE.png or FILE.html, not {path.name}")
    x, paid = chart_points(plan, exits)
    if suffix == ".png":
        _png(path, plan, x, paid, title)
    else:
        path.write_text(_html(plan, x, paid, title), encoding="utf-8")


def _png(
    path: Path,
    plan: ScenarioPlan,
    x: npt.NDArray[np.int64],
    paid: npt.NDArray[np.int64],
    title: str,
) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(11, 6.5), dpi=110)
    for i, name in enumerate(plan.classes):
        axes.plot(x / 100, paid[:, i] / 100, label=name, linewidth=1.4)
    low, high = int(x[0]), int(x[-1])
    for b in plan.breakpoints:
        if low <= b.exit_value * 100 <= high:
            axes.axvline(float(b.exit_value), color="grey", linestyle="--", linewidth=0.7)
    axes.set_xlabel("exit value ($)")
    axes.set_ylabel("paid ($)")
    axes.set_title(title.replace("$", r"\$"), fontsize=10)
    axes.legend(fontsize=8)
    axes.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22")


def _html(plan: ScenarioPlan, x: npt.NDArray[np.int64], paid: npt.NDArray[np.int64], title: str) -> str:
    width, height, pad = 960, 520, 60
    top = max(int(paid.max()), 1)
    lo, hi = int(x[0]), max(int(x[-1]), int(x[0]) + 1)

    def sx(c: int) -> float:
        return pad + (c - lo) / (hi - lo) * (width - 2 * pad)

    def sy(c: int) -> float:
        return height - pad - c / top * (height - 2 * pad)

    lines = []
    for i, name in enumerate(plan.classes):
        points = " ".join(f"{sx(int(a)):.1f},{sy(int(b)):.1f}" for a, b in zip(x, paid[:, i], strict=True))
        color = PALETTE[i % len(PALETTE)]
        lines.append(f'<polyline fill="none" stroke="{color}" stroke-width="1.6" points="{points}"/>')
        lines.append(
            f'<text x="{width - pad + 6}" y="{pad + 16 * i}" fill="{color}" font-size="12">{html.escape(name)}</text>'
        )
    for b in plan.breakpoints:
        if lo <= b.exit_value * 100 <= hi:
            at = sx(int(b.exit_value * 100))
            lines.append(
                f'<line x1="{at:.1f}" y1="{pad}" x2="{at:.1f}" y2="{height - pad}" stroke="#999" '
                f'stroke-dasharray="4 3"><title>{html.escape(_money(b.exit_value))}: {html.escape(b.reason)} '
                f"({html.escape(b.clause)})</title></line>"
            )
    axes = (
        f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" stroke="#333"/>'
        f'<line x1="{pad}" y1="{pad}" x2="{pad}" y2="{height - pad}" stroke="#333"/>'
        f'<text x="{pad}" y="{height - pad + 20}" font-size="12">{html.escape(_money(Fraction(lo, 100)))}</text>'
        f'<text x="{width - pad}" y="{height - pad + 20}" font-size="12" text-anchor="end">'
        f"{html.escape(_money(Fraction(hi, 100)))}</text>"
        f'<text x="{pad - 6}" y="{pad}" font-size="12" text-anchor="end">'
        f"{html.escape(_money(Fraction(top, 100)))}</text>"
    )
    data = {
        "x": x.tolist(),
        "classes": list(plan.classes),
        "paid": paid.T.tolist(),
        "lo": lo,
        "hi": hi,
        "width": width,
        "pad": pad,
    }
    payload = json.dumps(data).replace("</", "<\\/")
    script = """
const D = JSON.parse(document.getElementById('data').textContent);
const svg = document.getElementById('chart'), tip = document.getElementById('tip');
const cursor = document.getElementById('cursor');
const dollars = c => '$' + (c / 100).toLocaleString('en-US', {minimumFractionDigits: 2, maximumFractionDigits: 2});
svg.addEventListener('mousemove', e => {
  const box = svg.getBoundingClientRect();
  const px = (e.clientX - box.left) * D.width / box.width;
  const c = D.lo + (px - D.pad) / (D.width - 2 * D.pad) * (D.hi - D.lo);
  let i = 0, best = Infinity;
  D.x.forEach((v, k) => { const d = Math.abs(v - c); if (d < best) { best = d; i = k; } });
  const at = D.pad + (D.x[i] - D.lo) / (D.hi - D.lo) * (D.width - 2 * D.pad);
  cursor.setAttribute('x1', at); cursor.setAttribute('x2', at);
  const each = D.classes.map((n, k) => n + ' ' + dollars(D.paid[k][i]));
  tip.textContent = 'exit ' + dollars(D.x[i]) + ': ' + each.join('; ');
});
"""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:sans-serif;margin:1.5em}} #tip{{font-size:13px;min-height:2.6em}}</style></head>
<body><h1 style="font-size:1.1em">{html.escape(title)}</h1>
<p>Payout by class against the exit value (cents from the waterfall kernel); dashed lines: breakpoints
(hover for the reason). Move the pointer over the chart for the figures.</p>
<svg id="chart" viewBox="0 0 {width + 150} {height}" width="{width + 150}" height="{height}"
 xmlns="http://www.w3.org/2000/svg">{axes}{"".join(lines)}
<line id="cursor" x1="0" y1="{pad}" x2="0" y2="{height - pad}" stroke="#000" stroke-width="0.5"/></svg>
<div id="tip"></div>
<script id="data" type="application/json">{payload}</script>
<script>{script}</script>
</body></html>
"""


def _money(value: Fraction) -> str:
    from prefstack.figures import money_text

    return money_text(value)


def on_dates(on: dt.date, more: Sequence[dt.date]) -> list[dt.date]:
    """The dates of a scenario: ``--on`` and every ``--dates`` date, each once, in order."""
    return sorted({on, *more})
