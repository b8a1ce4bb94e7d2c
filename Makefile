# Everything runs inside .venv, created on first use from the Python 3.11 on PATH.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Every dependency pinned, with hashes: the package's, its [dev] extra's and the build
# backend's (requirements/build.in), for Python 3.11 on Linux x86_64. pyproject.toml keeps
# the ranges that users installing the package get.
LOCK := requirements/lock.txt
PIP_VERSION := 26.3
UV_VERSION := 0.13.9
LOCK_TOOL := $(VENV)/lock-tool

.PHONY: demo test lint format bench clean browser lock

# Installs exactly the lock, then the project itself without resolving anything again.
$(STAMP): $(LOCK) pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet pip==$(PIP_VERSION)
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

# Writes $(LOCK) again from pyproject.toml with uv (installed in $(LOCK_TOOL)): pins already
# in the lock are kept where the ranges allow; UPGRADE=1 takes the newest releases instead.
lock:
	@[ "$$($(LOCK_TOOL)/bin/uv --version 2>/dev/null | cut -d' ' -f2)" = $(UV_VERSION) ] || { \
		$(PYTHON) -m venv $(LOCK_TOOL) && \
		$(LOCK_TOOL)/bin/python -m pip install --quiet uv==$(UV_VERSION); }
	$(LOCK_TOOL)/bin/uv pip compile pyproject.toml requirements/build.in --extra dev \
		--python-version 3.11 --python-platform x86_64-unknown-linux-gnu \
		--generate-hashes --custom-compile-command 'make lock' \
		--quiet --output-file $(LOCK)$(if $(UPGRADE), --upgrade)

# The real import of the Meta sample, through a sandbox server started for the run.
# Exit code 1 only means some sample rows were rejected, as they are meant to be.
demo: $(STAMP)
	$(BIN)/whiteclad-import sample_data/facebook_lead_ads.csv --mapping facebook \
		--campaign "Spring Promo 2026" --sandbox --out whiteclad-reports/demo || [ $$? -eq 1 ]
	@echo "Open whiteclad-reports/demo/ for report.xlsx, accepted.csv, rejected.csv, duplicates.csv, summary.json"

lint: $(STAMP)
	$(BIN)/ruff check importer tests bench
	$(BIN)/ruff format --check importer tests bench
	$(BIN)/mypy importer

format: $(STAMP)
	$(BIN)/ruff format importer tests bench
	$(BIN)/ruff check --fix importer tests bench

# The page's browser tests drive Debian's chromium (no browser download is possible):
# installed here when it is missing.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium; \
		else sudo apt-get update -qq && sudo apt-get install -y -qq chromium; fi; }

test: lint browser
	$(BIN)/pytest

# Figures, not pass/fail: test machines are too noisy for timed tests.
# Set BENCH_FULL=1 to add the 4,000,000-row size.
bench: $(STAMP)
	$(BIN)/python bench/bench_startup.py
	$(BIN)/python bench/bench_dry_run.py
	$(BIN)/python bench/bench_send.py $(or $(BENCH_SEND_ROWS),100000)
	$(BIN)/python bench/bench_review.py
	$(BIN)/python bench/bench_web.py
	$(BIN)/python bench/bench_suppress.py

clean:
	rm -rf $(VENV) whiteclad-reports .pytest_cache .mypy_cache .ruff_cache
