# Two commands matter: `make run` and `make test`. Both set up .venv on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# Keep Prefect's state inside the project and its output quiet, unless the user chose otherwise.
export PREFECT_HOME ?= $(CURDIR)/.prefect
export PREFECT_SERVER_ANALYTICS_ENABLED ?= false

.PHONY: run test browser lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -qq -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/factflow run --config config/factflow.yaml --seeds seeds --out .

test: $(STAMP) browser
	$(BIN)/python -m pytest

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
	rm -rf $(VENV) .prefect .pytest_cache .mypy_cache .ruff_cache
