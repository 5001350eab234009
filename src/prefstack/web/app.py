"""The web service: every question of the command line over HTTP, with users, roles and sessions.

Each question is asked of the query layer (:class:`prefstack.books.Books`) and answered with the
JSON the command prints with ``--format json`` (:func:`prefstack.answers.json_ready`); appends and
imports go through :mod:`prefstack.ledger.service`, as the command line's do. Who may ask what is
:mod:`prefstack.web.access`'s; the users, tokens, sessions and idempotency keys are
:mod:`prefstack.web.accounts`'s. ``docs/web.md`` describes the endpoints.

Every refusal (not signed in, no role in the company, a role that may not ask) is 401 or 403
with an empty body. A question or event refused by prefstack answers 422 with the field, the
clause and the problem of its :class:`~prefstack.errors.InputError`; a stale ``If-Match`` answers
409 with the ledger's current version.
"""

import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from prefstack.answers import COMPARABLE, json_ready
from prefstack.arguments import parse_date, parse_exact, series_name
from prefstack.books import Books
from prefstack.errors import InputError, PrefstackError
from prefstack.instruments.capital_structure import LoadedStructure, bundled_for_company
from prefstack.ledger.hashing import InvalidEvent
from prefstack.ledger.store import ConcurrencyError, StoredEvent, StoreUnavailable
from prefstack.scenario_answers import breakpoints_json
from prefstack.web import access, jobs, pages
from prefstack.web.access import ADMIN, EVERYONE, READERS, Access, Caller, Refused
from prefstack.web.accounts import SESSION_SECONDS, Accounts

__all__ = ["create_app"]

SESSION_COOKIE = "prefstack_session"
CSRF_HEADER = "X-CSRF-Token"
IDEMPOTENCY = "idempotency"
"""The clause of the errors about an ``Idempotency-Key`` (no certificate governs it)."""


def error_answer(exc: PrefstackError) -> tuple[int, dict[str, Any]]:
    """The status and JSON body of an error prefstack raised on purpose: 409 for a stale version
    (with the current one), 503 for a store that cannot be reached, 422 for everything refused
    (the field, clause and problem it names)."""
    if isinstance(exc, ConcurrencyError):
        return 409, {"problem": str(exc), "expected_version": exc.expected, "current_version": exc.actual}
    if isinstance(exc, StoreUnavailable):
        return 503, {"problem": str(exc)}
    if isinstance(exc, InvalidEvent):
        return 422, {"field": exc.field, "clause": "ledger format", "problem": exc.problem}
    return 422, {
        "field": getattr(exc, "field", None),
        "clause": getattr(exc, "clause", None),
        "problem": getattr(exc, "problem", str(exc)),
    }


def _response(status: int, body: dict[str, Any] | list[Any], headers: dict[str, str] | None = None) -> JSONResponse:
    out = dict(headers or {})
    if isinstance(body, dict) and isinstance(body.get("current_version", body.get("version")), int):
        out["ETag"] = f'"{body.get("current_version", body.get("version"))}"'
    return JSONResponse(body, status_code=status, headers=out)


class EventWrite(BaseModel):
    """``POST .../events``: one event as a ledger file writes it (``kind``, ``date`` and its fields;
    who recorded it and when are the service's), and the ledger version the client decided on."""

    event: dict[str, Any]
    expected_version: int | None = Field(default=None, ge=0)


def create_app(db: str) -> FastAPI:
    """The service over the store at ``db`` (its user tables are created if missing)."""
    accounts = Accounts(db)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        app.state.jobs.close()
        accounts.close()

    app = FastAPI(
        lifespan=lifespan,
        title="prefstack",
        summary="Certificates of designation of convertible preferred stock as executable, auditable software",
        version="0.1.0",
        docs_url=None,  # FastAPI's pages load their scripts from a CDN; everything served is the package's
        redoc_url=None,
    )
    app.state.accounts = accounts
    app.state.db = db

    @app.exception_handler(Refused)
    def refused(_: Request, exc: Refused) -> Response:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return Response(status_code=exc.status, headers=headers)

    @app.exception_handler(PrefstackError)
    def prefstack_error(_: Request, exc: PrefstackError) -> Response:
        return _response(*error_answer(exc))

    def caller(request: Request) -> Caller:
        return access.authenticate(accounts, request, SESSION_COOKIE)

    def allow(roles: tuple[str, ...], *, write: bool = False) -> Callable[..., Access]:
        def dependency(company: str, request: Request, who: Annotated[Caller, Depends(caller)]) -> Access:
            if write:
                access.require_csrf(who, request.headers.get(CSRF_HEADER))
            admitted = access.grant(accounts, who, company, roles)
            if write and request.query_params.getlist("reading"):
                from prefstack.interpretations import readings

                problem = "the ledger is validated under prefstack's readings: append without reading"
                raise InputError("reading", readings.CLAUSE, problem)
            return admitted

        return dependency

    Readings = Annotated[
        list[str],
        Query(
            description="ID=ALTERNATIVE: answer under another reading of the certificates (`--reading`; "
            "`prefstack interpretations` lists the implemented alternatives); repeat for several"
        ),
    ]

    Compare = Annotated[
        list[str],
        Query(
            description="ID=ALTERNATIVE: answer also under this reading (added to `reading`) and say where the "
            "two answers differ (`--compare-reading`); only with state, convert, waterfall, dividends, "
            "redemption, votes and transaction"
        ),
    ]

    def asking(roles: tuple[str, ...]) -> Callable[..., Access]:
        """A question's access: the role's, then (once admitted) the reading set its ``reading``
        parameters name and the one its ``compare`` parameters add, refused 422 naming the
        parameter where one is unknown or only described, or where ``compare`` is given to a
        question that is not compared (:data:`COMPARABLE`)."""
        admitted = allow(roles)

        def dependency(
            request: Request,
            who: Annotated[Access, Depends(admitted)],
            reading: Readings = [],  # noqa: B006
            compare: Compare = [],  # noqa: B006
        ) -> Access:
            from prefstack.interpretations import readings

            chosen = readings.parse(readings.parse_options(reading, "reading"), "reading")
            compared = readings.parse_options(compare, "compare")
            if compared and request.url.path.rsplit("/", 1)[-1] not in COMPARABLE:
                raise InputError("compare", readings.CLAUSE, f"compare goes with a question: {', '.join(COMPARABLE)}")
            both = readings.parse({**dict(chosen), **compared}, "compare") if compared else ()
            return dataclasses.replace(who, readings=chosen, compare=both)

        return dependency

    def answered(who: Access, ask: Callable[[Access], Any]) -> JSONResponse:
        """``ask``'s answer under the request's reading set; with ``compare``, asked again under the
        compared set and answered as ``--compare-reading --format json`` prints it: ``{"answer",
        "compared_under", "alternative", "differences"}``."""
        answer = ask(who)
        if not who.compare:
            return _response(200, answer)
        from prefstack.answers import differences

        other = ask(dataclasses.replace(who, readings=who.compare, compare=()))
        under = ", ".join(f"{ident}={alternative}" for ident, alternative in who.compare)
        found = differences(answer, other)
        return _response(200, {"answer": answer, "compared_under": under, "alternative": other, "differences": found})

    Reader = Annotated[Access, Depends(asking(READERS))]
    Anyone = Annotated[Access, Depends(asking(EVERYONE))]
    Writer = Annotated[Access, Depends(allow(ADMIN, write=True))]
    KnownAt = Annotated[str | None, Query(description="As the ledger stood at this instant (ISO 8601, UTC offset)")]
    Structure = Annotated[
        str, Query(description="'none' (the ledger's series and Common Stock) or 'company' (its bundled file)")
    ]

    def books(who: Access, known_at: str | None = None) -> Books:
        from prefstack.ledger.files import parse_recorded_at

        moment = None if known_at is None else parse_recorded_at(known_at, "known_at")
        return Books(db, who.company, known_at=moment, readings=who.readings)

    def structure(value: str, who: Access) -> LoadedStructure | None:
        from prefstack.ledger import service

        if value == "none":
            return None
        if value == "company":
            return bundled_for_company(service.company_name(who.company), "capital_structure")
        raise InputError("capital_structure", "capital structure", f"{value!r}: give 'none' or 'company'")

    # ------------------------------------------------------------------ signing in

    @app.post(
        "/login",
        tags=["session"],
        responses={
            401: {"description": "Wrong name or password (empty body)"},
            429: {"description": "Too many failed sign-ins for the name or from the address (Retry-After)"},
        },
    )
    async def login(request: Request) -> Response:
        """Sign in with a name and password (a form or JSON): sets the session cookie (HttpOnly,
        SameSite=Strict, Secure over https) and answers the session's CSRF token."""
        given = await _credentials(request)
        from_page = await _page_next(request)
        if from_page is not None and not pages.login_token_ok(request, (await _form(request) or {}).get("csrf_token")):
            # the sign-in page's form without its page's token (posted from elsewhere, or expired)
            return pages.login_page(from_page, "The sign-in form expired: sign in again.", 403)
        # the client's address as uvicorn gives it (behind a proxy on 127.0.0.1, the forwarded one);
        # a transport that gives none: all such clients counted under one address, "unknown"
        address = request.client.host if request.client is not None else "unknown"
        if given is not None:
            wait = await run_in_threadpool(accounts.sign_in_wait, given[0], address)
            if wait:
                minutes = -(-wait // 60)
                if from_page is not None:
                    text = f"Too many failed sign-ins: try again in {minutes} minute{'s' if minutes > 1 else ''}."
                    page = pages.login_page(from_page, text, 429)
                    page.headers["Retry-After"] = str(wait)
                    return page
                return Response(status_code=429, headers={"Retry-After": str(wait)})
        if given is None or not await run_in_threadpool(accounts.check_password, *given):
            if given is not None:
                await run_in_threadpool(accounts.sign_in_failed, given[0], address)
            if from_page is not None:  # the sign-in page's form: the page again, saying why
                return pages.login_page(from_page, "Wrong name or password.", 401)
            raise Refused(401)
        await run_in_threadpool(accounts.signed_in, given[0])
        session, csrf = await run_in_threadpool(accounts.start_session, given[0])
        response: Response = JSONResponse({"user": given[0], "csrf_token": csrf})
        if from_page is not None:
            response = RedirectResponse(pages.safe_next(from_page), status_code=303)
            response.delete_cookie(pages.LOGIN_COOKIE, path="/login", httponly=True, samesite="strict")
        response.set_cookie(
            SESSION_COOKIE,
            session,
            max_age=SESSION_SECONDS,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
            path="/",
        )
        return response

    @app.post("/logout", tags=["session"], status_code=204)
    async def logout(request: Request, who: Annotated[Caller, Depends(caller)]) -> Response:
        """End the session (a session's logout carries its CSRF token, in ``X-CSRF-Token`` or a
        page's form field ``csrf_token``); a token's request ends nothing. A page's form is
        answered 303 to the sign-in page."""
        form = await _form(request)
        token = None if form is None else form.get("csrf_token")
        access.require_csrf(who, request.headers.get(CSRF_HEADER), token if isinstance(token, str) else None)
        if who.session is not None:
            await run_in_threadpool(accounts.end_session, who.session)
        response = Response(status_code=204) if form is None else RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")
        return response

    @app.get("/api/session", tags=["session"])
    def session_info(who: Annotated[Caller, Depends(caller)]) -> JSONResponse:
        """Who is signed in, their roles by company, and (for a session) its CSRF token."""
        grants = accounts.grants(who.name)
        roles = [dataclasses.asdict(g) for g in sorted(grants.values(), key=lambda g: g.company)]
        return JSONResponse({"user": who.name, "roles": roles, "csrf_token": who.csrf})

    pages.add_pages(app, db, accounts, SESSION_COOKIE, CSRF_HEADER)

    # ------------------------------------------------------------------ questions

    @app.get("/api/companies/{company}/state", tags=["questions"])
    def state(
        who: Reader,
        as_of: str,
        known_at: KnownAt = None,
        explain: bool = False,
        capital_structure: Structure = "none",
    ) -> JSONResponse:
        """``prefstack state``: every series and holder on ``as_of`` (administrator, auditor)."""
        day = parse_date(as_of, "as_of", "F §3(a)")
        used = structure(capital_structure, who)
        return answered(who, lambda w: json_ready(books(w, known_at).state(day, structure=used, explain=explain)))

    @app.get("/api/companies/{company}/positions", tags=["questions"])
    def positions(who: Anyone, as_of: str, holder: str | None = None, known_at: KnownAt = None) -> JSONResponse:
        """One holder's positions on ``as_of``: its record of each series it holds, as ``prefstack
        state`` writes it (without the explanation trees). A holder sees its own; an administrator
        or auditor names the holder."""
        whose = access.holder_asked(who, holder)
        day = parse_date(as_of, "as_of", "F §3(a)")
        report = json_ready(books(who, known_at).state(day, explain=False))
        return _response(200, access.positions_of(report, whose))

    @app.get("/api/companies/{company}/schedule", tags=["questions"])
    def schedule(
        who: Anyone,
        series: str,
        issue_date: str | None = None,
        shares: str | None = None,
        through: str | None = None,
        conversion_price: str | None = None,
        explain: bool = False,
        row: str | None = None,
    ) -> JSONResponse:
        """``prefstack schedule``: a series' dividend schedule from its terms alone (F Sched. 1's
        form for a series paying in shares; each Payment Date's cash otherwise); no ledger figure,
        so every role asks it. ``explain``: every input and clause behind one row (``row``, its
        date; the first dividend's by default), as ``schedule --explain --format json`` prints it,
        under ``explain``, with the schedule's ``warnings``."""
        from prefstack.schedules import cash_records, explained_row, pik_records, schedule_question

        fields = {k: k for k in ("series", "issue_date", "shares", "through", "conversion_price", "explain", "row")}
        asked = schedule_question(series, issue_date, shares, through, conversion_price, fields)
        if explain:
            tree, warnings = explained_row(asked, row, fields)
            return _response(200, {"explain": tree.to_dict(), "warnings": list(warnings)})
        if row is not None:
            raise InputError("row", "F Sched. 1", "row names the row explain=true explains")
        if not asked.pays_in_shares:
            return _response(200, cash_records(asked))
        return _response(200, pik_records(asked))

    @app.get("/api/companies/{company}/dividends", tags=["questions"])
    def dividends(who: Anyone, payment_date: str, series: str | None = None) -> JSONResponse:
        """``prefstack dividends``: each holder's dividend of a Payment Date (a holder: its own rows)."""
        day = parse_date(payment_date, "payment_date", "F §2(a)")
        which = None if series is None else series_name(series, "series")
        return answered(who, lambda w: access.dividends_of(json_ready(books(w).dividends(day, which)), w))

    @app.get("/api/companies/{company}/convert", tags=["questions"])
    def convert(who: Anyone, series: str, holder: str, shares: str, on: str, funds: str | None = None) -> JSONResponse:
        """``prefstack convert``: what converting ``shares`` of ``holder`` on ``on`` gives (a holder:
        its own shares only)."""
        whose = access.holder_asked(who, holder)
        name = series_name(series, "series")
        day = parse_date(on, "on", f"{name} §5(c)(i)")
        converted = parse_exact(shares, "shares", f"{name} §5(a)")
        cash = None if funds is None else parse_exact(funds, "funds", f"{name} §5(c)(iii)")
        return answered(
            who, lambda w: access.conversion_of(json_ready(books(w).convert(day, name, whose, converted, cash)), w)
        )

    @app.get("/api/companies/{company}/waterfall", tags=["questions"])
    def waterfall(
        who: Reader,
        proceeds: str,
        on: str,
        senior: Annotated[list[str] | None, Query()] = None,
        non_cash: Annotated[list[str] | None, Query()] = None,
        capital_structure: Structure = "none",
    ) -> JSONResponse:
        """``prefstack waterfall``: each class and holder's amount of a liquidation (administrator, auditor)."""
        from prefstack.queries import parse_non_cash, parse_senior

        day, cash = parse_date(on, "on", "F §3(a)"), parse_exact(proceeds, "proceeds", "F §3(a)")
        seniors, others = [parse_senior(x) for x in senior or []], [parse_non_cash(x) for x in non_cash or []]
        used = structure(capital_structure, who)
        return answered(who, lambda w: json_ready(books(w).waterfall(day, cash, seniors, others, used)))

    @app.get("/api/companies/{company}/breakpoints", tags=["questions"])
    def breakpoints(who: Reader, on: str, capital_structure: Structure = "none") -> JSONResponse:
        """``prefstack breakpoints``: the exit values where any class's payoff changes slope on
        ``on``, exact, each with its reason and clause, and what converts or is exercised on each
        stretch (administrator, auditor: the breakpoints of every class reveal every position)."""
        day = parse_date(on, "on", "F §3(a)")
        used = structure(capital_structure, who)
        return _response(200, breakpoints_json(books(who).scenario_plan(day, used), used))

    @app.get("/api/companies/{company}/transaction", tags=["questions"])
    def transaction(
        who: Reader,
        kind: str,
        on: str,
        prior_stockholders_share: str | None = None,
        all_or_substantially_all: bool | None = None,
        consideration: str | None = None,
        acquirer: Annotated[list[str] | None, Query()] = None,
        voting_power_after: str | None = None,
        agreement_only: bool = False,
        period_start_year: int | None = None,
        board_size: int | None = None,
        continuing_directors: int | None = None,
        insolvency: str | None = None,
        appointed_with_consent: bool | None = None,
        vacated_or_stayed_on: str | None = None,
        as_of: str | None = None,
    ) -> JSONResponse:
        """``prefstack transaction``: would this transaction be a Mandatory Redemption Event of each
        series, and a deemed liquidation of Series G (with its payout)? Nothing is recorded
        (administrator, auditor)."""
        from prefstack.proposals import judged_on, proposed_transaction

        facts: dict[str, object] = {
            "prior_stockholders_voting_share": prior_stockholders_share,
            "all_or_substantially_all": all_or_substantially_all,
            "consideration": consideration,
            "acquirers": acquirer or [],
            "voting_power_after": voting_power_after,
            "period_start_year": period_start_year,
            "board_size": board_size,
            "continuing_directors": continuing_directors,
            "insolvency": insolvency,
            "appointed_with_consent": appointed_with_consent,
            "vacated_or_stayed_on": vacated_or_stayed_on,
        }
        event = proposed_transaction(kind, on, facts, agreement_only, "kind")
        judge_on = judged_on(event, as_of, "as_of")
        return answered(who, lambda w: json_ready(books(w).proposed_transaction(event, judge_on)))

    @app.get("/api/companies/{company}/redemption", tags=["questions"])
    def redemption(
        who: Reader, on: str, series: str, funds: str | None = None, in_common: bool = False
    ) -> JSONResponse:
        """``prefstack redemption``: shares redeemed pro rata with ``funds``, or (``in_common``) the
        Redemption Price paid in Common Stock (administrator, auditor)."""
        name = series_name(series, "series")
        day = parse_date(on, "on", f"{name} §6(a)")
        if in_common:
            return answered(who, lambda w: json_ready(books(w).redemption_in_common(day, name)))
        if funds is None:
            raise InputError("funds", f"{name} §6(a)", "give the funds legally available (or in_common=true)")
        available = parse_exact(funds, "funds", f"{name} §6(a)")
        return answered(who, lambda w: json_ready(books(w).redemption(day, name, available)))

    @app.get("/api/companies/{company}/votes", tags=["questions"])
    def votes(who: Reader, as_of: str, capital_structure: Structure = "none") -> JSONResponse:
        """``prefstack votes``: each holder's votes and each series' voting power (administrator, auditor)."""
        day = parse_date(as_of, "as_of", "F §4")
        used = structure(capital_structure, who)
        return answered(who, lambda w: json_ready(books(w).votes(day, used)))

    @app.get("/api/companies/{company}/calendar", tags=["questions"])
    def calendar(
        who: Reader,
        start: Annotated[str, Query(alias="from")],
        end: Annotated[str, Query(alias="to")],
        as_of: str | None = None,
    ) -> JSONResponse:
        """``prefstack calendar``: every deadline from ``from`` to ``to``, judged as of ``as_of``
        (default ``to``) (administrator, auditor)."""
        first, last = parse_date(start, "from", "F §2(e)"), parse_date(end, "to", "F §2(e)")
        judged = last if as_of is None else parse_date(as_of, "as_of", "F §2(e)")
        return _response(200, [d.to_dict() for d in books(who).calendar(first, last, judged)])

    @app.get("/api/companies/{company}/certificates-of-adjustment", tags=["questions"])
    def certificates(who: Anyone, as_of: str) -> JSONResponse:
        """``prefstack certificate adjustment``: every adjustment of a Conversion Price up to ``as_of``
        (F/G §5(j): furnished to every holder, so every role reads them)."""
        day = parse_date(as_of, "as_of", "F §5(j)")
        return _response(200, [c.to_dict() for c in books(who).certificates_of_adjustment(day)])

    @app.get("/api/companies/{company}/interpretations", tags=["questions"])
    def interpretations(who: Anyone) -> JSONResponse:
        """``prefstack interpretations``: every point the certificates leave open and prefstack's reading."""
        from prefstack.interpretations import registry

        return _response(200, [i.to_dict() for i in sorted(registry().values(), key=lambda i: i.id)])

    @app.get("/api/companies/{company}/ledger", tags=["ledger"])
    def ledger_log(who: Reader) -> JSONResponse:
        """``prefstack ledger log``: the audit trail, every event with who recorded it and when; the
        ``ETag`` is the ledger's version (administrator, auditor)."""
        trail = json_ready(books(who).audit_trail())
        return _response(200, trail, {"ETag": f'"{len(trail["events"])}"'})

    # ------------------------------------------------------------------ writes

    @app.post(
        "/api/companies/{company}/events",
        tags=["ledger"],
        status_code=201,
        responses={409: {"description": "A stale If-Match or expected_version"}, 422: {"description": "Refused"}},
    )
    def append_event(
        who: Writer,
        write: EventWrite,
        if_match: Annotated[str | None, Header()] = None,
        idempotency_key: Annotated[str | None, Header()] = None,
    ) -> JSONResponse:
        """Validate one event against the ledger and append it, recorded by the signed-in user; at the
        version ``If-Match`` (or ``expected_version``) names, or refused 409 with the current one."""
        request_hash = _hash({"event": write.event, "expected_version": write.expected_version, "if_match": if_match})

        def run() -> tuple[int, dict[str, Any]]:
            from prefstack.ledger.events import parse_event
            from prefstack.ledger.replay import Placed

            expected = _expected(if_match, write.expected_version)
            for key in ("recorded_by", "recorded_at"):
                if key in write.event:
                    raise InputError(f"event.{key}", "ledger format", "the service records who made a write and when")
            event = parse_event(write.event, "event")
            return 201, _append(who, [Placed(event, "new event")], expected)

        return _idempotent(who, idempotency_key, request_hash, run)

    @app.post(
        "/api/companies/{company}/ledger",
        tags=["ledger"],
        status_code=201,
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    "application/yaml": {"schema": {"type": "string"}},
                    "application/json": {"schema": {"type": "object"}},
                },
            }
        },
    )
    async def import_ledger(
        request: Request,
        who: Writer,
        if_match: Annotated[str | None, Header()] = None,
        idempotency_key: Annotated[str | None, Header()] = None,
    ) -> JSONResponse:
        """``prefstack ledger import``: a ledger file (YAML, or JSON with ``Content-Type:
        application/json``) validated against the stored ledger and appended whole or not at all;
        every event is recorded by the signed-in user (the file's recorded_at kept)."""
        from prefstack.ledger.files import MAX_LEDGER_FILE_BYTES

        raw = await request.body()
        if len(raw) > MAX_LEDGER_FILE_BYTES:
            raise InputError("ledger", "ledger format", f"ledger files are at most {MAX_LEDGER_FILE_BYTES:,} bytes")
        json_body = request.headers.get("content-type", "").split(";")[0].strip() == "application/json"
        request_hash = hashlib.sha256(raw + (b"json" if json_body else b"yaml") + str(if_match).encode()).hexdigest()

        def run() -> tuple[int, dict[str, Any]]:
            from prefstack.ledger import service
            from prefstack.ledger.files import load_text, parse_ledger_file

            expected = _expected(if_match, None)
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise InputError("ledger", "ledger format", f"is not UTF-8 text (byte {exc.start})") from exc
            read = parse_ledger_file(load_text(text, ".json" if json_body else ".yaml", "ledger"), "ledger")
            service.required_file_company(read, who.company, "ledger")
            events = [dataclasses.replace(p, recorded_by=None) for p in read.events]
            return 201, _append(who, events, expected)

        return await run_in_threadpool(_idempotent, who, idempotency_key, request_hash, run)

    def _append(who: Access, events: list[Any], expected: int | None) -> dict[str, Any]:
        """Append ``events`` as ``who``: the answer names the events stored and the receipt of the
        append (a receipt file's JSON: `prefstack ledger verify --receipt` checks the ledger still
        extends it)."""
        from prefstack.ledger import receipts, service

        with service.open_store(db, who.company) as store:
            stored = service.append(store, events, company=who.company, recorded_by=who.user, expected_version=expected)
            stream = store.stream(who.company)
            version, head_hash = (stored[-1].seq, stored[-1].hash) if stored else service.verified_head(stream)
        receipt = receipts.issue(version, head_hash, company=service.company_name(who.company))
        return {
            "company": who.company,
            "version": version,
            "events": [_stored(s) for s in stored],
            "receipt": receipt.document(),
        }

    def _idempotent(
        who: Access, key: str | None, request_hash: str, run: Callable[[], tuple[int, dict[str, Any]]]
    ) -> JSONResponse:
        """``run()``'s answer; under an ``Idempotency-Key``, kept: the same key and request answer
        the kept answer and store nothing new, a key whose first request is still being answered is
        refused 409 (whatever the request), and the same key with another request is refused 422."""
        if key is None:
            return _response(*_answered(run))
        if not 1 <= len(key) <= 200:
            raise InputError("Idempotency-Key", IDEMPOTENCY, "an Idempotency-Key has 1 to 200 characters")
        held = accounts.reserve(who.user, who.company, key, request_hash)
        if held is not None:
            if held.status is None or held.body is None:
                problem = "the first request with this Idempotency-Key is still being answered: retry later"
                return _response(409, {"field": "Idempotency-Key", "clause": IDEMPOTENCY, "problem": problem})
            if held.request_hash != request_hash:
                problem = "this Idempotency-Key was used with another request: use a new key for a new request"
                return _response(422, {"field": "Idempotency-Key", "clause": IDEMPOTENCY, "problem": problem})
            return _response(held.status, json.loads(held.body), {"Idempotent-Replayed": "true"})
        try:
            status, body = _answered(run)
        except BaseException:
            accounts.release(who.user, who.company, key)  # nothing to keep: the key may be sent again
            raise
        if status == 503:
            accounts.release(who.user, who.company, key)
        else:
            accounts.finish(who.user, who.company, key, status, json.dumps(body))
        return _response(status, body)

    from prefstack.web import documents, effects  # documents rendered, each event's effect (docs/web.md)

    documents.register(app, db, asking(EVERYONE))
    effects.register(app, db, allow(READERS))
    app.state.jobs = jobs.register(app, db, allow(READERS), allow(READERS, write=True))
    return app


def _answered(run: Callable[[], tuple[int, dict[str, Any]]]) -> tuple[int, dict[str, Any]]:
    try:
        return run()
    except PrefstackError as exc:
        return error_answer(exc)


def _expected(if_match: str | None, in_body: int | None) -> int | None:
    """The version a write is made at: ``If-Match`` (a version, quoted or not) or the body's
    ``expected_version``; refused where they disagree or ``If-Match`` is no version."""
    if if_match is None:
        return in_body
    text = if_match.strip().removeprefix("W/").strip('"')
    if not text.isdigit():
        raise InputError("If-Match", "ledger format", f"{if_match!r} is not a ledger version (a whole number)")
    version = int(text)
    if in_body is not None and in_body != version:
        raise InputError("If-Match", "ledger format", f"If-Match {version} and expected_version {in_body} differ")
    return version


def _stored(event: StoredEvent) -> dict[str, Any]:
    return {
        "seq": event.seq,
        "id": event.event_id,
        "kind": event.kind,
        "effective_date": event.effective_date.isoformat(),
        "recorded_at": event.recorded_at.astimezone(dt.UTC).isoformat(),
        "recorded_by": event.recorded_by,
        "hash": event.hash,
    }


def _hash(data: object) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, separators=(",", ":")).encode("utf-8")).hexdigest()


async def _credentials(request: Request) -> tuple[str, str] | None:
    """The name and password of a login: a form (``name``, ``password``) or a JSON object."""
    kind = request.headers.get("content-type", "").split(";")[0].strip()
    if kind == "application/json":
        try:
            data = json.loads(await request.body())
        except ValueError:
            return None
    elif kind in ("application/x-www-form-urlencoded", "multipart/form-data"):
        data = dict(await request.form())
    else:
        return None
    if not isinstance(data, dict):
        return None
    name, password = data.get("name"), data.get("password")
    return (name, password) if isinstance(name, str) and isinstance(password, str) else None


async def _form(request: Request) -> dict[str, Any] | None:
    """A request's form fields (a page's form post); None for any other body."""
    kind = request.headers.get("content-type", "").split(";")[0].strip()
    if kind not in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return None
    return dict(await request.form())


async def _page_next(request: Request) -> str | None:
    """Where the sign-in page's form goes after signing in (its hidden ``next`` field); None for
    a login that is no page's (JSON, or a form without ``next``): it is answered in JSON."""
    form = await _form(request)
    target = None if form is None else form.get("next")
    return target if isinstance(target, str) else None
