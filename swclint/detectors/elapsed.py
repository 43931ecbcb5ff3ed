"""`now - t` where `t` only ever holds an earlier reading of the same clock: the time elapsed since.

The chain's clocks never run backwards, so the current reading is at least every earlier one and
the subtraction cannot wrap. `t` is a state variable, a mapping entry or a struct field in storage
(`lastApprovalTime`, `lastPaid[msg.sender]`, `submissions[i].approvalTime`); every write to it
anywhere in the contract stores `now`/`block.timestamp` (or `block.number` for block counts), or
clears it to zero. One write of anything else (a deadline set in the future, a caller's value, an
increment) and the difference is judged like any other subtraction.
"""

from __future__ import annotations

from slither.core.declarations import Function, SolidityVariable, SolidityVariableComposed
from slither.core.variables.local_variable import LocalVariable
from slither.core.variables.state_variable import StateVariable
from slither.slithir.operations import (
    Assignment,
    Binary,
    BinaryType,
    Delete,
    Index,
    Length,
    Member,
    OperationWithLValue,
    TypeConversion,
)
from slither.slithir.variables import Constant, ReferenceVariable

from swclint.analyze.run_cache import run_cache
from swclint.detectors.ir import definitions
from swclint.detectors.ranges import state_writers

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
    if depth > 8:
        return None
    ir = _references(function).get(value) or definitions(function).get(value)
    if _storage_pointer(value) and isinstance(ir, Assignment) and isinstance(ir.rvalue, ReferenceVariable):
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


@run_cache(maxsize=4096)
def _references(function: Function) -> dict:
    """The `Index`/`Member`/`Length` that makes each reference (a write through it defines it again)."""
    return {ir.lvalue: ir for node in function.nodes for ir in node.irs if isinstance(ir, (Index, Member, Length))}


@run_cache(maxsize=1024)
def _only_readings(key: tuple) -> str | None:
    """The one clock every write to `key` stores the current reading of; None if any write stores
    something else, or if nothing but zero is ever stored."""
    found: set[str | None] = set()
    for writer in state_writers(key[0]):
        for node in writer.nodes:
            for ir in node.irs:
                if (not isinstance(ir, OperationWithLValue) or isinstance(ir, (Index, Member, Length)) or ir.lvalue is None
                        or _storage_pointer(ir.lvalue)):  # binding a pointer writes nothing
                    continue
                written = _location(ir.lvalue, writer)
                if written is None:
                    if _may_alias(ir.lvalue, key[0], writer):
                        found.add(None)
                    continue
                if written[0] is not key[0] or not _overlaps(written, key):
                    continue
                found.add(_stored(ir, writer, whole=len(written) < len(key)))
    found.discard(_ZERO)
    return found.pop() if len(found) == 1 else None


def _storage_pointer(value) -> bool:
    return isinstance(value, LocalVariable) and value.location == "storage"


def _may_alias(lvalue, variable: StateVariable, writer: Function) -> bool:
    """A write whose place could not be traced but may land in `variable`: through a reference into
    it, or through a storage pointer handed in (`function touch(Entry storage e) internal`)."""
    if not isinstance(lvalue, ReferenceVariable):
        return False
    target = lvalue.points_to_origin
    if target is variable:
        return True
    if not _storage_pointer(target):
        return False
    bound = _location(target, writer)
    return bound is None or bound[0] is variable


def _overlaps(written: tuple, key: tuple) -> bool:
    """The write covers `key` (the same place, or a whole entry or struct holding it); a write to
    another field or below `key` leaves it alone."""
    return written == key[:len(written)]


def _stored(ir: OperationWithLValue, writer: Function, whole: bool) -> str | None:
    """What one write puts there: a clock's current reading, zero, or something else (None)."""
    if isinstance(ir, Delete):
        return _ZERO
    if not isinstance(ir, Assignment) or whole:
        return None  # a whole struct or entry copied from elsewhere: its field is not known here
    if isinstance(ir.rvalue, Constant) and ir.rvalue.value in (0, False):
        return _ZERO
    return _current_reading(ir.rvalue, writer)
