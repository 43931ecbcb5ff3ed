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
from slither.slithir.operations import (
    Assignment,
    Binary,
    BinaryType,
    Delete,
    TypeConversion,
)
from slither.slithir.variables import Constant

from swclint.analyze.run_cache import run_cache
from swclint.detectors.ir import definitions
from swclint.detectors.storage import Write, assigned, handed_in, location, placed_writes

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
    key = location(binary.variable_right, function)
    return key is not None and _only_readings(key) == clock


def _current_reading(value, function: Function, depth: int = 0) -> str | None:
    """Which clock `value` reads now: the variable itself, a copy, or a widening conversion."""
    if value in _READINGS:
        return _READINGS[value]
    if handed_in(value, function):
        return None  # `if (fresh) t = now;` leaves the caller's value on the other path
    ir = definitions(function).get(value)
    if depth > 4 or ir is None:
        return None
    if isinstance(ir, Assignment):
        return _current_reading(ir.rvalue, function, depth + 1)
    if isinstance(ir, TypeConversion) and str(ir.type) == "uint256":
        return _current_reading(ir.variable, function, depth + 1)
    return None


@run_cache(maxsize=1024)
def _only_readings(key: tuple) -> str | None:
    """The one clock every write to `key` stores the current reading of; None if any write stores
    something else, if nothing but zero is ever stored, or if some write cannot be placed."""
    writes = placed_writes(key)
    if writes is None:
        return None
    found = {_stored(w) for w in writes}
    found.discard(_ZERO)
    return found.pop() if len(found) == 1 else None


def _stored(write: Write) -> str | None:
    """What one write puts at the place: a clock's current reading, zero, or something else (None)."""
    if isinstance(write.ir, Delete):
        return _ZERO
    value = assigned(write)
    if isinstance(value, Constant) and value.value in (0, False):
        return _ZERO
    return None if value is None else _current_reading(value, write.writer)
