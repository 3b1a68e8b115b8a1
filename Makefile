# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-fast lint format bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/cstui demo $(ARGS)

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 -q

# The inner loop: everything but the tests marked slow (subprocess, multi-process, kill
# and long Pilot sessions). `make test` still runs them all.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -n 2 -q -m "not slow"

lint: $(STAMP)
	$(BIN)/ruff check cstui tests bench
	$(BIN)/ruff format --check cstui tests bench
	$(BIN)/mypy cstui tests
	$(BIN)/lint-imports --no-cache

format: $(STAMP)
	$(BIN)/ruff format cstui tests bench
	$(BIN)/ruff check --fix cstui tests bench

bench: $(STAMP)
	@for b in bench/*.py; do case $$b in */_*) continue;; esac; echo "== $$b"; $(BIN)/python $$b $(ARGS) || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
