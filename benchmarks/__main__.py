"""Run every benchmark module of this package (those with a ``run()`` function) and print its figures."""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time
from collections.abc import Callable, Sequence

import benchmarks


def main() -> int:
    found = 0
    for module_info in sorted(pkgutil.iter_modules(benchmarks.__path__), key=lambda m: m.name):
        if module_info.name.startswith("_"):
            continue
        module = importlib.import_module(f"benchmarks.{module_info.name}")
        run: Callable[[], Sequence[str]] | None = getattr(module, "run", None)
        if not callable(run):
            continue
        found += 1
        print(f"== benchmarks.{module_info.name}", flush=True)
        started = time.perf_counter()
        for line in run():
            print(f"   {line}")
        print(f"   ({time.perf_counter() - started:.1f} s in all)", flush=True)
    if found == 0:
        print("no benchmark modules with a run() function", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
