"""swclint: a Solidity security linter with SWC-tagged findings and a fine-tuned LLM backend."""

__version__ = "0.1.0"
