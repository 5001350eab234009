"""The one policy for text that prefstack stores and prints: names, address lines, reasons, who
recorded an event. Non-empty, bounded in length, and without control characters (categories Cc,
Cf, Zl, Zp), since ANSI escape sequences or line separators among them would rewrite a terminal
or a notice that prints them."""

from __future__ import annotations

import unicodedata

_CONTROL = frozenset({"Cc", "Cf", "Zl", "Zp"})


def checked_text(value: object, *, what: str, limit: int) -> str:
    """``value`` if it is text under the policy, at most ``limit`` characters; otherwise a
    ValueError whose message begins with ``what`` ("a name", "an address line"; "" for none)."""
    subject = f"{what} " if what else ""
    if not isinstance(value, str):
        raise ValueError(f"{what} is text, not {value!r}" if what else f"must be text, not {type(value).__name__}")
    if not value.strip():
        raise ValueError(f"{subject}must not be empty")
    if len(value) > limit:
        raise ValueError(f"{subject}has at most {limit:,} characters, not {len(value):,}")
    bad = next((c for c in value if unicodedata.category(c) in _CONTROL), None)
    if bad is not None:
        raise ValueError(f"{subject}must not contain control characters ({bad!r})")
    return value
