# Two commands do all the set-up on a fresh machine:
#   make demo   the main job end to end on the embedded defaults (sandbox API, local lake; no key)
#   make test   the test suite (starts its own servers on 127.0.0.1); installs every tool it calls
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
# The demo needs dbt (it ends with the league table); the tests need every extra.
DEMO_EXTRAS ?= dbt
TEST_EXTRAS ?= test,dbt,snowflake,dagster
# Debian packages the tests call: headless Chromium (Dagster UI screenshots) and docker-compose 1.29
# (resolves compose/docker-compose.yml without an engine). npm runs the Node tools of package.json.
DEBIAN_TOOLS ?= chromium docker-compose npm
# checkov pins an old boto3: it gets a virtualenv of its own.
CHECKOV_VENV ?= .venv-checkov
CHECKOV_VERSION ?= 3.3.30
# Two pytest workers, one a core. A test file's tests run on one worker (module fixtures are built
# once), the slowest files first; tests/conftest.py orders them and names the files that share one.
PYTEST_XDIST ?= -n 2 --dist loadfile --no-loadscope-reorder

.PHONY: venv demo test unit lint test-needs tools chaos bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# uv installs what pip would, in seconds rather than minutes, with its cache in the clone (the
# installed-wheel tests use the same cache). Unlike pip, uv compiles no bytecode unless asked: with
# PYTHONDONTWRITEBYTECODE set (as on CI), every process of the suite would compile Dagster and dbt
# from source again, a fifth of the suite's time.
UV := UV_CACHE_DIR="$(CURDIR)/.cache/uv" UV_COMPILE_BYTECODE=1 $(BIN)/uv

$(BIN)/uv: | $(BIN)/python
	$(BIN)/python -m pip install --quiet "uv>=0.9,<1"

# Sentinels in the clone: a second `make test` installs nothing unless its inputs changed.
$(VENV)/.installed: pyproject.toml | $(BIN)/uv
	$(UV) pip install --quiet --python $(BIN)/python -e ".[$(TEST_EXTRAS)]"
	touch $@

venv: $(VENV)/.installed

demo: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[$(DEMO_EXTRAS)]"
	$(BIN)/pitchlake demo --data tests/data/api-football

# The Debian packages, installed only when a command is missing; that takes root.
tools:
	@missing=""; \
	for tool in $(DEBIAN_TOOLS); do command -v $$tool >/dev/null 2>&1 || missing="$$missing $$tool"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" != 0 ]; then \
	    echo "make test needs Debian's$$missing: run make test as root, or first: sudo apt-get update && sudo apt-get install -y --no-install-recommends$$missing" >&2; \
	    exit 1; \
	  fi; \
	  echo "apt-get install$$missing"; \
	  apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

# Node tools the tests call (asl-validator, the Compose JSON Schema), pinned by package-lock.json;
# npm ci again whenever the lock file is newer than the installed tree.
node_modules/.package-lock.json: package-lock.json package.json | tools
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(CHECKOV_VENV)/.checkov-$(CHECKOV_VERSION): | $(BIN)/uv
	rm -rf $(CHECKOV_VENV)
	$(PYTHON) -m venv --without-pip $(CHECKOV_VENV)
	$(UV) pip install --quiet --python $(CHECKOV_VENV)/bin/python checkov==$(CHECKOV_VERSION)
	touch $@

# Everything the tests call, installed side by side (downloads and unpacking, mostly).
TEST_NEEDS := $(VENV)/.installed tools node_modules/.package-lock.json $(CHECKOV_VENV)/.checkov-$(CHECKOV_VERSION)

test-needs:
	@$(MAKE) --no-print-directory -j4 --output-sync=target $(TEST_NEEDS)

# dbt and dagster-webserver must be on PATH for dagster-dbt and the webserver test.
test: test-needs lint
	$(BIN)/python -m compileall -q -j 0 core plugins  # the editable install's bytecode, as uv's above
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m pytest $(PYTEST_XDIST) $(PYTEST_ARGS)

# ruff's rules are in pyproject.toml; the suite does not start while they fail.
lint: $(VENV)/.installed
	$(BIN)/ruff check .

# The unit tests alone (UNIT_FILES in tests/conftest.py: no server, no process, no dbt, Dagster or
# Terraform), in under a minute; `make test` runs them with the rest.
unit: venv
	$(BIN)/python -m pytest -m unit $(PYTEST_ARGS)

chaos: venv
	PITCHLAKE_CHAOS_KILLS=30 $(BIN)/python -m pytest -m chaos $(PYTEST_ARGS)

bench: venv
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) $(CHECKOV_VENV) node_modules .cache lake warehouse .pytest_cache
