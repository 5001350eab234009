"""The clause registry: every clause function is registered under the sections it implements
(`@implements`), every registered section has a test marked `@pytest.mark.clause` for it, and
`prefstack where CITATION` finds the code, the interpretations and the tests of a section."""

from __future__ import annotations

import ast
import importlib
import inspect
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

from prefstack import clause_registry
from prefstack.citations import cite
from prefstack.clause_registry import REGISTRY, Registry, load, marked_tests, where
from prefstack.clauses import antidilution
from prefstack.errors import CitationError

ROOT = Path(__file__).resolve().parents[1]
TESTS = ROOT / "tests"

NOT_YET_REGISTERED = {
}
"""Clause modules whose public functions need not be registered yet, and why."""


def _clause_modules() -> list[ModuleType]:
    import pkgutil

    import prefstack.clauses

    names = [i.name for i in pkgutil.iter_modules(prefstack.clauses.__path__, prefix="prefstack.clauses.")]
    return [importlib.import_module(name) for name in sorted(names)]


def test_every_public_clause_function_is_registered() -> None:
    """Each public function defined in a module of prefstack/clauses/ is registered under at least one
    section (modules in NOT_YET_REGISTERED excepted, each with its reason)."""
    load()
    registered = {(e.module, e.qualname) for e in REGISTRY.entries()}
    modules = _clause_modules()
    assert set(NOT_YET_REGISTERED) <= {m.__name__ for m in modules}, "an exclusion names no clause module"
    missing = [
        f"{module.__name__}.{name}"
        for module in modules
        if module.__name__ not in NOT_YET_REGISTERED
        for name, value in vars(module).items()
        if inspect.isfunction(value) and value.__module__ == module.__name__ and not name.startswith("_")
        if (module.__name__, name) not in registered
    ]
    assert not missing, f"public clause functions with no @implements: {missing}"


def test_every_registered_section_has_a_marked_test() -> None:
    """A section some function implements is checked by at least one test marked with it."""
    checked = {c for t in marked_tests(TESTS) for c in t.citations}
    unchecked = [str(c) for c in load().citations() if c not in checked]
    assert not unchecked, f"sections with code but no @pytest.mark.clause test: {unchecked}"


def test_every_module_using_implements_is_loaded_by_where() -> None:
    """`where` imports IMPLEMENTING_PACKAGES and IMPLEMENTING_MODULES; a module of src/prefstack that
    decorates a function with @implements is among them (found by parsing the sources)."""
    src = ROOT / "src"
    using = set()
    for path in (src / "prefstack").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and any(
                isinstance(d, ast.Call) and isinstance(d.func, ast.Name) and d.func.id == "implements"
                for d in node.decorator_list
            ):
                using.add(".".join(path.relative_to(src).with_suffix("").parts))
    load()
    loaded = {e.module for e in REGISTRY.entries()}
    assert using == loaded
    assert "prefstack.ledger.section5" in loaded and "prefstack.clauses.antidilution" in loaded


def test_the_decorator_returns_the_function_itself() -> None:
    """No wrapper: the decorated function is the function, so a call costs what it did."""
    registry = Registry()

    def rule() -> int:
        return 7

    assert registry.implements("F §5(d)(iv)", "G §5(d)(iv)")(rule) is rule
    assert rule() == 7
    [entry] = registry.of(cite("G §5(d)(iv)"))
    assert (entry.module, entry.qualname) == (__name__, "test_the_decorator_returns_the_function_itself.<locals>.rule")
    assert (entry.file, entry.line) == (__file__, rule.__code__.co_firstlineno)
    formula = antidilution._section_5_d_iv_formula
    assert not hasattr(formula, "__wrapped__") and inspect.isfunction(formula)
    [real] = [e for e in REGISTRY.of(cite("F §5(d)(iv)")) if e.qualname == "_section_5_d_iv_formula"]
    assert real.line == formula.__code__.co_firstlineno
    assert Path(real.file) == ROOT / "src" / "prefstack" / "clauses" / "antidilution.py"


@pytest.mark.parametrize("bad", ["F §9", "G §2(e)", "F §5(d)(vi)", "§5(d)(iv)"])
def test_a_decorator_naming_no_section_fails_when_its_module_is_imported(
    bad: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    module = tmp_path / "bad_clause.py"
    module.write_text(
        "from prefstack.clause_registry import implements\n\n\n"
        f"@implements({bad!r})\n"
        "def rule() -> None:\n"
        "    pass\n",
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(CitationError, match=bad.replace("(", r"\(").replace(")", r"\)")):
        importlib.import_module("bad_clause")
    sys.modules.pop("bad_clause", None)
    with pytest.raises(CitationError, match="at least one citation"):
        Registry().implements()
    with pytest.raises(CitationError, match="more than once"):
        Registry().implements("F §4", "F §4")


def test_marked_tests_are_read_from_functions_classes_methods_and_pytestmark(tmp_path: Path) -> None:
    folder = tmp_path / "tests"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "test_a.py").write_text(
        "import pytest\n"
        "from pytest import mark\n\n"
        "pytestmark = [pytest.mark.slow, pytest.mark.clause('G §4')]\n\n\n"
        "@pytest.mark.clause('F §5(d)(iv)', 'G §5(d)(iv)')\n"
        "@pytest.mark.parametrize('x', [1])\n"
        "def test_one(x):\n"
        "    pass\n\n\n"
        "@mark.clause('F §2(e)')\n"
        "class TestTwo:\n"
        "    @pytest.mark.clause('F §2(a)')\n"
        "    def test_three(self):\n"
        "        pass\n\n\n"
        "def test_unmarked():\n"
        "    pass\n",
        encoding="utf-8",
    )
    found = {t.nodeid: ([str(c) for c in t.citations], t.line) for t in marked_tests(folder)}
    assert found == {
        "tests/sub/test_a.py": (["G §4"], 4),
        "tests/sub/test_a.py::test_one": (["F §5(d)(iv)", "G §5(d)(iv)"], 7),
        "tests/sub/test_a.py::TestTwo": (["F §2(e)"], 13),
        "tests/sub/test_a.py::TestTwo::test_three": (["F §2(a)"], 15),
    }
    (folder / "test_bad.py").write_text("import pytest\n\n\n@pytest.mark.clause('G §2(e)')\ndef test_x():\n    pass\n")
    with pytest.raises(CitationError, match=r"test_bad.py:4: 'G §2\(e\)' cites a section"):
        marked_tests(folder)


def test_where_f_5_d_iv_lists_the_formula_its_interpretations_and_its_tests() -> None:
    found = where("F §5(d)(iv)", TESTS)
    assert found["sections"] == ["F §5(d)(iv)"]
    # the formula, and the step that rounds its result and carries a small reduction forward
    assert found["code"] == [
        {
            "function": f"prefstack.clauses.antidilution.{function.__name__}",
            "sections": ["F §5(d)(iv)"],
            "relation": "section",
            "file": "src/prefstack/clauses/antidilution.py",
            "line": function.__code__.co_firstlineno,
        }
        for function in (antidilution._section_5_d_iv_formula, antidilution._section_5_d_iv_reduce)
    ]
    ids = [i["id"] for i in found["interpretations"]]
    assert {"AD-GREATER-OF", "AD-OUTSTANDING", "AD-ROUND-CENT", "AD-CARRY-FORWARD"} <= set(ids)
    assert ids == sorted(ids)
    tests = {t["test"] for t in found["tests"]}
    assert "tests/clauses/test_antidilution.py::test_carry_forward_two_small_reductions_f_5_d_iv" in tests
    assert all(t["sections"] == ["F §5(d)(iv)"] for t in found["tests"])
    assert found["tests_folder"] == "tests" and found["note"] is None


def test_where_a_section_of_a_certificate_laid_out_alike_finds_the_shared_clause() -> None:
    """Series H's certificate numbers its sections like F and G (its sections.yaml): no function is
    registered under H §5(d)(iv), so `where` gives the one registered under F and G §5(d)(iv),
    saying so, with their interpretations, and the tests marked with H §5(d)(iv) itself."""
    found = where("H §5(d)(iv)", TESTS)
    formula, reduce = found["code"]
    assert formula["function"] == "prefstack.clauses.antidilution._section_5_d_iv_formula"
    assert reduce["function"] == "prefstack.clauses.antidilution._section_5_d_iv_reduce"
    for code in (formula, reduce):
        assert code["sections"] == ["F §5(d)(iv)", "G §5(d)(iv)"]
        assert code["relation"] == "the same section of F (certificates laid out alike share the clause)"
    assert {"AD-ROUND-CENT", "AD-CARRY-FORWARD"} <= {i["id"] for i in found["interpretations"]}
    assert any(t["file"] == "tests/companies/test_series_h_of_a_second_company.py" for t in found["tests"])


def test_where_a_parent_section_lists_the_code_of_its_sub_sections_and_says_which() -> None:
    found = where("F §5(d)", TESTS)
    assert found["sections"][:3] == ["F §5(d)", "F §5(d)(i)", "F §5(d)(i)(A)"]
    assert found["sections"][-1] == "F §5(d)(v)(B)(2)" and len(found["sections"]) == 35
    by_function = {c["function"].rsplit(".", 1)[1]: c for c in found["code"]}
    assert by_function["_section_5_d_iv_formula"]["relation"] == "sub-section"
    assert by_function["_section_5_d_iv_formula"]["sections"] == ["F §5(d)(iv)"]
    assert by_function["conversion_price_history"]["relation"] == "section"
    assert by_function["_section_5_d_iii_readjust"]["sections"] == ["F §5(d)(iii)(B)", "F §5(d)(iii)(C)"]
    assert "_section_5_e_split" not in by_function  # §5(e) is not within §5(d)


def test_where_g_2c_lists_the_blockers() -> None:
    found = where("G §2(c)", TESTS)
    assert [(c["function"], c["sections"]) for c in found["code"]] == [
        ("prefstack.clauses.dividend_blockers.judge_action", ["G §2(c)"]),
        ("prefstack.clauses.dividend_blockers.ratable_parity_dividends", ["G §2(c)"]),
        (
            "prefstack.clauses.dividend_blockers._exception",
            ["G §2(c)(i)", "G §2(c)(ii)", "G §2(c)(iii)", "G §2(c)(iv)"],
        ),
    ]
    assert {"DB-ARREARS", "DB-RATABLE"} <= {i["id"] for i in found["interpretations"]}
    assert "tests/clauses/test_dividend_blockers.py::test_ratable_parity_dividends_g_2c" in {
        t["test"] for t in found["tests"]
    }


def test_where_a_section_without_code_gives_the_enclosing_section_s() -> None:
    found = where("F §5(d)(i)(C)(3)", TESTS)
    assert {c["relation"] for c in found["code"]} == {"enclosing section"}
    assert [c["function"].rsplit(".", 1)[1] for c in found["code"]] == ["_section_5_d_i_c_excluded"]
    assert found["tests"] == []


def test_where_without_a_tests_folder_says_so() -> None:
    found = where("G §2(c)", None)
    assert found["tests"] is None and found["tests_folder"] is None
    assert "no tests folder here" in found["note"]
    assert found["code"]  # the code is still found


def test_the_checkout_is_found_and_an_installed_package_has_no_tests(monkeypatch: pytest.MonkeyPatch) -> None:
    assert clause_registry.default_tests_folder() == TESTS
    monkeypatch.setattr(clause_registry, "repository_root", lambda: None)
    assert clause_registry.default_tests_folder() is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("F §5(d)(vi)", "CITATION 'F §5(d)(vi)': cites a section that the Series F certificate does not have; "
         "close matches: F §5(d)(v), "),
        ("G §2(e)", "close matches: F §2(e), "),
        ("5(d)(iv)", "CITATION '5(d)(iv)': is not a citation"),
        ("F 5(d)(iv)", "close matches: F §5(d)(iv)"),
    ],
)  # fmt: skip
def test_cli_where_refuses_an_unknown_citation_naming_it_and_close_matches(cli, text: str, message: str) -> None:  # type: ignore[no-untyped-def]
    done = cli("where", text, ok=False)
    assert done.returncode == 2
    assert message in done.stderr
    assert done.stdout == ""


def test_cli_where_table_and_json(cli) -> None:  # type: ignore[no-untyped-def]
    formula = antidilution._section_5_d_iv_formula
    table = cli("where", "F §5(d)(iv)").stdout
    assert "Code implementing F §5(d)(iv) (2)" in table  # the formula and its rounding step
    assert "prefstack.clauses.antidilution._section_5_d_iv_formula" in table
    assert f"src/prefstack/clauses/antidilution.py:{formula.__code__.co_firstlineno}" in table
    assert "AD-ROUND-CENT" in table
    assert "test_carry_forward_two_small_reductions_f_5_d_iv" in table
    assert "tests/clauses/test_antidilution.py:" in table
    parent = cli("where", "F §5(d)").stdout
    assert "and its 34 sub-sections (F §5(d)(i) to F §5(d)(v)(B)(2))" in parent
    data = json.loads(cli("where", "G §2(c)", "--format", "json").stdout)
    assert data["citation"] == "G §2(c)" and len(data["code"]) == 3
    refused = cli("where", "F §4", "--format", "csv", ok=False)
    assert refused.returncode == 2 and "--format" in refused.stderr
    missing = cli("where", "F §4", "--tests", "no/such/folder", ok=False)
    assert missing.returncode == 2 and "--tests" in missing.stderr
