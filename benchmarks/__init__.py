"""Benchmarks of prefstack, run with ``python -m benchmarks`` (``make bench``).

Each module here that defines ``run() -> list[str]`` is one benchmark: ``run`` does the work,
times it and returns the lines of figures to print.
"""
