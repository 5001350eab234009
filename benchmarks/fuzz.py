"""The ledger fuzzer at length: 100,000 generated ledgers (valid-looking and hostile), each
validated as `ledger import` validates it (parse, replay, the §5 fold), each bounded by a 5-second
alarm. Prints cases tried, accepted, refused, crashes (an exception that is not a prefstack error:
must be 0) and hangs (must be 0). The test suite runs a short Hypothesis version
(tests/bad_input/test_fuzz_ledger.py)."""

from __future__ import annotations

import os
import random
import signal
import time
from typing import Any

from prefstack.errors import PrefstackError
from prefstack.ledger import service
from prefstack.ledger.files import load_text, parse_ledger
from prefstack.report import state_report

CASES = int(os.environ.get("PREFSTACK_FUZZ_CASES", "100000"))
SECONDS_PER_CASE = 5

BASE: list[dict[str, Any]] = [
    {"kind": "common_outstanding", "date": "2000-06-01", "shares": 20_000_000},
    {"kind": "preferred_issued", "date": "2000-06-15", "series": "G", "holder": "C", "shares": "20000"},
    {"kind": "preferred_issued", "date": "2000-08-02", "series": "F", "holder": "A", "shares": "40000"},
]
NUMBERS = ["0", "1", "-1", "2", "1/3", "0.5", "3.10", "1e999999999", "1e-40", "NaN", "", "abc", "10000000", "1/0",
           "9" * 120, "-0", "1000.00", "1e40", "0.0000001", "123456789012345678901234567890"]  # fmt: skip
DATES = ["2000-09-15", "2001-01-10", "2000-12-15", "2001-02-30", "0001-01-01", "9999-12-31", "2000-06-01", "x",
         "2001-03-15", "2005-08-02"]  # fmt: skip
TEXT = ["A", "B", "C", "", "Microsoft Corporation", "x" * 300, "\x1b[31mred", "F", "G"]
FIELDS: dict[str, dict[str, list[str]]] = {
    "closing_price": {"price": NUMBERS},
    "stock_split": {"new_shares_per_old_share": NUMBERS},
    "stock_combination": {"old_shares_per_new_share": NUMBERS},
    "stock_dividend": {"shares": NUMBERS},
    "common_issued": {"shares": NUMBERS, "cash_consideration": NUMBERS, "purpose": ["none", "acquisition", "x"],
                      "fair_market_value_per_share": NUMBERS},
    "conversion": {"series": TEXT, "holder": TEXT, "shares": NUMBERS},
    "transfer": {"series": TEXT, "from_holder": TEXT, "to_holder": TEXT, "shares": NUMBERS},
    "dividend_payment": {"series": TEXT, "outcome": ["paid", "not_legally_available", "x"]},
    "arrears_paid": {"series": TEXT},
    "preferred_issued": {"series": TEXT, "holder": TEXT, "shares": NUMBERS},
    "redemption_notice": {"series": TEXT, "redemption_date": DATES},
    "redemption": {"series": TEXT, "funds": NUMBERS},
    "ratable_dividends": {"amount_declared": NUMBERS},
    "unknown_kind": {"anything": TEXT},
}  # fmt: skip


class _Hang(Exception):
    pass


def _alarm(_signum: int, _frame: object) -> None:
    raise _Hang


def _case(rng: random.Random) -> str:
    import yaml

    events = []
    for _ in range(rng.randint(1, 5)):
        kind = rng.choice(list(FIELDS))
        event: dict[str, Any] = {"kind": kind, "date": rng.choice(DATES)}
        for name, values in FIELDS[kind].items():
            if rng.random() < 0.9:
                event[name] = rng.choice(values)
        events.append(event)
    return str(yaml.safe_dump({"format": "prefstack-ledger/1", "events": BASE + events}))


def run() -> list[str]:
    rng = random.Random(20241123)
    tried = accepted = refused = crashes = hangs = 0
    examples: list[str] = []
    signal.signal(signal.SIGALRM, _alarm)
    started = time.perf_counter()
    for _ in range(CASES):
        text = _case(rng)
        tried += 1
        signal.alarm(SECONDS_PER_CASE)
        try:
            state = service.validate(parse_ledger(load_text(text, ".yaml", "fuzz"), "fuzz"))
            assert state is not None
            state_report(state)
            accepted += 1
        except PrefstackError:
            refused += 1
        except _Hang:
            hangs += 1
            examples.append("hang: " + text[:200])
        except Exception as exc:  # the fuzzer's job: count anything that is not a clear refusal
            crashes += 1
            examples.append(f"crash {type(exc).__name__}: {exc}"[:200])
        finally:
            signal.alarm(0)
    seconds = time.perf_counter() - started
    lines = [
        f"{tried} cases in {seconds:.0f} s ({tried / seconds:.0f}/s): {accepted} accepted, {refused} refused, "
        f"{crashes} crashes (must be 0), {hangs} hangs over {SECONDS_PER_CASE} s (must be 0)"
    ]
    return lines + examples[:10]


if __name__ == "__main__":
    for line in run():
        print(line)
