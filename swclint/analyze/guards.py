"""Facts about a compiled program that refine Slither's verdicts (e.g. re-entrancy mutexes)."""

from __future__ import annotations


def _is_mutex(modifier) -> bool:
    """A modifier that checks a bool state variable, sets it, runs the body, and resets it."""
    from slither.core.cfg.node import NodeType

    written_before: set = set()
    written_after: set = set()
    read_in_check: set = set()
    seen_placeholder = False
    for node in modifier.nodes:
        if node.type == NodeType.PLACEHOLDER:
            seen_placeholder = True
            continue
        bools = {v for v in node.state_variables_written if str(v.type) in ("bool", "uint256", "uint8")}
        (written_after if seen_placeholder else written_before).update(bools)
        if node.contains_require_or_assert() or node.contains_if():
            read_in_check.update(node.state_variables_read)
    return bool(written_before & written_after & read_in_check)


def mutex_guarded_functions(slither) -> set[tuple[str, str]]:
    """(contract, function) pairs protected by a re-entrancy lock modifier."""
    guarded: set[tuple[str, str]] = set()
    for contract in slither.contracts:
        for function in contract.functions:
            if any(_is_mutex(m) for m in function.modifiers):
                guarded.add((contract.name, function.name))
    return guarded
