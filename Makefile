# One-command set-up: every target creates and fills the virtualenv first when needed.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test lint bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

## Run the bundled scenario end to end; results in runs/demo
demo: $(STAMP)
	$(BIN)/paretoplan demo --out runs/demo

## Lint, then run the whole test suite
test: $(STAMP)
	$(BIN)/ruff check .
	MPLBACKEND=Agg $(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf runs .pytest_cache .ruff_cache
