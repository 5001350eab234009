"""Alternatives of the readings of the votes of a series (F/G §5(d)(ii), §6(b)), each computed by
hand on a small ledger."""

from __future__ import annotations

import dataclasses
import datetime as dt
from fractions import Fraction
from pathlib import Path

import yaml

from prefstack.books import Books
from prefstack.interpretations.readings import parse

COVERED = {("VOTE-SERIES-MAJORITY", "per-share")}


def test_a_waiver_carried_by_votes_but_not_by_shares(tmp_path: Path) -> None:
    """VOTE-SERIES-MAJORITY=per-share: A holds 20,000.9 shares of Series F and B 20,000.1; A alone
    waives the adjustment for a sale of 1,000,000 shares at $25 (FMV $30). In votes (F §4, at
    $24.00): A floor(20,000.9 x 1,000 / 24) = 833,370 of 833,370 + floor(20,000.1 x 1,000 / 24) =
    833,370 + 833,337 = 1,666,707: more than half, the waiver stands and the price stays $24.00.
    In whole shares, one vote each: A 20,000 of 40,000, exactly half, not a majority: the sale
    adjusts the price to 24 x (20,000,000 + 25,000,000 / 28.50) / 21,000,000 = $23.86."""
    events = [
        {"kind": "common_outstanding", "date": "2000-06-01", "shares": 20_000_000},
        {"kind": "preferred_issued", "date": "2000-08-02", "series": "F", "holder": "A", "shares": "20000.9"},
        {"kind": "preferred_issued", "date": "2000-08-02", "series": "F", "holder": "B", "shares": "20000.1"},
        {
            "kind": "series_consent",
            "date": "2001-01-05",
            "series": "F",
            "matter": "waive_adjustment",
            "holders_consenting": ["A"],
            "reference": "big-sale",
        },
        {
            "kind": "common_issued",
            "date": "2001-01-10",
            "id": "big-sale",
            "shares": "1000000",
            "purpose": "none",
            "cash_consideration": "25000000",
            "fair_market_value_per_share": "30",
        },
    ]
    ledger = tmp_path / "ledger.yaml"
    ledger.write_text(yaml.safe_dump({"format": "prefstack-ledger/1", "events": events}))
    assert (20_000_000 * 24 + 25_000_000 * 24 / Fraction("28.50")) / 21_000_000 < Fraction("23.865")
    books = Books("sqlite:///unused.sqlite", ledger=str(ledger))
    on = dt.date(2001, 2, 1)

    def price(found: Books) -> Fraction:
        return Fraction(found.state(on).series[0].conversion_price.value)

    assert price(books) == 24
    assert price(dataclasses.replace(books, readings=parse({"VOTE-SERIES-MAJORITY": "per-share"}, "t"))) == Fraction(
        "23.86"
    )
