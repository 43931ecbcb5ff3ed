"""Where a value lives in storage, and every write anywhere in the contract that lands there.

A place is a state variable followed by `[]` per index and a name per field
(`submissions[i].approvalTime` -> (submissions, '[]', 'approvalTime')), however the code reaches
it: directly, or through a local `storage` pointer. Facts about what a place holds (a clock reading,
a bounded amount) are only as good as the list of its writes, so a write nothing here can place
(through a pointer handed in or returned, a storage reference given to a library, assembly
`sstore`, a delegatecall) makes the list unknown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from slither.core.declarations import Function, Structure
from slither.core.solidity_types import ArrayType, MappingType, UserDefinedType
from slither.core.variables.state_variable import StateVariable
from slither.slithir.operations import (
    Assignment,
    Binary,
    BinaryType,
    Call,
    Delete,
    Index,
    InternalCall,
    Length,
    LibraryCall,
    LowLevelCall,
    Member,
    NewStructure,
    OperationWithLValue,
)
from slither.slithir.variables import Constant, ReferenceVariable

from swclint.analyze.run_cache import run_cache
from swclint.detectors.ir import (
    assembly_uses,
    definitions,
    is_storage_pointer,
    origin,
    value_key,
    value_producers,
    write_targets,
)


@dataclass(frozen=True)
class Write:
    """One IR that stores at a place. `field` names the place's field when the write covers the whole
    struct holding it (`entries[a] = Entry(msg.value, now)`); None when it writes the place itself."""

    ir: OperationWithLValue
    writer: Function
    field: str | None


def location(value, function: Function, depth: int = 0) -> tuple | None:
    """The place `value` lives in storage; None if it is not in storage or cannot be told."""
    if isinstance(value, StateVariable):
        return (value,)
    if depth > 8 or handed_in(value, function):
        return None
    ir = value_producers(function).get(value) or definitions(function).get(value)
    if is_storage_pointer(value) and isinstance(ir, Assignment) and isinstance(ir.rvalue, ReferenceVariable):
        return location(ir.rvalue, function, depth + 1)  # `Submission storage s = submissions[i]`
    if isinstance(value, ReferenceVariable) and isinstance(ir, Index):
        base = location(ir.variable_left, function, depth + 1)
        return None if base is None else (*base, "[]")
    if isinstance(value, ReferenceVariable) and isinstance(ir, Member):
        base = location(ir.variable_left, function, depth + 1)
        return None if base is None else (*base, str(ir.variable_right))
    if isinstance(value, ReferenceVariable) and isinstance(ir, Length):
        base = location(ir.value, function, depth + 1)
        return None if base is None else (*base, "length")
    return None


@run_cache(maxsize=1024)
def placed_writes(key: tuple) -> tuple[Write, ...] | None:
    """Every write that covers the place `key`, in any function or modifier that can see its variable;
    None if some write to the variable cannot be placed. Deletes are included: they store zero
    (Slither names the whole variable for `delete m[k]`)."""
    variable = key[0]
    found: list[Write] = []
    for writer in family(variable):
        if writes_blindly(writer):
            return None
        for node in writer.nodes:
            for ir in node.irs:
                if isinstance(ir, (InternalCall, LibraryCall)) and hands_out(ir, variable):
                    return None
                if (not isinstance(ir, OperationWithLValue) or isinstance(ir, (Index, Member, Length, Call))
                        or ir.lvalue is None or is_storage_pointer(ir.lvalue)):
                    continue  # binding a pointer writes nothing; a call's result is a new value (0.4's
                    # `this.balance` is a call Slither gives a reference as its result)
                targets = write_targets(ir.lvalue)
                if targets is None:
                    return None
                if variable not in targets:
                    continue
                written = location(ir.lvalue, writer)
                if written is None:
                    return None
                if written != key[:len(written)]:
                    continue  # another field, another variable, or below the place
                if len(key) - len(written) > 1 and not isinstance(ir, Delete):
                    return None  # a whole entry of entries: too far from the field to follow
                found.append(Write(ir, writer, key[-1] if len(written) < len(key) else None))
    return tuple(found)


def assigned(write: Write):
    """The value an assignment stores at the place (the field's argument where it builds the whole
    struct: `entries[a] = Entry(msg.value, now)`); None for other writes or a struct copied whole."""
    if not isinstance(write.ir, Assignment):
        return None
    value = write.ir.rvalue
    if write.field is None:
        return value
    made = definitions(write.writer).get(value)
    if not isinstance(made, NewStructure):
        return None
    names = [e.name for e in made.structure.elems_ordered]
    if write.field not in names or len(made.arguments) != len(names):
        return None
    return made.arguments[names.index(write.field)]


def family(variable: StateVariable) -> list[Function]:
    """Every function and modifier that can see `variable`: its contract's and those deriving from it."""
    home = variable.contract
    return [f for c in home.compilation_unit.contracts if c is home or home in c.inheritance
            for f in c.functions_and_modifiers_declared]


_STORES = re.compile(r"\b(?:sstore|delegatecall|callcode)\b")


def writes_blindly(function: Function) -> bool:
    """Storage writes nothing here can place: inline assembly that stores, or a delegatecall."""
    if assembly_uses(function, _STORES):
        return True
    return any(isinstance(ir, LowLevelCall) and ir.function_name in ("delegatecall", "callcode")
               for node in function.nodes for ir in node.irs)


def hands_out(call, variable: StateVariable) -> bool:
    """A storage reference that may point into `variable` is given to a function that may write
    through it (`L.stamp(entries[msg.sender], v)`)."""
    for argument in call.arguments:
        if not _by_reference(getattr(argument, "type", None)):
            continue  # a value type is copied: the callee cannot write through it
        if isinstance(argument, ReferenceVariable) or is_storage_pointer(argument):
            targets = write_targets(argument)
            if targets is None or variable in targets:
                return True
    return False


def _by_reference(type_) -> bool:
    """Arrays, mappings and structs; enums and contracts (`Mode.Owned`, `Deed d`) are values."""
    return isinstance(type_, (ArrayType, MappingType)) or (
        isinstance(type_, UserDefinedType) and isinstance(type_.type, Structure))


def handed_in(value, function: Function) -> bool:
    return value in function.parameters or value in function.returns


_STEP = (BinaryType.ADDITION, BinaryType.SUBTRACTION)


def length_writes(function: Function):
    """(node, array, IR) for each write to a state array's `length` in `function`."""
    lengths = {ir.lvalue: origin(ir.value) for node in function.nodes for ir in node.irs if isinstance(ir, Length)}
    for node in function.nodes:
        for ir in node.irs:
            array = lengths.get(getattr(ir, "lvalue", None))
            if isinstance(ir, (Assignment, Binary)) and isinstance(array, StateVariable):
                yield node, array, ir


def length_step(ir, length_key, producers: dict) -> BinaryType | None:
    """ADDITION or SUBTRACTION when the new length is the old one plus or minus a constant (`push`,
    `length--`, `length = length - 1`); None for any other value."""
    if isinstance(ir, Assignment):
        ir = producers.get(ir.rvalue)
    if (isinstance(ir, Binary) and ir.type in _STEP and isinstance(ir.variable_right, Constant)
            and value_key(ir.variable_left, producers) == length_key):
        return ir.type
    return None
