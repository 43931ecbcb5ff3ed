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
from slither.core.variables.local_variable import LocalVariable
from slither.core.variables.state_variable import StateVariable
from slither.slithir.operations import (
    Assignment,
    Binary,
    BinaryType,
    Delete,
    Length,
    OperationWithLValue,
    SolidityCall,
    TypeConversion,
)
from slither.slithir.variables import Constant, ReferenceVariable, TemporaryVariable

from swclint.analyze.run_cache import run_cache
from swclint.detectors.facts import comparisons_that_hold, own_copy
from swclint.detectors.ir import (
    definitions,
    holds_one_value,
    literal_value,
    returned_values,
    solc_before,
    through_copies,
    value_key,
    value_producers,
)
from swclint.detectors.storage import Write, assigned, length_step, length_writes, location, placed_writes

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
    """Largest value of an unsigned integer type (a mapping's values too); None for anything else."""
    span = int_range(type_.type_to if isinstance(type_, MappingType) else type_)
    return span[1] if span is not None and span[0] == 0 else None


def int_range(type_) -> tuple[int, int] | None:
    """Value range of an integer elementary type; None for anything else."""
    if not isinstance(type_, ElementaryType):
        return None
    name = str(type_.name)
    for prefix, signed in (("uint", False), ("int", True)):
        if name.startswith(prefix):
            bits = name.removeprefix(prefix) or "256"
            if not bits.isdigit():
                return None
            n = int(bits)
            return (-(2 ** (n - 1)), 2 ** (n - 1) - 1) if signed else (0, 2**n - 1)
    return None


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

    def upper_at(self, value, node) -> int | None:
        """`upper`, tightened by the checks known to hold where `node` runs."""
        return _min(self.upper(value), checked_upper(value, node, self.function))

    def _upper(self, value) -> int | None:
        own = type_max(getattr(value, "type", None))
        if isinstance(value, (StateVariable, ReferenceVariable)):
            key = location(value, self.function)
            if key is not None:
                return _min(own, place_upper(key))
            if isinstance(_origin(value), StateVariable):
                return own  # somewhere in storage, but not a place its writes can be followed to
        writes = self.writes.get(value, [])
        if not writes or value in self.function.parameters:
            return own
        if isinstance(value, LocalVariable) and (total := self._running_total(value, writes)) is not None:
            return _min(own, total)
        bounds = [self._produced(ir) for ir in writes]
        return own if None in bounds else _min(own, max(bounds))

    def _running_total(self, local: LocalVariable, writes: list) -> int | None:
        """Bound of a local that starts at constants and only ever grows by amounts of known size
        (`i++`, `n += 2`, `total += list.length`, `total = total + list.length`), else None. Each
        addition costs gas and a local lives one transaction, so it runs fewer than 2^64 times,
        whatever loop it sits in. Before 0.6 only constant steps count: a storage array's length
        can be set to anything there, and before 0.5 a calldata array's length is not checked."""
        starts, steps = [], [1]
        any_step = not solc_before(self.function.compilation_unit, (0, 6))  # no length set or forged
        for ir in writes:
            if isinstance(ir, Assignment) and isinstance(ir.rvalue, Constant):
                starts.append(ir.rvalue.value)
                continue
            added = self._added_to(local, ir)
            if added is not None and not any_step and not (isinstance(added, Constant) and added.value <= _STEP_MAX):
                return None
            step = None if added is None else self.upper(added)
            if step is None:  # not a growth, unbounded, or grown by itself (`x += x`)
                return None
            steps.append(step)
        if not starts or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in starts):
            return None
        return max(starts) + CHAIN_MAX * max(steps)

    def _added_to(self, local: LocalVariable, ir):
        """What `ir` adds to `local` when it writes `local + x` back to it (directly, or through the
        temporary of `local = local + x`), else None."""
        if isinstance(ir, Assignment) and isinstance(ir.rvalue, TemporaryVariable):
            made = self.writes.get(ir.rvalue, [])
            ir = made[0] if len(made) == 1 else None
        if isinstance(ir, Binary) and ir.type == BinaryType.ADDITION and local in (ir.variable_left, ir.variable_right):
            return ir.variable_right if ir.variable_left is local else ir.variable_left
        return None

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
            return CHAIN_MAX if length_bounded(ir, self.function) else None
        if isinstance(ir, Binary):
            return self.binary_upper(ir)
        return None

    def binary_upper(self, ir: Binary, checked: bool = False) -> int | None:
        """Bound of `ir`'s result; `checked` also reads the checks that hold where it runs."""
        left, right = ((self.upper_at(v, ir.node) if checked else self.upper(v))
                       for v in (ir.variable_left, ir.variable_right))
        divisor = _literal(ir.variable_right)
        if ir.type == BinaryType.DIVISION and left is not None and divisor is not None and divisor > 0:
            return left // divisor  # `total / 100` before `* percent`
        if ir.type == BinaryType.DIVISION or ir.type == BinaryType.SUBTRACTION:
            return left  # a wrapped subtraction is reported on its own
        if ir.type == BinaryType.MODULO:
            return _min(left, None if right is None else max(right - 1, 0))
        if ir.type == BinaryType.RIGHT_SHIFT:  # `uint(hash) >> 128` keeps 128 bits
            shift = ir.variable_right
            exact = isinstance(shift, Constant) and isinstance(shift.value, int) and shift.value >= 0
            return None if left is None else left >> shift.value if exact else left
        if ir.type == BinaryType.AND:  # a mask keeps at most the bits of either side
            return _min(left, right)
        if left is None or right is None:
            return None
        if ir.type == BinaryType.ADDITION:
            return left + right
        if ir.type == BinaryType.MULTIPLICATION:
            return left * right
        if ir.type in (BinaryType.OR, BinaryType.CARET):
            return (1 << max(left, right).bit_length()) - 1
        if ir.type == BinaryType.LEFT_SHIFT and right <= 256:
            return left << right
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


@run_cache(maxsize=512)
def bounds_of(function: Function) -> Bounds:
    """One `Bounds` per function and run (shared: its answers depend only on the function's IR)."""
    return Bounds(function)


_STEP_MAX = 2**16


def _forged_length(ir: Length, function: Function) -> bool:
    """The length of an external function's own calldata array before 0.5, which the decoder took
    from the caller's bytes without checking it against the calldata."""
    return (function.visibility == "external" and ir.value in function.parameters
            and solc_before(function.compilation_unit, (0, 5)))


def length_bounded(ir: Length, function: Function) -> bool:
    """A list's length is bounded by the gas that building the list costs, unless the caller wrote it
    (`_forged_length`) or code can set it (`_settable_length`)."""
    if _forged_length(ir, function):
        return False
    array = _origin(ir.value)
    return not (isinstance(array, StateVariable) and _settable_length(array))


def _settable_length(variable: StateVariable) -> bool:
    """Before 0.6, some function sets the state array's length other than by growing it by a constant
    (`list.length = n`, `list.length--` on an empty list wraps): the length bounds nothing then."""
    return variable in _settable_lengths(variable.contract.compilation_unit)


@run_cache(maxsize=64)
def _settable_lengths(unit) -> frozenset:
    """The state arrays of a pre-0.6 unit whose length some function sets (one pass per unit)."""
    if not solc_before(unit, (0, 6)):
        return frozenset()
    found = set()
    for contract in unit.contracts:
        for function in contract.functions_and_modifiers_declared:
            writes = list(length_writes(function))
            producers = value_producers(function) if writes else {}
            found |= {array for _, array, ir in writes
                      if length_step(ir, value_key(ir.lvalue, producers), producers) != BinaryType.ADDITION}
    return frozenset(found)


def _literal(value) -> int | None:
    """The number a literal or a `constant` state variable stands for."""
    if isinstance(value, StateVariable) and value.is_constant:
        return constant_value(value)
    return literal_value(value, {})


def _min(a: int | None, b: int | None) -> int | None:
    if a is None:
        return b
    if b is None:
        return a
    return min(a, b)


_IN_PROGRESS: set = set()


def place_upper(key: tuple) -> int | None:
    """Bound of what a place in storage holds (`storage.location`) over every write any function makes."""
    if key in _IN_PROGRESS:
        return None
    _IN_PROGRESS.add(key)
    try:
        return _place_upper(key)
    finally:
        _IN_PROGRESS.discard(key)


@run_cache(maxsize=4096)
def _place_upper(key: tuple) -> int | None:
    from slither.core.expressions import Literal

    variable = key[0]
    if key[-1] == "length":  # `push` grows it without a write to place
        return None if _settable_length(variable) else CHAIN_MAX
    if len(key) == 1 and variable.is_constant:
        return constant_value(variable)
    if len(key) == 1 and variable.is_immutable and isinstance(variable.expression, Literal):
        try:
            return int(str(variable.expression.value), 0)
        except ValueError:
            return None
    writes = placed_writes(key)
    if writes is None:
        return None
    bound = 0
    per_writer: dict = {}
    for write in writes:
        if isinstance(write.ir, Delete):
            continue
        if write.writer not in per_writer:
            per_writer[write.writer] = Bounds(write.writer)
        bounds = per_writer[write.writer]
        found = _write_upper(write, key, bounds)
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


def _write_upper(write: Write, key: tuple, bounds: Bounds) -> int | None:
    """Bound of the value one write stores; a running total of ether is bounded by all ether."""
    ir = write.ir
    if write.field is not None:  # the whole struct, built in place
        value = assigned(write)
        return None if value is None else bounds.upper_at(value, ir.node)

    def here(value) -> bool:
        return location(value, write.writer) == key

    if isinstance(ir, Binary) and ir.type == BinaryType.SUBTRACTION and here(ir.variable_left):
        return 0  # never above what was there
    if isinstance(ir, Binary) and ir.type == BinaryType.ADDITION:
        other = [s for s in (ir.variable_left, ir.variable_right) if not here(s)]
        if len(other) == 1 and bounds.is_ether(other[0]):
            return 2 * ETHER_MAX
    if isinstance(ir, Assignment):
        producer = next(iter(bounds.writes.get(ir.rvalue, [])), None)
        if isinstance(producer, Binary):
            return _write_upper(Write(producer, write.writer, None), key, bounds)
        return bounds.upper_at(ir.rvalue, ir.node)
    if isinstance(ir, Binary):
        return bounds.binary_upper(ir)
    return None


def checked_upper(value, node, function: Function) -> int | None:
    """The least literal a check known to hold where `node` runs puts `value` at or below
    (`require(_percent <= 100)` before `params[h] = Params(_percent)`); None when none does. Only for
    a value that holds one value in `function`, so the check and the write see the same number."""
    if not holds_one_value(function, value):
        return None
    defs = definitions(function)
    best = None
    for pair in comparisons_that_hold(function, node, defs):
        if own_copy(pair[0], defs) is value:
            limit = literal_value(pair[1], defs)
            if isinstance(limit, int) and not isinstance(limit, bool):
                best = _min(best, limit - 1 if pair.strict else limit)
    return best


def state_writers(variable: StateVariable) -> list[Function]:
    """Functions and modifiers, of the contract and of those deriving from it, that write `variable`."""
    contract = variable.contract
    out = []
    for candidate in contract.compilation_unit.contracts:
        if contract is not candidate and contract not in candidate.inheritance:
            continue
        out += [f for f in candidate.functions_and_modifiers_declared if variable in f.state_variables_written]
    return out


@run_cache(maxsize=1024)
def returned_range(function: Function) -> tuple[int, int] | None:
    """Range of what `function` returns when every return converts a value it has just checked
    against a literal bound (`require(value < 2**255); return int256(value)`), directly or through
    conversions that each keep that range (`int128(int256(x))` after `x < 1 << 127`); None otherwise."""
    returned = returned_values(function)
    if returned is None:
        return None
    defs = definitions(function)
    found: list[tuple[int, int]] = []
    for end, value in returned:
        conversion = defs.get(through_copies(value, defs, conversions=False))
        if not isinstance(conversion, TypeConversion):
            return None
        targets, source = [int_range(conversion.type)], conversion.variable
        while isinstance(inner := defs.get(source), TypeConversion) and len(targets) < 4:
            targets.append(int_range(inner.type))
            source = inner.variable
        if not holds_one_value(function, source):
            return None
        own = int_range(getattr(source, "type", None))
        bounds = [(literal_value(through_copies(pair[1], defs), defs), pair.strict)
                  for pair in comparisons_that_hold(function, end, defs) if pair[0] is source]
        limits = [bound - strict for bound, strict in bounds if bound is not None]
        if own is None or None in targets or not limits:
            return None
        span = (own[0], min(own[1], *limits))
        if not all(target[0] <= span[0] <= span[1] <= target[1] for target in targets):
            return None
        found.append(span)
    return min(lo for lo, _ in found), max(hi for _, hi in found)
