"""The service's pages, server-rendered from the same answers as its JSON (issue 14).

Every page asks its questions of the query layer (:class:`prefstack.books.Books`) and shows the
JSON the endpoint of the same question answers (:func:`prefstack.answers.json_ready`), under the
same access rules (:mod:`prefstack.web.access`): a page shows only what the user's role may read,
and a holder's page only its own records. Its scripts and styles are the package's
(``prefstack/web/static``); templates are ``prefstack/web/templates``; ``docs/web.md`` ("Pages")
lists the pages and their stable element ids.

A page asked by nobody signed in answers 303 to the sign-in page; a refusal is 403 with an empty
body, as every refusal of the service. A form's write carries the session's CSRF token in its
hidden ``csrf_token`` field (:func:`prefstack.web.access.require_csrf`); a question or event
prefstack refuses shows its field, clause and problem beside the field at fault (422), and
nothing is stored.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import hmac
import io
import secrets
import tempfile
from collections.abc import Callable, Mapping, Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import jinja2
from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import UploadFile

from prefstack.answers import json_ready
from prefstack.arguments import parse_date, parse_exact, series_name
from prefstack.books import Books
from prefstack.errors import InputError, PrefstackError
from prefstack.figures import MONEY, exact_of, figure_text, fixed, money_text
from prefstack.scenario_answers import breakpoints_json
from prefstack.web import access
from prefstack.web.access import ADMIN, EVERYONE, READERS, Access, Caller, Refused
from prefstack.web.accounts import Accounts

__all__ = ["LOGIN_COOKIE", "SignIn", "add_pages", "login_page", "login_token_ok", "safe_next"]

STATIC = Path(__file__).parent / "static"
TEMPLATES = Path(__file__).parent / "templates"
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)
"""Everything a page loads is the service's own (there is no network)."""
LOGIN_COOKIE = "prefstack_login"
"""The sign-in page's CSRF cookie (a double-submit token: no session exists yet)."""

FIGURE_KINDS = {
    "shares_outstanding": "shares",
    "accrued_unpaid_dividends": "money",
    "conversion_price": "price",
    "conversion_ratio": "ratio",
    "liquidation_value": "money",
    "votes": "count",
}


class SignIn(Exception):
    """A page asked by nobody signed in: answered 303 to the sign-in page (then back to ``next``)."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


def safe_next(value: object) -> str:
    """Where to go after signing in: a path of this service only (never another site's URL)."""
    if isinstance(value, str) and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/"


_environment = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    autoescape=jinja2.select_autoescape(("html",), default=True),
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)

_environment.filters["money"] = lambda text: money_text(Fraction(str(text)))
"""An amount of a JSON answer (exact decimal text) as ``$1,234.56`` (the JSON's own digits)."""


def _html(template: str, status: int = 200, **context: Any) -> HTMLResponse:
    body = _environment.get_template(template).render(**context)
    return HTMLResponse(body, status_code=status, headers={"Content-Security-Policy": CSP})


def login_page(next_url: str, problem: str | None = None, status: int = 200) -> HTMLResponse:
    """The sign-in page (``problem``: why the last try was refused). Its form carries a fresh
    CSRF token, also set in the cookie :data:`LOGIN_COOKIE` (HttpOnly, SameSite=Strict, for
    ``/login`` only): a form posted from another site has no such pair (:func:`login_token_ok`)."""
    token = secrets.token_urlsafe(32)
    response = _html(
        "login.html", status, next_url=safe_next(next_url), problem=problem, nav=[], user=None, login_csrf=token
    )
    response.set_cookie(LOGIN_COOKIE, token, max_age=3600, httponly=True, samesite="strict", path="/login")
    return response


def login_token_ok(request: Request, form_token: object) -> bool:
    """Whether the sign-in page's form carries the token of the cookie its page set."""
    cookie = request.cookies.get(LOGIN_COOKIE)
    return (
        isinstance(form_token, str) and cookie is not None and hmac.compare_digest(form_token.encode(), cookie.encode())
    )


def figure(row: Mapping[str, Any], name: str, kind: str, clause: str | None) -> dict[str, Any]:
    """A figure of a JSON answer as a page shows it: its text, its JSON value (exact beside it
    where the JSON has one) and the clause it rests on."""
    return {
        "text": figure_text(row, name, kind),
        "value": "" if row[name] is None else str(row[name]),
        "exact": str(row.get(f"{name}_exact", row[name])),
        "clause": clause,
    }


def holder_clauses(series: Mapping[str, Any], record: Mapping[str, Any]) -> dict[str, str]:
    """The clause of each figure of a holder's record of ``prefstack state --explain``: the
    Conversion Price's and ratio's (the series' ``conversion_price_clause``), and the root clause
    of the explanation of its accrued dividends, Liquidation Value and votes. The shares are cited
    as the state cites them: the series' designation and number of shares, §1(a)."""
    explained = record.get("explain") or {}
    from prefstack.citations import for_series

    out = {
        "shares_outstanding": for_series(str(series["series"]), "§1(a)"),
        "conversion_price": str(series["conversion_price_clause"]),
        "conversion_ratio": str(series["conversion_price_clause"]),
    }
    for name, key in (
        ("accrued_unpaid_dividends", "accrued_unpaid_dividends"),
        ("liquidation_value", "liquidation_value_per_share"),
        ("votes", "votes"),
    ):
        if key in explained:
            out[name] = str(explained[key]["clause"])
    return out


def holder_figures(series: Mapping[str, Any], record: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    clauses = holder_clauses(series, record)
    return {name: figure(record, name, kind, clauses.get(name)) for name, kind in FIGURE_KINDS.items()}


def cents(amount: str) -> int:
    """An amount of the waterfall's JSON (two places, exact to the cent: ``"17146363.26"``) in cents."""
    value = Fraction(amount) * 100
    if value.denominator != 1:
        raise ValueError(f"{amount!r} is not whole cents")
    return int(value)


def by_class(payouts: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The waterfall's payouts summed by class (security), in the order each class first appears;
    each amount is already in whole cents (the waterfall apportions cents, LIQ-CENTS), so the sums
    are exact."""
    totals: dict[str, int] = {}
    clauses: dict[str, list[str]] = {}
    for p in payouts:
        totals[p["security"]] = totals.get(p["security"], 0) + cents(p["amount"])
        seen = clauses.setdefault(p["security"], [])
        if p["clause"] not in seen:
            seen.append(p["clause"])
    return [{"security": k, "amount": _two_places(v), "clause": ", ".join(clauses[k])} for k, v in totals.items()]


def _two_places(total_cents: int) -> str:
    sign = "-" if total_cents < 0 else ""
    whole, part = divmod(abs(total_cents), 100)
    return f"{sign}{whole}.{part:02d}"


def chart_svg(
    points: Sequence[tuple[str, Fraction]], label: str, width: int = 560, height: int = 220
) -> dict[str, Any]:
    """An inline SVG line chart of ``points`` (date, exact value): the coordinates are for drawing
    only (floats); the table beside the chart shows the exact figures."""
    pad_left, pad_right, pad_top, pad_bottom = 104, 16, 16, 36
    if not points:
        return {"width": width, "height": height, "path": "", "dots": [], "ticks": [], "label": label}
    values = [float(v) for _, v in points]
    low, high = min(values), max(values)
    if high == low:
        low, high = low - 1, high + 1
    inner_w, inner_h = width - pad_left - pad_right, height - pad_top - pad_bottom
    step = inner_w / max(len(points) - 1, 1)
    coords = [(pad_left + i * step, pad_top + inner_h * (1 - (v - low) / (high - low))) for i, v in enumerate(values)]
    path = " ".join(f"{'M' if i == 0 else 'L'}{x:.1f},{y:.1f}" for i, (x, y) in enumerate(coords))
    dots = [{"x": f"{x:.1f}", "y": f"{y:.1f}", "date": d} for (x, y), (d, _) in zip(coords, points, strict=True)]
    ticks = [{"y": f"{pad_top + inner_h * (1 - f):.1f}", "text": f"{low + (high - low) * f:,.2f}"} for f in (0, 0.5, 1)]
    first, last = points[0][0], points[-1][0]
    return {
        "width": width,
        "height": height,
        "path": path,
        "dots": dots,
        "ticks": ticks,
        "label": label,
        "first": first,
        "last": last,
        "x0": pad_left,
        "x1": width - pad_right,
        "y1": height - pad_bottom,
    }


def add_pages(app: FastAPI, db: str, accounts: Accounts, cookie: str, csrf_header: str) -> None:
    """The pages, on ``app`` (the service over the store at ``db``)."""
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.exception_handler(SignIn)
    def sign_in(_: Request, exc: SignIn) -> Response:
        return RedirectResponse(f"/login?{urlencode({'next': exc.next_url})}", status_code=303)

    def page_caller(request: Request) -> Caller:
        try:
            return access.authenticate(accounts, request, cookie)
        except Refused as exc:
            if exc.status == 401:
                target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                raise SignIn(target) from exc
            raise

    def page_access(request: Request, company: str, roles: tuple[str, ...]) -> tuple[Caller, Access]:
        who = page_caller(request)
        return who, access.grant(accounts, who, company, roles)

    def nav(who: Access) -> list[dict[str, str]]:
        base = f"/companies/{quote(who.company)}"
        if who.holder is not None:
            return [{"href": f"{base}/holders/{quote(who.holder, safe='')}", "text": "My holdings", "id": "nav-holder"}]
        links = [
            {"href": f"{base}/glance", "text": "At a glance", "id": "nav-glance"},
            {"href": f"{base}/ledger", "text": "Ledger", "id": "nav-ledger"},
            {"href": f"{base}/waterfall", "text": "Waterfall", "id": "nav-waterfall"},
            {"href": f"{base}/charts", "text": "Charts", "id": "nav-charts"},
            {"href": f"{base}/calendar", "text": "Calendar", "id": "nav-calendar"},
            {"href": f"{base}/documents", "text": "Documents", "id": "nav-documents"},
        ]
        if who.grant.role == "administrator":
            links += [
                {"href": f"{base}/events/new", "text": "Add an event", "id": "nav-add-event"},
                {"href": f"{base}/import", "text": "Import a ledger", "id": "nav-import"},
            ]
        return links

    def page(
        template: str, request: Request, caller: Caller, who: Access, status: int = 200, **context: Any
    ) -> HTMLResponse:
        here = request.url.path
        return _html(
            template,
            status,
            user=caller.name,
            role=who.grant.role,
            company=who.company,
            csrf=caller.csrf or "",
            nav=[{**link, "current": link["href"] == here} for link in nav(who)],
            **context,
        )

    def problem_of(exc: PrefstackError) -> dict[str, str]:
        return {
            "field": str(getattr(exc, "field", "") or ""),
            "clause": str(getattr(exc, "clause", "") or ""),
            "problem": str(getattr(exc, "problem", str(exc))),
        }

    def as_of_of(value: str | None, field: str = "as_of", clause: str = "F §3(a)") -> dt.date:
        """The date a page is asked about (none chosen: today, UTC)."""
        return dt.datetime.now(dt.UTC).date() if not value else parse_date(value, field, clause)

    # ------------------------------------------------------------------ signing in, home

    @app.get("/login", include_in_schema=False)
    def login_form(next: str = "/") -> HTMLResponse:
        return login_page(next)

    @app.get("/", include_in_schema=False)
    def home(request: Request) -> Response:
        caller = page_caller(request)
        grants = sorted(accounts.grants(caller.name).values(), key=lambda g: g.company)
        if len(grants) == 1:
            return RedirectResponse(f"/companies/{quote(grants[0].company)}", status_code=303)
        companies = [{"company": g.company, "role": g.role} for g in grants]
        return _html("home.html", user=caller.name, csrf=caller.csrf or "", nav=[], companies=companies)

    @app.get("/companies/{company}", include_in_schema=False)
    def company_home(request: Request, company: str) -> Response:
        _, who = page_access(request, company, EVERYONE)
        first = nav(who)[0]["href"]
        return RedirectResponse(first, status_code=303)

    # ------------------------------------------------------------------ at a glance

    @app.get("/companies/{company}/glance", include_in_schema=False)
    def glance(request: Request, company: str, as_of: str | None = None) -> HTMLResponse:
        caller, who = page_access(request, company, READERS)
        try:
            day = as_of_of(as_of)
            books = Books(db, who.company)
            state = json_ready(books.state(day, explain=True))
            votes = json_ready(books.votes(day))
        except PrefstackError as exc:
            return page("glance.html", request, caller, who, 422, as_of=as_of or "", error=problem_of(exc), series=[])
        power = {v["series"]: v for v in votes["series"]}
        series = []
        for s in state["series"]:
            series.append(
                {
                    "series": s["series"],
                    "designation": s["designation"],
                    "shares_outstanding": figure(
                        s, "shares_outstanding", "shares", holder_clauses(s, {})["shares_outstanding"]
                    ),
                    "conversion_price": figure(s, "conversion_price", "price", s["conversion_price_clause"]),
                    "voting_power": figure(
                        power[s["series"]], "voting_power", "count", power[s["series"]]["voting_power_clause"]
                    ),
                    "holders": [
                        {"holder": h["holder"], "name": h["name"], **holder_figures(s, h)} for h in s["holders"]
                    ],
                }
            )
        return page("glance.html", request, caller, who, as_of=day.isoformat(), error=None, series=series)

    # ------------------------------------------------------------------ the ledger

    @app.get("/companies/{company}/ledger", include_in_schema=False)
    def ledger(request: Request, company: str, added: int | None = None) -> HTMLResponse:
        caller, who = page_access(request, company, READERS)
        trail = json_ready(Books(db, who.company).audit_trail())
        return page("ledger.html", request, caller, who, trail=trail, added=added)

    # ------------------------------------------------------------------ the compliance calendar

    @app.get("/companies/{company}/calendar", include_in_schema=False)
    def calendar(
        request: Request, company: str, start: str | None = None, end: str | None = None, as_of: str | None = None
    ) -> HTMLResponse:
        """Every deadline from ``start`` to ``end`` with its party and clause, met, missed or
        pending as the ledger stood on ``as_of`` (``GET .../calendar``; none given: the year to
        today, judged today)."""
        caller, who = page_access(request, company, READERS)
        try:
            last = as_of_of(end, "to", "F §2(e)")
            first = parse_date(start, "from", "F §2(e)") if start else last - dt.timedelta(days=365)
            judged = last if not as_of else parse_date(as_of, "as_of", "F §2(e)")
            deadlines = [d.to_dict() for d in Books(db, who.company).calendar(first, last, judged)]
        except PrefstackError as exc:
            return page(
                "calendar.html",
                request,
                caller,
                who,
                422,
                error=problem_of(exc),
                deadlines=[],
                start=start or "",
                end=end or "",
                as_of=as_of or "",
            )
        return page(
            "calendar.html",
            request,
            caller,
            who,
            error=None,
            deadlines=deadlines,
            start=first.isoformat(),
            end=last.isoformat(),
            as_of=judged.isoformat(),
        )

    # ------------------------------------------------------------------ the waterfall

    def waterfall_answer(who: Access, proceeds: str, on: str) -> dict[str, Any]:
        day, cash = parse_date(on, "on", "F §3(a)"), parse_exact(proceeds, "proceeds", "F §3(a)")
        return json_ready(Books(db, who.company).waterfall(day, cash))

    def slider_max(who: Access, day: dt.date) -> int:
        """The slider's top: three times every holder's Liquidation Value on ``day``, in whole
        dollars rounded up (only where the slider stops; the exit value asked is the field's)."""
        state = json_ready(Books(db, who.company).state(day))
        total = sum((exact_of(h, "liquidation_value") for s in state["series"] for h in s["holders"]), Fraction(0))
        top = -(-total * 3 // 1)
        return max(int(top), 1_000_000)

    def breakpoints_of(who: Access, day: dt.date) -> tuple[list[dict[str, str]], dict[str, str] | None]:
        """The breakpoints of the waterfall the page shows (the ledger's series and Common Stock,
        as ``GET .../breakpoints?on=D`` answers them), or the problem that refused them (shown
        beside the list; the waterfall itself is still answered)."""
        try:
            plan = Books(db, who.company).scenario_plan(day)
        except PrefstackError as exc:
            return [], problem_of(exc)
        return breakpoints_json(plan, None)["breakpoints"], None

    def slider_mark(breakpoint: Mapping[str, str], top: int) -> str | None:
        """Where a breakpoint's mark is drawn under the slider (0 to 1000 across it; drawing only,
        so a float); None past the slider's top."""
        share = Fraction(breakpoint["exit_value"]) / top
        return None if share > 1 else f"{float(share) * 1000:.1f}"

    @app.get("/companies/{company}/waterfall", include_in_schema=False)
    def waterfall(request: Request, company: str, proceeds: str | None = None, on: str | None = None) -> HTMLResponse:
        caller, who = page_access(request, company, READERS)
        day_text = on or as_of_of(None).isoformat()
        context: dict[str, Any] = {
            "on": day_text,
            "proceeds": proceeds or "",
            "answer": None,
            "classes": [],
            "breakpoints": [],
            "breakpoints_error": None,
        }
        try:
            day = parse_date(day_text, "on", "F §3(a)")
            context["max"] = slider_max(who, day)
            context["breakpoints"], context["breakpoints_error"] = breakpoints_of(who, day)
            context["breakpoints"] = [{**b, "mark": slider_mark(b, context["max"])} for b in context["breakpoints"]]
            if proceeds:
                answer = waterfall_answer(who, proceeds, day_text)
                context["answer"] = answer
                context["classes"] = by_class(answer["payouts"])
        except PrefstackError as exc:
            context.setdefault("max", 1_000_000)
            return page("waterfall.html", request, caller, who, 422, error=problem_of(exc), **context)
        return page("waterfall.html", request, caller, who, error=None, **context)

    @app.get("/companies/{company}/waterfall.csv", include_in_schema=False)
    def waterfall_csv(request: Request, company: str, proceeds: str, on: str) -> Response:
        _, who = page_access(request, company, READERS)
        answer = waterfall_answer(who, proceeds, on)
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        columns = (
            "tier",
            "rank",
            "security",
            "holder",
            "amount",
            "exact_entitlement",
            "clause",
            "illustrative",
            "note",
        )
        writer.writerow(columns)
        for p in answer["payouts"]:
            writer.writerow(["" if p.get(c) is None else p.get(c) for c in columns])
        name = f"waterfall-{answer['on']}-{answer['proceeds']}.csv"
        return Response(
            out.getvalue(),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    @app.get("/companies/{company}/waterfall.pdf", include_in_schema=False)
    async def waterfall_pdf(request: Request, company: str, proceeds: str, on: str) -> Response:
        _, who = page_access(request, company, READERS)

        def render() -> bytes:
            import weasyprint

            answer = waterfall_answer(who, proceeds, on)
            html = _environment.get_template("waterfall_pdf.html").render(
                company=who.company, answer=answer, classes=by_class(answer["payouts"]), money=money_text
            )
            return bytes(weasyprint.HTML(string=html).write_pdf())

        pdf = await run_in_threadpool(render)
        return Response(
            pdf,
            media_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="waterfall-{on}-{proceeds}.pdf"'},
        )

    # ------------------------------------------------------------------ charts over time

    @app.get("/companies/{company}/charts", include_in_schema=False)
    def charts(request: Request, company: str, through: str | None = None) -> HTMLResponse:
        caller, who = page_access(request, company, READERS)
        try:
            last = as_of_of(through, "through", "F §2(a)")
            found = history(who, last)
        except PrefstackError as exc:
            return page(
                "charts.html", request, caller, who, 422, through=through or "", error=problem_of(exc), charts=[]
            )
        return page("charts.html", request, caller, who, through=last.isoformat(), error=None, charts=found)

    def history(who: Access, last: dt.date) -> list[dict[str, Any]]:
        """Each series' PIK share count, Liquidation Value and Conversion Price on each of its
        Payment Dates up to ``last``, from the state on that date (through Books)."""
        from prefstack.calendars import payment_dates
        from prefstack.citations import for_series
        from prefstack.terms import load_terms

        books = Books(db, who.company)
        issued = {s["series"]: s["original_issuance_date"] for s in json_ready(books.state(last))["series"]}
        dates: dict[str, list[dt.date]] = {}
        for name, first in issued.items():
            if first is None:
                continue
            start = dt.date.fromisoformat(first)
            dates[name] = list(payment_dates(load_terms(name), start, last))
        states = {d: json_ready(books.state(d)) for d in sorted({d for ds in dates.values() for d in ds})}
        out = []
        for name, days in dates.items():
            rows: list[dict[str, Any]] = []
            for d in days:
                s = next(x for x in states[d]["series"] if x["series"] == name)
                value = sum((exact_of(h, "liquidation_value") for h in s["holders"]), Fraction(0))
                rows.append(
                    {
                        "date": d.isoformat(),
                        "shares": figure(
                            s, "shares_outstanding", "shares", holder_clauses(s, {})["shares_outstanding"]
                        ),
                        "liquidation_value": {
                            "text": money_text(value),
                            "value": fixed(value, MONEY),
                            "exact": str(value),
                            "clause": for_series(name, "§3(a)"),
                        },
                        "conversion_price": figure(s, "conversion_price", "price", s["conversion_price_clause"]),
                        "_exact": {
                            "shares": exact_of(s, "shares_outstanding"),
                            "liquidation_value": value,
                            "conversion_price": exact_of(s, "conversion_price"),
                        },
                    }
                )
            out.append(
                {
                    "series": name,
                    "rows": rows,
                    "shares_chart": chart_svg([(r["date"], r["_exact"]["shares"]) for r in rows], "PIK share count"),
                    "value_chart": chart_svg(
                        [(r["date"], r["_exact"]["liquidation_value"]) for r in rows], "Liquidation Value"
                    ),
                    "price_chart": chart_svg(
                        [(r["date"], r["_exact"]["conversion_price"]) for r in rows], "Conversion Price"
                    ),
                }
            )
        return out

    # ------------------------------------------------------------------ appending an event

    def kinds() -> list[str]:
        from prefstack.ledger.fieldlist import event_kinds

        return event_kinds()

    def event_form(
        request: Request,
        caller: Caller,
        who: Access,
        kind: str | None,
        status: int = 200,
        values: Mapping[str, str] | None = None,
        error: dict[str, str] | None = None,
    ) -> HTMLResponse:
        from prefstack.ledger.fieldlist import EventField, event_fields

        clause, fields = "", list[EventField]()
        kind_error = None
        if kind:
            try:
                clause, fields = event_fields(kind, "kind")
            except InputError as exc:
                kind_error, status = problem_of(exc), 422
        shown = [dataclasses.asdict(f) for f in fields if f.name != "recorded_by"]
        at = error_at(error, [f["name"] for f in shown]) if error else None
        return page(
            "event_form.html",
            request,
            caller,
            who,
            status,
            kinds=kinds(),
            kind=kind or "",
            kind_clause=clause,
            kind_error=kind_error,
            fields=shown,
            values=dict(values or {}),
            error=error,
            error_at=at,
        )

    def error_at(error: Mapping[str, str], names: list[str]) -> str:
        """The form field a refusal names (its last dotted part: ``event (preferred_issued).shares``
        is ``shares``); ``form`` where it names none of the form's fields."""
        field = error.get("field", "")
        last = field.rsplit(".", 1)[-1].strip()
        if last in names or last in ("date", "kind"):
            return last
        for name in names:
            if field.endswith(f".{name}") or f".{name}." in field or field.endswith(f" {name}"):
                return name
        return "form"

    @app.get("/companies/{company}/events/new", include_in_schema=False)
    def new_event(request: Request, company: str, kind: str | None = None) -> HTMLResponse:
        caller, who = page_access(request, company, ADMIN)
        return event_form(request, caller, who, kind)

    @app.post("/companies/{company}/events/new", include_in_schema=False)
    async def post_event(request: Request, company: str) -> Response:
        caller = page_caller(request)
        form = await request.form()
        token = form.get("csrf_token")
        access.require_csrf(caller, request.headers.get(csrf_header), token if isinstance(token, str) else None)
        who = access.grant(accounts, caller, company, ADMIN)
        answers = {k: v for k, v in form.items() if isinstance(v, str)}
        kind = answers.get("kind", "")
        date = answers.get("date", "")
        given = [(k[2:], v) for k, v in answers.items() if k.startswith("f.") and v.strip() != ""]

        def store() -> int:
            from prefstack.ledger import service
            from prefstack.ledger.events import parse_event
            from prefstack.ledger.fieldlist import event_data, event_fields
            from prefstack.ledger.replay import Placed

            event_fields(kind, "kind")
            if not date:
                raise InputError("date", "ledger format", "give the event's effective date (YYYY-MM-DD)")
            event = parse_event(event_data(kind, date, given, "event"), "event")
            with service.open_store(db, who.company) as opened:
                stored = service.append(opened, [Placed(event, "new event")], company=who.company, recorded_by=who.user)
            return stored[-1].seq

        try:
            seq = await run_in_threadpool(store)
        except PrefstackError as exc:
            return event_form(request, caller, who, kind, 422, answers, problem_of(exc))
        return RedirectResponse(f"/companies/{quote(who.company)}/ledger?added={seq}#event-{seq}", status_code=303)

    # ------------------------------------------------------------------ importing a ledger file

    @app.get("/companies/{company}/import", include_in_schema=False)
    def import_form(request: Request, company: str) -> HTMLResponse:
        caller, who = page_access(request, company, ADMIN)
        return page("import.html", request, caller, who, error=None)

    @app.post("/companies/{company}/import", include_in_schema=False)
    async def post_import(request: Request, company: str) -> Response:
        from prefstack.ledger.files import MAX_LEDGER_FILE_BYTES

        caller = page_caller(request)
        form = await request.form(max_part_size=MAX_LEDGER_FILE_BYTES + 1)
        token = form.get("csrf_token")
        access.require_csrf(caller, request.headers.get(csrf_header), token if isinstance(token, str) else None)
        who = access.grant(accounts, caller, company, ADMIN)
        upload = form.get("ledger")
        raw = await upload.read() if isinstance(upload, UploadFile) else b""
        filename = upload.filename or "" if isinstance(upload, UploadFile) else ""

        def store() -> tuple[int, int]:
            from prefstack.ledger import service
            from prefstack.ledger.files import load_text, parse_ledger_file

            if not raw:
                raise InputError("ledger", "ledger format", "choose a ledger file (YAML or JSON)")
            if len(raw) > MAX_LEDGER_FILE_BYTES:
                raise InputError("ledger", "ledger format", f"ledger files are at most {MAX_LEDGER_FILE_BYTES:,} bytes")
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise InputError("ledger", "ledger format", f"is not UTF-8 text (byte {exc.start})") from exc
            suffix = ".json" if filename.lower().endswith(".json") else ".yaml"
            read = parse_ledger_file(load_text(text, suffix, "ledger"), "ledger")
            service.required_file_company(read, who.company, "ledger")
            events = [dataclasses.replace(p, recorded_by=None) for p in read.events]
            with service.open_store(db, who.company) as opened:
                stored = service.append(opened, events, company=who.company, recorded_by=who.user)
            return len(stored), stored[-1].seq if stored else 0

        try:
            count, seq = await run_in_threadpool(store)
        except PrefstackError as exc:
            return page("import.html", request, caller, who, 422, error=problem_of(exc))
        return RedirectResponse(
            f"/companies/{quote(who.company)}/ledger?added={seq}#event-{seq}"
            if count
            else f"/companies/{quote(who.company)}/ledger",
            status_code=303,
        )

    # ------------------------------------------------------------------ a holder's page

    @app.get("/companies/{company}/holders/{holder}", include_in_schema=False)
    def holder_page(request: Request, company: str, holder: str, as_of: str | None = None) -> HTMLResponse:
        caller, who = page_access(request, company, EVERYONE)
        whose = access.holder_asked(who, holder)
        try:
            day = as_of_of(as_of)
            found = holder_records(who, whose, day)
        except PrefstackError as exc:
            return page(
                "holder.html",
                request,
                caller,
                who,
                422,
                holder=whose,
                as_of=as_of or "",
                error=problem_of(exc),
                positions=[],
                dividends=[],
                notices=[],
            )
        return page("holder.html", request, caller, who, holder=whose, as_of=day.isoformat(), error=None, **found)

    def holder_records(who: Access, holder: str, day: dt.date) -> dict[str, Any]:
        """A holder's positions (with the clause of each figure), its dividend on every Payment Date
        of each series it held up to ``day``, and the certificates of adjustment of those series
        (F/G §5(j): furnished to every holder), as the holder may see them."""
        from prefstack.calendars import payment_dates
        from prefstack.terms import load_terms

        books = Books(db, who.company)
        state = json_ready(books.state(day, explain=True))
        positions = []
        for s in state["series"]:
            for record in s["holders"]:
                if record["holder"] == holder:
                    positions.append(
                        {
                            "series": s["series"],
                            "designation": s["designation"],
                            "name": record["name"],
                            **holder_figures(s, record),
                            "issued": s["original_issuance_date"],
                        }
                    )
        dividends = []
        # every series, not only those held on ``day``: a holder that converted or was redeemed
        # keeps the dividends it had before
        for series in state["series"]:
            if series["original_issuance_date"] is None:
                continue
            name, issued = series["series"], dt.date.fromisoformat(series["original_issuance_date"])
            for pd in payment_dates(load_terms(name), issued, day):
                answer = access.dividends_of(json_ready(books.dividends(pd, name)), who_as(who, holder))
                for s in answer["series"]:
                    for row in s["holders"]:
                        dividends.append(
                            {
                                "payment_date": pd.isoformat(),
                                "series": s["series"],
                                "outcome": s["outcome"],
                                "status": row["status"],
                                "dividend": figure(row, "dividend", "money", row["clause"]),
                                "form": row.get("form_summary", ""),
                                "pik_shares": figure(row, "pik_shares", "shares", row["clause"])
                                if row.get("pik_shares") is not None
                                else None,
                                "cash": figure(row, "cash", "money", row["clause"])
                                if row.get("cash") is not None
                                else None,
                                "statement": row["status"] == "paid",
                            }
                        )
        held = {p["series"] for p in positions} | {d["series"] for d in dividends}
        notices = [c for c in json_ready_list(books.certificates_of_adjustment(day)) if c["series"] in held]
        return {"positions": positions, "dividends": dividends, "notices": notices}

    def who_as(who: Access, holder: str) -> Access:
        """``who`` narrowed to ``holder``'s rows (an administrator's or auditor's view of one holder
        is the holder's own)."""
        if who.holder is not None:
            return who
        return dataclasses.replace(who, grant=dataclasses.replace(who.grant, role="holder", holder=holder))

    def json_ready_list(items: Sequence[Any]) -> list[dict[str, Any]]:
        return [dict(i.to_dict()) for i in items]

    # ------------------------------------------------------------------ documents (PDF)

    async def pdf_of(make: Callable[[], list[tuple[str | None, Any]]], name: str) -> Response:
        from prefstack.documents import write

        def render() -> bytes:
            docs = [d for _, d in make()]
            with tempfile.TemporaryDirectory() as folder:
                return write(docs, Path(folder) / "document.pdf").read_bytes()

        pdf = await run_in_threadpool(render)
        return Response(
            pdf, media_type="application/pdf", headers={"Content-Disposition": f'attachment; filename="{name}"'}
        )

    @app.get("/companies/{company}/holders/{holder}/dividend-statement.pdf", include_in_schema=False)
    async def dividend_statement(
        request: Request, company: str, holder: str, series: str, payment_date: str
    ) -> Response:
        _, who = page_access(request, company, EVERYONE)
        whose = access.holder_asked(who, holder)
        name = series_name(series, "series")
        day = parse_date(payment_date, "payment_date", f"{name} §2(a)")
        books = Books(db, who.company)
        return await pdf_of(
            lambda: books.dividend_statements(day, name, whose, every_holder=False),
            f"dividend-statement-{name}-{day.isoformat()}.pdf",
        )

    @app.get("/companies/{company}/holders/{holder}/certificate-of-adjustment.pdf", include_in_schema=False)
    async def adjustment_certificate(
        request: Request, company: str, holder: str, series: str, adjustment: str, as_of: str
    ) -> Response:
        _, who = page_access(request, company, EVERYONE)
        whose = access.holder_asked(who, holder)
        name = series_name(series, "series")
        on = parse_date(adjustment, "adjustment", f"{name} §5(j)")
        day = parse_date(as_of, "as_of", f"{name} §5(j)")
        books = Books(db, who.company)
        return await pdf_of(
            lambda: books.adjustment_certificates(day, name, on, whose, every_holder=False),
            f"certificate-of-adjustment-{name}-{on.isoformat()}.pdf",
        )

    from prefstack.web import documents  # the page of documents to render (the routes are app.py's)

    documents.add_page(app, page_access, page)
