# Overture: every target bootstraps its own environment on a fresh machine.
# The only prerequisite is python3 (3.11+) with venv.

VENV := .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
RUN := $(UV) run --locked --no-sync
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: help setup test lint format typecheck pytest bench demo clean

help: ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

$(PY):
	python3 -m venv $(VENV)

$(UV): | $(PY)
	$(PY) -m pip install --quiet "uv==0.13.9"

$(VENV)/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --locked
	@touch $@

setup: $(VENV)/.synced ## create .venv and install locked dependencies

lint: setup ## ruff lint and format check
	$(RUN) ruff check src tests bench
	$(RUN) ruff format --check src tests bench

format: setup ## apply ruff fixes and formatting
	$(RUN) ruff check --fix src tests bench
	$(RUN) ruff format src tests bench

typecheck: setup ## pyright strict over src, tests and bench
	$(RUN) pyright

pytest: setup ## tests with branch coverage (gate: 90%)
	rm -f .coverage .coverage.*
	$(RUN) pytest --cov --cov-branch --cov-report=term -q

test: lint typecheck pytest ## everything CI runs

bench: setup ## speed and memory benchmarks, results in bench/results/
	$(RUN) python -m bench $(ONLY)

demo: setup ## the flagship newsletter objective on the simulator, offline
	$(RUN) overture demo $(ARGS)

clean: ## remove the environment and caches
	rm -rf $(VENV) .pytest_cache .ruff_cache .coverage .coverage.* htmlcov
