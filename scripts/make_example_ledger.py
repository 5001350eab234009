"""Write the bundled example ledger, src/prefstack/data/example_ledger.yaml.

The preferred stock issues follow the certificates (40,000 Series F shares issued
2000-08-02, as F Sched. 1 assumes; 20,000 Series G shares). The common stock figures,
closing prices, elections, the unpaid 2001-12-15 quarter, the conversion, the 2002 private
placement and split are ILLUSTRATIVE: invented to exercise every rule, not the Company's history.

Run: python scripts/make_example_ledger.py
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from prefstack.calendars import nasdaq_trading_days, payment_dates  # noqa: E402
from prefstack.ledger.files import FORMAT, dump_ledger  # noqa: E402
from prefstack.terms import load_terms  # noqa: E402

D = dt.date
THROUGH = D(2002, 6, 30)


def t(day: dt.date, hour: int = 17) -> str:
    return f"{day.isoformat()}T{hour:02d}:00:00Z"


def price_cents(i: int) -> int:
    """An illustrative path in whole cents: a drift down from about $20 with a ripple."""
    return max(150, 2000 - 2 * i + (i * 37) % 150 - 75)


def build() -> dict[str, object]:
    events: list[dict[str, object]] = []

    def add(kind: str, day: dt.date, recorded: dt.date | None = None, **fields: object) -> None:
        events.append({"kind": kind, "date": day.isoformat(), "recorded_at": t(recorded or day), **fields})

    add("common_authorized", D(2000, 6, 1), shares=200_000_000, note="illustrative")
    add("common_outstanding", D(2000, 6, 1), shares=22_000_000, note="illustrative opening balance")
    for i, day in enumerate(nasdaq_trading_days(D(2000, 6, 1), THROUGH)):
        cents = price_cents(i)
        add("closing_price", day, price=f"{cents // 100}.{cents % 100:02d}", note="illustrative")
    add("preferred_issued", D(2000, 6, 15), series="G", holder="3Com Corporation", shares="20000", id="g-issue")
    add("preferred_issued", D(2000, 8, 2), series="F", holder="Microsoft Corporation", shares="40000", id="f-issue")
    # The Company's details and the holders' addresses that documents print (F/G §5(k)). Illustrative.
    add(
        "company_details",
        D(2000, 6, 1),
        name="CAIS Internet, Inc.",
        address=["1255 22nd Street, N.W., Fourth Floor", "Washington, D.C. 20037"],
        officer_name="Michael G. Plantamura",
        officer_title="Secretary",
        note="illustrative: the principal office in 2000; the Secretary, who attests the certificates, signs notices",
    )
    add(
        "holder_address",
        D(2000, 6, 15),
        holder="3Com Corporation",
        address=["5400 Bayfront Plaza", "Santa Clara, California 95052"],
        note="illustrative",
    )
    add(
        "holder_address",
        D(2000, 8, 2),
        holder="Microsoft Corporation",
        address=["One Microsoft Way", "Redmond, Washington 98052-6399"],
        note="illustrative",
    )
    add("registration_statement", D(2000, 10, 2), effective=True, note="illustrative resale registration")
    # Series F: PIK by default (F §2(d)); one quarter in cash, one in Common Stock (F §2(b)).
    add(
        "dividend_election",
        D(2001, 2, 20),
        series="F",
        holder="Microsoft Corporation",
        payment_date="2001-03-15",
        cash="1",
    )
    add("wire_account_notice", D(2001, 3, 9), series="F", holder="Microsoft Corporation", payment_date="2001-03-15")
    add(
        "dividend_election",
        D(2001, 8, 31),
        series="F",
        holder="Microsoft Corporation",
        payment_date="2001-09-15",
        pik="1/2",
        common="1/2",
    )
    # 2001-12-15: no funds legally available for either series (illustrative). While Series G is
    # in arrears no parity dividend may be paid (G §2(c)); on 2002-03-15 both arrears are paid.
    unpaid = D(2001, 12, 15)
    for series, issued in (("F", D(2000, 8, 2)), ("G", D(2000, 6, 15))):
        for day in payment_dates(load_terms(series), issued, THROUGH):
            add("dividend_payment", day, series=series, outcome="not_legally_available" if day == unpaid else "paid")
        add("arrears_paid", D(2002, 3, 15), series=series, note="illustrative: the unpaid 2001-12-15 dividend declared")
    add("conversion", D(2002, 1, 10), series="F", holder="Microsoft Corporation", shares="1000", note="illustrative")
    # After the ledger's price history: an issue of Additional Shares of Common Stock below the
    # Conversion Price (F/G §5(d)(iv): F $24.00 -> $23.07, G $36.00 -> $34.55), then a 2-for-1 split
    # with its notices of the record date (F/G §5(e), §5(k)). Illustrative.
    add(
        "common_issued",
        D(2002, 7, 15),
        id="private-placement-2002",
        shares="1000000",
        purpose="none",
        cash_consideration="2500000",
        fair_market_value_per_share="3.00",
        note="illustrative private placement at $2.50 a share",
    )
    for series in ("F", "G"):
        add("notice_sent", D(2002, 7, 18), series=series, notice="record_date", reference="split-2002")
    add("stock_split", D(2002, 8, 1), id="split-2002", new_shares_per_old_share="2", note="illustrative 2-for-1 split")
    return {
        "format": FORMAT,
        "company": "CAIS Internet, Inc.",
        "description": (
            "Example ledger. The Series F and G issues follow the certificates; common stock outstanding, "
            "closing prices, elections, the unpaid 2001-12-15 quarter, the conversion, the 2002 private placement "
            "and split, the Company's office and signing officer and the holders' addresses are illustrative."
        ),
        "events": events,
    }


if __name__ == "__main__":
    out = ROOT / "src" / "prefstack" / "data" / "example_ledger.yaml"
    out.write_text(dump_ledger(build(), "yaml"), encoding="utf-8")
    print(f"wrote {out}")
