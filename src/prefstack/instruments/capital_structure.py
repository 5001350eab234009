"""The capital-structure file: every class of a company (``prefstack-capital-structure/1``).

A capital-structure file lists, for one company:

* ``classes``: its classes of preferred stock, each either a **certificate class**, whose
  economics come from a terms file prefstack has (Series F, Series G; referenced by ``series``
  and never repeated here), or a **generic class** described by its economic terms only
  (liquidation preference per share or as a multiple of the original issue price, seniority
  rank, participation and its cap, conversion price or ratio, cumulative dividend, shares
  outstanding, whether it votes with the Common Stock, and optionally its ``holders``: each
  holder's name and shares, which must add up to the shares outstanding);
* ``common``: the Common Stock: its authorized shares and the statement that its outstanding
  count comes from the ledger;
* ``options_and_warrants``: tranches of options and warrants: count, strike price and what
  they are exercisable for.

Every class and tranche says where its figures come from (``source``) and whether they are
``illustrative`` (not taken from an instrument); the waterfall shows both.

Seniority is a ``rank``: 1 is paid first; classes of one rank share ratably. The certificate
classes' ranks must agree with their certificates' §1(b) (every class they name as a Senior
Security listed and ranked ahead of them, their Parity Securities at their rank, the Common
Stock junior). Numbers are strings (``"1000.00"``, ``"2/3"``), as in every prefstack file.
Unknown fields, duplicate names, inconsistent seniority, negative amounts and unknown series
are refused with an error naming the field (``prefstack schema capital-structure`` publishes
the JSON Schema).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from fractions import Fraction
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from prefstack.citations import for_series
from prefstack.datafiles import load_data
from prefstack.errors import InputError
from prefstack.instruments.registry import issuer_of_series
from prefstack.terms import load_terms, series_names
from prefstack.terms.schema import Date, Exact

__all__ = [
    "FORMAT",
    "CapitalStructure",
    "CapitalStructureError",
    "CertificateClass",
    "ClassHolder",
    "CommonStock",
    "GenericClass",
    "LoadedStructure",
    "OptionTranche",
    "WarrantIssuance",
    "bundled_for_company",
    "bundled_names",
    "capital_structure_json_schema",
    "load_capital_structure",
    "parse_capital_structure",
]

FORMAT = "prefstack-capital-structure/1"
FILE_FORMAT = "capital structure format"
"""The 'clause' of a fault in how the file is written (a fault of the format, not of a certificate)."""


class CapitalStructureError(InputError):
    """A capital-structure file that cannot be used; ``field`` names the place in the file."""


def _not_negative(value: Fraction) -> Fraction:
    if value < 0:
        raise ValueError(f"must not be negative, got {value}")
    return value


def _positive(value: Fraction) -> Fraction:
    if value <= 0:
        raise ValueError(f"must be positive, got {value}")
    return value


NonNegative = Annotated[Exact, AfterValidator(_not_negative)]
Positive = Annotated[Exact, AfterValidator(_positive)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Rank = Annotated[int, Field(ge=1, le=100)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)


class CertificateClass(_Strict):
    """A class whose terms prefstack has (a series' terms file): only its name, series and rank."""

    kind: Literal["certificate"]
    name: Name
    series: Name
    """The series id of a terms file prefstack has (``prefstack terms F``)."""
    rank: Rank
    source: Text


class LiquidationPreference(_Strict):
    """Exactly one of ``per_share`` (dollars) and ``multiple`` (of the original issue price)."""

    per_share: NonNegative | None = None
    multiple: NonNegative | None = None


class Conversion(_Strict):
    """Exactly one of ``price`` (shares of Common Stock = original issue price / price) and
    ``ratio`` (shares of Common Stock per share)."""

    price: Positive | None = None
    ratio: Positive | None = None


class CumulativeDividend(_Strict):
    """A cumulative dividend that accrues into the liquidation preference.

    It accrues simply (no dividend on dividends) at ``annual_rate`` of the original issue price
    per share, day by day (actual days / 365) from ``accrues_from`` (the issue date) to the
    liquidation date, none of it paid (reading CAPSTRUCT-DIVIDEND-ACCRUAL)."""

    annual_rate: NonNegative
    accrues_from: Date


class ClassHolder(_Strict):
    """One holder of a generic class: its name and its shares of the class."""

    name: Name
    shares: NonNegative


class GenericClass(_Strict):
    """A class described by its economic terms only (no terms file)."""

    kind: Literal["preferred"]
    name: Name
    rank: Rank
    shares_outstanding: NonNegative
    original_issue_price: Positive
    liquidation_preference: LiquidationPreference
    participating: bool
    participation_cap: Positive | None
    """Participating classes: the most one share receives in all (preference, accrued dividends
    and participation) as a multiple of the original issue price; null: no cap."""
    conversion: Conversion | None
    """null: not convertible into Common Stock."""
    cumulative_dividend: CumulativeDividend | None
    """null: no cumulative dividend accrues into the preference."""
    votes_with_common: bool
    """Whether it votes with the Common Stock as a single class, as converted (whole shares)."""
    source: Text
    illustrative: bool
    holders: tuple[ClassHolder, ...] | None = None
    """Optional: the class's holders and their shares, adding up to ``shares_outstanding``: what the
    waterfall pays the class is split among them by shares (CAPSTRUCT-HOLDER-PAYOUTS), and
    CAPSTRUCT-VOTES=holder-by-holder drops the fraction of a share of Common Stock holder by holder;
    absent: the file does not say who holds the class, which is paid as one holding."""

    @property
    def preference_per_share(self) -> Fraction:
        """The preference of one share before accrued dividends."""
        pref = self.liquidation_preference
        if pref.per_share is not None:
            return pref.per_share
        assert pref.multiple is not None  # checked when the file is read
        return pref.multiple * self.original_issue_price

    @property
    def common_per_share(self) -> Fraction | None:
        """Shares of Common Stock one share converts into (None: not convertible)."""
        if self.conversion is None:
            return None
        if self.conversion.ratio is not None:
            return self.conversion.ratio
        assert self.conversion.price is not None  # checked when the file is read
        return self.original_issue_price / self.conversion.price


class CommonStock(_Strict):
    """The Common Stock: authorized shares (a number, or ``ledger``: the ledger's
    ``common_authorized``) and ``outstanding: ledger`` (the count always comes from the ledger)."""

    name: Name
    authorized: NonNegative | Literal["ledger"]
    outstanding: Literal["ledger"]
    source: Text
    illustrative: bool


class WarrantIssuance(_Strict):
    """When, to whom and for what a warrant tranche was issued: facts no clause reads, kept for
    interchange (an OCF ``TX_WARRANT_ISSUANCE``, docs/ocf.md)."""

    holder: Name
    date: Date
    purchase_price: NonNegative
    """What the holder paid for the warrants, in all (dollars; 0 where they came with another deal)."""


class OptionTranche(_Strict):
    """Options or warrants of one strike price."""

    kind: Literal["option", "warrant"]
    name: Name
    count: NonNegative
    """Shares they are exercisable for."""
    strike_price: NonNegative
    exercisable_for: Name
    """The class they are exercised into; prefstack implements exercise for Common Stock."""
    source: Text
    illustrative: bool
    issuance: WarrantIssuance | None = None
    """Optional, for a warrant: its holder, date and purchase price, which an OCF export writes as
    a warrant issuance (absent: the export carries the tranche in its extension only)."""


PreferredClass = Annotated[CertificateClass | GenericClass, Field(discriminator="kind")]


class CapitalStructure(_Strict):
    """Every class of one company."""

    format: Literal["prefstack-capital-structure/1"]
    company: Name
    source: Text
    classes: tuple[PreferredClass, ...]
    common: CommonStock
    options_and_warrants: tuple[OptionTranche, ...]

    @property
    def certificates(self) -> tuple[CertificateClass, ...]:
        return tuple(c for c in self.classes if isinstance(c, CertificateClass))

    @property
    def generic(self) -> tuple[GenericClass, ...]:
        return tuple(c for c in self.classes if isinstance(c, GenericClass))

    @property
    def certificate_rank(self) -> int:
        """The rank of Series F and G (one rank: they are Parity Securities of each other)."""
        return self.certificates[0].rank

    def illustrative_names(self) -> list[str]:
        """The classes and tranches whose figures are illustrative."""
        named = [c.name for c in self.generic if c.illustrative]
        named += [self.common.name] if self.common.illustrative else []
        return named + [o.name for o in self.options_and_warrants if o.illustrative]


@dataclass(frozen=True)
class LoadedStructure:
    """A validated capital structure and where it was read from (shown with every result)."""

    structure: CapitalStructure
    origin: str


# ----------------------------------------------------------------------------- checks


def _where(data: object, loc: tuple[int | str, ...]) -> str:
    """``classes[2] (Series C).rank`` from a pydantic location (the union's tag dropped)."""
    out = ""
    node: object = data
    for part in loc:
        if isinstance(part, int):
            node = node[part] if isinstance(node, list) and part < len(node) else None
            name = node.get("name") if isinstance(node, dict) else None  # an entry may be anything: null, a list
            out += f"[{part}]" + (f" ({name})" if isinstance(name, str) else "")
        elif part in ("certificate", "preferred") and isinstance(node, dict) and node.get("kind") == part:
            continue
        else:
            out += f".{part}" if out else str(part)
            node = node.get(part) if isinstance(node, dict) else None
    return out or "(the file)"


def _error(source: str, field: str, clause: str, problem: str) -> CapitalStructureError:
    return CapitalStructureError(f"{source}: {field}", clause, problem)


def _certificate_cite(structure: CapitalStructure, section: str) -> str:
    """``section`` in the certificate of the structure's first certificate class (the registry's
    first series when it lists none yet: that is refused later, naming the field)."""
    series = structure.certificates[0].series if structure.certificates else series_names()[0]
    return for_series(series, section)


def _check_economics(source: str, structure: CapitalStructure) -> None:
    for i, c in enumerate(structure.classes):
        if not isinstance(c, GenericClass):
            continue
        at = f"classes[{i}] ({c.name})"
        pref = c.liquidation_preference
        if (pref.per_share is None) == (pref.multiple is None):
            raise _error(source, f"{at}.liquidation_preference", FILE_FORMAT, "give exactly one of per_share, multiple")
        if c.conversion is not None and (c.conversion.price is None) == (c.conversion.ratio is None):
            raise _error(source, f"{at}.conversion", FILE_FORMAT, "give exactly one of price, ratio (or null)")
        if c.participating and c.conversion is None:
            raise _error(
                source,
                f"{at}.conversion",
                _certificate_cite(structure, "§3(b)"),
                "a participating class shares on an as-converted basis: give its conversion price or ratio",
            )
        if c.votes_with_common and c.conversion is None:
            raise _error(
                source,
                f"{at}.votes_with_common",
                _certificate_cite(structure, "§4"),
                "a class votes with the Common Stock as converted: give its conversion price or ratio",
            )
        _check_holders(source, at, c)
        if c.participation_cap is not None and not c.participating:
            raise _error(source, f"{at}.participation_cap", FILE_FORMAT, "a cap needs participating: true")
        if c.participation_cap is not None and c.participation_cap * c.original_issue_price < c.preference_per_share:
            raise _error(
                source,
                f"{at}.participation_cap",
                FILE_FORMAT,
                f"{c.participation_cap} x the original issue price is less than the preference per share "
                f"{c.preference_per_share}: the cap limits preference and participation together",
            )
    for i, o in enumerate(structure.options_and_warrants):
        if o.issuance is not None and o.kind != "warrant":
            raise _error(
                source,
                f"options_and_warrants[{i}] ({o.name}).issuance",
                FILE_FORMAT,
                "only a warrant tranche records its issuance here (an Option of the ledger is its option_issued event)",
            )
        if o.exercisable_for != structure.common.name:
            raise _error(
                source,
                f"options_and_warrants[{i}] ({o.name}).exercisable_for",
                FILE_FORMAT,
                f"{o.exercisable_for!r}: prefstack exercises options and warrants into {structure.common.name!r} "
                "only (exercise into a class of preferred is not implemented)",
            )


def _check_holders(source: str, at: str, c: GenericClass) -> None:
    """A class's holders (optional): named once each, their shares adding up to its shares outstanding."""
    if c.holders is None:
        return
    if not c.holders:
        raise _error(source, f"{at}.holders", FILE_FORMAT, "list at least one holder, or leave holders out")
    seen: set[str] = set()
    for j, holder in enumerate(c.holders):
        if holder.name in seen:
            raise _error(source, f"{at}.holders[{j}].name", FILE_FORMAT, f"holder {holder.name!r} is listed twice")
        seen.add(holder.name)
    total = sum((h.shares for h in c.holders), Fraction(0))
    if total != c.shares_outstanding:
        raise _error(
            source,
            f"{at}.holders",
            FILE_FORMAT,
            f"the holders' shares add up to {total}, not the class's shares_outstanding {c.shares_outstanding}",
        )


def _check_names(source: str, structure: CapitalStructure) -> None:
    seen: dict[str, str] = {}
    places = [(f"classes[{i}].name", c.name) for i, c in enumerate(structure.classes)]
    places.append(("common.name", structure.common.name))
    places += [(f"options_and_warrants[{i}].name", o.name) for i, o in enumerate(structure.options_and_warrants)]
    for place, name in places:
        if name in seen:
            raise _error(source, place, FILE_FORMAT, f"duplicate class name {name!r} (also {seen[name]})")
        seen[name] = place
    series_seen: dict[str, int] = {}
    for i, c in enumerate(structure.classes):
        if not isinstance(c, CertificateClass):
            continue
        if c.series not in series_names():
            raise _error(
                source,
                f"classes[{i}] ({c.name}).series",
                FILE_FORMAT,
                f"unknown series {c.series!r}: prefstack has terms for {', '.join(series_names())}",
            )
        owner = issuer_of_series(c.series)
        if structure.company not in (owner.id, owner.name):
            raise _error(
                source,
                f"classes[{i}] ({c.name}).series",
                FILE_FORMAT,
                f"Series {c.series} is a series of {owner.name}, not of {structure.company}",
            )
        if c.series in series_seen:
            raise _error(
                source,
                f"classes[{i}] ({c.name}).series",
                FILE_FORMAT,
                f"series {c.series} is already classes[{series_seen[c.series]}]",
            )
        series_seen[c.series] = i
        expected = load_terms(c.series).designation.value
        if c.name != f"Series {c.series}":
            raise _error(
                source,
                f"classes[{i}] ({c.name}).name",
                f"{c.series} §1(a)",
                f"the class of series {c.series} is named 'Series {c.series}' ({expected})",
            )
    if not series_seen:
        known = series_names()
        raise _error(
            source,
            "classes",
            ", ".join(load_terms(name).liquidation.preference_multiple.cite for name in known),
            f"list at least one certificate class (kind: certificate, series: {' or '.join(known)})",
        )


def _check_seniority(source: str, structure: CapitalStructure) -> None:
    """Each certificate's §1(b): its Senior Securities listed and ranked ahead of it, its Parity
    Securities at its rank, its Junior Securities (the Common Stock) after it."""
    ranks = {c.name: (i, c.rank) for i, c in enumerate(structure.classes)}
    for c in structure.certificates:
        terms = load_terms(c.series)
        ranking = terms.ranking
        at = f"classes[{ranks[c.name][0]}] ({c.name}).rank"
        for name in ranking.senior.value:
            if name not in ranks:
                raise _error(
                    source,
                    "classes",
                    ranking.senior.cite,
                    f"{name} ranks senior to Series {c.series} but is not listed "
                    '(list it, with shares_outstanding "0" if none is outstanding)',
                )
            if ranks[name][1] >= c.rank:
                raise _error(
                    source,
                    f"classes[{ranks[name][0]}] ({name}).rank",
                    ranking.senior.cite,
                    f"rank {ranks[name][1]} is not ahead of Series {c.series}'s rank {c.rank}: "
                    f"{name} is a Senior Security of Series {c.series}",
                )
        for name in ranking.parity.value:
            if name in ranks and ranks[name][1] != c.rank:
                raise _error(
                    source,
                    at,
                    ranking.parity.cite,
                    f"rank {c.rank} differs from {name}'s rank {ranks[name][1]}: they rank on a parity",
                )
        if structure.common.name not in ranking.junior.value:
            raise _error(
                source,
                "common.name",
                ranking.junior.cite,
                f"{structure.common.name!r} is not the Junior Securities' Common Stock of Series {c.series} "
                f"({', '.join(ranking.junior.value)})",
            )
    top = structure.certificate_rank
    series = [c.series for c in structure.certificates]
    cites = [load_terms(name).liquidation.participates_as_converted.cite for name in series]
    for i, g in enumerate(structure.classes):
        if isinstance(g, GenericClass) and g.rank > top:
            raise _error(
                source,
                f"classes[{i}] ({g.name}).rank",
                cites[0],
                f"rank {g.rank} is junior to Series {' and '.join(series)} (rank {top}): after their preferences "
                f"what remains goes to the Common Stock and the classes sharing with it as converted "
                f"({' and '.join(cites)}), so a junior preference cannot be paid; prefstack does not implement "
                "classes junior to the certificates",
            )


def parse_capital_structure(data: object, source: str) -> CapitalStructure:
    """Validate parsed YAML as a capital structure; every problem names its field."""
    if isinstance(data, dict):
        unknown = sorted(set(data) - set(CapitalStructure.model_fields))
        if unknown:
            raise _error(source, unknown[0], FILE_FORMAT, "unknown field")
    try:
        structure = CapitalStructure.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        problem = first["msg"].removeprefix("Value error, ") if first["type"] != "extra_forbidden" else "unknown field"
        more = len(exc.errors()) - 1
        raise _error(
            source, _where(data, first["loc"]), FILE_FORMAT, problem + (f" (and {more} more)" if more else "")
        ) from exc
    _check_names(source, structure)
    _check_economics(source, structure)
    _check_seniority(source, structure)
    return structure


def load_capital_structure(path: Path) -> LoadedStructure:
    """Read and validate the capital-structure file at ``path``."""
    from prefstack.ledger.files import load_text

    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CapitalStructureError(str(path), FILE_FORMAT, f"cannot be read: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise CapitalStructureError(str(path), FILE_FORMAT, f"is not UTF-8 text (byte {exc.start})") from exc
    try:
        data = load_text(text, path.suffix, str(path))
    except InputError as exc:
        raise CapitalStructureError(str(path), FILE_FORMAT, exc.problem) from exc
    return LoadedStructure(parse_capital_structure(data, str(path)), str(path))


# ----------------------------------------------------------------------------- bundled files

ISSUERS = "issuers"


@cache
def _bundled() -> dict[str, tuple[str, CapitalStructure]]:
    """The bundled capital structures by company name: (package path, structure)."""
    found: dict[str, tuple[str, CapitalStructure]] = {}
    folder = resources.files(__package__).joinpath(ISSUERS)
    for issuer in sorted(folder.iterdir(), key=lambda p: p.name):
        item = issuer.joinpath("capital_structure.yaml")
        if not item.is_file():
            continue
        where = f"prefstack/instruments/{ISSUERS}/{issuer.name}/capital_structure.yaml"
        structure = parse_capital_structure(load_data(item.read_text(encoding="utf-8")), where)
        found[structure.company] = (where, structure)
    return found


def bundled_names() -> list[str]:
    """The companies (legal names) prefstack bundles a capital structure for."""
    return sorted(_bundled())


def bundled_for_company(company: str | None, field: str) -> LoadedStructure:
    """The bundled capital structure of ``company`` (the ledger's ``company:``); an error naming
    ``field`` when the ledger names no company or prefstack bundles none for it."""
    known = ", ".join(sorted(_bundled())) or "none"
    if company is None:
        raise InputError(field, FILE_FORMAT, f"the ledger names no company (bundled capital structures: {known})")
    if company not in _bundled():
        raise InputError(field, FILE_FORMAT, f"no bundled capital structure for {company!r} (bundled: {known})")
    where, structure = _bundled()[company]
    return LoadedStructure(structure, f"bundled {where} (the ledger's company: {company})")


def capital_structure_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a capital-structure file (``prefstack schema capital-structure``)."""
    schema = CapitalStructure.model_json_schema(mode="validation")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://prefstack.invalid/schema/capital-structure-1.json",
        **schema,
        "title": "prefstack capital structure",
        "description": (__doc__ or "").strip(),
    }


def accrued_days(start: dt.date, on: dt.date) -> int:
    """Days of accrual of a generic cumulative dividend: from ``start`` to ``on`` (CAPSTRUCT-DIVIDEND-ACCRUAL)."""
    return (on - start).days
