"""Each ledger event's effect on the figures: ``GET /api/companies/{c}/events/{seq}/effect`` and the
ledger timeline's disclosures that load it.

The ledger is conftest's (webservice.py): #1 Common Stock outstanding; #2 C's 20,000 Series G
shares (2000-06-15); #3, #4 A's 40,000 and B's 10,000 Series F shares (2000-08-02); #5 B's election
of cash for 2000-09-15; #6 B's wire account; #7 the G dividend and #8 the F dividend of 2000-09-15,
paid; #9 the 2-for-1 split of 2000-11-01; #10, #11 the dividends of 2000-12-15, not legally
available. The effect of an event is the state on its effective date as the ledger stood at
version seq - 1 against version seq.
"""

from __future__ import annotations

from fractions import Fraction as Fr
from typing import Any

import pytest
from webservice import COMPANY, Service

EFFECT = f"/api/companies/{COMPANY}/events/{{seq}}/effect"


def changes_of(answer: dict[str, Any]) -> dict[tuple[str, str, str], dict[str, Any]]:
    return {(c["series"], c["holder"], c["figure"]): c for c in answer["changes"]}


def exact(change: dict[str, Any], name: str) -> Fr:
    return Fr(change.get(f"{name}_exact", change[name]))


def test_a_pik_dividend_payment_adds_shares_and_pays_the_accrued_dividends(service: Service) -> None:
    with service.client("admin") as client:
        answer = client.get(EFFECT.format(seq=8)).json()
    assert (answer["seq"], answer["kind"], answer["effective_date"]) == (8, "dividend_payment", "2000-09-15")
    assert (answer["version_before"], answer["version_after"], answer["recorded_by"]) == (7, 8, "setup")
    changes = changes_of(answer)
    # F §2(a): 7% a year of $1,000 a share, from the issue on 2000-08-02 to 2000-09-15: 44 days of 360.
    # A: 40,000 x $1,000 x 7% x 44/360 = 2,800,000 x 44/360 = 123,200,000/360 = 3,080,000/9 = $342,222.22
    a_accrued = Fr(40_000 * 1_000) * Fr(7, 100) * Fr(44, 360)
    assert a_accrued == Fr(3_080_000, 9)
    # paid in kind (A elected nothing): 3,080,000/9 / $1,000 = 3,080/9 = 342.22 shares more
    a_pik = a_accrued / 1_000
    a_shares = changes[("F", "A", "shares_outstanding")]
    assert (exact(a_shares, "before"), exact(a_shares, "after")) == (40_000, 40_000 + a_pik)
    assert exact(a_shares, "difference") == Fr(3_080, 9) and a_shares["difference"] == "342.22"
    assert a_shares["clause"] == "F §2(a)"
    a_accrued_change = changes[("F", "A", "accrued_unpaid_dividends")]
    assert (exact(a_accrued_change, "before"), exact(a_accrued_change, "after")) == (a_accrued, 0)
    assert a_accrued_change["before"] == "342222.22" and a_accrued_change["clause"] == "F §3(a)"
    # F §4: votes = whole Common shares on conversion = shares x $1,000 / $24 (F's price before the split)
    #   before: 40,000,000 / 24 = 1,666,666.67 -> 1,666,666; after: (40,000 + 3,080/9) x 1,000 / 24
    #   = 363,080,000/216 = 1,680,925.93 -> 1,680,925: 14,259 more
    a_votes = changes[("F", "A", "votes")]
    assert (a_votes["before"], a_votes["after"], a_votes["difference"]) == ("1666666", "1680925", "14259")
    assert int((40_000 + a_pik) * 1_000 / 24) == 1_680_925
    # A's Liquidation Value is unchanged (F §3(a)): 40,000,000 + 342,222.22 before, 40,342.22 x $1,000 after
    assert ("F", "A", "liquidation_value") not in changes
    # B elected cash (#5): 10,000 x $1,000 x 7% x 44/360 = 770,000/9 = $85,555.56 paid in cash; its
    # shares and votes stay, its accrued dividends and Liquidation Value fall by the cash paid
    b_accrued = Fr(10_000 * 1_000) * Fr(7, 100) * Fr(44, 360)
    assert b_accrued == Fr(770_000, 9)
    b_change = changes[("F", "B", "accrued_unpaid_dividends")]
    assert (exact(b_change, "before"), exact(b_change, "after"), exact(b_change, "difference")) == (
        b_accrued,
        0,
        -b_accrued,
    )
    b_value = changes[("F", "B", "liquidation_value")]
    assert (exact(b_value, "before"), exact(b_value, "after")) == (10_000_000 + b_accrued, 10_000_000)
    # nothing else: no other figure of F, and no figure of G (its own dividend is #7)
    assert set(changes) == {
        ("F", "A", "shares_outstanding"),
        ("F", "A", "accrued_unpaid_dividends"),
        ("F", "A", "votes"),
        ("F", "B", "accrued_unpaid_dividends"),
        ("F", "B", "liquidation_value"),
    }


def test_a_stock_split_halves_each_conversion_price_and_doubles_the_votes(service: Service) -> None:
    with service.client("auditor") as client:
        answer = client.get(EFFECT.format(seq=9)).json()
    assert (answer["kind"], answer["effective_date"], answer["version_before"]) == ("stock_split", "2000-11-01", 8)
    changes = changes_of(answer)
    # F/G §5(e): 2 new shares per old share: each Conversion Price x 1/2
    #   F: $24 -> $12 (difference -$12); G: $36 -> $18 (difference -$18)
    for series, holder, before, after in (("F", "A", 24, 12), ("F", "B", 24, 12), ("G", "C", 36, 18)):
        price = changes[(series, holder, "conversion_price")]
        assert (exact(price, "before"), exact(price, "after")) == (before, after)
        assert exact(price, "difference") == after - before == Fr(-before, 2)
        assert price["clause"] == f"{series} §5(a)"
    # §4: votes = whole Common shares = shares x $1,000 / Conversion Price
    #   A: 363,080/9 shares (40,000 + 3,080/9 paid in kind on 2000-09-15)
    #      before 40,342,222.22 / 24 = 1,680,925.93 -> 1,680,925; after / 12 = 3,361,851.85 -> 3,361,851
    #   B: 10,000 shares: 10,000,000 / 24 = 416,666.67 -> 416,666; / 12 = 833,333.33 -> 833,333
    #   C: 20,300 Series G shares (20,000 + 1.5% paid in kind on 2000-09-15, G §2(a): 300)
    #      20,300,000 / 36 = 563,888.89 -> 563,888; / 18 = 1,127,777.78 -> 1,127,777
    assert 20_000 * Fr(15, 1000) == 300
    expected = {
        ("F", "A"): (Fr(363_080, 9) * 1_000, 24, 12),
        ("F", "B"): (Fr(10_000_000), 24, 12),
        ("G", "C"): (Fr(20_300_000), 36, 18),
    }
    for (series, holder), (value, before, after) in expected.items():
        votes = changes[(series, holder, "votes")]
        assert int(votes["before"]) == int(value / before)  # whole shares: rounded down
        assert int(votes["after"]) == int(value / after)
        assert int(votes["difference"]) == int(value / after) - int(value / before)
        assert votes["clause"] == f"{series} §4"
    assert [changes[("F", "A", "votes")][k] for k in ("before", "after")] == ["1680925", "3361851"]
    assert [changes[("G", "C", "votes")][k] for k in ("before", "after")] == ["563888", "1127777"]
    # the split changes no share count, accrued dividend or Liquidation Value
    assert {figure for _, _, figure in changes} == {"conversion_price", "votes"}


def test_an_event_that_changes_no_figure_of_its_date_lists_none(service: Service) -> None:
    # #10: the G dividend of 2000-12-15 was not legally available: the accrued dividends accrue
    # whatever the outcome (G §2(b)), so on 2000-12-15 no figure differs
    with service.client("admin") as client:
        answer = client.get(EFFECT.format(seq=10)).json()
    assert answer["changes"] == [] and answer["kind"] == "dividend_payment"


@pytest.mark.parametrize("seq", [0, 12, 99])
def test_an_event_the_ledger_does_not_hold_is_refused_naming_the_field(service: Service, seq: int) -> None:
    with service.client("admin") as client:
        response = client.get(EFFECT.format(seq=seq))
    assert response.status_code == 422
    assert response.json() == {
        "field": "seq",
        "clause": "ledger format",
        "problem": f"the ledger holds no event #{seq} (its version is 11)",
    }


ROLES = [("admin", 200), ("auditor", 200), ("holder-a", 403), ("holder-b", 403), ("stranger", 403), (None, 401)]


@pytest.mark.parametrize(("user", "status"), ROLES)
def test_who_may_ask_an_events_effect(service: Service, user: str | None, status: int) -> None:
    with service.client(user) as client:
        response = client.get(EFFECT.format(seq=9))
    assert response.status_code == status
    if status != 200:
        assert response.content == b""  # a refusal says nothing


def test_the_timeline_loads_each_effect_on_demand(service: Service) -> None:
    # the page holds a closed disclosure per event naming its effect's URL, and the script that
    # fetches it when opened; the page itself computes no effect (its bodies are empty)
    with service.client("auditor") as client:
        page = client.get(f"/companies/{COMPANY}/ledger").text
        script = client.get("/static/effects.js")
    for seq in range(1, 12):
        assert f'id="effect-{seq}"' in page
        assert f'data-url="/api/companies/{COMPANY}/events/{seq}/effect"' in page
    assert page.count('<div class="effect-body" aria-live="polite"></div>') == 11
    assert '<script src="/static/effects.js" defer></script>' in page
    assert script.status_code == 200 and "details.effect[data-url]" in script.text


def test_a_void_undoes_the_effect_of_the_event_it_takes_back(service: Service) -> None:
    # void the split (#9) on 2000-11-01: its effect is the split's, each difference negated
    with service.client("admin") as client:
        stored = client.post(
            f"/api/companies/{COMPANY}/events",
            json={"event": {"kind": "void", "date": "2000-11-01", "voids_seq": 9, "reason": "entered in error"}},
        )
        assert stored.status_code == 201, stored.text
        seq = stored.json()["events"][0]["seq"]
        void = client.get(EFFECT.format(seq=seq)).json()
        split = client.get(EFFECT.format(seq=9)).json()
    assert (seq, void["kind"], void["version_before"]) == (12, "void", 11)
    undone = {k: (c["after"], c["before"]) for k, c in changes_of(split).items()}
    assert {k: (c["before"], c["after"]) for k, c in changes_of(void).items()} == undone
    # the split itself still shows what recording it did (#9 at version 8 against 9)
    assert changes_of(split)[("F", "A", "conversion_price")]["after"] == "12.00"
