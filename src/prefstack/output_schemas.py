"""JSON Schemas of what each command prints with ``--format json`` (``prefstack schema output NAME``).

Every figure follows one convention (:mod:`prefstack.figures`): money and prices as decimal strings
with two places, shares of preferred with two, conversion ratios with five, shares of Common Stock
outstanding as a whole-number string, each with an optional ``<name>_exact`` sibling holding the
exact value (a terminating decimal or ``p/q``) where the string was rounded; quantities a clause
makes whole (votes, shares of Common Stock issued) are integers. ``explain`` blocks are for people:
their values are exact strings as :func:`prefstack.explain.render` writes them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

SCHEMA_ID = "https://prefstack.invalid/schema/output"

PATTERNS = {
    "money": r"^-?[0-9]+\.[0-9]{2}$",
    "price": r"^-?[0-9]+\.[0-9]{2}$",
    "shares": r"^-?[0-9]+\.[0-9]{2}$",
    "ratio": r"^-?[0-9]+\.[0-9]{5}$",
    "common": r"^-?[0-9]+$",
    "exact": r"^-?[0-9]+(\.[0-9]+)?$|^-?[0-9]+/[0-9]+$",
}
DATE = {"type": "string", "format": "date", "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}
TEXT = {"type": "string"}
BOOL = {"type": "boolean"}
INT = {"type": "integer"}
CLAUSE = {"type": "string", "pattern": r"^[A-Z] (§|Sched\.)"}
EXPLAIN: dict[str, Any] = {"$ref": "#/$defs/explained"}

Fields = dict[str, Any]


def figures(**kinds: str) -> Fields:
    """Properties for figures ``name=kind``: the rounded string and its optional ``_exact``."""
    out: Fields = {}
    for name, kind in kinds.items():
        out[name] = {"type": "string", "pattern": PATTERNS[kind], "description": f"{kind} (see the figure convention)"}
        out[f"{name}_exact"] = {"type": "string", "pattern": PATTERNS["exact"]}
    return out


def nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


def obj(properties: Fields, *, optional: tuple[str, ...] = ()) -> dict[str, Any]:
    """A closed object: every non-``_exact`` property is required unless named in ``optional``."""
    required = [k for k in properties if not k.endswith("_exact") and k not in optional]
    return {"type": "object", "additionalProperties": False, "required": required, "properties": properties}


def array(items: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": items}


_EXPLAINED: dict[str, Any] = {
    "type": "object",
    "required": ["name", "value", "clause"],
    "properties": {
        "name": TEXT,
        "value": TEXT,
        "clause": TEXT,
        "formula": TEXT,
        "inputs": {"type": "object", "additionalProperties": TEXT},
        "interpretations": array(TEXT),
        "parts": array({"$ref": "#/$defs/explained"}),
    },
    "additionalProperties": False,
}

_HOLDER = obj(
    {
        "name": TEXT,
        "holder": TEXT,
        **figures(
            shares_outstanding="shares",
            accrued_unpaid_dividends="money",
            conversion_price="price",
            conversion_ratio="ratio",
            liquidation_value="money",
        ),
        "unpaid_payment_dates": array(DATE),
        "votes": INT,
        "explain": {"type": "object", "additionalProperties": EXPLAIN},
    },
    optional=("explain",),
)

_SERIES = obj(
    {
        "series": TEXT,
        "designation": TEXT,
        "original_issuance_date": nullable(DATE),
        **figures(
            shares_outstanding="shares",
            shares_ever_issued="shares",
            authorized_shares="shares",
            pik_reserve_remaining="shares",
            conversion_price="price",
        ),
        "conversion_price_clause": CLAUSE,
        "carried_forward": obj(
            {**figures(amount="money", minimum_reduction="money"), "clause": CLAUSE, "explain": array(EXPLAIN)},
            optional=("explain",),
        ),
        "adjustments": INT,
        "adjustment_explanations": array(EXPLAIN),
        "below_par_value": BOOL,
        "holders": array(_HOLDER),
        "mandatory_redemption_events": array({"type": "object"}),
        "consents": array({"type": "object"}),
        "transactions_judged": array(
            obj(
                {
                    "date": DATE,
                    "id": TEXT,
                    "kind": TEXT,
                    "description": TEXT,
                    "mandatory_redemption_event": BOOL,
                    "clause": CLAUSE,
                    "deemed_liquidation": nullable(BOOL),
                    "deemed_liquidation_clause": nullable(CLAUSE),
                    "series_voted_otherwise": BOOL,
                    "facts": {"type": "object", "additionalProperties": TEXT},
                    "why": TEXT,
                    "deemed_liquidation_why": nullable(TEXT),
                    "explain": array(EXPLAIN),
                }
            )
        ),
        "deemed_liquidation": nullable(
            obj(
                {
                    "date": DATE,
                    "id": TEXT,
                    "clause": CLAUSE,
                    "payouts": array(obj({"tier": TEXT, "holder": TEXT, **figures(amount="money"), "clause": CLAUSE})),
                }
            )
        ),
        "redeemed_in_common": array(
            obj(
                {
                    "date": DATE,
                    "holder": TEXT,
                    **figures(shares_redeemed="shares", cash_for_fraction="money"),
                    "common_shares": INT,
                    "clause": CLAUSE,
                }
            )
        ),
    },
    optional=("adjustment_explanations",),
)

STATE = obj(
    {
        "as_of": DATE,
        "events_applied": INT,
        "common_stock": obj(
            {
                "outstanding": nullable({"type": "string", "pattern": PATTERNS["common"]}),
                "outstanding_exact": {"type": "string", "pattern": PATTERNS["exact"]},
                "authorized": nullable(INT),
                "issued_as_dividends": INT,
                "reserve_for_conversion": nullable(
                    obj(
                        {
                            **figures(required="shares", authorized_unissued="shares", shortfall="shares"),
                            "sufficient": BOOL,
                            "clause": CLAUSE,
                            "capital_structure": TEXT,
                            "covers": array(TEXT),
                        },
                        optional=("capital_structure", "covers"),
                    )
                ),
            }
        ),
        "series": array(_SERIES),
    }
)

CONVERT = obj(
    {
        "series": TEXT,
        "holder": TEXT,
        "conversion_date": DATE,
        **figures(
            shares_converted="shares",
            conversion_price="price",
            cash_for_fraction="money",
            accrued_unpaid_dividends="money",
        ),
        "common_shares": INT,
        "dividend_settlement": obj({**figures(cash="money", cash_for_fraction="money"), "common_shares": INT}),
        "clauses": {"type": "object", "additionalProperties": CLAUSE},
        "explain": array(EXPLAIN),
    }
)

WATERFALL = obj(
    {
        "on": DATE,
        "capital_structure": obj(
            {
                "used": TEXT,
                "company": nullable(TEXT),
                "illustrative": array(TEXT),
                "overrides": array(TEXT),
                "choices": array(
                    obj(
                        {
                            "class": TEXT,
                            "choice": TEXT,
                            "chosen": BOOL,
                            **figures(paid_if_chosen="money", paid_if_not_chosen="money"),
                            "clause": CLAUSE,
                            "explain": EXPLAIN,
                        }
                    )
                ),
                **figures(exercise_cash="money"),
            }
        ),
        **figures(proceeds="money", total_distributed="money", total_paid="money"),
        "non_cash": array(obj({"description": TEXT, **figures(value="money"), "clause": CLAUSE, "method": TEXT})),
        "payouts": array(
            obj(
                {
                    "tier": TEXT,
                    "rank": nullable(INT),
                    "security": TEXT,
                    "holder": TEXT,
                    **figures(amount="money"),
                    "exact_entitlement": {"type": "string", "pattern": PATTERNS["exact"]},
                    "clause": CLAUSE,
                    "illustrative": BOOL,
                    "note": TEXT,
                    "explain": EXPLAIN,
                }
            )
        ),
        "by_item": array(
            obj(
                {
                    "item": TEXT,
                    **figures(value="money", paid_in_cents="money"),
                    "clause": CLAUSE,
                    "payouts": array(obj({"security": TEXT, "holder": TEXT, **figures(amount="money")})),
                }
            )
        ),
        "class_holders": array(
            obj(
                {
                    "security": TEXT,
                    "holder": TEXT,
                    **figures(amount="money"),
                    "exact_entitlement": {"type": "string", "pattern": PATTERNS["exact"]},
                    "clause": CLAUSE,
                    "illustrative": BOOL,
                    "explain": EXPLAIN,
                }
            )
        ),
    },
    optional=("by_item", "class_holders"),
)

REDEMPTION = obj(
    {
        "series": TEXT,
        "redemption_date": DATE,
        **figures(funds="money", total_paid="money", unused_funds="money"),
        "shortfall": BOOL,
        "redeemable_on_demand": BOOL,
        "holders": array(
            obj(
                {
                    "holder": TEXT,
                    **figures(
                        price_per_share="price", shares_redeemed="shares", cash_paid="money", shares_remaining="shares"
                    ),
                    "clause": CLAUSE,
                    "explain": array(EXPLAIN),
                }
            )
        ),
    }
)

REDEMPTION_IN_COMMON = obj(
    {
        "series": TEXT,
        "redemption_date": DATE,
        "in_common": {"const": True},
        **figures(fair_market_value="price"),
        "fair_market_value_clause": CLAUSE,
        "holders": array(
            obj(
                {
                    "holder": TEXT,
                    **figures(shares_redeemed="shares", redemption_price="money", cash_for_fraction="money"),
                    "common_shares": INT,
                    "clause": CLAUSE,
                    "explain": array(EXPLAIN),
                }
            )
        ),
    }
)

VOTES = obj(
    {
        "as_of": DATE,
        "capital_structure": TEXT,
        "classes": array(
            obj(
                {
                    "class": TEXT,
                    "votes": INT,
                    "clause": {"anyOf": [CLAUSE, {"const": "capital structure"}]},
                    "illustrative": BOOL,
                    "note": TEXT,
                    "explain": EXPLAIN,
                }
            )
        ),
        "series": array(
            obj(
                {
                    "series": TEXT,
                    **figures(conversion_price="price"),
                    "voting_power": INT,
                    "voting_power_clause": CLAUSE,
                    "holders": array(obj({"series": TEXT, "holder": TEXT, "votes": INT, "clause": CLAUSE})),
                }
            )
        ),
        "common_stock_votes": nullable({"type": "string", "pattern": PATTERNS["common"]}),
        "common_stock_votes_exact": {"type": "string", "pattern": PATTERNS["exact"]},
    }
)

SCHEDULE = array(
    obj(
        {
            "date": DATE,
            **figures(
                incremental_shares="shares", total_shares="shares", conversion_ratio="ratio", equivalent_common="shares"
            ),
        }
    )
)

CERTIFICATES = array(
    obj(
        {
            "series": TEXT,
            "date": DATE,
            "clause": CLAUSE,
            "facts": {"type": "object", "additionalProperties": TEXT},
            **figures(
                conversion_price_before="price",
                conversion_price_after="price",
                common_shares_per_preferred_share="ratio",
            ),
            "other_property_per_share": array(obj({"property": TEXT, **figures(amount="money")})),
        }
    )
)

CALENDAR = array(
    obj(
        {
            "date": DATE,
            "party": TEXT,
            "what": TEXT,
            "clause": CLAUSE,
            "status": {"enum": ["met", "missed", "pending", "passed", "upcoming", "not made, default applies"]},
            "evidence": TEXT,
        }
    )
)

_DIVIDEND = obj(
    {
        "series": TEXT,
        "holder": TEXT,
        "status": {"enum": ["paid", "unpaid"]},
        **figures(dividend="money"),
        "form": nullable(obj({"cash": {"type": "string"}, "pik": {"type": "string"}, "common": {"type": "string"}})),
        "form_reason": TEXT,
        "form_summary": TEXT,
        "clause": CLAUSE,
        "pik_shares": nullable({"type": "string", "pattern": PATTERNS["shares"]}),
        "pik_shares_exact": {"type": "string", "pattern": PATTERNS["exact"]},
        "cash": nullable({"type": "string", "pattern": PATTERNS["money"]}),
        "cash_exact": {"type": "string", "pattern": PATTERNS["exact"]},
        "common_shares": nullable(INT),
        "cash_for_fraction": nullable({"type": "string", "pattern": PATTERNS["money"]}),
        "cash_for_fraction_exact": {"type": "string", "pattern": PATTERNS["exact"]},
        "common_price": nullable({"type": "string", "pattern": PATTERNS["price"]}),
        "common_price_exact": {"type": "string", "pattern": PATTERNS["exact"]},
        "common_price_window": nullable(
            obj({"first_trading_day": DATE, "last_trading_day": DATE, "trading_days": INT, "clause": CLAUSE})
        ),
        "explain": array(EXPLAIN),
    }
)

DIVIDENDS = obj(
    {
        "payment_date": DATE,
        "series": array(
            obj(
                {
                    "series": TEXT,
                    "outcome": {"enum": ["paid", "not_legally_available", "not recorded", "not yet due"]},
                    "holders": array(_DIVIDEND),
                }
            )
        ),
    }
)

TRANSACTION = obj(
    {
        "on": DATE,
        "kind": TEXT,
        "series": array(
            obj(
                {
                    "series": TEXT,
                    "mandatory_redemption_event": BOOL,
                    "clause": CLAUSE,
                    "deemed_liquidation": nullable(BOOL),
                    "deemed_liquidation_clause": nullable(CLAUSE),
                    "payouts": array(obj({"tier": TEXT, "holder": TEXT, **figures(amount="money")})),
                    "facts": {"type": "object", "additionalProperties": TEXT},
                    "why": TEXT,
                    "deemed_liquidation_why": nullable(TEXT),
                    "explain": array(EXPLAIN),
                }
            )
        ),
        "not_judged": array(obj({"series": TEXT, "why": TEXT})),
    }
)

LEDGER_LOG = obj(
    {
        "company": nullable(TEXT),
        "events": array(
            obj(
                {
                    "seq": {"type": "integer", "minimum": 1},
                    "recorded_at": {"type": "string", "format": "date-time"},
                    "recorded_by": {"type": "string", "minLength": 1, "maxLength": 200},
                    "kind": TEXT,
                    "effective_date": DATE,
                    "id": nullable(TEXT),
                    "clause": {"type": "string", "pattern": r"^([A-Z] (§|Sched\.)|ledger format$|stock register$)"},
                    "voided": BOOL,
                    "voided_by": nullable({"type": "integer", "minimum": 2}),
                    "status": TEXT,
                }
            )
        ),
    }
)

INTERPRETATIONS = array(
    obj(
        {
            "id": {"type": "string", "pattern": r"^[A-Z0-9]+(-[A-Z0-9]+)*$"},
            "clauses": {"type": "array", "minItems": 1, "items": CLAUSE},
            "question": TEXT,
            "reading": TEXT,
            "alternatives": array(TEXT),
            "selectable": array({"type": "string", "pattern": r"^[a-z0-9][a-z0-9-]*$"}),
            "why": TEXT,
        }
    )
)

_CLAUSES = {"type": "array", "minItems": 1, "items": CLAUSE}
_LINE = {"type": "integer", "minimum": 1}
_INTERPRETATION_ID = {"type": "string", "pattern": r"^[A-Z0-9]+(-[A-Z0-9]+)*$"}

WHERE = obj(
    {
        "citation": CLAUSE,
        "certificate": TEXT,
        "sections": _CLAUSES,
        "code": array(
            obj(
                {
                    "function": TEXT,
                    "sections": _CLAUSES,
                    "relation": {"enum": ["section", "sub-section", "enclosing section"]},
                    "file": TEXT,
                    "line": _LINE,
                }
            )
        ),
        "interpretations": array(obj({"id": _INTERPRETATION_ID, "sections": _CLAUSES, "question": TEXT})),
        "tests": nullable(array(obj({"sections": _CLAUSES, "test": TEXT, "file": TEXT, "line": _LINE}))),
        "tests_folder": nullable(TEXT),
        "note": nullable(TEXT),
    }
)

_IMPACT_FIGURE = {"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]{2})?$"}
"""A compared figure of ``--impact``: to the cent (money, prices and shares) or whole (votes)."""

IMPACT = obj(
    {
        "as_of": DATE,
        "points": array(
            obj(
                {
                    "interpretation": _INTERPRETATION_ID,
                    "alternative": {"type": "string", "pattern": r"^[a-z0-9][a-z0-9-]*$"},
                    "clauses": _CLAUSES,
                    "text": TEXT,
                    **figures(largest_money="money", largest_shares="shares"),
                    "changes": array(
                        obj(
                            {
                                "series": TEXT,
                                "holder": TEXT,
                                "figure": {
                                    "enum": [
                                        "shares_outstanding",
                                        "accrued_unpaid_dividends",
                                        "conversion_price",
                                        "liquidation_value",
                                        "votes",
                                        "conversion_common_shares",
                                        "conversion_cash_for_fraction",
                                        "conversion_dividend_cash",
                                        "liquidation_payment",
                                    ]
                                },
                                "kind": {"enum": ["money", "shares", "price", "count"]},
                                "default": _IMPACT_FIGURE,
                                "default_exact": {"type": "string", "pattern": PATTERNS["exact"]},
                                "alternative": _IMPACT_FIGURE,
                                "alternative_exact": {"type": "string", "pattern": PATTERNS["exact"]},
                                "difference": _IMPACT_FIGURE,
                                "difference_exact": {"type": "string", "pattern": PATTERNS["exact"]},
                                "clause": TEXT,
                            }
                        )
                    ),
                }
            )
        ),
        "unchanged": array({"type": "string", "pattern": r"^[A-Z0-9]+(-[A-Z0-9]+)*=[a-z0-9][a-z0-9-]*$"}),
        "not_consulted": array({"type": "string", "pattern": r"^[A-Z0-9]+(-[A-Z0-9]+)*=[a-z0-9][a-z0-9-]*$"}),
        "refused": array({"type": "string", "pattern": r"^[A-Z0-9]+(-[A-Z0-9]+)*=[a-z0-9][a-z0-9-]*: .+$"}),
        **figures(proceeds="money"),
    },
    optional=("proceeds",),
)

BREAKPOINTS = obj(
    {
        "on": DATE,
        "capital_structure": TEXT,
        **figures(largest_exit_value="money"),
        "breakpoints": array(obj({**figures(exit_value="money"), "reason": TEXT, "clause": CLAUSE})),
        "stretches": array(obj({**figures(**{"from": "money"}), "converted_or_exercised": array(TEXT)})),
    }
)

NUMBER = {"type": "number"}
"""A model's estimate (fair value): a JSON number, not a clause figure (docs/valuation.md)."""
_MC_ONLY = ("standard_error", "ci95", "paths", "seed", "engine", "converted_share")
_SHARE_MODEL = ("dividend_form", "conversion_value_per_share", "redemption_amount_per_share")
"""What the models of one share (mc, lattice) give, and the option-pricing model does not."""

OPM = obj(
    {
        "on": DATE,
        "method": {"const": "opm"},
        "capital_structure": TEXT,
        "equity_value": NUMBER,
        "equity_value_source": {"enum": ["user", "backsolve"]},
        "backsolved_from": nullable(obj({"class": TEXT, "value": NUMBER})),
        "volatility": NUMBER,
        "rate": NUMBER,
        "term_years": NUMBER,
        "waterfall_on": DATE,
        "model_decisions": array(_INTERPRETATION_ID),
        "classes": array(obj({"class": TEXT, "value": NUMBER})),
        "breakpoints": array({"type": "string", "pattern": PATTERNS["exact"]}),
    }
)


def _none_of(keys: Sequence[str]) -> dict[str, Any]:
    return {"not": {"anyOf": [{"required": [key]} for key in keys]}}


VALUE: dict[str, Any] = {
    **obj(
        {
            "series": TEXT,
            "on": DATE,
            "method": {"enum": ["mc", "lattice", "opm"]},
            "dividend_form": {"type": "string", "pattern": r"^(pik|cash|cash=(0|1|0?\.[0-9]+|[0-9]+/[0-9]+))$"},
            "model_decisions": array(_INTERPRETATION_ID),
            "value_per_share": NUMBER,
            "standard_error": NUMBER,
            "ci95": {"type": "array", "items": NUMBER, "minItems": 2, "maxItems": 2},
            "paths": INT,
            "seed": INT,
            "engine": {"enum": ["local", "dask", "gpu"]},
            "converted_share": NUMBER,
            "steps": INT,
            **figures(shares_outstanding="shares"),
            "value_of_class": NUMBER,
            **figures(conversion_value_per_share="money", redemption_amount_per_share="money"),
            "greeks": obj(
                {
                    "delta": NUMBER,
                    "gamma": nullable(NUMBER),
                    "gamma_standard_error": nullable(NUMBER),
                    "gamma_by": {"enum": ["bumping", "likelihood ratio", None]},
                    "vega": NUMBER,
                    "spot_bump_log": NUMBER,
                    "volatility_bump": NUMBER,
                }
            ),
            "opm": OPM,
            "inputs": array(
                obj(
                    {
                        "name": TEXT,
                        "value": TEXT,
                        "source": {"enum": ["ledger", "terms", "user", "estimate"]},
                        "basis": TEXT,
                    }
                )
            ),
        },
        optional=(*_MC_ONLY, "steps", "greeks", *_SHARE_MODEL, "opm"),
    ),
    # Monte Carlo gives its error, paths, seed and engine; the lattice its steps; each of them the
    # share's dividend form, conversion value and redemption amount; the option-pricing model its
    # whole model (every class) and none of the others'
    "allOf": [
        {
            "if": {"properties": {"method": {"const": "mc"}}},
            "then": {
                "required": [*_MC_ONLY, *_SHARE_MODEL],
                **_none_of(["steps", "opm"]),
                "properties": {"greeks": {"properties": {"gamma_by": {"enum": ["likelihood ratio", None]}}}},
            },
        },
        {
            "if": {"properties": {"method": {"const": "lattice"}}},
            "then": {
                "required": ["steps", *_SHARE_MODEL],
                **_none_of([*_MC_ONLY, "opm"]),
                "properties": {"greeks": {"properties": {"gamma_by": {"const": "bumping"}}}},
            },
        },
        {
            "if": {"properties": {"method": {"const": "opm"}}},
            "then": {
                "required": ["opm"],
                **_none_of([*_MC_ONLY, "steps", "greeks", *_SHARE_MODEL, *(f"{k}_exact" for k in _SHARE_MODEL[1:])]),
            },
        },
    ],
}

OUTPUTS: dict[str, dict[str, Any]] = {
    "dividends": DIVIDENDS,
    "state": STATE,
    "convert": CONVERT,
    "waterfall": WATERFALL,
    "redemption": {"anyOf": [REDEMPTION, REDEMPTION_IN_COMMON]},
    "votes": VOTES,
    "schedule": SCHEDULE,
    "certificate-adjustment": CERTIFICATES,
    "calendar": CALENDAR,
    "transaction": TRANSACTION,
    "ledger-log": LEDGER_LOG,
    "interpretations": INTERPRETATIONS,
    "impact": IMPACT,
    "where": WHERE,
    "breakpoints": BREAKPOINTS,
    "value": VALUE,
    "opm": OPM,
}
"""The commands whose JSON output has a schema, by name."""


def output_schema(name: str) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of ``prefstack NAME --format json``."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"{SCHEMA_ID}/{name}.json",
        "title": f"prefstack {name} --format json",
        "description": __doc__,
        **OUTPUTS[name],
        "$defs": {"explained": _EXPLAINED},
    }
