"""Who can call a function: only some accounts (a privileged check), or anyone.

Decided by what the checks compare, never by names: `onlyPayloadSize`, `whenPaused` or
`onlyHuman` admit everyone, while an unconventionally named modifier that compares the caller
with the stored owner admits one account.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

_DEPTH = 6  # helper calls followed from one check (`onlyRole` -> `_checkRole` -> `hasRole`)


@dataclass(frozen=True)
class Roles:
    """What a function's values stand for, as far as a check on the caller goes."""

    caller: frozenset  # the caller's address: msg.sender, and parameters that received it
    held: frozenset  # parameters that received stored state (`onlyBy(owner)`)
    chosen: frozenset  # the caller's own inputs: a check keyed by them admits whoever picks the key


@lru_cache(maxsize=8192)
def privileged(function) -> bool:
    """Only some accounts get past the checks of the function, its modifiers, or the helpers they
    call: the caller's address equals stored state or a literal (`msg.sender == owner`, also through `owner()`,
    `_msgSender()` or a modifier `onlyBy(owner)`; `msg.sender == address(this)`, a multisig's
    confirmed self-call), a stored bool entry for the caller must hold (`admins[msg.sender]`,
    `hasRole(role, msg.sender)`, `if (!isOwner[msg.sender]) throw`), or a stored policy contract
    must approve the caller (a view function). Everyone gets past an ordering test (`balances[msg.sender] >= x`), an
    entry that must not hold (`!frozen[msg.sender]`), an entry picked by the caller's own input
    (`ownerOf[tokenId]`, `approved[from][msg.sender]`), or a disjunction with such a branch
    (`from == msg.sender || ...`)."""
    from slither.core.declarations import SolidityVariableComposed

    entry = Roles(frozenset({SolidityVariableComposed("msg.sender")}), frozenset(), frozenset(function.parameters))
    if _checks_restrict(function, entry, _DEPTH, checks_only=True):
        return True
    for statement in getattr(function, "modifiers_statements", ()):
        for call in _internal_calls(statement.nodes):
            if _checks_restrict(call.function, _passed(function, call, entry), _DEPTH, checks_only=False):
                return True
    return False


def _internal_calls(nodes) -> list:
    from slither.core.declarations import Function
    from slither.slithir.operations import InternalCall

    return [ir for node in nodes for ir in node.irs
            if isinstance(ir, InternalCall) and isinstance(ir.function, Function)]


def _passed(caller, call, roles: Roles) -> Roles:
    """What the callee's parameters receive: the caller's address, stored state, or a chosen input."""
    from slither.core.declarations import SolidityVariable
    from slither.core.variables.state_variable import StateVariable

    from ..detectors.ir import Dependencies

    deps = Dependencies(caller)
    to_caller, to_stored, to_chosen = set(), set(), set()
    for param, arg in zip(call.function.parameters, call.arguments, strict=False):
        roots = deps.roots(arg) | {arg}
        if isinstance(arg, StateVariable):  # `onlyBy(owner)`: the stored value when the check runs
            to_stored.add(param)
        elif roots & roles.caller:
            to_caller.add(param)
        elif roots & roles.chosen:
            to_chosen.add(param)
        elif roots & roles.held or any(isinstance(r, StateVariable) or r == SolidityVariable("this") for r in roots):
            to_stored.add(param)
    outer = roles.caller - set(caller.parameters)  # msg.sender stays the caller in every callee
    return Roles(frozenset(to_caller) | outer, frozenset(to_stored), frozenset(to_chosen))


def _checks_restrict(function, roles: Roles, depth: int, *, checks_only: bool) -> bool:
    """Some require/assert or reverting `if` of `function` admits only some callers, or a helper it
    calls as a statement (`_checkOwner();`) does. With `checks_only` (an entry point), helpers are
    followed only from check nodes; a modifier's or checker's statements are all part of its check."""
    from slither.slithir.operations import Condition, SolidityCall

    from ..detectors.ir import REQUIRE_ASSERT

    if depth <= 0 or not hasattr(function, "nodes"):
        return False
    values = _Values(function, roles, depth)
    for node in function.nodes:
        for ir in node.irs:
            if isinstance(ir, SolidityCall) and ir.function in REQUIRE_ASSERT and values.few(ir.arguments[0], True):
                return True
            if isinstance(ir, Condition) and values.few(ir.value, not _rejects_when_true(node)):
                return True
        is_check = node.contains_require_or_assert() or node.contains_if()
        if checks_only and not is_check:
            continue
        for call in _internal_calls([node]):
            if call.lvalue is None and _checks_restrict(call.function, _passed(function, call, roles), depth - 1,
                                                        checks_only=False):
                return True
    return False


def _rejects_when_true(node) -> bool:
    """An `if` whose true branch throws, reverts or returns early (`if (msg.sender != owner) throw;`,
    0.4's `if (msg.sender != owner) return false;`)."""
    from ..detectors.ir import _branch_ends

    return node.son_true is not None and _branch_ends(node.son_true, returns=True, within_if=True)


class _Values:
    """Which callers can make a boolean value of one function true (or false)."""

    def __init__(self, function, roles: Roles, depth: int) -> None:
        from slither.slithir.operations import OperationWithLValue

        from ..detectors.ir import Dependencies

        self.function, self.roles, self.depth = function, roles, depth
        self.deps = Dependencies(function)
        self.producers: dict = {}
        for node in function.nodes:
            for ir in node.irs:
                if isinstance(ir, OperationWithLValue) and ir.lvalue is not None:
                    self.producers.setdefault(ir.lvalue, []).append(ir)

    def _caller(self, value) -> bool:
        return value in self.roles.caller or bool(self.deps.roots(value) & self.roles.caller)

    def _chosen(self, value) -> bool:
        return value in self.roles.chosen or bool(self.deps.roots(value) & self.roles.chosen)

    def _stored(self, value) -> bool:
        from slither.core.declarations import SolidityVariable
        from slither.core.variables.state_variable import StateVariable

        from ..detectors.ir import origin

        if isinstance(value, StateVariable):  # read by the check, whatever the body stores later
            return True
        if self._caller(value) or self._chosen(value):
            return False
        roots = self.deps.roots(value) | {value, origin(value)}
        return bool(roots & self.roles.held) or any(
            isinstance(r, StateVariable) or r == SolidityVariable("this") for r in roots)

    def few(self, value, polarity: bool) -> bool:
        """Only some callers can make `value` equal `polarity`."""
        from slither.core.declarations import Function
        from slither.core.variables.state_variable import StateVariable
        from slither.slithir.operations import (
            Assignment,
            Binary,
            BinaryType,
            HighLevelCall,
            Index,
            InternalCall,
            TypeConversion,
            Unary,
            UnaryType,
        )
        from slither.slithir.variables import Constant

        from ..detectors.ir import origin

        made = self.producers.get(value, [])
        if len(made) != 1:  # a parameter, a state variable, or a local assigned on several paths
            return False
        ir = made[0]
        if isinstance(ir, Assignment):
            return self.few(ir.rvalue, polarity)
        if isinstance(ir, Unary) and ir.type == UnaryType.BANG:
            return self.few(ir.rvalue, not polarity)
        if isinstance(ir, Binary) and ir.type in (BinaryType.OROR, BinaryType.ANDAND):
            both = (ir.type == BinaryType.OROR) == polarity  # `a || b` holds if either does
            sides = (self.few(ir.variable_left, polarity), self.few(ir.variable_right, polarity))
            return all(sides) if both else any(sides)
        if isinstance(ir, Binary) and ir.type in (BinaryType.EQUAL, BinaryType.NOT_EQUAL):
            equal = (ir.type == BinaryType.EQUAL) == polarity
            for a, b in ((ir.variable_left, ir.variable_right), (ir.variable_right, ir.variable_left)):
                if isinstance(b, Constant) and isinstance(b.value, bool):  # `x == false`
                    return self.few(a, equal == b.value)
            return equal and any(
                self._caller(a) and _is_address(a) and (self._stored(b) or self._is_this(b) or isinstance(b, Constant))
                for a, b in ((ir.variable_left, ir.variable_right), (ir.variable_right, ir.variable_left)))
        if isinstance(ir, Index):
            return (polarity and str(ir.lvalue.type) == "bool" and self._caller(ir.variable_right)
                    and isinstance(origin(ir.variable_left), StateVariable) and not self._chosen(ir.variable_left))
        if isinstance(ir, HighLevelCall):  # a stored access policy asked about the caller (a query, not `mint`)
            queried = getattr(ir.function, "view", False) or getattr(ir.function, "pure", False)
            return (polarity and queried and str(getattr(ir.lvalue, "type", "")) == "bool"
                    and self._stored(ir.destination)
                    and any(self._caller(a) and _is_address(a) for a in ir.arguments)
                    and not any(self._chosen(a) for a in ir.arguments))
        if isinstance(ir, InternalCall) and isinstance(ir.function, Function) and self.depth > 1:
            inner = _Values(ir.function, _passed(self.function, ir, self.roles), self.depth - 1)
            returned = _returned(ir.function)
            return bool(returned) and all(inner.few(r, polarity) for r in returned)
        if isinstance(ir, TypeConversion):
            return self.few(ir.variable, polarity)
        return False

    def _is_this(self, value) -> bool:
        from slither.core.declarations import SolidityVariable
        from slither.slithir.operations import TypeConversion

        return any(isinstance(ir, TypeConversion) and ir.variable == SolidityVariable("this")
                   for ir in self.producers.get(value, []))


def _returned(function) -> list:
    """The value each `return` of a one-value function gives back."""
    from slither.slithir.operations import Return

    out = []
    for node in function.nodes:
        for ir in node.irs:
            if isinstance(ir, Return):
                if len(ir.values) != 1:
                    return []
                out.append(ir.values[0])
    if not out and len(function.returns) == 1:  # a named return variable assigned in the body
        out.append(function.returns[0])
    return out


def _is_address(value) -> bool:
    """The caller's address itself, not an entry keyed by it."""
    return str(getattr(value, "type", "")).startswith("address")
