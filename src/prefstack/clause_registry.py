"""Which code implements which section of the certificates, and which tests check it.

Each clause function says what it implements with a decorator::

    @implements("F §5(d)(iv)", "G §5(d)(iv)")
    def _section_5_d_iv_formula(...): ...

The citations are checked by :func:`prefstack.citations.cite` when the module is imported, so a
decorator naming a section the certificate does not have fails at import with a
:class:`~prefstack.errors.CitationError`. The decorator returns the function itself (no wrapper):
a call costs what it cost before.

Tests say what they check with the pytest marker ``@pytest.mark.clause("F §5(d)(iv)")`` (on a
test function or class, or as a module's ``pytestmark``); :func:`marked_tests` reads the markers
by parsing the tests folder with :mod:`ast`, without running or importing anything.

:func:`where` answers ``prefstack where CITATION``: the code, interpretations and tests of a
section and of its sub-sections.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from prefstack.citations import Citation, cite, close_citations, enclosing, section_order, within
from prefstack.errors import CitationError

_F = TypeVar("_F", bound=Callable[..., Any])

IMPLEMENTING_PACKAGES = ("prefstack.clauses",)
"""Packages every module of which may hold decorated clause functions."""
IMPLEMENTING_MODULES = ("prefstack.ledger.section5",)
"""Other modules holding decorated functions."""


@dataclass(frozen=True)
class Implementation:
    """A function registered under one citation."""

    citation: Citation
    module: str
    qualname: str
    file: str
    """The absolute path of the source file."""
    line: int
    """The first line of the definition (its first decorator)."""

    @property
    def function(self) -> str:
        return f"{self.module}.{self.qualname}"


class Registry:
    """Implementations by citation, filled by :meth:`implements` as modules are imported."""

    def __init__(self) -> None:
        self._by_citation: dict[Citation, dict[tuple[str, str], Implementation]] = {}

    def implements(self, *citations: str) -> Callable[[_F], _F]:
        """Register the decorated function under each of ``citations`` (checked now); the
        function is returned unchanged."""
        if not citations:
            raise CitationError("@implements needs at least one citation, e.g. @implements('F §5(d)(iv)')")
        checked = [cite(text) for text in citations]
        repeated = sorted({str(c) for c in checked if checked.count(c) > 1})
        if repeated:
            raise CitationError(f"@implements names {', '.join(repeated)} more than once")

        def register(function: _F) -> _F:
            code = getattr(function, "__code__", None)
            if code is None:
                raise CitationError(f"@implements({', '.join(citations)}) decorates {function!r}, not a function")
            for citation in checked:
                entry = Implementation(
                    citation, function.__module__, function.__qualname__, code.co_filename, code.co_firstlineno
                )
                # keyed by name: re-importing a module replaces its entries rather than doubling them
                self._by_citation.setdefault(citation, {})[(entry.module, entry.qualname)] = entry
            return function

        return register

    def citations(self) -> list[Citation]:
        """Every citation some function is registered under, in the certificates' order."""
        return sorted(self._by_citation, key=section_order)

    def of(self, citation: Citation) -> list[Implementation]:
        """The functions registered under ``citation``, by file and line."""
        return sorted(self._by_citation.get(citation, {}).values(), key=lambda i: (i.file, i.line))

    def entries(self) -> Iterator[Implementation]:
        for citation in self.citations():
            yield from self.of(citation)


REGISTRY = Registry()
"""The registry the clause modules fill."""

implements = REGISTRY.implements


def load() -> Registry:
    """Import every module that holds clause functions, so that :data:`REGISTRY` is complete."""
    for name in IMPLEMENTING_PACKAGES:
        package = importlib.import_module(name)
        for info in pkgutil.iter_modules(package.__path__, prefix=f"{name}."):
            importlib.import_module(info.name)
    for name in IMPLEMENTING_MODULES:
        importlib.import_module(name)
    return REGISTRY


# ----------------------------------------------------------------------------- tests


@dataclass(frozen=True)
class MarkedTest:
    """A test (function, class or whole module) marked ``@pytest.mark.clause(...)``."""

    nodeid: str
    """``path::name`` as pytest writes it, the path relative to the folder above the tests folder."""
    file: Path
    line: int
    """The first line of the definition (its first decorator)."""
    citations: tuple[Citation, ...]


def repository_root() -> Path | None:
    """The checkout this package runs from (``src/prefstack`` inside it), or None when installed."""
    root = Path(__file__).resolve().parents[2]
    if (root / "pyproject.toml").is_file() and (root / "src" / "prefstack").is_dir():
        return root
    return None


def default_tests_folder() -> Path | None:
    """The checkout's ``tests`` folder, or None (an installed package ships no tests)."""
    root = repository_root()
    if root is None or not (root / "tests").is_dir():
        return None
    return root / "tests"


def _is_clause_marker(node: ast.expr) -> bool:
    """``pytest.mark.clause`` or ``mark.clause``."""
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "clause"
        and (
            (isinstance(node.value, ast.Attribute) and node.value.attr == "mark")
            or (isinstance(node.value, ast.Name) and node.value.id == "mark")
        )
    )


def _marker_citations(node: ast.expr, where: str) -> list[Citation]:
    """The citations of every clause marker in ``node`` (a decorator or a ``pytestmark`` value)."""
    markers = node.elts if isinstance(node, (ast.List, ast.Tuple)) else [node]
    found: list[Citation] = []
    for marker in markers:
        if not (isinstance(marker, ast.Call) and _is_clause_marker(marker.func)):
            continue
        if not marker.args or marker.keywords:
            raise CitationError(f"{where}: @pytest.mark.clause takes one or more citations and nothing else")
        for arg in marker.args:
            if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
                raise CitationError(f"{where}: @pytest.mark.clause takes citations written as strings")
            try:
                found.append(cite(arg.value))
            except CitationError as exc:
                raise CitationError(f"{where}: {exc}") from exc
    return found


def _marked_in(tree: ast.Module, path: Path, nodeid: str) -> Iterator[MarkedTest]:
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "pytestmark" for t in node.targets
        ):
            cited = _marker_citations(node.value, f"{path}:{node.lineno}")
            if cited:
                yield MarkedTest(nodeid, path, node.lineno, tuple(cited))
    stack: list[tuple[str, ast.stmt]] = [(nodeid, n) for n in tree.body]
    while stack:
        prefix, node = stack.pop(0)
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        cited = [c for d in node.decorator_list for c in _marker_citations(d, f"{path}:{d.lineno}")]
        if cited:
            first = min([d.lineno for d in node.decorator_list] + [node.lineno])
            yield MarkedTest(f"{prefix}::{node.name}", path, first, tuple(dict.fromkeys(cited)))
        if isinstance(node, ast.ClassDef):
            stack[:0] = [(f"{prefix}::{node.name}", n) for n in node.body]


def marked_tests(folder: Path) -> list[MarkedTest]:
    """Every test under ``folder`` (files ``test_*.py``) marked with the sections it checks.

    Raises :class:`CitationError` naming the file and line of a marker whose citation is wrong."""
    found: list[MarkedTest] = []
    base = folder.parent
    for path in sorted(folder.rglob("test_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        found.extend(_marked_in(tree, path, path.relative_to(base).as_posix()))
    return found


# ----------------------------------------------------------------------------- where


def parse_citation(text: str) -> Citation:
    """``text`` as a citation, or a :class:`CitationError` naming it, with the close matches."""
    try:
        return cite(text)
    except CitationError as exc:
        near = close_citations(text)
        hint = f"; close matches: {', '.join(near)}" if near else ""
        raise CitationError(f"CITATION {text!r}: {_reason(exc, text)}{hint}") from exc


def _reason(exc: CitationError, text: str) -> str:
    message = str(exc)
    prefix = f"{text!r} "
    return message[len(prefix) :] if message.startswith(prefix) else message


def _shown_path(file: str | Path) -> str:
    """A source file's path relative to the checkout (or to the installed package's folder)."""
    path = Path(file).resolve()
    for base in (repository_root(), Path(__file__).resolve().parents[1]):
        if base is not None and path.is_relative_to(base):
            return path.relative_to(base).as_posix()
    return path.as_posix()


def _relation(found: list[Citation], asked: Citation) -> str:
    """How the sections a function is registered under stand to the section asked for."""
    if asked in found:
        return "section"
    if found[0].doc != asked.doc:
        return f"the same section of {found[0].doc} (certificates laid out alike share the clause)"
    return "sub-section" if found[0].section.startswith(asked.section + "(") else "enclosing section"


def _alike(registry_: Registry, covered: list[Citation]) -> list[Citation]:
    """The same sections of the other certificates with code registered: a certificate laid out like
    them (its sections.yaml numbers its sections alike, as Series H's follows F and G) is served by
    the clauses registered under theirs."""
    sections = {c.section for c in covered}
    return [c for c in registry_.citations() if c.section in sections and c.doc != covered[0].doc]


def where(text: str, tests_folder: Path | None) -> dict[str, Any]:
    """The code, interpretations and tests of the section ``text`` and of its sub-sections.

    When no code is registered under the section or its sub-sections, the code of the nearest
    enclosing section that has some is given (relation ``enclosing section``). ``tests_folder``
    None: the tests are not searched (``tests`` is None and ``note`` says why)."""
    from prefstack.interpretations import registry

    asked = parse_citation(text)
    covered = within(asked)
    wanted = set(covered)
    registry_ = load()
    code_sections = [c for c in covered if registry_.of(c)]
    if not code_sections:
        code_sections = _alike(registry_, covered)
    if not code_sections:
        code_sections = next(([c] for c in enclosing(asked) if registry_.of(c)), [])
    grouped: dict[tuple[str, str], tuple[Implementation, list[Citation]]] = {}
    for citation in code_sections:
        for entry in registry_.of(citation):
            grouped.setdefault((entry.module, entry.qualname), (entry, []))[1].append(citation)
    code = [
        {
            "function": entry.function,
            "sections": [str(c) for c in sections],
            "relation": _relation(sections, asked),
            "file": _shown_path(entry.file),
            "line": entry.line,
        }
        for entry, sections in grouped.values()
    ]
    readings = sorted(registry().values(), key=lambda i: i.id)
    if not any(cite(c) in wanted for i in readings for c in i.clauses):
        wanted_readings = {c for c in code_sections if c.doc != asked.doc} | set(covered)
    else:
        wanted_readings = wanted
    interpretations = [
        {"id": i.id, "sections": [c for c in i.clauses if cite(c) in wanted_readings], "question": i.question}
        for i in readings
        if any(cite(c) in wanted_readings for c in i.clauses)
    ]
    tests: list[dict[str, Any]] | None = None
    note = None
    if tests_folder is None:
        note = "no tests folder here (an installed package has none): run `prefstack where` in a checkout to see tests"
    else:
        tests = [
            {
                "sections": [str(c) for c in sorted(set(t.citations) & wanted, key=section_order)],
                "test": t.nodeid,
                "file": _shown_path(t.file),
                "line": t.line,
            }
            for t in marked_tests(tests_folder)
            if wanted & set(t.citations)
        ]
    return {
        "citation": str(asked),
        "certificate": asked.title,
        "sections": [str(c) for c in covered],
        "code": code,
        "interpretations": interpretations,
        "tests": tests,
        "tests_folder": None if tests_folder is None else _shown_path(tests_folder),
        "note": note,
    }
