"""`recursive_run_cache`: a fact about a function that asks the same fact about its callees."""

from __future__ import annotations

from swclint.analyze.run_cache import clear_run_caches, recursive_run_cache

CALLS = {"f": ["g"], "g": ["f"], "h": [], "k": ["h"]}  # f and g call each other
LEAVES = {"h"}


@recursive_run_cache(default=False)
def reaches_leaf(name: str) -> bool:
    return name in LEAVES or any(reaches_leaf(callee) for callee in CALLS[name])


def test_a_cycle_gets_the_default_and_ends() -> None:
    clear_run_caches()
    assert reaches_leaf("f") is False
    assert reaches_leaf("k") is True


def test_an_answer_cut_short_by_a_cycle_is_not_kept() -> None:
    clear_run_caches()
    CALLS["g"] = ["f", "h"]  # now g reaches the leaf; f through g
    try:
        assert reaches_leaf("f") is True
        # g was first asked inside f's question, where f's own answer was cut to the default
        assert reaches_leaf.cache_info().currsize == 1  # only h: f and g depended on a cut answer
        assert reaches_leaf("g") is True
    finally:
        CALLS["g"] = ["f"]
        clear_run_caches()


def test_answers_outside_a_cycle_are_kept_and_cleared_with_the_run() -> None:
    clear_run_caches()
    assert reaches_leaf("k") is True
    assert reaches_leaf.cache_info().currsize == 2
    clear_run_caches()
    assert reaches_leaf.cache_info().currsize == 0
