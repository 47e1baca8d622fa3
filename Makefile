# The README's two commands: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint fixtures

$(BIN)/bisect: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,ray]'
	touch $@

fixtures: $(BIN)/bisect
	@$(BIN)/python scripts/engine.py --required
	$(BIN)/python tests/fixtures/build_images.py

demo: fixtures
	$(BIN)/bisect run matrices/demo.yaml

# Without an engine the unit tests still run and the integration tests fail once, saying how to get one.
test: $(BIN)/bisect
	@$(BIN)/python scripts/engine.py
	$(BIN)/pytest

lint: $(BIN)/bisect
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
