"""Memoised facts about one Slither run's objects, emptied when the run ends.

An `lru_cache` keyed by a Slither `Function` or `StateVariable` keeps that object, and through it the
whole compilation unit's IR, alive for as long as the entry stays. A worker that analyses many
files in turn would carry every earlier file's IR; `clear_run_caches()` (called when a Slither run
ends) lets it go.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import NamedTuple, TypeVar

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


class _Size(NamedTuple):
    currsize: int  # what `lru_cache`'s cache_info() reports as the number of entries kept


class _Cycle:
    active: set = set()
    cut = False  # a call in the current computation was cut short by recursion


def recursive_run_cache(default) -> Callable[[F], F]:
    """`run_cache` for a fact about a function that may ask the same fact about itself through its
    callees (recursive helpers): a call that comes back to a question still being answered gets
    `default`, and an answer computed while some call was cut short that way is not kept, so no
    answer depends on which function was asked first."""

    def wrap(function: F) -> F:
        answers: dict = {}

        def cached(arg):
            if arg in answers:
                return answers[arg]
            key = (function, arg)
            if key in _Cycle.active:
                _Cycle.cut = True
                return default
            outer_cut, _Cycle.cut = _Cycle.cut, False
            _Cycle.active.add(key)
            try:
                answer = function(arg)
            finally:
                _Cycle.active.discard(key)
            if not _Cycle.cut:
                answers[arg] = answer
            _Cycle.cut = outer_cut or _Cycle.cut
            return answer

        cached.cache_clear = answers.clear  # type: ignore[attr-defined]
        cached.cache_info = lambda: _Size(len(answers))  # type: ignore[attr-defined]
        _CACHES.append(cached)
        return cached  # type: ignore[return-value]

    return wrap
