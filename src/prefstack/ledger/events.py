"""The events of the ledger, named after the certificates.

Each event is a frozen pydantic model with a ``kind``, an effective ``date`` and the facts
the certificates need; numbers are written as strings and parsed exactly, unknown fields
are refused. :data:`KIND_ORDER` fixes the order of events of different kinds on the same
date, so that replay never depends on the order events were recorded in.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections.abc import Callable, Mapping
from fractions import Fraction
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from prefstack.citations import for_series
from prefstack.clauses.dividends import arrears_in_shares_clause
from prefstack.errors import InputError, PrefstackError
from prefstack.explain import display
from prefstack.interpretations import reading
from prefstack.terms.schema import (
    NO_EXCLUSION,
    Date,
    Exact,
    SeriesTerms,
    exclusion_ids,
    format_rule,
    load_terms,
    series_names,
)
from prefstack.text_policy import checked_text

MAX_NAME_LENGTH = 200
"""The longest holder or person name accepted (a longer one is refused, not cut)."""


def _name(value: object) -> str:
    """A holder's (or person's or company's) name: the text policy, at most 200 characters."""
    return checked_text(value, what="a name", limit=MAX_NAME_LENGTH)


Name = Annotated[
    str, BeforeValidator(format_rule(_name)), WithJsonSchema({"type": "string", "minLength": 1, "maxLength": 200})
]

MAX_TEXT_LENGTH = 2000
"""The longest free text accepted (a reason, a note)."""


def _text(value: object) -> str:
    """Free text such as a void's reason: the text policy, at most 2,000 characters."""
    return checked_text(value, what="", limit=MAX_TEXT_LENGTH)


Text = Annotated[
    str, BeforeValidator(format_rule(_text)), WithJsonSchema({"type": "string", "minLength": 1, "maxLength": 2000})
]

MAX_WHOLE_SHARES = 10**15
"""The largest whole share count accepted (a quadrillion shares)."""


def _whole_shares(value: object) -> int:
    """A whole number of shares, written as a string of digits ("200000000", as every number in
    a ledger) or, as older files did, a bare integer."""
    if isinstance(value, bool):
        raise ValueError(f"a whole number of shares, not {value!r}")
    if isinstance(value, str):
        if not value.isascii() or not value.isdigit() or len(value) > 16:
            raise ValueError(f'a whole number of shares written with digits only, such as "200000000", not {value!r}')
        value = int(value)
    if not isinstance(value, int):
        raise ValueError(f"a whole number of shares, not {value!r}")
    if not 0 <= value <= MAX_WHOLE_SHARES:
        raise ValueError(f"a whole number of shares from 0 to {MAX_WHOLE_SHARES:,}, not {value:,}")
    return value


WholeShares = Annotated[
    int,
    BeforeValidator(format_rule(_whole_shares)),
    PlainSerializer(str, return_type=str, when_used="json"),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": "^[0-9]{1,16}$"},
                {"type": "integer", "minimum": 0, "maximum": MAX_WHOLE_SHARES},
            ],
            "description": 'A whole number of shares, written as a string of digits ("200000000").',
        }
    ),
]

MAX_ADDRESS_LINES = 6
"""The most lines an address may have (a longer one is refused, not cut)."""


def _address_line(value: object) -> str:
    """One line of a postal address: the rules of a name, since it is printed on notices and terminals."""
    return checked_text(value, what="an address line", limit=MAX_NAME_LENGTH)


AddressLine = Annotated[
    str,
    BeforeValidator(format_rule(_address_line)),
    WithJsonSchema({"type": "string", "minLength": 1, "maxLength": 200}),
]
Address = Annotated[list[AddressLine], Field(min_length=1, max_length=MAX_ADDRESS_LINES)]


def _series_id(value: object) -> str:
    if not isinstance(value, str) or value not in series_names():
        raise ValueError(f"{value!r} is no series prefstack has terms for ({', '.join(series_names())})")
    return value


Series = Annotated[
    str, BeforeValidator(format_rule(_series_id)), WithJsonSchema({"type": "string", "enum": series_names()})
]
"""A series id of the registry (:func:`prefstack.terms.schema.series_names`), not a type."""
DividendForm = Literal["cash", "pik", "common"]


class _Event(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)

    date: Date
    """Effective date of the event."""
    id: str | None = Field(default=None, description="An optional reference, unique in the ledger (for void).")
    note: str | None = Field(default=None, description="Free text for people; never read by a clause.")

    def payload(self) -> dict[str, Any]:
        """The event as JSON data without ``kind`` and ``date`` (how the store keeps it)."""
        return payload_of(self.model_dump(mode="json"))


def payload_of(data: dict[str, Any]) -> dict[str, Any]:
    """The store's payload of an event's JSON data (``model_dump(mode="json")``): without ``kind``
    and ``date``, and without fields that are none, at every level."""
    return {k: _without_none(v) for k, v in data.items() if k not in ("kind", "date") and v is not None}


def _without_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_none(v) for v in value]
    return value


def _positive(value: Fraction, field: str, clause: str) -> Fraction:
    if value <= 0:
        raise ValueError(f"{field} must be positive")
    return value


# ----------------------------------------------------------------- preferred stock


class PreferredIssued(_Event):
    """Shares of a series issued to a holder (F §1(a), G §1(a)); the first fixes the
    Original Issuance Date (F §1(b))."""

    kind: Literal["preferred_issued"] = "preferred_issued"
    series: Series
    holder: Name
    shares: Exact

    @field_validator("shares")
    @classmethod
    def _shares(cls, v: Fraction) -> Fraction:
        return _positive(v, "shares", "F §1(a)")


class DividendElection(_Event):
    """A holder's notice of the form of a quarterly dividend (F §2(b), given under F §2(e)).

    ``date`` is the day the Company received the notice; ``payment_date`` the Payment Date it
    is for. Portions are exact and add up to one.
    """

    kind: Literal["dividend_election"] = "dividend_election"
    series: Series
    holder: Name
    payment_date: Date
    cash: Exact = Fraction(0)
    pik: Exact = Fraction(0)
    common: Exact = Fraction(0)


class WireAccountNotice(_Event):
    """The account for cash dividends, given by written notice (F §2(e))."""

    kind: Literal["wire_account_notice"] = "wire_account_notice"
    series: Series
    holder: Name
    payment_date: Date


class DividendPayment(_Event):
    """The outcome of a Payment Date for a series (F §2(a), G §2(a), (b)).

    ``paid``: each holder is paid in the form elected (or the default form, F §2(d)).
    ``not_legally_available``: nothing is paid; the dividend accrues unpaid (G §2(b)).
    ``date`` is the Payment Date. ``paid_on``, optional, is the day a dividend paid late was actually
    paid (on or after the Payment Date; absent: paid on the Payment Date); the payment is still
    recorded on its Payment Date, and only DIV-F-COMMON-PRICE-WINDOW=paid-late reads it.
    """

    kind: Literal["dividend_payment"] = "dividend_payment"
    series: Series
    outcome: Literal["paid", "not_legally_available"]
    paid_on: Date | None = Field(
        default=None,
        description="The day the dividend was actually paid, when later than the Payment Date (date); read by "
        "DIV-F-COMMON-PRICE-WINDOW=paid-late, which ends the Common Stock's price window before it (F §2(b))",
    )

    @field_validator("paid_on")
    @classmethod
    def _paid_on(cls, v: dt.date | None, info: ValidationInfo) -> dt.date | None:
        if v is None:
            return v
        if info.data.get("outcome") != "paid":
            raise ValueError("paid_on is the day a paid dividend was paid: this outcome pays nothing")
        day = info.data.get("date")
        if isinstance(day, dt.date) and v < day:
            raise ValueError(f"paid_on {v} is before the Payment Date {day}: a dividend is paid on it or later")
        return v


class ArrearsPaid(_Event):
    """Accrued and unpaid dividends declared and paid in additional shares of the series
    (F §2(d): "when declared, be in the form of PIK Preferred Shares"; G §2(a))."""

    kind: Literal["arrears_paid"] = "arrears_paid"
    series: Series


class RatableDividends(_Event):
    """Dividends declared and paid on ``date`` on Series G and the Parity Securities together while
    Series G's are not paid in full: ``amount_declared`` in all, shared in proportion to each one's
    accrued and unpaid dividends (G §2(c), DB-RATABLE), each paid in its series' shares (F §2(d),
    G §2(a)) and applied to its holders' arrears."""

    kind: Literal["ratable_dividends"] = "ratable_dividends"
    amount_declared: Exact

    @field_validator("amount_declared")
    @classmethod
    def _amount(cls, v: Fraction) -> Fraction:
        return _positive(v, "amount_declared", "G §2(c)")


class Transfer(_Event):
    """Shares of a series transferred on the stock register from one holder to another on ``date``.
    Accrued and unpaid dividends go with the shares (TRANSFER-ACCRUED); each holder's dividend
    elections stay its own (TRANSFER-ELECTION)."""

    kind: Literal["transfer"] = "transfer"
    series: Series
    from_holder: Name
    to_holder: Name
    shares: Exact

    @field_validator("shares")
    @classmethod
    def _shares(cls, v: Fraction) -> Fraction:
        return _positive(v, "shares", "stock register")

    @model_validator(mode="after")
    def _two_holders(self) -> Transfer:
        if self.from_holder == self.to_holder:
            raise ValueError("from_holder and to_holder are the same holder")
        return self


class Conversion(_Event):
    """A holder converts shares (F/G §5(a)); ``date`` is the Conversion Date (§5(c)(i))."""

    kind: Literal["conversion"] = "conversion"
    series: Series
    holder: Name
    shares: Exact
    funds_legally_available: Exact | None = Field(
        default=None, description="Cash legally available for the accrued dividends (§5(c)(iii)); none = all"
    )
    conditioned_on_offering_closing: Date | None = Field(
        default=None, description="§5(c)(v): the underwritten offering's closing date, when conditioned on it"
    )
    certificates: list[Exact] | None = Field(
        default=None,
        description="the preferred shares on each certificate surrendered (§5(c)(i)), adding up to shares "
        "(read by CONV-FRACTION-AGGREGATE=per-certificate)",
    )

    @field_validator("shares")
    @classmethod
    def _shares(cls, v: Fraction) -> Fraction:
        return _positive(v, "shares", "F §5(a)")

    @field_validator("certificates")
    @classmethod
    def _certificates(cls, v: list[Fraction] | None, info: ValidationInfo) -> list[Fraction] | None:
        if v is None:
            return v
        if not v:
            raise ValueError("list the shares on each certificate surrendered, or leave certificates out")
        if any(count <= 0 for count in v):
            raise ValueError("each certificate surrendered holds a positive number of shares")
        shares = info.data.get("shares")
        total = sum(v, Fraction(0))
        if shares is not None and total != shares:
            raise ValueError(
                f"the certificates surrendered hold {display(total)} shares, not the {display(shares)} converted "
                "(the shares converted are those of the certificates surrendered, §5(b), §5(c)(i))"
            )
        return v


# ----------------------------------------------------------------- common stock and market


class ClosingPrice(_Event):
    """The closing price of the Common Stock on the Nasdaq Stock Market on ``date``."""

    kind: Literal["closing_price"] = "closing_price"
    price: Exact

    @field_validator("price")
    @classmethod
    def _price(cls, v: Fraction) -> Fraction:
        return _positive(v, "price", "F §2(b)")


class RegistrationStatement(_Event):
    """Whether all Common Stock issued as Series F dividends is covered by an effective
    resale registration statement, from ``date`` on (F §2(c))."""

    kind: Literal["registration_statement"] = "registration_statement"
    effective: bool


class CommonOutstanding(_Event):
    """The number of shares of Common Stock outstanding, as stated by the Company on ``date``
    (an opening balance; later issues and conversions are added by their own events)."""

    kind: Literal["common_outstanding"] = "common_outstanding"
    shares: WholeShares


class CommonAuthorized(_Event):
    """Shares of Common Stock authorized by the Certificate of Incorporation (for the
    §5(c)(ii) reserve check)."""

    kind: Literal["common_authorized"] = "common_authorized"
    shares: WholeShares


class SeriesConsent(_Event):
    """A vote or written consent of the holders of a series (F §5(d)(ii) waivers, §5(d)(i)(D)
    additional Reserved Employee Shares, §6(b) votes on Mandatory Redemption Events)."""

    kind: Literal["series_consent"] = "series_consent"
    series: Series
    matter: Literal["waive_adjustment", "reserved_employee_shares", "waive_redemption_event", "fair_market_value"]
    holders_consenting: list[Name]
    reference: str | None = Field(default=None, description="what it covers: an issuance id, an event id")
    shares: int | None = Field(default=None, description="for reserved_employee_shares: the additional shares")
    holders_against: list[Name] | None = Field(
        default=None, description="the holders who voted against (read by VOTE-SERIES-MAJORITY=votes-cast)"
    )
    issue_kind: Literal["common_stock", "option", "convertible_security"] | None = Field(
        default=None,
        description="for waive_adjustment: a kind of issue the notice also waives, every later issue of it (read "
        "only under AD-WAIVER=of-a-kind; prefstack's reading covers the issue named in reference and refuses a "
        "notice naming a kind without one)",
    )

    @model_validator(mode="after")
    def _kind_of_a_waiver(self) -> SeriesConsent:
        if self.issue_kind is not None and self.matter != "waive_adjustment":
            raise ValueError("issue_kind names the issues a waiver of adjustment (F §5(d)(ii)) covers")
        return self

    @field_validator("holders_against")
    @classmethod
    def _not_both_ways(cls, v: list[str] | None, info: ValidationInfo) -> list[str] | None:
        both = sorted(set(v or ()) & set(info.data.get("holders_consenting") or ()))
        if both:
            raise ValueError(f"{', '.join(both)} both consenting and against")
        return v


# ----------------------------------------------------------------- section 5 corporate actions


def purpose_ids() -> list[str]:
    """The purposes an issue may name: every exclusion id the registry's terms files declare
    (``conversion.exclusions``), then ``none`` (no exclusion: Additional Shares of Common Stock)."""
    return [*exclusion_ids(), NO_EXCLUSION]


def _purpose_id(value: object) -> str:
    if not isinstance(value, str) or value not in purpose_ids():
        raise ValueError(
            f"{value!r} is no exclusion of §5(d)(i)(C)-(D) that the terms of a series declare "
            f"({', '.join(purpose_ids())})"
        )
    return value


@dataclasses.dataclass(frozen=True)
class _PurposeJsonSchema:
    """The JSON Schema of a purpose: the ids known when the schema is asked for (the terms files
    are read then, not at import)."""

    def __get_pydantic_json_schema__(self, core_schema: Any, handler: Any) -> dict[str, Any]:
        return {"type": "string", "enum": purpose_ids()}


Purpose = Annotated[str, BeforeValidator(format_rule(_purpose_id)), _PurposeJsonSchema()]
"""Why Common Stock (or an Option) is issued: the id of an exclusion of F/G §5(d)(i)(C)(1)-(12) or
of the Reserved Employee Shares of §5(d)(i)(D)(i)/(ii) that the registry's terms declare, or
``none`` (Additional Shares of Common Stock). A string, not a type: at replay, an id the terms of
a series do not declare is refused by that series' §5(d)(i)(C)."""


class CommonIssued(_Event):
    """Shares of Common Stock issued, with their consideration and purpose (F/G §5(d)(i)(C),
    §5(d)(iv), §5(d)(v)(A)). ``fair_market_value_per_share`` is the Board's figure; when it is
    absent, prefstack computes F §3(c)(i)(A)'s 30-day average from the closing prices."""

    kind: Literal["common_issued"] = "common_issued"
    shares: Exact
    purpose: Purpose
    cash_consideration: Exact
    property_consideration: Exact = Fraction(0)
    accrued_interest_or_dividends_in_cash: Exact = Fraction(0)
    allocated_portion: Exact | None = None
    fair_market_value_per_share: Exact | None = None

    @field_validator("shares")
    @classmethod
    def _shares(cls, v: Fraction) -> Fraction:
        return _positive(v, "shares", "F §5(d)(v)(A)")

    @field_validator("cash_consideration", "property_consideration", "accrued_interest_or_dividends_in_cash")
    @classmethod
    def _not_negative(cls, v: Fraction) -> Fraction:
        if v < 0:
            raise ValueError("must not be negative")
        return v


class OptionIssued(_Event):
    """Options, Rights to Acquire Common Stock or Convertible Securities issued (F/G §5(d)(iii),
    §5(d)(v)(B)); ``id`` is required so that exercise, expiry and changes can name them."""

    kind: Literal["option_issued"] = "option_issued"
    security: Literal["option", "convertible_security"]
    max_shares: Exact
    consideration_received: Exact
    min_additional_consideration: Exact
    purpose: Purpose
    fair_market_value_per_share: Exact | None = None

    @field_validator("max_shares")
    @classmethod
    def _max_shares(cls, v: Fraction) -> Fraction:
        return _positive(v, "max_shares", "F §5(d)(iii)")

    @field_validator("consideration_received", "min_additional_consideration")
    @classmethod
    def _not_negative(cls, v: Fraction) -> Fraction:
        if v < 0:
            raise ValueError("must not be negative")
        return v

    @model_validator(mode="after")
    def _id_required(self) -> OptionIssued:
        if not self.id:
            raise ValueError("an option_issued event needs an id, which exercise, expiry and change events name")
        return self


class OptionExercised(_Event):
    """Exercise or conversion of ``shares`` of the Options named ``option`` (§5(d)(iii)(A))."""

    kind: Literal["option_exercised"] = "option_exercised"
    option: str
    shares: Exact
    fair_market_value_per_share: Exact | None = Field(
        default=None,
        description="Fair Market Value of a share of Common Stock on the date of exercise (read only under "
        "AD-95-PERCENT-CONDITION=exercise-date; none: from the closing prices)",
    )

    @field_validator("shares")
    @classmethod
    def _shares(cls, v: Fraction) -> Fraction:
        return _positive(v, "shares", "F §5(d)(iii)(A)")

    @field_validator("fair_market_value_per_share")
    @classmethod
    def _exercise_fmv(cls, v: Fraction | None) -> Fraction | None:
        return None if v is None else _positive(v, "fair_market_value_per_share", "F §5(d)(i)(C)(8)")


class OptionExpired(_Event):
    """Expiry of unexercised Options named ``option``: ``shares`` of them, or all (§5(d)(iii)(B))."""

    kind: Literal["option_expired"] = "option_expired"
    option: str
    shares: Exact | None = None


class OptionChanged(_Event):
    """A change in the shares issuable under Options named ``option`` (§5(d)(iii)(C))."""

    kind: Literal["option_changed"] = "option_changed"
    option: str
    new_max_shares: Exact
    new_min_additional_consideration: Exact
    fair_market_value_per_share: Exact | None = Field(
        default=None,
        description="Fair Market Value of a share of Common Stock on the date of the change (read only under "
        "AD-COUNT-CHANGE-BASIS=from-change-date; none: from the closing prices)",
    )

    @field_validator("fair_market_value_per_share")
    @classmethod
    def _change_fmv(cls, v: Fraction | None) -> Fraction | None:
        return None if v is None else _positive(v, "fair_market_value_per_share", "F §5(d)(iii)(C)")


class StockSplit(_Event):
    """A subdivision of the outstanding Common Stock (§5(e)), effective at close of business."""

    kind: Literal["stock_split"] = "stock_split"
    new_shares_per_old_share: Exact

    @field_validator("new_shares_per_old_share")
    @classmethod
    def _ratio(cls, v: Fraction) -> Fraction:
        if v <= 1:
            raise ValueError("a subdivision gives more than one new share per old share")
        return v


class StockCombination(_Event):
    """A combination of the outstanding Common Stock (§5(e)), effective at close of business."""

    kind: Literal["stock_combination"] = "stock_combination"
    old_shares_per_new_share: Exact

    @field_validator("old_shares_per_new_share")
    @classmethod
    def _ratio(cls, v: Fraction) -> Fraction:
        if v <= 1:
            raise ValueError("a combination joins more than one old share into one new share")
        return v


class StockDividend(_Event):
    """A dividend on Common Stock payable in ``shares`` shares of Common Stock in all (§5(f))."""

    kind: Literal["stock_dividend"] = "stock_dividend"
    shares: Exact

    @field_validator("shares")
    @classmethod
    def _shares(cls, v: Fraction) -> Fraction:
        return _positive(v, "shares", "F §5(f)")


class OtherDistribution(_Event):
    """A distribution on Common Stock payable in other securities of the Company (§5(g))."""

    kind: Literal["other_distribution"] = "other_distribution"
    securities: str
    amount_per_common_share: Exact


class ReclassifiedInto(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)
    description: str
    amount: Exact


class Reclassification(_Event):
    """The Common Stock changed into other stock, securities or property (§5(h)). When the change is
    part of a merger or sale, ``transaction`` names that ``merger_or_sale`` event: prefstack then
    judges from its facts whether a series' certificate deems it a liquidation (G §3(d)), which
    G §5(h) excepts ("Except as provided in Section 3")."""

    kind: Literal["reclassification"] = "reclassification"
    description: str
    per_common_share: list[ReclassifiedInto]
    transaction: str | None = Field(
        default=None,
        description="The id of the merger_or_sale event this change of the Common Stock is part of "
        "(G §3(d), G §5(h)); the same effective date",
    )


# ----------------------------------------------------------------- redemption and liquidation


class MergerOrSale(_Event):
    """A merger or consolidation of the Company, or a sale (lease, transfer or other disposition) of
    its assets or of the stock of its Subsidiaries, effective on ``date`` (F/G §6(b)(i)-(ii),
    G §3(d), G §5(k)(iv)). prefstack judges from these facts whether it is a Mandatory Redemption
    Event of each series and a deemed liquidation of Series G; with ``agreement_only`` the
    Company has only agreed to it (§6(b)(vi))."""

    kind: Literal["merger_or_sale"] = "merger_or_sale"
    transaction: Literal["merger", "consolidation", "asset_sale", "subsidiary_stock_sale"]
    description: str
    prior_stockholders_voting_share: Exact = Field(
        description="The share (0 to 1) of the voting securities of the surviving, resulting or acquiring entity "
        "held right after by the Company's stockholders of right before (Rule 13d-3)"
    )
    all_or_substantially_all: bool | None = Field(
        default=None,
        description="For a sale (required there, absent for a merger): whether it is of all or substantially all "
        "of the assets (or of the Subsidiaries' stock)",
    )
    agreement_only: bool = Field(
        default=False, description="Only an agreement to do it was executed or entered into (§6(b)(vi))"
    )
    consideration: Exact | None = Field(
        default=None,
        description="Cash available for distribution to the stockholders; needed when it is a deemed "
        "liquidation of Series G (G §3(d))",
    )
    non_cash: list[NonCashItem] = Field(default_factory=list)
    senior: list[SeniorClaim] = Field(default_factory=list)
    prior_stockholders_voting_power: Exact | None = Field(
        default=None,
        description="The share (0 to 1) of the voting power of the surviving or resulting entity held right "
        "after by the Company's stockholders of right before; needed only under "
        "LIQ-G-DEEMED-THRESHOLD=voting-power (G §3(d))",
    )

    @field_validator("prior_stockholders_voting_share")
    @classmethod
    def _share(cls, v: Fraction) -> Fraction:
        if not 0 <= v <= 1:
            raise ValueError("must be a share between 0 and 1")
        return v

    @field_validator("prior_stockholders_voting_power")
    @classmethod
    def _power(cls, v: Fraction | None) -> Fraction | None:
        if v is not None and not 0 <= v <= 1:
            raise ValueError("must be a share between 0 and 1")
        return v

    @model_validator(mode="after")
    def _sale_scope(self) -> MergerOrSale:
        is_sale = self.transaction in ("asset_sale", "subsidiary_stock_sale")
        if is_sale and self.all_or_substantially_all is None:
            raise ValueError("a sale needs all_or_substantially_all (true or false)")
        if not is_sale and self.all_or_substantially_all is not None:
            raise ValueError("all_or_substantially_all is for a sale, not a merger or consolidation")
        return self


class ControlAcquisition(_Event):
    """A person or group acquires beneficial ownership of voting stock (F/G §6(b)(iii)): the names of
    the person or of every member of the group and their combined voting power right after."""

    kind: Literal["control_acquisition"] = "control_acquisition"
    acquirers: list[Name] = Field(min_length=1)
    voting_power_after: Exact
    description: str
    agreement_only: bool = Field(default=False, description="Only an agreement to do it (§6(b)(vi))")

    @field_validator("voting_power_after")
    @classmethod
    def _share(cls, v: Fraction) -> Fraction:
        if not 0 <= v <= 1:
            raise ValueError("must be a share between 0 and 1")
        return v


class BoardTurnover(_Event):
    """The Board at the end of a period of three consecutive calendar years (F/G §6(b)(iv)): its size
    and how many of its members are continuing directors (in office at the period's start, on the
    Board on the Original Issuance Date, or elected or nominated with their approval)."""

    kind: Literal["board_turnover"] = "board_turnover"
    period_start_year: int = Field(ge=1900, le=2199)
    board_size: int = Field(ge=1)
    continuing_directors: int = Field(ge=0)
    description: str
    agreement_only: bool = Field(default=False, description="Only an agreement to do it (§6(b)(vi))")
    directors_from_period_start: int | None = Field(
        default=None,
        ge=0,
        description="of the continuing directors, those in office at the period's start "
        "(read by RED-BOARD-CONTINUING=period-start-only)",
    )

    @field_validator("period_start_year")
    @classmethod
    def _within_the_period(cls, v: int, info: ValidationInfo) -> int:
        day = info.data.get("date")
        if isinstance(day, dt.date) and not v <= day.year <= v + 2:
            raise ValueError(
                f"the board's composition on {day} is outside the period {v}-{v + 2} of three consecutive "
                "calendar years it is judged for"
            )
        return v

    @field_validator("continuing_directors")
    @classmethod
    def _at_most_the_board(cls, v: int, info: ValidationInfo) -> int:
        size = info.data.get("board_size")
        if isinstance(size, int) and v > size:
            raise ValueError(f"{v} continuing directors on a board of {size}")
        return v

    @field_validator("directors_from_period_start")
    @classmethod
    def _at_most_the_continuing(cls, v: int | None, info: ValidationInfo) -> int | None:
        continuing = info.data.get("continuing_directors")
        if v is not None and isinstance(continuing, int) and v > continuing:
            raise ValueError(f"{v} directors from the period's start exceed the {continuing} continuing directors")
        return v


class InsolvencyEvent(_Event):
    """An insolvency event of F/G §6(b)(v)(A)-(E) on ``date``; for (C), a receiver or trustee, whether
    the Company consented and when (if ever) the appointment was vacated or stayed."""

    kind: Literal["insolvency"] = "insolvency"
    insolvency: Literal["A", "B", "C", "D", "E"]
    description: str
    appointed_with_consent: bool | None = None
    vacated_or_stayed_on: Date | None = None
    agreement_only: bool = Field(default=False, description="Only an agreement to do it (§6(b)(vi))")

    @field_validator("appointed_with_consent", "vacated_or_stayed_on")
    @classmethod
    def _receiver_facts(cls, v: object, info: ValidationInfo) -> object:
        if v is not None and info.data.get("insolvency") != "C":
            raise ValueError(f"{info.field_name} is a fact of a receiver or trustee (C)")
        day = info.data.get("date")
        if isinstance(v, dt.date) and isinstance(day, dt.date) and v < day:
            raise ValueError(f"vacated or stayed on {v}, before the appointment on {day}")
        return v


class RedemptionNotice(_Event):
    """The Redemption Notice sent on ``date`` for the Redemption Date ``redemption_date``
    (F §6(e), G §6(d)): at least 20 and not more than 60 days before it."""

    kind: Literal["redemption_notice"] = "redemption_notice"
    series: Series
    redemption_date: Date


class Redemption(_Event):
    """A redemption of the series on ``date`` (the Redemption Date, or a later date when funds
    become legally available after a shortfall) with ``funds`` legally available for it
    (F §6(a), (c), (h), (i); G §6(a), (c), (g), (h))."""

    kind: Literal["redemption"] = "redemption"
    series: Series
    funds: Exact
    in_common: bool = Field(
        default=False,
        description=(
            "F §6(d): the Company pays the Redemption Price in Common Stock at its Fair Market Value; "
            "funds are then the cash for the fractions of a share"
        ),
    )
    parity_redemption_price: Exact | None = Field(
        default=None,
        description="the Redemption Price due on Parity Securities redeemed at the same time, sharing funds "
        "(read by RED-SENIOR-PARITY-FUNDS=ratable-with-parity)",
    )

    @field_validator("parity_redemption_price")
    @classmethod
    def _parity_due(cls, v: Fraction | None) -> Fraction | None:
        if v is not None and v < 0:
            raise ValueError("parity_redemption_price must not be negative")
        return v


class SeniorClaim(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)
    name: str
    preference_amount: Exact
    participates: bool = False
    as_converted_common: Exact = Fraction(0)


class NonCashItem(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)
    description: str
    value: Exact
    clause: str = Field(description="The §3(c) clause under which the value was determined, e.g. 'F §3(c)(i)(A)'")

    @field_validator("clause")
    @classmethod
    def _valuation_clause(cls, v: str) -> str:
        from prefstack.clauses.liquidation import valuation_method

        try:
            valuation_method(v)
        except PrefstackError as exc:
            raise ValueError(str(exc)) from exc
        return v


class Liquidation(_Event):
    """The liquidation, dissolution or winding up of the Company paid on ``date`` (the date fixed
    for the payment, F/G §3, §5(a)) with ``proceeds`` in cash; the Senior Securities' claims are
    inputs, since their certificates are not part of these."""

    kind: Literal["liquidation"] = "liquidation"
    proceeds: Exact
    non_cash: list[NonCashItem] = Field(default_factory=list)
    senior: list[SeniorClaim] = Field(default_factory=list)


class NoticeSent(_Event):
    """A notice the Company sent to the holders of a series on ``date``: of a record date
    (F/G §5(k)(A)), of an effective date (§5(k)(B)) or a certificate of adjustment (§5(j)).
    ``reference`` names what it is about: the id of the event, or for a certificate the date of
    the adjustment (YYYY-MM-DD)."""

    kind: Literal["notice_sent"] = "notice_sent"
    series: Series
    notice: Literal["record_date", "effective_date", "certificate_of_adjustment"]
    reference: str


class RedemptionDeposit(_Event):
    """The Redemption Price deposited on ``date`` with a bank or trust company, in trust for the
    Redemption Date ``redemption_date`` (F §6(f), G §6(e))."""

    kind: Literal["redemption_deposit"] = "redemption_deposit"
    series: Series
    redemption_date: Date
    amount: Exact
    depositary: str
    depositary_capital_and_surplus: Exact


# ----------------------------------------------------------------- the Company's records for notices


class CompanyDetails(_Event):
    """The Company's name and principal office, and the officer who signs its notices, from
    ``date`` on; a later one replaces it. The certificates have notices given by "the Company"
    and filed "at its principal office" (F/G §5(k)) but name no officer for them
    (interpretation NOTICE-SIGNATORY)."""

    kind: Literal["company_details"] = "company_details"
    name: Name
    address: Address
    officer_name: Name
    officer_title: Name


class HolderAddress(_Event):
    """A holder's address on the records of the Company, from ``date`` on; a later one replaces it.
    Notices go to holders "at their last addresses as shown on the records of the Company"
    (F/G §5(k); interpretation NOTICE-ADDRESS). The holder must hold or have held shares of
    either series by ``date``."""

    kind: Literal["holder_address"] = "holder_address"
    holder: Name
    address: Address


class HolderName(_Event):
    """A holder's name on the records of the Company, from ``date`` on; a later one replaces it (a
    rename). Every event names a holder by its id (``holder``): the name under which its shares
    were first recorded, or any stable identifier the Company uses; outputs and notices show the
    latest name on record, else the id. The holder must hold or have held shares by ``date``."""

    kind: Literal["holder_name"] = "holder_name"
    holder: Name
    name: Name


class EventVoided(_Event):
    """A correction: the event with id ``voids``, or the event at sequence number ``voids_seq``
    (its position in the ledger: the store's ``seq``, or the 1-based position in a ledger file),
    is treated as never recorded from now on. Exactly one of the two names it. Nothing in the
    ledger is edited in place; who made the void is recorded with it (``recorded_by``) and
    ``reason`` says why."""

    kind: Literal["void"] = "void"
    voids: str | None = None
    voids_seq: Annotated[int, Field(ge=1, le=1_000_000_000)] | None = None
    reason: Text

    @model_validator(mode="after")
    def _names_one_event(self) -> EventVoided:
        if (self.voids is None) == (self.voids_seq is None):
            raise ValueError("a void names the event it voids by voids (its id) or voids_seq (its sequence number)")
        return self


LedgerEvent = Annotated[
    PreferredIssued
    | DividendElection
    | WireAccountNotice
    | DividendPayment
    | ArrearsPaid
    | RatableDividends
    | Transfer
    | Conversion
    | ClosingPrice
    | RegistrationStatement
    | CommonOutstanding
    | CommonAuthorized
    | SeriesConsent
    | CommonIssued
    | OptionIssued
    | OptionExercised
    | OptionExpired
    | OptionChanged
    | StockSplit
    | StockCombination
    | StockDividend
    | OtherDistribution
    | Reclassification
    | MergerOrSale
    | ControlAcquisition
    | BoardTurnover
    | InsolvencyEvent
    | RedemptionNotice
    | Redemption
    | Liquidation
    | NoticeSent
    | RedemptionDeposit
    | CompanyDetails
    | HolderAddress
    | HolderName
    | EventVoided,
    Field(discriminator="kind"),
]

KIND_ORDER: dict[str, int] = {
    "void": 0,
    "company_details": 5,
    "closing_price": 10,
    "registration_statement": 11,
    "common_authorized": 12,
    "common_outstanding": 13,
    "series_consent": 20,
    "preferred_issued": 30,
    "dividend_election": 40,
    "wire_account_notice": 41,
    "dividend_payment": 50,
    "arrears_paid": 51,
    "ratable_dividends": 52,
    "common_issued": 60,
    "option_issued": 61,
    "option_changed": 62,
    "option_exercised": 63,
    "option_expired": 64,
    "stock_dividend": 70,
    "other_distribution": 71,
    "transfer": 80,
    "conversion": 90,
    "stock_split": 95,
    "stock_combination": 96,
    "reclassification": 97,
    "merger_or_sale": 98,
    "control_acquisition": 98,
    "board_turnover": 98,
    "insolvency": 98,
    "redemption_notice": 99,
    "redemption": 100,
    "liquidation": 110,
    "notice_sent": 120,
    "redemption_deposit": 121,
    "holder_name": 129,
    "holder_address": 130,
}
"""Order of kinds on one date: market facts, then consents (which must come "prior to"
an issuance, §5(d)(ii)), issues, dividends on the Payment Date, and conversions last
(deemed made at the close of business, §5(c)(i)), then splits, combinations and
reclassifications, which take effect at the close of business (§5(e)); a holder's address last,
so that a holder who acquires its shares that day (an issue, a transfer) may be given one;
interpretation LEDGER-SAME-DAY-ORDER."""

FIRST_OF_THEIR_KIND = {"dividend_payment": 48, "arrears_paid": 49}
"""On one date, the dividends of a series with dividend blockers (G) come before any Parity
Security's, so that a parity dividend sees whether its were "contemporaneously ... declared and
paid" (G §2(c))."""


def series_of(event: LedgerEvent) -> str | None:
    """The series ``event`` names (its ``series`` field), None for an event of no series. Read
    from the model's fields: asking a pydantic model for an attribute it lacks raises and formats
    an error each time, which ordering a long ledger did for every event."""
    named = event.__dict__.get("series")
    return named if isinstance(named, str) else None


def kind_rank(event: LedgerEvent) -> int:
    """The place of an event among the events of its date (interpretation LEDGER-SAME-DAY-ORDER)."""
    reading("LEDGER-SAME-DAY-ORDER")
    series = series_of(event)
    if event.kind in FIRST_OF_THEIR_KIND and series is not None and _has_blockers(series):
        return FIRST_OF_THEIR_KIND[event.kind]
    return KIND_ORDER[event.kind]


@functools.cache
def _has_blockers(series: str) -> bool:
    """Whether the certificate of ``series`` blocks dividends on its Parity Securities while its
    own are in arrears (its terms have ``blocks_junior_and_parity``, G §2(c))."""
    return load_terms(series).dividends.blocks_junior_and_parity is not None


_ADAPTER: TypeAdapter[LedgerEvent] = TypeAdapter(LedgerEvent)


RETIRED_KINDS: dict[str, tuple[str, str]] = {
    "mandatory_redemption_event": (
        "§6(b)",
        "a Mandatory Redemption Event is judged by prefstack from recorded facts, not typed as a verdict: "
        "record the facts as merger_or_sale, control_acquisition, board_turnover or insolvency (agreement_only "
        "for an agreement, §6(b)(vi)); a vote otherwise is a series_consent (matter waive_redemption_event) "
        "naming that event's id",
    ),
}
"""Kinds that prefstack no longer accepts: each with its section and where the facts go instead."""

RETIRED_FIELDS: dict[tuple[str, str], tuple[str, str]] = {
    ("reclassification", "deemed_liquidation_under_g_3d"): (
        "G §3(d)",
        "a deemed liquidation is judged by prefstack from the facts of the merger or sale: record them as a "
        "merger_or_sale event and name its id in the reclassification's transaction field",
    ),
}
"""Fields that prefstack no longer accepts, by (kind, field): the clause and what to record instead."""


def refuse_retired(data: Mapping[str, Any], where: str) -> None:
    """Refuse a retired kind or field with a message naming the clause and the fact events to record
    instead (a verdict typed by hand is never accepted)."""
    kind = data.get("kind")
    if not isinstance(kind, str):
        return
    if kind in RETIRED_KINDS:
        section, problem = RETIRED_KINDS[kind]
        series = data.get("series")
        # The section of the series the event names, when it names a series prefstack has terms for;
        # otherwise the section alone (the event is refused whatever its series).
        clause = f"{series} {section}" if isinstance(series, str) and series in series_names() else section
        raise InputError(f"{where} ({kind}).kind", clause, problem)
    for (retired_kind, field), (clause, problem) in RETIRED_FIELDS.items():
        if kind == retired_kind and field in data:
            raise InputError(f"{where} ({kind}).{field}", clause, problem)


def parse_event(data: Mapping[str, Any], where: str) -> LedgerEvent:
    """Validate one event; errors name the event, the field and the problem."""
    refuse_retired(data, where)
    try:
        return _ADAPTER.validate_python(dict(data))
    except ValidationError as exc:
        first = exc.errors()[0]
        kind = data.get("kind", "?")
        path = list(first["loc"])
        if path and path[0] == kind:  # the union's tag, which the event already names
            path = path[1:]
        loc = ".".join(str(p) for p in path)
        message = first["msg"].removeprefix("Value error, ")
        raise InputError(
            f"{where} ({kind}).{loc}" if loc else f"{where} ({kind})",
            _error_clause(first["type"], str(kind), data, loc),
            message,
        ) from exc


def _error_clause(error_type: str, kind: str, data: Mapping[str, Any], field: str) -> str:
    """A malformed field (missing, unknown, of the wrong type) is a fault of the ledger format; a
    value a clause rules out cites that clause, in the certificate of the event's own series."""
    if error_type != "value_error":
        return "ledger format"
    clause = _clause_of(kind)
    series = data.get("series")
    if not isinstance(series, str) or " §" not in clause:
        return clause
    own = _OWN_FIELD_CLAUSE.get((kind, field), _OWN_CLAUSE.get(kind))
    if own is not None and series in series_names():
        return own(load_terms(series))
    from prefstack.citations import cite

    try:
        written = cite(clause)
        return clause if written.doc == series else str(cite(f"{series} {written.section}"))
    except PrefstackError:
        return clause


def clause_of(kind: str) -> str:
    """The clause an event kind rests on (for messages and help)."""
    return _clause_of(kind)


def _clause_of(kind: str) -> str:
    return {
        "preferred_issued": "F §1(a)",
        "dividend_election": "F §2(b)",
        "wire_account_notice": "F §2(e)",
        "dividend_payment": "F §2(a)",
        "arrears_paid": "F §2(d)",
        "ratable_dividends": "G §2(c)",
        "transfer": "stock register",
        "conversion": "F §5(c)",
        "closing_price": "F §2(b)",
        "registration_statement": "F §2(c)",
        "common_outstanding": "F §5(d)(iv)",
        "common_authorized": "F §5(c)(ii)",
        "series_consent": "F §5(d)(ii)",
        "common_issued": "F §5(d)(i)(C)",
        "option_issued": "F §5(d)(iii)",
        "option_exercised": "F §5(d)(iii)(A)",
        "option_expired": "F §5(d)(iii)(B)",
        "option_changed": "F §5(d)(iii)(C)",
        "stock_split": "F §5(e)",
        "stock_combination": "F §5(e)",
        "stock_dividend": "F §5(f)",
        "other_distribution": "F §5(g)",
        "reclassification": "F §5(h)",
        "merger_or_sale": "F §6(b)(i)",
        "control_acquisition": "F §6(b)(iii)",
        "board_turnover": "F §6(b)(iv)",
        "insolvency": "F §6(b)(v)",
        "redemption_notice": "F §6(e)",
        "redemption": "F §6(a)",
        "liquidation": "F §3(a)",
        "notice_sent": "F §5(k)",
        "redemption_deposit": "F §6(f)",
        "company_details": "F §5(k)",
        "holder_address": "F §5(k)",
        "holder_name": "ledger format",
        "void": "ledger format",
    }.get(kind, "ledger format")


_OWN_CLAUSE: dict[str, Callable[[SeriesTerms], str]] = {
    "preferred_issued": lambda t: t.authorized_shares.cite,
    "dividend_election": lambda t: t.dividends.forms.cite,
    "dividend_payment": lambda t: t.dividends.annual_rate.cite,
    "arrears_paid": lambda t: arrears_in_shares_clause(t) or t.dividends.forms.cite,
    "conversion": lambda t: for_series(t.series, "§5(c)"),
    "notice_sent": lambda t: t.conversion.record_date_notice_days.cite,
    "redemption": lambda t: t.redeemable().anniversary_years.cite,
    "redemption_notice": lambda t: t.redeemable().notice_min_days.cite,
    "redemption_deposit": lambda t: t.redeemable().depositary_min_capital.cite,
}
"""Where an event of one series rests on a clause of its own certificate, read from the term of
that clause in the series' terms (each certificate numbers its sections its own way)."""

_OWN_FIELD_CLAUSE: dict[tuple[str, str], Callable[[SeriesTerms], str]] = {
    ("dividend_payment", "paid_on"): lambda t: t.dividends.forms.cite,
}
"""A field of an event of one series that a clause other than its kind's rules on, by (kind, field):
the day a dividend was actually paid, read by the form of the dividend (F §2(b))."""


def event_clause(event: LedgerEvent) -> str:
    """The clause one event rests on: for an event of a series, the clause of its own certificate
    where :data:`_OWN_CLAUSE` knows it, else the clause of its kind (:func:`clause_of`)."""
    series = series_of(event)
    own = _OWN_CLAUSE.get(event.kind)
    if own is not None and series is not None:
        return own(load_terms(series))
    return clause_of(event.kind)


def check_name(value: object) -> str:
    """A name (holder, person, company) under the names policy; ValueError says what is wrong."""
    return _name(value)


def event_from_stored(kind: str, effective_date: dt.date, payload: Mapping[str, Any], where: str) -> LedgerEvent:
    return parse_event({"kind": kind, "date": effective_date.isoformat(), **payload}, where)


def ledger_json_schema() -> dict[str, Any]:
    """The JSON Schema of a ledger file (``prefstack schema ledger``)."""
    event_schema = _ADAPTER.json_schema(mode="validation")
    defs = event_schema.pop("$defs", {})
    for definition in defs.values():
        properties = definition.get("properties", {})
        if "kind" in properties:
            definition["required"] = ["kind", *definition.get("required", [])]
            properties["recorded_at"] = {
                "type": "string",
                "format": "date-time",
                "description": "When the event was entered (ISO 8601 with UTC offset); used by --known-at.",
            }
            properties["recorded_by"] = {
                "type": "string",
                "minLength": 1,
                "maxLength": 200,
                "description": "Who entered the event (an export carries it; on import it defaults to --by).",
            }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://prefstack.invalid/schema/ledger-1.json",
        "title": "prefstack ledger",
        "description": (
            "A ledger of corporate actions for the Series F and Series G Convertible Preferred Stock. "
            'Numbers are strings (exact decimals such as "1000.00" or fractions such as "2/3"); '
            "dates are YYYY-MM-DD; recorded_at is an ISO 8601 time with its UTC offset."
        ),
        "type": "object",
        "additionalProperties": False,
        "required": ["format", "events"],
        "properties": {
            "format": {"const": "prefstack-ledger/1"},
            "company": {
                "type": "string",
                "minLength": 1,
                "maxLength": 200,
                "description": "The issuer; a store keeps the company of the first file imported into it.",
            },
            "description": {"type": "string", "maxLength": 2000},
            "events": {"type": "array", "items": {"$ref": "#/$defs/Event"}},
        },
        "$defs": {**defs, "Event": event_schema},
    }
