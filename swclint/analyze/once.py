"""Functions that complete at most once after deployment: an initializer behind a latch.

A proxy's logic contract has no constructor, so `initialize` takes its place: a check that a latch
(`initialized`, OpenZeppelin's `_initialized` version) is unset, and a write that sets it. What such
a function stores is deployment configuration, as a constructor's is.

Decided by what the check and the writes do, never by names. A function runs once when, in its own
body or in one modifier it uses, every completing run sets a latch and passes a check that rejects
under each value any code of the unit ever stores in the latch. Every such store must be a known
non-zero value, so the latch never returns to its initial zero. While the check is read, the
contract has code (`isContract(address(this))`, `extcodesize`: construction is over), and a flag
that is only set for the span of a call (OpenZeppelin's `_initializing`: an initializer's own
nested calls) is unset.

A latch is a state variable, or a field of a struct kept at a fixed slot (ERC-7201 namespaced
storage, OpenZeppelin 5's `InitializableStorage`, reached through a getter that sets `$.slot` to a
constant).
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from .run_cache import run_cache


class _Field(NamedTuple):
    """A field of the struct a getter places at a constant slot."""

    slot: Any  # the constant holding the slot
    struct: str
    member: str

_DEPTH = 4  # helper calls followed while a check's value is worked out (`_isConstructor` -> `isContract`)
_CODE = object()  # the size of this contract's code: positive once it is deployed
_THIS = object()  # address(this)
_EXTCODESIZE = re.compile(r"(\w+)\s*:=\s*extcodesize\s*\(\s*(\w+)\s*\)")  # assembly kept as text (before 0.6)


@run_cache(maxsize=4096)
def runs_once(function) -> bool:
    """No call of `function` completes once one has (see the module docstring)."""
    if not _slots_safe(function.compilation_unit):
        return False
    for body, bound in _bodies(function):
        for latch in _latch_writes(body):
            values = _stored_values(latch)
            if values and _sets_on_every_run(body, latch, bound) and all(
                    _rejects(body, bound, {latch: v}, _DEPTH) for v in values):
                return _can_run_at_deployment(function, latch)
    return False


def _can_run_at_deployment(function, latch) -> bool:
    """Besides the latch's own test, every check the function runs (its modifiers and what it calls
    included) reads only its arguments, the caller, constants and flags: the deployer can call it
    at once. One that waits for a time, a block, a balance, a call's answer or other stored state
    (`require(now > end)`, `require(raised >= goal)`) is a finalizer that an outsider may be first to
    call, not an initializer."""
    from slither.core.declarations import SolidityFunction
    from slither.core.variables.state_variable import StateVariable
    from slither.slithir.operations import Condition, SolidityCall

    from ..detectors.ir import BLOCK_VALUES, EXTERNAL_RESULT, asserted_value, dependencies
    from .access import _rejects_when_true
    from .trust import executed

    waits = BLOCK_VALUES | {EXTERNAL_RESULT}
    for fn in executed(function, True):
        deps, places = dependencies(fn), _Places(fn)
        for node in fn.nodes:
            tested = [v for ir in node.irs for v in [asserted_value(ir)] if v is not None]
            tested += [ir.value for ir in node.irs if isinstance(ir, Condition) and _rejects_when_true(node)]
            if not tested:
                continue
            if any(isinstance(ir, SolidityCall) and ir.function == SolidityFunction("balance(address)")
                   for ir in node.irs):
                return False
            for value in tested:
                for root in deps.roots(value) | {value}:
                    if root in waits:
                        return False
                    if (isinstance(root, StateVariable) and not root.is_constant
                            and not getattr(root, "is_immutable", False)
                            and places.location(root) != latch and not _transient(root)):
                        return False
    return True


@run_cache(maxsize=64)
def _slots_safe(unit) -> bool:
    """No code of the unit can overwrite an arbitrary slot, the latch's included: no `sstore` in
    assembly and, before solc 0.6, no array length set (an index past it reaches any slot)."""
    from ..detectors.ir import _SSTORE, _lengths_set, assembly_uses, solc_at_least

    if not solc_at_least(unit, (0, 6)):
        return _lengths_set(unit) == frozenset()
    return not any(assembly_uses(f, _SSTORE) for c in unit.contracts for f in c.functions_and_modifiers_declared)


def _bodies(function) -> list[tuple[Any, dict]]:
    """The function itself, and each modifier it uses with that use's constant arguments bound."""
    bodies: list[tuple[Any, dict]] = [(function, {})]
    for statement in getattr(function, "modifiers_statements", ()):
        for call in _modifier_calls(statement.nodes):
            bodies.append((call.function, _bound(call)))
    return bodies


def _modifier_calls(nodes) -> list:
    from slither.core.declarations import Modifier
    from slither.slithir.operations import InternalCall

    return [ir for node in nodes for ir in node.irs
            if isinstance(ir, InternalCall) and isinstance(ir.function, Modifier)]


def _bound(call) -> dict:
    from slither.slithir.variables import Constant

    return {p: _literal(a) for p, a in zip(call.function.parameters, call.arguments, strict=False)
            if isinstance(a, Constant)}


def _literal(constant):
    value = constant.value
    if isinstance(value, str):
        try:
            return int(value, 0)
        except ValueError:
            return None
    return value


def _latch_writes(body) -> list:
    """The locations holding a bool or an integer that `body` assigns."""
    from slither.core.solidity_types import ElementaryType
    from slither.slithir.operations import Assignment

    found, places = [], _Places(body)
    for node in body.nodes:
        for ir in node.irs:
            kind = getattr(ir.lvalue, "type", None) if isinstance(ir, Assignment) else None
            if isinstance(kind, ElementaryType) and _numeric(kind.name):
                latch = places.location(ir.lvalue)
                if latch is not None and latch not in found:
                    found.append(latch)
    return found


class _Places:
    """Where a function's values are kept: a state variable, or a field of a struct at a fixed slot."""

    def __init__(self, function) -> None:
        from slither.slithir.operations import OperationWithLValue

        self.producers: dict = {}
        for node in function.nodes:
            for ir in node.irs:
                if isinstance(ir, OperationWithLValue) and ir.lvalue is not None:
                    self.producers.setdefault(ir.lvalue, []).append(ir)

    def location(self, variable):
        """The state variable or `_Field` `variable` is, or refers to; None when unknown."""
        from slither.core.variables.state_variable import StateVariable

        if isinstance(variable, StateVariable):
            return variable
        member = self.member(variable)
        if member is not None:
            slot = self._slot(member.variable_left)
            if slot is not None:
                return _Field(slot, str(member.variable_left.type), str(member.variable_right))
        return None

    def member(self, variable):
        """The `Member` operation that made the reference `variable` (a store into it is a producer too)."""
        from slither.slithir.operations import Member

        made = [ir for ir in self.producers.get(variable, []) if isinstance(ir, Member)]
        return made[0] if len(made) == 1 else None

    def _slot(self, pointer, hops: int = 0):
        """The constant slot a storage pointer was set to by a getter (`$ = _getStorage()`)."""
        from slither.core.declarations import Function
        from slither.slithir.operations import Assignment, InternalCall

        made = self.producers.get(pointer, [])
        if len(made) != 1 or hops > 8:
            return None
        ir = made[0]
        if isinstance(ir, Assignment):
            return self._slot(ir.rvalue, hops + 1)
        if isinstance(ir, InternalCall) and isinstance(ir.function, Function) and not ir.arguments:
            return _getter_slot(ir.function)
        return None


@run_cache(maxsize=1024)
def _getter_slot(function):
    """The constant a function without parameters sets its returned storage pointer's slot to
    (`assembly { $.slot := STORAGE_LOCATION }`), and nothing else; None otherwise."""
    from slither.core.variables.state_variable import StateVariable
    from slither.slithir.operations import Assignment, OperationWithLValue, Return

    returned = function.returns
    if function.parameters or len(returned) != 1 or getattr(returned[0], "location", None) != "storage":
        return None
    slots = set()
    for node in function.nodes:
        for ir in node.irs:
            if isinstance(ir, Return) and any(v is not returned[0] for v in ir.values):
                return None
            if isinstance(ir, OperationWithLValue) and ir.lvalue is returned[0]:
                if not (isinstance(ir, Assignment) and isinstance(ir.rvalue, StateVariable) and ir.rvalue.is_constant):
                    return None
                slots.add(ir.rvalue)
    return slots.pop() if len(slots) == 1 else None


def _writes_to(places: _Places, ir, latch) -> bool | None:
    """`ir` stores into `latch`: True, False, or None when it stores into a field of the latch's
    struct type whose place cannot be told."""
    from slither.slithir.operations import Index, Length, Member, OperationWithLValue

    from .trust import _writes

    if not isinstance(latch, _Field):
        return _writes(ir, latch)
    if (not isinstance(ir, OperationWithLValue) or ir.lvalue is None
            or isinstance(ir, (Index, Member, Length))):
        return False
    place = places.location(ir.lvalue)
    if place is not None:
        return place == latch
    member = places.member(ir.lvalue)
    if member is None or str(member.variable_right) != latch.member:
        return False
    return None if str(member.variable_left.type) == latch.struct else False


def _numeric(name: str) -> bool:
    return name == "bool" or name.startswith(("uint", "int"))


@run_cache(maxsize=1024)
def _stored_values(latch) -> frozenset:
    """Every value any function or modifier use of the unit stores in `latch`; empty when one is
    unknown or zero (the latch could be reset)."""
    from slither.slithir.operations import Assignment

    unit = (latch.slot if isinstance(latch, _Field) else latch).contract.compilation_unit
    values: set = set()
    for body, bound in _all_bodies(unit):
        places = _Places(body)
        for node in body.nodes:
            for ir in node.irs:
                writes = _writes_to(places, ir, latch)
                if writes is None:
                    return frozenset()
                if not writes:
                    continue
                value = _Eval(body, bound, {}, 1).value(ir.rvalue) if isinstance(ir, Assignment) else None
                if value is None or value is _CODE or value is _THIS or not value:
                    return frozenset()
                values.add(value)
    return frozenset(values)


@run_cache(maxsize=64)
def _all_bodies(unit) -> tuple:
    """(function or modifier, bound arguments) for every function of the unit and every use of a
    modifier; a modifier nothing uses runs nowhere."""
    functions = {f for c in unit.contracts for f in c.functions}
    bodies = {(f, ()) for f in functions}
    for f in functions:
        for statement in getattr(f, "modifiers_statements", ()):
            bodies |= {(call.function, tuple(_bound(call).items())) for call in _modifier_calls(statement.nodes)}
    return tuple((body, dict(bound)) for body, bound in bodies)


@run_cache(maxsize=4096)
def _transient(location) -> bool:
    """A bool location set only for the span of a call: each function or modifier use that sets it
    true sets it false again further on, and nothing stores anything but a constant in it."""
    from slither.core.solidity_types import ElementaryType
    from slither.slithir.operations import Assignment
    from slither.slithir.variables import Constant

    if isinstance(location, _Field):
        unit = location.slot.contract.compilation_unit
    elif isinstance(location.type, ElementaryType) and location.type.name == "bool":
        unit = location.contract.compilation_unit
    else:
        return False
    for body, _ in _all_bodies(unit):
        places = _Places(body)
        writes = []
        for node in body.nodes:
            for ir in node.irs:
                writes_it = _writes_to(places, ir, location)
                if writes_it is None:
                    return False
                if writes_it:
                    writes.append((node, ir))
        if not all(isinstance(ir, Assignment) and isinstance(ir.rvalue, Constant)
                   and isinstance(ir.rvalue.value, bool) for _, ir in writes):
            return False
        resets = [node for node, ir in writes if ir.rvalue.value is False]
        if any(ir.rvalue.value is True and not any(_after(node, r) for r in resets) for node, ir in writes):
            return False
    return True


def _after(start, target) -> bool:
    """`target` is reachable from `start` in the same function's control flow."""
    stack, seen = list(start.sons), set()
    while stack:
        node = stack.pop()
        if node is target:
            return True
        if node in seen:
            continue
        seen.add(node)
        stack.extend(node.sons)
    return False


def _sets_on_every_run(body, latch, bound: dict) -> bool:
    """Every completing run of `body` writes `latch`; an `if` whose condition is known on a first
    run (`if (isTopLevelCall)`, with the flags unset) is followed one way."""
    from slither.core.cfg.node import NodeType
    from slither.slithir.operations import Condition

    from ..detectors.ir import reverts

    values = _Eval(body, bound, {}, _DEPTH)
    stack, seen = [body.entry_point], set()
    while stack:
        node = stack.pop()
        if node is None or node in seen or reverts(node):
            continue
        seen.add(node)
        if any(_writes_to(values, ir, latch) for ir in node.irs):
            continue
        if not node.sons:
            return False
        known = None
        if node.type == NodeType.IF:
            condition = next((ir.value for ir in node.irs if isinstance(ir, Condition)), None)
            known = values.value(condition) if condition is not None else None
        if isinstance(known, bool) and node.son_true is not None and node.son_false is not None:
            stack.append(node.son_true if known else node.son_false)
        else:
            stack.extend(node.sons)
    return True


def _rejects(body, bound: dict, latched: dict, depth: int) -> bool:
    """Every completing run of `body` passes a check that fails with the latch at `latched`: a
    require/assert, a rejecting `if`, or a helper called as a statement whose own checks do."""
    from slither.core.cfg.node import NodeType
    from slither.core.declarations import Function
    from slither.slithir.operations import Condition, InternalCall, SolidityCall

    from ..detectors.ir import REQUIRE_ASSERT
    from .access import _completes_without, _rejects_when_true

    if depth <= 0 or not getattr(body, "nodes", None):
        return False
    values = _Eval(body, bound, latched, depth)
    rejecting = set()
    for node in body.nodes:
        for ir in node.irs:
            if isinstance(ir, SolidityCall) and ir.function in REQUIRE_ASSERT and values.value(ir.arguments[0]) is False or (isinstance(ir, Condition) and node.type == NodeType.IF and _rejects_when_true(node)
                  and values.value(ir.value) is True) or (isinstance(ir, InternalCall) and ir.lvalue is None and isinstance(ir.function, Function)
                  and _rejects(ir.function, values.arguments(ir), latched, depth - 1)):
                rejecting.add(node)
    return bool(rejecting) and not _completes_without(body, rejecting)


class _Eval(_Places):
    """The value of a variable of one function where it is known: constants, the latch, unset
    flags, `address(this)` and the size of its code, and what helpers return. None when unknown."""

    def __init__(self, function, bound: dict, latched: dict, depth: int) -> None:
        super().__init__(function)
        self.function, self.bound, self.latched, self.depth = function, bound, latched, depth

    def arguments(self, call) -> dict:
        return {p: v for p, a in zip(call.function.parameters, call.arguments, strict=False)
                if (v := self.value(a)) is not None}

    def value(self, variable, hops: int = 0):
        from slither.core.declarations import SolidityVariable
        from slither.core.variables.state_variable import StateVariable
        from slither.slithir.variables import Constant

        if hops > 32:
            return None
        if isinstance(variable, Constant):
            return _literal(variable)
        if variable in self.bound:
            return self.bound[variable]
        place = self.location(variable)
        if place is not None:
            if place in self.latched:
                return self.latched[place]
            return False if _transient(place) else None
        if isinstance(variable, StateVariable):
            return None
        if variable == SolidityVariable("this"):
            return _THIS
        made = self.producers.get(variable, [])
        if not made:
            return self._assembly_code_size(variable)
        return self._made(made[0], hops) if len(made) == 1 else None

    def _made(self, ir, hops: int):
        from slither.core.declarations import Function
        from slither.slithir.operations import (
            Assignment,
            Binary,
            InternalCall,
            Length,
            LibraryCall,
            SolidityCall,
            TypeConversion,
            Unary,
            UnaryType,
        )
        from slither.slithir.operations.codesize import CodeSize

        if isinstance(ir, (Assignment, TypeConversion)):
            return self.value(ir.rvalue if isinstance(ir, Assignment) else ir.variable, hops + 1)
        if isinstance(ir, Unary) and ir.type == UnaryType.BANG:
            inner = self.value(ir.rvalue, hops + 1)
            return (not inner) if isinstance(inner, bool) else None
        if isinstance(ir, Binary):
            return _binary(ir.type, self.value(ir.variable_left, hops + 1), self.value(ir.variable_right, hops + 1))
        if isinstance(ir, CodeSize):
            return _CODE if self.value(ir.value, hops + 1) is _THIS else None
        if isinstance(ir, SolidityCall) and ir.function.name.startswith(("code(", "extcodesize(")) and ir.arguments:
            return _CODE if self.value(ir.arguments[0], hops + 1) is _THIS else None
        if isinstance(ir, Length):
            return _CODE if self.value(ir.value, hops + 1) is _CODE else None
        if (isinstance(ir, (InternalCall, LibraryCall)) and isinstance(ir.function, Function)
                and ir.function.nodes and self.depth > 1):
            return self._returned(ir)
        return None

    def _returned(self, call):
        from .access import _returned

        inner = _Eval(call.function, self.arguments(call), self.latched, self.depth - 1)
        found = {id(v): v for v in (inner.value(r) for r in _returned(call.function) if r is not None)}
        values = list(found.values())
        if len(values) != 1 or any(v is None for v in values):
            return None
        return values[0]

    def _assembly_code_size(self, variable):
        """`cs := extcodesize(self)` in assembly Slither keeps as text."""
        from slither.core.cfg.node import NodeType

        from ..detectors.ir import assembly_text

        name = getattr(variable, "name", None)
        for node in self.function.nodes:
            if node.type != NodeType.ASSEMBLY:
                continue
            for target, argument in _EXTCODESIZE.findall(assembly_text(node) or ""):
                if target == name:
                    local = next((v for v in self.function.variables if v.name == argument), None)
                    return _CODE if local is not None and self.value(local) is _THIS else None
        return None


def _binary(kind, left, right):
    """`left <op> right` for known booleans and integers; the code size of a deployed contract
    compares with zero only."""
    from slither.slithir.operations import BinaryType

    if kind == BinaryType.ANDAND:
        if left is False or right is False:
            return False
        return True if left is True and right is True else None
    if kind == BinaryType.OROR:
        if left is True or right is True:
            return True
        return False if left is False and right is False else None
    if left is _CODE or right is _CODE:
        if left is _CODE and right == 0 and not isinstance(right, bool):
            left, right = 1, 0
        elif right is _CODE and left == 0 and not isinstance(left, bool):
            left, right = 0, 1
        else:
            return None
    if left is None or right is None or left is _THIS or right is _THIS:
        return None
    compare = {BinaryType.EQUAL: lambda a, b: a == b, BinaryType.NOT_EQUAL: lambda a, b: a != b,
               BinaryType.LESS: lambda a, b: a < b, BinaryType.LESS_EQUAL: lambda a, b: a <= b,
               BinaryType.GREATER: lambda a, b: a > b, BinaryType.GREATER_EQUAL: lambda a, b: a >= b}.get(kind)
    if compare is None or isinstance(left, bool) != isinstance(right, bool):
        return None
    return compare(left, right)
