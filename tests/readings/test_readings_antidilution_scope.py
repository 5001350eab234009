"""Two alternatives of F §5(d)(ii)-(iii) whose texts left open what to compute, each computed by
hand: a holders' notice waiving every later issue of a kind (AD-WAIVER=of-a-kind), and a change in
the shares issuable under an Option applied only from its date (AD-COUNT-CHANGE-BASIS=
from-change-date). Series F at $24.00 with 20,000,000 shares of Common Stock outstanding; the
weighted average of F §5(d)(iv) is

    new price = price x (O + consideration / G) / (O + N), to the nearest cent,

with O the Common Stock outstanding immediately before, N the Additional Shares and G the greater of
95% of the Fair Market Value and the price in effect."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from fractions import Fraction
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from prefstack.books import Books
from prefstack.clauses import antidilution
from prefstack.clauses.antidilution import (
    Action,
    CommonStockIssuance,
    ConversionPriceState,
    OptionExercise,
    OptionExpiry,
    OptionIssuance,
    OptionShareCountChange,
    SeriesWaiver,
    conversion_price_history,
)
from prefstack.errors import InputError, PrefstackError
from prefstack.impact import impact
from prefstack.interpretations.readings import parse, under
from prefstack.terms import load_terms
from prefstack.terms.schema import SeriesTerms, parse_terms

COVERED = {
    ("AD-WAIVER", "of-a-kind"),
    ("AD-COUNT-CHANGE-BASIS", "from-change-date"),
}

F = load_terms("F")
ISSUED = dt.date(2000, 8, 2)
"""Series F's Original Issuance Date."""
MICROSOFT = "Microsoft Corporation"
OF_A_KIND = {"AD-WAIVER": "of-a-kind"}
FROM_CHANGE = {"AD-COUNT-CHANGE-BASIS": "from-change-date"}

_SOURCE = resources.files("prefstack.data").joinpath("example_ledger.yaml").read_text(encoding="utf-8")
HEAD = _SOURCE[: _SOURCE.index("events:")] + (
    "events:\n"
    "- {kind: common_authorized, date: '2000-06-01', recorded_at: '2000-06-01T17:00:00Z', shares: 200000000}\n"
    "- {kind: common_outstanding, date: '2000-06-01', recorded_at: '2000-06-01T17:00:00Z', shares: 20000000}\n"
    "- {kind: preferred_issued, date: '2000-08-02', recorded_at: '2000-08-02T17:00:00Z', series: F,"
    " holder: Microsoft Corporation, shares: '40000', id: f-issue}\n"
)
"""A ledger of Series F alone: Microsoft holds all 40,000 shares (every vote of the series)."""


def _day(month: int, day: int) -> dt.date:
    return dt.date(2001, month, day)


def _fold(actions: Sequence[Action], terms: SeriesTerms = F, **choices: str) -> ConversionPriceState:
    with under(parse(choices, "test")):
        return conversion_price_history(
            terms, original_issuance_date=ISSUED, initial_common_outstanding=Fraction(20_000_000), actions=actions
        )


def _price(actions: Sequence[Action], **choices: str) -> Fraction:
    return _fold(actions, **choices).conversion_price


def _books(tmp_path: Path, lines: list[str], **choices: str) -> Books:
    ledger = tmp_path / "scope.yaml"
    ledger.write_text(HEAD + "".join(line + "\n" for line in lines), encoding="utf-8")
    return Books("sqlite:///unused.sqlite", ledger=str(ledger), readings=parse(choices, "test"))


def _f_price(books: Books, on: dt.date) -> Fraction:
    (f,) = [s for s in books.state(on).series if s.series == "F"]
    return Fraction(f.conversion_price.value)


def _change(point: Any, figure: str) -> Fraction:
    found = [c for c in point.changes if c.holder == MICROSOFT and c.figure == figure]
    assert len(found) == 1, (figure, point.changes)
    return Fraction(found[0].difference.value)


# --- AD-WAIVER=of-a-kind: a notice waiving every later issue of a kind -----------------------------


def _common(ident: str, day: dt.date) -> CommonStockIssuance:
    """1,000,000 shares of Common Stock for $10,000,000 ($10 a share, Fair Market Value $10)."""
    return CommonStockIssuance(
        ident, day, Fraction(1_000_000), "none", Fraction(10_000_000), Fraction(0), Fraction(0), Fraction(10)
    )


def _notice(issuance: str | None, kind: str | None, votes_for: int = 25_001) -> SeriesWaiver:
    """A notice of Series F of 2001-01-02, ``votes_for`` of the 50,000 votes of the series."""
    return SeriesWaiver(_day(1, 2), "F", issuance, Fraction(votes_for), Fraction(50_000), issue_kind=kind)


def test_a_notice_waives_every_later_issue_of_the_kind_it_names() -> None:
    """A notice (25,001 of 50,000 votes, more than half) names issue a and the kind common_stock;
    then a (2001-01-03) and b (2001-01-04), 1,000,000 shares of Common Stock each at $10 (FMV $10,
    95% = $9.50, so the greater figure is the price), then Options c (2001-01-05) on 1,000,000
    shares for $10,000,000 on exercise (FMV $10).

    prefstack: the notice waives a alone. b: 24 x (21,000,000 + 10,000,000 / 24) / 22,000,000 =
    (504,000,000 + 10,000,000) / 22,000,000 = 514,000,000 / 22,000,000 = 23.3636... -> $23.36.
    c: 23.36 x (22,000,000 + 10,000,000 / 23.36) / 23,000,000 = (513,920,000 + 10,000,000) /
    23,000,000 = 523,920,000 / 23,000,000 = 22.7791... -> $22.78.

    of-a-kind: a and b are waived ($24.00); c is an issue of Options, not of the kind named:
    24 x (22,000,000 + 10,000,000 / 24) / 23,000,000 = (528,000,000 + 10,000,000) / 23,000,000 =
    538,000,000 / 23,000,000 = 23.3913... -> $23.39."""
    notice = _notice("a", "common_stock")
    a, b = _common("a", _day(1, 3)), _common("b", _day(1, 4))
    c = OptionIssuance("c", _day(1, 5), Fraction(1_000_000), Fraction(0), Fraction(10_000_000), "none", Fraction(10))
    assert _price([notice, a, b]) == Fraction("23.36")
    assert _price([notice, a, b, c]) == Fraction("22.78")
    assert _price([notice, a, b], **OF_A_KIND) == 24
    assert _price([notice, a, b, c], **OF_A_KIND) == Fraction("23.39")
    waived = _fold([notice, a, b], **OF_A_KIND).decisions[-1].explained
    assert (waived.inputs["waiver_issue_kind"], waived.clause) == ("common_stock", "F §5(d)(ii)")
    # a notice naming the kind of Options instead covers c and not b: b adjusts to $23.36 and c waived
    options = _notice("a", "option")
    assert _price([options, a, b, c], **OF_A_KIND) == Fraction("23.36")


def test_a_notice_of_a_kind_covers_no_earlier_issue_and_needs_a_majority() -> None:
    """b (1,000,000 at $10, FMV $10) alone: 24 x (20,000,000 + 10,000,000 / 24) / 21,000,000 =
    490,000,000 / 21,000,000 = 23.333... -> $23.33. A notice naming only the kind common_stock:

    - received after b (2001-01-04 after 2001-01-03): b is not waived, $23.33;
    - before b with 25,000 of 50,000 votes (half, not more): no majority, $23.33;
    - before b with 25,001: b waived, $24.00.

    prefstack's reading covers the issue a notice names: a notice naming a kind and no issue is
    refused (field issue_kind, F §5(d)(ii)); so is a kind that is no kind of issue."""
    b = _common("b", _day(1, 3))
    late = SeriesWaiver(_day(1, 4), "F", None, Fraction(25_001), Fraction(50_000), issue_kind="common_stock")
    assert _price([b, late], **OF_A_KIND) == Fraction("23.33")
    assert _price([_notice(None, "common_stock", 25_000), b], **OF_A_KIND) == Fraction("23.33")
    assert _price([_notice(None, "common_stock"), b], **OF_A_KIND) == 24
    with pytest.raises(InputError) as refused:
        _price([_notice(None, "common_stock"), b])
    assert (refused.value.field, refused.value.clause) == ("issue_kind", "F §5(d)(ii)")
    with pytest.raises(InputError) as refused:
        _price([_notice(None, "preferred_stock"), b], **OF_A_KIND)
    assert (refused.value.field, refused.value.clause) == ("issue_kind", "F §5(d)(ii)")


WAIVER_LINES = [
    "- {kind: series_consent, date: '2001-01-02', recorded_at: '2001-01-02T17:00:00Z', series: F,"
    " matter: waive_adjustment, holders_consenting: [Microsoft Corporation], reference: a, issue_kind: common_stock}",
    *(
        f"- {{kind: common_issued, date: '2001-01-0{day}', recorded_at: '2001-01-0{day}T17:00:00Z', id: {ident},"
        " shares: '1000000', purpose: none, cash_consideration: '10000000', fair_market_value_per_share: '10'}"
        for ident, day in (("a", 3), ("b", 4))
    ),
]


def test_a_ledger_notice_of_a_kind_and_its_impact(tmp_path: Path) -> None:
    """The ledger: Microsoft (every vote of Series F) gives notice on 2001-01-02 naming issue a and
    the kind common_stock; a and b as in the fold above. prefstack waives a: $23.36; of-a-kind
    waives b too: $24.00. --impact on 2001-02-01 lists AD-WAIVER=of-a-kind: the price 24 - 23.36 =
    +$0.64, and the votes 40,000,000 / 24 = 1,666,666.67 -> 1,666,666 against 40,000,000 / 23.36 =
    1,712,328.76... -> 1,712,328: 45,662 fewer. A notice naming the kind without an issue is refused
    on the ledger under prefstack's reading (issue_kind, F §5(d)(ii)) and waives b under the
    alternative."""
    on = _day(2, 1)
    assert _f_price(_books(tmp_path, WAIVER_LINES), on) == Fraction("23.36")
    assert _f_price(_books(tmp_path, WAIVER_LINES, **OF_A_KIND), on) == 24
    found = impact(_books(tmp_path, WAIVER_LINES), on)
    (point,) = [p for p in found.points if (p.interpretation, p.alternative) == ("AD-WAIVER", "of-a-kind")]
    assert _change(point, "conversion_price") == Fraction("0.64")
    assert _change(point, "votes") == 1_666_666 - 1_712_328 == -45_662
    kind_only = [WAIVER_LINES[0].replace(" reference: a,", ""), *WAIVER_LINES[1:]]
    with pytest.raises(PrefstackError) as refused:
        _f_price(_books(tmp_path, kind_only), on)
    assert (getattr(refused.value, "field", None), getattr(refused.value, "clause", None)) == (
        "issue_kind",
        "F §5(d)(ii)",
    )
    assert _f_price(_books(tmp_path, kind_only, **OF_A_KIND), on) == 24


# --- AD-COUNT-CHANGE-BASIS=from-change-date: a change applied from its date ------------------------

GRANT = OptionIssuance("w", _day(1, 2), Fraction(1_000_000), Fraction(0), Fraction(10_000_000), "none", Fraction(30))
"""Options on 1,000,000 shares, nothing received, $10 a share on exercise; FMV $30 when issued."""
EXERCISE = OptionExercise("w", _day(2, 1), Fraction(400_000))
REPRICED = OptionShareCountChange("w", _day(3, 1), Fraction(600_000), Fraction(1_200_000), Fraction(12))
"""The 600,000 shares left become issuable at $2 a share ($1,200,000); FMV $12 that day."""
SALE = CommonStockIssuance(
    "s", _day(4, 2), Fraction(1_000_000), "none", Fraction(20_000_000), Fraction(0), Fraction(0), Fraction(25)
)
"""1,000,000 shares of Common Stock at $20 (FMV $25, 95% = $23.75)."""


def test_a_change_applied_from_its_date() -> None:
    """The grant: greater of 95% x $30 = $28.50 and $24.00 is $28.50: 24 x (20,000,000 +
    10,000,000 / 28.50) / 21,000,000 = 24 x 20,350,877.19... / 21,000,000 = 23.2581... -> $23.26.
    400,000 exercised on 2001-02-01 (no adjustment; 20,400,000 outstanding). On 2001-03-01 the
    600,000 left are repriced to $1,200,000 in all.

    prefstack replays from the grant with the Option on the changed basis: 1,000,000 shares for
    400,000 x $10 (the exercised part) + $1,200,000 = $5,200,000: 24 x (20,000,000 + 5,200,000 /
    28.50) / 21,000,000 = 24 x 20,182,456.14... / 21,000,000 = 23.0656... -> $23.07.

    from-change-date keeps $23.26 and judges the 600,000 again on 2001-03-01: O = 20,400,000, G =
    greater of 95% x $12 = $11.40 and $23.26 = $23.26. Before: 600,000 for $6,000,000 ($10 < G):
    F = (20,400,000 + 6,000,000 / 23.26) / 21,000,000 = 20,657,953.57... / 21,000,000. After:
    600,000 for $1,200,000 ($2 < G): F = (20,400,000 + 1,200,000 / 23.26) / 21,000,000 =
    20,451,590.71... / 21,000,000. 23.26 x 20,451,590.71... / 20,657,953.57... = 23.0276... ->
    $23.03 (a reduction of $0.23, over $.03).

    Then the sale (greater of $23.75 and the price is $23.75): prefstack 23.07 x (20,400,000 +
    20,000,000 / 23.75) / 21,400,000 = 23.07 x 21,242,105.26... / 21,400,000 = 22.8997... -> $22.90;
    from-change-date 23.03 x 21,242,105.26... / 21,400,000 = 22.8600... -> $22.86."""
    o, g = Fraction(20_400_000), Fraction("23.26")
    before, after = (o + 6_000_000 / g) / 21_000_000, (o + 1_200_000 / g) / 21_000_000
    assert round(float(g * after / before), 4) == 23.0276  # the figure written above
    actions: list[Action] = [GRANT, EXERCISE, REPRICED]
    assert _price(actions[:2]) == _price(actions[:2], **FROM_CHANGE) == Fraction("23.26")
    assert _price(actions) == Fraction("23.07")
    changed = _fold(actions, **FROM_CHANGE)
    assert changed.conversion_price == Fraction("23.03")
    last = changed.adjustments[-1]
    assert (last.action, last.clause, last.price_before, last.price_after) == (
        "share count change w",
        "F §5(d)(iv)",
        Fraction("23.26"),
        Fraction("23.03"),
    )
    assert (last.facts["factor_before"], last.facts["factor_after"]) == (before, after)
    assert _price([*actions, SALE]) == Fraction("22.90")
    assert _price([*actions, SALE], **FROM_CHANGE) == Fraction("22.86")


def test_a_change_that_makes_the_option_dearer_keeps_the_price() -> None:
    """The 600,000 left repriced up to $30 a share ($18,000,000). prefstack replays: 1,000,000 shares
    for $4,000,000 + $18,000,000 = $22,000,000 ($22 < $28.50): 24 x (20,000,000 + 22,000,000 /
    28.50) / 21,000,000 = 24 x 20,771,929.82... / 21,000,000 = 23.7393... -> $23.74 (up from
    $23.26). from-change-date: after the change $30 is not below G = $23.26, so F(after) = 1 and
    23.26 x 1 / F(before) > 23.26: the price in effect, $23.26, is kept."""
    dearer = OptionShareCountChange("w", _day(3, 1), Fraction(600_000), Fraction(18_000_000), Fraction(12))
    assert _price([GRANT, EXERCISE, dearer]) == Fraction("23.74")
    kept = _fold([GRANT, EXERCISE, dearer], **FROM_CHANGE)
    assert kept.conversion_price == Fraction("23.26") and len(kept.adjustments) == 1
    assert kept.decisions[-1].explained.inputs["factor_after"] == 1


def test_a_change_from_its_date_replays_nothing_and_a_replay_recomputes_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """The change replays no earlier action (the fold stays linear): with the replay made to fail,
    the fold above still gives $23.03. A readjustment that does replay (Options v on 1,000,000 shares
    at $10, granted on 2001-01-03, then expiring in full after the change) recomputes the change from
    its date in the replay: as if v had never been issued, $23.03 again. After the change, the
    expiry of w itself is refused (this reading does not compute it: field id, F §5(d)(iii)(B)); the
    fold without a Fair Market Value of the day of the change refuses (F §5(d)(iii)(C))."""
    actions: list[Action] = [GRANT, EXERCISE, REPRICED]

    def no_replay(*args: object) -> None:
        raise AssertionError("replayed")

    with monkeypatch.context() as patched:
        patched.setattr(antidilution, "_replay_before", no_replay)
        assert _price(actions, **FROM_CHANGE) == Fraction("23.03")
    other = OptionIssuance(
        "v", _day(1, 3), Fraction(1_000_000), Fraction(0), Fraction(10_000_000), "none", Fraction(30)
    )
    gone = OptionExpiry("v", _day(3, 5), None)
    assert _price([GRANT, other, EXERCISE, REPRICED]) != _price([GRANT, other, EXERCISE, REPRICED, gone])
    assert _price([GRANT, other, EXERCISE, REPRICED, gone], **FROM_CHANGE) == Fraction("23.03")
    with pytest.raises(InputError) as refused:
        _price([*actions, OptionExpiry("w", _day(3, 5), None)], **FROM_CHANGE)
    assert (refused.value.field, refused.value.clause) == ("id", "F §5(d)(iii)(B)")
    unvalued = OptionShareCountChange("w", _day(3, 1), Fraction(600_000), Fraction(1_200_000))
    assert _price([GRANT, EXERCISE, unvalued]) == Fraction("23.07")  # prefstack's reading reads no FMV
    with pytest.raises(InputError) as refused:
        _price([GRANT, EXERCISE, unvalued], **FROM_CHANGE)
    assert (refused.value.field, refused.value.clause) == ("fair_market_value_per_share", "F §5(d)(iii)(C)")


def test_a_change_from_its_date_under_a_full_ratchet() -> None:
    """A certificate with a full ratchet (Series F's terms, adjustment_formula full_ratchet): the
    grant at $10 a share ($10 < $28.50) ratchets $24.00 to $10.00. prefstack replays the Option on the
    changed basis, $5,200,000 / 1,000,000 = $5.20 a share: $5.20. from-change-date: the part changed
    costs $1,200,000 / 600,000 = $2 a share, below G = greater of $11.40 and $10.00: $2.00."""
    data = F.model_dump(mode="json")
    data["conversion"]["adjustment_formula"] = {"value": "full_ratchet", "cite": "F §5(d)(iv)"}
    ratchet: SeriesTerms = parse_terms(data, "full ratchet")
    actions: list[Action] = [GRANT, EXERCISE, REPRICED]
    assert _fold(actions[:1], ratchet).conversion_price == 10
    assert _fold(actions, ratchet).conversion_price == Fraction("5.20")
    assert _fold(actions, ratchet, **FROM_CHANGE).conversion_price == 2


CHANGE_LINES = [
    "- {kind: option_issued, date: '2001-01-02', recorded_at: '2001-01-02T17:00:00Z', id: w, security: option,"
    " max_shares: '1000000', consideration_received: '0', min_additional_consideration: '10000000',"
    " purpose: none, fair_market_value_per_share: '30'}",
    "- {kind: option_exercised, date: '2001-02-01', recorded_at: '2001-02-01T17:00:00Z', option: w, shares: '400000'}",
    "- {kind: option_changed, date: '2001-03-01', recorded_at: '2001-03-01T17:00:00Z', option: w,"
    " new_max_shares: '600000', new_min_additional_consideration: '1200000', fair_market_value_per_share: '12'}",
]


def test_a_ledger_change_from_its_date_and_its_impact(tmp_path: Path) -> None:
    """The ledger of the fold above (grant, exercise, repricing with the FMV of the day given):
    prefstack $23.07, from-change-date $23.03. --impact on 2001-04-01 lists
    AD-COUNT-CHANGE-BASIS=from-change-date: the price 23.03 - 23.07 = -$0.04, and the votes
    40,000,000 / 23.03 = 1,736,864.95... -> 1,736,864 against 40,000,000 / 23.07 = 1,733,853.48...
    -> 1,733,853: 3,011 more. Without the Fair Market Value on the event (and no closing prices)
    the alternative is refused and prefstack's reading is untouched."""
    on = _day(4, 1)
    assert _f_price(_books(tmp_path, CHANGE_LINES), on) == Fraction("23.07")
    assert _f_price(_books(tmp_path, CHANGE_LINES, **FROM_CHANGE), on) == Fraction("23.03")
    found = impact(_books(tmp_path, CHANGE_LINES), on)
    (point,) = [
        p for p in found.points if (p.interpretation, p.alternative) == ("AD-COUNT-CHANGE-BASIS", "from-change-date")
    ]
    assert _change(point, "conversion_price") == Fraction("-0.04")
    assert _change(point, "votes") == 1_736_864 - 1_733_853 == 3_011
    unvalued = [*CHANGE_LINES[:2], CHANGE_LINES[2].replace(", fair_market_value_per_share: '12'", "")]
    assert _f_price(_books(tmp_path, unvalued), on) == Fraction("23.07")
    with pytest.raises(PrefstackError) as refused:
        _f_price(_books(tmp_path, unvalued, **FROM_CHANGE), on)
    assert getattr(refused.value, "field", None) == "fair_market_value_per_share"
