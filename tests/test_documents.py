"""Documents rendered to PDF and checked for their key figures (text extracted from the PDF),
and one page turned into PNG to check it is not blank."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pypdfium2 as pdfium
import yaml

EXAMPLE = str(resources.files("prefstack.data").joinpath("example_ledger.yaml"))


def pdf_text(path: Path) -> str:
    pdf = pdfium.PdfDocument(str(path))
    return " ".join(" ".join(page.get_textpage().get_text_range().split()) for page in pdf)


def not_blank(path: Path, png: Path) -> None:
    """Render page 1 and check that a real share of the pixels carry ink."""
    image = pdfium.PdfDocument(str(path))[0].render(scale=1).to_pil().convert("L")
    image.save(png)
    dark = sum(image.histogram()[:128])
    assert dark > 0.005 * image.width * image.height


def test_dividend_statement_pdf(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """F §2(b): the 2001-09-15 dividend of the example, half PIK and half Common Stock priced over the
    25 trading days 2001-08-06 to 2001-09-10 (the market closed 09-11 to 09-14)."""
    out = tmp_path / "dividend.pdf"
    cli(
        "document",
        "dividend-statement",
        "--holder",
        "Microsoft Corporation",
        "--payment-date",
        "2001-09-15",
        "--ledger",
        EXAMPLE,
        "--out",
        str(out),
    )
    text = pdf_text(out)
    for needle in (
        "Dividend payment statement: Series F, 2001-09-15",
        "Shares of Common Stock issued 26,329",
        "2001-08-06 to 2001-09-10",
        "F §2(b)",
        "election received 2001-08-31",
        "DIV-F-COMMON-FRACTIONS",
    ):
        assert needle in text
    not_blank(out, tmp_path / "dividend.png")


def test_a_document_written_again_in_another_second_is_the_same_pdf(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The same dividend statement written twice, the second time in a later second of the clock,
    is byte for byte the same PDF: nothing in it (WeasyPrint's embedded font subsets among them,
    which the fontTools fallback stamps with the time they were made; `make test` installs
    HarfBuzz's subsetter, scripts/ensure-system-libs.sh) depends on when it was written."""
    import time

    asked = ["document", "dividend-statement", "--holder", "Microsoft Corporation", "--payment-date", "2001-09-15"]
    first, second = tmp_path / "first.pdf", tmp_path / "second.pdf"
    cli(*asked, "--ledger", EXAMPLE, "--out", str(first))
    written = first.stat().st_mtime
    time.sleep(1.1 - (time.time() % 1.0))  # into a second of the clock after the one the first was written in
    cli(*asked, "--ledger", EXAMPLE, "--out", str(second))
    assert int(second.stat().st_mtime) > int(written)
    assert second.read_bytes() == first.read_bytes()


def test_certificate_and_conversion_statement_pdfs(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """F §5(j) and §5(a)-(c): the issue's worked example, $24.00 -> $23.86; 250 shares -> 10,477 + $18.78."""
    ledger = tmp_path / "l.yaml"
    ledger.write_text(
        yaml.safe_dump(
            {
                "format": "prefstack-ledger/1",
                "events": [
                    {"kind": "common_outstanding", "date": "2000-06-01", "shares": 20_000_000},
                    {"kind": "preferred_issued", "date": "2000-08-02", "series": "F", "holder": "A", "shares": "40000"},
                    {
                        "kind": "common_issued",
                        "date": "2001-01-10",
                        "shares": "1000000",
                        "purpose": "none",
                        "cash_consideration": "25000000",
                        "fair_market_value_per_share": "30.00",
                    },
                ],
            }
        )
    )
    cert = tmp_path / "cert.pdf"
    cli(
        "document",
        "certificate-of-adjustment",
        "--series",
        "F",
        "--as-of",
        "2001-02-01",
        "--ledger",
        str(ledger),
        "--out",
        str(cert),
    )
    text = pdf_text(cert)
    assert "Conversion Price before $24" in text and "Conversion Price after $23.86" in text
    assert "F §5(d)(iv)" in text and "new_price_to_the_cent 23.86" in text
    conv = tmp_path / "conv.pdf"
    cli(
        "document",
        "conversion-statement",
        "--series",
        "F",
        "--holder",
        "A",
        "--shares",
        "250",
        "--on",
        "2001-01-10",
        "--ledger",
        str(ledger),
        "--out",
        str(conv),
    )
    text = pdf_text(conv)
    assert "Shares of Common Stock 10,477" in text and "Cash for the fraction of a share $18.78" in text


def test_redemption_notice_and_record_date_notice_pdfs(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """F §6(e): window 2005-06-03 to 2005-07-13 for 2005-08-02, cut-off 2005-07-28 (F §6(j)).
    F/G §5(k): a split with record date 2002-08-01: notice due by 2002-07-22."""
    out = tmp_path / "redemption.pdf"
    cli(
        "document",
        "redemption-notice",
        "--series",
        "F",
        "--redemption-date",
        "2005-08-02",
        "--place",
        "the office of the transfer agent",
        "--ledger",
        EXAMPLE,
        "--out",
        str(out),
    )
    text = pdf_text(out)
    for needle in (
        "Redemption Date 2005-08-02",
        "between 2005-06-03 and 2005-07-13",
        "2005-07-28",
        "F §6(e)",
        "Microsoft Corporation",
    ):
        assert needle in text
    notice = tmp_path / "record.pdf"
    # The example's 2-for-1 split of 2002-08-01 (id split-2002): notice due 10 days before, 2002-07-22.
    cli("document", "record-date-notice", "--event", "split-2002", "--ledger", EXAMPLE, "--out", str(notice))
    text = pdf_text(notice)
    assert "record date 2002-08-01" in text and "2002-07-22" in text and "G §5(k)" in text


def test_history_chart_png_and_html(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The PIK share count, liquidation value and Conversion Price over time: a PNG, and the same
    chart embedded in HTML with no network (a data: URI)."""
    png, html = tmp_path / "history.png", tmp_path / "history.html"
    for out in (png, html):
        cli(
            "document",
            "history",
            "--series",
            "F",
            "--from",
            "2000-08-02",
            "--to",
            "2001-06-30",
            "--ledger",
            EXAMPLE,
            "--out",
            str(out),
        )
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    page = html.read_text()
    assert "data:image/png;base64," in page and "http" not in page.split("<body>")[1]


def test_unknown_payment_is_an_error_naming_the_field(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = cli(
        "document",
        "dividend-statement",
        "--holder",
        "Nobody",
        "--payment-date",
        "2001-09-15",
        "--ledger",
        EXAMPLE,
        "--out",
        str(tmp_path / "x.pdf"),
        ok=False,
    )
    assert result.returncode == 2 and "--payment-date" in result.stderr and "F §2(a)" in result.stderr
