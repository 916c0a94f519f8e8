# The README's commands. `make run` and `make test` each set up everything they
# need on a fresh machine with Python 3.11 (a virtualenv in .venv).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
export DAGSTER_HOME := $(CURDIR)/.dagster_home

.PHONY: setup run test dev bench docs clean dashboard catalog

$(BIN)/.installed: pyproject.toml setup.py
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	$(BIN)/python -m customer_usage.dbt.project
	touch $@

setup: $(BIN)/.installed

## Generate demo data (when no landing folder is given), materialize every asset on DuckDB, print where to look.
run: setup
	$(BIN)/customer-usage run

## The whole test suite, exactly as CI runs it.
test: setup
	$(BIN)/python -m customer_usage.dbt.project
	$(BIN)/pytest

## The Dagster UI and daemon (sensors, automation) on http://127.0.0.1:3000.
dev: setup
	$(BIN)/dagster dev -w workspace.yaml -h 127.0.0.1 -p 3000

## Benchmarks, ratios measured side by side in one run (SCALE=demo|small|medium|large).
SCALE ?= demo
bench: setup
	$(BIN)/python -m benchmarks.run --scale $(SCALE)

## Regenerate the generated documentation (ERD, metrics, integration challenges).
docs: setup
	$(BIN)/customer-usage docs --demo

## The self-service dashboard (Customer 360, usage trends, integration health) on http://127.0.0.1:8501.
dashboard: setup
	$(BIN)/customer-usage dashboard

## The data catalog (dbt docs of the warehouse: models, columns, tests, lineage) on http://127.0.0.1:8580.
catalog: setup
	$(BIN)/customer-usage catalog

clean:
	rm -rf data .dagster_home/storage .dagster_home/history .dagster_home/schedules .dagster_home/logs dbt_project/target
