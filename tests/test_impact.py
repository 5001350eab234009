"""``prefstack interpretations --impact``: what each implemented alternative changes in the figures
of a ledger on a date, by the arithmetic written in each test; the points that change nothing are
named; the largest change of money comes first."""

from __future__ import annotations

import datetime as dt
import json
import math
from fractions import Fraction
from importlib import resources
from typing import Any

from prefstack.books import Books
from prefstack.impact import Liquidation, impact

EXAMPLE = str(resources.files("prefstack.data").joinpath("example_ledger.yaml"))
MICROSOFT = "Microsoft Corporation"


def _books() -> Books:
    return Books("sqlite:///unused.sqlite", ledger=EXAMPLE)


def _cents(amount: Fraction) -> Fraction:
    """Half-up to the cent (CONV-CASH-CENTS)."""
    return Fraction(math.floor(amount * 100 + Fraction(1, 2)), 100)


def _change(point: Any, holder: str, figure: str) -> Fraction:
    found = [c for c in point.changes if c.holder == holder and c.figure == figure]
    assert len(found) == 1, (holder, figure, point.changes)
    return Fraction(found[0].difference.value)


def test_before_any_pik_issue_only_the_accrual_of_series_g_and_its_votes_can_change() -> None:
    """2000-07-01: Series G (20,000 shares, $20,000,000, issued 2000-06-15) has accrued 16 days at
    6% a year; no PIK share was issued and no cash paid yet. Under each alternative, G's accrued
    dividends and Liquidation Value change by:
    - nothing accrues between Payment Dates: -$20,000,000 x 6% x 16/360 = -$53,333.33;
    - pro rata of the quarter (2000-06-15 to 2000-09-15, 92 days): $20,000,000 x (1.5% x 16/92
      - 6% x 16/360) = -$1,159.42;
    - actual/365: $20,000,000 x 6% x 16 x (1/365 - 1/360) = -$730.59;
    and, counting each share's conversion down, G's votes are 20,000 x floor(1,000/P) instead of
    floor(20,000 x 1,000/P). 30/360 counts the same 16 days (30 x 1 + (1 - 15)), and the others
    touch only PIK issues, cash or Common Stock payments, conversions, redemptions, mergers or periods
    longer than 90 days: they change nothing."""
    found = impact(_books(), dt.date(2000, 7, 1))
    assert {"DIV-DAYCOUNT=thirty-360", "DIV-INTRA-QUARTER-CAP=no-cap"} <= set(found.unchanged)
    assert "DIV-FRACTIONAL-PIK=round-cents" in found.not_consulted  # no PIK share issued yet
    assert all(c.series == "G" for p in found.points for c in p.changes)  # Series F is not issued yet
    money = [Fraction(p.largest_money.value) for p in found.points]
    assert money == sorted(money, reverse=True)  # largest change of money first
    g = 20_000_000
    expected = {
        ("DIV-ACCRUED-UNPAID", "payment-dates-only"): -g * Fraction(6, 100) * Fraction(16, 360),
        ("DIV-INTRA-QUARTER-CAP", "pro-rata-quarter"): g
        * (Fraction(15, 1000) * Fraction(16, 92) - Fraction(6, 100) * Fraction(16, 360)),
        ("DIV-DAYCOUNT", "actual-365"): g * Fraction(6, 100) * 16 * (Fraction(1, 365) - Fraction(1, 360)),
        ("DIV-DAYCOUNT", "actual-actual"): g
        * Fraction(6, 100)
        * 16
        * (Fraction(1, 366) - Fraction(1, 360)),  # 2000: leap
    }
    points = {(p.interpretation, p.alternative): p for p in found.points}
    for key, change in expected.items():
        assert _change(points[key], "3Com Corporation", "accrued_unpaid_dividends") == change
        assert _change(points[key], "3Com Corporation", "liquidation_value") == change
        # converting every share that day pays the accrued dividends in cash: less by as much, to the cent
        accrued = g * Fraction(6, 100) * Fraction(16, 360)
        dividend_cash = _change(points[key], "3Com Corporation", "conversion_dividend_cash")
        assert dividend_cash == _cents(accrued + change) - _cents(accrued)
        assert points[key].largest_money.value == -change
    price = next(h for s in _books().state(dt.date(2000, 7, 1)).series for h in s.holders).conversion_price.value
    per_share = Fraction(1000) / Fraction(price)
    votes = _change(points[("VOTE-AS-CONVERTED", "per-share")], "3Com Corporation", "votes")
    assert votes == 20_000 * math.floor(per_share) - math.floor(20_000 * per_share) != 0
    assert points[("VOTE-AS-CONVERTED", "per-share")].largest_money.value == 0
    # converting the 20,000 shares share by share: 20,000 x floor(1,000/P) Common Stock instead of
    # floor(20,000 x 1,000/P), and each share's fraction paid: 20,000 x frac(1,000/P) x P, to the cent
    apart = points[("CONV-FRACTION-AGGREGATE", "per-share")]
    together_whole = math.floor(20_000 * per_share)
    assert (
        _change(apart, "3Com Corporation", "conversion_common_shares")
        == 20_000 * math.floor(per_share) - together_whole
    )
    price_value = Fraction(price)
    together_cash = _cents((20_000 * per_share - together_whole) * price_value)
    apart_cash = _cents(20_000 * (per_share - math.floor(per_share)) * price_value)
    assert _change(apart, "3Com Corporation", "conversion_cash_for_fraction") == apart_cash - together_cash
    assert next(iter(points)) == ("CONV-FRACTION-AGGREGATE", "per-share")  # the largest change of money


def test_on_the_first_payment_date_thirty_360_issues_one_days_pik_fewer() -> None:
    """2000-09-15, F's first Payment Date (PIK): 30/360 counts 43 days where actual counts 44, so
    Microsoft receives 40,000 x 7% x 1/360 = 7.777... PIK shares fewer, a Liquidation Value
    $7,777.78 lower (each share $1,000, nothing accrued on the Payment Date itself), and
    floor(40,334.44... x 1,000 / 24) - floor(40,342.22... x 1,000 / 24) = 1,680,601 - 1,680,925
    = -324 votes."""
    found = impact(_books(), dt.date(2000, 9, 15))
    point = next(p for p in found.points if (p.interpretation, p.alternative) == ("DIV-DAYCOUNT", "thirty-360"))
    fewer = -Fraction(40_000 * 7, 100 * 360)
    assert _change(point, MICROSOFT, "shares_outstanding") == fewer
    assert _change(point, MICROSOFT, "liquidation_value") == fewer * 1000
    assert _change(point, MICROSOFT, "votes") == -324
    order = [Fraction(p.largest_money.value) for p in found.points]
    assert order == sorted(order, reverse=True)  # largest change of money first


def test_the_command_line_writes_the_impact_as_json_and_as_a_table(cli: Any) -> None:
    asked = ["interpretations", "--impact", "--as-of", "2000-07-01", "--ledger", EXAMPLE]
    data = json.loads(cli(*asked, "--format", "json").stdout)
    assert "DIV-DAYCOUNT=thirty-360" in data["unchanged"]
    largest = {f"{p['interpretation']}={p['alternative']}": p["largest_money"] for p in data["points"]}
    assert largest["DIV-ACCRUED-UNPAID=payment-dates-only"] == "53333.33"
    assert largest["DIV-DAYCOUNT=actual-365"] == "730.59"
    assert data["points"][0]["interpretation"] == "CONV-FRACTION-AGGREGATE"
    shown = cli(*asked).stdout
    assert "DIV-DAYCOUNT=actual-365" in shown and "-$730.59" in shown
    assert "No figure changes on 2000-07-01 under: " in shown and "DIV-DAYCOUNT=thirty-360" in shown


def test_impact_needs_a_date_and_no_reading_set(cli: Any) -> None:
    missing = cli("interpretations", "--impact", "--ledger", EXAMPLE, ok=False)
    assert missing.returncode == 2 and "--as-of" in missing.stderr
    under = cli(
        "--reading", "DIV-DAYCOUNT=thirty-360", "interpretations", "--impact", "--as-of", "2001-01-01", ok=False
    )
    assert under.returncode == 2 and "compares every alternative" in under.stderr


def test_a_document_says_what_another_reading_would_change_in_its_figures(cli: Any, tmp_path: Any) -> None:
    """The dividend statement of 2000-12-15 (Microsoft, PIK) relies on DIV-FRACTIONAL-PIK: rounding
    the first PIK issue to 342.22 shares makes the quarter's dividend 40,342.22 x $1,000 x 1.75% =
    $705,988.85 instead of 40,342.2222... x $17.50 = $705,988.89, and the annex says so. Asked under
    that reading, the statement says it was computed under it."""
    asked = ["document", "dividend-statement", "--payment-date", "2000-12-15", "--holder", MICROSOFT]
    out = tmp_path / "d.html"
    cli(*asked, "--ledger", EXAMPLE, "--out", str(out))
    text = out.read_text(encoding="utf-8")
    assert "What another reading would change" in text
    assert "Under DIV-FRACTIONAL-PIK=round-cents" in text
    assert "Dividend for the period $705,988.85 instead of $705,988.89" in text
    cli("--no-alternatives", *asked, "--ledger", EXAMPLE, "--out", str(out))
    assert "What another reading would change" not in out.read_text(encoding="utf-8")
    cli("--reading", "DIV-FRACTIONAL-PIK=round-cents", *asked, "--ledger", EXAMPLE, "--out", str(out))
    assert "Computed under DIV-FRACTIONAL-PIK=round-cents, not prefstack&#39;s reading." in out.read_text(
        encoding="utf-8"
    )


def test_with_proceeds_the_impact_shows_what_each_holder_is_paid_in_a_liquidation() -> None:
    """2000-07-01, $100,000,000: Series G's Liquidation Value is 20,000 x (1,000 + 1,000 x 6% x
    16/360) = $20,053,333.33, and the rest, $79,946,666.67, is shared as converted: G's 555,555 5/9
    shares of Common Stock (20,000 x 1,000 / 36) beside 22,000,000, i.e. 5/203 to G. So:
    - DIV-ACCRUED-UNPAID=payment-dates-only: G's Liquidation Value $20,000,000, the rest
      $80,000,000, of which G takes 80,000,000 x 5/203 = $1,970,443.35; G is paid $21,970,443.35
      instead of 20,053,333.33 + 79,946,666.67 x 5/203 = $22,022,463.05: $52,019.70 less, and the
      Common Stock as much more;
    - LIQ-FULL-PARTICIPATION=titled-only: G takes its Liquidation Value alone: $1,969,129.72 less;
    - LIQ-CENTS=floor: G's exact 1,969,129.7209... and the Common's 77,977,536.9490... are floored,
      and the cent left over stays with the Company: the Common is paid a cent less."""
    found = impact(_books(), dt.date(2000, 7, 1), Liquidation(Fraction(100_000_000)))
    assert found.proceeds is not None and found.proceeds.value == 100_000_000
    points = {(p.interpretation, p.alternative): p for p in found.points}
    common = "holders of Common Stock"
    value = Fraction("20053333.33")
    default_g = value + _cents((100_000_000 - value) * Fraction(5, 203))
    assert default_g == Fraction("22022463.05")
    accrual = points[("DIV-ACCRUED-UNPAID", "payment-dates-only")]
    less = 20_000_000 + _cents(80_000_000 * Fraction(5, 203)) - default_g
    assert less == Fraction("-52019.70")
    assert _change(accrual, "3Com Corporation", "liquidation_payment") == less
    assert _change(accrual, common, "liquidation_payment") == -less
    clauses = {(c.holder, c.figure): c.clause for c in accrual.changes}
    assert clauses[("3Com Corporation", "liquidation_value")] == "G §3(a)"  # each figure names its section
    assert clauses[("3Com Corporation", "liquidation_payment")] == "G §3"
    assert clauses[(common, "liquidation_payment")] == "F §3, G §3"  # no certificate: every certificate's §3
    titled = points[("LIQ-FULL-PARTICIPATION", "titled-only")]
    assert _change(titled, "3Com Corporation", "liquidation_payment") == value - default_g == Fraction("-1969129.72")
    floor = points[("LIQ-CENTS", "floor")]
    exact_common = (100_000_000 - value) * Fraction(198, 203)
    assert math.floor(exact_common * 100) + math.floor((100_000_000 - value) * Fraction(5, 203) * 100) == (
        (100_000_000 - value) * 100 - 1
    )
    assert [(c.holder, c.figure, c.difference.value) for c in floor.changes] == [
        (common, "liquidation_payment", Fraction(-1, 100))
    ]
    # without proceeds no liquidation is computed: nothing consults LIQ-CENTS
    assert "LIQ-CENTS=floor" in impact(_books(), dt.date(2000, 7, 1)).not_consulted


def test_the_command_line_compares_a_liquidation_given_its_proceeds(cli: Any) -> None:
    asked = ["interpretations", "--impact", "--as-of", "2000-07-01", "--ledger", EXAMPLE, "--proceeds", "100000000"]
    data = json.loads(cli(*asked, "--format", "json").stdout)
    assert data["proceeds"] == "100000000.00"
    largest = {f"{p['interpretation']}={p['alternative']}": p["largest_money"] for p in data["points"]}
    assert largest["LIQ-FULL-PARTICIPATION=titled-only"] == "1969129.72"
    assert "liquidation of $100,000,000.00" in cli(*asked).stdout
    alone = cli("interpretations", "--proceeds", "100000000", ok=False)
    assert alone.returncode == 2 and "--proceeds goes with --impact" in alone.stderr


def test_an_alternative_whose_reading_no_figure_consults_changes_nothing() -> None:
    """The impact computes again only the alternatives of interpretations the figures consulted. Check
    the ones it skips by computing them anyway, on dates before and after the example's Common
    Stock issue, split and conversion, with and without a liquidation: none changes a figure."""
    from prefstack.impact import changes_between, figures_of
    from prefstack.interpretations.readings import parse

    books = _books()
    skipped_somewhere = set()
    for day, liquidation in (
        (dt.date(2000, 7, 1), None),
        (dt.date(2002, 9, 30), Liquidation(Fraction(150_000_000))),
        (dt.date(2003, 12, 31), None),
    ):
        found = impact(books, day, liquidation)
        assert found.not_consulted and not set(found.not_consulted) & set(found.unchanged)
        default = figures_of(books, day, liquidation)
        for skipped in found.not_consulted:
            ident, alternative = skipped.split("=")
            other = Books(books.db, books.company, books.ledger, books.known_at, parse({ident: alternative}, "test"))
            assert changes_between(default, figures_of(other, day, liquidation)) == [], skipped
            skipped_somewhere.add(ident)
    assert {"RED-CENTS", "FMV-WINDOW"} <= skipped_somewhere  # no redemption; every issue gives its value


def _small_ledger(tmp_path: Any, *actions: str) -> Books:
    """Series F alone: 40,000 shares issued to Microsoft on 2000-08-02 beside 20,000,000 shares of
    Common Stock, then ``actions`` (events of 2001-01, one per line, as YAML flow mappings)."""
    lines = [
        "format: prefstack-ledger/1",
        "company: CAIS Internet, Inc.",
        "events:",
        "- {kind: common_authorized, date: '2000-06-01', recorded_at: '2000-06-01T17:00:00Z', shares: 200000000}",
        "- {kind: common_outstanding, date: '2000-06-01', recorded_at: '2000-06-01T17:00:00Z', shares: 20000000}",
        "- {kind: preferred_issued, date: '2000-08-02', recorded_at: '2000-08-02T17:00:00Z', series: F,"
        " holder: Microsoft Corporation, shares: '40000', id: f-issue}",
        *(f"- {{{action}}}" for action in actions),
    ]
    ledger = tmp_path / "small.yaml"
    ledger.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return Books("sqlite:///unused.sqlite", ledger=str(ledger))


def _issue(day: int, ident: str, shares: int) -> str:
    """``shares`` of Common Stock issued for nothing on 2001-01-``day`` (Fair Market Value $10)."""
    return (
        f"kind: common_issued, date: '2001-01-{day:02d}', recorded_at: '2001-01-{day:02d}T17:00:00Z', id: {ident},"
        f" shares: '{shares}', purpose: none, cash_consideration: '0', fair_market_value_per_share: '10'"
    )


def _conversion(price: Fraction) -> tuple[int, Fraction]:
    """Microsoft's 40,000 shares at $1,000 converted at ``price`` (F §5(b)): whole shares of Common
    Stock (and as many votes, F §4) and the fraction paid at the price, to the cent."""
    whole = math.floor(40_000 * 1_000 / price)
    return whole, _cents((40_000 * 1_000 / price - whole) * price)


def test_the_impact_of_the_carry_forward_on_a_small_ledger(tmp_path: Any) -> None:
    """10,000 shares of Common Stock for nothing on 2001-01-02: 24 x 20,000,000 / 20,010,000 =
    23.988... -> $23.99, $.01 carried (F §5(d)(iv)); 37,600 more on 2001-01-03: 24 x 20,010,000 /
    20,047,600 = 23.95498... -> $23.95, $.05 + $.01: the price becomes $23.94. Computed from $23.99
    (AD-CARRY-FORWARD=from-reduced-price) it is 23.99 x 20,010,000 / 20,047,600 = 23.94500... ->
    $23.95; with the $.01 dropped (drop-small) the $.05 alone is made: $23.95 too. At $23.94,
    40,000 x 1,000 / 23.94 = 1,670,843.77...: 1,670,843 votes and shares of Common Stock on
    conversion, and .77... x 23.94 = $18.58 for the fraction; at $23.95, 1,670,146 and $3.30:
    697 votes fewer and $15.28 less cash. Nothing carried across a split (no split), no Option,
    no half cent: the other AD alternatives change nothing."""
    books = _small_ledger(tmp_path, _issue(2, "small", 10_000), _issue(3, "later", 37_600))
    found = impact(books, dt.date(2001, 1, 5))
    points = {(p.interpretation, p.alternative): p for p in found.points}
    (votes, cash), (votes_after, cash_after) = _conversion(Fraction("23.94")), _conversion(Fraction("23.95"))
    assert (votes, cash, votes_after, cash_after) == (1_670_843, Fraction("18.58"), 1_670_146, Fraction("3.30"))
    for alternative in ("from-reduced-price", "drop-small"):
        point = points[("AD-CARRY-FORWARD", alternative)]
        assert _change(point, MICROSOFT, "conversion_price") == Fraction("0.01")
        assert _change(point, MICROSOFT, "votes") == votes_after - votes == -697
        assert _change(point, MICROSOFT, "conversion_common_shares") == -697
        assert _change(point, MICROSOFT, "conversion_cash_for_fraction") == cash_after - cash
        assert point.largest_money.value == Fraction("15.28")
    assert {"AD-CARRY-FORWARD=fixed-across-splits", "AD-OUTSTANDING=include-deemed"} <= set(found.unchanged)
    assert "AD-ROUND-CENT=round-reduction" in found.unchanged


def test_the_impact_of_counting_options_as_outstanding_on_a_small_ledger(tmp_path: Any) -> None:
    """An Option for 1,000,000 shares at $30 (FMV $30: no adjustment) on 2001-01-02, then 1,000,000
    shares of Common Stock for nothing on 2001-01-03: 24 x 20,000,000 / 21,000,000 = 22.857... ->
    $22.86; counting the Option's shares as outstanding (AD-OUTSTANDING=include-deemed) 24 x
    21,000,000 / 22,000,000 = 22.909... -> $22.91: 40,000 x 1,000 / 22.86 = 1,749,781.27... votes
    become 40,000 x 1,000 / 22.91 = 1,745,962.46...: 3,819 fewer."""
    option = (
        "kind: option_issued, date: '2001-01-02', recorded_at: '2001-01-02T17:00:00Z', id: grant, security: option,"
        " max_shares: '1000000', consideration_received: '0', min_additional_consideration: '30000000',"
        " purpose: none, fair_market_value_per_share: '30'"
    )
    found = impact(_small_ledger(tmp_path, option, _issue(3, "placement", 1_000_000)), dt.date(2001, 1, 5))
    point = next(p for p in found.points if p.interpretation == "AD-OUTSTANDING")
    assert _change(point, MICROSOFT, "conversion_price") == Fraction("22.91") - Fraction("22.86")
    before, after = _conversion(Fraction("22.86")), _conversion(Fraction("22.91"))
    assert _change(point, MICROSOFT, "votes") == after[0] - before[0] == -3_819
    assert _change(point, MICROSOFT, "conversion_cash_for_fraction") == after[1] - before[1]


def test_the_alternatives_answered_in_two_processes_give_the_same_impact(cli: Any) -> None:
    """Each alternative replays the ledger on its own: answered by two forked processes the impact
    is the same, point by point and figure by figure, as answered one after another."""
    asked = ["interpretations", "--impact", "--as-of", "2003-12-31", "--ledger", EXAMPLE, "--format", "json"]
    one, two = (json.loads(cli(*asked, "--jobs", jobs).stdout) for jobs in ("1", "2"))
    assert one == two and len(one["points"]) > 5
    assert impact(_books(), dt.date(2000, 7, 1), jobs=2) == impact(_books(), dt.date(2000, 7, 1))


def test_an_alternative_that_needs_a_fact_the_ledger_lacks_is_reported_not_fatal(tmp_path: Any) -> None:
    """VOTE-SERIES-MAJORITY=votes-cast needs the holders voting against a consent (holders_against),
    which this ledger's waiver does not record: the impact names the alternative and the refusal and
    answers every other one."""
    consent = (
        "kind: series_consent, date: '2001-01-05', recorded_at: '2001-01-05T17:00:00Z', series: F,"
        " matter: waive_adjustment, holders_consenting: [Microsoft Corporation], reference: later"
    )
    found = impact(_small_ledger(tmp_path, consent, _issue(6, "later", 37_600)), dt.date(2001, 1, 10))
    refused = [r for r in found.refused if r.startswith("VOTE-SERIES-MAJORITY=votes-cast: ")]
    assert len(refused) == 1 and "holders_against" in refused[0]
    assert "VOTE-SERIES-MAJORITY=per-share" in found.unchanged  # Microsoft holds every share either way
    assert any(p.interpretation == "DIV-DAYCOUNT" for p in found.points)
