# prefstack: the two commands a new user needs are `make run` and `make test`.
# Both set everything up on a fresh machine (virtual environment, packages, and for the
# tests a PostgreSQL server binary) before they do their job.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DB ?= sqlite:///var/prefstack.sqlite

.PHONY: run test lint bench setup postgres system-libs chromium clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m compileall -q src
	touch $(STAMP)

# The main job on the embedded default store (SQLite).
run: $(STAMP)
	@mkdir -p var
	$(BIN)/prefstack run --db $(DB)

# PostgreSQL binaries for the tests (the suite starts its own server on 127.0.0.1).
postgres:
	@scripts/ensure-postgres.sh

# Pango for PDF documents (WeasyPrint).
system-libs:
	@scripts/ensure-system-libs.sh

# Debian's Chromium for the browser tests (Playwright drives it by its path; no browser download).
chromium:
	@scripts/ensure-chromium.sh

# The suite on one pytest worker per CPU this process may run on (its affinity), at most four (pytest-xdist; each
# worker starts its own servers): twice as fast on a 2-core machine. TEST_JOBS=0 runs it in one
# process.
TEST_JOBS ?= $(shell $(PYTHON) -c 'import os; print(max(1, min(4, len(os.sched_getaffinity(0)))))' 2>/dev/null || echo 1)

test: $(STAMP) postgres system-libs chromium
	$(BIN)/ruff check src tests
	$(BIN)/mypy src
	$(BIN)/pytest -n $(TEST_JOBS)

lint: $(STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/mypy src

# Byte-compiled first: each command of the register benchmark is a new process, and one that
# compiles prefstack's modules from source each time (PYTHONDONTWRITEBYTECODE) measures that too.
bench: $(STAMP)
	$(BIN)/python -m compileall -q src
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
