"""Questions over HTTP under another reading of the certificates (`reading=ID=ALT`, the command
line's `--reading`): the answer equals the command's under the same reading; an unknown reading is
refused 422 naming `reading`, but only once the caller is admitted (a refusal of access comes
first, with an empty body); a write under another reading is refused and stores nothing."""

from __future__ import annotations

import json

from typer.testing import CliRunner
from webservice import COMPANY, Service

STATE = f"/api/companies/{COMPANY}/state"


def _accrued(answer: dict[str, object]) -> dict[str, str]:
    series = answer["series"]
    assert isinstance(series, list)
    return {
        h["holder"]: h.get("accrued_unpaid_dividends_exact") or h["accrued_unpaid_dividends"]
        for s in series
        for h in s["holders"]
    }


def test_a_question_under_another_reading_is_the_commands(service: Service) -> None:
    from prefstack.cli import app

    with service.client("auditor") as client:
        default = client.get(STATE, params={"as_of": "2000-09-10"})
        other = client.get(STATE, params={"as_of": "2000-09-10", "reading": "DIV-DAYCOUNT=thirty-360"})
    assert default.status_code == other.status_code == 200
    # F §2(a): A's 40,000 shares accrue $1,000 x 7% a year from 2000-08-02. On 2000-09-10, actual/360
    # counts 39 days: 40,000 x 1,000 x 0.07 x 39 / 360 = 910,000/3 ($303,333.33); 30/360 counts
    # (9 - 8) x 30 + (10 - 2) = 38 days: 40,000 x 1,000 x 0.07 x 38 / 360 = 2,660,000/9 ($295,555.56)
    assert _accrued(default.json())["A"] == "910000/3"
    assert _accrued(other.json())["A"] == "2660000/9"
    command = CliRunner().invoke(
        app,
        [
            "--reading",
            "DIV-DAYCOUNT=thirty-360",
            "state",
            "--as-of",
            "2000-09-10",
            "--db",
            service.db,
            "--format",
            "json",
        ],
        catch_exceptions=False,
    )
    assert command.exit_code == 0, command.output
    assert other.json() == json.loads(command.stdout)


def test_an_unknown_reading_is_refused_naming_it_after_access_is_checked(service: Service) -> None:
    asked = {"as_of": "2000-09-10", "reading": "DIV-DAYCOUNT=no-such-count"}
    with service.client("auditor") as client:
        refused = client.get(STATE, params=asked)
        malformed = client.get(STATE, params={"as_of": "2000-09-10", "reading": "DIV-DAYCOUNT"})
    assert refused.status_code == malformed.status_code == 422
    assert refused.json()["field"] == malformed.json()["field"] == "reading"
    assert "no-such-count" in refused.json()["problem"]
    with service.client("holder-a") as holder:  # a holder may not ask the state at all: 403 first
        forbidden = holder.get(STATE, params=asked)
    with service.client(None) as nobody:
        unknown = nobody.get(STATE, params=asked)
    assert (forbidden.status_code, forbidden.content) == (403, b"")
    assert (unknown.status_code, unknown.content) == (401, b"")


def test_a_write_under_another_reading_is_refused_and_stores_nothing(service: Service) -> None:
    event = {"kind": "closing_price", "date": "2000-09-20", "price": "30.00"}
    with service.client("admin") as client:
        before = len(client.get(f"/api/companies/{COMPANY}/ledger").json()["events"])
        refused = client.post(
            f"/api/companies/{COMPANY}/events", params={"reading": "DIV-DAYCOUNT=thirty-360"}, json={"event": event}
        )
        after = len(client.get(f"/api/companies/{COMPANY}/ledger").json()["events"])
    assert refused.status_code == 422 and refused.json()["field"] == "reading"
    assert after == before


def test_compare_answers_twice_and_says_what_differs_as_the_command_does(service: Service) -> None:
    from prefstack.cli import app

    asked = {"as_of": "2000-09-10", "compare": "DIV-DAYCOUNT=thirty-360"}
    with service.client("auditor") as client:
        compared = client.get(STATE, params=asked)
    assert compared.status_code == 200, compared.text
    body = compared.json()
    assert set(body) == {"answer", "compared_under", "alternative", "differences"}
    assert body["compared_under"] == "DIV-DAYCOUNT=thirty-360"
    # the figures of the test above: A's accrual over 39 actual days against 38 days of 30/360
    assert _accrued(body["answer"])["A"] == "910000/3"
    assert _accrued(body["alternative"])["A"] == "2660000/9"
    paths = {d["path"] for d in body["differences"]}
    assert any("holders[A]" in path and "accrued_unpaid_dividends" in path for path in paths), paths
    words = ["--compare-reading", "DIV-DAYCOUNT=thirty-360", "state", "--as-of", "2000-09-10", "--db", service.db]
    command = CliRunner().invoke(app, [*words, "--format", "json"], catch_exceptions=False)
    assert command.exit_code == 0, command.output
    assert body == json.loads(command.stdout)


def test_compare_goes_with_a_compared_question_only(service: Service) -> None:
    with service.client("auditor") as client:
        refused = client.get(
            f"/api/companies/{COMPANY}/calendar",
            params={"start": "2000-09-01", "end": "2000-12-31", "compare": "DIV-DAYCOUNT=thirty-360"},
        )
        unknown = client.get(STATE, params={"as_of": "2000-09-10", "compare": "DIV-DAYCOUNT=no-such-count"})
    assert refused.status_code == 422 and refused.json()["field"] == "compare", refused.text
    assert unknown.status_code == 422 and unknown.json()["field"] == "compare", unknown.text
