"""Upper bounds of unsigned values, from what the values are rather than from their names.

Why these bounds hold: all ether in existence is far below 2^128 wei (about 2^87 today), so
`msg.value`, balances, parts of them (`msg.value / n`) and running totals of them cannot reach
2^256; block numbers and timestamps stay below 2^64 for longer than any contract lives; a narrow
type bounds its values; a constant is itself. An arithmetic operation whose operands' bounds keep
the exact result inside its type cannot wrap, whatever the caller sends.
"""

from __future__ import annotations

from slither.core.declarations import Function, SolidityFunction, SolidityVariable, SolidityVariableComposed
from slither.core.solidity_types import ElementaryType, MappingType
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
    SolidityCall,
    TypeConversion,
)
from slither.slithir.variables import Constant, ReferenceVariable

from swclint.analyze.run_cache import run_cache

ETHER_MAX = 2**128  # every wei that exists, with a wide margin
CHAIN_MAX = 2**64  # block numbers, timestamps, gas, array lengths

_ETHER_SOURCES = {SolidityVariableComposed("msg.value"), SolidityVariableComposed("self.balance")}
_CHAIN_SOURCES = {
    SolidityVariableComposed("block.number"),
    SolidityVariableComposed("block.timestamp"),
    SolidityVariable("now"),
    SolidityVariableComposed("block.gaslimit"),
    SolidityVariableComposed("tx.gasprice"),
    SolidityVariableComposed("msg.gas"),
}
_ETHER_CALLS = {SolidityFunction("balance(address)"), SolidityFunction("this.balance()")}
_CHAIN_CALLS = {SolidityFunction("gasleft()")}


def type_max(type_) -> int | None:
    """Largest value of an unsigned integer type; None for anything else."""
    if isinstance(type_, MappingType):
        type_ = type_.type_to
    if not isinstance(type_, ElementaryType):
        return None
    name = str(type_.name)
    if not name.startswith("uint"):
        return None
    bits = name.removeprefix("uint") or "256"
    return 2 ** int(bits) - 1 if bits.isdigit() else None


def _origin(value):
    return value.points_to_origin if isinstance(value, ReferenceVariable) else value


class Bounds:
    """Upper bounds of the values one function computes (None: no bound better than its type)."""

    def __init__(self, function: Function) -> None:
        self.function = function
        self.writes: dict = {}
        for node in function.nodes:
            for ir in node.irs:
                if isinstance(ir, OperationWithLValue) and ir.lvalue is not None:
                    self.writes.setdefault(ir.lvalue, []).append(ir)
        self._busy: set = set()

    def upper(self, value) -> int | None:
        if isinstance(value, Constant):
            return value.value if isinstance(value.value, int) and not isinstance(value.value, bool) else None
        if value in _ETHER_SOURCES:
            return ETHER_MAX
        if value in _CHAIN_SOURCES:
            return CHAIN_MAX
        if value in self._busy:
            return None
        self._busy.add(value)
        try:
            return self._upper(value)
        finally:
            self._busy.discard(value)

    def _upper(self, value) -> int | None:
        own = type_max(getattr(value, "type", None))
        if isinstance(value, StateVariable):
            return _min(own, state_upper(value))
        if isinstance(value, ReferenceVariable):
            base = _origin(value)
            if isinstance(base, StateVariable):
                return _min(own, state_upper(base))
        writes = self.writes.get(value, [])
        if not writes or value in self.function.parameters:
            return own
        bounds = [self._produced(ir) for ir in writes]
        return own if None in bounds else _min(own, max(bounds))

    def _produced(self, ir) -> int | None:
        if isinstance(ir, Assignment):
            return self.upper(ir.rvalue)
        if isinstance(ir, TypeConversion):
            return _min(type_max(ir.type), self.upper(ir.variable))
        if isinstance(ir, SolidityCall):
            if ir.function in _ETHER_CALLS:
                return ETHER_MAX
            if ir.function in _CHAIN_CALLS:
                return CHAIN_MAX
            return None
        if isinstance(ir, Length):
            return CHAIN_MAX
        if isinstance(ir, Binary):
            return self.binary_upper(ir)
        return None

    def binary_upper(self, ir: Binary) -> int | None:
        left, right = self.upper(ir.variable_left), self.upper(ir.variable_right)
        if ir.type == BinaryType.DIVISION or ir.type == BinaryType.SUBTRACTION:
            return left  # a wrapped subtraction is reported on its own
        if ir.type == BinaryType.MODULO:
            return _min(left, None if right is None else max(right - 1, 0))
        if left is None or right is None:
            return None
        if ir.type == BinaryType.ADDITION:
            return left + right
        if ir.type == BinaryType.MULTIPLICATION:
            return left * right
        return None

    def is_ether(self, value, depth: int = 0) -> bool:
        """An amount of ether: msg.value, a balance, or a part or sum of such amounts."""
        if value in _ETHER_SOURCES:
            return True
        if depth > 6 or isinstance(value, Constant):
            return False
        writes = self.writes.get(value, [])
        if not writes or value in self.function.parameters:
            return False
        for ir in writes:
            if isinstance(ir, Assignment):
                ok = self.is_ether(ir.rvalue, depth + 1)
            elif isinstance(ir, TypeConversion):
                ok = self.is_ether(ir.variable, depth + 1)
            elif isinstance(ir, SolidityCall):
                ok = ir.function in _ETHER_CALLS
            elif isinstance(ir, Binary) and ir.type in (BinaryType.DIVISION, BinaryType.SUBTRACTION):
                ok = self.is_ether(ir.variable_left, depth + 1)
            elif isinstance(ir, Binary) and ir.type == BinaryType.ADDITION:
                ok = self.is_ether(ir.variable_left, depth + 1) and self.is_ether(ir.variable_right, depth + 1)
            else:
                ok = False
            if not ok:
                return False
        return True


def _min(a: int | None, b: int | None) -> int | None:
    if a is None:
        return b
    if b is None:
        return a
    return min(a, b)


_IN_PROGRESS: set = set()


def state_upper(variable: StateVariable) -> int | None:
    """Bound of a state variable (each entry, for a mapping) over every write any function makes."""
    if variable in _IN_PROGRESS:
        return None
    _IN_PROGRESS.add(variable)
    try:
        return _state_upper(variable)
    finally:
        _IN_PROGRESS.discard(variable)


@run_cache(maxsize=4096)
def _state_upper(variable: StateVariable) -> int | None:
    from slither.core.expressions import Literal

    if variable.is_constant:
        return constant_value(variable)
    if variable.is_immutable:
        expression = variable.expression
        if isinstance(expression, Literal):
            try:
                return int(str(expression.value), 0)
            except ValueError:
                return None
    bound = 0
    for function in state_writers(variable):
        bounds = Bounds(function)
        for node in function.nodes:
            for ir in node.irs:
                if isinstance(ir, Delete):
                    continue
                if not isinstance(ir, OperationWithLValue) or _origin(ir.lvalue) is not variable:
                    continue
                if isinstance(ir, (Index, Member)):
                    continue  # taking a reference writes nothing
                found = _write_upper(ir, variable, bounds)
                if found is None:
                    return None
                bound = max(bound, found)
    return bound


@run_cache(maxsize=4096)
def constant_value(variable: StateVariable) -> int | None:
    """The integer a `constant` state variable's expression folds to (`uint224 constant Q112 = 2**112`)."""
    from slither.visitors.expression.constants_folding import ConstantFolding, NotConstant

    if not variable.is_constant or variable.expression is None or type_max(variable.type) is None:
        return None
    try:
        value = ConstantFolding(variable.expression, variable.type).result().value
        return int(str(value), 0)
    except (NotConstant, ValueError, TypeError, KeyError, AttributeError, ZeroDivisionError):
        return None


def _write_upper(ir, variable: StateVariable, bounds: Bounds) -> int | None:
    """Bound of the value one write stores; a running total of ether is bounded by all ether."""
    if isinstance(ir, Binary) and ir.type == BinaryType.SUBTRACTION and _origin(ir.variable_left) is variable:
        return 0  # never above what was there
    if isinstance(ir, Binary) and ir.type == BinaryType.ADDITION:
        sides = (ir.variable_left, ir.variable_right)
        other = [s for s in sides if _origin(s) is not variable]
        if len(other) == 1 and bounds.is_ether(other[0]):
            return 2 * ETHER_MAX
    if isinstance(ir, Assignment):
        rvalue = ir.rvalue
        producer = next(iter(bounds.writes.get(rvalue, [])), None)
        if isinstance(producer, Binary):
            return _write_upper(producer, variable, bounds)
        return bounds.upper(rvalue)
    if isinstance(ir, Binary):
        return bounds.binary_upper(ir)
    return None


def state_writers(variable: StateVariable) -> list[Function]:
    """Functions and modifiers, of the contract and of those deriving from it, that write `variable`."""
    contract = variable.contract
    out = []
    for candidate in contract.compilation_unit.contracts:
        if contract is not candidate and contract not in candidate.inheritance:
            continue
        out += [f for f in candidate.functions_and_modifiers_declared if variable in f.state_variables_written]
    return out
