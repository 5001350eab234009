"""The table of role x endpoint, every cell tested against a real service (uvicorn on 127.0.0.1).

Each role (an administrator, an auditor, the holder A, a user with no role in the company, nobody
signed in) asks every question and tries every write. A cell it may not use answers 401 (not
signed in) or 403 with an empty body; a cell it may use answers the JSON ``prefstack ... --format
json`` prints for the same question on the same store (for a holder: its own records only), and a
few figures are checked by hand besides.

The ledger is conftest's: A holds 40,000 and B 10,000 Series F shares from 2000-08-02, C 20,000
Series G shares; the Common Stock split 2-for-1 on 2000-11-01.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction as Fr
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner
from webservice import COMPANY, Service, ledger_file, make_store, running

AS_OF = "2000-12-31"


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    path: str
    params: dict[str, str]
    cli: tuple[str, ...] | None
    """The command whose ``--format json`` output the endpoint answers (None: no command)."""


ENDPOINTS = [
    Endpoint("session", "GET", "/api/session", {}, None),
    Endpoint("state", "GET", "state", {"as_of": AS_OF}, ("state", "--as-of", AS_OF)),
    Endpoint("positions", "GET", "positions", {"as_of": AS_OF}, ("state", "--as-of", AS_OF)),
    Endpoint("schedule", "GET", "schedule", {"series": "F"}, ("schedule", "F")),
    Endpoint(
        "dividends", "GET", "dividends", {"payment_date": "2000-09-15"}, ("dividends", "--payment-date", "2000-09-15")
    ),
    Endpoint(
        "convert",
        "GET",
        "convert",
        {"series": "F", "holder": "A", "shares": "100", "on": AS_OF},
        ("convert", "--series", "F", "--holder", "A", "--shares", "100", "--on", AS_OF),
    ),
    Endpoint(
        "waterfall",
        "GET",
        "waterfall",
        {"proceeds": "30000000", "on": AS_OF},
        ("waterfall", "--proceeds", "30000000", "--on", AS_OF),
    ),
    Endpoint("breakpoints", "GET", "breakpoints", {"on": AS_OF}, ("breakpoints", "--on", AS_OF)),
    Endpoint(
        "redemption",
        "GET",
        "redemption",
        {"on": "2005-08-02", "series": "F", "funds": "1000000"},
        ("redemption", "--on", "2005-08-02", "--series", "F", "--funds", "1000000"),
    ),
    Endpoint("votes", "GET", "votes", {"as_of": AS_OF}, ("votes", "--as-of", AS_OF)),
    Endpoint(
        "transaction",
        "GET",
        "transaction",
        {"kind": "merger", "on": "2001-03-01", "prior_stockholders_share": "0.4", "consideration": "90000000"},
        (
            "transaction",
            "--kind",
            "merger",
            "--on",
            "2001-03-01",
            "--prior-stockholders-share",
            "0.4",
            "--consideration",
            "90000000",
        ),
    ),
    Endpoint(
        "calendar",
        "GET",
        "calendar",
        {"from": "2000-09-01", "to": AS_OF},
        ("calendar", "--from", "2000-09-01", "--to", AS_OF),
    ),
    Endpoint(
        "certificates",
        "GET",
        "certificates-of-adjustment",
        {"as_of": AS_OF},
        ("certificate", "adjustment", "--as-of", AS_OF),
    ),
    Endpoint("interpretations", "GET", "interpretations", {}, ("interpretations",)),
    Endpoint("ledger", "GET", "ledger", {}, ("ledger", "log")),
    Endpoint("append", "POST", "events", {}, None),
    Endpoint("import", "POST", "ledger", {}, None),
]
WRITES = {"append", "import"}
HOLDER_MAY = {"session", "schedule", "positions", "dividends", "convert", "certificates", "interpretations"}
READS = {e.name for e in ENDPOINTS} - WRITES

ALLOWED: dict[str, set[str]] = {
    "admin": READS | WRITES,
    "auditor": READS,
    "holder-a": HOLDER_MAY,
    "stranger": {"session"},
    "nobody": set(),
}
"""Each role's cells that answer (the rest are refused: 401 for nobody, 403 for the others)."""

NEW_EVENT = {"event": {"kind": "closing_price", "date": "2001-01-02", "price": "3.50"}}


def _url(endpoint: Endpoint, company: str = COMPANY) -> str:
    return endpoint.path if endpoint.path.startswith("/") else f"/api/companies/{company}/{endpoint.path}"


def _call(client: httpx.Client, endpoint: Endpoint, company: str = COMPANY, **params: str) -> httpx.Response:
    url = _url(endpoint, company)
    if endpoint.name == "append":
        return client.post(url, json=NEW_EVENT)
    if endpoint.name == "import":
        events = [NEW_EVENT["event"]]
        body = json.dumps({"format": "prefstack-ledger/1", "company": "CAIS Internet, Inc.", "events": events})
        return client.post(url, content=body, headers={"Content-Type": "application/json"})
    return client.get(url, params={**endpoint.params, **params})


@pytest.fixture(scope="module")
def reads(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """One service for the read cells (the writes it is asked are all refused: nothing changes)."""
    tmp = tmp_path_factory.mktemp("web-reads")
    db = f"sqlite:///{tmp / 'web.sqlite'}"
    tokens = make_store(db, tmp)
    with running(db) as url:
        yield Service(url, db, tokens)


@pytest.fixture(scope="module")
def cli_json(reads: Service) -> Callable[[tuple[str, ...]], Any]:
    """What ``prefstack ARGS --db DB --format json`` prints on the service's store, parsed (cached)."""
    from prefstack.cli import app

    cache: dict[tuple[str, ...], Any] = {}

    def run(args: tuple[str, ...]) -> Any:
        if args not in cache:
            store = [] if args[0] == "schedule" else ["--db", reads.db]  # a schedule is the terms' alone
            result = CliRunner().invoke(app, [*args, *store, "--format", "json"], catch_exceptions=False)
            assert result.exit_code == 0, result.output
            cache[args] = json.loads(result.stdout)
        return cache[args]

    return run


def _version(service: Service) -> int:
    with service.client("admin") as client:
        return len(client.get(f"/api/companies/{COMPANY}/ledger").json()["events"])


def _expected(endpoint: Endpoint, role: str, cli_json: Callable[[tuple[str, ...]], Any]) -> Any:
    """What the role is answered: the command's JSON; for a holder narrowed to A by hand, without
    the explanation trees."""
    assert endpoint.cli is not None
    answer = cli_json(endpoint.cli)
    if endpoint.name == "positions":
        records = [
            {"series": s["series"], "designation": s["designation"], **{k: v for k, v in h.items() if k != "explain"}}
            for s in answer["series"]
            for h in s["holders"]
            if h["holder"] == "A"
        ]
        return {"as_of": AS_OF, "holder": "A", "positions": records}
    if endpoint.name == "dividends" and role == "holder-a":
        return {
            "payment_date": "2000-09-15",
            "series": [
                {
                    "series": s["series"],
                    "outcome": s["outcome"],
                    "holders": [
                        {k: v for k, v in h.items() if k != "explain"} for h in s["holders"] if h["holder"] == "A"
                    ],
                }
                for s in answer["series"]
            ],
        }
    if endpoint.name == "convert" and role == "holder-a":
        return {k: v for k, v in answer.items() if k != "explain"}
    return answer


CELLS = [(role, e) for role in ALLOWED for e in ENDPOINTS if not (role == "admin" and e.name in WRITES)]
"""Every cell but the administrator's writes, which change the store: test_the_administrator_writes."""


@pytest.mark.parametrize(("role", "endpoint"), CELLS, ids=[f"{r}-{e.name}" for r, e in CELLS])
def test_every_role_at_every_endpoint(
    reads: Service, cli_json: Callable[[tuple[str, ...]], Any], role: str, endpoint: Endpoint
) -> None:
    before = _version(reads)
    extra = {"holder": "A"} if endpoint.name == "positions" and role in ("admin", "auditor") else {}
    with reads.client(None if role == "nobody" else role) as client:
        response = _call(client, endpoint, **extra)
    if endpoint.name not in ALLOWED[role]:
        assert response.status_code == (401 if role == "nobody" else 403)
        assert response.content == b""
        assert _version(reads) == before  # a refused write stores nothing
        return
    assert response.status_code == 200, response.text
    body = response.json()
    if endpoint.name == "session":
        roles = {"admin": "administrator", "auditor": "auditor", "holder-a": "holder"}
        expected_roles = (
            [{"company": COMPANY, "role": roles[role], "holder": "A" if role == "holder-a" else None}]
            if role in roles
            else []
        )
        assert body == {"user": role, "roles": expected_roles, "csrf_token": None}
        return
    assert body == _expected(endpoint, role, cli_json)


def test_hand_computed_figures_a_holder_is_answered(reads: Service) -> None:
    """A's figures by hand (F §2(a), F Sched. 1, F/G §5(e)):
    PIK of 2000-09-15: 40,000 x 7% x 44/360 = 342.222... shares (3080/9), so 40,342.22 shares (363080/9);
    its dividend: 40,000 x $1,000 x 7% x 44/360 = $342,222.22 (3080000/9);
    the split of 2000-11-01 halves the Conversion Price: $24.00 / 2 = $12.00;
    converting 100 shares: 100 x $1,000 / $12.00 = 8,333 1/3: 8,333 shares of Common Stock.
    The schedule (terms only) is F Sched. 1's."""
    with reads.client("holder-a") as client:
        positions = client.get(f"/api/companies/{COMPANY}/positions", params={"as_of": AS_OF}).json()
        dividends = client.get(f"/api/companies/{COMPANY}/dividends", params={"payment_date": "2000-09-15"}).json()
        quote = client.get(
            f"/api/companies/{COMPANY}/convert", params={"series": "F", "holder": "A", "shares": "100", "on": AS_OF}
        ).json()
        certificates = client.get(f"/api/companies/{COMPANY}/certificates-of-adjustment", params={"as_of": AS_OF})
        schedule = client.get(f"/api/companies/{COMPANY}/schedule", params={"series": "F"}).json()
    (f,) = positions["positions"]
    assert Fr(f["shares_outstanding_exact"]) == 40_000 + Fr(40_000 * 7 * 44, 100 * 360) == Fr(363080, 9)
    assert f["conversion_price"] == "12.00"
    # only A's rows, in every series; G's outcome is there, its holder C is not
    assert [(s["series"], [h["holder"] for h in s["holders"]]) for s in dividends["series"]] == [
        ("F", ["A"]),
        ("G", []),
    ]
    assert Fr(dividends["series"][0]["holders"][0]["dividend_exact"]) == Fr(40_000 * 1000 * 7 * 44, 100 * 360)
    assert quote["common_shares"] == 100 * 1000 // 12 == 8333
    # F/G §5(e): each Conversion Price halved by the split ($24.00 / 2, $36.00 / 2), a certificate each (§5(j))
    assert [(c["series"], c["conversion_price_before"], c["conversion_price_after"]) for c in certificates.json()] == [
        ("F", "24.00", "12.00"),
        ("G", "36.00", "18.00"),
    ]
    # F Sched. 1, its first dividend: 40,000 shares x 7% x 44/360 = 342.22 shares, 40,342.22 in all
    assert schedule[1]["date"] == "2000-09-15"
    assert (schedule[1]["incremental_shares"], schedule[1]["total_shares"]) == ("342.22", "40342.22")
    # nothing of B or C anywhere in what A was answered
    for text in (json.dumps(positions), json.dumps(dividends), json.dumps(quote)):
        assert '"B"' not in text and '"C"' not in text


def test_a_holder_asking_about_another_holder_is_refused(reads: Service) -> None:
    with reads.client("holder-a") as client:
        for path, params in (
            ("positions", {"as_of": AS_OF, "holder": "B"}),
            ("convert", {"series": "F", "holder": "B", "shares": "1", "on": AS_OF}),
        ):
            response = client.get(f"/api/companies/{COMPANY}/{path}", params=params)
            assert (response.status_code, response.content) == (403, b"")
        own = client.get(f"/api/companies/{COMPANY}/positions", params={"as_of": AS_OF, "holder": "A"})
        assert own.status_code == 200 and own.json()["holder"] == "A"


@pytest.mark.parametrize("endpoint", [e for e in ENDPOINTS if not e.path.startswith("/")], ids=lambda e: e.name)
def test_a_company_the_user_has_no_role_in_is_refused_like_one_that_does_not_exist(
    reads: Service, endpoint: Endpoint
) -> None:
    with reads.client("admin") as client:
        for company in ("northwind-networks", "no-such-company"):
            response = _call(client, endpoint, company=company)
            assert (response.status_code, response.content) == (403, b"")


def test_a_refusal_comes_before_the_question_is_read(reads: Service) -> None:
    """Nobody signed in, or a role that may not ask, is refused before the parameters are checked:
    a refusal never says what a question would need."""
    nobody = httpx.get(f"{reads.url}/api/companies/{COMPANY}/state")
    assert (nobody.status_code, nobody.content) == (401, b"")
    with reads.client("holder-a") as client:
        holder = client.get(f"/api/companies/{COMPANY}/waterfall")
        assert (holder.status_code, holder.content) == (403, b"")
        written = client.post(f"/api/companies/{COMPANY}/events", content=b"not json")
        assert (written.status_code, written.content) == (403, b"")


def test_a_wrong_token_is_not_signed_in(reads: Service) -> None:
    for header in ("Bearer pst_not-a-token", "Basic YWRtaW46eA==", "Bearer"):
        response = httpx.get(
            f"{reads.url}/api/companies/{COMPANY}/state", params={"as_of": AS_OF}, headers={"Authorization": header}
        )
        assert (response.status_code, response.content) == (401, b"")


def test_the_administrator_writes(service: Service, tmp_path: Path) -> None:
    """The administrator's write cells: one event, then a ledger file; each recorded by "admin"."""
    append, imported = (e for e in ENDPOINTS if e.name in WRITES)
    with service.client("admin") as client:
        first = _call(client, append)
        assert first.status_code == 201, first.text
        assert [(e["seq"], e["kind"], e["recorded_by"]) for e in first.json()["events"]] == [
            (12, "closing_price", "admin")
        ]
        file = ledger_file(tmp_path / "more.yaml", [{"kind": "closing_price", "date": "2001-01-03", "price": "3.75"}])
        second = client.post(
            f"/api/companies/{COMPANY}/ledger", content=file.read_bytes(), headers={"Content-Type": "application/yaml"}
        )
        assert second.status_code == 201, second.text
        assert second.json()["version"] == 13 and second.headers["ETag"] == '"13"'
        trail = client.get(f"/api/companies/{COMPANY}/ledger").json()["events"]
    assert [(e["seq"], e["recorded_by"]) for e in trail[-3:]] == [(11, "setup"), (12, "admin"), (13, "admin")]
    del imported


def test_a_question_refused_by_prefstack_names_its_field_and_clause(reads: Service) -> None:
    with reads.client("auditor") as client:
        bad_date = client.get(f"/api/companies/{COMPANY}/state", params={"as_of": "2000-13-01"})
        assert bad_date.status_code == 422
        assert bad_date.json() == {
            "field": "as_of",
            "clause": "option",
            "problem": "'2000-13-01' is not a date (YYYY-MM-DD)",
        }
        no_funds = client.get(f"/api/companies/{COMPANY}/redemption", params={"on": "2005-08-02", "series": "F"})
        assert (no_funds.status_code, no_funds.json()["field"], no_funds.json()["clause"]) == (422, "funds", "F §6(a)")
        unknown = client.get(
            f"/api/companies/{COMPANY}/votes", params={"as_of": AS_OF, "capital_structure": "/etc/passwd"}
        )
        assert (unknown.status_code, unknown.json()["field"]) == (422, "capital_structure")


def test_options_of_the_questions_answer_as_the_commands_do(
    reads: Service, cli_json: Callable[[tuple[str, ...]], Any]
) -> None:
    """known_at (replayed as the ledger stood then), explain, the company's bundled capital structure."""
    late = "2100-01-01T00:00:00Z"
    with reads.client("auditor") as client:
        url = f"/api/companies/{COMPANY}"
        known = client.get(f"{url}/state", params={"as_of": AS_OF, "known_at": late, "explain": "true"}).json()
        assert known == cli_json(("state", "--as-of", AS_OF, "--known-at", late, "--explain"))
        assert "explain" in known["series"][0]["holders"][0]
        params = {"proceeds": "30000000", "on": AS_OF, "capital_structure": "company"}
        structured = client.get(f"{url}/waterfall", params=params).json()
        args = ("waterfall", "--proceeds", "30000000", "--on", AS_OF, "--capital-structure", "company")
        assert structured == cli_json(args)
        assert structured["capital_structure"]["company"] is not None
        points = client.get(f"{url}/breakpoints", params={"on": AS_OF, "capital_structure": "company"}).json()
        assert points == cli_json(("breakpoints", "--on", AS_OF, "--capital-structure", "company"))
        assert points["capital_structure"].startswith("bundled ") and len(points["stretches"]) > 1


def test_a_proposed_merger_by_hand(reads: Service) -> None:
    """A merger on 2001-03-01 after which the prior stockholders hold 40% (< 50%): a Mandatory
    Redemption Event of F and G (F/G §6(b)(i)) and a deemed liquidation of G (G §3(d)), nothing recorded.
    C's Liquidation Value (G §3(a)): 20,000 shares + 300 PIK shares of 2000-09-15 = 20,300 x $1,000
    = $20,300,000; the 2000-12-15 dividend unpaid: 20,300,000 x 1.5% = $304,500, which accrues in turn;
    2000-12-15 to 2001-03-01 is 76 days (30/360): 20,604,500 x 6% x 76/360 = $260,990.33;
    in all $20,300,000 + $304,500 + $260,990.33 = $20,865,490.33."""
    with reads.client("auditor") as client:
        before = len(client.get(f"/api/companies/{COMPANY}/ledger").json()["events"])
        params = {"kind": "merger", "on": "2001-03-01", "prior_stockholders_share": "0.4", "consideration": "90000000"}
        answer = client.get(f"/api/companies/{COMPANY}/transaction", params=params).json()
        after = len(client.get(f"/api/companies/{COMPANY}/ledger").json()["events"])
    f, g = answer["series"]
    assert (f["series"], f["mandatory_redemption_event"], f["clause"], f["deemed_liquidation"]) == (
        "F",
        True,
        "F §6(b)(i)",
        False,
    )
    assert (g["series"], g["mandatory_redemption_event"], g["deemed_liquidation"], g["deemed_liquidation_clause"]) == (
        "G",
        True,
        True,
        "G §3(d)",
    )
    liquidation_value = 20_300 * 1000 + Fr(20_300 * 1000 * 15, 1000) + Fr(20_604_500 * 6 * 76, 100 * 360)
    # 20,604,500 x 6 x 76 / 36,000 = 260,990.333...: to the cent (half-up) $260,990.33
    assert liquidation_value == Fr(20_300_000 + 304_500) + Fr(782_971, 3)
    payout = g["payouts"][0]
    assert (payout["holder"], payout["amount"]) == ("C", "20865490.33")
    # paid in cents: $20,865,490.333... less a third of a cent
    assert Fr(payout["amount"]) == liquidation_value - Fr(1, 300) and "amount_exact" not in payout
    assert after == before  # nothing recorded


def test_the_breakpoints_by_hand(reads: Service) -> None:
    """With the ledger's series and Common Stock only, on 2000-12-31, the one breakpoint is where the
    parity tier (F/G §3(a)) is paid in full: every holding's Liquidation Value together.
    F (F §3(a)): each share $1,000 + its dividend accrued from 2000-09-15 (unpaid on 2000-12-15) to
    2000-12-31, $1,000 x 7% x 106/360 = 371/18, so $18,371/18 a share; A holds 40,000 + 3,080/9 PIK
    shares = 363,080/9, B 10,000 (cash dividend): (363,080/9 + 90,000/9) x 18,371/18 = 453,080 x
    18,371 / 162 = 4,161,766,340/81.
    G (G §3(a)): C's 20,300 shares x $1,000 + the unpaid 2000-12-15 dividend 20,300,000 x 1.5% =
    $20,604,500, accruing 16 days (30/360) at 6%: x (1 + 6% x 16/360) = x 376/375 = 61,978,336/3.
    Together: (4,161,766,340 + 61,978,336 x 27) / 81 = 5,835,181,412/81 = $72,039,276.6913...,
    shown to the cent half-up as $72,039,276.69 with the exact fraction beside it. Nobody converts
    (one stretch from $0). The holder may not ask it (the breakpoints reveal every position)."""
    with reads.client("auditor") as client:
        answer = client.get(f"/api/companies/{COMPANY}/breakpoints", params={"on": AS_OF}).json()
    f = (Fr(363_080, 9) + 10_000) * Fr(18_371, 18)
    g = 20_604_500 * Fr(376, 375)
    assert (f, g) == (Fr(4_161_766_340, 81), Fr(61_978_336, 3))
    assert f + g == Fr(5_835_181_412, 81)
    assert answer == {
        "on": AS_OF,
        "capital_structure": "none",
        "largest_exit_value": "100000000000.00",
        "breakpoints": [
            {
                "exit_value": "72039276.69",
                "exit_value_exact": "5835181412/81",
                "reason": "parity preferences (F, G) paid in full",
                "clause": "F §3(a)",
            }
        ],
        "stretches": [{"from": "0.00", "converted_or_exercised": []}],
    }
    with reads.client("auditor") as client:
        bad = client.get(f"/api/companies/{COMPANY}/breakpoints", params={"on": "2000-02-30"})
        odd = client.get(f"/api/companies/{COMPANY}/breakpoints", params={"on": AS_OF, "capital_structure": "x.yaml"})
    assert (bad.status_code, bad.json()["field"]) == (422, "on")
    assert (odd.status_code, odd.json()["field"]) == (422, "capital_structure")


def test_a_schedule_row_explained_over_http_is_the_commands(reads: Service) -> None:
    from prefstack.cli import app

    asked = {"series": "F", "explain": "true", "row": "2000-09-15"}
    with reads.client("holder-a") as client:  # terms only: every role asks it
        explained = client.get(f"/api/companies/{COMPANY}/schedule", params=asked)
        wrong_row = client.get(f"/api/companies/{COMPANY}/schedule", params={**asked, "row": "2000-09-16"})
        row_alone = client.get(f"/api/companies/{COMPANY}/schedule", params={"series": "F", "row": "2000-09-15"})
    assert explained.status_code == 200, explained.text
    body = explained.json()
    command = CliRunner().invoke(app, ["schedule", "F", "--explain", "--row", "2000-09-15", "--format", "json"])
    assert command.exit_code == 0, command.output
    assert body["explain"] == json.loads(command.stdout)
    # F Sched. 1's first dividend: 40,000 shares x $1,000 x 7% x 44/360 days = $342,222.22..., paid in
    # 342.22... shares at $1,000 (3,080/9 of a share)
    (incremental,) = [p for p in body["explain"]["parts"] if p["name"] == "incremental_shares"]
    assert incremental["value"].endswith("(=3080/9)") and incremental["clause"] == "F §2(b)"
    # the schedule's warning (its total exceeds the shares authorized by F §1(a)), which the command prints on stderr
    assert len(body["warnings"]) == 1 and "exceeds the 56617 shares authorized by F §1(a)" in body["warnings"][0]
    assert wrong_row.status_code == 422 and wrong_row.json()["field"] == "row"
    assert row_alone.status_code == 422 and row_alone.json()["field"] == "row"
