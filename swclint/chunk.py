"""The unit of code review: one function or modifier and the context around it.

`analyze/chunks.py` cuts chunks out of source, `analyze/patterns.py` reads them, `llm/prompt.py`
renders them for the model, and `dataset/` and `trainer/` store them; all import this module, which
imports nothing from swclint, so none of them depends on another to get the type.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Chunk:
    """One function or modifier with the context the linter adds around it."""

    source: str  # the function/modifier source, exactly as written
    contract: str = ""
    function: str = ""  # name; "constructor", "fallback", "receive" or the modifier name
    kind: str = "function"  # "function" | "modifier" | "constructor" | "fallback" | "receive"
    pragma: str = ""  # e.g. "pragma solidity ^0.4.24;"
    state_vars: tuple[str, ...] = ()  # declarations of the state variables the function touches
    modifiers: tuple[str, ...] = ()  # sources of the modifiers the function uses
    path: str = ""
    start_line: int = 0
    end_line: int = 0
    start_col: int = 0
    end_col: int = 0
    meta: dict = field(default_factory=dict, compare=False, hash=False)
