"""Memoized pure functions of a certificate's terms.

A replay asks the same question of the same terms thousands of times (the dividend rate of
one quarter for every holder, the next Payment Date after the last one); the answers depend
only on the arguments. :func:`per_terms` keeps them, keyed by the terms object's identity and
the other arguments, and the reading set the question is asked under
(:mod:`prefstack.interpretations.readings`: an alternative reading computes another answer);
while the readings a computation consults are collected (``consulting``), each answer keeps the
readings it consulted and reports them again when it is reused.
Identity, not equality: hashing a terms object compares every term
(about 13 µs), and a frozen terms object never changes. The cache holds the terms object it
was asked about, so an identity is never reused while its entry lives; it is cleared when it
reaches :data:`LIMIT` entries, so memory stays bounded.

Only pure functions may be memoized: same arguments, same (frozen) result.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable
from typing import ParamSpec, TypeVar

from prefstack.interpretations.readings import active, consulted_set, consulting

P = ParamSpec("P")
R = TypeVar("R")

LIMIT = 65_536
"""The most entries one memoized function keeps before it starts afresh."""


def per_terms(fn: Callable[P, R]) -> Callable[P, R]:
    """``fn(terms, *args)`` remembered per terms object (by identity) and the other arguments,
    which must be positional and hashable."""
    cache: dict[tuple[Hashable, ...], tuple[object, R, frozenset[str]]] = {}

    @functools.wraps(fn)
    def remembered(*args: P.args, **kwargs: P.kwargs) -> R:
        if kwargs or not args:
            raise TypeError(f"{fn.__qualname__} is memoized: pass the terms and every argument by position")
        terms = args[0]
        seen = consulted_set()
        # an answer remembered while collecting consulted readings keeps the readings it asked for,
        # and is given back (with them) only while collecting
        key = (id(terms), active(), seen is not None, *args[1:])
        hit = cache.get(key)
        if hit is not None and hit[0] is terms:
            if seen is not None:
                seen.update(hit[2])
            return hit[1]
        if seen is None:
            value, asked = fn(*args, **kwargs), frozenset[str]()
        else:
            with consulting() as inner:
                value = fn(*args, **kwargs)
            asked = frozenset(inner)
        if len(cache) >= LIMIT:
            cache.clear()
        cache[key] = (terms, value, asked)
        return value

    return remembered

