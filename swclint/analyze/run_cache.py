"""Memoised facts about one Slither run's objects, emptied when the run ends.

An `lru_cache` keyed by a Slither `Function` or `StateVariable` keeps that object, and through it the
whole compilation unit's IR, alive for as long as the entry stays. A worker that analyses many
files in turn would carry every earlier file's IR; `clear_run_caches()` (called when a Slither run
ends) lets it go.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import TypeVar

F = TypeVar("F", bound=Callable)
_CACHES: list = []


def run_cache(maxsize: int = 4096) -> Callable[[F], F]:
    """`functools.lru_cache` for facts about the current Slither run's objects."""

    def wrap(function: F) -> F:
        cached = lru_cache(maxsize=maxsize)(function)
        _CACHES.append(cached)
        return cached  # type: ignore[return-value]

    return wrap


def clear_run_caches() -> None:
    for cached in _CACHES:
        cached.cache_clear()
