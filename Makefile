# The two commands of the README, each doing all of its own set-up.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

# The console (console/, Node 20.19+ with npm): dependencies from the lockfile,
# rebuilt when its sources change; its browser tests drive Debian's Chromium.
CONSOLE := console
CONSOLE_DEPS := $(CONSOLE)/node_modules/.package-lock.json
CONSOLE_BUILT := $(CONSOLE)/dist/index.html
CONSOLE_SOURCES := $(shell find $(CONSOLE)/src $(CONSOLE)/index.html $(CONSOLE)/vite.config.ts \
	$(CONSOLE)/tsconfig.json $(CONSOLE)/package.json -type f 2>/dev/null)
CHROMIUM ?= /usr/bin/chromium

.PHONY: up test lint typecheck imports unit integration e2e bench bench-catchup bench-clickday bench-idle fuzz chaos clean console console-test

up: $(INSTALLED) $(CONSOLE_BUILT)
	$(BIN)/cascade up

test: $(INSTALLED) lint typecheck imports
	$(BIN)/pytest -q
	$(MAKE) console-test

console: $(CONSOLE_BUILT)

# The client types match the services' OpenAPI documents; Vitest; Playwright journeys.
console-test: $(INSTALLED) $(CONSOLE_BUILT) $(CHROMIUM)
	cd $(CONSOLE) && npm run --silent api:check && npx vitest run && npx playwright test

$(CONSOLE_DEPS): $(CONSOLE)/package-lock.json
	cd $(CONSOLE) && npm ci --no-audit --no-fund
	touch $@

$(CONSOLE_BUILT): $(CONSOLE_DEPS) $(CONSOLE_SOURCES)
	cd $(CONSOLE) && npm run --silent build

# Playwright's own browser download is not used: Debian's Chromium is.
$(CHROMIUM):
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium < /dev/null

PY_SOURCES := cascade shared services tests bench deploy scripts chaos

lint: $(INSTALLED)
	$(BIN)/ruff check $(PY_SOURCES)
	$(BIN)/ruff format --check $(PY_SOURCES)

typecheck: $(INSTALLED)
	$(BIN)/mypy

imports: $(INSTALLED)
	$(BIN)/lint-imports

unit: $(INSTALLED)
	$(BIN)/pytest -q tests/unit

integration: $(INSTALLED)
	$(BIN)/pytest -q tests/integration

e2e: $(INSTALLED)
	$(BIN)/pytest -q tests/e2e

# Schemathesis over the four OpenAPI documents, one token per role, against a
# running stack (`make up` in another terminal).
fuzz: $(INSTALLED)
	$(BIN)/python scripts/fuzz_api.py

# The standing fault suite (docs/RELIABILITY.md) on a stack of its own: each
# service SIGKILLed KILLS times, PostgreSQL stopped POSTGRES times, the broker lost
# BROKER times, consumers paused PAUSES times; SEED replays a run's moments.
KILLS ?= 20
POSTGRES ?= 6
BROKER ?= 4
PAUSES ?= 12
LOAD_SECONDS ?= 3
chaos: $(INSTALLED)
	$(BIN)/python -m chaos --kills $(KILLS) --postgres $(POSTGRES) --broker $(BROKER) \
		--pauses $(PAUSES) --load-seconds $(LOAD_SECONDS) $(if $(SEED),--seed $(SEED))

bench: $(INSTALLED) $(VENV)/.bench-installed
	$(BIN)/python -m bench

# The benchmark's comparison library, installed for `make bench` only.
$(VENV)/.bench-installed: $(INSTALLED)
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[bench]'
	touch $@

bench-catchup: $(INSTALLED)
	$(BIN)/python -m bench.catchup

bench-idle: $(INSTALLED)
	$(BIN)/python -m bench.idle

bench-clickday: $(INSTALLED)
	$(BIN)/python -m bench.clickday

# Reinstall whenever the declared or pinned dependencies change.
$(INSTALLED): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[dev,local]'
	touch $@

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache $(CONSOLE)/node_modules $(CONSOLE)/dist
