"""The command line asks every question through the query layer (:class:`prefstack.books.Books`): it
never imports the projection (replay's state, the §5 fold), the builders of answers or documents.
The web service (every module of :mod:`prefstack.web`) is held to the same rule."""

from __future__ import annotations

import ast
from pathlib import Path

import prefstack.cli
import prefstack.web

ALLOWED = {
    "prefstack.ledger.replay": {"Placed"},  # an event as written to the ledger, not the projection
    "prefstack.queries": {"parse_senior", "parse_non_cash"},  # parsers of the command's own inputs
    "prefstack.compliance": {"to_ics"},  # writes deadlines the query layer found as iCalendar
    "prefstack.documents": {"Document", "write", "write_batch"},  # writes the documents it made
    "prefstack.register": {"read_register", "write_register"},  # reads and writes a register's file
    "prefstack.ocf.export": {"IssuerFacts", "check_country"},  # the issuer's facts a package needs
}
PROJECTION = {
    "prefstack.ledger.replay",
    "prefstack.ledger.section5",
    "prefstack.report",
    "prefstack.queries",
    "prefstack.compliance",
    "prefstack.documents",
    "prefstack.documents.kinds",
    "prefstack.documents.charts",
    "prefstack.register",
    "prefstack.ocf.export",
    "prefstack.kernels.waterfall",
}


def _imports(path: Path) -> list[tuple[str, str, int]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module is not None:
            found += [(node.module, alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.Import):
            found += [(alias.name, "*", node.lineno) for alias in node.names]
    return found


def test_the_command_line_reaches_the_projection_only_through_the_query_layer() -> None:
    """cli.py and every module of commands beside it (cli_ocf.py, cli_register.py, cli_scenarios.py)."""
    modules = sorted(Path(prefstack.cli.__file__).parent.glob("cli*.py"))
    assert {m.name for m in modules} >= {"cli.py", "cli_ocf.py", "cli_register.py", "cli_scenarios.py"}
    reaching = [
        f"{path.name} line {line}: from {module} import {name}"
        for path in modules
        for module, name, line in _imports(path)
        if module in PROJECTION and name not in ALLOWED.get(module, set())
    ]
    assert reaching == []


def test_the_web_service_reaches_the_projection_only_through_the_query_layer() -> None:
    modules = sorted(Path(prefstack.web.__file__).parent.glob("*.py"))
    assert {m.name for m in modules} >= {"__init__.py", "access.py", "accounts.py", "app.py"}
    reaching = [
        f"{path.name} line {line}: from {module} import {name}"
        for path in modules
        for module, name, line in _imports(path)
        if (module in PROJECTION and name not in ALLOWED.get(module, set())) or module.startswith("prefstack.clauses")
    ]
    assert reaching == []  # nor the clauses: the schedule's rows come from prefstack.schedules


def test_the_check_finds_an_import_of_the_projection(tmp_path: Path) -> None:
    source = tmp_path / "reader.py"
    source.write_text("def f():\n    from prefstack.ledger.replay import replay, Placed\n", encoding="utf-8")
    assert [(m, n) for m, n, _ in _imports(source) if m in PROJECTION and n not in ALLOWED.get(m, set())] == [
        ("prefstack.ledger.replay", "replay")
    ]
