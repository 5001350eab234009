"""Who may ask what of the web service, and what a holder is shown.

A request is signed in by an API token (``Authorization: Bearer TOKEN``) or by a session cookie
(:func:`authenticate`); a cookie's writes carry the session's CSRF token (:func:`require_csrf`),
a token's need none (a browser never sends it by itself). Its user then needs a role in the
company of the URL (:func:`grant`): the roles each endpoint admits are :data:`ADMIN` (writes),
:data:`READERS` (questions about every holder: the state, waterfall, redemption, votes, calendar,
audit trail) or :data:`EVERYONE` (questions a holder may ask about itself, the certificates of
adjustment every holder is furnished, the interpretations). Anything else is :class:`Refused`:
401 or 403 with an empty body, the same for a company that does not exist as for one the user has
no role in.

A holder is shown its own records only (:func:`holder_asked`, :func:`positions_of`,
:func:`dividends_of`, :func:`conversion_of`): never another holder's name, shares or figures, nor a series total that
would reveal them (a series' shares outstanding less its own are the others'), nor the
explanation trees (their inputs may hold series totals).
"""

from __future__ import annotations

import dataclasses
import hmac
from typing import Any

from starlette.requests import Request

from prefstack.errors import InputError
from prefstack.interpretations.readings import ReadingSet
from prefstack.web.accounts import Accounts, Grant

ADMIN: tuple[str, ...] = ("administrator",)
READERS: tuple[str, ...] = ("administrator", "auditor")
EVERYONE: tuple[str, ...] = ("administrator", "auditor", "holder")


class Refused(Exception):
    """A request refused: 401 (not signed in) or 403 (signed in, not allowed); its body is empty."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


@dataclasses.dataclass(frozen=True)
class Caller:
    """A signed-in user: ``session`` and ``csrf`` where signed in by a session cookie."""

    name: str
    session: str | None = None
    csrf: str | None = None


@dataclasses.dataclass(frozen=True)
class Access:
    """A user's access to one company (an issuer id) under its role."""

    user: str
    company: str
    grant: Grant
    readings: ReadingSet = ()
    """The reading set the request's questions are answered under (its ``reading=ID=ALT``
    parameters; empty: prefstack's readings)."""
    compare: ReadingSet = ()
    """The reading set the question is asked under a second time, to compare (its
    ``compare=ID=ALT`` parameters added to ``readings``; empty: no comparison)."""

    @property
    def holder(self) -> str | None:
        """The holder id of a holder's role; None for an administrator or auditor."""
        return self.grant.holder if self.grant.role == "holder" else None


def authenticate(accounts: Accounts, request: Request, cookie: str) -> Caller:
    """The user a request is signed in as: its bearer token, else its session cookie; 401 else."""
    header = request.headers.get("authorization")
    if header is not None:
        scheme, _, token = header.partition(" ")
        name = accounts.token_user(token.strip()) if scheme.lower() == "bearer" and token.strip() else None
        if name is None:
            raise Refused(401)
        return Caller(name)
    session = request.cookies.get(cookie)
    found = None if session is None else accounts.session(session)
    if session is None or found is None:
        raise Refused(401)
    return Caller(found[0], session, found[1])


def require_csrf(caller: Caller, given: str | None, form_field: str | None = None) -> None:
    """A write signed in by a session cookie carries the session's CSRF token (403 otherwise): in
    the ``X-CSRF-Token`` header (``given``) or, from a page's form, in its hidden ``csrf_token``
    field (``form_field``); either one that matches will do."""
    if caller.session is None:
        return
    if caller.csrf is None:
        raise Refused(403)
    expected = caller.csrf.encode()
    if not any(t is not None and hmac.compare_digest(t.encode(), expected) for t in (given, form_field)):
        raise Refused(403)


def grant(accounts: Accounts, caller: Caller, company: str, roles: tuple[str, ...]) -> Access:
    """The caller's access to ``company`` (an issuer id or legal name) where its role there is one
    of ``roles``; 403 otherwise (no such company, no role in it, another role)."""
    from prefstack.instruments.registry import issuer

    try:
        company_id = issuer(company, "company").id
    except InputError as exc:
        raise Refused(403) from exc
    found = accounts.grants(caller.name).get(company_id)
    if found is None or found.role not in roles:
        raise Refused(403)
    return Access(caller.name, company_id, found)


def holder_asked(access: Access, holder: str | None) -> str:
    """The holder a question about one holder is asked about: a holder's own (403 where it names
    another); the one an administrator or auditor names (422 where none is named)."""
    if access.holder is not None:
        if holder is not None and holder != access.holder:
            raise Refused(403)
        return access.holder
    if holder is None:
        raise InputError("holder", "access control", "name the holder (an administrator or auditor asks about any)")
    return holder


def positions_of(report: dict[str, Any], holder: str) -> dict[str, Any]:
    """A holder's positions from a state's JSON (``prefstack state --format json``): for each series
    it holds, its record as the state writes it, without the explanation tree, beside the series'
    id and designation (no series total)."""
    positions = [
        {"series": series["series"], "designation": series["designation"], **_without_explain(record)}
        for series in report["series"]
        for record in series["holders"]
        if record["holder"] == holder
    ]
    return {"as_of": report["as_of"], "holder": holder, "positions": positions}


def dividends_of(answer: dict[str, Any], access: Access) -> dict[str, Any]:
    """The dividends of a Payment Date (``prefstack dividends --format json``) as ``access`` may see
    them: everything for an administrator or auditor; for a holder, each series' outcome and its own
    rows only, without the explanation trees."""
    if access.holder is None:
        return answer
    series = [
        {
            **{k: v for k, v in s.items() if k != "holders"},
            "holders": [_without_explain(h) for h in s["holders"] if h["holder"] == access.holder],
        }
        for s in answer["series"]
    ]
    return {**answer, "series": series}


def conversion_of(quote: dict[str, Any], access: Access) -> dict[str, Any]:
    """A conversion's quote (``prefstack convert --format json``; asked about the holder's own
    shares, :func:`holder_asked`): a holder's without the explanation tree."""
    return quote if access.holder is None else _without_explain(quote)


def _without_explain(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k != "explain"}
