PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/archiver demo --out demo-archive

test: $(STAMP)
	$(BIN)/ruff check archiver spiders storage tests benchmarks
	$(BIN)/mypy
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check archiver spiders storage tests benchmarks
	$(BIN)/ruff format --check archiver spiders storage tests benchmarks
	$(BIN)/mypy

clean:
	rm -rf $(VENV) demo-archive .pytest_cache .mypy_cache
