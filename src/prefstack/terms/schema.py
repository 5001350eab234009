"""Schema of a series' terms file.

Every leaf is a :class:`Term`: ``{value: ..., cite: "F §2(a)"}``. Numbers are written as
strings (``"1000.00"``) and parsed to exact :class:`~fractions.Fraction`; a YAML number is
refused because YAML would read it as a float. Extra keys are refused everywhere.

A certificate's company facts are terms too, so that clause code holds none of them:

- ``conversion.exclusions`` lists the exclusions from the Additional Shares of Common Stock
  (F/G §5(d)(i)(C)(1)-(12)) and the Reserved Employee Shares (§5(d)(i)(D)(i)-(ii)). Each is an
  :class:`Exclusion`, a record with one ``cite`` (the section defining it) rather than a Term per
  field: ``id`` (the ``purpose`` ledger events and §5 actions name; ``none`` is reserved for no
  exclusion), ``description``, ``cap`` (absent: none), ``cap_adjusted_for_splits``,
  ``fair_market_value_condition`` (absent: none) and ``role``, which marks the few kinds the
  engine itself must recognize (a dividend on preferred, a conversion of preferred, a distribution
  on Common Stock, the exercise of Options it does not track, the Reserved Employee Shares with
  their approved additions, the existing management Options). The §5(d) fold finds an exclusion
  by id, or by role for the issues it makes itself, and refuses a purpose the terms do not
  declare; :func:`exclusion_ids` gives every id of the registry (the ledger's ``purpose`` values).
- ``redemption.acquisition_excluded_persons`` names the persons of §6(b)(iii).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from fractions import Fraction
from functools import cache
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Annotated, Any, Generic, Literal, TypeVar

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    PlainSerializer,
    ValidationError,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from prefstack.citations import SECTIONS, SECTIONS_FILE, cite, series_folders
from prefstack.datafiles import load_data
from prefstack.errors import CitationError, InputError, TermsError
from prefstack.numeric import exact, to_decimal_string

T = TypeVar("T")

TERMS_FILE = "terms.yaml"
"""Each series' terms, beside its sections in ``instruments/issuers/<issuer>/<series>/``."""


def format_rule(check: Callable[[object], T]) -> Callable[[object], T]:
    """``check`` as a validator whose refusals are format errors (pydantic error type ``format``):
    a value written wrongly is a fault of the file format, never of a clause of a certificate."""

    def run(value: object) -> T:
        try:
            return check(value)
        except ValueError as exc:
            raise PydanticCustomError("format", "{problem}", {"problem": str(exc)}) from exc

    return run


def _exact_text(value: object) -> Fraction:
    if not isinstance(value, str):
        raise ValueError(f"numbers are written as strings (got {value!r}); quote it")
    try:
        return exact(value, field="number", clause="number format")
    except InputError as exc:
        raise ValueError(exc.problem) from exc


EARLIEST_DATE = dt.date(1900, 1, 1)
LATEST_DATE = dt.date(2199, 12, 31)
"""Dates prefstack accepts anywhere (files, options): a wider range is refused, not rolled to."""


def checked_date(day: dt.date) -> dt.date:
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise ValueError(f"{day.isoformat()} is outside the dates prefstack accepts ({EARLIEST_DATE} to {LATEST_DATE})")
    return day


def _date_value(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        raise ValueError(f"a date is required, not a date and time ({value!r})")
    if isinstance(value, dt.date):
        return checked_date(value)
    if isinstance(value, str):
        try:
            day = dt.date.fromisoformat(value)
        except ValueError as exc:
            raise ValueError(f"{value!r} is not a date (YYYY-MM-DD): {exc}") from exc
        return checked_date(day)
    raise ValueError(f"a date (YYYY-MM-DD) is required, not {value!r}")


EXACT_NUMBER_PATTERN = r"^-?[0-9]+(\.[0-9]+)?$|^-?[0-9]+/[0-9]+$"
Exact = Annotated[
    Fraction,
    BeforeValidator(format_rule(_exact_text)),
    PlainSerializer(to_decimal_string, return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": EXACT_NUMBER_PATTERN,
            "maxLength": 100,
            "description": 'An exact number written as a string: a decimal such as "1000.00" or a fraction "2/3"; '
            "at most 100 characters and 40 digits before or after the decimal point.",
        }
    ),
]
Date = Annotated[
    dt.date,
    BeforeValidator(format_rule(_date_value)),
    WithJsonSchema({"type": "string", "format": "date", "description": "YYYY-MM-DD, 1900-01-01 to 2199-12-31"}),
]


def _certificate_id(value: object) -> str:
    if not isinstance(value, str) or value not in SECTIONS:
        raise ValueError(
            f"{value!r} is no certificate prefstack has the sections of ({', '.join(sorted(SECTIONS))}); "
            "a series' sections.yaml goes beside its terms.yaml"
        )
    return value


CertificateId = Annotated[
    str,
    BeforeValidator(format_rule(_certificate_id)),
    WithJsonSchema({"type": "string", "enum": sorted(SECTIONS)}),
]
"""A series id: the id of a certificate whose sections prefstack has (its citations' prefix)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)


def _valid_cite(text: str) -> str:
    """A citation of a section the certificate has, normalised; a ValueError naming it otherwise."""
    try:
        return str(cite(text))
    except CitationError as exc:
        raise ValueError(str(exc)) from exc


class Term(_Strict, Generic[T]):
    """One term of a certificate and the section it comes from."""

    value: T
    cite: str

    @field_validator("cite")
    @classmethod
    def _check_cite(cls, text: str) -> str:
        return _valid_cite(text)


class Ranking(_Strict):
    senior: Term[tuple[str, ...]]
    parity: Term[tuple[str, ...]]
    junior: Term[tuple[str, ...]]


class Dividends(_Strict):
    annual_rate: Term[Exact]
    """Annual dividend as a fraction of the Original Issue Price (F: $70 / $1,000 = 7%)."""
    quarterly_rate: Term[Exact]
    """The dividend of a full quarter as a fraction of the value held (F 1.75%, G 1.5%)."""
    compounds_arrears: Term[bool]
    """Whether accrued and unpaid dividends themselves bear dividends (G §2(a))."""
    forms: Term[tuple[Literal["cash", "pik", "common"], ...]]
    default_form: Term[Literal["cash", "pik", "common"]]
    payment_months: Term[tuple[int, ...]]
    payment_day: Term[int]
    first_payment_date: Term[Date]
    day_count_basis: Term[int]
    common_price_trading_days: Term[int] | None = None
    election_notice_days: Term[int] | None = None
    wire_notice_business_days: Term[int] | None = None
    accrues_without_funds: Term[bool]
    blocks_junior_and_parity: Term[bool] | None = None
    """While the series' dividends are in arrears, no dividend, distribution, redemption or purchase
    on Junior or Parity Securities except as the certificate allows (G §2(c)-(d)); absent: the
    certificate has no such blockers."""

    @model_validator(mode="after")
    def _consistent(self) -> Dividends:
        if self.quarterly_rate.value * 4 != self.annual_rate.value:
            raise ValueError(
                f"quarterly_rate {self.quarterly_rate.value} is not annual_rate {self.annual_rate.value} / 4 "
                f"({self.quarterly_rate.cite})"
            )
        if self.default_form.value not in self.forms.value:
            raise ValueError(f"default_form {self.default_form.value!r} is not among forms ({self.default_form.cite})")
        if "common" in self.forms.value and self.common_price_trading_days is None:
            raise ValueError("forms include common but common_price_trading_days is missing")
        months = self.payment_months.value
        if not months or any(m < 1 or m > 12 for m in months) or list(months) != sorted(set(months)):
            raise ValueError(f"payment_months must be distinct months 1-12 in order ({self.payment_months.cite})")
        if not 1 <= self.payment_day.value <= 28:
            raise ValueError(f"payment_day must be 1-28 ({self.payment_day.cite})")
        return self


ExclusionRole = Literal[
    "dividend_on_preferred",
    "conversion_of_preferred",
    "distribution_on_common",
    "exercise_of_options",
    "reserved_employee_shares",
    "existing_options",
]
"""The kinds of exclusion the engine itself must recognize (see :class:`Exclusion`)."""

NO_EXCLUSION = "none"
"""The purpose of an issue no exclusion covers (its shares are Additional Shares of Common Stock);
no exclusion may take it as its id."""

EXCLUSION_ID_PATTERN = r"^[a-z][a-z0-9_]{0,63}$"


def _exclusion_id(value: object) -> str:
    if not isinstance(value, str) or not re.fullmatch(EXCLUSION_ID_PATTERN, value):
        raise ValueError(f"{value!r} is not an exclusion id (lower-case letters, digits and _, at most 64)")
    if value == NO_EXCLUSION:
        raise ValueError(f"{NO_EXCLUSION!r} is the purpose of an issue no exclusion covers, not an exclusion id")
    return value


ExclusionId = Annotated[
    str,
    BeforeValidator(format_rule(_exclusion_id)),
    WithJsonSchema({"type": "string", "pattern": EXCLUSION_ID_PATTERN, "not": {"const": NO_EXCLUSION}}),
]


class Exclusion(_Strict):
    """One exclusion from the Additional Shares of Common Stock (F/G §5(d)(i)(C)(1)-(12)) or one
    part of the Reserved Employee Shares (§5(d)(i)(D)(i)-(ii)): shares of Common Stock issued (or
    deemed issued) for this purpose do not adjust the Conversion Price, up to the cap if any.

    An exclusion is a record with one citation (the section that defines it), not a set of terms:

    - ``id``: what ledger events and §5 actions name as their ``purpose`` (``none`` is reserved for
      an issue no exclusion covers).
    - ``cite``: its section, in this series' certificate.
    - ``description``: what the certificate says, in a line (deals are named here, not in code).
    - ``cap``: the most shares the exclusion covers in all (absent: no cap); shares beyond it are
      Additional Shares (AD-BASKET-EXCESS).
    - ``cap_adjusted_for_splits``: the cap (and the shares counted against it) follows stock
      dividends, combinations and splits of the Common Stock ("as appropriately adjusted").
    - ``fair_market_value_condition``: the exclusion holds only when the Company receives at least
      ``conversion.fair_market_value_threshold`` of Fair Market Value per share:
      ``consideration_per_share`` tests the consideration per share; ``exercise_or_conversion_price``
      tests, for Options and Convertible Securities, their exercise or conversion price instead
      (§5(d)(i)(C)(9)). Absent: no such condition.
    - ``role``: for the few kinds the engine itself must recognize: ``dividend_on_preferred`` and
      ``conversion_of_preferred`` (the Common Stock the ledger issues as a dividend or on a
      redemption in Common Stock, and on conversion, is excluded under these),
      ``distribution_on_common`` (a dividend, split or distribution on Common Stock: recorded as a
      §5(e)-(f) action, never as an issue), ``exercise_of_options`` (exercise of Options the ledger
      does not track; an Option is never issued for it), ``reserved_employee_shares`` (its cap grows
      by the additional shares a series majority approves) and ``existing_options`` (the Options
      reserved at the date of the certificate). Each role at most once; absent: an ordinary basket.
    """

    id: ExclusionId
    cite: str
    description: str
    cap: Exact | None = None
    cap_adjusted_for_splits: bool = False
    fair_market_value_condition: Literal["consideration_per_share", "exercise_or_conversion_price"] | None = None
    role: ExclusionRole | None = None

    @field_validator("cite")
    @classmethod
    def _check_cite(cls, text: str) -> str:
        return _valid_cite(text)

    @field_validator("description")
    @classmethod
    def _described(cls, text: str) -> str:
        if not text.strip():
            raise ValueError("say in a line what the exclusion covers")
        return text

    @field_validator("cap")
    @classmethod
    def _positive_cap(cls, cap: Fraction | None) -> Fraction | None:
        if cap is not None and cap <= 0:
            raise ValueError(f"a cap must be a positive number of shares, not {cap} (absent: no cap)")
        return cap

    @model_validator(mode="after")
    def _adjusted_needs_a_cap(self) -> Exclusion:
        if self.cap_adjusted_for_splits and self.cap is None:
            raise ValueError(f"cap_adjusted_for_splits: exclusion {self.id!r} has no cap to adjust ({self.cite})")
        return self


class Conversion(_Strict):
    initial_conversion_price: Term[Exact]
    par_value_of_common: Term[Exact]
    adjustment_formula: Term[Literal["weighted_average", "full_ratchet"]]
    """How an issue below the Conversion Price reduces it: the weighted average of F/G §5(d)(iv),
    or a full ratchet (the Conversion Price falls to the price per share of the issue)."""
    adjustment_rounding_places: Term[int]
    minimum_reduction: Term[Exact]
    fair_market_value_threshold: Term[Exact]
    record_date_notice_days: Term[int]
    reclassification_notice_days: Term[int]
    merger_notice_days: Term[int] | None = None
    """G §5(k)(iv): notice of a merger or sale of substantially all assets (absent: no such notice)."""
    exclusions: tuple[Exclusion, ...]
    """The exclusions of §5(d)(i)(C) and the Reserved Employee Shares of §5(d)(i)(D), in the
    certificate's order (see :class:`Exclusion`); ids unique, each role at most once."""

    @model_validator(mode="after")
    def _exclusions_distinct(self) -> Conversion:
        ids: dict[str, str] = {}
        roles: dict[str, str] = {}
        for index, exclusion in enumerate(self.exclusions):
            if exclusion.id in ids:
                raise ValueError(f"exclusions.{index}.id: {exclusion.id!r} is also the id of {ids[exclusion.id]}")
            ids[exclusion.id] = exclusion.cite
            if exclusion.role is not None:
                if exclusion.role in roles:
                    raise ValueError(
                        f"exclusions.{index}.role: {exclusion.role!r} is also the role of {roles[exclusion.role]!r}"
                    )
                roles[exclusion.role] = exclusion.id
        return self

    def exclusion(self, ident: str) -> Exclusion | None:
        """The exclusion whose id is ``ident`` (None: the terms declare none)."""
        return next((e for e in self.exclusions if e.id == ident), None)

    def exclusion_of_role(self, role: ExclusionRole) -> Exclusion | None:
        """The exclusion with ``role`` (None: the terms declare none)."""
        return next((e for e in self.exclusions if e.role == role), None)


class Liquidation(_Strict):
    preference_multiple: Term[Exact]
    """The Liquidation Value is this multiple of the Original Issue Price plus the accrued and
    unpaid dividends (F §3(a), G §3(a): one)."""
    participates_as_converted: Term[bool]
    """After the preferences, the series shares in the remaining assets on an as-converted basis
    (F §3(b), G §3(b)); false: it takes its preference only."""
    deemed_liquidation_below: Term[Exact] | None = None
    """G §3(d): a merger or sale is deemed a liquidation of the series unless the prior stockholders
    hold at least this share of the survivor's voting securities (absent: no deemed liquidation)."""


class FairMarketValue(_Strict):
    averaging_days: Term[int]
    days_before_closing: Term[int]


class Redemption(_Strict):
    anniversary_years: Term[int]
    notice_min_days: Term[int]
    notice_max_days: Term[int]
    conversion_cutoff_days: Term[int]
    unclaimed_return_years: Term[int]
    depositary_min_capital: Term[Exact]
    merger_prior_holders_below: Term[Exact]
    """§6(b)(i): a merger is an event when the prior stockholders hold less than this share of the
    survivor's voting power (F/G: 50%)."""
    asset_sale_prior_holders_below: Term[Exact]
    """§6(b)(ii): likewise for a sale of all or substantially all of the assets (F/G: 50%)."""
    acquisition_voting_power_above: Term[Exact]
    """§6(b)(iii): an acquisition is an event when the person or group holds more than this share of
    the voting power (F/G: 50%)."""
    receiver_not_vacated_days: Term[int]
    """§6(b)(v)(C): the days within which a receiver appointed without consent must be vacated or
    stayed (F/G: 60)."""
    acquisition_excluded_persons: Term[tuple[str, ...]]
    """The persons whose acquisitions of voting stock are no Mandatory Redemption Event (F/G
    §6(b)(iii): "other than ..."); a person or group made up only of them is excluded."""
    may_pay_in_common: Term[bool] | None = None
    """F §6(d): the Company may pay the Redemption Price in Common Stock (absent for G)."""
    pro_rata_when_short: Term[bool]
    """Funds short of the whole Redemption Price redeem each holder's shares pro rata (F §6(h),
    G §6(g)). prefstack implements only this rule: false is refused."""
    later_funds_redeem_the_rest: Term[bool]
    """Shares left unredeemed for want of funds stay outstanding and are redeemed from funds that
    later become available (F §6(i), G §6(h)). prefstack implements only this rule: false is refused."""

    @model_validator(mode="after")
    def _shares_of_voting_power(self) -> Redemption:
        for name in ("merger_prior_holders_below", "asset_sale_prior_holders_below", "acquisition_voting_power_above"):
            term = getattr(self, name)
            if not 0 < term.value < 1:
                raise ValueError(f"{name}: a share of the voting power between 0 and 1, not {term.value} ({term.cite})")
        if self.receiver_not_vacated_days.value < 1:
            raise ValueError(f"receiver_not_vacated_days must be positive ({self.receiver_not_vacated_days.cite})")
        return self

    @model_validator(mode="after")
    def _implemented(self) -> Redemption:
        for name in ("pro_rata_when_short", "later_funds_redeem_the_rest"):
            term = getattr(self, name)
            if term.value is not True:
                raise ValueError(
                    f"{name}: false asks for a redemption rule no clause of prefstack implements ({term.cite})"
                )
        return self


class ScheduleAssumption(_Strict):
    closing_date: Term[Date]
    shares: Term[Exact]
    through: Term[Date]


class SeriesTerms(_Strict):
    """The terms of one series of preferred stock."""

    series: CertificateId
    designation: Term[str]
    par_value: Term[Exact]
    authorized_shares: Term[Exact]
    reserved_for_pik_dividends: Term[Exact]
    original_issue_price: Term[Exact]
    ranking: Ranking
    dividends: Dividends
    conversion: Conversion
    fair_market_value: FairMarketValue
    redemption: Redemption | None = None
    """The mandatory redemption of §6 (absent: the certificate has none; a redemption event,
    notice or deposit for the series is refused naming this term)."""
    liquidation: Liquidation
    schedule_assumption: ScheduleAssumption | None = None

    @model_validator(mode="after")
    def _citations_of_this_series(self) -> SeriesTerms:
        for path, term in _walk_terms(self):
            if not term.cite.startswith(self.series + " "):
                raise ValueError(f"{path}: cites {term.cite!r}, a section of another certificate")
        for index, exclusion in enumerate(self.conversion.exclusions):
            if not exclusion.cite.startswith(self.series + " "):
                raise ValueError(
                    f"conversion.exclusions.{index}.cite: cites {exclusion.cite!r}, a section of another certificate"
                )
        if self.liquidation.preference_multiple.value <= 0:
            multiple = self.liquidation.preference_multiple
            raise ValueError(f"liquidation.preference_multiple must be positive ({multiple.cite})")
        if self.reserved_for_pik_dividends.value > self.authorized_shares.value:
            raise ValueError("reserved_for_pik_dividends exceeds authorized_shares")
        return self

    @property
    def issue_price(self) -> Fraction:
        return self.original_issue_price.value

    def redeemable(self) -> Redemption:
        """The terms of the series' mandatory redemption; an error naming the term where the
        certificate has none (a redemption, notice or deposit asked of such a series)."""
        if self.redemption is None:
            raise InputError(
                "series",
                f"{self.series} §6",
                f"{self.designation.value} has no mandatory redemption (its terms have no redemption)",
            )
        return self.redemption


def _walk_terms(model: BaseModel, prefix: str = "") -> list[tuple[str, Term[Any]]]:
    found: list[tuple[str, Term[Any]]] = []
    for name in type(model).model_fields:
        child = getattr(model, name)
        path = f"{prefix}{name}"
        if isinstance(child, Term):
            found.append((path, child))
        elif isinstance(child, BaseModel):
            found.extend(_walk_terms(child, path + "."))
    return found


def term_paths(terms: SeriesTerms) -> list[str]:
    """Dotted path of every term of a series (for the test that each term is read)."""
    return [path for path, _ in _walk_terms(terms)]


def _format_errors(source: str, exc: ValidationError) -> str:
    lines = [f"{source}: the terms do not validate:"]
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"])
        lines.append(f"  {loc}: {err['msg']}")
    return "\n".join(lines)


def parse_terms(data: object, source: str) -> SeriesTerms:
    """Validate already-parsed YAML data as a series' terms."""
    try:
        return SeriesTerms.model_validate(data)
    except ValidationError as exc:
        raise TermsError(_format_errors(source, exc)) from exc


def load_terms_file(path: Path) -> SeriesTerms:
    """Load and validate a terms file from disk."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise TermsError(f"{path}: not valid YAML: {exc}") from exc
    return parse_terms(data, str(path))


@cache
def bundled_terms_files() -> dict[str, Traversable]:
    """The terms file of every series prefstack has terms for, by series id: each
    ``instruments/issuers/<issuer>/<series>/terms.yaml`` under the id of the ``sections.yaml``
    beside it (the certificate its citations name)."""
    found: dict[str, Traversable] = {}
    for path, folder in series_folders():
        terms, sections = folder.joinpath(TERMS_FILE), folder.joinpath(SECTIONS_FILE)
        if not terms.is_file():
            continue
        if not sections.is_file():
            raise TermsError(f"{path}/{TERMS_FILE}: no {SECTIONS_FILE} beside it")
        ident = load_data(sections.read_text(encoding="utf-8"))["certificate"]
        if ident in found:
            raise TermsError(f"{path}/{TERMS_FILE}: a second terms file for series {ident!r}")
        found[ident] = terms
    return found


@cache
def load_terms(series: str) -> SeriesTerms:
    """The bundled terms of ``series`` (an id of :func:`series_names`)."""
    files = bundled_terms_files()
    if series not in files:
        raise TermsError(f"no terms for series {series!r}; prefstack knows {sorted(files)}")
    source = f"{series}/{TERMS_FILE}"
    terms = parse_terms(load_data(files[series].read_text(encoding="utf-8")), source)
    if terms.series != series:
        raise TermsError(f"{source}: declares series {terms.series!r}, expected {series!r}")
    return terms


def series_names() -> list[str]:
    """Every series prefstack has terms for (the registry of series ids)."""
    return sorted(bundled_terms_files())


@cache
def exclusion_ids() -> tuple[str, ...]:
    """Every exclusion id the registry's terms files declare (``conversion.exclusions``), sorted:
    the purposes a ledger event may name besides ``none``."""
    return tuple(sorted({e.id for series in series_names() for e in load_terms(series).conversion.exclusions}))


def terms_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a series' terms file (``prefstack schema terms``)."""
    schema = SeriesTerms.model_json_schema(mode="validation")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://prefstack.invalid/schema/terms-1.json",
        **schema,
        "title": "prefstack series terms",
    }
