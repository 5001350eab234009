"""Long work as polled jobs (``POST/GET /api/companies/{company}/jobs``) on the real service: an impact
table and a waterfall grid polled to completion and compared with the command line's JSON, their
progress, who may ask for and read a job, refused arguments, and the bounded queue.

The ledger is webservice.py's: A holds 40,000 (40,342.22 after its PIK dividend of 2000-09-15) and
B 10,000 shares of Series F, C 20,000 of Series G; the dividends of 2000-12-15 were not paid.
"""

from __future__ import annotations

import json
import threading
import time
from fractions import Fraction as Fr
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner
from webservice import COMPANY, PASSWORD, Service

from prefstack.web.jobs import SCENARIO_CHUNK, Jobs, QueueFull

JOBS = f"/api/companies/{COMPANY}/jobs"


def cli_json(service: Service, *args: str) -> Any:
    from prefstack.cli import app

    result = CliRunner().invoke(
        app, [*args, "--db", service.db, "--company", COMPANY, "--format", "json"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def poll(client: httpx.Client, location: str, seconds: float = 120) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Poll a job until it ends: its last answer and the progress seen on the way."""
    seen = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        answer = client.get(location)
        assert answer.status_code == 200, answer.text
        job: dict[str, Any] = answer.json()
        seen.append(job["progress"])
        if job["status"] in ("finished", "failed"):
            return job, seen
        assert job["status"] in ("queued", "running") and "result" not in job
        time.sleep(0.05)
    raise AssertionError(f"the job did not end in {seconds} s")


def test_an_impact_job_polled_to_completion_answers_the_command_lines_json(service: Service) -> None:
    with service.client("auditor") as client:
        started = client.post(JOBS, json={"kind": "impact", "as_of": "2000-12-31"})
        assert started.status_code == 202, started.text
        job = started.json()
        assert (job["kind"], job["created_by"], job["arguments"]) == ("impact", "auditor", {"as_of": "2000-12-31"})
        assert job["status"] in ("queued", "running")  # a worker may have taken it up already
        assert started.headers["Location"] == f"{JOBS}/{job['id']}"
        finished, seen = poll(client, started.headers["Location"])
    assert finished["status"] == "finished"
    expected = cli_json(service, "interpretations", "--impact", "--as-of", "2000-12-31")
    assert finished["result"] == expected
    # progress counts the alternatives computed again: every one whose interpretation the figures
    # consulted, which ends as a point (a change), unchanged or refused; the not consulted are not computed
    computed = len(expected["points"]) + len(expected["unchanged"]) + len(expected["refused"])
    assert computed > 0 and finished["progress"] == {"done": computed, "total": computed}
    dones = [p["done"] for p in seen]
    assert dones == sorted(dones)  # never goes back


def test_a_waterfall_grid_job_answers_each_exit_value_as_the_waterfall_does(service: Service) -> None:
    with service.client("admin") as client:
        # 4 points from $0 to $30,000,000: a step of 30,000,000 / (4 - 1) = $10,000,000
        grid = {"low": "0", "high": "30000000", "points": 4}
        started = client.post(JOBS, json={"kind": "waterfall-grid", "on": "2000-12-31", "grid": grid})
        assert started.status_code == 202, started.text
        assert started.json()["progress"] == {"done": 0, "total": 4}
        finished, _ = poll(client, started.headers["Location"])
        assert finished["status"] == "finished" and finished["progress"] == {"done": 4, "total": 4}
        answers = finished["result"]
        assert [a["proceeds"] for a in answers] == ["0.00", "10000000.00", "20000000.00", "30000000.00"]
        for answer in answers:
            alone = client.get(
                f"/api/companies/{COMPANY}/waterfall", params={"proceeds": answer["proceeds"], "on": "2000-12-31"}
            )
            assert alone.json() == answer
    # F/G §3(a): below the preferences (about $72 million) all of the proceeds go to the parity tier,
    # pro rata to each holding's full preference. A and B hold Series F, each share worth the same
    # Liquidation Value, so their exact entitlements stand as their shares: A 40,000 + 40,000 x 7% x
    # 44/360 = 363,080/9 shares, B 10,000 (its dividend of 2000-09-15 paid in cash).
    at_10m = {(p["security"], p["holder"]): p for p in answers[1]["payouts"] if p["tier"] == "parity preference"}
    a, b = (Fr(at_10m[("F", h)]["exact_entitlement"]) for h in ("A", "B"))
    assert a / b == Fr(363_080, 9) / 10_000
    assert sum(Fr(p["amount"]) for p in answers[1]["payouts"]) == 10_000_000  # each cent of the proceeds paid
    assert all(Fr(p["amount"]) == 0 for p in answers[0]["payouts"])  # nothing to share from $0


def test_a_grid_of_listed_exit_values_keeps_them_exact_and_in_order(service: Service) -> None:
    with service.client("admin") as client:
        started = client.post(
            JOBS, json={"kind": "waterfall-grid", "on": "2000-12-31", "proceeds": ["5000000", "1234567.891"]}
        )
        finished, _ = poll(client, started.headers["Location"])
    # the answers in the order asked; an exit value's fraction of a cent is kept exact beside its cents
    assert [(a["proceeds"], a.get("proceeds_exact")) for a in finished["result"]] == [
        ("5000000.00", None),
        ("1234567.89", "1234567.891"),
    ]


def class_cents(answer: dict[str, Any]) -> dict[str, int]:
    """The exact waterfall's payouts (``GET .../waterfall``) summed by class, in cents (each amount
    is whole cents: LIQ-CENTS)."""
    out: dict[str, int] = {}
    for p in answer["payouts"]:
        cents = Fr(p["amount"]) * 100
        assert cents.denominator == 1
        out[p["security"]] = out.get(p["security"], 0) + int(cents)
    return out


def test_a_scenarios_job_pays_the_exact_waterfalls_cents_and_gives_the_breakpoints(service: Service) -> None:
    """The grid $0 to $100,000,000 in 1,000 steps of $100,000 (1,001 exit values) on 2000-12-31,
    the ledger's series and Common Stock: each class's cents at each exit value, as the kernel pays
    them, equal the exact waterfall's at the rows checked; the breakpoints are the endpoint's."""
    on = "2000-12-31"
    with service.client("auditor") as client:
        asked = {"kind": "scenarios", "on": on, "from": "0", "to": "100000000", "steps": 1000}
        started = client.post(JOBS, json=asked)
        assert started.status_code == 202, started.text
        assert started.json()["progress"] == {"done": 0, "total": 1001}
        finished, seen = poll(client, started.headers["Location"])
        assert finished["status"] == "finished", finished
        assert finished["progress"] == {"done": 1001, "total": 1001}
        assert [p["done"] for p in seen] == sorted(p["done"] for p in seen)
        result = finished["result"]
        assert result["on"] == on and result["columns"] == ["exit_value_cents", "F", "G", "Common Stock"]
        rows = result["rows"]
        # exit value i: i x $100,000 = i x 10,000,000 cents
        assert [r[0] for r in rows] == [i * 10_000_000 for i in range(1001)]
        for i in (0, 100, 720, 721, 1000):
            exact = client.get(f"/api/companies/{COMPANY}/waterfall", params={"proceeds": str(i * 100_000), "on": on})
            paid = class_cents(exact.json())
            assert dict(zip(result["columns"][1:], rows[i][1:], strict=True)) == {
                name: paid.get(name, 0) for name in result["columns"][1:]
            }, i
        breakpoints = client.get(f"/api/companies/{COMPANY}/breakpoints", params={"on": on}).json()
    assert result["breakpoints"] == breakpoints
    # by hand at $10,000,000 (row 100), below the parity preferences ($72,039,276.69: test_access):
    # the 1,000,000,000 cents are apportioned to A, B and C by their Liquidation Values (F/G §3(a)),
    # A 363,080/9 x 18,371/18, B 10,000 x 18,371/18, C 61,978,336/3, together 5,835,181,412/81:
    # A's quota 571,545,442.12, B's 141,674,258.54, C's 286,780,299.33: to the nearest cent they
    # already sum to 1,000,000,000 (442 + 259 + 299 = 1,000), so F = 571,545,442 + 141,674,259
    total = Fr(5_835_181_412, 81)
    quotas = [Fr(10**9) * v / total for v in (Fr(363_080, 9) * Fr(18_371, 18), 10_000 * Fr(18_371, 18))]
    assert [round(q) for q in quotas] == [571_545_442, 141_674_259]
    assert rows[100] == [1_000_000_000, 571_545_442 + 141_674_259, 286_780_299, 0]
    # above the preferences the rest is shared as converted (F/G §3(b)): at $72,000,000 (row 720) the
    # Common Stock gets nothing, at $72,100,000 (row 721) it does; at $100,000,000 F and G get more
    # than their Liquidation Values (A + B: 4,117,372,025 + 1,020,611,111 cents; C: 2,065,944,533)
    assert rows[720][3] == 0 and rows[721][3] > 0
    assert rows[1000][1] > 4_117_372_025 + 1_020_611_111 and rows[1000][2] > 2_065_944_533
    assert all(sum(r[1:]) == r[0] for r in rows)


def test_a_scenarios_job_of_100000_steps_over_the_companys_capital_structure(service: Service) -> None:
    """The largest grid (100,000 steps): $0 to $1,000,000,000 in steps of $10,000 over the bundled
    CAIS capital structure (Series C, D, E senior, the options and the Qwest Warrant); a tranche the
    exact waterfall does not exercise has no payout there and 0 cents here."""
    on = "2000-12-31"
    with service.client("admin") as client:
        asked = {
            "kind": "scenarios", "on": on, "from": "0", "to": "1000000000", "steps": 100_000,
            "capital_structure": "company",
        }  # fmt: skip
        started = client.post(JOBS, json=asked)
        assert started.status_code == 202, started.text
        finished, seen = poll(client, started.headers["Location"])
        assert finished["status"] == "finished", finished
        assert finished["progress"] == {"done": 100_001, "total": 100_001}
        # progress is told after each chunk of 16,384 exit values paid: 0, 16,384, 32,768, ... 100,001
        assert {p["done"] for p in seen} <= {*range(0, 100_001, SCENARIO_CHUNK), 100_001}
        assert all(p["total"] == 100_001 for p in seen)  # known when the job is asked for
        result = finished["result"]
        columns, rows = result["columns"], result["rows"]
        assert len(rows) == 100_001 and rows[-1][0] == 100_000_000_000
        for i in (3_000, 7_204, 33_249, 100_000):  # $30M, $72.04M, $332.49M, $1bn
            params = {"proceeds": str(i * 10_000), "on": on, "capital_structure": "company"}
            paid = class_cents(client.get(f"/api/companies/{COMPANY}/waterfall", params=params).json())
            assert set(paid) <= set(columns[1:])
            assert rows[i][1:] == [paid.get(name, 0) for name in columns[1:]], i
        breakpoints = client.get(
            f"/api/companies/{COMPANY}/breakpoints", params={"on": on, "capital_structure": "company"}
        ).json()
    assert result["breakpoints"] == breakpoints
    # the senior rank (F §1(b)) is paid in full from $30,826,301.37 (the breakpoint): at $30,000,000
    # (row 3,000) the three senior classes share every cent, F and G get nothing
    assert sum(rows[3_000][1:4]) == 3_000_000_000 and rows[3_000][4:6] == [0, 0]
    assert breakpoints["breakpoints"][0]["exit_value"] == "30826301.37"


def test_only_administrators_and_auditors_of_the_company_ask_for_or_read_a_job(service: Service) -> None:
    asked = {"kind": "waterfall-grid", "on": "2000-12-31", "proceeds": ["1000000"]}
    with service.client("admin") as client:
        location = client.post(JOBS, json=asked).headers["Location"]
        poll(client, location)
    with service.client("auditor") as client:  # a job belongs to its company: every reader there sees it
        assert client.get(location).json()["created_by"] == "admin"
    for user in ("holder-a", "stranger", None):
        with service.client(user) as client:
            status = 401 if user is None else 403
            for response in (client.post(JOBS, json=asked), client.get(location)):
                assert (response.status_code, response.content) == (status, b"")
    # the same id under another company (where the user has no role) is refused, not found
    with service.client("admin") as client:
        other = client.get(location.replace(COMPANY, "northwind-networks"))
        assert (other.status_code, other.content) == (403, b"")
        unknown = client.get(f"{JOBS}/no-such-job")
        assert unknown.status_code == 404 and unknown.json()["field"] == "job"


def test_a_session_asks_for_a_job_only_with_its_csrf_token(service: Service) -> None:
    with httpx.Client(base_url=service.url) as browser:
        csrf = browser.post("/login", data={"name": "admin", "password": PASSWORD}).json()["csrf_token"]
        asked = {"kind": "waterfall-grid", "on": "2000-12-31", "proceeds": ["1000000"]}
        refused = browser.post(JOBS, json=asked)
        assert (refused.status_code, refused.content) == (403, b"")
        assert browser.post(JOBS, json=asked, headers={"X-CSRF-Token": csrf}).status_code == 202


@pytest.mark.parametrize(
    ("asked", "field", "clause"),
    [
        ({"kind": "nope"}, "kind", "jobs"),
        ({"kind": "impact"}, "as_of", "interpretations"),
        ({"kind": "impact", "as_of": "2000-13-01"}, "as_of", "option"),  # parse_date's, as the questions'
        (
            {"kind": "impact", "as_of": "2000-12-31", "capital_structure": "company"},
            "capital_structure",
            "interpretations",
        ),
        ({"kind": "impact", "as_of": "2000-12-31", "jobs": 4}, "jobs", "jobs"),
        ({"kind": "waterfall-grid", "on": "2000-12-31"}, "proceeds", "jobs"),
        ({"kind": "waterfall-grid", "on": "2000-12-31", "proceeds": ["1", "x"]}, "proceeds[1]", "F §3(a)"),
        (
            {"kind": "waterfall-grid", "on": "2000-12-31", "grid": {"low": "0", "high": "9", "points": 1}},
            "grid.points",
            "jobs",
        ),
        (
            {"kind": "waterfall-grid", "on": "2000-12-31", "grid": {"low": "9", "high": "0", "points": 3}},
            "grid.high",
            "jobs",
        ),
        ({"kind": "waterfall-grid", "on": "2000-12-31", "proceeds": ["1"] * 1002}, "proceeds", "jobs"),
        ({"kind": "scenarios", "from": "0", "to": "1", "steps": 1}, "on", "F §3(a)"),
        ({"kind": "scenarios", "on": "2000-12-31", "to": "1", "steps": 1}, "from", "scenario grid"),
        ({"kind": "scenarios", "on": "2000-12-31", "from": "0", "to": "1", "steps": 0}, "steps", "scenario grid"),
        (
            {"kind": "scenarios", "on": "2000-12-31", "from": "0", "to": "100000000", "steps": 100_001},
            "steps",
            "scenario grid",
        ),
        ({"kind": "scenarios", "on": "2000-12-31", "from": "0", "to": "1", "steps": "2"}, "steps", "scenario grid"),
        # $1 is 100 cents: 100 / 3 is not whole cents (nothing is rounded)
        ({"kind": "scenarios", "on": "2000-12-31", "from": "0", "to": "1", "steps": 3}, "steps", "scenario grid"),
        ({"kind": "scenarios", "on": "2000-12-31", "from": "0", "to": "1.001", "steps": 1}, "to", "scenario grid"),
        ({"kind": "scenarios", "on": "2000-12-31", "from": "2", "to": "1", "steps": 1}, "from", "scenario grid"),
        (
            {"kind": "scenarios", "on": "2000-12-31", "from": "0", "to": "100000000000.01", "steps": 1},
            "to",
            "scenario grid",
        ),
        (
            {"kind": "scenarios", "on": "2000-12-31", "from": "0", "to": "1", "steps": 1, "dates": ["2001-01-01"]},
            "dates",
            "jobs",
        ),
    ],
)
def test_refused_arguments_answer_their_field_and_clause_and_make_no_job(
    service: Service, asked: dict[str, Any], field: str, clause: str
) -> None:
    with service.client("admin") as client:
        refused = client.post(JOBS, json=asked)
    assert refused.status_code == 422, refused.text
    assert (refused.json()["field"], refused.json()["clause"]) == (field, clause)
    assert "Location" not in refused.headers


def test_the_queue_is_bounded_and_keeps_the_last_finished_jobs() -> None:
    jobs = Jobs(workers=1, capacity=2, kept=1)
    release = threading.Event()

    def blocked(progress: Any) -> str:
        progress(0, 1)
        release.wait(10)
        progress(1, 1)
        return "done"

    try:
        first = jobs.submit("c", "u", "test", {}, blocked, 1)
        second = jobs.submit("c", "u", "test", {}, blocked, 1)
        with pytest.raises(QueueFull):  # one running, one waiting: the queue of 2 is full
            jobs.submit("c", "u", "test", {}, blocked, 1)
        assert jobs.get("other", first.id) is None  # another company's job is unknown there
        release.set()
        deadline = time.monotonic() + 10
        while (jobs.get("c", second.id) or {}).get("status") != "finished" and time.monotonic() < deadline:
            time.sleep(0.01)
        # only the last finished job is kept (kept=1): the first is forgotten, the second answers
        assert jobs.get("c", first.id) is None
        assert jobs.get("c", second.id) == {**second.answer(), "status": "finished", "result": "done"}
        assert jobs.submit("c", "u", "test", {}, lambda progress: 1, None).id  # room again
    finally:
        release.set()
        jobs.close()


def test_an_ended_job_is_read_again_after_the_service_restarts(service: Service) -> None:
    from webservice import running

    asked = {"kind": "waterfall-grid", "on": "2000-12-31", "proceeds": ["10000000", "60000000"]}
    with service.client("auditor") as client:
        started = client.post(JOBS, json=asked)
        assert started.status_code == 202, started.text
        job, _ = poll(client, started.headers["Location"])
    assert job["status"] == "finished" and len(job["result"]) == 2
    # another service over the same store (the first one still up: a restart, as far as the store knows)
    with running(service.db) as url:
        headers = {"Authorization": f"Bearer {service.tokens['auditor']}"}
        again = httpx.get(f"{url}{JOBS}/{job['id']}", headers=headers, timeout=60)
        other_company = httpx.get(f"{url}/api/companies/another/jobs/{job['id']}", headers=headers, timeout=60)
    assert again.status_code == 200 and again.json() == job
    assert other_company.status_code in (403, 404)  # no role there: refused before the job is looked up


def test_a_job_left_running_by_a_service_that_stopped_is_failed_saying_so(tmp_path: Any) -> None:
    from prefstack.web.jobs import STOPPED

    db = f"sqlite:///{tmp_path / 'jobs.sqlite'}"
    release = threading.Event()

    def blocked(progress: Any) -> str:
        release.wait(10)
        return "done"

    first = Jobs(workers=1, capacity=2, db=db)
    try:
        running_job = first.submit("c", "u", "test", {"n": 1}, blocked, 1)
        waiting_job = first.submit("c", "u", "test", {"n": 2}, blocked, 1)
        # a second service over the store: the first's jobs, queued or running there, are failed
        second = Jobs(db=db)
        try:
            for job in (running_job, waiting_job):
                answer = second.get("c", job.id)
                assert answer is not None and answer["status"] == "failed", answer
                assert answer["error"] == {"field": None, "clause": "jobs", "problem": STOPPED}
                assert answer["arguments"] == job.arguments and answer["created_by"] == "u"
            assert second.get("other", running_job.id) is None
        finally:
            second.close()
    finally:
        release.set()
        first.close()


def test_the_store_keeps_the_last_ended_jobs(tmp_path: Any) -> None:
    db = f"sqlite:///{tmp_path / 'jobs.sqlite'}"
    jobs = Jobs(workers=1, capacity=4, kept=2, db=db)
    try:
        made = [jobs.submit("c", "u", "test", {"n": n}, lambda progress, n=n: n * 10, None) for n in range(3)]
        deadline = time.monotonic() + 10
        while any((jobs.get("c", j.id) or {}).get("status") != "finished" for j in made[1:]):
            assert time.monotonic() < deadline
            time.sleep(0.01)
    finally:
        jobs.close()
    later = Jobs(db=db, kept=2)
    try:
        # kept=2: the first is forgotten; the other two answer from the store, results and all
        assert later.get("c", made[0].id) is None
        assert [(later.get("c", j.id) or {}).get("result") for j in made[1:]] == [10, 20]
    finally:
        later.close()
