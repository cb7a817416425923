# Two commands do all the set-up on a fresh machine:
#   make demo   the main job end to end on the embedded defaults (sandbox API, local lake; no key)
#   make test   the test suite (starts its own servers on 127.0.0.1)
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
# The demo needs dbt (it ends with the league table); the tests need every extra.
DEMO_EXTRAS ?= dbt
TEST_EXTRAS ?= test,dbt,snowflake,dagster

.PHONY: venv demo test chaos bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

venv: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[$(TEST_EXTRAS)]"

demo: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[$(DEMO_EXTRAS)]"
	$(BIN)/pitchlake demo --data tests/data/api-football

# dbt and dagster-webserver must be on PATH for dagster-dbt and the webserver test.
test: venv
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m pytest $(PYTEST_ARGS)

chaos: venv
	PITCHLAKE_CHAOS_KILLS=30 $(BIN)/python -m pytest -m chaos $(PYTEST_ARGS)

bench: venv
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) lake warehouse .pytest_cache
