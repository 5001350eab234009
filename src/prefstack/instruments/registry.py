"""The issuers prefstack knows: one folder per company under ``instruments/issuers/``.

Each folder holds ``issuer.yaml`` (``format: prefstack-issuer/1``, the company's ``id`` and legal
``name``, and optionally its ``transfer_agent``: ``name`` and ``address`` lines, read by
NOTICE-ADDRESS=transfer-agent), one folder per series (its ``terms.yaml`` and ``sections.yaml``, beside the
certificate's text where the package carries it) and, optionally, the company's
``capital_structure.yaml``. A company is named by its id (``cais-internet``) or by its legal name
as ledger files write it (``CAIS Internet, Inc.``); :func:`issuer` resolves either and refuses
anything else with an error naming the field.

Series ids are unique across the registry (a second folder declaring a series id already taken
is refused): a citation ``"H §2(a)"`` names one certificate, whatever the company.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from importlib.abc import Traversable

from prefstack.datafiles import load_data
from prefstack.errors import InputError

__all__ = ["ISSUER_FILE", "Issuer", "IssuerError", "TransferAgent", "issuer", "issuer_of_series", "issuers"]

ISSUER_FILE = "issuer.yaml"
FORMAT = "prefstack-issuer/1"
_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
_SECTIONS_FILE = "sections.yaml"
_REQUIRED = {"format", "id", "name"}
_OPTIONAL = {"transfer_agent"}
MAX_ADDRESS_LINES = 6
"""The most lines a transfer agent's address may have (as a holder's, :mod:`prefstack.ledger.events`)."""


class IssuerError(InputError):
    """A malformed issuer folder of the package, or a company prefstack does not know."""


@dataclass(frozen=True)
class TransferAgent:
    """The transfer agent of a company's preferred stock, as its ``issuer.yaml`` names it: notices
    are mailed to holders "at their last addresses as shown on the records of the Company, or such
    transfer agent" (F/G §5(k))."""

    name: str
    address: tuple[str, ...]


@dataclass(frozen=True)
class Issuer:
    """A company prefstack has certificates of: its id, legal name and series ids (name order), and
    its transfer agent where its ``issuer.yaml`` names one (None: none on file)."""

    id: str
    name: str
    series: tuple[str, ...]
    transfer_agent: TransferAgent | None = None


def _folder() -> Traversable:
    return resources.files("prefstack.instruments").joinpath("issuers")


def _series_ids(where: str, folder: Traversable) -> tuple[str, ...]:
    found: list[str] = []
    for series in sorted(folder.iterdir(), key=lambda p: p.name):
        listing = series.joinpath(_SECTIONS_FILE)
        if series.is_dir() and listing.is_file():
            ident = load_data(listing.read_text(encoding="utf-8")).get("certificate")
            if not isinstance(ident, str):
                raise IssuerError(f"{where}/{series.name}/{_SECTIONS_FILE}.certificate", FORMAT, "needs a series id")
            found.append(ident)
    return tuple(found)


def _read(where: str, folder: Traversable) -> Issuer:
    data = load_data(folder.joinpath(ISSUER_FILE).read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not _REQUIRED <= set(data) <= _REQUIRED | _OPTIONAL:
        raise IssuerError(where, FORMAT, "needs format, id and name, and may have transfer_agent; nothing else")
    if data["format"] != FORMAT:
        raise IssuerError(f"{where}.format", FORMAT, f"must be {FORMAT!r}, not {data['format']!r}")
    ident, name = data["id"], data["name"]
    if not isinstance(ident, str) or not _ID.fullmatch(ident) or ident != folder.name:
        raise IssuerError(
            f"{where}.id", FORMAT, f"{ident!r} must be the folder's name, lower-case letters, digits and hyphens"
        )
    if not isinstance(name, str) or not name.strip():
        raise IssuerError(f"{where}.name", FORMAT, "needs the company's legal name")
    agent = _transfer_agent(f"{where}.transfer_agent", data["transfer_agent"]) if "transfer_agent" in data else None
    return Issuer(ident, name, _series_ids(where, folder), agent)


def _line(where: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip() or "\n" in value or len(value) > 200:
        raise IssuerError(where, FORMAT, f"needs one line of text of at most 200 characters, not {value!r}")
    return value.strip()


def _transfer_agent(where: str, data: object) -> TransferAgent:
    """An issuer's ``transfer_agent``: its ``name`` and its ``address``, a list of 1 to 6 lines."""
    if not isinstance(data, dict) or set(data) != {"name", "address"}:
        raise IssuerError(where, FORMAT, "needs exactly name and address (a list of lines)")
    address = data["address"]
    if not isinstance(address, list) or not 1 <= len(address) <= MAX_ADDRESS_LINES:
        raise IssuerError(f"{where}.address", FORMAT, f"needs a list of 1 to {MAX_ADDRESS_LINES} lines")
    lines = tuple(_line(f"{where}.address[{n}]", line) for n, line in enumerate(address))
    return TransferAgent(_line(f"{where}.name", data["name"]), lines)


@cache
def issuers() -> dict[str, Issuer]:
    """Every issuer of the package by id; a series id claimed by two issuers is refused."""
    found: dict[str, Issuer] = {}
    owner: dict[str, str] = {}
    for folder in sorted(_folder().iterdir(), key=lambda p: p.name):
        if not folder.is_dir():
            continue
        where = f"instruments/issuers/{folder.name}/{ISSUER_FILE}"
        if not folder.joinpath(ISSUER_FILE).is_file():
            raise IssuerError(where, FORMAT, "every issuer folder needs an issuer.yaml")
        company = _read(where, folder)
        for series in company.series:
            if series in owner:
                raise IssuerError(
                    f"{where}.series", FORMAT, f"series {series!r} is already a series of {owner[series]!r}"
                )
            owner[series] = company.id
        if any(company.name == other.name for other in found.values()):
            raise IssuerError(f"{where}.name", FORMAT, f"{company.name!r} is the name of another issuer")
        found[company.id] = company
    return found


def issuer(company: str, field: str = "company") -> Issuer:
    """The issuer ``company`` names, by id or by legal name; an error naming ``field`` otherwise."""
    known = issuers()
    if company in known:
        return known[company]
    for candidate in known.values():
        if candidate.name == company:
            return candidate
    listed = ", ".join(f"{i.id} ({i.name})" for i in known.values())
    raise IssuerError(field, FORMAT, f"no issuer {company!r}; prefstack knows {listed}")


def issuer_of_series(series: str) -> Issuer:
    """The issuer whose certificate ``series`` is (a series id of the registry)."""
    for candidate in issuers().values():
        if series in candidate.series:
            return candidate
    raise IssuerError("series", FORMAT, f"no issuer has a series {series!r}")
