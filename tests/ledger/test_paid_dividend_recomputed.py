"""A paid dividend is kept as the facts it was computed from; its explained payment is computed
again on demand (:func:`prefstack.ledger.replay.paid_dividend`). These tests prove the recomputation
gives what replay paid, whatever later date the state is read on."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from importlib import resources

from prefstack.ledger.files import read_ledger
from prefstack.ledger.replay import paid_dividend, replay

EXAMPLE = resources.files("prefstack.data").joinpath("example_ledger.yaml")
LATER = dt.date(2004, 12, 31)


def _example() -> list:  # type: ignore[type-arg]
    with resources.as_file(EXAMPLE) as path:
        return read_ledger(path).events


def test_every_payment_of_the_example_is_recomputed_the_same_on_its_day_and_later() -> None:
    placed = _example()
    final = replay(placed, LATER)
    checked = forms = 0
    for series, s in final.series.items():
        for day, records in s.payments.items():
            on_the_day = replay(placed, day)
            assert [r.holder for r in on_the_day.series[series].payments[day]] == [r.holder for r in records]
            for record in records:
                payment = paid_dividend(final, series, record)
                assert payment == paid_dividend(on_the_day, series, record)  # later prices change nothing
                # The figures replay applied are those of the explained payment.
                pik = None if payment.pik_shares is None else payment.pik_shares.value
                common = None if payment.common_shares is None else payment.common_shares.value
                assert (pik, common) == (record.pik_shares, record.common_shares)
                assert payment.election == record.election and payment.payment_date == day == record.payment_date
                checked += 1
                forms += payment.common_shares is not None
    assert (checked, forms) == (14, 1)  # every payment of the example; one (Microsoft, 2001-09-15) in Common Stock


def test_the_common_stock_dividend_of_the_example_is_priced_from_the_prices_before_its_payment_date() -> None:
    final = replay(_example(), LATER)
    (record,) = [r for r in final.series["F"].payments[dt.date(2001, 9, 15)] if r.holder == "Microsoft Corporation"]
    assert record.election.common == Fraction(1, 2) and record.election.pik == Fraction(1, 2)
    payment = paid_dividend(final, "F", record)
    assert payment.common_shares is not None and payment.common_shares.value == record.common_shares
    assert payment.pik_shares is not None and payment.pik_shares.value == record.pik_shares
