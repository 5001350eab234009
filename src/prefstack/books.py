"""The query layer: every question asked of a company's books, in one place.

:class:`Books` names where a company's ledger is read (a store, or a ledger file) and as known at
which time; each method answers one question on a date. The command line asks through it, and so
will the web service: neither reaches into the projection (:mod:`prefstack.ledger.replay`) itself.
How the state on a date is found (from the stream's snapshot, or by replay) is
:func:`prefstack.ledger.service.state_on`'s business, not the caller's.

Every answer is typed: frozen dataclasses whose figures are exact :class:`~prefstack.answers.Figure`
values with their clauses (:class:`~prefstack.report.StateAnswer`, the answers of
:mod:`prefstack.queries`), written as the JSON the commands print by
:func:`prefstack.answers.json_ready`; the certificates of adjustment are the clause's own objects.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from prefstack.clauses.antidilution import CertificateOfAdjustment
    from prefstack.clauses.liquidation import NonCashProceeds, SeniorClass
    from prefstack.instruments.capital_structure import LoadedStructure
    from prefstack.ledger.replay import LedgerState
    from prefstack.queries import (
        ConversionQuote,
        DividendsAnswer,
        RedemptionAnswer,
        RedemptionInCommonAnswer,
        VotesAnswer,
        WaterfallAnswer,
    )
    from prefstack.report import StateAnswer

__all__ = ["Books"]


@dataclass(frozen=True)
class Books:
    """The books of one company: its ledger in the store ``db`` (``company``: an issuer id or legal
    name; None: the store's only company), or in the ledger file ``ledger``; ``known_at``: as the
    ledger stood at that instant (None: everything recorded)."""

    db: str
    company: str | None = None
    ledger: str | None = None
    known_at: dt.datetime | None = None

    def _on(self, day: dt.date) -> LedgerState:
        from prefstack.ledger import service

        return service.state_on(self.ledger, self.db, self.company, day, self.known_at)[1]

    def state(self, as_of: dt.date, *, structure: LoadedStructure | None = None, explain: bool = False) -> StateAnswer:
        """Each series and holder on ``as_of``: shares, accrued dividends, Conversion Price and
        ratio, Liquidation Value, votes; Common Stock and the reserve for conversion (§5(c)(ii)),
        counting every class of ``structure`` where one is given."""
        from prefstack.report import state_answer

        return state_answer(self._on(as_of), structure, explain=explain)

    def convert(
        self, on: dt.date, series: str, holder: str, shares: Fraction, funds: Fraction | None
    ) -> ConversionQuote:
        """F/G §5(a)-(c): what converting ``shares`` of ``holder`` on ``on`` gives."""
        from prefstack.queries import conversion_quote

        return conversion_quote(self._on(on), series, holder, shares, funds)

    def waterfall(
        self,
        on: dt.date,
        proceeds: Fraction,
        senior: Sequence[SeniorClass] = (),
        non_cash: Sequence[NonCashProceeds] = (),
        structure: LoadedStructure | None = None,
    ) -> WaterfallAnswer:
        """F/G §3: who is paid what from ``proceeds`` of a liquidation on ``on``."""
        from prefstack.queries import liquidation

        return liquidation(self._on(on), proceeds, senior, non_cash, structure)

    def dividends(self, payment_date: dt.date, series: str | None = None) -> DividendsAnswer:
        """F/G §2: each holder's dividend of ``payment_date`` (every series, or ``series``)."""
        from prefstack.queries import dividends

        return dividends(self._on(payment_date), payment_date, series)

    def redemption(self, on: dt.date, series: str, funds: Fraction) -> RedemptionAnswer:
        """F/G §6: shares redeemed pro rata on ``on`` with ``funds`` legally available."""
        from prefstack.queries import redemption

        return redemption(self._on(on), series, funds)

    def redemption_in_common(self, on: dt.date, series: str) -> RedemptionInCommonAnswer:
        """F §6(d): the Redemption Price paid in Common Stock at its Fair Market Value."""
        from prefstack.queries import redemption_in_common

        return redemption_in_common(self._on(on), series)

    def votes(self, as_of: dt.date, structure: LoadedStructure | None = None) -> VotesAnswer:
        """F/G §4: each holder's votes and each series' voting power on ``as_of``."""
        from prefstack.queries import voting

        return voting(self._on(as_of), structure)

    def certificates_of_adjustment(self, as_of: dt.date) -> list[CertificateOfAdjustment]:
        """F/G §5(j): a certificate for every adjustment of the Conversion Price up to ``as_of``."""
        from prefstack.queries import certificates_of_adjustment

        return certificates_of_adjustment(self._on(as_of))
