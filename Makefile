# Two commands on a fresh machine: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# `make run PORT=3501` (or HOST=...) listens there; unset, OMNIDESK_HOST/PORT or 127.0.0.1:3000 hold.
HOST ?=
PORT ?=
ADDRESS := $(if $(HOST),OMNIDESK_HOST=$(HOST)) $(if $(PORT),OMNIDESK_PORT=$(PORT))

.PHONY: run test test-sqlite test-postgres check install demo clean sdk

# The venv is rebuilt when pyproject.toml changes; the stamps say what was installed into it.
$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed-run

# Rocket.Chat's published livechat SDK, for the end-to-end test in tests/sdk (needs Node 20+ and npm).
SDK := tests/sdk
$(SDK)/node_modules/.installed: $(SDK)/package.json $(SDK)/package-lock.json
	cd $(SDK) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

sdk: $(SDK)/node_modules/.installed

# Biome, the linter and formatter of the browser scripts (omnidesk/web/static/*.js), pinned in package.json.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV)/.installed-run

# Migrate the SQLite file in this directory, create a first admin if there is none, and serve.
run: $(VENV)/.installed-run
	$(BIN)/omnidesk migrate
	$(ADDRESS) $(BIN)/omnidesk createadmin --if-none --username admin --email admin@example.com --name Administrator
	$(ADDRESS) $(BIN)/omnidesk serve

demo: $(VENV)/.installed-run
	$(BIN)/omnidesk demo

# The whole suite on SQLite, then on PostgreSQL when OMNIDESK_TEST_DATABASE_URL names one
# (.ci/run always does, and a PostgreSQL it cannot reach fails the run), then the linters.
test: $(VENV)/.installed-test test-sqlite test-postgres check

# Compiled modules (and pytest's rewritten test modules) are kept between runs, in the venv: every
# parallel worker would otherwise compile them all again (a few seconds each), even where the
# environment says PYTHONDONTWRITEBYTECODE.
test-sqlite test-postgres check: export PYTHONDONTWRITEBYTECODE =
test-sqlite test-postgres check: export PYTHONPYCACHEPREFIX = $(CURDIR)/$(VENV)/pycache

test-sqlite: $(VENV)/.installed-test $(SDK)/node_modules/.installed
	OMNIDESK_TEST_DATABASE_URL= $(BIN)/pytest

test-postgres: $(VENV)/.installed-test $(SDK)/node_modules/.installed
	@if [ -n "$$OMNIDESK_TEST_DATABASE_URL" ]; then \
		echo "== the suite on PostgreSQL"; $(BIN)/pytest; \
	else \
		echo "== OMNIDESK_TEST_DATABASE_URL is not set: PostgreSQL run skipped (CI sets it)"; \
	fi

check: $(VENV)/.installed-test node_modules/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	npx --no-install biome check omnidesk/web/static

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache $(SDK)/node_modules node_modules
