# Two commands matter: `make run` and `make test`. Both set up .venv on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# Keep Prefect's state inside the project and its output quiet, unless the user chose otherwise.
export PREFECT_HOME ?= $(CURDIR)/.prefect
export PREFECT_SERVER_ANALYTICS_ENABLED ?= false

# The pinned dependencies (every version, with hashes) that make run, make test and CI install;
# pyproject.toml keeps ranges for people who install the package. `make lock` refreshes it.
# The lock is complete (every platform's every dependency), so pip installs it with --no-deps and
# resolves nothing: pip's resolver otherwise looks past a pin at an extra's range (prefect needs
# httpx[http2]) as soon as the index has a newer release, and --require-hashes refuses the install.
LOCK := requirements.lock
LOCK_TOOLS := .lock-tools
UV_VERSION := 0.13.9

.PHONY: run test browser lint bench clean lock

$(STAMP): $(LOCK) pyproject.toml
	$(PYTHON) -m venv $(VENV)
	@echo "Installing the pinned dependencies of $(LOCK) into $(VENV)"
	$(BIN)/python -m pip install -qq --no-deps --require-hashes -r $(LOCK)
	$(BIN)/python -m pip check -q
	$(BIN)/python -m pip install -qq --no-deps -e .
	touch $(STAMP)

# Resolve pyproject.toml's ranges (the test extra included) to pinned versions with hashes, for
# every platform, with uv (installed into $(LOCK_TOOLS), at a pinned version). Needs the package index.
lock:
	@[ -x $(LOCK_TOOLS)/bin/uv ] || { $(PYTHON) -m venv $(LOCK_TOOLS) && $(LOCK_TOOLS)/bin/python -m pip install -qq 'uv==$(UV_VERSION)'; }
	$(LOCK_TOOLS)/bin/uv pip compile pyproject.toml --extra test --generate-hashes --universal --python-version 3.11 \
	  --custom-compile-command 'make lock' -o $(LOCK)

run: $(STAMP)
	$(BIN)/factflow run --config config/factflow.yaml --seeds seeds --out .

# Two pytest-xdist workers: most slow tests wait on servers and child processes, so two keep two
# cores busy (tests/conftest.py keeps tests that share a desk or a server on one worker).
test: $(STAMP) browser
	$(BIN)/python -m pytest -n 2

# The HTML report is checked in headless Chromium; install Debian's package when it is missing
# and we may (root with apt-get); otherwise that one test skips and says why.
browser:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
	  echo "Installing Debian's chromium package (apt-get install chromium, about 100 MB) for the browser tests..." && \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) || \
	  echo "chromium not installed: the browser tests will skip"; }

lint: $(STAMP)
	$(BIN)/ruff check factflow flows tests bench
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python bench/checkworthiness.py ../shared/data/checkworthy/dev.tsv ../shared/data/checkworthy/dev-test.tsv

clean:
	rm -rf $(VENV) $(LOCK_TOOLS) .prefect .pytest_cache .mypy_cache .ruff_cache
