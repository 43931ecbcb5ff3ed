"""Re-entrancy locks, recognised by what a modifier does, never by its name.

The single home of lock detection: the mutex filter on Slither's SWC-107 findings
(`mutex_guarded_functions`, on Slither's IR) and the source-level prefilter in `patterns.py`
(`is_lock_source`, on a modifier's text) both decide here. A lock is a modifier that checks a state
variable before `_;`, writes it before `_;` and writes it again after: `require(!locked);
locked = true; _; locked = false;`, OpenZeppelin's `_status` or its before/after helper calls.
"""

from __future__ import annotations

import re


def _node_effects(node) -> tuple[set, set]:
    """(state written, state read in a check) by a node, through the internal calls it makes. A check
    is a require, an `if`, or a call to a helper that reverts unless its flag holds (`_require`)."""
    from swclint.detectors.ir import is_guard_node

    written = set(node.state_variables_written)
    checked = set(node.state_variables_read) if is_guard_node(node) else set()
    for call in node.internal_calls:
        callee = getattr(call, "function", call)
        if not hasattr(callee, "nodes"):
            continue  # a Solidity built-in (require, keccak256 ...)
        written |= set(callee.all_state_variables_written())
        for inner in callee.nodes:
            if is_guard_node(inner):
                checked |= set(inner.state_variables_read)
    return written, checked


def lock_variables(modifier) -> set:
    """The state variables a modifier uses as a lock; empty when it is no lock."""
    from slither.core.cfg.node import NodeType

    before: set = set()
    after: set = set()
    checked: set = set()
    seen_placeholder = False
    for node in modifier.nodes:
        if node.type == NodeType.PLACEHOLDER:
            seen_placeholder = True
            continue
        written, read = _node_effects(node)
        (after if seen_placeholder else before).update(written)
        if not seen_placeholder:
            checked |= read
    return before & after & checked


def _locks_of(function, memo: dict) -> set:
    found: set = set()
    for modifier in getattr(function, "modifiers", []):
        found |= _locks_of_modifier(modifier, memo)
    return found


def _open_touches(function, locks: set, memo: dict, seen: set | None = None) -> set:
    """State a call of `function` reads or writes where a re-entering call would keep the effect:
    outside internal functions that take one of `locks` (a public wrapper around a locked private
    function) and outside statements that always end in a revert (a query that simulates, then
    reverts)."""
    from swclint.detectors.ir import doomed_nodes

    seen = set() if seen is None else seen
    seen.add(function)
    doomed = doomed_nodes(function)
    found: set = set()
    for node in function.nodes:
        if node in doomed:
            continue
        found |= set(node.state_variables_read) | set(node.state_variables_written)
        for call in node.internal_calls:
            callee = getattr(call, "function", call)
            if hasattr(callee, "nodes") and callee not in seen and not (_locks_of(callee, memo) & locks):
                found |= _open_touches(callee, locks, memo, seen)
    for modifier in getattr(function, "modifiers", []):
        if modifier not in seen and not (_locks_of_modifier(modifier, memo) & locks):
            found |= _open_touches(modifier, locks, memo, seen)
    return found


def _locks_of_modifier(modifier, memo: dict) -> set:
    if modifier not in memo:
        memo[modifier] = lock_variables(modifier)
    return memo[modifier]


def mutex_guarded_functions(slither) -> set[tuple[str, str, str]]:
    """(absolute source path, contract, function) of locked functions that cannot be re-entered.

    A lock only stops re-entry into functions that take the same lock. A locked function whose state
    is also read or written by an unlocked state-changing entry point stays open to cross-function
    re-entrancy, so it is not in the set and Slither's finding on it stands. An entry point that
    touches that state only inside functions taking the lock, or only on paths that end in a revert,
    is no way in.
    Keyed by file too: one compilation can hold two contracts of the same name (a mock beside
    the real one, v1 beside v2), and only the locked one is protected.
    """
    guarded: set[tuple[str, str, str]] = set()
    memo: dict = {}
    for contract in slither.contracts:
        path = contract.source_mapping.filename.absolute
        entries = [f for f in contract.functions_entry_points
                   if not (f.is_constructor or f.view or f.pure or f.is_constructor_variables)]
        for function in contract.functions:
            locks = _locks_of(function, memo)
            if not locks:
                continue
            shared = set(function.all_state_variables_written()) - locks
            open_doors = [g for g in entries
                          if g is not function and not (_locks_of(g, memo) & locks)
                          and shared & _open_touches(g, locks, memo)]
            if not open_doors:
                guarded.add((path, contract.name, function.name))
    return guarded


_PLACEHOLDER = re.compile(r"(?<![\w.])_\s*;")
_ASSIGNED = re.compile(r"(?<![\w.])([A-Za-z_]\w*)\s*=(?!=)")
_CHECK = re.compile(r"\b(?:require|if|assert)\s*\(([^;{]*)")
_CALL_ONLY = re.compile(r"^\s*(?:[A-Za-z_]\w*\s*\(\s*\)\s*;\s*)+$")


def is_lock_source(modifier_source: str) -> bool:
    """A modifier's source (comments removed) that is a lock by the same structure as on the IR.

    Helpers called on both sides of `_;` (OpenZeppelin's `_nonReentrantBefore(); _;
    _nonReentrantAfter();`) count too: their bodies are not in a chunk, and that bracket is what a
    lock does.
    """
    start = modifier_source.find("{")
    body = modifier_source[start + 1 : modifier_source.rfind("}")] if start >= 0 else modifier_source
    parts = _PLACEHOLDER.split(body, maxsplit=1)
    if len(parts) != 2:
        return False
    before, after = parts
    if _CALL_ONLY.match(before) and _CALL_ONLY.match(after):
        return True
    set_before = {m.group(1) for m in _ASSIGNED.finditer(before)}
    set_after = {m.group(1) for m in _ASSIGNED.finditer(after)}
    checked = {w for m in _CHECK.finditer(before) for w in re.findall(r"[A-Za-z_]\w*", m.group(1))}
    return bool(set_before & set_after & checked)
