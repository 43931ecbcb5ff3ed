"""Amounts moved between entries of one mapping (a token's balances) cannot make an entry wrap.

`balances[to] += x` cannot wrap when the same function takes x from an entry of the same mapping
with a checked subtraction (x was there, so the mapping's total is unchanged) and that total is
bounded: every write that adds to an entry either moves an amount the same way, or adds the same
amount to a state variable with checked arithmetic (the total supply), and every plain assignment
to an entry is a constructor storing a value it also stores in state (the initial supply). No
entry can then exceed that variable, which cannot exceed its type: the reasoning solmate and
OpenZeppelin write next to their `unchecked` transfers.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from slither.core.declarations import Function
from slither.core.solidity_types import MappingType
from slither.core.variables.local_variable import LocalVariable
from slither.core.variables.state_variable import StateVariable
from slither.slithir.operations import (
    Assignment,
    Binary,
    BinaryType,
    Delete,
    Index,
    InternalCall,
    LibraryCall,
    Member,
    OperationWithLValue,
    Return,
    SolidityCall,
)
from slither.slithir.variables import Constant, TemporaryVariable

from swclint.analyze.run_cache import run_cache
from swclint.detectors.ir import (
    REQUIRE_ASSERT,
    comparisons,
    helper_operands,
    is_guard_node,
    is_unchecked,
    origin,
    parameter_operations,
    value_key,
    value_producers,
)
from swclint.detectors.ranges import bounds_of, state_writers

_ADD, _SUB = BinaryType.ADDITION, BinaryType.SUBTRACTION


@run_cache(maxsize=512)
def _producers(function: Function) -> dict:
    """`value_producers`, plus the helper calls (`a.add(b)`) that compute temporaries (shared: do not
    mutate; every addition the SWC-101 check weighs asks for its function's)."""
    return {**{ir.lvalue: ir for node in function.nodes for ir in node.irs
               if isinstance(ir, OperationWithLValue) and isinstance(ir.lvalue, TemporaryVariable)},
            **value_producers(function)}


@run_cache(maxsize=1024)
def checked_helper(function, kind: BinaryType) -> bool:
    """A helper like SafeMath's `add(a, b)`/`sub(a, b)`: applies `kind` to its two parameters and
    reverts through require/assert (or compiles to checked arithmetic)."""
    ops = parameter_operations(function, kind)
    if not ops:
        return _delegates_to_checked(function, kind)
    guards = any(isinstance(ir, SolidityCall) and ir.function in REQUIRE_ASSERT
                 for node in function.nodes for ir in node.irs)
    return guards or not any(is_unchecked(node) for node, _ in ops)


def _delegates_to_checked(function, kind: BinaryType) -> bool:
    """`sub(a, b)` that returns `sub(a, b, "message")`, a checked helper taking more parameters (the
    longer overload: following only those never loops)."""
    if not isinstance(function, Function) or len(function.parameters) != 2:
        return False
    params = list(function.parameters)
    returned = {v for node in function.nodes for ir in node.irs if isinstance(ir, Return) for v in ir.values}
    return any(isinstance(ir, (InternalCall, LibraryCall)) and ir.lvalue in returned
               and isinstance(ir.function, Function) and len(ir.function.parameters) > 2
               and helper_operands(ir) == params and checked_helper(ir.function, kind)
               for node in function.nodes for ir in node.irs)


def _change(ir, producers: dict, depth: int = 0):
    """(kind, entry, amount, checked) of an addition/subtraction `m[k] +/- amount`, seen through the
    temporary a plain `m[k] = m[k] + x` assigns; None for anything else."""
    if isinstance(ir, Assignment) and depth < 3:
        return _change(producers.get(ir.rvalue), producers, depth + 1)
    node = getattr(ir, "node", None)
    if isinstance(ir, Binary) and ir.type in (_ADD, _SUB) and node is not None:
        return ir.type, ir.variable_left, ir.variable_right, not is_unchecked(node)
    operands = helper_operands(ir) if isinstance(ir, (InternalCall, LibraryCall)) else None
    if operands:
        for kind in (_ADD, _SUB):
            if checked_helper(ir.function, kind):
                return kind, operands[0], operands[1], True
    return None


def _is_entry(value, mapping: StateVariable, function: Function) -> bool:
    """An entry of `mapping`, or a local holding one (`uint256 fromBalance = _balances[from]`)."""
    if origin(value) is mapping:
        return True
    if not isinstance(value, LocalVariable) or value in function.parameters:
        return False
    writes = [ir for node in function.nodes for ir in node.irs
              if isinstance(ir, OperationWithLValue) and ir.lvalue is value]
    return bool(writes) and all(isinstance(ir, Assignment) and origin(ir.rvalue) is mapping for ir in writes)


def _guarded_decrease(function: Function, mapping: StateVariable, amount_key, producers: dict) -> bool:
    """A require/if compares an entry of `mapping` with the amount before an unchecked subtraction."""
    for node in function.nodes:
        if not is_guard_node(node):
            continue
        for cmp in comparisons(node):
            sides = (cmp.variable_left, cmp.variable_right)
            if any(_is_entry(s, mapping, function) for s in sides) and any(
                    value_key(s, producers) == amount_key for s in sides):
                return True
    return False


def _writes(function: Function, mapping: StateVariable) -> list:
    """IRs of `function` that store into an entry of `mapping`."""
    return [ir for node in function.nodes for ir in node.irs
            if isinstance(ir, OperationWithLValue) and ir.lvalue is not None and origin(ir.lvalue) is mapping
            and not isinstance(ir, (Delete, Index, Member))]  # taking a reference writes nothing


def _takes_from(function: Function, mapping: StateVariable, amount_key, producers: dict) -> bool:
    """The function subtracts the amount from an entry of `mapping`, checked (by the compiler, a
    checked helper or a comparison): the amount was there."""
    for ir in _writes(function, mapping):
        change = _change(ir, producers)
        if change is None:
            continue
        kind, entry, amount, checked = change
        if kind is _SUB and _is_entry(entry, mapping, function) and value_key(amount, producers) == amount_key and (
                checked or _guarded_decrease(function, mapping, amount_key, producers)):
            return True
    return False


def _counted_in_state(function: Function, mapping: StateVariable, amount_key, producers: dict,
                      supply: StateVariable | None = None) -> bool:
    """The function adds the same amount, checked, to another state variable (a total supply; to
    `supply` when given)."""
    for node in function.nodes:
        for ir in node.irs:
            if not isinstance(ir, OperationWithLValue) or ir.lvalue is None:
                continue
            target = origin(ir.lvalue)
            if not isinstance(target, StateVariable) or target is mapping or isinstance(target.type, MappingType):
                continue
            if supply is not None and target is not supply:
                continue
            change = _change(ir, producers)
            if change and change[0] is _ADD and change[3] and value_key(change[2], producers) == amount_key:
                return True
    return False


def _stored_in_state(function: Function, value, producers: dict) -> bool:
    """A constructor's initial allocation: the value is a state variable, or is also stored in one."""
    if isinstance(value, Constant) and value.value == 0:
        return True
    if isinstance(value, StateVariable) and not isinstance(value.type, MappingType):
        return True
    key = value_key(value, producers)
    return any(isinstance(ir, Assignment) and isinstance(origin(ir.lvalue), StateVariable)
               and not isinstance(origin(ir.lvalue).type, MappingType) and value_key(ir.rvalue, producers) == key
               for node in function.nodes for ir in node.irs)


class _EntryWrite(NamedTuple):
    function: Function
    producers: dict
    kind: object  # _ADD or _SUB of an amount, _ALLOCATION, or None: a write that could store anything
    amount: object = None
    checked: bool = False


_ALLOCATION = "a constructor's allocation, also stored in state"


def _entry_writes(mapping: StateVariable) -> Iterator[_EntryWrite]:
    """Every write to an entry of `mapping`, in every function, classified; zeroings are left out."""
    for function in state_writers(mapping):
        producers = _producers(function)
        for ir in _writes(function, mapping):
            change = _change(ir, producers)
            if change is not None:
                kind, entry, amount, checked = change
                yield _EntryWrite(function, producers, kind if _is_entry(entry, mapping, function) else None,
                                  amount, checked)
            elif isinstance(ir, Assignment) and (function.is_constructor or function.is_constructor_variables) \
                    and _stored_in_state(function, ir.rvalue, producers):
                yield _EntryWrite(function, producers, _ALLOCATION)
            elif not (isinstance(ir, Assignment) and isinstance(ir.rvalue, Constant) and ir.rvalue.value == 0):
                yield _EntryWrite(function, producers, None)


@run_cache(maxsize=1024)
def total_bounded(mapping: StateVariable) -> bool:
    """Every write to an entry of `mapping`, in every function, keeps the sum of entries bounded: by a
    checked state total (a supply), or by all ether there is (deposits of `msg.value`), not both at
    once (a supply up to the type's maximum plus deposits could pass it)."""
    if not state_writers(mapping):
        return False
    bounded_by: set[str] = set()
    for w in _entry_writes(mapping):
        if w.kind is _SUB:
            continue
        if w.kind is _ALLOCATION:
            bounded_by.add("supply")
            continue
        if w.kind is _ADD:
            key = value_key(w.amount, w.producers)
            if _takes_from(w.function, mapping, key, w.producers):
                continue
            if _counted_in_state(w.function, mapping, key, w.producers):
                bounded_by.add("supply")
                continue
            if bounds_of(w.function).is_ether(w.amount):
                bounded_by.add("ether")
                continue
        return False
    return len(bounded_by) < 2


def moved_within(binary: Binary, function: Function) -> bool:
    """`m[k] + x` stored back into `m`, where the function takes x from an entry of `m` (checked), adds
    x to the total supply (checked) or x is ether, and `m`'s total is bounded: the addition cannot wrap."""
    if binary.type is not _ADD:
        return False
    producers = _producers(function)
    targets = {origin(binary.lvalue)} | {origin(ir.lvalue) for node in function.nodes for ir in node.irs
                                         if isinstance(ir, Assignment) and ir.rvalue is binary.lvalue}
    for mapping in targets:
        if not (isinstance(mapping, StateVariable) and isinstance(mapping.type, MappingType)):
            continue
        for entry, amount in ((binary.variable_left, binary.variable_right),
                              (binary.variable_right, binary.variable_left)):
            if not _is_entry(entry, mapping, function):
                continue
            key = value_key(amount, producers)
            brought = (_takes_from(function, mapping, key, producers)
                       or _counted_in_state(function, mapping, key, producers) or bounds_of(function).is_ether(amount))
            if brought and total_bounded(mapping):
                return True
    return False


@run_cache(maxsize=1024)
def counts_total(supply: StateVariable, mapping: StateVariable) -> bool:
    """`supply` never falls below the sum of `mapping`'s entries: each addition to an entry moves an
    amount from another entry or adds it (checked) to `supply` as well, each other write to an entry
    lowers it or is a constructor's allocation also stored in `supply`, and `supply` only ever drops
    by an amount the same function takes (checked) from an entry."""
    for w in _entry_writes(mapping):
        if w.kind is _ALLOCATION:
            continue
        if w.kind is None:
            return False
        key = value_key(w.amount, w.producers)
        if w.kind is _SUB and (w.checked or _guarded_decrease(w.function, mapping, key, w.producers)):
            continue  # a wrapped decrease would raise the entry past the supply
        if w.kind is _ADD and (_takes_from(w.function, mapping, key, w.producers)
                               or _counted_in_state(w.function, mapping, key, w.producers, supply)):
            continue
        return False
    for function in state_writers(supply):
        producers = _producers(function)
        for ir in _writes(function, supply):
            change = _change(ir, producers)
            if change is not None and change[0] is _ADD and change[3]:
                continue
            if change is not None and change[0] is _SUB and origin(change[1]) is supply \
                    and _takes_from(function, mapping, value_key(change[2], producers), producers):
                continue
            if isinstance(ir, Assignment) and (function.is_constructor or function.is_constructor_variables):
                continue
            return False
    return True


def within_total(binary: Binary, function: Function) -> bool:
    """`supply - x` where the function takes x (checked) from an entry of a mapping whose entries
    `supply` counts: x is at most that entry, which is at most the supply (OpenZeppelin's `_burn`)."""
    supply = origin(binary.variable_left)
    if binary.type is not _SUB or not isinstance(supply, StateVariable) or isinstance(supply.type, MappingType):
        return False
    producers = _producers(function)
    key = value_key(binary.variable_right, producers)
    mappings = {origin(ir.lvalue) for node in function.nodes for ir in node.irs
                if isinstance(ir, OperationWithLValue) and ir.lvalue is not None}
    return any(isinstance(m, StateVariable) and isinstance(m.type, MappingType)
               and _takes_from(function, m, key, producers) and counts_total(supply, m) for m in mappings)
