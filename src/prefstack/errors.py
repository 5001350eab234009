"""Errors raised by prefstack. Each names the field and the clause it offends."""

from __future__ import annotations


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
