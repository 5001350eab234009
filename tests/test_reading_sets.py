"""Reading sets (prefstack.interpretations.readings): an implemented alternative of an interpretation
changes what the clauses compute, by the arithmetic written in each test; an unknown or merely
described alternative is refused naming it; the default readings are untouched by a question asked
under another set (the memo of pure functions and the snapshot are the default's)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
from fractions import Fraction
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from prefstack.books import Books
from prefstack.calendars import thirty_360_days
from prefstack.errors import InputError
from prefstack.interpretations import registry
from prefstack.interpretations.readings import chosen, parse, under
from prefstack.ledger import service
from prefstack.ledger.files import read_ledger
from prefstack.ledger.replay import replay

EXAMPLE = resources.files("prefstack.data").joinpath("example_ledger.yaml")
COMPANY = "cais-internet"
MICROSOFT = "Microsoft Corporation"


def _events() -> list[Any]:
    with resources.as_file(EXAMPLE) as path:
        return read_ledger(path).events


def _shares(day: dt.date, **choices: str) -> Fraction:
    """Microsoft's Series F shares on ``day`` (PIK dividends compounded), under ``choices``."""
    with under(parse(choices, "test")):
        return replay(_events(), day).series["F"].holdings[MICROSOFT].shares


FIRST = dt.date(2000, 9, 15)  # 40,000 shares issued 2000-08-02; the first Payment Date, paid in PIK
SECOND = dt.date(2000, 12, 15)  # a full quarter: 1.75% whatever the day count


# The implemented alternatives and the test below that computes each: a registry entry with an id
# and no test here fails test_every_implemented_alternative_is_computed_by_a_test.
COVERED = {
    ("DIV-DAYCOUNT", "thirty-360"),
    ("DIV-DAYCOUNT", "actual-365"),
    ("DIV-FRACTIONAL-PIK", "round-cents"),
    ("DIV-INTRA-QUARTER-CAP", "no-cap"),
    ("DIV-INTRA-QUARTER-CAP", "pro-rata-quarter"),
    ("DIV-ACCRUED-UNPAID", "payment-dates-only"),
    ("DIV-CASH-CENTS", "round-down"),
    ("VOTE-AS-CONVERTED", "per-share"),
    ("CONV-FRACTION-AGGREGATE", "per-share"),
    ("CONV-CASH-CENTS", "round-down"),
    ("DIV-F-COMMON-FRACTIONS", "price-cents"),
    ("RED-CENTS", "round-down"),
    ("LIQ-G-DEEMED-THRESHOLD", "more-than-half"),
    ("DIV-DAYCOUNT", "actual-actual"),
    ("DIV-DAYCOUNT", "quarter-days"),
    ("VOTE-AS-CONVERTED", "nearest"),
    ("CONV-CASH-CENTS", "exact"),
    ("RED-ANNIVERSARY-FEB29", "march-1"),
    ("LIQ-CENTS", "floor"),
    ("LIQ-CENTS", "per-holder"),
    ("DIV-F-COMMON-FRACTIONS", "nearest"),
    ("CONV-DIVIDEND-SHARE-FRACTION", "round-up"),
    ("DIV-F-ELECTION-VS-PIK", "pik-overrides"),
    ("DIV-F-ELECTION-VS-PIK", "missing-cash"),
    ("DIV-F-LATE-ELECTION", "honour"),
    ("DIV-F-LATE-ELECTION", "cash"),
    ("RED-DATE-NONBUSINESS", "next-business-day"),
    ("RED-DATE-NONBUSINESS", "preceding-business-day"),
    ("RED-F-COMMON", "round-up"),
    ("VOTE-SERIES-MAJORITY", "at-least-half"),
    ("AD-ROUND-CENT", "half-even"),
    ("CAPSTRUCT-DIVIDEND-ACCRUAL", "thirty-360"),
    ("CONV-LIQUIDATION-CUTOFF", "business-day"),
    ("CONV-LIQUIDATION-CUTOFF", "two-days"),
    ("NOTICE-CALENDAR-DAYS", "business-days"),
    ("NOTICE-CALENDAR-DAYS", "next-business-day"),
    ("NOTICE-PROMPTLY", "business-days"),
    ("RED-NOTICE-WINDOW", "full-days"),
    ("RED-RECEIVER-60-DAYS", "sixtieth-day"),
    ("AD-ROUND-CENT", "round-reduction"),
    ("AD-CARRY-FORWARD", "from-reduced-price"),
    ("AD-CARRY-FORWARD", "fixed-across-splits"),
    ("AD-CARRY-FORWARD", "drop-small"),
    ("AD-OUTSTANDING", "include-deemed"),
    ("AD-GREATER-OF", "reduced-by-carry"),
    ("AD-GREATER-OF", "full-fmv-numerator"),
    ("AD-GREATER-OF", "adjust-when-equal"),
    ("LIQ-FULL-PARTICIPATION", "titled-only"),
    ("LIQ-FULL-PARTICIPATION", "greater-of"),
    ("LIQ-FULL-PARTICIPATION", "whole-shares"),
    ("FMV-WINDOW", "trading-days"),
    ("FMV-WINDOW", "fourth-day"),
    ("FMV-WINDOW", "calendar-weighted"),
    ("LIQ-PARITY-TIER", "per-share"),
    ("LIQ-PARITY-TIER", "series-first"),
    ("LIQ-CENTS", "largest-remainder"),
}


READINGS_TESTS = Path(__file__).parent / "readings"
"""More tests of alternatives, one module per part of the certificates (``test_readings_*.py``), each
naming the alternatives it computes in its own ``COVERED``."""


def _covered() -> set[tuple[str, str]]:
    import importlib.util

    found = set(COVERED)
    for path in sorted(READINGS_TESTS.glob("test_readings_*.py")):
        spec = importlib.util.spec_from_file_location(f"_covered_{path.stem}", path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        assert not found & module.COVERED, f"{path.name} names alternatives another module computes"
        found |= module.COVERED
    return found


def test_every_implemented_alternative_is_computed_by_a_test() -> None:
    implemented = {(i.id, alt) for i in registry().values() for alt, _ in i.selectable}
    assert implemented == _covered()


def test_the_first_period_under_actual_360_is_f_sched_1s() -> None:
    """F Sched. 1: 40,000 x 7% x 44/360 = 342.22 PIK shares (2000-08-02 to 2000-09-15, 44 days)."""
    assert _shares(FIRST) == 40_000 + Fraction(40_000 * 7 * 44, 100 * 360)


def test_thirty_360_counts_the_first_period_as_43_days() -> None:
    """30/360: 2000-08-02 to 2000-09-15 is 30 x 1 + (15 - 2) = 43 days, so the PIK dividend is
    40,000 x 7% x 43/360 = 334.444... shares (7.78 fewer than Schedule 1's 342.22); the next
    quarter is a full one, 1.75% of the shares either way: 40,334.444... x 1.0175 = 41,040.30."""
    first = 40_000 + Fraction(40_000 * 7 * 43, 100 * 360)
    assert _shares(FIRST, **{"DIV-DAYCOUNT": "thirty-360"}) == first
    assert _shares(SECOND, **{"DIV-DAYCOUNT": "thirty-360"}) == first * Fraction(10175, 10000)
    assert round(first * Fraction(10175, 10000), 2) == Fraction("41040.30")


def test_actual_365_divides_the_44_days_by_365() -> None:
    """Actual/365: 40,000 x 7% x 44/365 = 337.534246... shares."""
    assert _shares(FIRST, **{"DIV-DAYCOUNT": "actual-365"}) == 40_000 + Fraction(40_000 * 7 * 44, 100 * 365)


@pytest.mark.parametrize(
    ("start", "end", "days"),
    [
        (dt.date(2000, 8, 2), dt.date(2000, 9, 15), 43),
        (dt.date(2000, 1, 31), dt.date(2000, 3, 1), 31),  # the 31st counts as the 30th: 30 x 2 + (1 - 30)
        (dt.date(2000, 1, 30), dt.date(2000, 3, 31), 60),  # start on the 30th: the end's 31st is the 30th too
        (dt.date(2000, 1, 15), dt.date(2000, 3, 31), 76),  # start before the 30th: the 31st counts: 60 + 16
        (dt.date(2000, 2, 28), dt.date(2001, 2, 28), 360),
    ],
)
def test_thirty_360_days(start: dt.date, end: dt.date, days: int) -> None:
    assert thirty_360_days(start, end) == days


def test_rounding_each_pik_issue_to_the_cent_compounds_on_the_rounded_total() -> None:
    """DIV-FRACTIONAL-PIK=round-cents: the first issue 342.2222... is 342.22; the second is
    40,342.22 x 1.75% = 705.98885, half-up 705.99; held 40,342.22 + 705.99 = 41,048.21 exactly,
    where the exact reading holds 41,048.21111... (40,342.2222... x 1.0175)."""
    assert _shares(FIRST, **{"DIV-FRACTIONAL-PIK": "round-cents"}) == Fraction("40342.22")
    assert _shares(SECOND, **{"DIV-FRACTIONAL-PIK": "round-cents"}) == Fraction("41048.21")
    exact = (40_000 + Fraction(40_000 * 7 * 44, 100 * 360)) * Fraction(10175, 10000)
    assert _shares(SECOND) == exact != Fraction("41048.21")


def test_a_question_under_another_reading_leaves_the_default_answers_as_they_were() -> None:
    """The memo of the dividend rate is kept per reading set: asking under 30/360 first does not
    change the default answer asked after it, nor the other way round."""
    default = _shares(SECOND)
    other = _shares(SECOND, **{"DIV-DAYCOUNT": "thirty-360"})
    assert other != default
    assert _shares(SECOND) == default
    assert _shares(SECOND, **{"DIV-DAYCOUNT": "thirty-360"}) == other
    assert chosen("DIV-DAYCOUNT") == "default"  # the set ended with its block


@pytest.mark.parametrize(
    ("choices", "problem"),
    [
        ({"NOT-A-POINT": "x"}, "no interpretation 'NOT-A-POINT'"),
        ({"DIV-DAYCOUNT": "weird"}, "DIV-DAYCOUNT has no implemented alternative 'weird'"),
        ({"LIQ-CENTS": "exact"}, "LIQ-CENTS has no implemented alternative 'exact'"),
        ({"DIV-FRACTIONAL-PIK": "whole"}, "DIV-FRACTIONAL-PIK has no implemented alternative 'whole'"),
    ],
)
def test_a_reading_set_naming_what_is_not_implemented_is_refused(choices: dict[str, str], problem: str) -> None:
    with pytest.raises(InputError, match=problem):
        parse(choices, "--reading")


def test_the_books_of_a_store_answer_under_a_reading_set_by_replaying(tmp_path: Path) -> None:
    """The snapshot is the fold under prefstack's readings: under 30/360 the books replay, and the
    answer is the replay's; the default answer still comes from the snapshot, unchanged."""
    url = f"sqlite:///{tmp_path / 'r.sqlite'}"
    with service.open_store(url) as store:
        service.append(store, _events(), company=COMPANY, recorded_by="test")
    on = dt.date(2003, 12, 31)
    default = Books(url, COMPANY).state(on)
    other = Books(url, COMPANY, readings=parse({"DIV-DAYCOUNT": "thirty-360"}, "test")).state(on)
    shares = {h.holder: h.shares_outstanding.value for s in other.series for h in s.holders}
    assert shares[MICROSOFT] == _shares(on, **{"DIV-DAYCOUNT": "thirty-360"})
    assert other != default
    assert Books(url, COMPANY).state(on) == default


def test_the_command_line_takes_readings_by_option_and_by_file(cli: Any, tmp_path: Path) -> None:
    example = str(EXAMPLE)
    asked = ["state", "--ledger", example, "--as-of", "2000-09-15", "--format", "json"]
    by_option = cli("--reading", "DIV-DAYCOUNT=thirty-360", *asked)
    assert by_option.returncode == 0, by_option.stderr
    assert "answered under DIV-DAYCOUNT=thirty-360" in by_option.stderr
    readings = tmp_path / "readings.yaml"
    readings.write_text("DIV-DAYCOUNT: thirty-360\n", encoding="utf-8")
    by_file = cli("--readings", str(readings), *asked)
    assert by_file.stdout == by_option.stdout
    assert '"shares_outstanding": "40334.44"' in by_option.stdout  # 40,000 + 334.444...


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        (["--reading", "DIV-DAYCOUNT"], "write a reading as ID=ALTERNATIVE"),
        (["--reading", "DIV-DAYCOUNT=a", "--reading", "DIV-DAYCOUNT=b"], "DIV-DAYCOUNT is given twice"),
        (["--reading", "DIV-DAYCOUNT=thirty-360", "ledger", "log"], "not the ledger"),
    ],
)
def test_the_command_line_refuses_a_reading_it_cannot_apply(cli: Any, options: list[str], problem: str) -> None:
    asked = [] if "ledger" in options else ["state", "--ledger", str(EXAMPLE), "--as-of", "2001-01-01"]
    result = cli(*options, *asked, ok=False)
    assert result.returncode == 2
    assert problem in result.stderr


def _rate(start: dt.date, end: dt.date, **choices: str) -> Fraction:
    from prefstack.clauses.dividends import dividend_rate
    from prefstack.terms import load_terms

    with under(parse(choices, "test")):
        value = dividend_rate(load_terms("F"), start, end).value
    assert isinstance(value, Fraction)
    return value


def test_pro_rata_of_the_quarter_prices_the_first_period_by_the_quarters_days() -> None:
    """DIV-INTRA-QUARTER-CAP=pro-rata-quarter: the first period 2000-08-02 to 2000-09-15 (44 days)
    lies in the quarter 2000-06-15 to 2000-09-15 (92 days): 1.75% x 44/92, so the PIK dividend is
    40,000 x 1.75% x 44/92 = 334.78... shares (7.44 fewer than actual/360's 342.22)."""
    assert _rate(dt.date(2000, 8, 2), FIRST, **{"DIV-INTRA-QUARTER-CAP": "pro-rata-quarter"}) == Fraction(
        175, 10000
    ) * Fraction(44, 92)
    assert _shares(FIRST, **{"DIV-INTRA-QUARTER-CAP": "pro-rata-quarter"}) == 40_000 + 40_000 * Fraction(
        175, 10000
    ) * Fraction(44, 92)


def test_without_the_cap_a_period_longer_than_90_days_earns_more_than_a_quarter() -> None:
    """A first period from 2000-06-14 to 2000-09-15 (93 days, not from a payment day): capped at
    1.75% (prefstack's reading), or 7% x 93/360 = 1.8083...% without the cap (no-cap)."""
    start = dt.date(2000, 6, 14)
    assert _rate(start, FIRST) == Fraction(175, 10000)
    assert _rate(start, FIRST, **{"DIV-INTRA-QUARTER-CAP": "no-cap"}) == Fraction(7, 100) * Fraction(93, 360)


def test_nothing_accrues_between_payment_dates_under_payment_dates_only() -> None:
    """DIV-ACCRUED-UNPAID=payment-dates-only on 2003-12-31: Microsoft's accrued dividends lose the
    16 days since 2003-12-15: shares x $1,000 x 7% x 16/360 (F accrues on its shares only), and its
    Liquidation Value by as much."""
    on = dt.date(2003, 12, 31)
    default = Books("sqlite:///unused.sqlite", ledger=str(EXAMPLE)).state(on)
    other = Books(
        "sqlite:///unused.sqlite",
        ledger=str(EXAMPLE),
        readings=parse({"DIV-ACCRUED-UNPAID": "payment-dates-only"}, "test"),
    ).state(on)
    before = next(h for s in default.series for h in s.holders if h.holder == MICROSOFT)
    after = next(h for s in other.series for h in s.holders if h.holder == MICROSOFT)
    accrual = Fraction(before.shares_outstanding.value) * 1000 * Fraction(7, 100) * Fraction(16, 360)
    assert Fraction(before.accrued_unpaid_dividends.value) - Fraction(after.accrued_unpaid_dividends.value) == accrual
    assert Fraction(before.liquidation_value.value) - Fraction(after.liquidation_value.value) == accrual


def test_cash_rounded_down_to_the_cent() -> None:
    """DIV-CASH-CENTS=round-down: $123.456 is paid $123.45 (half-up: $123.46); an exact cent is
    paid as it is."""
    from prefstack.clauses.dividends import cash_payment
    from prefstack.terms import load_terms

    terms = load_terms("F")
    assert cash_payment(terms, Fraction("123.456")).value == Fraction("123.46")
    with under(parse({"DIV-CASH-CENTS": "round-down"}, "test")):
        assert cash_payment(terms, Fraction("123.456")).value == Fraction("123.45")
        assert cash_payment(terms, Fraction("123.45")).value == Fraction("123.45")


def test_votes_rounded_share_by_share() -> None:
    """VOTE-AS-CONVERTED=per-share, 100.5 shares at a Conversion Price of $24 (41.666... Common per
    share): 100 x floor(41.666...) + floor(0.5 x 41.666...) = 4,100 + 20 = 4,120 votes, where the
    whole part of the total is floor(4,187.5) = 4,187."""
    from prefstack.clauses.voting import votes
    from prefstack.kernels.holders import votes_value
    from prefstack.terms import load_terms

    terms, held, price = load_terms("F"), Fraction("100.5"), Fraction(24)
    assert votes(terms, held, price, issue_price_adjustment=Fraction(1)).value == 4_187
    with under(parse({"VOTE-AS-CONVERTED": "per-share"}, "test")):
        assert votes(terms, held, price, issue_price_adjustment=Fraction(1)).value == 4_120
        assert votes_value(terms, held, price, Fraction(1)) == 4_120


def test_compare_reading_shows_the_answer_under_another_reading_beside_it(cli: Any) -> None:
    """``votes --compare-reading VOTE-AS-CONVERTED=per-share`` on 2002-06-30: the JSON holds the
    answer, the answer under the reading and each figure that differs: Microsoft's votes, counted
    share by share, floor(S) x floor(1,000/P) + floor((S - floor(S)) x 1,000/P), and the series'
    voting power with them."""
    import math

    asked = ["votes", "--as-of", "2002-06-30", "--ledger", str(EXAMPLE)]
    data = json.loads(cli("--compare-reading", "VOTE-AS-CONVERTED=per-share", *asked, "--format", "json").stdout)
    assert data["answer"] == json.loads(cli(*asked, "--format", "json").stdout)
    assert data["compared_under"] == "VOTE-AS-CONVERTED=per-share"
    state = Books("sqlite:///unused.sqlite", ledger=str(EXAMPLE)).state(dt.date(2002, 6, 30))
    held = next(h for s in state.series for h in s.holders if h.holder == MICROSOFT)
    shares, per_share = Fraction(held.shares_outstanding.value), 1000 / Fraction(held.conversion_price.value)
    whole = math.floor(shares)
    expected = whole * math.floor(per_share) + math.floor((shares - whole) * per_share)
    found = {d["path"]: (d["default"], d["alternative"]) for d in data["differences"]}
    assert found["series[F].holders[F Microsoft Corporation].votes"] == (held.votes, expected)
    assert found["series[F].voting_power"] == (held.votes, expected)
    shown = cli("--compare-reading", "VOTE-AS-CONVERTED=per-share", *asked).stdout
    assert "Compared under VOTE-AS-CONVERTED=per-share: 4 figure(s) differ" in shown
    refused = cli("--compare-reading", "VOTE-AS-CONVERTED=per-share", *asked, "--format", "csv", ok=False)
    assert refused.returncode == 2 and "--format table or json" in refused.stderr


def _convert(**choices: str) -> Any:
    """Microsoft converting 250 Series F shares on 2002-01-10 (Conversion Price $24.00)."""
    books = Books("sqlite:///unused.sqlite", ledger=str(EXAMPLE), readings=parse(choices, "test"))
    return books.convert(dt.date(2002, 1, 10), "F", MICROSOFT, Fraction(250), None)


def test_converting_share_by_share_pays_each_shares_fraction() -> None:
    """CONV-FRACTION-AGGREGATE=per-share: 250 shares x $1,000 / $24 = 10,416.66... Common together,
    10,416 issued and 0.66... x $24 = $16.00 paid; share by share, 41.66... each: 250 x 41 = 10,250
    issued and 250 x 0.66... x $24 = $4,000.00 paid."""
    together, apart = _convert(), _convert(**{"CONV-FRACTION-AGGREGATE": "per-share"})
    assert (together.common_shares, together.cash_for_fraction.value) == (10_416, 16)
    assert (apart.common_shares, apart.cash_for_fraction.value) == (10_250, 4_000)


def test_conversion_cash_rounded_down_to_the_cent() -> None:
    """CONV-CASH-CENTS=round-down: the accrued dividends on the 250 shares, $5,638.888... (= 50,750/9),
    are paid $5,638.89 half-up and $5,638.88 rounded down."""
    assert _convert().accrued_unpaid_dividends.value == Fraction(50_750, 9)
    assert _convert().dividend_settlement.cash.value == Fraction("5638.89")
    assert _convert(**{"CONV-CASH-CENTS": "round-down"}).dividend_settlement.cash.value == Fraction("5638.88")


def test_the_reading_set_schema_accepts_exactly_what_the_reading_set_accepts() -> None:
    """``prefstack schema readings``: a reading-set file validates against it exactly when
    ``--readings`` takes it (drawn mappings of ids, known or not, to alternatives, known or not)."""
    import jsonschema
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from prefstack.interpretations.readings import json_schema

    ids = sorted(registry())
    alternatives = sorted({alt for i in registry().values() for alt, _ in i.selectable} | {"default", "x"})
    validator = jsonschema.Draft202012Validator(json_schema())

    @settings(max_examples=300, derandomize=True, deadline=None)
    @given(st.dictionaries(st.sampled_from([*ids, "NOT-A-POINT"]), st.sampled_from(alternatives), max_size=4))
    def agree(choices: dict[str, str]) -> None:
        try:
            parse(choices, "--readings")
            taken = True
        except InputError:
            taken = False
        assert validator.is_valid(choices) == taken, choices

    agree()


def test_a_reading_set_file_that_is_not_a_mapping_is_refused(tmp_path: Path) -> None:
    from prefstack.interpretations.readings import read_file

    for text in ("- DIV-DAYCOUNT\n", "DIV-DAYCOUNT: 3\n", "'just text'\n"):
        path = tmp_path / "r.yaml"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(InputError, match="a reading set is a mapping"):
            read_file(path)
    with pytest.raises(InputError, match="cannot read"):
        read_file(tmp_path / "missing.yaml")


def test_common_stock_dividend_priced_at_the_average_rounded_to_the_cent() -> None:
    """DIV-F-COMMON-FRACTIONS=price-cents, $100,000 paid in Common Stock at an average closing price
    of $13.876: at the exact average, floor(100,000 / 13.876) = floor(7,206.68...) = 7,206 shares
    and $100,000 - 7,206 x 13.876 = $9.544 -> $9.54 for the fraction; at $13.88, floor(7,204.61...)
    = 7,204 shares and $100,000 - 7,204 x 13.88 = $8.48."""
    from prefstack.clauses.dividends import common_stock_dividend
    from prefstack.explain import Explained
    from prefstack.terms import load_terms

    terms, price = load_terms("F"), Explained("average_closing_price", Fraction("13.876"), "F §2(b)")
    shares, cash = common_stock_dividend(terms, Fraction(100_000), price)
    assert (shares.value, cash.value) == (7_206, Fraction("9.54"))
    with under(parse({"DIV-F-COMMON-FRACTIONS": "price-cents"}, "test")):
        shares, cash = common_stock_dividend(terms, Fraction(100_000), price)
    assert (shares.value, cash.value) == (7_204, Fraction("8.48"))


def test_redemption_price_rounded_down_to_the_cent() -> None:
    """RED-CENTS=round-down: $1,234.567 due is 123,457 cents half-up and 123,456 rounded down; the
    example's redemption of Microsoft's 43,316.63... shares at $3,658/3 on 2005-08-02 is due an exact
    amount under half a cent above $52,817,418.35, so both readings pay that."""
    from prefstack.clauses.redemption import due_cents

    assert due_cents(Fraction("1234.567"), "F §6(a)") == 123_457
    with under(parse({"RED-CENTS": "round-down"}, "test")):
        assert due_cents(Fraction("1234.567"), "F §6(a)") == 123_456
    books = Books("sqlite:///unused.sqlite", ledger=str(EXAMPLE))
    day, funds = dt.date(2005, 8, 2), Fraction(100_000_000)
    paid = books.redemption(day, "F", funds).holders[0]
    down = dataclasses.replace(books, readings=parse({"RED-CENTS": "round-down"}, "test")).redemption(day, "F", funds)
    exact = Fraction(paid.shares_redeemed.value) * Fraction(paid.price_per_share.value)
    assert Fraction("52817418.35") <= exact < Fraction("52817418.355")
    assert paid.cash_paid.value == down.holders[0].cash_paid.value == Fraction("52817418.35")


def test_exactly_half_is_a_deemed_liquidation_when_more_than_half_is_required() -> None:
    """G §3(d), LIQ-G-DEEMED-THRESHOLD: a merger after which the prior stockholders hold exactly 50%
    is not deemed a liquidation under prefstack's reading (they hold "at least 50%"), and is under
    ``more-than-half``; 49.99% is deemed and 50.01% is not under both."""
    from prefstack.clauses.liquidation import TransactionKind, is_deemed_liquidation_for_g

    merger = TransactionKind.MERGER
    cases = {Fraction(1, 2): (False, True), Fraction("0.4999"): (True, True), Fraction("0.5001"): (False, False)}
    for share, (default, other) in cases.items():
        assert is_deemed_liquidation_for_g(merger, share).value is default
        with under(parse({"LIQ-G-DEEMED-THRESHOLD": "more-than-half"}, "test")):
            assert is_deemed_liquidation_for_g(merger, share).value is other


def test_the_deemed_liquidation_pays_series_g_under_the_compared_reading(cli: Any) -> None:
    """``transaction --kind merger --prior-stockholders-share 0.5 --compare-reading
    LIQ-G-DEEMED-THRESHOLD=more-than-half``: not deemed (no payout) under prefstack's reading, deemed
    with Series G's payouts beside it under the other."""
    asked = [
        "--compare-reading",
        "LIQ-G-DEEMED-THRESHOLD=more-than-half",
        "transaction",
        "--kind",
        "merger",
        "--prior-stockholders-share",
        "0.5",
        "--on",
        "2002-06-30",
        "--consideration",
        "100000000",
        "--ledger",
        str(EXAMPLE),
        "--format",
        "json",
    ]
    found = {d["path"]: (d["default"], d["alternative"]) for d in json.loads(cli(*asked).stdout)["differences"]}
    assert found["series[G].deemed_liquidation"] == (False, True)
    before, after = found["series[G].payouts"]
    assert before == [] and {p["holder"] for p in after} == {"3Com Corporation"}
    assert sum(Fraction(p["amount"]) for p in after) > 0


def test_a_schedule_is_computed_under_the_reading_set(cli: Any) -> None:
    """``--reading DIV-DAYCOUNT=thirty-360 schedule F``: the first PIK issue is 40,000 x 7% x 43/360
    = 334.44 shares where F Sched. 1 prints 342.22."""
    rows = json.loads(cli("--reading", "DIV-DAYCOUNT=thirty-360", "schedule", "F", "--format", "json").stdout)
    first = next(r for r in rows if r["date"] == "2000-09-15")
    assert first["incremental_shares"] == "334.44"


def test_compare_reading_goes_with_a_question(cli: Any) -> None:
    refused = cli("--compare-reading", "DIV-DAYCOUNT=thirty-360", "schedule", "F", ok=False)
    assert refused.returncode == 2 and "--compare-reading goes with a question" in refused.stderr


def test_actual_actual_divides_each_years_days_by_that_years_length() -> None:
    """DIV-DAYCOUNT=actual-actual: 2000-08-02 to 2000-09-15 is 44 of 2000's 366 days, so the first
    PIK issue is 40,000 x 7% x 44/366 = 336.61... shares; a period across a new year counts each
    year apart: 2000-12-20 to 2001-01-10 is 12/366 + 9/365 of a year."""
    from prefstack.calendars import actual_actual_years

    assert _shares(FIRST, **{"DIV-DAYCOUNT": "actual-actual"}) == 40_000 + 40_000 * Fraction(7, 100) * Fraction(44, 366)
    assert actual_actual_years(dt.date(2000, 12, 20), dt.date(2001, 1, 10)) == Fraction(12, 366) + Fraction(9, 365)


def test_quarter_days_divides_by_four_times_the_quarters_actual_days() -> None:
    """DIV-DAYCOUNT=quarter-days: 44 days of the 92-day quarter 2000-06-15 to 2000-09-15, over a year
    of four such quarters: 40,000 x 7% x 44/368 = 334.78... shares (the quarterly rate x 44/92)."""
    expected = 40_000 + 40_000 * Fraction(7, 100) * Fraction(44, 368)
    assert _shares(FIRST, **{"DIV-DAYCOUNT": "quarter-days"}) == expected
    assert expected == 40_000 + 40_000 * Fraction(175, 10000) * Fraction(44, 92)


def test_votes_to_the_nearest_whole_share() -> None:
    """VOTE-AS-CONVERTED=nearest: 100.5 shares at $24: 4,187.5 Common, 4,188 votes (half up) where
    the whole part is 4,187; 100.4 shares: 4,183.33..., 4,183 either way."""
    from prefstack.clauses.voting import votes
    from prefstack.terms import load_terms

    terms = load_terms("F")
    with under(parse({"VOTE-AS-CONVERTED": "nearest"}, "test")):
        assert votes(terms, Fraction("100.5"), Fraction(24), issue_price_adjustment=Fraction(1)).value == 4_188
        assert votes(terms, Fraction("100.4"), Fraction(24), issue_price_adjustment=Fraction(1)).value == 4_183


def test_conversion_cash_paid_exact() -> None:
    """CONV-CASH-CENTS=exact: the accrued dividends on the 250 shares are paid $50,750/9 exactly."""
    assert _convert(**{"CONV-CASH-CENTS": "exact"}).dividend_settlement.cash.value == Fraction(50_750, 9)


def test_an_anniversary_of_february_29_is_march_1_under_the_alternative() -> None:
    """RED-ANNIVERSARY-FEB29: shares first issued on 2004-02-29 are redeemable on the fifth
    anniversary, 2009-02-28 (prefstack's reading) or 2009-03-01 (march-1); 2008-02-29 is a
    Feb 29 either way (a leap year), and any other day is its own anniversary."""
    from prefstack.clauses.redemption import _add_years

    leap = dt.date(2004, 2, 29)
    assert _add_years(leap, 5) == dt.date(2009, 2, 28)
    assert _add_years(leap, 4) == dt.date(2008, 2, 29)
    with under(parse({"RED-ANNIVERSARY-FEB29": "march-1"}, "test")):
        assert _add_years(leap, 5) == dt.date(2009, 3, 1)
        assert _add_years(leap, 4) == dt.date(2008, 2, 29)
        assert _add_years(dt.date(2000, 8, 2), 5) == dt.date(2005, 8, 2)


def test_liquidation_cents_floored_or_rounded_holder_by_holder() -> None:
    """LIQ-CENTS: $90,000,000 on 2002-06-30 with $10,000,000 senior. prefstack apportions each tier's
    cents so that they add up to the proceeds; ``floor`` pays each holding its exact entitlement
    floored to the cent (the Company keeps the rest), ``per-holder`` each rounded half-up on its
    own. Each figure below is computed from the exact entitlements of prefstack's answer."""
    from prefstack.queries import parse_senior

    books = Books("sqlite:///unused.sqlite", ledger=str(EXAMPLE))
    senior = [parse_senior("Series C=10000000")]
    on, proceeds = dt.date(2002, 6, 30), Fraction(90_000_000)
    default = books.waterfall(on, proceeds, senior)
    exact = [Fraction(p.exact_entitlement) for p in default.payouts]
    assert sum(Fraction(p.amount.value) for p in default.payouts) == proceeds  # every cent paid
    for alternative, cents in (
        ("floor", lambda e: math.floor(e * 100)),
        ("per-holder", lambda e: math.floor(e * 100 + Fraction(1, 2))),
    ):
        other = dataclasses.replace(books, readings=parse({"LIQ-CENTS": alternative}, "test")).waterfall(
            on, proceeds, senior
        )
        paid = [Fraction(p.amount.value) for p in other.payouts]
        assert paid == [Fraction(cents(e), 100) for e in exact], alternative
    floored = dataclasses.replace(books, readings=parse({"LIQ-CENTS": "floor"}, "test")).waterfall(on, proceeds, senior)
    assert Fraction(floored.total_paid.value) == sum(Fraction(math.floor(e * 100), 100) for e in exact) < proceeds


def test_common_stock_dividend_to_the_nearest_whole_share() -> None:
    """DIV-F-COMMON-FRACTIONS=nearest: $100,000 at $13.876 is 7,206.68... shares: 7,207 issued and no
    cash (prefstack's reading: 7,206 and $9.54 for the fraction)."""
    from prefstack.clauses.dividends import common_stock_dividend
    from prefstack.explain import Explained
    from prefstack.terms import load_terms

    price = Explained("average_closing_price", Fraction("13.876"), "F §2(b)")
    with under(parse({"DIV-F-COMMON-FRACTIONS": "nearest"}, "test")):
        shares, cash = common_stock_dividend(load_terms("F"), Fraction(100_000), price)
    assert (shares.value, cash.value) == (7_207, 0)


def test_dividend_shares_on_conversion_rounded_up() -> None:
    """CONV-DIVIDEND-SHARE-FRACTION=round-up: 250 shares converted on 2002-01-10 with $1,000 of
    funds legally available for their $5,638.888... (= 50,750/9) of accrued dividends, the rest
    $4,638.888... paid in Common Stock at a Fair Market Value of $10: 463.88... shares, 463 and
    $8.89 for the fraction (prefstack's), or 464 and nothing (round-up)."""
    from prefstack.clauses.conversion import convert
    from prefstack.terms import load_terms

    asked = {
        "shares": Fraction(250),
        "conversion_price": Fraction(24),
        "conversion_date": dt.date(2002, 1, 10),
        "accrued_unpaid_dividends": Fraction(50_750, 9),
        "funds_legally_available": Fraction(1_000),
        "common_fair_market_value": Fraction(10),
    }
    settled = convert(load_terms("F"), **asked).dividends  # type: ignore[arg-type]
    assert (settled.common_shares.value, settled.cash_for_fraction.value) == (463, Fraction("8.89"))
    with under(parse({"CONV-DIVIDEND-SHARE-FRACTION": "round-up"}, "test")):
        settled = convert(load_terms("F"), **asked).dividends  # type: ignore[arg-type]
    assert (settled.common_shares.value, settled.cash_for_fraction.value) == (464, 0)


def _microsoft_dividend(day: dt.date, **choices: str) -> Any:
    books = Books("sqlite:///unused.sqlite", ledger=str(EXAMPLE), readings=parse(choices, "test"))
    return next(h for s in books.dividends(day, "F").series for h in s.holders if h.holder == MICROSOFT)


def test_a_missing_election_means_cash_under_missing_cash() -> None:
    """DIV-F-ELECTION-VS-PIK=missing-cash: Microsoft made no election for 2000-09-15, so its first
    dividend, 40,000 x $1,000 x 7% x 44/360 = $342,222.22, is paid in cash, not in 342.22 PIK shares."""
    default = _microsoft_dividend(FIRST)
    other = _microsoft_dividend(FIRST, **{"DIV-F-ELECTION-VS-PIK": "missing-cash"})
    assert (Fraction(default.pik_shares.value), default.cash.value) == (Fraction(40_000 * 7 * 44, 100 * 360), 0)
    assert (other.pik_shares.value, other.cash.value) == (0, Fraction("342222.22"))
    assert _shares(FIRST, **{"DIV-F-ELECTION-VS-PIK": "missing-cash"}) == 40_000


def test_pik_overrides_the_election() -> None:
    """DIV-F-ELECTION-VS-PIK=pik-overrides: Microsoft elected cash for 2001-03-15 in time; under the
    alternative the quarter is paid in PIK shares all the same: 1.75% of the shares it held."""
    day = dt.date(2001, 3, 15)
    held = _shares(dt.date(2001, 3, 14))
    elected = _microsoft_dividend(day)
    assert elected.pik_shares.value == 0 and elected.cash.value > 0
    overridden = _microsoft_dividend(day, **{"DIV-F-ELECTION-VS-PIK": "pik-overrides"})
    assert (overridden.pik_shares.value, overridden.cash.value) == (held * Fraction(175, 10000), 0)


def test_a_late_election_honoured_or_taken_as_cash() -> None:
    """DIV-F-LATE-ELECTION: an election of half cash, half PIK received 5 days before the Payment
    Date (F §2(e) asks 10) is void under prefstack's reading (the default, PIK), honoured under
    ``honour``, and taken as all cash under ``cash``, which also pays cash where none was made."""
    from prefstack.clauses.dividends import Election
    from prefstack.ledger.replay import ElectionOnRecord, LedgerState, election_for
    from prefstack.terms import load_terms

    terms, day = load_terms("F"), dt.date(2001, 6, 15)
    half = Election.of(Fraction(1, 2), Fraction(1, 2), Fraction(0))
    state = LedgerState(as_of=day, series={})
    state.elections[("F", "A", day)] = ElectionOnRecord(day - dt.timedelta(days=5), half)
    pik, cash = Election.only("pik"), Election.only("cash")
    assert election_for(state, terms, "A", day)[0] == pik
    with under(parse({"DIV-F-LATE-ELECTION": "honour"}, "test")):
        assert election_for(state, terms, "A", day)[0] == half
        assert election_for(state, terms, "B", day)[0] == pik  # none made: the default
    with under(parse({"DIV-F-LATE-ELECTION": "cash"}, "test")):
        assert election_for(state, terms, "A", day)[0] == cash
        assert election_for(state, terms, "B", day)[0] == cash


def test_a_redemption_date_on_a_saturday_moves_under_the_alternatives() -> None:
    """RED-DATE-NONBUSINESS: shares first issued on 2000-08-06 are redeemable on 2005-08-06, a
    Saturday (prefstack's reading), on Monday 2005-08-08 (next-business-day) or on Friday
    2005-08-05 (preceding-business-day)."""
    from prefstack.clauses.redemption import fifth_anniversary_redemption_date
    from prefstack.terms import load_terms

    terms, issued = load_terms("F"), dt.date(2000, 8, 6)
    expected = {
        "default": dt.date(2005, 8, 6),
        "next-business-day": dt.date(2005, 8, 8),
        "preceding-business-day": dt.date(2005, 8, 5),
    }
    for alternative, day in expected.items():
        with under(parse({"RED-DATE-NONBUSINESS": alternative}, "test")):
            assert fifth_anniversary_redemption_date(terms, issued).value == day


def test_redemption_in_common_rounded_up() -> None:
    """RED-F-COMMON=round-up: a Redemption Price of $1,000 at a Fair Market Value of $7 is 142.857...
    shares: 142 and $6.00 for the fraction (prefstack's), or 143 and nothing."""
    from prefstack.clauses.redemption import pay_redemption_price_in_common_stock
    from prefstack.terms import load_terms

    paid = pay_redemption_price_in_common_stock(load_terms("F"), Fraction(1000), Fraction(7))
    assert (paid.shares_of_common.value, paid.cash_for_fraction.value) == (142, Fraction(6))
    with under(parse({"RED-F-COMMON": "round-up"}, "test")):
        paid = pay_redemption_price_in_common_stock(load_terms("F"), Fraction(1000), Fraction(7))
    assert (paid.shares_of_common.value, paid.cash_for_fraction.value) == (143, 0)


def test_exactly_half_the_voting_power_carries_under_at_least_half() -> None:
    """VOTE-SERIES-MAJORITY: 500 votes for out of 1,000 are not "at least a majority" under
    prefstack's reading (more than half), and carry under ``at-least-half``; 501 carry under both."""
    from prefstack.clauses.voting import ConsentPurpose, series_majority
    from prefstack.terms import load_terms

    terms, purpose = load_terms("F"), next(iter(ConsentPurpose))
    assert series_majority(terms, 500, 1_000, purpose).value is False
    assert series_majority(terms, 501, 1_000, purpose).value is True
    with under(parse({"VOTE-SERIES-MAJORITY": "at-least-half"}, "test")):
        assert series_majority(terms, 500, 1_000, purpose).value is True
        assert series_majority(terms, 499, 1_000, purpose).value is False


def test_a_ratchet_to_half_a_cent_rounds_to_the_even_cent_under_half_even(tmp_path: Path) -> None:
    """AD-ROUND-CENT: Northwind's down round of 1,000,000 shares for $8,125,000 ($8.125 a share)
    ratchets Series H's $10.00 Conversion Price (H §5(d)(iv), full ratchet) to $8.125, which is
    $8.13 half a cent up (prefstack's reading) and $8.12 to the even cent (half-even)."""
    source = resources.files("prefstack.data").joinpath("northwind_ledger.yaml").read_text(encoding="utf-8")
    assert "cash_consideration: '8000000'" in source
    ledger = tmp_path / "northwind.yaml"
    ledger.write_text(
        source.replace("cash_consideration: '8000000'", "cash_consideration: '8125000'"), encoding="utf-8"
    )
    books = Books("sqlite:///unused.sqlite", ledger=str(ledger))
    on = dt.date(2024, 10, 31)

    def price(found: Any) -> Fraction:
        return Fraction(found.series[0].conversion_price.value)

    assert price(books.state(on)) == Fraction("8.13")
    assert price(
        dataclasses.replace(books, readings=parse({"AD-ROUND-CENT": "half-even"}, "test")).state(on)
    ) == Fraction("8.12")


def test_a_generic_classs_cumulative_dividend_on_30_360() -> None:
    """CAPSTRUCT-DIVIDEND-ACCRUAL=thirty-360: Series D of the bundled capital structure (10,000 shares
    at $1,000, 8% cumulative from 1999-12-20) is owed on 2002-06-30, with $1,000,000,000 to share:
    $10,000,000 + $10,000,000 x 8% x 923/365 = $12,023,013.70 on actual days (prefstack's), or
    + $10,000,000 x 8% x 910/360 = $12,022,222.22 on 30/360 (360 x 3 + 30 x (6 - 12) + (30 - 20))."""
    from prefstack.instruments.capital_structure import bundled_for_company

    structure = bundled_for_company("CAIS Internet, Inc.", "test")
    books = Books("sqlite:///unused.sqlite", ledger=str(EXAMPLE))
    on, proceeds = dt.date(2002, 6, 30), Fraction(1_000_000_000)
    assert (on - dt.date(1999, 12, 20)).days == 923

    def series_d(found: Any) -> Fraction:
        return sum(
            Fraction(p.amount.value) for p in found.payouts if p.security == "Series D" and "preference" in p.tier
        )

    base = 10_000_000
    assert series_d(books.waterfall(on, proceeds, structure=structure)) == Fraction("12023013.70")
    assert base + round(base * Fraction(8, 100) * Fraction(923, 365), 2) == Fraction("12023013.70")
    other = dataclasses.replace(books, readings=parse({"CAPSTRUCT-DIVIDEND-ACCRUAL": "thirty-360"}, "test"))
    assert series_d(other.waterfall(on, proceeds, structure=structure)) == Fraction("12022222.22")
    assert base + round(base * Fraction(8, 100) * Fraction(910, 360), 2) == Fraction("12022222.22")


def test_the_conversion_rights_end_before_a_liquidation_under_each_reading() -> None:
    """CONV-LIQUIDATION-CUTOFF, a liquidation payment on Monday 2002-07-01: the rights end at the close
    of Sunday 2002-06-30 (the calendar day before, prefstack's), of Friday 2002-06-28 (the business day
    before) or of Saturday 2002-06-29 (two days before)."""
    from prefstack.clauses.conversion import conversion_rights_end_for_liquidation
    from prefstack.terms import load_terms

    expected = {"default": dt.date(2002, 6, 30), "business-day": dt.date(2002, 6, 28), "two-days": dt.date(2002, 6, 29)}
    for alternative, day in expected.items():
        with under(parse({"CONV-LIQUIDATION-CUTOFF": alternative}, "test")):
            assert conversion_rights_end_for_liquidation(load_terms("F"), dt.date(2002, 7, 1)).value == day


def test_the_last_day_of_a_notice_under_each_reading_of_its_days() -> None:
    """NOTICE-CALENDAR-DAYS, F §5(k)(A)'s ten days before a record date:
    - Monday 2002-07-15: 2002-07-05 in calendar days; in business days, back past the 4th of July:
      12, 11, 10, 9, 8, 5, 3, 2, 1 July and Friday 28 June, the tenth;
    - Tuesday 2002-07-16: Saturday 2002-07-06 in calendar days, moved to Monday 2002-07-08 under
      next-business-day.
    A late election is judged by the same last day: F §2(e)'s ten days before 2002-09-15 (a Sunday)
    end on Thursday 2002-09-05 in calendar days and on Friday 2002-08-30 in business days
    (September 2 is Labor Day)."""
    from prefstack.clauses.notices import dividend_form_notice_deadline, record_date_notice_deadline
    from prefstack.terms import load_terms

    terms = load_terms("F")
    cases = {
        "default": (dt.date(2002, 7, 5), dt.date(2002, 7, 6), dt.date(2002, 9, 5)),
        "business-days": (dt.date(2002, 6, 28), dt.date(2002, 7, 1), dt.date(2002, 8, 30)),
        "next-business-day": (dt.date(2002, 7, 5), dt.date(2002, 7, 8), dt.date(2002, 9, 5)),
    }
    for alternative, (monday, tuesday, election) in cases.items():
        with under(parse({"NOTICE-CALENDAR-DAYS": alternative}, "test")):
            assert record_date_notice_deadline(terms, dt.date(2002, 7, 15)).value == monday, alternative
            assert record_date_notice_deadline(terms, dt.date(2002, 7, 16)).value == tuesday, alternative
            assert dividend_form_notice_deadline(terms, dt.date(2002, 9, 15)).value == election, alternative


def test_promptly_in_business_days() -> None:
    """NOTICE-PROMPTLY=business-days: a certificate of adjustment for an adjustment on Monday
    2002-07-01 is due by 2002-07-11 (ten calendar days) or by 2002-07-16 (ten business days: 2, 3,
    5, 8, 9, 10, 11, 12, 15, 16 July, the 4th a holiday)."""
    from prefstack.clauses.notices import certificate_of_adjustment_deadline
    from prefstack.terms import load_terms

    terms = load_terms("F")
    assert certificate_of_adjustment_deadline(terms, dt.date(2002, 7, 1)).value == dt.date(2002, 7, 11)
    with under(parse({"NOTICE-PROMPTLY": "business-days"}, "test")):
        assert certificate_of_adjustment_deadline(terms, dt.date(2002, 7, 1)).value == dt.date(2002, 7, 16)


def test_a_clause_naming_no_value_for_an_implemented_alternative_fails_loudly() -> None:
    """readings.pick: the value of the alternative asked; an implemented alternative the clause
    names no value for is an error, never prefstack's reading by default."""
    from prefstack.interpretations.readings import pick

    values = {"default": 1, "thirty-360": 2}
    assert pick("DIV-DAYCOUNT", values) == 1
    with under(parse({"DIV-DAYCOUNT": "thirty-360"}, "test")):
        assert pick("DIV-DAYCOUNT", values) == 2
    with under(parse({"DIV-DAYCOUNT": "actual-365"}, "test")), pytest.raises(AssertionError, match="not computed"):
        pick("DIV-DAYCOUNT", values)


def test_the_redemption_notice_window_in_full_days() -> None:
    """RED-NOTICE-WINDOW=full-days: for the Redemption Date 2005-08-02, a notice between 60 and 20
    days before is sent from 2005-06-03 to 2005-07-13; counting full days between the dates, from
    2005-06-02 (61 days apart) to 2005-07-12 (21 days apart)."""
    from prefstack.clauses.redemption import redemption_notice_window
    from prefstack.terms import load_terms

    day = dt.date(2005, 8, 2)
    window = redemption_notice_window(load_terms("F"), day)
    assert (window.earliest.value, window.latest.value) == (dt.date(2005, 6, 3), dt.date(2005, 7, 13))
    with under(parse({"RED-NOTICE-WINDOW": "full-days"}, "test")):
        window = redemption_notice_window(load_terms("F"), day)
    assert (window.earliest.value, window.latest.value) == (dt.date(2005, 6, 2), dt.date(2005, 7, 12))


def test_a_receiver_not_vacated_is_an_event_on_the_sixtieth_day_under_the_alternative() -> None:
    """RED-RECEIVER-60-DAYS: a receiver appointed without consent on 2002-03-01 and not vacated is a
    Mandatory Redemption Event from 2002-05-01, the 61st day (prefstack's reading: the Company has the
    whole sixtieth day, 2002-04-30), or from 2002-04-30 itself (sixtieth-day); vacated on 2002-04-30,
    it is no event under prefstack's reading and one under the alternative."""
    from prefstack.clauses.redemption import Insolvency, InsolvencyKind, judge_mandatory_redemption_event
    from prefstack.terms import load_terms

    terms = load_terms("F")

    def event(as_of: dt.date, vacated: dt.date | None = None) -> bool:
        facts = Insolvency(InsolvencyKind.RECEIVER_OR_TRUSTEE, as_of, False, dt.date(2002, 3, 1), vacated)
        return bool(judge_mandatory_redemption_event(terms, facts, None).value)

    april_30, may_1 = dt.date(2002, 4, 30), dt.date(2002, 5, 1)
    assert (event(april_30), event(may_1), event(may_1, april_30)) == (False, True, False)
    with under(parse({"RED-RECEIVER-60-DAYS": "sixtieth-day"}, "test")):
        assert (event(april_30), event(may_1), event(may_1, april_30)) == (True, True, True)


# §5(d)-(f): the Conversion Price of Series F under the alternatives of its readings, folded from
# Common Stock actions by hand (20,000,000 shares of Common Stock outstanding, $24.00 unless said).


def _price(actions: list[Any], outstanding: int = 20_000_000, **choices: str) -> tuple[Fraction, Fraction]:
    """Series F's Conversion Price and the reductions carried forward after ``actions``."""
    from prefstack.clauses.antidilution import conversion_price_history
    from prefstack.terms import load_terms

    with under(parse(choices, "test")):
        state = conversion_price_history(
            load_terms("F"),
            original_issuance_date=dt.date(2000, 8, 2),
            initial_common_outstanding=Fraction(outstanding),
            actions=actions,
        )
    return state.conversion_price, state.carried_forward


def _day(n: int) -> dt.date:
    return dt.date(2001, 1, 1) + dt.timedelta(days=n)


def _issue(ident: str, n: int, shares: int, per_share: str, fmv: str) -> Any:
    from prefstack.clauses.antidilution import CommonStockIssuance

    return CommonStockIssuance(
        id=ident,
        date=_day(n),
        shares=Fraction(shares),
        purpose="none",
        cash_consideration=Fraction(per_share) * shares,
        property_consideration=Fraction(0),
        accrued_interest_or_dividends_in_cash=Fraction(0),
        fair_market_value_per_share=Fraction(fmv),
    )


def _option(ident: str, n: int, shares: int, exercise_total: int, fmv: str) -> Any:
    from prefstack.clauses.antidilution import OptionIssuance

    return OptionIssuance(
        id=ident,
        date=_day(n),
        max_shares=Fraction(shares),
        consideration_received=Fraction(0),
        min_additional_consideration=Fraction(exercise_total),
        purpose="none",
        fair_market_value_per_share=Fraction(fmv),
    )


SMALL = _issue("a", 1, 10_000, "0", "10")
"""10,000 shares for nothing: 24 x 20,000,000 / 20,010,000 = 23.98800... -> $23.99, a reduction
of $.01 under $.03: carried forward (F §5(d)(iv))."""


def test_rounding_the_reduction_instead_of_the_price_at_half_a_cent() -> None:
    """AD-ROUND-CENT=round-reduction: 29,000 shares for nothing on 4,771,000 outstanding give
    24 x 4,771,000 / 4,800,000 = 23.855 exactly. Rounding the price half up: $23.86 (a reduction of
    $.14); to the even cent also $23.86; rounding the reduction 24 - 23.855 = .145 half up: $.15,
    so $23.85."""
    actions = [_issue("a", 1, 29_000, "0", "10")]
    assert Fraction(24 * 4_771_000, 4_800_000) == Fraction("23.855")
    assert _price(actions, 4_771_000) == (Fraction("23.86"), 0)
    assert _price(actions, 4_771_000, **{"AD-ROUND-CENT": "half-even"}) == (Fraction("23.86"), 0)
    assert _price(actions, 4_771_000, **{"AD-ROUND-CENT": "round-reduction"}) == (Fraction("23.85"), 0)


def test_a_later_reduction_computed_from_the_price_less_the_carried_cent() -> None:
    """AD-CARRY-FORWARD=from-reduced-price: after SMALL ($.01 carried, 20,010,000 outstanding),
    37,600 shares for nothing. prefstack: 24 x 20,010,000 / 20,047,600 = 23.95498... -> $23.95, a
    reduction of $.05, plus $.01 carried = $.06: $23.94. From $23.99: 23.99 x 20,010,000 /
    20,047,600 = 23.94500... -> $23.95, the price."""
    actions = [SMALL, _issue("b", 2, 37_600, "0", "10")]
    assert _price([SMALL]) == (24, Fraction("0.01"))
    assert round(Fraction(24 * 20_010_000, 20_047_600), 5) == Fraction("23.95499")
    assert round(Fraction("23.99") * 20_010_000 / 20_047_600, 5) == Fraction("23.94501")
    assert _price(actions) == (Fraction("23.94"), 0)
    assert _price(actions, **{"AD-CARRY-FORWARD": "from-reduced-price"}) == (Fraction("23.95"), 0)


def test_the_carried_cent_across_a_two_for_one_split() -> None:
    """AD-CARRY-FORWARD=fixed-across-splits: after SMALL ($.01 carried) a 2-for-1 split makes the
    price $12.00 and 40,020,000 shares outstanding; prefstack halves the carried amount to $.005,
    the alternative keeps $.01. Then 51,000 shares for nothing: 12 x 40,020,000 / 40,071,000 =
    11.98472... -> $11.98, a reduction of $.02: with $.005 carried, $.025 < $.03 is carried (the
    price stays $12.00); with $.01, $.03 is made: $11.97."""
    from prefstack.clauses.antidilution import StockSplit

    split = StockSplit(_day(2), Fraction(2))
    assert _price([SMALL, split]) == (12, Fraction("0.005"))
    assert _price([SMALL, split], **{"AD-CARRY-FORWARD": "fixed-across-splits"}) == (12, Fraction("0.01"))
    actions = [SMALL, split, _issue("b", 3, 51_000, "0", "10")]
    assert round(Fraction(12 * 40_020_000, 40_071_000), 2) == Fraction("11.98")
    assert _price(actions) == (12, Fraction("0.025"))
    assert _price(actions, **{"AD-CARRY-FORWARD": "fixed-across-splits"}) == (Fraction("11.97"), 0)


def test_small_reductions_dropped_never_add_up() -> None:
    """AD-CARRY-FORWARD=drop-small: SMALL's $.01 and then 20,000 shares for nothing (24 x
    20,010,000 / 20,030,000 = 23.97603... -> $23.98, $.02): carried and made together they are $.03
    ($23.97); each alone under $.03 is dropped, and the price stays $24.00 with nothing carried."""
    actions = [SMALL, _issue("b", 2, 20_000, "0", "10")]
    assert _price(actions) == (Fraction("23.97"), 0)
    assert _price([SMALL], **{"AD-CARRY-FORWARD": "drop-small"}) == (24, 0)
    assert _price(actions, **{"AD-CARRY-FORWARD": "drop-small"}) == (24, 0)


def test_options_unexercised_counted_as_outstanding() -> None:
    """AD-OUTSTANDING=include-deemed: an Option for 1,000,000 shares at $30 (FMV $30: not below
    $28.50, no adjustment) and then 1,000,000 shares for nothing. prefstack: 24 x 20,000,000 /
    21,000,000 = 22.857... -> $22.86; counting the Option's 1,000,000 as outstanding: 24 x
    21,000,000 / 22,000,000 = 22.909... -> $22.91. A dividend of 2,000,000 shares of Common Stock
    after the Option instead (F §5(f)): 24 x 20/22 = $21.8181... or 24 x 21/23 = $21.9130..."""
    from prefstack.clauses.antidilution import StockDividendOnCommon

    grant = _option("o", 1, 1_000_000, 30_000_000, "30")
    issued = [grant, _issue("b", 2, 1_000_000, "0", "10")]
    assert _price(issued) == (Fraction("22.86"), 0)
    assert _price(issued, **{"AD-OUTSTANDING": "include-deemed"}) == (Fraction("22.91"), 0)
    dividend = [grant, StockDividendOnCommon(_day(2), Fraction(2_000_000))]
    assert _price(dividend) == (Fraction(24 * 20, 22), 0)
    assert _price(dividend, **{"AD-OUTSTANDING": "include-deemed"}) == (Fraction(24 * 21, 23), 0)


def test_the_greater_of_under_its_alternatives() -> None:
    """AD-GREATER-OF.
    reduced-by-carry: after SMALL ($.01 carried), 700,000 shares at $20 (FMV $10, 95% = $9.50).
    prefstack divides by $24.00: 24 x (20,010,000 + 14,000,000 / 24) / 20,710,000 = 23.8648... ->
    $23.86, $.14 + $.01 = $.15: $23.85; by $23.99: 24 x (20,010,000 + 14,000,000 / 23.99) /
    20,710,000 = 23.8650... -> $23.87, $.13 + $.01: $23.86.
    full-fmv-numerator: 1,000,000 shares at $25 (FMV $30): by $28.50, 24 x (20,000,000 +
    25,000,000 / 28.50) / 21,000,000 = 23.8596... -> $23.86; by $30, 24 x (20,000,000 + 25,000,000
    / 30) / 21,000,000 = 23.8095... -> $23.81.
    adjust-when-equal: 1,000,000 shares at exactly $28.50 (FMV $30): no adjustment (not less), or
    the formula 24 x (20,000,000 + 1,000,000) / 21,000,000 = $24.00: a reduction of nothing, made
    as a decision of §5(d)(iv) rather than §5(d)(ii)."""
    from prefstack.clauses.antidilution import conversion_price_history
    from prefstack.terms import load_terms

    later = [SMALL, _issue("b", 2, 700_000, "20", "10")]
    assert round(24 * (20_010_000 + Fraction(14_000_000, 24)) / 20_710_000, 4) == Fraction("23.8648")
    assert round(24 * (20_010_000 + 14_000_000 / Fraction("23.99")) / 20_710_000, 4) == Fraction("23.8651")
    assert _price(later) == (Fraction("23.85"), 0)
    assert _price(later, **{"AD-GREATER-OF": "reduced-by-carry"}) == (Fraction("23.86"), 0)
    below = [_issue("b", 1, 1_000_000, "25", "30")]
    assert _price(below) == (Fraction("23.86"), 0)
    assert _price(below, **{"AD-GREATER-OF": "full-fmv-numerator"}) == (Fraction("23.81"), 0)
    equal = [_issue("b", 1, 1_000_000, "28.50", "30")]
    for choices, clause in (({}, "F §5(d)(ii)"), ({"AD-GREATER-OF": "adjust-when-equal"}, "F §5(d)(iv)")):
        with under(parse(choices, "test")):
            state = conversion_price_history(
                load_terms("F"),
                original_issuance_date=dt.date(2000, 8, 2),
                initial_common_outstanding=Fraction(20_000_000),
                actions=equal,
            )
        assert (state.conversion_price, state.carried_forward, state.adjustments) == (24, 0, ())
        assert state.decisions[-1].explained.clause == clause


def _paid(on: dt.date, proceeds: int, **choices: str) -> dict[tuple[str, str], Fraction]:
    """What each holder of each class is paid from a liquidation of the bundled example on ``on``."""
    books = Books("sqlite:///unused.sqlite", ledger=str(EXAMPLE), readings=parse(choices, "test"))
    paid: dict[tuple[str, str], Fraction] = {}
    for row in books.waterfall(on, Fraction(proceeds)).payouts:
        key = (row.security, row.holder)
        paid[key] = paid.get(key, Fraction(0)) + Fraction(row.amount.value)
    return paid


def _nearest_cent(amount: Fraction) -> Fraction:
    return Fraction(math.floor(amount * 100 + Fraction(1, 2)), 100)


def test_series_g_sharing_in_what_remains_under_each_reading_of_participation() -> None:
    """LIQ-FULL-PARTICIPATION on 2000-07-01: 3Com's 20,000 shares of Series G (issued 2000-06-15) are
    worth 20,000 x (1,000 + 1,000 x 6% x 16/360) = $20,053,333.33 and convert into 20,000 x 1,000 /
    36 = 555,555 5/9 shares of Common Stock, beside 22,000,000 shares of Common Stock.
    From $100,000,000 the rest after G's Liquidation Value is $79,946,666.67, shared as converted:
    - prefstack: G takes 79,946,666.67 x 555,555 5/9 / 22,555,555 5/9 = $1,969,129.72 more;
    - whole-shares: 79,946,666.67 x 555,555 / 22,555,555 = $1,969,127.80;
    - titled-only (G's title does not say participating) and greater-of: G takes its Liquidation
      Value alone, since converting would give it only 100,000,000 x 5/203 = $2,463,054.19.
    From $10,000,000,000 G converts under both: 10,000,000,000 x 5/203 = $246,305,418.72 (and
    prefstack gives it $20,053,333.33 + 9,979,946,666.67 x 5/203 = $265,864,827.58)."""
    on, g, common = dt.date(2000, 7, 1), ("G", "3Com Corporation"), ("Common Stock", "holders of Common Stock")
    value = _nearest_cent(20_000 * (1_000 + Fraction(1_000 * 6 * 16, 100 * 360)))
    assert value == Fraction("20053333.33")
    converted, outstanding = Fraction(20_000 * 1_000, 36), 22_000_000
    rest = 100_000_000 - value
    default = _paid(on, 100_000_000)
    assert default[g] == value + _nearest_cent(rest * converted / (converted + outstanding))
    assert default[g] - value == Fraction("1969129.72")
    whole = _paid(on, 100_000_000, **{"LIQ-FULL-PARTICIPATION": "whole-shares"})
    assert whole[g] - value == _nearest_cent(rest * 555_555 / (555_555 + outstanding)) == Fraction("1969127.80")
    assert sum(whole.values()) == sum(default.values()) == 100_000_000
    for alternative in ("titled-only", "greater-of"):
        alone = _paid(on, 100_000_000, **{"LIQ-FULL-PARTICIPATION": alternative})
        assert _nearest_cent(100_000_000 * converted / (converted + outstanding)) == Fraction("2463054.19") < value
        assert (alone[g], alone[common]) == (value, rest)
        sale = _paid(on, 10_000_000_000, **{"LIQ-FULL-PARTICIPATION": alternative})
        assert sale[g] == _nearest_cent(Fraction(10_000_000_000 * 5, 203)) == Fraction("246305418.72")
    assert _paid(on, 10_000_000_000)[g] == value + _nearest_cent((10_000_000_000 - value) * 5 / 203)


def test_titled_only_reads_the_title_of_each_certificate() -> None:
    """The alternative reads each certificate's title: F's ("Series F Convertible Participating
    Preferred Stock") says participating, G's ("Series G Convertible Preferred Stock") does not, and
    H does not participate whatever its title (its terms say so)."""
    from prefstack.clauses.liquidation import participates_3b
    from prefstack.terms import load_terms

    with under(parse({"LIQ-FULL-PARTICIPATION": "titled-only"}, "test")):
        assert [participates_3b(load_terms(s)) for s in ("F", "G", "H")] == [True, False, False]
    assert [participates_3b(load_terms(s)) for s in ("F", "G", "H")] == [True, True, False]


def _fmv(prices: dict[dt.date, Fraction], **choices: str) -> Any:
    from prefstack.clauses.fair_market_value import average_closing_price
    from prefstack.terms import load_terms

    with under(parse(choices, "test")):
        return average_closing_price(prices, dt.date(2000, 8, 2), load_terms("F"))


def test_the_fair_market_value_of_a_closing_on_2000_08_02_under_each_window() -> None:
    """FMV-WINDOW, closing 2000-08-02, each Nasdaq session of June and July 2000 priced at its day of
    the month (July 4 closed).
    - prefstack: 2000-07-01 to 07-30, sessions 3, 5-7, 10-14, 17-21, 24-28: 306 / 19.
    - fourth-day: 2000-06-30 to 07-29: June 30 too, (306 + 30) / 20 = 16.8.
    - trading-days: the third session before 08-02 is 07-28 (08-01, 07-31, 07-28); thirty sessions
      end there: July's 19 and June's last 11 (16, 19-23, 26-30): (306 + 261) / 30 = 18.9.
    - calendar-weighted: each of the 30 days of 07-01 to 07-30 at the latest closing price: 07-01
      and 07-02 carry June 30's 30, July 4 carries 3, each weekend carries Friday's:
      30 + 30 + 3 + 3 + 5 + 6 + 7 x 3 + (10 + ... + 13) + 14 x 3 + (17 + ... + 20) + 21 x 3
      + (24 + ... + 27) + 28 x 3 = 509, / 30."""
    sessions = [dt.date(2000, m, d) for m in (6, 7) for d in range(1, 31) if dt.date(2000, m, d).weekday() < 5]
    prices = {day: Fraction(day.day) for day in sessions if day != dt.date(2000, 7, 4)}
    assert _fmv(prices).value == Fraction(306, 19)
    assert _fmv(prices, **{"FMV-WINDOW": "fourth-day"}).value == Fraction(336, 20)
    june = [16, 19, 20, 21, 22, 23, 26, 27, 28, 29, 30]
    found = _fmv(prices, **{"FMV-WINDOW": "trading-days"})
    assert sum(june) == 261 and found.value == Fraction(306 + 261, 30)
    assert (found.inputs["period_first_day"], found.inputs["period_last_day"]) == (
        dt.date(2000, 6, 16),
        dt.date(2000, 7, 28),
    )
    weighted = 30 + 30 + 3 + 3 + 5 + 6 + 7 * 3 + 46 + 14 * 3 + 74 + 21 * 3 + 102 + 28 * 3
    assert weighted == 509
    assert _fmv(prices, **{"FMV-WINDOW": "calendar-weighted"}).value == Fraction(509, 30)
    del prices[dt.date(2000, 6, 30)]  # the price carried into 07-01 and 07-02 is missing
    with pytest.raises(InputError, match="2000-06-30"):
        _fmv(prices, **{"FMV-WINDOW": "calendar-weighted"})


def _short(per_share_f: int, proceeds: str, **choices: str) -> dict[str, Fraction]:
    """A liquidation on 2001-06-30 whose proceeds fall short of the Parity tier: holders A (18
    shares) and B (6) of Series F at ``per_share_f`` a share, C (36 shares) of Series G at $1,000."""
    from prefstack.clauses.liquidation import JuniorHolding, ParityHolding, waterfall

    parity = [
        ParityHolding("F", "A", Fraction(18), Fraction(per_share_f), Fraction(18_000, 24), True),
        ParityHolding("F", "B", Fraction(6), Fraction(per_share_f), Fraction(6_000, 24), True),
        ParityHolding("G", "C", Fraction(36), Fraction(1_000), Fraction(36_000, 36), True),
    ]
    junior = [JuniorHolding("Common Stock", "holders of Common Stock", Fraction(1_000))]
    with under(parse(choices, "test")):
        paid = waterfall(Fraction(proceeds), (), (), parity, junior, dt.date(2001, 6, 30))
    return {p.holder: p.paid for p in paid.payouts if p.paid}


def test_a_short_parity_tier_in_cents_by_series_first_and_by_largest_remainder() -> None:
    """$25,186.44 against full amounts of $18,000 (A), $6,000 (B) and $36,000 (C): exactly 30%, 10%
    and 60% of 2,518,644 cents = 755,593.2, 251,864.4 and 1,511,186.4; one cent is left over the
    floors.
    - prefstack (Sainte-Lague over the three): the cent goes to C (1,511,187).
    - series-first: F's 40% = 1,007,457.6 -> 1,007,458 and G's 1,511,186.4 -> 1,511,186; F's cents
      split 3:1 are 755,593.5 and 251,864.5, a tie given to A, listed first: 755,594 and 251,864.
    - largest-remainder (Hamilton): B's and C's remainders (.4) tie; B, listed first, takes it."""
    cents = Fraction(1, 100)
    assert _short(1_000, "25186.44") == {"A": 755_593 * cents, "B": 251_864 * cents, "C": 1_511_187 * cents}
    assert _short(1_000, "25186.44", **{"LIQ-PARITY-TIER": "series-first"}) == {
        "A": 755_594 * cents,
        "B": 251_864 * cents,
        "C": 1_511_186 * cents,
    }
    assert _short(1_000, "25186.44", **{"LIQ-CENTS": "largest-remainder"}) == {
        "A": 755_593 * cents,
        "B": 251_865 * cents,
        "C": 1_511_186 * cents,
    }


def test_a_short_parity_tier_per_share_alike() -> None:
    """LIQ-PARITY-TIER=per-share with Series F at $1,100 a share (accrued dividends) and G at $1,000:
    full amounts $19,800, $6,600 and $36,000, $62,400 in all.
    - $30,000: prefstack pays in proportion to the full amounts, A 30,000 x 19,800 / 62,400 =
      $9,519.23; per share alike, $500 on each of the 60 shares: A $9,000, B $3,000, C $18,000.
    - $61,000: $1,016.67 a share would pay C more than its $1,000, so C takes its $36,000 and the
      other $25,000 goes to F's 24 shares at $1,041.67: A $18,750, B $6,250."""
    assert _short(1_100, "30000")["A"] == Fraction("9519.23")
    assert _short(1_100, "30000", **{"LIQ-PARITY-TIER": "per-share"}) == {"A": 9_000, "B": 3_000, "C": 18_000}
    assert _short(1_100, "61000", **{"LIQ-PARITY-TIER": "per-share"}) == {"A": 18_750, "B": 6_250, "C": 36_000}


def test_the_readme_lists_every_implemented_alternative() -> None:
    """The README's table of implemented alternatives names each one on its interpretation's row."""
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    rows = {line.split(" ", 2)[1]: line for line in readme.splitlines() if line.startswith("| ") and " (" in line}
    for interpretation in registry().values():
        for alternative, _ in interpretation.selectable:
            assert f"`{alternative}`" in rows.get(interpretation.id, ""), (interpretation.id, alternative)
