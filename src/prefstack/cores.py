"""How many CPUs this process may use, for the work it spreads over threads (the Monte Carlo's
chunks, ``prefstack value``): its CPU affinity, no more than its control group's CPU quota."""

from __future__ import annotations

import math
import os
from fractions import Fraction
from pathlib import Path

__all__ = ["cgroup_cpu_quota", "usable_cores"]


def usable_cores(cgroups: Path = Path("/sys/fs/cgroup"), membership: Path = Path("/proc/self/cgroup")) -> int:
    """How many CPUs this process may use: its affinity, where the system tells it (Linux), else
    the machine's count of CPUs (one where even that is not known); no more than its control
    group's CPU quota allows, rounded up (a container limited to 1.5 CPUs: 2), where it has one
    (:func:`cgroup_cpu_quota`)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # no affinity on this system (macOS, Windows)
        cores = os.cpu_count() or 1
    quota = cgroup_cpu_quota(cgroups, membership)
    return cores if quota is None else max(1, min(cores, math.ceil(quota)))


def cgroup_cpu_quota(cgroups: Path, membership: Path) -> Fraction | None:
    """The CPUs this process's control group may use (quota / period), or None where no quota
    applies or none can be read: the least quota of the group ``membership`` names
    (``/proc/self/cgroup``) under ``cgroups`` and of every group above it up to the root (a limit
    set on a parent holds for its children; a container sees its own group as the root). cgroup
    v2: ``cpu.max`` ("max 100000": none; "150000 100000": 1.5); else v1's ``cpu.cfs_quota_us``
    (-1: none) and ``cpu.cfs_period_us`` under the ``cpu`` controller's mount."""
    try:
        lines = membership.read_text().splitlines()
    except OSError:
        return None
    groups: dict[str, str] = {}
    for line in lines:
        parts = line.split(":", 2)
        if len(parts) == 3:
            for controller in parts[1].split(",") if parts[1] else [""]:
                groups[controller] = parts[2].strip("/")
    quotas: list[Fraction | None] = []
    if "" in groups:  # v2: one hierarchy, controller "" (line "0::/path")
        for folder in _up_from(cgroups, groups[""]):
            text = _first_line(folder / "cpu.max")
            if text is not None:
                quota, _, period = text.partition(" ")
                quotas.append(None if quota == "max" else _quota(quota, period))
    if "cpu" in groups:
        for base in (cgroups / "cpu", cgroups / "cpu,cpuacct"):
            for folder in _up_from(base, groups["cpu"]):
                quota_text = _first_line(folder / "cpu.cfs_quota_us")
                period_text = _first_line(folder / "cpu.cfs_period_us")
                if quota_text is not None and period_text is not None:
                    quotas.append(None if quota_text.startswith("-") else _quota(quota_text, period_text))
    limits = [q for q in quotas if q is not None]
    return min(limits) if limits else None


def _up_from(root: Path, group: str) -> list[Path]:
    """The folder of ``group`` under ``root`` and each folder above it, up to ``root``."""
    parts = [p for p in group.split("/") if p]
    return [root.joinpath(*parts[:n]) for n in range(len(parts), -1, -1)]


def _first_line(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except OSError:
        return None


def _quota(quota: str, period: str) -> Fraction | None:
    """quota / period in CPUs; None where either is not a positive whole number (unreadable)."""
    if not (quota.isdigit() and period.isdigit()) or int(quota) == 0 or int(period) == 0:
        return None
    return Fraction(int(quota), int(period))
