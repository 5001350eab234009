"""Series G dividend blockers: G §2(c) (Parity Securities) and G §2(d) (Junior Securities).

While full cumulative dividends on Series G for all past dividends are not paid or set
apart, the Company may not pay dividends or make other distributions on Parity or Junior
Securities, buy or redeem them, or fund a sinking fund for them, with the exceptions the
clauses name; and dividends declared on Parity Securities are declared ratably with Series
G. Series F has no such clauses (F §2(a) only ranks its dividends before Junior
Securities); asking for them with Series F terms raises
:class:`~prefstack.clauses.redemption.NoSuchClause`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from fractions import Fraction

from prefstack.citations import for_series
from prefstack.clause_registry import implements
from prefstack.clauses.redemption import NoSuchClause
from prefstack.errors import CitationError, InputError
from prefstack.explain import Explained
from prefstack.interpretations import reading
from prefstack.interpretations.readings import chosen
from prefstack.numeric import exact
from prefstack.terms import SeriesTerms

__all__ = ["ActionKind", "Consideration", "ProposedAction", "Rank", "judge_action", "ratable_parity_dividends"]


class Rank(Enum):
    """The securities an action is taken on, ranked against Series G (G §1(b))."""

    PARITY = "Parity Securities"
    JUNIOR = "Junior Securities"


class ActionKind(Enum):
    """The actions of G §2(c)(i)-(iv) and G §2(d)(i)-(iv), by their roman numeral."""

    DIVIDEND = "i"
    OTHER_DISTRIBUTION = "ii"
    PURCHASE_OR_REDEMPTION = "iii"
    SINKING_FUND = "iv"


class Consideration(Enum):
    """What holders of the Parity or Junior Securities receive."""

    CASH_OR_OTHER_PROPERTY = "cash or other property (anything but Junior Securities alone)"
    SOLELY_JUNIOR_SECURITIES = "solely Junior Securities (a dividend in them, or an exchange for them)"
    CONVERSION_INTO_JUNIOR_SECURITIES = "conversion into Junior Securities"


@dataclass(frozen=True)
class ProposedAction:
    """An action the Company (or a Subsidiary) proposes on a Parity or Junior Security."""

    kind: ActionKind
    rank: Rank
    security: str
    consideration: Consideration


def _require_blockers(terms: SeriesTerms) -> None:
    """Refuse a series whose certificate has no dividend blockers (no ``blocks_junior_and_parity`` term)."""
    if terms.dividends.blocks_junior_and_parity is None:
        raise NoSuchClause(
            terms.series,
            terms.dividends.annual_rate.cite,
            f"the certificate of Series {terms.series} has no dividend blockers on Parity and Junior "
            "Securities (its terms have no blocks_junior_and_parity)",
        )


def _cite(terms: SeriesTerms, section: str) -> str:
    """``section`` (``"§2(c)(i)"``) in the certificate of the series of ``terms``; where that
    certificate has no such section (a series given the feature by its terms alone), the
    ``blocks_junior_and_parity`` term's own citation."""
    blockers = terms.dividends.blocks_junior_and_parity
    assert blockers is not None  # _require_blockers
    try:
        return for_series(terms.series, section)
    except CitationError:
        return blockers.cite


@implements("G §2(c)", "G §2(d)")
def judge_action(terms: SeriesTerms, g_arrears: Fraction, action: ProposedAction) -> Explained:
    """Whether ``action`` is allowed while the Series G arrears are ``g_arrears``
    (G §2(c), G §2(d); DB-ARREARS). The value is True when allowed."""
    _require_blockers(terms)
    series = terms.series
    if not isinstance(action.kind, ActionKind) or not isinstance(action.rank, Rank):
        raise InputError("action", _cite(terms, "§2(c)"), f"not an action of {series} §2(c) or (d): {action!r}")
    if not isinstance(action.consideration, Consideration):
        raise InputError(
            "action.consideration", _cite(terms, "§2(c)"), f"unknown consideration {action.consideration!r}"
        )
    paragraph = "§2(c)" if action.rank is Rank.PARITY else "§2(d)"
    clause = _cite(terms, f"{paragraph}({action.kind.value})")
    arrears = exact(g_arrears, field="g_arrears", clause=clause)
    if arrears < 0:
        raise InputError("g_arrears", clause, f"must not be negative, got {arrears}")
    conversion = action.consideration is Consideration.CONVERSION_INTO_JUNIOR_SECURITIES
    if conversion and action.kind is not ActionKind.PURCHASE_OR_REDEMPTION:
        raise InputError(
            "action.consideration", clause, "a conversion retires a security: it is a purchase or redemption"
        )
    readings = [reading("DB-ARREARS")]
    if arrears == 0:
        allowed, why = True, f"full cumulative dividends on Series {series} are paid or set apart"
    else:
        excepted, why, extra = _exception(terms, action)
        allowed = excepted
        readings += extra
    return Explained(
        name=f"{action.kind.name.lower().replace('_', ' ')} on {action.security} ({action.rank.value}) allowed",
        value=allowed,
        clause=clause,
        inputs={
            f"Series {series} arrears": arrears,
            "action": action.kind.name.lower().replace("_", " "),
            "consideration": action.consideration.value,
            "because": why,
        },
        formula="allowed if no Series G arrears, or if the clause's exception applies",
        interpretations=readings,
    )


@implements(
    "G §2(c)(i)",
    "G §2(c)(ii)",
    "G §2(c)(iii)",
    "G §2(c)(iv)",
    "G §2(d)(i)",
    "G §2(d)(ii)",
    "G §2(d)(iii)",
    "G §2(d)(iv)",
)
def _exception(terms: SeriesTerms, action: ProposedAction) -> tuple[bool, str, list[str]]:
    """Whether the clause excepts the action despite arrears, why, and the readings used."""

    def at(section: str) -> str:
        return _cite(terms, section)

    junior_only = action.consideration is Consideration.SOLELY_JUNIOR_SECURITIES
    conversion = action.consideration is Consideration.CONVERSION_INTO_JUNIOR_SECURITIES
    if action.rank is Rank.PARITY:
        if action.kind is ActionKind.PURCHASE_OR_REDEMPTION:
            if junior_only or conversion:
                return True, f"{at('§2(c)(iii)')} excepts conversion into or exchange for Junior Securities", []
            return False, f"{at('§2(c)(iii)')}: no acquisition of Parity Securities for value while in arrears", []
        if action.kind is ActionKind.DIVIDEND:
            match chosen("DB-PARITY-NO-JUNIOR-DIVIDEND-EXCEPTION"):
                case "default":
                    pass
                case "by-analogy" if junior_only:
                    return (
                        True,
                        f"{at('§2(d)(i)')}'s exception of a dividend payable solely in Junior Securities, extended "
                        f"to Parity Securities by analogy (DB-PARITY-NO-JUNIOR-DIVIDEND-EXCEPTION=by-analogy)",
                        [reading("DB-PARITY-NO-JUNIOR-DIVIDEND-EXCEPTION")],
                    )
                case "by-analogy":
                    pass
                case other:
                    raise AssertionError(
                        f"DB-PARITY-NO-JUNIOR-DIVIDEND-EXCEPTION alternative {other!r} is registered but not computed"
                    )
            return (
                False,
                f"{at('§2(c)(i)')}: no dividend on Parity Securities while in arrears, in any form",
                [reading("DB-PARITY-NO-JUNIOR-DIVIDEND-EXCEPTION")],
            )
        if action.kind is ActionKind.OTHER_DISTRIBUTION:
            return False, f"{at('§2(c)(ii)')}: no other distribution on Parity Securities while in arrears", []
        if action.kind is ActionKind.SINKING_FUND:
            return False, f"{at('§2(c)(iv)')}: no sinking fund payment for Parity Securities while in arrears", []
    if action.rank is Rank.JUNIOR:
        if action.kind is ActionKind.DIVIDEND:
            if junior_only:
                return True, f"{at('§2(d)(i)')} excepts a dividend payable solely in Junior Securities", []
            return False, f"{at('§2(d)(i)')}: no dividend on Junior Securities while in arrears", []
        if action.kind is ActionKind.PURCHASE_OR_REDEMPTION:
            if junior_only:
                return True, f"{at('§2(d)(iii)')} excepts an exchange for other Junior Securities", []
            if conversion:
                match chosen("DB-JUNIOR-CONVERSION"):
                    case "default":
                        return (
                            True,
                            f"{at('§2(d)(iii)')}: a conversion into other Junior Securities is an exchange for them",
                            [reading("DB-JUNIOR-CONVERSION")],
                        )
                    case "exchange-only":
                        return (
                            False,
                            f"{at('§2(d)(iii)')} excepts only an exchange, not a conversion "
                            "(DB-JUNIOR-CONVERSION=exchange-only)",
                            [reading("DB-JUNIOR-CONVERSION")],
                        )
                    case other:
                        raise AssertionError(
                            f"DB-JUNIOR-CONVERSION alternative {other!r} is registered but not computed"
                        )
            return False, f"{at('§2(d)(iii)')}: no acquisition of Junior Securities for value while in arrears", []
        if action.kind is ActionKind.OTHER_DISTRIBUTION:
            return False, f"{at('§2(d)(ii)')}: no other distribution on Junior Securities while in arrears", []
        if action.kind is ActionKind.SINKING_FUND:
            return False, f"{at('§2(d)(iv)')}: no sinking fund payment for Junior Securities while in arrears", []
    raise InputError("action", at("§2(c)"), f"no rule of {terms.series} §2(c) or (d) for {action!r}")


@implements("G §2(c)")
def ratable_parity_dividends(
    terms: SeriesTerms,
    g_accrued_unpaid: Fraction,
    parity_accrued_unpaid: Mapping[str, Fraction],
    amount_declared: Fraction,
    current_period: Mapping[str, Fraction] | None = None,
) -> dict[str, Explained]:
    """Split dividends declared on Series G and Parity Securities, while not paid in full,
    in proportion to each one's accrued and unpaid dividends (G §2(c), last sentence;
    DB-RATABLE). Keys: ``"Series <series>"`` (the series of ``terms``, the one with the blockers)
    and the names of the Parity Securities. Under DB-RATABLE=current-period the split is in
    proportion to ``current_period``, each one's full dividend of the current period (same keys);
    the declaration is still limited to the accrued and unpaid dividends of all."""
    _require_blockers(terms)
    blockers = terms.dividends.blocks_junior_and_parity
    assert blockers is not None  # _require_g
    clause = blockers.cite
    amounts: dict[str, Fraction] = {
        f"Series {terms.series}": exact(g_accrued_unpaid, field="g_accrued_unpaid", clause=clause)
    }
    for name, value in parity_accrued_unpaid.items():
        if name in amounts:
            raise InputError("parity_accrued_unpaid", clause, f"{name!r} is listed twice")
        amounts[name] = exact(value, field=f"parity_accrued_unpaid[{name}]", clause=clause)
    if any(v < 0 for v in amounts.values()):
        raise InputError("parity_accrued_unpaid", clause, "accrued and unpaid dividends must not be negative")
    declared = exact(amount_declared, field="amount_declared", clause=clause)
    total = sum(amounts.values(), Fraction(0))
    if declared < 0:
        raise InputError("amount_declared", clause, f"must not be negative, got {declared}")
    if declared > total:
        raise InputError(
            "amount_declared",
            clause,
            f"{declared} exceeds the {total} accrued and unpaid: the ratable rule applies when dividends "
            "are not paid in full",
        )
    if total == 0:
        raise InputError("parity_accrued_unpaid", clause, "nothing is accrued and unpaid: nothing to share")
    match chosen("DB-RATABLE"):
        case "default":
            weights, weighed, formula = amounts, total, "declared x accrued and unpaid / all accrued and unpaid"
        case "current-period":
            if current_period is None or set(current_period) != set(amounts):
                raise InputError(
                    "current_period", clause, f"give the current period's full dividend of each of {sorted(amounts)}"
                )
            weights = {
                name: exact(v, field=f"current_period[{name}]", clause=clause) for name, v in current_period.items()
            }
            weighed = sum(weights.values(), Fraction(0))
            if any(v < 0 for v in weights.values()) or weighed == 0:
                raise InputError("current_period", clause, "the current period's dividends must be positive")
            formula = "declared x dividend of the current period / all dividends of the current period (DB-RATABLE)"
        case other:
            raise AssertionError(f"DB-RATABLE alternative {other!r} is registered but not computed")
    return {
        name: Explained(
            name=f"dividend declared on {name}",
            value=declared * weights[name] / weighed,
            clause=clause,
            inputs={
                "accrued and unpaid": amount,
                "all accrued and unpaid": total,
                "declared": declared,
                **({} if weights is amounts else {"current period": weights[name], "all current period": weighed}),
            },
            formula=formula,
            interpretations=[reading("DB-RATABLE")],
        )
        for name, amount in amounts.items()
    }
