# Quick start: `make run` opens the explorer on the bundled seed; `make test` runs the tests.
PY ?= python3
VENV ?= .venv
BIN = $(VENV)/bin

.PHONY: run test lint install bytecode clean
TYPECHECK = build/typecheck

$(BIN)/watchlist: pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(BIN)/watchlist

# The real followthemoney library, for the tests only (it builds PyICU from source, which needs libicu-dev).
$(VENV)/.interop: $(BIN)/watchlist
	$(BIN)/python -m pip install -q -e '.[interop]' || echo "WARNING: the interop extra (followthemoney: PyICU needs libicu-dev) did not install; tests/test_ftm.py skips its check against the library"
	touch $(VENV)/.interop

install: $(BIN)/watchlist

# The package is installed editable: Python compiles its sources at every start unless their bytecode is written, and
# with PYTHONDONTWRITEBYTECODE set (as on these machines) it never is. compileall writes it whatever that says (it skips
# what is current): each command then starts 0.2 s sooner, and the suite runs about 150 of them.
bytecode: install
	$(BIN)/python -m compileall -q store tui > /dev/null

run: install bytecode
	$(BIN)/watchlist

# Style, format and types. mypy reads the package by its installed names through links: store/ is watchlist.store.
lint: install
	$(BIN)/ruff check store tui tests bench
	$(BIN)/ruff format --check store tui tests bench
	mkdir -p $(TYPECHECK)/watchlist
	ln -sfn ../../../store $(TYPECHECK)/watchlist/store
	ln -sfn ../../../tui $(TYPECHECK)/watchlist/tui
	cd $(TYPECHECK) && ../../$(BIN)/mypy --config-file ../../pyproject.toml -p watchlist.store -p watchlist.tui

# One pytest worker more than cores: several tests wait on other processes (a held lock, a poll) and the extra worker
# uses that time (6 min 46 s instead of 7 min 22 s on 2 cores). Work stealing evens out the end, where a few long tests
# (the rebuild, the FtM library check) would otherwise leave a worker idle (6 min 2 s against 6 min 30 s, session 11).
WORKERS ?= $(shell $(PY) -c "import os; print(len(os.sched_getaffinity(0)) + 1)")

test: install $(VENV)/.interop lint bytecode
	$(BIN)/python -m pytest -n $(WORKERS) --dist worksteal

clean:
	rm -rf $(VENV) $(TYPECHECK) *.egg-info .pytest_cache .ruff_cache
	find store tui tests bench -name __pycache__ -type d -prune -exec rm -rf {} +
