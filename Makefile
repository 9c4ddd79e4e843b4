# The two commands of the README, each doing all of its own set-up.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: up test lint typecheck imports unit integration e2e bench clean

up: $(INSTALLED)
	$(BIN)/cascade up

test: $(INSTALLED) lint typecheck imports
	$(BIN)/pytest -q

lint: $(INSTALLED)
	$(BIN)/ruff check cascade shared services tests bench deploy

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

bench: $(INSTALLED) $(VENV)/.bench-installed
	$(BIN)/python -m bench

# The benchmark's comparison library, installed for `make bench` only.
$(VENV)/.bench-installed: $(INSTALLED)
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[bench]'
	touch $@

# Reinstall whenever the declared or pinned dependencies change.
$(INSTALLED): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[dev,local]'
	touch $@

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
