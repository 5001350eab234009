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


def _exclusion(index: int, **changes: object) -> Callable[[dict[str, Any]], None]:
    """Change (``None``: remove) keys of ``conversion.exclusions[index]``."""

    def apply(data: dict[str, Any]) -> None:
        entry = data["conversion"]["exclusions"][index]
        for key, value in changes.items():
            if value is None:
                del entry[key]
            else:
                entry[key] = value

    return apply


def _add_exclusion(entry: dict[str, object]) -> Callable[[dict[str, Any]], None]:
    def apply(data: dict[str, Any]) -> None:
        data["conversion"]["exclusions"].append(entry)

    return apply


EXCLUSION_CASES = {
    "unknown role": (_exclusion(7, role="golden_parachute"), r"conversion.exclusions.7.role\n?.*Input should be"),
    "negative cap": (_exclusion(7, cap="-1000000"), r"conversion.exclusions.7.cap\n?.*must be a positive number"),
    "zero cap": (_exclusion(9, cap="0"), r"conversion.exclusions.9.cap\n?.*must be a positive number"),
    "cap written as a YAML number": (_exclusion(7, cap=1000000), r"conversion.exclusions.7.cap.*quote it"),
    "missing cite": (_exclusion(7, cite=None), r"conversion.exclusions.7.cite\n?.*Field required"),
    "cite to no section": (_exclusion(7, cite="F §5(d)(i)(C)(13)"), r"conversion.exclusions.7.cite.*does not have"),
    "cite of the other certificate": (
        _exclusion(7, cite="G §5(d)(i)(C)(8)"),
        r"conversion.exclusions.7.cite: cites 'G §5\(d\)\(i\)\(C\)\(8\)', a section of another certificate",
    ),
    "missing description": (_exclusion(7, description=None), r"conversion.exclusions.7.description\n?.*Field required"),
    "unknown key": (_exclusion(7, colour="red"), r"conversion.exclusions.7.colour\n?.*Extra inputs are not permitted"),
    "unknown fair market value condition": (
        _exclusion(7, fair_market_value_condition="sometimes"),
        r"conversion.exclusions.7.fair_market_value_condition",
    ),
    "cap adjusted without a cap": (
        _exclusion(10, cap_adjusted_for_splits=True),
        r"conversion.exclusions.10\n?.*cap_adjusted_for_splits: exclusion 'acquisition' has no cap",
    ),
    "id 'none'": (_exclusion(10, id="none"), r"conversion.exclusions.10.id\n?.*'none' is the purpose of an issue"),
    "id not an identifier": (_exclusion(10, id="Acquisition!"), r"conversion.exclusions.10.id\n?.*not an exclusion id"),
    "id twice": (_exclusion(10, id="atcom_merger"), r"conversion\n?.*exclusions.11.id: 'atcom_merger' is also"),
    "role twice": (
        _add_exclusion(
            {"id": "more_employees", "cite": "F §5(d)(i)(D)", "description": "x", "role": "existing_options"}
        ),
        r"conversion\n?.*exclusions.14.role: 'existing_options' is also the role of "
        r"'reserved_employee_existing_options'",
    ),
    "no exclusions list": (delete("conversion.exclusions"), r"conversion.exclusions\n?.*Field required"),
}


@pytest.mark.parametrize("case", sorted(EXCLUSION_CASES))
def test_a_malformed_exclusion_is_refused_with_the_field_named(case: str) -> None:
    """A terms file whose ``conversion.exclusions`` (F §5(d)(i)(C)-(D)) has an unknown role, a
    negative cap, no cite, an id twice, ... is refused, naming the exclusion's field."""
    change, message = EXCLUSION_CASES[case]
    with pytest.raises(TermsError, match=message):
        parse_terms(mutate(change), "series_f.yaml")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            delete("redemption.acquisition_excluded_persons"),
            r"redemption.acquisition_excluded_persons\n?.*Field required",
        ),
        (
            set_in("redemption.acquisition_excluded_persons", {"value": ["A. Person"]}),
            r"redemption.acquisition_excluded_persons.cite\n?.*Field required",
        ),
        (
            set_in("redemption.acquisition_excluded_persons", {"value": "A. Person", "cite": "F §6(b)(iii)"}),
            r"redemption.acquisition_excluded_persons.value",
        ),
    ],
    ids=["missing", "no cite", "not a list"],
)
def test_malformed_excluded_persons_are_refused_with_the_field_named(
    change: Callable[[dict[str, Any]], None], message: str
) -> None:
    with pytest.raises(TermsError, match=message):
        parse_terms(mutate(change), "series_f.yaml")
