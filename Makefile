# Quick start: `make run` opens the explorer on the bundled seed; `make test` runs the tests.
PY ?= python3
VENV ?= .venv
BIN = $(VENV)/bin

.PHONY: run test lint install clean

$(BIN)/watchlist: pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test,interop]'
	touch $(BIN)/watchlist

install: $(BIN)/watchlist

run: install
	$(BIN)/watchlist

test: install
	$(BIN)/ruff check store tui tests bench
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .ruff_cache
