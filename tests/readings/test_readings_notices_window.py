"""Two alternatives: a notice to a holder with no address on record addressed in care of the transfer
agent (F/G §5(k), NOTICE-ADDRESS=transfer-agent), and the 25 trading days that price a Series F
dividend paid in Common Stock ending before the day it was actually paid (F §2(b),
DIV-F-COMMON-PRICE-WINDOW=paid-late), each beside prefstack's reading on a ledger built here."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from fractions import Fraction
from importlib import resources
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest
import yaml

from prefstack.answers import json_ready
from prefstack.books import Books
from prefstack.calendars import nasdaq_trading_days
from prefstack.documents import Document, pdf_bytes, render_html
from prefstack.errors import InputError
from prefstack.instruments import registry
from prefstack.interpretations.readings import parse
from prefstack.ledger.events import parse_event
from prefstack.ledger.replay import LedgerRuleError

COVERED = {
    ("NOTICE-ADDRESS", "transfer-agent"),
    ("DIV-F-COMMON-PRICE-WINDOW", "paid-late"),
}


def _ledger_file(tmp_path: Path, events: list[dict[str, Any]], name: str = "ledger.yaml") -> str:
    path = tmp_path / name
    path.write_text(yaml.safe_dump({"format": "prefstack-ledger/1", "events": events}))
    return str(path)


def _books(ledger: str, **choices: str) -> Books:
    return Books("sqlite:///unused.sqlite", ledger=ledger, readings=parse(choices, "test"))


# --- F/G §5(k): NOTICE-ADDRESS=transfer-agent ---------------------------------------------------------

AGENT = "Example Stock Transfer Co. (fictional, for this test)"
AGENT_ADDRESS = ["100 Example Plaza", "Springfield, ST 00000"]
TRANSFER_AGENT = {"NOTICE-ADDRESS": "transfer-agent"}


@pytest.fixture
def agent_on_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The package's issuers with a transfer agent added to cais-internet's issuer.yaml (the
    certificates name none, so the bundled issuer has none): a copy of the folder, read in place of
    the package's for the test."""
    with resources.as_file(resources.files("prefstack.instruments").joinpath("issuers")) as bundled:
        copy = tmp_path / "issuers"
        shutil.copytree(bundled, copy)
    issuer_file = copy / "cais-internet" / "issuer.yaml"
    data = yaml.safe_load(issuer_file.read_text())
    issuer_file.write_text(yaml.safe_dump({**data, "transfer_agent": {"name": AGENT, "address": AGENT_ADDRESS}}))
    monkeypatch.setattr(registry, "_folder", lambda: copy)
    registry.issuers.cache_clear()
    yield
    registry.issuers.cache_clear()  # monkeypatch restores the folder after this; the next call reads it


NOTICE_EVENTS: list[dict[str, Any]] = [
    {"kind": "common_outstanding", "date": "2000-06-01", "shares": 20_000_000},
    {"kind": "preferred_issued", "date": "2000-08-02", "series": "F", "holder": "A", "shares": "40000"},
    {"kind": "preferred_issued", "date": "2000-08-02", "series": "F", "holder": "B", "shares": "10000"},
    {"kind": "holder_address", "date": "2000-08-02", "holder": "B", "address": ["2 B Road", "Boston, MA"]},
]


def _notice(ledger: str, holder: str, **choices: str) -> Document:
    """The Redemption Notice of ``holder`` for the Redemption Date 2005-08-02 (F §6(e)), dated the
    last day it may be sent."""
    books = _books(ledger, **choices)
    ((_, document),) = books.redemption_notices(
        dt.date(2005, 8, 2), "F", "the office of the Company", None, holder, every_holder=False
    )
    return document


def _addressee_block(html: str) -> str:
    return html.split('<div class="addressee">')[1].split("</div>\n</div>")[0]


def test_a_holder_without_an_address_in_care_of_the_transfer_agent(tmp_path: Path, agent_on_file: None) -> None:
    """NOTICE-ADDRESS=transfer-agent, with a transfer agent on file for CAIS Internet: holder A (40,000
    Series F shares) has no holder_address event, holder B has "2 B Road, Boston, MA".
    prefstack's: A's Redemption Notice says "no address on record in the ledger" in place of an address.
    The alternative: A's notice goes to "A / c/o <agent> / <agent's two address lines>", with a note
    that A has no address on record; B's keeps its own address (the agent is only for the missing one).
    Checked in the HTML and in the PDF's text."""
    assert registry.issuer("cais-internet").transfer_agent == registry.TransferAgent(AGENT, tuple(AGENT_ADDRESS))
    ledger = _ledger_file(tmp_path, NOTICE_EVENTS)

    default = _notice(ledger, "A")
    assert default.addressee is not None and default.addressee.address is None
    block = _addressee_block(render_html(default))
    assert "no address on record in the ledger" in block and "c/o" not in block

    alt = _notice(ledger, "A", **TRANSFER_AGENT)
    assert alt.addressee is not None
    assert alt.addressee.address == (f"c/o {AGENT}", *AGENT_ADDRESS)
    block = _addressee_block(render_html(alt))
    assert "<div>A</div>" in block and f"<div>c/o {AGENT}</div>" in block
    assert "<div>100 Example Plaza</div>" in block and "<div>Springfield, ST 00000</div>" in block
    assert "in care of the transfer agent: no address of the holder is on record in the ledger" in block
    assert "NOTICE-ADDRESS=transfer-agent, F §5(k)" in block
    assert "no address on record in the ledger" not in block
    text = " ".join(page.get_textpage().get_text_range() for page in pdfium.PdfDocument(pdf_bytes(alt)))
    flat = " ".join(text.split())
    assert f"c/o {AGENT}" in flat and "100 Example Plaza" in flat and "Springfield, ST 00000" in flat

    b = _notice(ledger, "B", **TRANSFER_AGENT)
    assert b.addressee is not None and b.addressee.address == ("2 B Road", "Boston, MA") and b.addressee.note is None
    assert "c/o" not in _addressee_block(render_html(b))


def test_without_a_transfer_agent_on_file_the_alternative_is_refused(tmp_path: Path, cli: Any) -> None:
    """NOTICE-ADDRESS=transfer-agent with the bundled CAIS Internet, which has no transfer agent on file
    (the certificates name none): A's notice cannot be addressed in care of one and is refused, the
    error naming issuer.yaml's transfer_agent and F §5(k); B's, with its own address, is made. Under
    prefstack's reading A's notice is made, and says what the alternative would do: it could not."""
    assert registry.issuer("cais-internet").transfer_agent is None
    ledger = _ledger_file(tmp_path, NOTICE_EVENTS)
    with pytest.raises(InputError) as refused:
        _notice(ledger, "A", **TRANSFER_AGENT)
    assert refused.value.field == "instruments/issuers/cais-internet/issuer.yaml.transfer_agent"
    assert refused.value.clause == "F §5(k)"
    assert "no transfer agent of CAIS Internet, Inc. is on file" in refused.value.problem
    b = _notice(ledger, "B", **TRANSFER_AGENT)
    assert b.addressee is not None and b.addressee.address == ("2 B Road", "Boston, MA")

    default = _notice(ledger, "A")
    (note,) = [n for n in default.alternatives if n.startswith("Under NOTICE-ADDRESS=transfer-agent")]
    assert "this document could not be made" in note and "transfer_agent" in note

    out = tmp_path / "notice.html"
    asked = ["document", "redemption-notice", "--series", "F", "--redemption-date", "2005-08-02"]
    asked += ["--place", "the office", "--holder", "A", "--ledger", ledger, "--out", str(out)]
    result = cli("--reading", "NOTICE-ADDRESS=transfer-agent", *asked, ok=False)
    assert result.returncode == 2 and not out.exists()
    assert "issuer.yaml.transfer_agent" in result.stderr and "F §5(k)" in result.stderr


@pytest.mark.parametrize(
    ("agent", "field"),
    [
        ({"name": AGENT}, "transfer_agent"),
        ({"name": AGENT, "address": []}, "transfer_agent.address"),
        ({"name": " ", "address": AGENT_ADDRESS}, "transfer_agent.name"),
        ({"name": AGENT, "address": ["ok", 7]}, "transfer_agent.address[1]"),
    ],
)
def test_a_malformed_transfer_agent_is_refused_naming_the_field(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, agent: dict[str, Any], field: str
) -> None:
    """issuer.yaml's transfer_agent needs a name and 1 to 6 address lines; anything else is refused,
    the error naming the field."""
    with resources.as_file(resources.files("prefstack.instruments").joinpath("issuers")) as bundled:
        copy = tmp_path / "issuers"
        shutil.copytree(bundled, copy)
    issuer_file = copy / "cais-internet" / "issuer.yaml"
    issuer_file.write_text(yaml.safe_dump({**yaml.safe_load(issuer_file.read_text()), "transfer_agent": agent}))
    monkeypatch.setattr(registry, "_folder", lambda: copy)
    registry.issuers.cache_clear()
    try:
        with pytest.raises(registry.IssuerError) as refused:
            registry.issuers()
        assert refused.value.field == f"instruments/issuers/cais-internet/issuer.yaml.{field}"
    finally:
        registry.issuers.cache_clear()


# --- F §2(b): DIV-F-COMMON-PRICE-WINDOW=paid-late -------------------------------------------------------

PAYMENT_DATE = dt.date(2001, 12, 15)  # a Saturday
PAID_ON = dt.date(2001, 12, 20)  # the Thursday after
LATE_WINDOW = "DIV-F-COMMON-PRICE-WINDOW"


def _price_events(skip: dt.date | None = None) -> list[dict[str, Any]]:
    """$12 on every Nasdaq trading day from 2001-10-01 to 2001-12-14, $20 from 2001-12-17 (the Monday
    after the Payment Date) to 2001-12-31; ``skip``: a day left without a price."""
    days = nasdaq_trading_days(dt.date(2001, 10, 1), dt.date(2001, 12, 31))
    return [
        {"kind": "closing_price", "date": d.isoformat(), "price": "12" if d <= dt.date(2001, 12, 14) else "20"}
        for d in days
        if d != skip
    ]


def _dividend_events(paid_on: str | None = "2001-12-20", skip: dt.date | None = None) -> list[dict[str, Any]]:
    """Holder A: 40,000 Series F shares issued 2001-09-15, electing (2001-11-30, ten days and more
    ahead, F §2(e)) its whole 2001-12-15 dividend in Common Stock; the dividend is paid, on
    ``paid_on`` (None: on the Payment Date). The closing prices of 2001-12-17 to 12-19 are recorded on
    their own dates, after the payment event in replay order."""
    payment: dict[str, Any] = {"kind": "dividend_payment", "date": "2001-12-15", "series": "F", "outcome": "paid"}
    if paid_on is not None:
        payment["paid_on"] = paid_on
    return [
        {"kind": "common_outstanding", "date": "2001-06-01", "shares": "20000000"},
        {"kind": "preferred_issued", "date": "2001-09-15", "series": "F", "holder": "A", "shares": "40000"},
        {
            "kind": "dividend_election",
            "date": "2001-11-30",
            "series": "F",
            "holder": "A",
            "payment_date": "2001-12-15",
            "common": "1",
        },
        *_price_events(skip),
        payment,
    ]


def _paid(ledger: str, **choices: str) -> Any:
    books = _books(ledger, **choices)
    (holder,) = books.dividends(PAYMENT_DATE, "F").series[0].holders
    return holder


def test_the_window_ends_before_the_day_a_late_dividend_was_paid(tmp_path: Path) -> None:
    """The dividend: 40,000 shares x $1,000 x 7% x 90/360 (2001-09-15 to 2001-12-15, 30/360) = $700,000.

    prefstack's window: the 25 trading days ending 2001-12-14, the last before the Payment Date:
    Dec 14, 13, 12, 11, 10, 7, 6, 5, 4, 3 (10), Nov 30, 29, 28, 27, 26, 23 (16; the 22nd is
    Thanksgiving), 21, 20, 19, 16, 15, 14, 13, 12, 9 (25): 2001-11-09 to 2001-12-14, every one $12.
    Average $12; 700,000 / 12 = 58,333.33...: 58,333 shares, and 1/3 x $12 = $4.00 for the fraction.

    paid-late, paid 2001-12-20: the 25 trading days ending 2001-12-19: Dec 17, 18, 19 join and Nov 9,
    12, 13 leave: 2001-11-14 to 2001-12-19, 22 days at $12 and 3 at $20.
    Average (22 x 12 + 3 x 20) / 25 = (264 + 60) / 25 = 324 / 25 = $12.96;
    700,000 / 12.96 = 17,500,000 / 324 = 54,012.345...: 54,012 shares (324 x 54,012 = 17,499,888, 112
    over), and 112/324 x 12.96 = 112/25 = $4.48 for the fraction.
    The Dec 17-19 prices are recorded after the payment (its date is the Payment Date): the state on
    2001-12-16 already counts the 54,012 shares issued under the alternative."""
    ledger = _ledger_file(tmp_path, _dividend_events())
    default = _paid(ledger)
    assert default.dividend.value == 40_000 * 1_000 * Fraction(7, 100) * Fraction(90, 360) == 700_000
    assert default.common_price.value == 12
    assert (default.common_shares, default.cash_for_fraction.value) == (58_333, Fraction("4.00"))
    assert 58_333 + Fraction(1, 3) == Fraction(700_000, 12)
    window = default.common_price_window
    assert (window.first_trading_day, window.last_trading_day, window.trading_days) == ("2001-11-09", "2001-12-14", 25)

    alt = _paid(ledger, **{LATE_WINDOW: "paid-late"})
    assert alt.common_price.value == Fraction(22 * 12 + 3 * 20, 25) == Fraction("12.96")
    assert 324 * 54_012 == 17_499_888 and 17_500_000 - 17_499_888 == 112
    assert (alt.common_shares, alt.cash_for_fraction.value) == (54_012, Fraction("4.48"))
    window = alt.common_price_window
    assert (window.first_trading_day, window.last_trading_day, window.trading_days) == ("2001-11-14", "2001-12-19", 25)
    price = next(p for e in alt.explain for p in _parts(e) if p.get("name") == "average_closing_price")
    assert price["inputs"]["paid_on"] == "2001-12-20" and price["inputs"]["payment_date"] == "2001-12-15"

    def issued(day: dt.date, **choices: str) -> Any:
        return json_ready(_books(ledger, **choices).state(day))["common_stock"]["issued_as_dividends"]

    assert issued(dt.date(2001, 12, 31)) == 58_333
    assert issued(dt.date(2001, 12, 31), **{LATE_WINDOW: "paid-late"}) == 54_012
    assert issued(dt.date(2001, 12, 16), **{LATE_WINDOW: "paid-late"}) == 54_012  # priced from later prices


def _parts(item: Any) -> list[Any]:
    return [item, *(p for part in item.get("parts", []) for p in _parts(part))]


def test_a_dividend_paid_on_time_keeps_the_window_under_paid_late(tmp_path: Path) -> None:
    """paid-late, a dividend_payment without paid_on (paid on the Payment Date): the window is
    prefstack's, 2001-11-09 to 2001-12-14, $12: 58,333 shares and $4.00, as under the reading; and a
    paid_on on the Payment Date itself (a Saturday) ends it on the same 2001-12-14."""
    for paid_on in (None, "2001-12-15"):
        ledger = _ledger_file(tmp_path, _dividend_events(paid_on), f"ledger-{paid_on}.yaml")
        for choices in ({}, {LATE_WINDOW: "paid-late"}):
            paid = _paid(ledger, **choices)
            assert (paid.common_price.value, paid.common_shares, paid.cash_for_fraction.value) == (
                12,
                58_333,
                Fraction("4.00"),
            )
            assert paid.common_price_window.last_trading_day == "2001-12-14"


def test_a_late_window_without_its_prices_is_refused_naming_the_day(tmp_path: Path) -> None:
    """paid-late with no closing price recorded for 2001-12-18 (in the late window only): the dividend
    cannot be priced, and the error names the day and F §2(b); prefstack's window does not need it."""
    ledger = _ledger_file(tmp_path, _dividend_events(skip=dt.date(2001, 12, 18)))
    assert _paid(ledger).common_shares == 58_333
    with pytest.raises(LedgerRuleError) as refused:
        _paid(ledger, **{LATE_WINDOW: "paid-late"})
    assert refused.value.clause == "F §2(b)" and "closing_prices" in refused.value.field
    assert "no closing price for 1 trading day(s) in the window: 2001-12-18" in str(refused.value)


def test_paid_on_before_the_payment_date_or_for_nothing_paid_is_refused() -> None:
    """paid_on is the day a paid dividend was paid: on or after the Payment Date (2001-12-14 is
    refused, naming paid_on and F §2(b)), and not given for an outcome that pays nothing."""
    base = {"kind": "dividend_payment", "date": "2001-12-15", "series": "F", "outcome": "paid"}
    assert parse_event({**base, "paid_on": "2001-12-20"}, "event 1").paid_on == PAID_ON  # type: ignore[union-attr]
    assert parse_event({**base, "paid_on": "2001-12-15"}, "event 1").paid_on == PAYMENT_DATE  # type: ignore[union-attr]
    with pytest.raises(InputError) as early:
        parse_event({**base, "paid_on": "2001-12-14"}, "event 1")
    assert early.value.field == "event 1 (dividend_payment).paid_on" and early.value.clause == "F §2(b)"
    assert "before the Payment Date 2001-12-15" in early.value.problem
    with pytest.raises(InputError) as unpaid:
        parse_event({**base, "outcome": "not_legally_available", "paid_on": "2001-12-20"}, "event 1")
    assert unpaid.value.field == "event 1 (dividend_payment).paid_on"


def test_the_dividend_statement_under_each_window(tmp_path: Path) -> None:
    """The dividend statement of A for 2001-12-15: under prefstack's reading it shows $12, 58,333 shares
    and $4.00, and says what paid-late would change ($12.96, 54,012 shares, $4.48); under paid-late it
    shows those, and the window 2001-11-14 to 2001-12-19 among the facts it rests on."""
    ledger = _ledger_file(tmp_path, _dividend_events())

    def statement(**choices: str) -> Document:
        ((_, document),) = _books(ledger, **choices).dividend_statements(PAYMENT_DATE, "F", "A", every_holder=False)
        return document

    default = statement()
    shown = {f.label: f.value for f in default.figures}
    assert shown["Average closing price (25 trading days)"] == "$12"
    assert shown["Shares of Common Stock issued"] == "58,333" and shown["Cash for the fraction of a share"] == "$4.00"
    (note,) = [n for n in default.alternatives if n.startswith(f"Under {LATE_WINDOW}=paid-late")]
    assert "Average closing price (25 trading days) $12.96 instead of $12" in note
    assert "Shares of Common Stock issued 54,012 instead of 58,333" in note
    assert "Cash for the fraction of a share $4.48 instead of $4.00" in note

    alt = statement(**{LATE_WINDOW: "paid-late"})
    shown = {f.label: f.value for f in alt.figures}
    assert shown["Average closing price (25 trading days)"] == "$12.96"
    assert shown["Shares of Common Stock issued"] == "54,012" and shown["Cash for the fraction of a share"] == "$4.48"
    html = render_html(alt)
    assert "2001-11-14 to 2001-12-19" in html and "54,012" in html and "$4.48" in html
