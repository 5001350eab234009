"""Writes through the service: idempotency keys, the ledger's version check under concurrent
clients (SQLite and PostgreSQL), refused events and files that store nothing, and who made each
write."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest
from webservice import COMPANY, Serve, Service, make_store

from helpers import Prefstack

EVENTS = f"/api/companies/{COMPANY}/events"
LEDGER = f"/api/companies/{COMPANY}/ledger"


def trail(service: Service) -> list[dict[str, Any]]:
    with service.client("auditor") as client:
        events: list[dict[str, Any]] = client.get(LEDGER).json()["events"]
    return events


def price(day: str, amount: str) -> dict[str, Any]:
    return {"event": {"kind": "closing_price", "date": day, "price": amount}}


def test_the_same_idempotency_key_and_body_answer_the_same_and_store_nothing_new(service: Service) -> None:
    with service.client("admin") as client:
        key = {"Idempotency-Key": "price-2001-01-02"}
        first = client.post(EVENTS, json=price("2001-01-02", "3.50"), headers=key)
        again = client.post(EVENTS, json=price("2001-01-02", "3.50"), headers=key)
        assert first.status_code == again.status_code == 201
        assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
        assert first.json()["version"] == 12  # the 11 events of the ledger, and this one
        other = client.post(EVENTS, json=price("2001-01-02", "3.75"), headers=key)
        assert other.status_code == 422
        assert other.json()["field"] == "Idempotency-Key"
        # another user's key of the same name is its own
    with service.client("auditor") as client:
        assert client.post(EVENTS, json=price("2001-01-02", "3.50"), headers=key).status_code == 403
    stored = [e for e in trail(service) if e["kind"] == "closing_price"]
    assert [(e["seq"], e["effective_date"], e["recorded_by"]) for e in stored] == [(12, "2001-01-02", "admin")]


def test_a_refused_event_answers_its_field_and_clause_and_stores_nothing(service: Service) -> None:
    before = trail(service)
    with service.client("admin") as client:
        bad = {
            "event": {"kind": "preferred_issued", "date": "2001-01-02", "series": "F", "holder": "Z", "shares": "-5"}
        }
        refused = client.post(EVENTS, json=bad, headers={"Idempotency-Key": "bad-issue"})
        assert refused.status_code == 422
        assert refused.json() == {
            "field": "event (preferred_issued).shares",
            "clause": "F §1(a)",
            "problem": "shares must be positive",
        }
        # the same key and body answer the same refusal
        assert client.post(EVENTS, json=bad, headers={"Idempotency-Key": "bad-issue"}).json() == refused.json()
        # an event of the right form that cannot apply to the ledger: A converts more than its 40,342.22 shares
        over = {"event": {"kind": "conversion", "date": "2001-01-02", "series": "F", "holder": "A", "shares": "50000"}}
        cannot = client.post(EVENTS, json=over)
        assert cannot.status_code == 422, cannot.text
        assert cannot.json()["field"] is not None and cannot.json()["clause"].startswith("F §5")
        # the service records who made a write: an event naming its own recorder is refused
        named = client.post(EVENTS, json={"event": {**price("2001-01-02", "3.50")["event"], "recorded_by": "someone"}})
        assert (named.status_code, named.json()["field"]) == (422, "event.recorded_by")
        # a ledger file is appended whole or not at all: its second event is refused, so neither is stored
        text = (
            'format: prefstack-ledger/1\ncompany: "CAIS Internet, Inc."\nevents:\n'
            "- {kind: closing_price, date: '2001-01-02', price: '3.50'}\n"
            "- {kind: preferred_issued, date: '2001-01-03', series: F, holder: Z, shares: '-5'}\n"
        )
        whole = client.post(LEDGER, content=text, headers={"Content-Type": "application/yaml"})
        assert (whole.status_code, whole.json()["field"]) == (422, "event 2 (preferred_issued).shares")
        # a file of another company is refused
        other = text.replace("CAIS Internet, Inc.", "Northwind Networks, Inc.")
        assert client.post(LEDGER, content=other, headers={"Content-Type": "application/yaml"}).status_code == 422
    assert trail(service) == before


def test_a_stale_version_is_answered_409_with_the_current_one(service: Service) -> None:
    with service.client("admin") as client:
        ok = client.post(EVENTS, json=price("2001-01-02", "3.50"), headers={"If-Match": '"11"'})
        assert (ok.status_code, ok.json()["version"]) == (201, 12)
        stale = client.post(EVENTS, json=price("2001-01-03", "3.60"), headers={"If-Match": '"11"'})
        assert stale.status_code == 409
        assert stale.json()["current_version"] == 12 and stale.headers["ETag"] == '"12"'
        in_body = client.post(EVENTS, json={**price("2001-01-03", "3.60"), "expected_version": 11})
        assert (in_body.status_code, in_body.json()["current_version"]) == (409, 12)
        differ = client.post(
            EVENTS, json={**price("2001-01-03", "3.60"), "expected_version": 12}, headers={"If-Match": "11"}
        )
        assert (differ.status_code, differ.json()["field"]) == (422, "If-Match")
    assert len(trail(service)) == 12


WRITERS = 8
DAYS = ["2001-01-02", "2001-01-03", "2001-01-04", "2001-01-05", "2001-01-08", "2001-01-09", "2001-01-10", "2001-01-11"]


def concurrent_appends(service: Service, *, versioned: bool = True) -> None:
    """8 clients append one closing price each at once, every one starting from the same (soon
    stale) version and retrying at the version each 409 names (``versioned``; else sending no
    version: the service validates again at the new head and retries itself): every event
    acknowledged is stored exactly once, none is lost, and the ledger's version moves by exactly 8."""
    start = len(trail(service))
    barrier = threading.Barrier(WRITERS)
    acknowledged: dict[str, int] = {}
    conflicts: list[int] = []
    failures: list[str] = []

    def writer(index: int) -> None:
        day, version = DAYS[index], start
        with service.client("admin") as client:
            barrier.wait()
            for _ in range(4 * WRITERS):
                headers = {"If-Match": str(version)} if versioned else {}
                response = client.post(EVENTS, json=price(day, f"3.{index}0"), headers=headers)
                if response.status_code == 201:
                    acknowledged[day] = response.json()["events"][0]["seq"]
                    return
                if response.status_code != 409:
                    failures.append(f"{day}: {response.status_code} {response.text}")
                    return
                conflicts.append(index)
                version = response.json()["current_version"]
        failures.append(f"{day}: never appended")

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert failures == []
    stored = {e["effective_date"]: e["seq"] for e in trail(service) if e["kind"] == "closing_price"}
    assert stored == acknowledged and sorted(acknowledged) == DAYS  # each once, none lost, none extra
    assert sorted(acknowledged.values()) == list(range(start + 1, start + WRITERS + 1))
    assert len(trail(service)) == start + WRITERS
    if versioned:  # all 8 started from one version: only one could append at it, the others were told 409
        assert len(set(conflicts)) >= WRITERS - 1
    else:
        assert conflicts == []


@pytest.mark.parametrize("versioned", [True, False], ids=["if-match", "no-version"])
def test_concurrent_appends(serve: Serve, tmp_path: Path, store_url: str, versioned: bool) -> None:
    """On SQLite and on PostgreSQL (``store_url``: the suite's PostgreSQL server for the second)."""
    tokens = make_store(store_url, tmp_path)
    concurrent_appends(Service(serve(store_url), store_url, tokens), versioned=versioned)


def test_a_key_whose_first_request_is_still_answered_is_refused_409(service: Service) -> None:
    """The first request under a key claims it before it appends; a second one arriving meanwhile
    (simulated: the key claimed, no answer kept yet) is refused 409 and stores nothing."""
    from prefstack.web.accounts import Accounts

    with Accounts(service.db) as accounts:
        assert accounts.reserve("admin", COMPANY, "in-flight", "a request's hash") is None
    with service.client("admin") as client:
        busy = client.post(EVENTS, json=price("2001-01-02", "3.50"), headers={"Idempotency-Key": "in-flight"})
    assert (busy.status_code, busy.json()["field"]) == (409, "Idempotency-Key")
    assert len(trail(service)) == 11


def test_a_ledger_file_is_imported_at_the_version_if_match_names(service: Service) -> None:
    text = (
        'format: prefstack-ledger/1\ncompany: "CAIS Internet, Inc."\nevents:\n'
        "- {kind: closing_price, date: '2001-01-02', price: '3.50', recorded_by: someone-else}\n"
        "- {kind: closing_price, date: '2001-01-03', price: '3.60'}\n"
    )
    yaml_type = {"Content-Type": "application/yaml"}
    with service.client("admin") as client:
        stale = client.post(LEDGER, content=text, headers={**yaml_type, "If-Match": "10"})
        assert (stale.status_code, stale.json()["current_version"]) == (409, 11)
        done = client.post(LEDGER, content=text, headers={**yaml_type, "If-Match": "11"})
        assert done.status_code == 201
    # both recorded by the user who imported them (the file's recorded_by is not the writer)
    assert [(e["seq"], e["recorded_by"]) for e in done.json()["events"]] == [(12, "admin"), (13, "admin")]
    assert len(trail(service)) == 13


def test_a_void_through_the_service_and_the_receipt_of_each_append(
    service: Service, tmp_path: Path, prefstack: Prefstack
) -> None:
    """A void is an event like any other: appended by the administrator, who is recorded as having
    made it; each append's answer carries its receipt, which `prefstack ledger verify` checks."""
    with service.client("admin") as client:
        added = client.post(EVENTS, json=price("2001-01-02", "3.50")).json()
        void = {"event": {"kind": "void", "date": "2001-01-03", "voids_seq": 12, "reason": "a wrong price"}}
        voided = client.post(EVENTS, json=void).json()
    assert added["receipt"]["seq"] == 12 and added["receipt"]["head_hash"] == added["events"][0]["hash"]
    assert added["receipt"]["company"] == "CAIS Internet, Inc."
    events = {e["seq"]: e for e in trail(service)}
    assert (events[12]["voided"], events[12]["voided_by"]) == (True, 13) and "a wrong price" in events[12]["status"]
    assert (events[13]["kind"], events[13]["recorded_by"]) == ("void", "admin")
    for name, answer in (("added", added), ("voided", voided)):
        (tmp_path / f"{name}.json").write_text(json.dumps(answer["receipt"]))
    checked = prefstack(
        "ledger",
        "verify",
        "--db",
        service.db,
        "--receipt",
        str(tmp_path / "added.json"),
        "--receipt",
        str(tmp_path / "voided.json"),
    )
    assert checked.code == 0, checked.out + checked.err
    assert "the ledger extends 2 receipt(s)" in checked.out
