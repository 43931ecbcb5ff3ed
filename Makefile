# Two entry points: `make demo` and `make test`. Both set everything up first (idempotent).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# The CPU build of torch; users with GPUs install their own before `pip install swclint[llm]`.
TORCH_PIN ?= torch==2.13.0
# solc versions the examples and tests compile with (solc-js from npm when no native solc exists).
SOLC_VERSIONS ?= 0.4.26 0.5.17 0.6.12 0.7.6 0.8.26
PYTEST_ARGS ?=

.PHONY: setup demo test lint model solc clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q "$(TORCH_PIN)"
	$(BIN)/pip install -q -e ".[train,dev]"
	touch $@

solc: $(VENV)/.installed
	$(BIN)/swclint solc install $(SOLC_VERSIONS)

model: $(VENV)/.installed
	$(BIN)/python -m swclint.llm

setup: $(VENV)/.installed solc model

demo: setup
	$(BIN)/swclint examples/contracts --fail-on none

lint: $(VENV)/.installed
	$(BIN)/ruff check .

test: setup lint
	$(BIN)/pytest -q -p no:cacheprovider $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
