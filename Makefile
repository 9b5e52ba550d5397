# payhub — two commands: `make run` and `make test`.
PYTHON ?= python3.11
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
STAMP  := $(VENV)/.installed

.PHONY: run test install services lint typecheck check bench clean client

$(VENV)/bin/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "need $(PYTHON) (Python >= 3.11)"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(VENV)/bin/python
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e '.[dev,aws,otel,events]' --config-settings editable_mode=compat
	$(PIP) install --quiet -e clients/python --config-settings editable_mode=compat
	@touch $(STAMP)

install: $(STAMP)

## make run: the embedded default (SQLite ./payhub.db, local key file, in-process jobs, `sandbox` simulator account)
run: $(STAMP)
	$(VENV)/bin/payhub serve

## make services: make sure PostgreSQL and Redis are up (starts them if not)
services:
	@bash scripts/ensure-services.sh

## make test: the whole suite on SQLite AND PostgreSQL (+ Redis), then lint and types
test: $(STAMP) services
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/pytest -q

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(STAMP)
	$(VENV)/bin/mypy

## make client: regenerate clients/python from the OpenAPI document (docs/api.md)
client: $(STAMP)
	$(PY) -m hub.api.openapi > clients/python/openapi.json
	cd clients/python && PATH="$(abspath $(VENV))/bin:$$PATH" openapi-python-client generate --path openapi.json \
		--meta none --output-path payhub_client/_generated --overwrite --fail-on-warning --config generator.yaml

bench: $(STAMP) services
	$(PY) -m benchmarks.run

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build *.egg-info
