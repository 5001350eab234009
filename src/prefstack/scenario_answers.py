"""The JSON of the scenario engine's answers, one builder for every reader of them.

``prefstack breakpoints --format json`` (:mod:`prefstack.cli_scenarios`), the web service's
``GET /api/companies/{company}/breakpoints`` and its ``scenarios`` job
(:mod:`prefstack.web.app`, :mod:`prefstack.web.jobs`) write the breakpoints of a
:class:`~prefstack.scenarios.ScenarioPlan` with :func:`breakpoints_json`, so the three answer the
same document (its schema: ``prefstack schema output breakpoints``).
"""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING, Any

from prefstack.figures import MONEY, json_figure

if TYPE_CHECKING:
    from prefstack.instruments.capital_structure import LoadedStructure
    from prefstack.scenarios import ScenarioPlan

__all__ = ["breakpoint_records", "breakpoints_json"]


def breakpoint_records(plan: ScenarioPlan) -> list[dict[str, str]]:
    """Each breakpoint of ``plan``: its exit value (dollars to the cent, half-up, with the exact
    fraction beside it where that is not whole cents), its reason and its clause."""
    return [
        {**json_figure("exit_value", b.exit_value, MONEY), "reason": b.reason, "clause": b.clause}
        for b in plan.breakpoints
    ]


def breakpoints_json(plan: ScenarioPlan, structure: LoadedStructure | None) -> dict[str, Any]:
    """The breakpoints of ``plan`` (made over ``structure``; None: the ledger's series and Common
    Stock) as ``prefstack breakpoints --format json`` writes them: the date, the capital structure,
    the largest exit value the plan was made for, the breakpoints and the stretches of exit values
    with what converts or is exercised on each."""
    return {
        "on": plan.on.isoformat(),
        "capital_structure": "none" if structure is None else structure.origin,
        **json_figure("largest_exit_value", Fraction(plan.most_cents, 100), MONEY),
        "breakpoints": breakpoint_records(plan),
        "stretches": [
            {**json_figure("from", Fraction(s.start, 100), MONEY), "converted_or_exercised": sorted(s.chosen)}
            for s in plan.stretches
        ],
    }
