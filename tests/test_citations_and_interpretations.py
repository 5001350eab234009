"""Citations point to real sections; interpretations are complete and all in use."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from prefstack.citations import SECTIONS, cite
from prefstack.errors import CitationError
from prefstack.interpretations import reading, registry
from prefstack.terms import load_terms
from prefstack.terms.schema import term_paths

SRC = Path(__file__).parents[1] / "src" / "prefstack"
SPEC = Path(__file__).parents[2] / "shared" / "spec"


@pytest.mark.parametrize(
    "text", ["F §7", "G §2(e)", "G Sched. 1", "F §3(d)", "F §5(d)(i)(C)(13)", "G §6(k)", "Q §1(a)", "§2(a)"]
)
def test_citations_to_no_section_are_refused(text: str) -> None:
    with pytest.raises(CitationError):
        cite(text)


def test_citations_print_as_written() -> None:
    assert str(cite("F §5(d)(iv)")) == "F §5(d)(iv)"
    assert str(cite(" G §3(d) ")) == "G §3(d)"
    assert str(cite("F Sched. 1")) == "F Sched. 1"


@pytest.mark.skipif(not SPEC.exists(), reason="the certificates are not beside the checkout")
@pytest.mark.parametrize("doc", ["F", "G"])
def test_every_registered_section_exists_in_the_certificate(doc: str) -> None:
    """Each top-level section has its heading, and each lettered label appears in the text."""
    text = (SPEC / {"F": "series-f-certificate.txt", "G": "series-g-certificate.txt"}[doc]).read_text()
    flat = " ".join(text.split())
    for section in SECTIONS[doc]:
        if section in ("Preamble",):
            continue
        if section == "Sched. 1":
            assert "Schedule 1" in flat
            continue
        number = re.match(r"§(\d+)", section)
        assert number is not None
        assert f"Section {number.group(1)}." in flat, section
        labels = re.findall(r"\(([A-Za-z0-9]+)\)", section)
        if labels:
            assert f"({labels[-1]})" in flat, section
    # and the absent ones really are absent
    if doc == "G":
        assert "(e) The holders of Series" not in flat
        assert "Schedule 1" not in flat


def test_every_interpretation_is_complete() -> None:
    entries = registry()
    assert len(entries) >= 9
    for entry in entries.values():
        assert entry.question and entry.reading and entry.why and entry.alternatives
        for clause in entry.clauses:
            cite(clause)


def _source_text() -> str:
    return "\n".join(p.read_text() for p in SRC.rglob("*.py"))


def test_every_interpretation_is_named_by_code_and_every_name_is_registered() -> None:
    """No reading is settled silently, and none is recorded without being used."""
    source = _source_text()
    named = set(re.findall(r'reading\(\s*"([A-Z0-9-]+)"\s*\)', source)) | set(
        re.findall(r"reading\(\s*'([A-Z0-9-]+)'\s*\)", source)
    )
    assert named, "no code names an interpretation"
    for ident in named:
        reading(ident)
    unused = sorted(set(registry()) - named)
    assert unused == [], f"interpretations recorded but named by no code: {unused}"


def test_unknown_interpretation_is_an_error() -> None:
    with pytest.raises(KeyError, match="NOPE"):
        reading("NOPE")


def test_the_required_interpretations_are_recorded() -> None:
    """Issue acceptance: day count, fractional PIK, F §2(b) vs §2(d), accrued-but-unpaid, G first period."""
    for ident in (
        "DIV-DAYCOUNT",
        "DIV-FRACTIONAL-PIK",
        "DIV-F-ELECTION-VS-PIK",
        "DIV-ACCRUED-UNPAID",
        "DIV-G-FIRST-PERIOD",
    ):
        assert ident in registry()


@pytest.mark.parametrize("series", ["F", "G"])
def test_every_term_is_read_by_some_clause(series: str) -> None:
    """Every term in a terms file is read by code outside the terms package."""
    source = "\n".join(p.read_text() for p in SRC.rglob("*.py") if "terms" not in p.parts)
    unread = [path for path in term_paths(load_terms(series)) if path.split(".")[-1] not in source]
    assert unread == []


def test_each_certificates_sections_are_data_and_a_malformed_file_is_refused(tmp_path: Path) -> None:
    """A certificate's sections come from its sections.yaml (instruments/issuers/<issuer>/<series>/):
    the bundled ones give F and G; a file naming no valid id, listing a section twice or a
    malformed section, or a second file for the same id is refused naming the file; a citation of
    a certificate with no sections file names the ones prefstack has."""
    from prefstack.citations import SECTIONS, cite, load_certificates
    from prefstack.errors import CitationError

    assert set(SECTIONS) >= {"F", "G"} and "§5(d)(iv)" in SECTIONS["F"] and "§3(d)" in SECTIONS["G"]
    assert "§3(d)" not in SECTIONS["F"] and "Sched. 1" not in SECTIONS["G"]
    with pytest.raises(CitationError, match="no sections of"):
        cite("Q §1")

    def write(text: str, series: str = "series-h") -> None:
        folder = tmp_path / "issuers" / "hypothetical" / series
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "sections.yaml").write_text(text)

    write('certificate: H\ntitle: "Series H"\nsections: ["Preamble", "§1", "§1(a)"]\n')
    assert load_certificates(tmp_path / "issuers")["H"].sections == frozenset({"Preamble", "§1", "§1(a)"})
    for bad, needle in [
        ('certificate: h\ntitle: "x"\nsections: ["§1"]\n', "is not an id"),
        ('certificate: H\ntitle: "x"\nsections: ["§1", "§1"]\n', "listed twice"),
        ('certificate: H\ntitle: "x"\nsections: ["1(a)"]\n', "sections"),
        ('certificate: H\nsections: ["§1"]\n', "exactly certificate, title and sections"),
    ]:
        write(bad)
        with pytest.raises(CitationError, match=needle):
            load_certificates(tmp_path / "issuers")
    write('certificate: H\ntitle: "x"\nsections: ["§1"]\n')
    write('certificate: H\ntitle: "y"\nsections: ["§2"]\n', "series-h2")
    with pytest.raises(CitationError, match="listed twice"):
        load_certificates(tmp_path / "issuers")


def test_the_sections_schema_accepts_the_bundled_files_and_refuses_what_the_loader_refuses() -> None:
    """`prefstack schema sections` describes sections.yaml: both bundled files validate, and every
    file the loader refuses is invalid under the schema too."""
    import jsonschema
    import yaml

    from prefstack.citations import sections_json_schema, series_folders

    schema = sections_json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    bundled = [yaml.safe_load(f.joinpath("sections.yaml").read_text()) for _, f in series_folders()]
    assert {d["certificate"] for d in bundled} >= {"F", "G"}
    for data in bundled:
        jsonschema.validate(data, schema)
    for bad in (
        {"certificate": "h", "title": "x", "sections": ["§1"]},
        {"certificate": "H", "title": "x", "sections": ["§1", "§1"]},
        {"certificate": "H", "title": "x", "sections": ["1(a)"]},
        {"certificate": "H", "sections": ["§1"]},
        {"certificate": "H", "title": "x", "sections": []},
    ):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, schema)


def test_a_certificates_own_readings_live_in_its_folder() -> None:
    """An interpretation citing one certificate alone is in that certificate's folder
    (instruments/issuers/<issuer>/<series>/interpretations.yaml); the package's files hold the
    points several certificates share. Together they are the one registry (89 readings)."""
    import yaml

    from prefstack.interpretations import files, registry

    where: dict[str, str] = {}
    for name, item in files():
        for entry in yaml.safe_load(item.read_text(encoding="utf-8")):
            where[entry["id"]] = name
    assert set(where) == set(registry()) and len(where) == 89
    folders = {"F": "cais-internet/series-f/", "G": "cais-internet/series-g/", "H": "northwind-networks/series-h/"}
    for ident, interp in registry().items():
        docs = {c.split()[0] for c in interp.clauses}
        if len(docs) == 1:
            assert where[ident] == folders[docs.pop()] + "interpretations.yaml", ident
        else:
            assert "/" not in where[ident], ident
    assert where["LIQ-G-DEEMED-THRESHOLD"] == "cais-internet/series-g/interpretations.yaml"
    assert where["DIV-CASH-CENTS"] == "dividends.yaml"  # F §2(b) and H §2(b) alike
