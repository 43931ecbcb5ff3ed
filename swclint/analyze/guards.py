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


def mutex_guarded_functions(slither) -> set[tuple[str, str, str]]:
    """(absolute source path, contract, function) of functions protected by a re-entrancy lock.

    Keyed by file too: one compilation can hold two contracts of the same name (a mock beside
    the real one, v1 beside v2), and only the locked one is protected.
    """
    guarded: set[tuple[str, str, str]] = set()
    for contract in slither.contracts:
        path = contract.source_mapping.filename.absolute
        for function in contract.functions:
            if any(_is_mutex(m) for m in function.modifiers):
                guarded.add((path, contract.name, function.name))
    return guarded
