"""Errors raised by prefstack. Each names the field and the clause it offends."""

from __future__ import annotations

import pickle


class PrefstackError(Exception):
    """Base class of every error prefstack raises on purpose."""


class InputError(PrefstackError, ValueError):
    """A value given to prefstack cannot be used: the message names the field and clause."""

    def __init__(self, field: str, clause: str, problem: str) -> None:
        self.field = field
        self.clause = clause
        self.problem = problem
        super().__init__(f"{field}: {problem} ({clause})")

    def __reduce__(self) -> tuple[type[InputError], tuple[str, str, str]]:
        """Pickled as its field, clause and problem (it crosses to and from worker processes)."""
        return type(self), (self.field, self.clause, self.problem)


class SnapshotUnreadable(InputError, pickle.UnpicklingError):
    """A snapshot or checkpoint kept in the store that is not one prefstack wrote: refused, naming
    the store, wherever it is read (the first part when loaded, a field of its history when a
    question first asks for it). It is also a :class:`pickle.UnpicklingError`: what it was read as."""

    def __init__(self, detail: str) -> None:
        self.detail = detail
        super().__init__(
            "--db",
            "store",
            f"a snapshot or checkpoint kept in the store cannot be read ({detail}): it was changed outside "
            "prefstack; `prefstack ledger snapshot` writes them again from the events",
        )

    def __reduce__(self) -> tuple[type[SnapshotUnreadable], tuple[str]]:  # type: ignore[override]
        return type(self), (self.detail,)


class TermsError(PrefstackError):
    """A terms file does not validate; nothing is loaded."""


class CitationError(PrefstackError, ValueError):
    """A citation points to no section of the certificates."""


class AuthorizedSharesExceeded(PrefstackError):
    """An issue of preferred shares would exceed the shares the certificate authorizes."""

    def __init__(self, series: str, clause: str, authorized: str, would_be: str, excess: str) -> None:
        self.series = series
        self.clause = clause
        self.authorized = authorized
        self.would_be = would_be
        self.excess = excess
        super().__init__(
            f"Series {series}: issuing these shares would bring the series to {would_be} shares, "
            f"{excess} more than the {authorized} authorized ({clause})"
        )
