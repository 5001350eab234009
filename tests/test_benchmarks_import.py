"""`make bench` runs every module of ``benchmarks`` that has a ``run()``: each must at least import
against the code as it is now (a name moved in ``src`` and left behind in a benchmark broke
`make bench` once, unnoticed by the tests, which do not run the benchmarks)."""

from __future__ import annotations

import importlib
import pkgutil

import benchmarks
import pytest

MODULES = sorted(m.name for m in pkgutil.iter_modules(benchmarks.__path__) if not m.name.startswith("_"))


def test_there_are_benchmarks() -> None:
    assert {"register", "replay", "valuation", "scenarios"} <= set(MODULES), MODULES


@pytest.mark.parametrize("name", MODULES)
def test_each_benchmark_imports_and_has_a_run(name: str) -> None:
    module = importlib.import_module(f"benchmarks.{name}")
    assert callable(getattr(module, "run", None)) or name == "synthetic", f"benchmarks.{name} has no run()"
