"""A fuzzer of ledger files (Hypothesis, fixed seed, bounded): every generated ledger, valid-looking
or not, is either refused with a prefstack error before anything is stored (the store unchanged and
its chain intact) or stored, and then every question of the state is answered."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prefstack.errors import PrefstackError
from prefstack.ledger import service
from prefstack.ledger.files import load_text, parse_ledger
from prefstack.ledger.replay import replay
from prefstack.ledger.store import EventStore
from prefstack.queries import voting
from prefstack.report import state_report

CAIS = "cais-internet"  # the issuer whose stream the fuzzed ledgers are appended to

BASE: list[dict[str, Any]] = [
    {"kind": "common_outstanding", "date": "2000-06-01", "shares": 20_000_000},
    {"kind": "preferred_issued", "date": "2000-06-15", "series": "G", "holder": "C", "shares": "20000"},
    {"kind": "preferred_issued", "date": "2000-08-02", "series": "F", "holder": "A", "shares": "40000"},
]

_STORES = itertools.count(1)
NUMBERS = st.sampled_from(
    ["0", "1", "-1", "2", "1/3", "0.5", "3.10", "1e999999999", "1e-40", "NaN", "Infinity", "", "abc", "10000000",
     "1/0", "9" * 120, "-0", "1000.00"]
)  # fmt: skip
DATES = st.sampled_from(
    ["2000-09-15", "2001-01-10", "2000-12-15", "2001-02-30", "0001-01-01", "9999-12-31", "2000-06-01", "not a date"]
)
TEXT = st.sampled_from(["A", "B", "C", "", "Microsoft Corporation", "x" * 300, "\x1b[31mred", "F", "G"])


@st.composite
def events(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(
        st.sampled_from(
            ["closing_price", "stock_split", "stock_combination", "common_issued", "conversion", "transfer",
             "dividend_payment", "preferred_issued", "redemption_notice", "unknown_kind"]
        )
    )  # fmt: skip
    event: dict[str, Any] = {"kind": kind, "date": draw(DATES)}
    fields = {
        "closing_price": {"price": NUMBERS},
        "stock_split": {"new_shares_per_old_share": NUMBERS},
        "stock_combination": {"old_shares_per_new_share": NUMBERS},
        "common_issued": {"shares": NUMBERS, "cash_consideration": NUMBERS, "purpose": st.just("none"),
                          "fair_market_value_per_share": NUMBERS},
        "conversion": {"series": TEXT, "holder": TEXT, "shares": NUMBERS},
        "transfer": {"series": TEXT, "from_holder": TEXT, "to_holder": TEXT, "shares": NUMBERS},
        "dividend_payment": {"series": TEXT, "outcome": st.sampled_from(["paid", "not_legally_available", "x"])},
        "preferred_issued": {"series": TEXT, "holder": TEXT, "shares": NUMBERS},
        "redemption_notice": {"series": TEXT, "redemption_date": DATES},
        "unknown_kind": {"anything": TEXT},
    }[kind]  # fmt: skip
    for name, strategy in fields.items():
        if draw(st.integers(0, 9)):  # sometimes a field is missing
            event[name] = draw(strategy)
    if draw(st.integers(0, 19)) == 0:
        event["unexpected"] = "field"
    return event


@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(st.lists(events(), min_size=1, max_size=4))
def test_every_generated_ledger_is_refused_cleanly_or_stored_and_answers(
    tmp_path: Path, extra: list[dict[str, Any]]
) -> None:
    url = f"sqlite:///{tmp_path / f'fuzz-{next(_STORES)}.sqlite'}"
    with EventStore(url) as opened:
        service.append(opened, parse_ledger({"format": "prefstack-ledger/1", "events": BASE}, "base"), company=CAIS)
        store = opened.stream(CAIS)
        before = store.version()
        text = yaml.safe_dump({"format": "prefstack-ledger/1", "events": extra})
        try:
            placed = parse_ledger(load_text(text, ".yaml", "fuzz"), "fuzz")
            service.append(opened, placed, company=CAIS)
        except PrefstackError:
            assert store.version() == before
            assert store.verify().ok
            return
        assert store.verify().ok
        stored = service.placed_from_store(store.read())
    state = replay(stored, dt.date(2002, 12, 31))
    state_report(state)
    voting(state)
