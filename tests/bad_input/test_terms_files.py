"""One test per validation error of the terms files: each is refused with a message that
names the field, and nothing is loaded."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from prefstack.errors import TermsError
from prefstack.terms.schema import bundled_terms_files, load_terms_file, parse_terms


def bundled(series: str) -> dict[str, Any]:
    data = yaml.safe_load(bundled_terms_files()[series].read_text())
    assert isinstance(data, dict)
    return data


def mutate(fn: Callable[[dict[str, Any]], None], series: str = "F") -> dict[str, Any]:
    data = copy.deepcopy(bundled(series))
    fn(data)
    return data


def set_in(path: str, value: object) -> Callable[[dict[str, Any]], None]:
    def apply(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node = data
        for key in parents:
            node = node[key]
        node[last] = value

    return apply


def delete(path: str) -> Callable[[dict[str, Any]], None]:
    def apply(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node = data
        for key in parents:
            node = node[key]
        del node[last]

    return apply


CASES = {
    "unknown top-level key": (
        set_in("bonus", {"value": "1", "cite": "F §2(a)"}),
        r"bonus\n?.*Extra inputs are not permitted",
    ),
    "unknown key in a term": (set_in("par_value.note", "x"), r"par_value.note.*Extra inputs are not permitted"),
    "number written as a YAML number": (
        set_in("original_issue_price.value", 1000.0),
        r"original_issue_price.value.*quote it",
    ),
    "number that is not a number": (
        set_in("authorized_shares.value", "many"),
        r"authorized_shares.value.*not an exact number",
    ),
    "citation to no section": (set_in("par_value.cite", "F §9(z)"), r"par_value.cite.*does not have"),
    "citation that is not a citation": (set_in("par_value.cite", "somewhere"), r"par_value.cite.*is not a citation"),
    "citation of the other certificate": (set_in("par_value.cite", "G Preamble"), r"par_value: cites 'G Preamble'"),
    "quarterly rate not a quarter of the annual": (
        set_in("dividends.quarterly_rate.value", "0.018"),
        r"quarterly_rate 9/500 is not annual_rate 7/100 / 4",
    ),
    "default form not elected": (
        set_in("dividends.forms.value", ["cash", "common"]),
        r"default_form 'pik' is not among forms",
    ),
    "unknown dividend form": (set_in("dividends.forms.value", ["cash", "gold"]), r"dividends.forms.value.1"),
    "bad payment month": (
        set_in("dividends.payment_months.value", [3, 13]),
        r"payment_months must be distinct months 1-12",
    ),
    "bad payment date": (
        set_in("dividends.first_payment_date.value", "2000-02-30"),
        r"dividends.first_payment_date.value",
    ),
    "missing term": (
        delete("conversion.initial_conversion_price"),
        r"conversion.initial_conversion_price.*Field required",
    ),
    "missing citation": (delete("authorized_shares.cite"), r"authorized_shares.cite.*Field required"),
    "reserve above authorized": (
        set_in("reserved_for_pik_dividends.value", "60000"),
        r"reserved_for_pik_dividends exceeds authorized_shares",
    ),
    "unknown series": (
        set_in("series", "Q"),
        r"series.*'Q' is no certificate prefstack has the sections of \(F, G, H\)",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_terms_are_refused_with_the_field_named(case: str) -> None:
    change, message = CASES[case]
    with pytest.raises(TermsError, match=message):
        parse_terms(mutate(change), "series_f.yaml")


def test_the_bundled_terms_validate() -> None:
    assert parse_terms(bundled("F"), "series_f.yaml").series == "F"
    assert parse_terms(bundled("G"), "series_g.yaml").series == "G"


def test_a_file_that_is_not_yaml(tmp_path: Path) -> None:
    path = tmp_path / "terms.yaml"
    path.write_text("series: F\n  bad: [indent\n")
    with pytest.raises(TermsError, match=r"terms.yaml: not valid YAML"):
        load_terms_file(path)


@pytest.mark.parametrize("term", ["pro_rata_when_short", "later_funds_redeem_the_rest"])
@pytest.mark.parametrize("series", ["F", "G"])
def test_a_redemption_rule_no_clause_implements_is_refused_naming_it(term: str, series: str) -> None:
    """A terms file asking for a feature no clause implements (false: another rule for funds short
    of the Redemption Price) is refused, naming the term."""
    data = mutate(lambda d: d["redemption"][term].update(value=False), series)
    with pytest.raises(TermsError, match=term):
        parse_terms(data, "t")


def test_clause_code_reads_features_not_the_series_letter() -> None:
    """The dividend blockers of G §2(c)-(d) apply to a series whose terms have
    ``blocks_junior_and_parity``, whatever its letter; citations come from the terms' own cites."""
    from fractions import Fraction

    from prefstack.clauses.dividend_blockers import ActionKind, Consideration, ProposedAction, Rank, judge_action
    from prefstack.clauses.dividends import pik_shares, schedule_clause
    from prefstack.clauses.redemption import NoSuchClause

    f = parse_terms(bundled("F"), "F")
    g = parse_terms(bundled("G"), "G")
    action = ProposedAction(ActionKind.DIVIDEND, Rank.JUNIOR, "Common Stock", Consideration.CASH_OR_OTHER_PROPERTY)
    with pytest.raises(NoSuchClause, match="no dividend blockers"):
        judge_action(f, Fraction(100), action)
    assert judge_action(g, Fraction(100), action).value is False  # G in arrears: no junior dividend
    f_with = parse_terms(mutate(set_in("dividends.blocks_junior_and_parity", {"value": True, "cite": "F §2(a)"})), "F")
    assert judge_action(f_with, Fraction(100), action).value is False
    assert pik_shares(f, Fraction(35)).clause == "F §2(b)" and pik_shares(g, Fraction(15)).clause == "G §2(a)"
    assert schedule_clause(f) == "F Sched. 1" and schedule_clause(g) == "G §2(a)"
