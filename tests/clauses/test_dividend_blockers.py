"""Series G dividend blockers: G §2(c) and G §2(d)."""

from __future__ import annotations

from fractions import Fraction

import pytest

from prefstack.clauses.dividend_blockers import (
    ActionKind,
    Consideration,
    ProposedAction,
    Rank,
    judge_action,
    ratable_parity_dividends,
)
from prefstack.clauses.redemption import NoSuchClause
from prefstack.errors import InputError
from prefstack.terms import load_terms

G_TERMS = load_terms("G")
F_TERMS = load_terms("F")
ARREARS = Fraction("15000.00")
CASH = Consideration.CASH_OR_OTHER_PROPERTY
JUNIOR_ONLY = Consideration.SOLELY_JUNIOR_SECURITIES
CONVERSION = Consideration.CONVERSION_INTO_JUNIOR_SECURITIES


def allowed(kind: ActionKind, rank: Rank, consideration: Consideration, arrears: Fraction = ARREARS) -> bool:
    security = "Series F Preferred Stock" if rank is Rank.PARITY else "Common Stock"
    result = judge_action(G_TERMS, arrears, ProposedAction(kind, rank, security, consideration))
    assert isinstance(result.value, bool)
    return result.value


@pytest.mark.clause("G §2(c)", "G §2(d)")
def test_no_arrears_nothing_blocked_g_2c_g_2d() -> None:
    """G §2(c), (d): with full cumulative dividends paid, a cash dividend on Series F and a
    buy-back of Common Stock are allowed."""
    assert allowed(ActionKind.DIVIDEND, Rank.PARITY, CASH, Fraction(0)) is True
    assert allowed(ActionKind.PURCHASE_OR_REDEMPTION, Rank.JUNIOR, CASH, Fraction(0)) is True


@pytest.mark.clause("G §2(c)(i)", "G §2(c)(ii)", "G §2(c)(iii)", "G §2(c)(iv)")
@pytest.mark.parametrize("kind", list(ActionKind))
def test_parity_actions_for_value_blocked_g_2c(kind: ActionKind) -> None:
    """G §2(c)(i)-(iv): with Series G in arrears, no dividend, other distribution,
    purchase or sinking-fund payment on Parity Securities for cash or property."""
    result = judge_action(G_TERMS, ARREARS, ProposedAction(kind, Rank.PARITY, "Series F Preferred Stock", CASH))
    assert result.value is False
    assert result.clause == f"G §2(c)({kind.value})"


@pytest.mark.clause("G §2(d)(i)", "G §2(d)(ii)", "G §2(d)(iii)", "G §2(d)(iv)")
@pytest.mark.parametrize("kind", list(ActionKind))
def test_junior_actions_for_value_blocked_g_2d(kind: ActionKind) -> None:
    """G §2(d)(i)-(iv): likewise for Junior Securities."""
    result = judge_action(G_TERMS, ARREARS, ProposedAction(kind, Rank.JUNIOR, "Common Stock", CASH))
    assert result.value is False
    assert result.clause == f"G §2(d)({kind.value})"


@pytest.mark.clause("G §2(c)(iii)")
def test_parity_retired_by_conversion_or_exchange_allowed_g_2c_iii() -> None:
    """G §2(c)(iii) "(except by conversion into or an exchange for shares of Junior Securities)"."""
    assert allowed(ActionKind.PURCHASE_OR_REDEMPTION, Rank.PARITY, CONVERSION) is True
    assert allowed(ActionKind.PURCHASE_OR_REDEMPTION, Rank.PARITY, JUNIOR_ONLY) is True


@pytest.mark.clause("G §2(c)(i)")
def test_parity_dividend_in_junior_securities_still_blocked_g_2c_i() -> None:
    """G §2(c)(i) has no exception for dividends in Junior Securities
    (DB-PARITY-NO-JUNIOR-DIVIDEND-EXCEPTION)."""
    result = judge_action(
        G_TERMS, ARREARS, ProposedAction(ActionKind.DIVIDEND, Rank.PARITY, "Series F Preferred Stock", JUNIOR_ONLY)
    )
    assert result.value is False
    assert "DB-PARITY-NO-JUNIOR-DIVIDEND-EXCEPTION" in result.interpretations


@pytest.mark.clause("G §2(d)(i)")
def test_junior_dividend_solely_in_junior_securities_allowed_g_2d_i() -> None:
    """G §2(d)(i) "(other than a dividend payable solely in shares of any Junior Securities)"."""
    assert allowed(ActionKind.DIVIDEND, Rank.JUNIOR, JUNIOR_ONLY) is True


@pytest.mark.clause("G §2(d)(iii)")
def test_junior_exchange_for_other_junior_allowed_g_2d_iii() -> None:
    """G §2(d)(iii) "(excluding an exchange for shares of other Junior Securities)"; a
    conversion into them counts as such an exchange (DB-JUNIOR-CONVERSION)."""
    assert allowed(ActionKind.PURCHASE_OR_REDEMPTION, Rank.JUNIOR, JUNIOR_ONLY) is True
    assert allowed(ActionKind.PURCHASE_OR_REDEMPTION, Rank.JUNIOR, CONVERSION) is True


@pytest.mark.clause("G §2(d)(ii)")
def test_distribution_of_junior_securities_on_junior_blocked_g_2d_ii() -> None:
    """G §2(d)(ii) has no exception: other distributions on Junior Securities are blocked."""
    assert allowed(ActionKind.OTHER_DISTRIBUTION, Rank.JUNIOR, JUNIOR_ONLY) is False


@pytest.mark.clause("G §2(d)")
def test_conversion_is_not_a_dividend_g_2d() -> None:
    """G §2(d): a conversion retires a security; it cannot be the form of a dividend."""
    with pytest.raises(InputError, match="conversion"):
        allowed(ActionKind.DIVIDEND, Rank.JUNIOR, CONVERSION)


def test_series_f_has_no_blockers_f_2() -> None:
    """F §2 has no clauses like G §2(c)-(d)."""
    with pytest.raises(NoSuchClause, match="F §2"):
        judge_action(F_TERMS, ARREARS, ProposedAction(ActionKind.DIVIDEND, Rank.JUNIOR, "Common Stock", CASH))


@pytest.mark.clause("G §2(c)")
def test_ratable_parity_dividends_g_2c() -> None:
    """G §2(c), last sentence: accrued and unpaid G 300, Series F 100, Series H 200 (total
    600); 240 declared: G 240 x 300/600 = 120, F 40, H 80."""
    split = ratable_parity_dividends(
        G_TERMS, Fraction(300), {"Series F": Fraction(100), "Series H": Fraction(200)}, Fraction(240)
    )
    assert {k: v.value for k, v in split.items()} == {"Series G": 120, "Series F": 40, "Series H": 80}
    assert all(v.clause == "G §2(c)" for v in split.values())


@pytest.mark.clause("G §2(c)")
def test_ratable_rule_only_when_not_paid_in_full_g_2c() -> None:
    """G §2(c): declaring more than all accrued and unpaid (400) is not a ratable case."""
    with pytest.raises(InputError, match="amount_declared"):
        ratable_parity_dividends(G_TERMS, Fraction(300), {"Series F": Fraction(100)}, Fraction(401))


@pytest.mark.clause("G §2(c)(iii)", "G §2(d)(i)")
def test_citations_come_from_the_series_own_certificate_g_2c_g_2d() -> None:
    """G §2(c)(iii), §2(d)(i): the clause and the reason cite the sections of the certificate of the
    series whose terms are judged, built from its id; a series given ``blocks_junior_and_parity`` by
    its terms alone, whose certificate has no §2(c)(i)-(iv) (Series F with the term citing F §2(a)),
    is cited by that term's own citation, never by a "G" written in."""
    redeem_parity = ProposedAction(ActionKind.PURCHASE_OR_REDEMPTION, Rank.PARITY, "Series F", JUNIOR_ONLY)
    g = judge_action(G_TERMS, ARREARS, redeem_parity)
    assert g.clause == "G §2(c)(iii)" and str(g.inputs["because"]).startswith("G §2(c)(iii) excepts")
    assert "Series G arrears" in g.inputs
    blockers = G_TERMS.dividends.blocks_junior_and_parity
    assert blockers is not None
    f_with = F_TERMS.model_copy(
        update={
            "dividends": F_TERMS.dividends.model_copy(
                update={"blocks_junior_and_parity": blockers.model_copy(update={"cite": "F §2(a)"})}
            )
        }
    )
    dividend = ProposedAction(ActionKind.DIVIDEND, Rank.JUNIOR, "Common Stock", CASH)
    f = judge_action(f_with, ARREARS, dividend)
    assert f.value is False and f.clause == "F §2(a)"
    assert str(f.inputs["because"]).startswith("F §2(a): no dividend on Junior Securities")
    assert "Series F arrears" in f.inputs and not any("G §" in str(v) for v in f.inputs.values())
