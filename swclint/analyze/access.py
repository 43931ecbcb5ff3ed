"""Who can call a function: only some accounts (a privileged check), or anyone.

Decided by what the checks compare, never by names: `onlyPayloadSize`, `whenPaused` or
`onlyHuman` admit everyone, while an unconventionally named modifier that compares the caller
with the stored owner admits one account.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from ..detectors.ir import callees
from .run_cache import run_cache
from .runs import DEFAULT, completes_without, returned

_DEPTH = 6  # helper calls followed from one check (`onlyRole` -> `_checkRole` -> `hasRole`)


@dataclass(frozen=True)
class Roles:
    """What a function's values stand for, as far as a check on the caller goes."""

    caller: frozenset  # the caller's address: msg.sender, and parameters that received it
    held: frozenset  # parameters that received stored state (`onlyBy(owner)`)
    chosen: frozenset  # the caller's own inputs: a check keyed by them admits whoever picks the key
    home: object = None  # the contract whose entry point is judged: its functions are the writers that count
    # storage parameters, each with the state variable or ERC-7201 field its argument points into
    # (`_minters.has(account)` hands `Roles.has` a pointer into `_minters`)
    places: tuple = ()


def privileged(function) -> bool:
    """Only some accounts get past: every completing run passes a check, in the function, its
    modifiers or what they call, that requires the caller's address to equal stored state or a
    literal (`msg.sender == owner`, also through `owner()`, `_msgSender()` or a modifier
    `onlyBy(owner)`; `msg.sender == address(this)`, a multisig's confirmed self-call), a stored bool
    or nonzero entry, or a bool field of the entry, for the caller (`hasRole(role, msg.sender)`,
    `seats[msg.sender].active`, `if (!isOwner[msg.sender]) throw`,
    `ownerIndex[uint(msg.sender)] > 0`, a permission bit `schemes[msg.sender].permissions & F == F`)
    in a set only privileged functions can add to, or a stored policy's view function to approve the
    caller. Everyone gets past an ordering test (`balances[msg.sender] >= x`), an entry that must
    not hold (`!frozen[msg.sender]`), a set anyone can join (`register()` then `members[msg.sender]`),
    an entry picked by the caller's own input (`ownerOf[tokenId]`) or by a lookup from the caller
    (`seats[seatOf[msg.sender]]`), a disjunction with such a branch (`from == msg.sender || ...`), or
    a check in one branch only."""
    return _privileged(function, frozenset())


def entry_points(function) -> list:
    """The public/external functions and constructors of `function`'s contract that run it, itself
    or through internal calls."""
    return [f for f in function.contract.functions
            if (f.visibility in ("public", "external") or f.is_constructor)
            and (f is function or function in callees(f))]


@run_cache(maxsize=4096)
def anyone_reaches(function) -> bool:
    """Anyone can run it: an entry point that is not privileged (nor a constructor) runs it."""
    return any(not f.is_constructor and not privileged(f) for f in entry_points(function))


@run_cache(maxsize=4096)
def only_privileged_reach(function) -> bool:
    """Some entry point runs it and each is privileged or a constructor. An internal function nothing
    in its contract calls (a library's, a base contract's helper) is not: its callers are unknown."""
    entries = entry_points(function)
    return bool(entries) and all(f.is_constructor or privileged(f) for f in entries)


@run_cache(maxsize=8192)
def _privileged(function, assumed: frozenset) -> bool:
    """`privileged`, taking the mappings in `assumed` as gated (a set that governs its own writers,
    like a multisig's owners)."""
    from slither.core.declarations import SolidityVariableComposed

    entry = Roles(frozenset({SolidityVariableComposed("msg.sender")}), frozenset(), frozenset(function.parameters),
                  function.contract)
    return _restricts(function, entry, _DEPTH, assumed)


def _restricts(function, roles: Roles, depth: int, assumed: frozenset) -> bool:
    """The checks of `function` or of its modifiers admit only some callers."""
    if _checks_restrict(function, roles, depth, assumed):
        return True
    for statement in getattr(function, "modifiers_statements", ()):
        for call in _internal_calls(statement.nodes):
            if _checks_restrict(call.function, _passed(function, call, roles), depth - 1, assumed):
                return True
    return False


@run_cache(maxsize=4096)
def _entries_gated(mapping, home, assumed: frozenset) -> bool:
    """Every public function of `home` (the deployed contract) that can set an entry of `mapping`
    non-zero (not only clear it) is itself privileged; a self-governed set (owners add owners)
    counts as gated, and so does an initializer that can complete only once (`analyze/once.py`):
    like a constructor, it is deployment. An abstract base's unfinished override elsewhere in the
    build does not count."""
    from .once import deploys

    contract = home if home is not None else mapping.contract
    # not only Slither's writers: it misses writes through a returned pointer
    for writer in contract.functions_entry_points:
        if deploys(writer):
            continue
        if _sets_entries(writer, mapping) and not _privileged(writer, assumed | {mapping}):
            return False
    return True


def _sets_entries(function, mapping) -> bool:
    """Some write to `mapping` in `function` or what it calls stores something other than false/0.
    A write through a storage pointer counts where the pointer may point into `mapping`
    (`S storage s = schemes[msg.sender]; s.perms = 1`, or one a helper returned); a helper's storage
    parameter points where the calls of this run point it (`runs.pointer_bindings`). A call through
    a function pointer may run any function the contract takes as a value, and a raw `sstore` may
    land anywhere. `mapping` may be a field of a struct kept at a constant slot (`once.field_of`): a
    write into another field counts unless the two cannot overlap (`once.fields_apart`)."""
    from slither.slithir.operations import (
        Assignment,
        Delete,
        Index,
        InternalDynamicCall,
        Length,
        Member,
        OperationWithLValue,
    )
    from slither.slithir.variables import Constant

    from ..detectors.ir import SSTORE, assembly_uses, is_storage_pointer, write_targets
    from .once import Field, field_of, fields_apart
    from .runs import pointer_bindings

    nodes = list(function.all_nodes())
    if any(isinstance(ir, InternalDynamicCall) for node in nodes for ir in node.irs):
        for target in _taken_as_values(function.contract):  # what a function pointer may call
            nodes.extend(target.all_nodes())
    if any(assembly_uses(fn, SSTORE) for fn in {node.function for node in nodes}):
        return True  # a raw store may land anywhere
    handed = pointer_bindings(function)
    for node in nodes:
        for ir in node.irs:
            if (not isinstance(ir, OperationWithLValue) or isinstance(ir, (Index, Member, Length, Delete))
                    or ir.lvalue is None):
                continue
            if is_storage_pointer(ir.lvalue):
                continue  # binding a pointer writes nothing
            field = field_of(node.function, ir.lvalue, handed)
            if field is not None and isinstance(mapping, Field) and fields_apart(field, mapping):
                continue
            targets = write_targets(ir.lvalue, handed=handed)
            if field is None and targets is not None and mapping not in targets:
                continue
            if isinstance(ir, Assignment) and isinstance(ir.rvalue, Constant) and not ir.rvalue.value:
                continue
            return True
    return False


def _steered(function, value, hops: int = 0) -> bool:
    """`value` was looked up in storage, computed, or asked of another contract on its way from the
    caller's address (`seats[seatOf[msg.sender]]`, `address(uint160(msg.sender) ^ mask)`,
    `registry.aliasOf(msg.sender)`): whoever can steer that lookup, input or answer picks whose entry
    a check reads. Copies, conversions and a helper returning the caller (`_msgSender()`) are not."""
    from slither.core.declarations import Function
    from slither.slithir.operations import (
        Assignment,
        Binary,
        HighLevelCall,
        Index,
        InternalCall,
        Member,
        TypeConversion,
        Unpack,
    )
    from slither.slithir.variables import Constant

    from ..detectors.ir import all_definitions

    if hops > 16:  # too long a chain to follow: it may hide a lookup
        return True
    for ir in all_definitions(function).get(value, []):
        if isinstance(ir, (Index, Member, Binary, HighLevelCall, Unpack)):
            return True
        if isinstance(ir, Assignment) and _steered(function, ir.rvalue, hops + 1):
            return True
        if isinstance(ir, TypeConversion) and _steered(function, ir.variable, hops + 1):
            return True
        if isinstance(ir, InternalCall) and isinstance(ir.function, Function) and any(
                r is not DEFAULT and not isinstance(r, Constant) and _steered(ir.function, r, hops + 1)
                for r in returned(ir.function)):
            return True
    return False


@run_cache(maxsize=1024)
def _taken_as_values(contract) -> tuple:
    """The functions `contract`'s code takes as values (`_call(_enrol, role)`, `op = _add`): what an
    internal function pointer may call."""
    from slither.core.declarations import Function

    return tuple({value for fn in contract.functions_and_modifiers for node in fn.nodes for ir in node.irs
                  for value in ir.read if isinstance(value, Function) and value.nodes})


def _internal_calls(nodes) -> list:
    """Calls of code that runs as part of the caller: internal functions and library functions
    (`roles[role].check(msg.sender)`)."""
    from slither.core.declarations import Function
    from slither.slithir.operations import InternalCall, LibraryCall

    return [ir for node in nodes for ir in node.irs
            if isinstance(ir, (InternalCall, LibraryCall)) and isinstance(ir.function, Function)]


def _passed(caller, call, roles: Roles) -> Roles:
    """What the callee's parameters receive: the caller's address, stored state, or a chosen input
    (also a value looked up or computed from the caller's address: `_steered`), and where its
    storage parameters point (`_place`)."""
    from slither.core.declarations import SolidityVariable
    from slither.core.variables.state_variable import StateVariable

    from ..detectors.ir import dependencies, is_storage_pointer

    deps = dependencies(caller)
    to_caller, to_stored, to_chosen, places = set(), set(), set(), []
    for param, arg in zip(call.function.parameters, call.arguments, strict=False):
        if is_storage_pointer(param) and (place := _place(caller, arg, roles)) is not None:
            places.append((param, place))
        roots = deps.roots(arg) | {arg}
        if isinstance(arg, StateVariable):  # `onlyBy(owner)`: the stored value when the check runs
            to_stored.add(param)
        elif roots & roles.caller:  # the caller, or what a lookup or computation made of it
            (to_chosen if _steered(caller, arg) else to_caller).add(param)
        elif roots & roles.chosen:
            to_chosen.add(param)
        elif roots & roles.held or any(isinstance(r, StateVariable) or r == SolidityVariable("this") for r in roots):
            to_stored.add(param)
    outer = roles.caller - set(caller.parameters)  # msg.sender stays the caller in every callee
    return Roles(frozenset(to_caller) | outer, frozenset(to_stored), frozenset(to_chosen), roles.home, tuple(places))


def _rebound(function, pointer) -> bool:
    """`pointer` is given a value inside `function` (`role = alt`, `assembly { role.slot := s }`)."""
    from ..detectors.ir import all_definitions

    return bool(all_definitions(function).get(pointer))


def _handed_place(function, pointer, roles: Roles):
    """The place `roles` says the storage parameter `pointer` points into, unless `function` points
    it elsewhere; None otherwise."""
    place = dict(roles.places).get(pointer)
    return place if place is not None and not _rebound(function, pointer) else None


def _place(function, reference, roles: Roles):
    """The state variable or ERC-7201 field a storage reference of `function` points into: its
    origin, a local pointer bound to one place, or the place its caller handed in; None if unknown."""
    from slither.core.variables.state_variable import StateVariable

    from ..detectors.ir import origin, write_targets
    from .once import field_of

    handed_in = _handed_place(function, origin(reference), roles)
    if handed_in is not None:
        return handed_in
    places = dict(roles.places)

    def handed(parameter):  # a field at a constant slot is not a state variable: unknown here
        return {places[parameter]} if isinstance(places.get(parameter), StateVariable) else None

    targets = write_targets(reference, handed=handed)
    if targets is not None and len(targets) == 1:
        return next(iter(targets))
    return field_of(function, reference)


def _checks_restrict(function, roles: Roles, depth: int, assumed: frozenset) -> bool:
    """Every completing run of `function` passes a check that admits only some callers: a
    require/assert, a rejecting `if`, an `if` around the rest of the function, or a function called
    as a statement whose own checks do (`_checkOwner();`, an override's `super.grantRole(...)`). A
    check inside one branch (`if (refunding) { sendRefund(); }`) restricts that branch only; checks
    in every branch (`if (crossChain) { _checkRole(alias, sender); } else { super._checkRole(role); }`)
    restrict the function."""
    if depth <= 0 or not getattr(function, "nodes", None):
        return False
    values = _Values(function, roles, depth, assumed)
    restricting = {node for node in function.nodes if _node_restricts(node, function, values, roles, depth, assumed)}
    return bool(restricting) and not completes_without(function, restricting)


def _node_restricts(node, function, values, roles: Roles, depth: int, assumed: frozenset) -> bool:
    from slither.slithir.operations import Condition, SolidityCall

    from ..detectors.ir import REQUIRE_ASSERT

    for ir in node.irs:
        if isinstance(ir, SolidityCall) and ir.function in REQUIRE_ASSERT and values.few(ir.arguments[0], True):
            return True
        if isinstance(ir, Condition):
            if _rejects_when_true(node):
                if values.few(ir.value, False):
                    return True
            elif _wraps_the_rest(node) and values.few(ir.value, True):
                return True
    return any(call.lvalue is None and _restricts(call.function, _passed(function, call, roles), depth - 1, assumed)
               for call in _internal_calls([node]))


def _wraps_the_rest(node) -> bool:
    """An `if` without a rejecting branch whose false branch runs nothing more (`if (isOwner()) {
    ... }` as a function's only statement, a modifier's `if (msg.sender == owner) _;`): the body
    runs for the admitted callers only. An `if` in the middle of other work guards nothing."""
    from slither.core.cfg.node import NodeType
    from slither.slithir.operations import EventCall

    current, steps = node.son_false, 0
    while current is not None and steps < 50:
        if current.type == NodeType.RETURN:
            return True
        # an event logged for the refused caller (`if (msg.sender == oracle) { _; } Error(6);`) changes nothing
        if any(not isinstance(ir, EventCall) for ir in current.irs) or current.type not in (
                NodeType.ENDIF, NodeType.EXPRESSION):
            return False
        if len(current.sons) > 1:
            return False
        current, steps = (current.sons[0] if current.sons else None), steps + 1
    return current is None


def _rejects_when_true(node) -> bool:
    """An `if` whose true branch throws, reverts or returns early (`if (msg.sender != owner) throw;`,
    0.4's `if (msg.sender != owner) return false;`)."""
    from ..detectors.ir import branch_ends

    return node.son_true is not None and branch_ends(node.son_true, returns=True, within_if=True)


class _Values:
    """Which callers can make a boolean value of one function true (or false)."""

    def __init__(self, function, roles: Roles, depth: int, assumed: frozenset) -> None:
        from ..detectors.ir import all_definitions, dependencies

        self.function, self.roles, self.depth, self.assumed = function, roles, depth, assumed
        self.deps = dependencies(function)
        self.producers = all_definitions(function)  # shared: read only

    def _from_caller(self, value) -> bool:
        return value in self.roles.caller or bool(self.deps.roots(value) & self.roles.caller)

    def _gated(self, mapping) -> bool:
        """Only privileged writers (or this very check, for a self-governed set) add to `mapping`."""
        return mapping in self.assumed or _entries_gated(mapping, self.roles.home, self.assumed)

    def _is_caller(self, value) -> bool:
        """The caller's address itself, not one looked up or computed from it (`_steered`)."""
        return self._from_caller(value) and not _steered(self.function, value)

    def _chosen(self, value) -> bool:
        return value in self.roles.chosen or bool(self.deps.roots(value) & self.roles.chosen)

    def _stored(self, value) -> bool:
        from slither.core.declarations import SolidityVariable
        from slither.core.variables.state_variable import StateVariable

        from ..detectors.ir import origin

        if isinstance(value, StateVariable):  # read by the check, whatever the body stores later
            return True
        if self._from_caller(value) or self._chosen(value):
            return False
        roots = self.deps.roots(value) | {value, origin(value)}
        return bool(roots & self.roles.held) or any(
            isinstance(r, StateVariable) or r == SolidityVariable("this") for r in roots)

    def few(self, value, polarity: bool, hops: int = 0) -> bool:
        """Only some callers can make `value` equal `polarity` (`hops` bounds a chain of copies)."""
        from slither.core.declarations import Function
        from slither.core.variables.state_variable import StateVariable
        from slither.slithir.operations import (
            Assignment,
            Binary,
            BinaryType,
            HighLevelCall,
            Index,
            InternalCall,
            LibraryCall,
            Member,
            TypeConversion,
            Unary,
            UnaryType,
        )
        from slither.slithir.variables import Constant

        made = self.producers.get(value, [])
        if len(made) != 1 or hops > 32:  # a parameter, a state variable, a local assigned on several paths
            return False
        ir = made[0]
        if isinstance(ir, Assignment):
            return self.few(ir.rvalue, polarity, hops + 1)
        if isinstance(ir, Unary) and ir.type == UnaryType.BANG:
            return self.few(ir.rvalue, not polarity, hops + 1)
        if isinstance(ir, Binary) and ir.type in (BinaryType.OROR, BinaryType.ANDAND):
            both = (ir.type == BinaryType.OROR) == polarity  # `a || b` holds if either does
            sides = (self.few(ir.variable_left, polarity, hops + 1), self.few(ir.variable_right, polarity, hops + 1))
            return all(sides) if both else any(sides)
        if isinstance(ir, Binary) and ir.type in (BinaryType.EQUAL, BinaryType.NOT_EQUAL):
            equal = (ir.type == BinaryType.EQUAL) == polarity
            for a, b in ((ir.variable_left, ir.variable_right), (ir.variable_right, ir.variable_left)):
                if isinstance(b, Constant) and isinstance(b.value, bool):  # `x == false`
                    return self.few(a, equal == b.value, hops + 1)
            if equal and any(
                    self._is_caller(a) and _is_address(a) and (self._stored(b) or self._is_this(b) or isinstance(b, Constant))
                    for a, b in ((ir.variable_left, ir.variable_right), (ir.variable_right, ir.variable_left))):
                return True
        if isinstance(ir, Binary) and ir.type in _comparisons():
            return self._nonzero_entry(ir, polarity)
        if isinstance(ir, Member) and polarity and str(ir.lvalue.type) == "bool":
            # a flag in the caller's entry (`seats[msg.sender].active`) is set only where the entry is
            mapping = self._caller_entry(value)
            return mapping is not None and self._gated(mapping)
        if isinstance(ir, Index):
            mapping = self._mapping(ir)
            # the caller may pick the outer key (`_roles[role].members[msg.sender]`): what counts is
            # whether anyone can make themselves an entry (`approved[from][msg.sender]` they can)
            return (polarity and str(ir.lvalue.type) == "bool" and self._is_caller(ir.variable_right)
                    and mapping is not None and (isinstance(mapping, StateVariable) or self.roles.home is not None)
                    and self._gated(mapping))
        if isinstance(ir, HighLevelCall) and not isinstance(ir, LibraryCall):
            # a stored access policy asked about the caller (a query, not `mint`)
            queried = getattr(ir.function, "view", False) or getattr(ir.function, "pure", False)
            return (polarity and queried and str(getattr(ir.lvalue, "type", "")) == "bool"
                    and self._stored(ir.destination)
                    and any(self._is_caller(a) and _is_address(a) for a in ir.arguments)
                    and not any(self._chosen(a) for a in ir.arguments))
        if isinstance(ir, (InternalCall, LibraryCall)) and isinstance(ir.function, Function) and self.depth > 1:
            inner = _Values(ir.function, _passed(self.function, ir, self.roles), self.depth - 1, self.assumed)
            exits = returned(ir.function)

            def admits_few(r) -> bool:  # a constant verdict admits nobody unless it is `polarity`
                if r is DEFAULT or (isinstance(r, Constant) and isinstance(r.value, bool)):
                    return (r is not DEFAULT and r.value) != polarity
                return inner.few(r, polarity)

            if exits and all(r is DEFAULT or isinstance(r, Constant) for r in exits):
                # the verdict is in the control flow (`if (ownerIndex == 0) return; ... return true;`)
                return polarity and _checks_restrict(ir.function, _passed(self.function, ir, self.roles),
                                                     self.depth - 1, self.assumed)
            return bool(exits) and all(admits_few(r) for r in exits)
        if isinstance(ir, TypeConversion):
            return self.few(ir.variable, polarity, hops + 1)
        return False

    def _caller_entry(self, value, hops: int = 0):
        """The stored mapping when `value` is its entry for the caller (`ownerIndex[uint(msg.sender)]`),
        a field of that entry (`schemes[msg.sender].permissions`), or some bits of either
        (`... & bytes4(0x01)`): each is non-zero only where the entry is."""
        from slither.core.variables.state_variable import StateVariable
        from slither.slithir.operations import Assignment, Binary, BinaryType, Index, Member, TypeConversion


        made = self.producers.get(value, [])
        if len(made) != 1 or hops >= 32:
            return None
        ir = made[0]
        if isinstance(ir, Assignment):  # `uint i = m_ownerIndex[...]`
            return self._caller_entry(ir.rvalue, hops + 1)
        if isinstance(ir, (Member, TypeConversion)):
            return self._caller_entry(ir.variable_left if isinstance(ir, Member) else ir.variable, hops + 1)
        if isinstance(ir, Binary) and ir.type == BinaryType.AND:
            for entry, mask in ((ir.variable_left, ir.variable_right), (ir.variable_right, ir.variable_left)):
                if self._constant(mask) is not None:
                    return self._caller_entry(entry, hops + 1)
            return None
        if isinstance(ir, Index) and self._is_caller(ir.variable_right):
            mapping = self._mapping(ir)
            if isinstance(mapping, StateVariable):
                return mapping
        return None

    def _mapping(self, index):
        """The state mapping (or ERC-7201 field, `$._roles[r].hasRole[a]`) an `Index` reads, also
        through a storage parameter its caller pointed into one (`role.bearer[account]`)."""
        from slither.core.variables.state_variable import StateVariable

        from ..detectors.ir import origin
        from .once import field_of

        mapping = origin(index.variable_left)
        handed_in = _handed_place(self.function, mapping, self.roles)
        if handed_in is not None:
            return handed_in
        if isinstance(mapping, StateVariable):
            return mapping
        return field_of(self.function, index.variable_left)

    def _constant(self, value) -> int | None:
        """The integer a literal stands for, also through conversions (`bytes4(0x00000001)`)."""
        from slither.slithir.operations import TypeConversion
        from slither.slithir.variables import Constant

        for _ in range(4):
            made = self.producers.get(value, [])
            if len(made) != 1 or not isinstance(made[0], TypeConversion):
                break
            value = made[0].variable
        if not isinstance(value, Constant) or isinstance(value.value, bool):
            return None
        try:
            return int(str(value.value), 0) if isinstance(value.value, str) else int(value.value)
        except (TypeError, ValueError):
            return None

    def _nonzero_entry(self, ir, polarity: bool) -> bool:
        """`entry > 0`, `entry != 0`, `entry >= 1`, `entry == 3` must hold for the caller's entry of a
        set only privileged functions can add to (a multisig's owner index); `entry == 0` or
        `entry < x` admits the callers who are not in it."""

        for entry, bound, flip in ((ir.variable_left, ir.variable_right, False),
                                   (ir.variable_right, ir.variable_left, True)):
            mapping = self._caller_entry(entry)
            if mapping is None or self._constant(bound) is None:
                continue
            c = self._constant(bound)
            op = _comparisons()[ir.type][flip]  # the test read as `entry <op> c`
            if not polarity:
                op = _NEGATED[op]
            needs_entry = {">": c >= 0, ">=": c >= 1, "!=": c == 0, "==": c != 0}.get(op, False)
            return needs_entry and self._gated(mapping)
        return False

    def _is_this(self, value) -> bool:
        from slither.core.declarations import SolidityVariable
        from slither.slithir.operations import TypeConversion

        return any(isinstance(ir, TypeConversion) and ir.variable == SolidityVariable("this")
                   for ir in self.producers.get(value, []))


@lru_cache(maxsize=1)
def _comparisons() -> dict:
    """Each comparison as `left <op> right`, and read from the right-hand side."""
    from slither.slithir.operations import BinaryType

    return {BinaryType.GREATER: (">", "<"), BinaryType.GREATER_EQUAL: (">=", "<="),
            BinaryType.LESS: ("<", ">"), BinaryType.LESS_EQUAL: ("<=", ">="),
            BinaryType.EQUAL: ("==", "=="), BinaryType.NOT_EQUAL: ("!=", "!=")}


_NEGATED = {">": "<=", ">=": "<", "<": ">=", "<=": ">", "==": "!=", "!=": "=="}


def _is_address(value) -> bool:
    """The caller's address itself, not an entry keyed by it."""
    return str(getattr(value, "type", "")).startswith("address")
