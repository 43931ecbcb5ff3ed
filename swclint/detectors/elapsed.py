"""`now - t` where `t` only ever holds an earlier reading of the same clock: the time elapsed since.

The chain's clocks never run backwards, so the current reading is at least every earlier one and
the subtraction cannot wrap. `t` is a state variable, a mapping entry or a struct field in storage
(`lastApprovalTime`, `lastPaid[msg.sender]`, `submissions[i].approvalTime`); every write to it
anywhere in the contract stores `now`/`block.timestamp` (or `block.number` for block counts), or
clears it to zero. One write of anything else (a deadline set in the future, a caller's value, an
increment) and the difference is judged like any other subtraction.
"""

from __future__ import annotations

import re

from slither.core.declarations import Function, SolidityVariable, SolidityVariableComposed
from slither.core.solidity_types import ArrayType, MappingType, UserDefinedType
from slither.core.variables.state_variable import StateVariable
from slither.slithir.operations import (
    Assignment,
    Binary,
    BinaryType,
    Delete,
    Index,
    InternalCall,
    Length,
    LibraryCall,
    LowLevelCall,
    Member,
    NewStructure,
    OperationWithLValue,
    TypeConversion,
)
from slither.slithir.variables import Constant, ReferenceVariable

from swclint.analyze.run_cache import run_cache
from swclint.detectors.ir import (
    assembly_uses,
    definitions,
    is_storage_pointer,
    value_producers,
    write_targets,
)

_TIME = "timestamp"
_BLOCKS = "number"
_READINGS = {SolidityVariable("now"): _TIME, SolidityVariableComposed("block.timestamp"): _TIME,
             SolidityVariableComposed("block.number"): _BLOCKS}
_ZERO = "zero"


def elapsed_since(binary: Binary, function: Function) -> bool:
    """`binary` is `clock - t` with `t` only ever an earlier reading of that clock (or zero)."""
    if binary.type != BinaryType.SUBTRACTION:
        return False
    clock = _current_reading(binary.variable_left, function)
    if clock is None:
        return False
    key = _location(binary.variable_right, function)
    return key is not None and _only_readings(key) == clock


def _current_reading(value, function: Function, depth: int = 0) -> str | None:
    """Which clock `value` reads now: the variable itself, a copy, or a widening conversion."""
    if value in _READINGS:
        return _READINGS[value]
    if _handed_in(value, function):
        return None  # `if (fresh) t = now;` leaves the caller's value on the other path
    ir = definitions(function).get(value)
    if depth > 4 or ir is None:
        return None
    if isinstance(ir, Assignment):
        return _current_reading(ir.rvalue, function, depth + 1)
    if isinstance(ir, TypeConversion) and str(ir.type) == "uint256":
        return _current_reading(ir.variable, function, depth + 1)
    return None


def _location(value, function: Function, depth: int = 0) -> tuple | None:
    """Where `value` lives in storage: the state variable, then `[]` per index and a name per field
    (`submissions[i].approvalTime` -> (submissions, '[]', 'approvalTime')); None if not in storage."""
    if isinstance(value, StateVariable):
        return (value,)
    if depth > 8 or _handed_in(value, function):
        return None
    ir = value_producers(function).get(value) or definitions(function).get(value)
    if is_storage_pointer(value) and isinstance(ir, Assignment) and isinstance(ir.rvalue, ReferenceVariable):
        return _location(ir.rvalue, function, depth + 1)  # `Submission storage s = submissions[i]`
    if isinstance(value, ReferenceVariable) and isinstance(ir, Index):
        base = _location(ir.variable_left, function, depth + 1)
        return None if base is None else (*base, "[]")
    if isinstance(value, ReferenceVariable) and isinstance(ir, Member):
        base = _location(ir.variable_left, function, depth + 1)
        return None if base is None else (*base, str(ir.variable_right))
    if isinstance(value, ReferenceVariable) and isinstance(ir, Length):
        base = _location(ir.value, function, depth + 1)
        return None if base is None else (*base, "length")
    return None


@run_cache(maxsize=1024)
def _only_readings(key: tuple) -> str | None:
    """The one clock every write to `key` stores the current reading of; None if any write stores
    something else, if nothing but zero is ever stored, or if some write cannot be placed (through a
    pointer handed in or returned, in a library given a storage reference, by assembly or
    delegatecall)."""
    variable = key[0]
    found: set[str | None] = set()
    for writer in _family(variable):
        if _writes_blindly(writer):
            return None
        for node in writer.nodes:
            for ir in node.irs:
                if isinstance(ir, (InternalCall, LibraryCall)) and _hands_out(ir, variable):
                    return None
                if (not isinstance(ir, OperationWithLValue) or isinstance(ir, (Index, Member, Length))
                        or ir.lvalue is None or is_storage_pointer(ir.lvalue)):  # binding a pointer writes nothing
                    continue
                targets = write_targets(ir.lvalue)
                if targets is None:
                    return None
                if variable not in targets:
                    continue
                written = _location(ir.lvalue, writer)
                if written is None:
                    return None
                if not _overlaps(written, key):
                    continue
                if isinstance(ir, Delete):
                    continue  # clears it (Slither names the whole variable for `delete m[k]`)
                if len(key) - len(written) > 1:
                    return None  # a whole entry of entries: too far from the field to follow
                found.add(_stored(ir, writer, key[-1] if len(written) < len(key) else None))
    found.discard(_ZERO)
    return found.pop() if len(found) == 1 else None


def _family(variable: StateVariable) -> list[Function]:
    """Every function and modifier that can see `variable`: its contract's and those deriving from it."""
    home = variable.contract
    return [f for c in home.compilation_unit.contracts if c is home or home in c.inheritance
            for f in c.functions_and_modifiers_declared]


_STORES = re.compile(r"\b(?:sstore|delegatecall|callcode)\b")


def _writes_blindly(function: Function) -> bool:
    """Storage writes nothing here can place: inline assembly that stores, or a delegatecall."""
    if assembly_uses(function, _STORES):
        return True
    return any(isinstance(ir, LowLevelCall) and ir.function_name in ("delegatecall", "callcode")
               for node in function.nodes for ir in node.irs)


def _hands_out(call, variable: StateVariable) -> bool:
    """A storage reference that may point into `variable` is given to a function that may write
    through it (`L.stamp(entries[msg.sender], v)`)."""
    for argument in call.arguments:
        if not isinstance(getattr(argument, "type", None), (ArrayType, MappingType, UserDefinedType)):
            continue  # a value type is copied: the callee cannot write through it
        if isinstance(argument, ReferenceVariable) or is_storage_pointer(argument):
            targets = write_targets(argument)
            if targets is None or variable in targets:
                return True
    return False


def _handed_in(value, function: Function) -> bool:
    return value in function.parameters or value in function.returns


def _overlaps(written: tuple, key: tuple) -> bool:
    """The write covers `key` (the same place, or a whole entry or struct holding it); a write to
    another field or below `key` leaves it alone."""
    return written == key[:len(written)]


def _stored(ir: OperationWithLValue, writer: Function, field: str | None) -> str | None:
    """What one write puts at the place: a clock's current reading, zero, or something else (None).
    `field` names the place's field when the write covers the whole struct holding it."""
    if isinstance(ir, Delete):
        return _ZERO
    if not isinstance(ir, Assignment):
        return None
    value = ir.rvalue
    if field is not None:  # `entries[a] = Entry(msg.value, now)`; a struct copied from elsewhere is unknown
        made = definitions(writer).get(value)
        if not isinstance(made, NewStructure):
            return None
        names = [e.name for e in made.structure.elems_ordered]
        if field not in names or len(made.arguments) != len(names):
            return None
        value = made.arguments[names.index(field)]
    if isinstance(value, Constant) and value.value in (0, False):
        return _ZERO
    return _current_reading(value, writer)
