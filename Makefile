# Two entry points: `make demo` and `make test`. Both set everything up first (idempotent).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# The CPU build of torch; users with GPUs install their own before `pip install swclint[llm]`.
TORCH_PIN ?= torch==2.13.0
# solc versions the examples and tests compile with (solc-js from npm when no native solc exists);
# 0.4.7, 0.4.1 and 0.3.6 are the legacy fallback for old code later releases reject (tests/test_legacy_compilers.py).
SOLC_VERSIONS ?= 0.4.26 0.5.17 0.6.12 0.7.6 0.8.26 0.4.7 0.4.1 0.3.6
PYTEST_ARGS ?=

.PHONY: setup demo test lint model solc clean gpu-check openai-e2e

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

# The GPU path (4-bit NF4 QLoRA, bf16, FlashAttention 2, export, 4-bit hf inference) on gemma-3-270m;
# on a machine without CUDA it says so and exits 0.
gpu-check: $(VENV)/.installed
	$(BIN)/python scripts/gpu_check.py

# `--backend openai` against a real OpenAI-compatible server on 127.0.0.1: llama-cpp-python's server
# on the embedded GGUF base. Opt-in: PyPI has only its source, and building it takes a while.
LLAMA_VENV ?= $(HOME)/.cache/swclint/llama-venv
LLAMA_CPP_PIN ?= llama-cpp-python[server]==0.3.36
$(LLAMA_VENV)/.installed:
	$(PYTHON) -m venv $(LLAMA_VENV)
	CMAKE_BUILD_PARALLEL_LEVEL=$$(nproc) $(LLAMA_VENV)/bin/pip install -q "$(LLAMA_CPP_PIN)"
	touch $@

openai-e2e: setup $(LLAMA_VENV)/.installed
	SWCLINT_LLAMA_PYTHON=$(LLAMA_VENV)/bin/python $(BIN)/pytest -q -p no:cacheprovider -s tests/test_openai_e2e.py
