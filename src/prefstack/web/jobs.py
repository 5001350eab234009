"""Long work as a job the client polls: ``POST /api/companies/{company}/jobs`` and ``GET .../jobs/{id}``.

Three kinds of work take long enough to run apart from the request that asks for them:

- ``impact``: what each implemented alternative reading changes in the ledger's figures on a date
  (``prefstack interpretations --impact --format json``; arguments ``as_of``, and optionally
  ``proceeds`` and ``capital_structure`` as the command's options);
- ``waterfall-grid``: the F/G §3 waterfall (``prefstack waterfall --format json``) at each exit value
  of a grid on one date (arguments ``on``, ``proceeds`` (a list of exit values) or ``grid``
  (``{"low", "high", "points"}``: ``points`` values evenly spaced from ``low`` to ``high``, both
  included, exact fractions), and optionally ``capital_structure``);
- ``scenarios``: the vectorized waterfall (:meth:`prefstack.scenarios.ScenarioPlan.payouts`,
  summed by class with :meth:`~prefstack.scenarios.ScenarioPlan.by_class`) at each exit value of a
  grid on one date (arguments ``on``, ``from``, ``to``, ``steps``: the exit values ``from + i x (to
  - from) / steps`` for i = 0..steps, each whole cents, at most :data:`MAX_SCENARIO_STEPS` steps;
  optionally ``capital_structure``), as ``prefstack scenarios`` computes them: each class's cents
  at each exit value, and the plan's breakpoints (``prefstack breakpoints --format json``).

The arguments are checked when the job is asked for (a refusal is 422 with the field, the clause
and the problem, and no job is made); the work then runs in the service's worker threads
(:class:`Jobs`, a bounded queue: a service already holding :data:`CAPACITY` jobs waiting or running
answers 429), and the client polls the job for its status (``queued``, ``running``, ``finished``,
``failed``), its progress (``done`` of ``total``: alternatives answered, waterfalls computed, or
exit values of a scenarios grid paid) and,
once finished, its result (the command's JSON). A job belongs to its company: only a user with a
role there that may read every holder's figures (administrator, auditor) asks for one or reads one;
another company's job id is unknown (404).

Jobs are kept in the store too (table ``web_jobs``: what was asked, by whom, its status and,
once ended, its result or error, outside the ledgers' hash chains), written when a job is asked
for, when it starts and when it ends; its progress is kept in the service's memory while it runs.
A finished job is read back after the service restarts; a job the store holds as queued or
running when a service starts over it was left by a service that stopped before it ended: it is
marked failed, saying so (ask for it again). One service answers the jobs of a store (as
``prefstack serve`` runs one). The last :data:`KEPT` ended jobs are kept, the oldest forgotten
first.
"""

import dataclasses
import datetime as dt
import json
import logging
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from fractions import Fraction
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import Body, Depends, FastAPI
from fastapi.responses import JSONResponse

from prefstack.answers import json_ready
from prefstack.arguments import parse_date, parse_exact
from prefstack.books import Books
from prefstack.errors import InputError, PrefstackError
from prefstack.instruments.capital_structure import LoadedStructure, bundled_for_company
from prefstack.ledger.store import EventStore
from prefstack.web.access import Access

__all__ = ["CAPACITY", "KEPT", "MAX_GRID", "MAX_SCENARIO_STEPS", "SCENARIO_CHUNK", "Job", "Jobs", "register"]

CLAUSE = "jobs"
"""The clause of the errors about a job's arguments that no certificate governs."""
KINDS = ("impact", "waterfall-grid", "scenarios")
CAPACITY = 8
"""At most this many jobs wait or run in one service at once; one more is refused 429."""
KEPT = 64
"""Finished (or failed) jobs kept for their clients to read; the oldest is forgotten first."""
MAX_GRID = 1001
"""The most exit values of one waterfall grid."""
MAX_SCENARIO_STEPS = 100_000
"""The most steps of a scenarios grid (``steps + 1`` exit values)."""
SCENARIO_CHUNK = 16_384
"""Exit values of a scenarios grid paid at a time (the progress is told after each chunk)."""
WORKERS = 1
"""Worker threads answering jobs (the work is CPU-bound Python: more threads share one interpreter)."""

log = logging.getLogger(__name__)

_metadata = sa.MetaData()
jobs_table = sa.Table(
    "web_jobs",
    _metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("company", sa.String(64), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("arguments", sa.Text, nullable=False),
    sa.Column("created_by", sa.String(64), nullable=False),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("done", sa.BigInteger, nullable=False),
    sa.Column("total", sa.BigInteger, nullable=True),
    sa.Column("result", sa.Text, nullable=True),
    sa.Column("error", sa.Text, nullable=True),
)
"""Each job as its client reads it (JSON text for its arguments, result and error)."""
STOPPED = "the service stopped before the job ended: ask for it again"

Progress = Callable[[int, int], None]
Work = Callable[[Progress], Any]


@dataclasses.dataclass
class Job:
    """One job: what was asked, by whom, and how far it is."""

    id: str
    company: str
    kind: str
    arguments: dict[str, Any]
    created_by: str
    created_at: dt.datetime
    status: str = "queued"
    done: int = 0
    total: int | None = None
    result: Any = None
    error: dict[str, Any] | None = None

    def answer(self) -> dict[str, Any]:
        """The job as its client reads it: the result only once finished, the error once failed."""
        out: dict[str, Any] = {
            "id": self.id,
            "company": self.company,
            "kind": self.kind,
            "arguments": self.arguments,
            "created_by": self.created_by,
            "created_at": self.created_at.isoformat(),
            "status": self.status,
            "progress": {"done": self.done, "total": self.total},
        }
        if self.status == "finished":
            out["result"] = self.result
        if self.status == "failed":
            out["error"] = self.error
        return out


class QueueFull(Exception):
    """The service holds :data:`CAPACITY` jobs waiting or running already."""


class Jobs:
    """The jobs of one service: a bounded queue answered by worker threads, each job kept in the
    store at ``db`` as well (None: in memory only)."""

    def __init__(
        self, workers: int = WORKERS, capacity: int = CAPACITY, kept: int = KEPT, db: str | None = None
    ) -> None:
        self._capacity = capacity
        self._kept = kept
        self._lock = threading.Lock()
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._pending = 0
        self._store = None if db is None else EventStore(db)
        if self._store is not None:
            with self._store.transaction(write=True) as conn:
                _metadata.create_all(conn)
                left = jobs_table.c.status.in_(("queued", "running"))
                error = json.dumps({"field": None, "clause": CLAUSE, "problem": STOPPED})
                conn.execute(jobs_table.update().where(left).values(status="failed", error=error))
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="prefstack-job")

    def submit(
        self, company: str, user: str, kind: str, arguments: dict[str, Any], work: Work, total: int | None
    ) -> Job:
        """A new job running ``work`` (told its progress) in a worker, of ``total`` steps where known
        beforehand; :class:`QueueFull` where the queue is full."""
        with self._lock:
            if self._pending >= self._capacity:
                raise QueueFull()
            self._pending += 1
            job = Job(secrets.token_urlsafe(16), company, kind, arguments, user, dt.datetime.now(dt.UTC), total=total)
            self._jobs[job.id] = job
        try:
            self._keep(job, new=True)
        except BaseException:
            with self._lock:
                self._pending -= 1
                del self._jobs[job.id]
            raise
        self._pool.submit(self._run, job, work)
        return job

    def get(self, company: str, ident: str) -> dict[str, Any] | None:
        """The job ``ident`` of ``company`` as its client reads it; None where there is none."""
        with self._lock:
            job = self._jobs.get(ident)
            if job is not None:
                return None if job.company != company else job.answer()
        if self._store is None:
            return None
        with self._store.transaction(write=False) as conn:
            row = conn.execute(
                sa.select(jobs_table).where(jobs_table.c.id == ident, jobs_table.c.company == company)
            ).first()
        return None if row is None else _read(row).answer()

    def close(self) -> None:
        """Stop: the jobs waiting are cancelled, a running one is left to end."""
        self._pool.shutdown(wait=False, cancel_futures=True)
        if self._store is not None:
            self._store.close()

    def _keep(self, job: Job, *, new: bool = False) -> None:
        """Write ``job`` to the store (its status, progress and, once ended, result or error), and
        forget the oldest ended jobs beyond :data:`KEPT` there."""
        if self._store is None:
            return
        values = {
            "status": job.status,
            "done": job.done,
            "total": job.total,
            "result": None if job.status != "finished" else json.dumps(job.result),
            "error": None if job.error is None else json.dumps(job.error),
        }
        with self._store.transaction(write=True) as conn:
            if new:
                conn.execute(
                    jobs_table.insert().values(
                        id=job.id,
                        company=job.company,
                        kind=job.kind,
                        arguments=json.dumps(job.arguments),
                        created_by=job.created_by,
                        created_at=job.created_at.isoformat(),
                        **values,
                    )
                )
                return
            conn.execute(jobs_table.update().where(jobs_table.c.id == job.id).values(**values))
            ended = jobs_table.c.status.in_(("finished", "failed"))
            kept = sa.select(jobs_table.c.id).where(ended).order_by(jobs_table.c.created_at.desc()).limit(self._kept)
            conn.execute(jobs_table.delete().where(ended, jobs_table.c.id.not_in(kept.scalar_subquery())))

    def _progress(self, job: Job) -> Progress:
        def told(done: int, total: int) -> None:
            with self._lock:
                job.done, job.total = done, total

        return told

    def _run(self, job: Job, work: Work) -> None:
        with self._lock:
            job.status = "running"
        try:
            self._keep(job)
        except Exception:  # the store cannot be written: the job still runs and answers from memory
            log.exception("job %s (%s): its start could not be written to the store", job.id, job.kind)
        try:
            result = work(self._progress(job))
        except PrefstackError as exc:
            self._end(job, "failed", None, _error(exc))
        except Exception as exc:  # the job must end: a client would otherwise poll a running job forever
            log.exception("job %s (%s) failed", job.id, job.kind)
            self._end(job, "failed", None, {"field": None, "clause": None, "problem": f"the service failed: {exc!r}"})
        else:
            self._end(job, "finished", result, None)

    def _end(self, job: Job, status: str, result: Any, error: dict[str, Any] | None) -> None:
        with self._lock:
            job.status, job.result, job.error = status, result, error
        try:
            self._keep(job)
        except Exception:  # not kept: its client reads it from memory until the service stops
            log.exception("job %s (%s): its end could not be written to the store", job.id, job.kind)
        with self._lock:
            self._pending -= 1
            ended = [j for j in self._jobs.values() if j.status in ("finished", "failed")]
            for old in ended[: max(0, len(ended) - self._kept)]:
                del self._jobs[old.id]


def _read(row: sa.Row[Any]) -> Job:
    """A job as the store keeps it."""
    return Job(
        id=str(row.id),
        company=str(row.company),
        kind=str(row.kind),
        arguments=json.loads(row.arguments),
        created_by=str(row.created_by),
        created_at=dt.datetime.fromisoformat(row.created_at),
        status=str(row.status),
        done=int(row.done),
        total=None if row.total is None else int(row.total),
        result=None if row.result is None else json.loads(row.result),
        error=None if row.error is None else json.loads(row.error),
    )


def _error(exc: PrefstackError) -> dict[str, Any]:
    return {
        "field": getattr(exc, "field", None),
        "clause": getattr(exc, "clause", None),
        "problem": getattr(exc, "problem", str(exc)),
    }


# ---------------------------------------------------------------------------------- the arguments


def _structure(arguments: dict[str, Any], company: str) -> LoadedStructure | None:
    from prefstack.ledger import service

    value = arguments.get("capital_structure", "none")
    if value == "none":
        return None
    if value == "company":
        return bundled_for_company(service.company_name(company), "capital_structure")
    raise InputError("capital_structure", "capital structure", f"{value!r}: give 'none' or 'company'")


def _text(arguments: dict[str, Any], field: str, clause: str) -> str:
    value = arguments.get(field)
    if not isinstance(value, str):
        raise InputError(field, clause, f"give {field} as text (a date YYYY-MM-DD or an exact amount)")
    return value


def _only(arguments: dict[str, Any], allowed: set[str], kind: str) -> None:
    for field in sorted(set(arguments) - allowed - {"kind"}):
        raise InputError(
            field, CLAUSE, f"not an argument of a {kind} job (its arguments: {', '.join(sorted(allowed))})"
        )


def _impact_work(arguments: dict[str, Any], db: str, company: str) -> tuple[int | None, Work]:
    """``interpretations --impact``: the JSON the command prints; progress: alternatives answered."""
    from prefstack.impact import Liquidation, impact

    _only(arguments, {"as_of", "proceeds", "capital_structure"}, "impact")
    day = parse_date(_text(arguments, "as_of", "interpretations"), "as_of", "interpretations")
    if "proceeds" not in arguments and "capital_structure" in arguments:
        raise InputError("capital_structure", "interpretations", "capital_structure goes with proceeds")
    liquidation = None
    if "proceeds" in arguments:
        cash = parse_exact(_text(arguments, "proceeds", "F §3(a)"), "proceeds", "F §3(a)")
        liquidation = Liquidation(cash, _structure(arguments, company))

    def work(progress: Progress) -> Any:
        return json_ready(impact(Books(db, company), day, liquidation, 1, progress))

    return None, work  # how many alternatives are computed again is known once prefstack's figures are


def _grid(arguments: dict[str, Any]) -> list[Fraction]:
    """The exit values of a waterfall grid: ``proceeds`` (a list) or ``grid`` (low, high, points)."""
    if ("proceeds" in arguments) == ("grid" in arguments):
        raise InputError("proceeds", CLAUSE, "give the exit values as proceeds (a list) or grid, one of the two")
    if "proceeds" in arguments:
        given = arguments["proceeds"]
        if not isinstance(given, list) or not given or not all(isinstance(v, str) for v in given):
            raise InputError("proceeds", "F §3(a)", "give the exit values as a non-empty list of exact amounts (text)")
        if len(given) > MAX_GRID:
            raise InputError("proceeds", CLAUSE, f"a grid has at most {MAX_GRID} exit values, not {len(given)}")
        return [parse_exact(v, f"proceeds[{i}]", "F §3(a)") for i, v in enumerate(given)]
    grid = arguments["grid"]
    if not isinstance(grid, dict) or set(grid) != {"low", "high", "points"}:
        raise InputError("grid", CLAUSE, 'give the grid as {"low": AMOUNT, "high": AMOUNT, "points": N}')
    low = parse_exact(_text(grid, "low", "F §3(a)"), "grid.low", "F §3(a)")
    high = parse_exact(_text(grid, "high", "F §3(a)"), "grid.high", "F §3(a)")
    points = grid["points"]
    if not isinstance(points, int) or isinstance(points, bool) or not 2 <= points <= MAX_GRID:
        raise InputError("grid.points", CLAUSE, f"give from 2 to {MAX_GRID} points, not {points!r}")
    if high <= low:
        raise InputError("grid.high", CLAUSE, f"the highest exit value ({high}) must exceed the lowest ({low})")
    step = (high - low) / (points - 1)  # exact: a Fraction, no rounding
    return [low + step * i for i in range(points)]


def _grid_work(arguments: dict[str, Any], db: str, company: str) -> tuple[int | None, Work]:
    """The waterfall at each exit value of the grid, in order: each the JSON of ``waterfall --format
    json``; progress: waterfalls computed."""
    _only(arguments, {"on", "proceeds", "grid", "capital_structure"}, "waterfall-grid")
    day = parse_date(_text(arguments, "on", "F §3(a)"), "on", "F §3(a)")
    values = _grid(arguments)
    used = _structure(arguments, company)

    def work(progress: Progress) -> Any:
        books = Books(db, company)
        answers = []
        progress(0, len(values))
        for value in values:
            answers.append(json_ready(books.waterfall(day, value, (), (), used)))
            progress(len(answers), len(values))
        return answers

    return len(values), work


def _scenarios_work(arguments: dict[str, Any], db: str, company: str) -> tuple[int | None, Work]:
    """The vectorized waterfall at each exit value of the grid ``from + i x (to - from) / steps``
    (i = 0..steps) on ``on``: each class's cents (the kernel's, as ``prefstack scenarios`` writes
    them), and the plan's breakpoints; progress: exit values paid."""
    from prefstack.scenario_answers import breakpoints_json
    from prefstack.scenario_files import grid

    _only(arguments, {"on", "from", "to", "steps", "capital_structure"}, "scenarios")
    day = parse_date(_text(arguments, "on", "F §3(a)"), "on", "F §3(a)")
    low = parse_exact(_text(arguments, "from", "scenario grid"), "from", "scenario grid")
    high = parse_exact(_text(arguments, "to", "scenario grid"), "to", "scenario grid")
    steps = arguments.get("steps")
    if not isinstance(steps, int) or isinstance(steps, bool) or not 1 <= steps <= MAX_SCENARIO_STEPS:
        raise InputError("steps", "scenario grid", f"give from 1 to {MAX_SCENARIO_STEPS:,} steps, not {steps!r}")
    exits = grid(low, high, steps, ("from", "to", "steps"))
    used = _structure(arguments, company)

    def work(progress: Progress) -> Any:
        progress(0, int(exits.size))
        plan = Books(db, company).scenario_plan(day, used)
        rows: list[list[int]] = []
        for begin in range(0, exits.size, SCENARIO_CHUNK):
            chunk = exits[begin : begin + SCENARIO_CHUNK]
            by_class = plan.by_class(plan.payouts(chunk, "to"))
            rows += [[int(x), *paid] for x, paid in zip(chunk.tolist(), by_class.tolist(), strict=True)]
            progress(len(rows), int(exits.size))
        return {
            "on": day.isoformat(),
            "columns": ["exit_value_cents", *plan.classes],
            "rows": rows,
            "breakpoints": breakpoints_json(plan, used),
        }

    return int(exits.size), work


_KINDS: dict[str, Callable[[dict[str, Any], str, str], tuple[int | None, Work]]] = {
    "impact": _impact_work,
    "waterfall-grid": _grid_work,
    "scenarios": _scenarios_work,
}


# ---------------------------------------------------------------------------------- the routes


def register(app: FastAPI, db: str, reader: Callable[..., Access], writer: Callable[..., Access]) -> Jobs:
    """The job routes on ``app`` (``reader``: the dependency admitting administrators and auditors;
    ``writer``: the same, with a session's CSRF token checked); the service's :class:`Jobs`."""
    jobs = Jobs(db=db)

    @app.post(
        "/api/companies/{company}/jobs",
        tags=["jobs"],
        status_code=202,
        responses={422: {"description": "Refused arguments"}, 429: {"description": "Too many jobs waiting"}},
    )
    def start_job(who: Annotated[Access, Depends(writer)], asked: Annotated[dict[str, Any], Body()]) -> JSONResponse:
        """Start a job (``kind``: ``impact``, ``waterfall-grid`` or ``scenarios``, with its arguments): 202 with the
        job, polled at ``Location`` (administrator, auditor)."""
        kind = asked.get("kind")
        if kind not in _KINDS:
            raise InputError("kind", CLAUSE, f"{kind!r}: a job's kind is one of {', '.join(KINDS)}")
        total, work = _KINDS[kind](asked, db, who.company)
        arguments = {k: v for k, v in asked.items() if k != "kind"}
        try:
            job = jobs.submit(who.company, who.user, kind, arguments, work, total)
        except QueueFull:
            problem = f"the service holds {CAPACITY} jobs waiting or running already: retry later"
            return JSONResponse(
                {"field": None, "clause": CLAUSE, "problem": problem}, status_code=429, headers={"Retry-After": "5"}
            )
        answer = jobs.get(who.company, job.id)
        location = f"/api/companies/{who.company}/jobs/{job.id}"
        return JSONResponse(answer, status_code=202, headers={"Location": location})

    @app.get("/api/companies/{company}/jobs/{job}", tags=["jobs"], responses={404: {"description": "No such job"}})
    def read_job(who: Annotated[Access, Depends(reader)], job: str) -> JSONResponse:
        """A job of the company: its status, progress and, once finished, its result (administrator, auditor)."""
        answer = jobs.get(who.company, job)
        if answer is None:
            problem = f"no job of this company has this id (the last {KEPT} ended jobs are kept)"
            return JSONResponse({"field": "job", "clause": CLAUSE, "problem": problem}, status_code=404)
        return JSONResponse(answer)

    return jobs
