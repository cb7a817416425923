# Two commands do all the set-up on a fresh machine:
#   make demo   the main job end to end on the embedded defaults (sandbox API, local lake; no key)
#   make test   the test suite (starts its own servers on 127.0.0.1)
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
EXTRAS ?= test

.PHONY: venv demo test bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

venv: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[$(EXTRAS)]"

demo: venv
	$(BIN)/pitchlake demo --data tests/data/api-football

test: venv
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: venv
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) lake warehouse .pytest_cache
