"""Functions that complete at most once after deployment: an initializer behind a latch.

A proxy's logic contract has no constructor, so `initialize` takes its place: a check that a latch
(`initialized`, OpenZeppelin's `_initialized` version) is unset, and a write that sets it. What such
a function stores is deployment configuration, as a constructor's is.

Decided by what the check and the writes do, never by names. A function runs once when, in its own
body or in one modifier it uses, every completing run sets a latch and passes a check that throws
under each value any code of the unit ever stores in the latch. Every such store must be a known
non-zero value, so the latch never returns to its initial zero, and no code may write storage it
cannot name (`sstore`, `delegatecall`, a storage pointer set to a computed slot, an uninitialised
storage pointer or a settable array length in old code). While the check is read:
- the contract has code (`isContract(address(this))`, `extcodesize`: construction is over);
- a flag set only for the span of a call is unset (OpenZeppelin's `_initializing`, which lets an
  initializer's own nested calls through). A flag counts as that only when every function that sets
  it clears it again on every path, and itself throws once the latch is set while the flag is clear.

A latch is a state variable, or a field of a struct kept at a fixed slot (ERC-7201 namespaced
storage, OpenZeppelin 5's `InitializableStorage`, reached through a getter that sets `$.slot` to a
constant). Besides the latch's test, the function's checks may read only its arguments, the caller,
constants, such flags and state of a value type that only deployment writes (constructors and
initializers that complete once: a derived initializer asserting that its base's ran). One that
also waits for a time, a balance or other state is a finalizer that an outsider may be the first
to call.

A function whose run pays out ether or tokens, or destroys the contract, is an action and never
counts, however it is latched: a first-come `sweep(to)` is no initializer.

Assumed, as for a constructor: the deployer runs the initializer before anyone else can call the
contract (in the deployment transaction, as proxies are deployed), so what happens before the
first initialization is deployment. Not modelled: an upgrade of the proxy to other code, or a
contract destroyed and created again at the same address. UUPS proxies' logic contracts, which
`delegatecall` into the code they upgrade to, are left out by the storage rule below.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, NamedTuple

from .run_cache import recursive_run_cache, run_cache

_DEPTH = 4  # helper calls followed while a check's value is worked out (`_isConstructor` -> `isContract`)
_CODE = object()  # the size of this contract's code: positive once it is deployed
_THIS = object()  # address(this)
_HASHED = 2 ** 64  # a slot constant at least this large cannot be one of the contract's own variables
_SPAN = 2 ** 16  # slots a struct laid at a constant slot may cover
# inline assembly Slither keeps as text (before 0.6): `x := ...`, and `p_slot := s` / `p.slot := s`
_ASSIGNED = r"(?<![\w.]){}\s*:=\s*([^\n;{{}}]+)"
_SLOT_SET = re.compile(r"([\w$]+)(?:\.slot|_slot)\s*:=\s*([\w$]+)")
_EXTCODESIZE = re.compile(r"^extcodesize\s*\(\s*(\w+)\s*\)\s*$")


class Field(NamedTuple):
    """A field of the struct a getter places at a constant slot."""

    unit: Any  # the compilation unit
    slot: int
    struct: str
    member: str


@recursive_run_cache(default=False)  # a check may read state only other initializers write
def runs_once(function) -> bool:
    """No call of `function` completes once one has, and it is an initializer, not a one-shot
    action (see the module docstring)."""
    if _pays_out(function):
        return False
    if not _slots_safe(function.contract) or not all(_runs_body(m) for m, _ in _bodies(function)[1:]):
        return False
    for body, bound in _bodies(function):
        for latch in _latch_writes(body):
            values = _stored_values(latch)
            if not values:
                continue
            flags = _Flags(latch, values)
            if _sets_on_every_run(body, latch, bound, flags) and flags.gates(body, bound):
                return _can_run_at_deployment(function, latch, flags)
    return False


_PAYOUTS = frozenset({"transfer", "transferfrom", "safetransfer", "safetransferfrom", "send"})


@run_cache(maxsize=4096)
def _pays_out(function) -> bool:
    """Its run (helpers and modifiers included) sends ether, calls with value, moves tokens or
    destroys the contract: a first-come `sweep(to)` or `claim()` behind a latch completes once too,
    but what it does is no deployer's configuration (and a call before the latch is set could
    re-enter it)."""
    from slither.slithir.operations import HighLevelCall, LowLevelCall, Send, SolidityCall, Transfer

    from ..detectors.ir import executed
    from .runs import call_sites_of

    run = executed(function, True)
    passed: dict = {}  # callee -> the argument lists the run's calls hand it
    for fn in run:
        for callee, calls in call_sites_of(fn).items():
            passed.setdefault(callee, []).extend((fn, call.arguments) for call in calls)
    for fn in run:
        for node in fn.nodes:
            for ir in node.irs:
                if isinstance(ir, (Send, Transfer)) or (isinstance(ir, (HighLevelCall, LowLevelCall))
                                                        and _sends(fn, ir.call_value, passed, 4)):
                    return True
                if isinstance(ir, HighLevelCall) and str(ir.function_name).lower() in _PAYOUTS:
                    return True
                if isinstance(ir, SolidityCall) and ir.function.name.startswith(("selfdestruct", "suicide")):
                    return True
    return False


def _sends(fn, value, passed: dict, depth: int) -> bool:
    """A call's `value` may be non-zero in this run: not a literal zero, nor a parameter every call of
    the run passes zero (`Address.functionCall` hands `functionCallWithValue` a 0, so a library's
    `safeApprove` sends nothing)."""
    from slither.slithir.variables import Constant

    if value is None or (isinstance(value, Constant) and value.value == 0):
        return False
    if depth <= 0 or value not in fn.parameters or not passed.get(fn):
        return True
    index = fn.parameters.index(value)
    return any(len(arguments) <= index or _sends(caller, arguments[index], passed, depth - 1)
               for caller, arguments in passed[fn])


def deploys(function) -> bool:
    """Deployment: a constructor, a state initialiser, or an initializer that completes once (what it
    stores is deployment configuration, as a constructor's is)."""
    from slither.core.declarations import Modifier

    return function.is_constructor or function.is_constructor_variables or (
        not isinstance(function, Modifier) and runs_once(function))


def written_after_deploy(variable) -> bool:
    """Some function other than deployment (`deploys`) can change the variable."""
    from ..detectors.ir import variable_writers

    return not all(deploys(writer) for writer in variable_writers(variable))


def _runs_body(modifier) -> bool:
    """Every completing run of the modifier passes its `_`: none completes without the function's
    own checks (`if (skip) { ...; return; } _;` would)."""
    from slither.core.cfg.node import NodeType

    from .runs import completes_without

    placeholders = {n for n in modifier.nodes if n.type == NodeType.PLACEHOLDER}
    return bool(placeholders) and not completes_without(modifier, placeholders)


class _Flags:
    """Which flags read beside one latch are clear whenever the latch is set (see the module
    docstring). Decided inductively: while a flag's setters are judged, the flag is taken as clear,
    for a setter that throws at top level can only run inside another setter's run."""

    def __init__(self, latch, values: frozenset) -> None:
        self.latch, self.values = latch, values
        self.known: dict = {}
        self.assumed: set = set()

    def gates(self, body, bound: dict) -> bool:
        """`body` throws on every completing run with the latch at any value it may hold."""
        return all(_rejects(body, bound, {self.latch: v}, self.off, _DEPTH) for v in self.values)

    def off(self, location) -> bool:
        if location in self.known:
            return self.known[location]
        if location in self.assumed:
            return True
        self.assumed.add(location)
        try:
            clear = _resets_and_gated(location, self)
        finally:
            self.assumed.discard(location)
        if not clear or not self.assumed:  # assuming more flags clear only admits more: a refusal holds
            self.known[location] = clear
        return clear


def _resets_and_gated(location, flags: _Flags) -> bool:
    """Every store to the bool `location` is a constant, and every body storing true clears it on
    every later path and throws when the latch is set (and the flag clear)."""
    from slither.core.solidity_types import ElementaryType
    from slither.slithir.operations import Assignment
    from slither.slithir.variables import Constant

    if location == flags.latch or not (
            isinstance(location, Field) or (isinstance(location.type, ElementaryType) and location.type.name == "bool")):
        return False
    for body, bound in _all_bodies(_latch_unit(location)):
        places = _places(body)
        sets, resets = [], set()
        for node in body.nodes:
            for ir in node.irs:
                writes = _writes_to(places, ir, location)
                if writes is None:
                    return False
                if not writes:
                    continue
                if not (isinstance(ir, Assignment) and isinstance(ir.rvalue, Constant)
                        and isinstance(ir.rvalue.value, bool)):
                    return False
                if ir.rvalue.value:
                    sets.append(node)
                else:
                    resets.add(node)
        if not sets:
            continue
        values = _Eval(body, dict(bound), {}, flags.off, _DEPTH)
        if any(_escapes(node, resets, values, _halts_in(body)) for node in sets) or not flags.gates(body, dict(bound)):
            return False
    return True


def _halts_in(body) -> Callable:
    """Whether a node of `body` may end the whole call successfully, skipping what follows: a Yul
    `return`, `stop` or `selfdestruct` (or a helper that may run one); for a modifier, also its `_`
    where a function using it may."""
    from slither.core.cfg.node import NodeType

    from ..detectors.ir import _finishes, _finishing_helpers

    finishing = _finishing_helpers(body.compilation_unit)
    users_halt = _users_may_halt(body)
    return lambda node: _finishes(node, finishing) or (users_halt and node.type == NodeType.PLACEHOLDER)


@run_cache(maxsize=1024)
def _users_may_halt(modifier) -> bool:
    """Some function using the modifier may end the whole call in its own body."""
    from ..detectors.ir import _finishes, _finishing_helpers

    finishing = _finishing_helpers(modifier.compilation_unit)
    return any(modifier in getattr(f, "modifiers", ()) and any(_finishes(n, finishing) for n in f.nodes)
               for f, _ in _all_bodies(modifier.compilation_unit))


def _escapes(start, resets: set, values: _Eval, halts: Callable) -> bool:
    """Some path from `start` ends the call without passing one of `resets` (a throw ends none; a
    node that `halts` ends it on the spot); an `if` on a value fixed before `start`
    (`if (isTopLevelCall)`) goes the way it went there."""
    from .runs import completes_without

    return completes_without(start.function, resets - {start}, starts=[start],
                             successors=lambda node: _next(node, values), halts=halts)


def _next(node, values: _Eval) -> list:
    """The successors of `node` a run can take: one branch of an `if` whose condition is known."""
    from slither.core.cfg.node import NodeType
    from slither.slithir.operations import Condition

    if node.type == NodeType.IF and node.son_true is not None and node.son_false is not None:
        condition = next((ir.value for ir in node.irs if isinstance(ir, Condition)), None)
        known = values.value(condition, node) if condition is not None else None
        if isinstance(known, bool):
            return [node.son_true if known else node.son_false]
    return list(node.sons)


def _can_run_at_deployment(function, latch, flags: _Flags) -> bool:
    """Besides the latch, every check of the function and its modifiers reads only its arguments,
    the caller, constants, flags that initialization raises and state that only deployment writes
    (`_settled`: OpenZeppelin 2.x's `assert(Crowdsale._hasBeenInitialized())` in a derived
    crowdsale's initializer): the deployer can call it at once, and nothing anyone does later
    makes it pass. The helpers it calls are not asked: their checks guard their own work
    (`Address.functionCall`'s balance test, `safeApprove`'s allowance test), not whether
    initialization may start."""
    for fn in (function, *function.modifiers):
        waited = _waited_on(fn, latch, frozenset())
        if waited is None or not all(_settled(place) for place in waited):
            return False
    return True


def _settled(place) -> bool:
    """A state variable of a value type (no pointer reaches it) that only deployment writes: every
    entry point whose run writes it, in each contract that holds it, is a constructor or an
    initializer that completes only once."""
    from slither.core.declarations import Contract, Enum
    from slither.core.solidity_types import ElementaryType, UserDefinedType
    from slither.core.variables.state_variable import StateVariable
    from slither.slithir.operations import InternalDynamicCall

    from ..detectors.ir import executed, heirs, run_on_storage

    kind = getattr(place, "type", None)
    if not isinstance(place, StateVariable) or not (
            isinstance(kind, ElementaryType) and str(kind) not in ("string", "bytes")
            or isinstance(kind, UserDefinedType) and isinstance(kind.type, (Contract, Enum))):
        return False
    for contract in heirs(place.contract):
        if any(isinstance(ir, InternalDynamicCall) for fn in run_on_storage(contract) for node in fn.nodes
               for ir in node.irs):
            return False  # a call through a function pointer may run any writer
        for entry in contract.functions:
            if not (entry.visibility in ("public", "external") or entry.is_constructor or entry.is_fallback
                    or entry.is_receive) or entry.is_constructor or entry.is_constructor_variables:
                continue
            if any(place in fn.state_variables_written for fn in executed(entry, True)) and not runs_once(entry):
                return False
    return True


_CHAIN_READS = ("balance(", "selfbalance(", "timestamp(", "number(", "coinbase(", "difficulty(", "prevrandao(",
                "gaslimit(", "blockhash(", "gasleft(")  # and Yul's builtins


def _waits(fn, latch, assumed: frozenset) -> bool:
    """A check in `fn` (a require/assert, or an `if` with a throwing branch) reads the chain (a
    time, a block, a balance), a call's answer, or stored state other than the latch and the flags
    initialization raises (those in `assumed` are taken as such: a raiser may test its own flag)."""
    return _waited_on(fn, latch, assumed) != frozenset()


@run_cache(maxsize=4096)
def _waited_on(fn, latch, assumed: frozenset) -> frozenset | None:
    """The stored places `_waits` finds the checks of `fn` reading; None where one reads the chain
    or a call's answer."""
    from slither.core.variables.state_variable import StateVariable
    from slither.slithir.operations import Condition, HighLevelCall, LibraryCall, LowLevelCall, SolidityCall

    from ..detectors.ir import BLOCK_VALUES, EXTERNAL_RESULT, asserted_value, branch_ends, dependencies

    deps, places = dependencies(fn), _places(fn)
    found: set = set()
    for node in fn.nodes:
        tested = [v for ir in node.irs for v in [asserted_value(ir)] if v is not None]
        tested += [ir.value for ir in node.irs if isinstance(ir, Condition) and any(
            branch is not None and branch_ends(branch, returns=True, within_if=True)
            for branch in (node.son_true, node.son_false))]
        for value in tested:
            seen, stack = set(), [value]
            while stack:  # the check's value and everything in `fn` it is computed from
                v = stack.pop()
                if v is None or v in seen:
                    continue
                seen.add(v)
                for root in deps.roots(v) | {v}:
                    if root in BLOCK_VALUES or root is EXTERNAL_RESULT:
                        return None
                    place = places.location(root)
                    if place is None or place == latch:
                        continue
                    if (isinstance(place, StateVariable) and (place.is_constant or getattr(place, "is_immutable", False))
                            or _raised_with(place, latch, assumed)):
                        continue
                    found.add(place)
                for ir in places.producers.get(v, []):
                    if (isinstance(ir, (HighLevelCall, LowLevelCall)) and not isinstance(ir, LibraryCall)) or (
                            isinstance(ir, SolidityCall) and ir.function.name.startswith(_CHAIN_READS)):
                        return None
                    stack.extend(getattr(ir, "read", ()))
    return frozenset(found)


@run_cache(maxsize=1024)
def _raised_with(location, latch, assumed: frozenset) -> bool:
    """A bool that only constants are stored in, set true only by code that sets the latch on every
    run and waits for nothing (OpenZeppelin's `_initializing`, which `onlyInitializing` helpers
    test): initialization's own."""
    from slither.slithir.operations import Assignment
    from slither.slithir.variables import Constant

    if location in assumed:
        return True
    if not isinstance(location, Field) and str(getattr(location, "type", "")) != "bool":
        return False
    assumed, values = assumed | {location}, _stored_values(latch)
    for body, bound in _all_bodies(_latch_unit(latch)):
        places, raises = _places(body), False
        for node in body.nodes:
            for ir in node.irs:
                writes = _writes_to(places, ir, location)
                if writes is None or (writes and not (isinstance(ir, Assignment) and isinstance(ir.rvalue, Constant))):
                    return False
                raises |= bool(writes) and ir.rvalue.value is True
        if raises and not (values and _sets_on_every_run(body, latch, bound, _Flags(latch, values))
                           and not _waits(body, latch, assumed)):
            return False
    return True


@run_cache(maxsize=1024)
def _slots_safe(contract) -> bool:
    """No code the deployed contract runs writes storage it cannot name: no `sstore`, `delegatecall` or `callcode`;
    a storage pointer set in assembly only to a constant slot far from the contract's variables
    (ERC-1967, ERC-7201), directly or through a parameter every caller passes such a constant; before
    0.6 no array length set (an index past it reaches any slot), before 0.5 no storage pointer left
    uninitialised (it points at slot 0)."""
    from slither.core.cfg.node import NodeType

    from ..detectors.ir import SSTORE, assembly_text, delegates, lengths_set_on, run_on_storage, solc_at_least

    unit = contract.compilation_unit
    if not solc_at_least(unit, (0, 6)) and lengths_set_on(contract) != frozenset():
        return False
    old = not solc_at_least(unit, (0, 5))
    for function in run_on_storage(contract):
        if delegates(function):
            return False
        for node in function.nodes:
            if node.type == NodeType.ASSEMBLY:
                text = assembly_text(node)
                if text is None or SSTORE.search(text):
                    return False
                if any(not _far_slot(function, value) for _, value in _SLOT_SET.findall(text)):
                    return False
        if old and any(v.is_storage and v.expression is None and v not in function.parameters
                       for v in {*function.local_variables, *function.returns}):
            return False
    return True


def _far_slot(function, name: str) -> bool:
    """The slot named in `function`'s assembly is a constant far from the contract's own variables,
    or a parameter of an internal function that every call passes such a constant."""
    from slither.core.declarations import Function
    from slither.core.variables.state_variable import StateVariable
    from slither.slithir.operations import InternalCall, LibraryCall

    index = next((i for i, p in enumerate(function.parameters) if p.name == name), None)
    if index is None:
        constant = _named_constant(function, name)
        return constant is not None and (_constant_value(constant) or 0) >= _HASHED
    if not isinstance(function, Function) or function.visibility in ("public", "external"):
        return False
    for contract in function.compilation_unit.contracts:
        for caller in contract.functions_and_modifiers_declared:
            for node in caller.nodes:
                for ir in node.irs:
                    if isinstance(ir, (InternalCall, LibraryCall)) and ir.function is function:
                        argument = ir.arguments[index] if index < len(ir.arguments) else None
                        if not (isinstance(argument, StateVariable) and argument.is_constant
                                and (_constant_value(argument) or 0) >= _HASHED):
                            return False
    return True


def _named_constant(function, name: str):
    contract = getattr(function, "contract", None)
    variables = {v for c in ([contract, *contract.inheritance] if contract else []) for v in c.state_variables_declared}
    return next((v for v in variables if v.name == name and v.is_constant), None)


def _constant_value(variable) -> int | None:
    """The integer a constant state variable is initialised to, when written as a literal."""
    from ..detectors.ir import _initial_literal

    value = _initial_literal(variable) if getattr(variable, "expression", None) is not None else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


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

    found, places = [], _places(body)
    for node in body.nodes:
        for ir in node.irs:
            kind = getattr(ir.lvalue, "type", None) if isinstance(ir, Assignment) else None
            if isinstance(kind, ElementaryType) and _numeric(kind.name):
                latch = places.location(ir.lvalue)
                if latch is not None and latch not in found:
                    found.append(latch)
    return found


def _numeric(name: str) -> bool:
    return name == "bool" or name.startswith(("uint", "int"))


class _Places:
    """Where a function's values are kept: a state variable, or a field of a struct at a fixed slot."""

    def __init__(self, function) -> None:
        from ..detectors.ir import all_definitions

        self.unit = function.compilation_unit
        self.producers = all_definitions(function)  # shared: read only

    def location(self, variable):
        """The state variable or `Field` `variable` is, or refers to; None when unknown."""
        from slither.core.variables.state_variable import StateVariable

        if isinstance(variable, StateVariable):
            return variable
        member = self.member(variable)
        if member is not None:
            slot = self._slot(member.variable_left)
            if slot is not None:
                return Field(self.unit, slot, str(member.variable_left.type), str(member.variable_right))
        return None

    def member(self, variable):
        """The `Member` operation that made the reference `variable` (a store into it is a producer too)."""
        from slither.slithir.operations import Member

        made = [ir for ir in self.producers.get(variable, []) if isinstance(ir, Member)]
        return made[0] if len(made) == 1 else None

    def _slot(self, pointer, hops: int = 0):
        """The constant slot a storage pointer was set to by a getter (`$ = _getStorage()`)."""
        from slither.core.declarations import Function
        from slither.core.variables.state_variable import StateVariable
        from slither.slithir.operations import Assignment, InternalCall, LibraryCall

        made = self.producers.get(pointer, [])
        if len(made) != 1 or hops > 8:
            return None
        ir = made[0]
        if isinstance(ir, Assignment) and isinstance(ir.rvalue, StateVariable) and ir.rvalue.is_constant:
            return _constant_value(ir.rvalue)  # `assembly { $.slot := SLOT }` in the function itself
        if isinstance(ir, Assignment):
            return self._slot(ir.rvalue, hops + 1)
        if isinstance(ir, (InternalCall, LibraryCall)) and isinstance(ir.function, Function) and not ir.arguments:
            return _getter_slot(ir.function)
        return None


def field_of(function, reference, handed=None):
    """The `Field` (a member of a struct kept at a constant slot) that a reference of `function`
    lands in, through indexes, members, array lengths and storage pointers
    (`$._roles[role].hasRole[account]`);
    None when it lands elsewhere or cannot be told. With `handed` (`runs.pointer_bindings`), a
    storage parameter lands where the arguments the judged run hands it do."""
    from slither.slithir.operations import Assignment, Index, Length, Member

    from ..detectors.ir import is_storage_pointer

    places, value = _places(function), reference
    for _ in range(16):
        made = places.producers.get(value, [])
        step = next((ir for ir in made if isinstance(ir, (Member, Index, Length))), None)
        if isinstance(step, Member):
            place = places.location(value)
            if isinstance(place, Field):  # near the contract's own variables it could be any of them
                return place if place.slot >= _HASHED else None
            value = step.variable_left
        elif isinstance(step, Index):
            value = step.variable_left
        elif isinstance(step, Length):  # an array's length is kept where the array is
            value = step.value
        elif is_storage_pointer(value) and len(made) == 1 and isinstance(made[0], Assignment) \
                and value not in function.parameters:
            value = made[0].rvalue
        elif handed is not None and is_storage_pointer(value) and not made and value in function.parameters:
            return _handed_field(handed, value)
        else:
            return None
    return None


def _handed_field(handed, parameter):
    """The one `Field` every argument the run hands `parameter` lands in; None if they differ."""
    if parameter in handed.fields:
        return handed.fields[parameter]
    handed.fields[parameter] = None  # asked again while being worked out: a recursion
    arguments = handed.arguments(parameter)
    if not arguments:
        return None
    fields = {field_of(caller, argument, handed) for caller, argument in arguments}
    found = fields.pop() if len(fields) == 1 else None
    handed.fields[parameter] = found
    return found


def fields_apart(a: Field, b: Field) -> bool:
    """No write to one field can land in the other: another member of the same struct at the same
    slot, or slots too far apart for a struct laid at one to cover the other."""
    return (a.slot == b.slot and a.struct == b.struct and a.member != b.member) or abs(a.slot - b.slot) >= _SPAN


@run_cache(maxsize=4096)
def _places(function) -> _Places:
    return _Places(function)


@run_cache(maxsize=1024)
def _getter_slot(function) -> int | None:
    """The slot a function without parameters sets its returned storage pointer to, a constant
    written as a literal (`assembly { $.slot := STORAGE_LOCATION }`), and nothing else."""
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
                slots.add(_constant_value(ir.rvalue))
    return slots.pop() if len(slots) == 1 and None not in slots else None


def _writes_to(places: _Places, ir, latch) -> bool | None:
    """`ir` stores into `latch`: True, False, or None when it may (a field of the latch's struct
    whose place cannot be told, or another struct kept at the latch's slot)."""
    from slither.slithir.operations import Index, Length, Member, OperationWithLValue

    from .runs import writes

    if not isinstance(latch, Field):
        return writes(ir, latch)
    if (not isinstance(ir, OperationWithLValue) or ir.lvalue is None
            or isinstance(ir, (Index, Member, Length))):
        return False
    place = places.location(ir.lvalue)
    if isinstance(place, Field):
        if place.slot == latch.slot and place.struct == latch.struct:
            return place.member == latch.member
        return None if abs(place.slot - latch.slot) < _SPAN else False  # a struct laid over the latch's slots
    if place is not None:
        return False
    member = places.member(ir.lvalue)
    if member is None:
        return False
    struct = str(member.variable_left.type)
    if struct == latch.struct:
        return None if str(member.variable_right) == latch.member else False
    return None if struct in _near_structs(latch) else False  # a pointer handed on: where it points is unknown


@run_cache(maxsize=1024)
def _near_structs(latch: Field) -> frozenset:
    """The struct types that slot getters of the unit place at or near the latch's slot."""
    return frozenset(str(f.returns[0].type) for f, _ in _all_bodies(latch.unit)
                     if (slot := _getter_slot(f)) is not None and abs(slot - latch.slot) < _SPAN)


@run_cache(maxsize=1024)
def _stored_values(latch) -> frozenset:
    """Every value any function or modifier use of the unit stores in `latch`; empty when one is
    unknown or zero (the latch could be reset)."""
    from slither.slithir.operations import Assignment

    values: set = set()
    for body, bound in _all_bodies(_latch_unit(latch)):
        evaluator = _Eval(body, bound, {}, None, 1)
        for node in body.nodes:
            for ir in node.irs:
                writes = _writes_to(evaluator, ir, latch)
                if writes is None:
                    return frozenset()
                if not writes:
                    continue
                value = evaluator.value(ir.rvalue, node) if isinstance(ir, Assignment) else None
                if value is None or value is _CODE or value is _THIS or not value:
                    return frozenset()
                values.add(value)
    return frozenset(values)


def _latch_unit(latch):
    """The compilation unit a latch lives in."""
    return latch.unit if isinstance(latch, Field) else latch.contract.compilation_unit


@run_cache(maxsize=64)
def _all_bodies(unit) -> tuple:
    """(function or modifier, bound arguments) for every function of the unit and every use of a
    modifier; a modifier nothing uses runs nowhere."""
    functions = {f for c in unit.contracts for f in c.functions} | set(unit.functions_top_level)
    bodies = {(f, ()) for f in functions}
    for f in functions:
        for statement in getattr(f, "modifiers_statements", ()):
            bodies |= {(call.function, tuple(_bound(call).items())) for call in _modifier_calls(statement.nodes)}
    return tuple((body, dict(bound)) for body, bound in bodies)


def _sets_on_every_run(body, latch, bound: dict, flags: _Flags) -> bool:
    """Every completing run of `body` writes `latch`; an `if` whose condition is known on a first
    run (`if (isTopLevelCall)`, with the flags clear) is followed one way."""
    from .runs import completes_without

    values = _Eval(body, bound, {}, flags.off, _DEPTH)
    setting = {node for node in body.nodes if any(_writes_to(values, ir, latch) for ir in node.irs)}
    return not completes_without(body, setting, successors=lambda node: _next(node, values))


def _rejects(body, bound: dict, latched: dict, off: Callable, depth: int) -> bool:
    """Every completing run of `body` passes a check that throws with the latch at `latched`: a
    require/assert, an `if` whose true branch throws (a `return` only ends a helper or modifier, the
    caller goes on), or a helper called as a statement whose own checks throw."""
    from slither.core.cfg.node import NodeType
    from slither.core.declarations import Function
    from slither.slithir.operations import Condition, InternalCall, SolidityCall

    from ..detectors.ir import REQUIRE_ASSERT, branch_ends
    from .runs import completes_without

    if depth <= 0 or not getattr(body, "nodes", None):
        return False
    values = _Eval(body, bound, latched, off, depth)
    rejecting = set()
    for node in body.nodes:
        for ir in node.irs:
            if ((isinstance(ir, SolidityCall) and ir.function in REQUIRE_ASSERT
                 and values.value(ir.arguments[0], node) is False)
                    or (isinstance(ir, Condition) and node.type == NodeType.IF and node.son_true is not None
                        and branch_ends(node.son_true, returns=False, within_if=True)
                        and values.value(ir.value, node) is True)
                    or (isinstance(ir, InternalCall) and ir.lvalue is None and isinstance(ir.function, Function)
                        and _rejects(ir.function, values.arguments(ir, node), latched, off, depth - 1))):
                rejecting.add(node)
    return bool(rejecting) and not completes_without(body, rejecting)


class _Eval(_Places):
    """The value of a variable of one function where it is known: constants, the latch, clear
    flags, `address(this)` and the size of its code, and what helpers return. None when unknown.
    A local's one assignment is its value only where that assignment dominates the read (elsewhere
    it may still hold its default); a flag this function sets before reading it is unknown."""

    def __init__(self, function, bound: dict, latched: dict, off: Callable | None, depth: int) -> None:
        places = _places(function)  # the producers are the function's, whatever is assumed
        self.unit, self.producers = places.unit, places.producers
        self.function, self.bound, self.latched, self.off, self.depth = function, bound, latched, off, depth
        self.texts = _assembly_texts(function)

    def arguments(self, call, at) -> dict:
        return {p: v for p, a in zip(call.function.parameters, call.arguments, strict=False)
                if (v := self.value(a, at)) is not None}

    def value(self, variable, at, hops: int = 0):
        from slither.core.declarations import SolidityVariable
        from slither.core.variables.local_variable import LocalVariable
        from slither.core.variables.state_variable import StateVariable
        from slither.slithir.variables import Constant

        if hops > 32:
            return None
        if isinstance(variable, Constant):
            return _literal(variable)
        place = self.location(variable)
        if place is not None:
            if place in self.latched:
                return self.latched[place]
            return False if self.off is not None and not self._set_before(place, at) and self.off(place) else None
        if isinstance(variable, StateVariable):
            return None
        if variable == SolidityVariable("this"):
            return _THIS
        name = getattr(variable, "name", None)
        in_text = [m for text in self.texts for m in re.findall(_ASSIGNED.format(re.escape(name)), text)] if name else []
        made = self.producers.get(variable, [])
        if variable in self.bound and not made and not in_text:
            return self.bound[variable]
        if in_text:
            return self._text_code_size(in_text, at, hops) if not made else None
        if len(made) != 1:
            return None
        ir = made[0]
        if isinstance(variable, LocalVariable) and (at is None or (ir.node is not at and ir.node not in at.dominators)):
            return None  # a path to the read may skip the assignment: the local keeps its default
        return self._made(ir, hops)

    def _set_before(self, place, at) -> bool:
        """This function may set the flag `place` true on a path that reaches `at`."""
        from slither.slithir.operations import Assignment

        return any(
            any(isinstance(ir, Assignment) and getattr(ir.rvalue, "value", None) is not False
                and _writes_to(self, ir, place) is not False for ir in node.irs)
            and (at is None or node is at or _reaches(node, at))
            for node in self.function.nodes)

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

        at = ir.node
        if isinstance(ir, Assignment):
            return self.value(ir.rvalue, at, hops + 1)
        if isinstance(ir, TypeConversion):
            return _converted(self.value(ir.variable, at, hops + 1), ir.type)
        if isinstance(ir, Unary) and ir.type == UnaryType.BANG:
            inner = self.value(ir.rvalue, at, hops + 1)
            return (not inner) if isinstance(inner, bool) else None
        if isinstance(ir, Binary):
            return _binary(ir.type, self.value(ir.variable_left, at, hops + 1),
                           self.value(ir.variable_right, at, hops + 1))
        if isinstance(ir, CodeSize):
            return _CODE if self.value(ir.value, at, hops + 1) is _THIS else None
        if isinstance(ir, SolidityCall) and ir.function.name.startswith(("code(", "extcodesize(")) and ir.arguments:
            return _CODE if self.value(ir.arguments[0], at, hops + 1) is _THIS else None
        if isinstance(ir, Length):
            return _CODE if self.value(ir.value, at, hops + 1) is _CODE else None
        if (isinstance(ir, (InternalCall, LibraryCall)) and isinstance(ir.function, Function)
                and ir.function.nodes and self.depth > 1):
            return self._returned(ir)
        return None

    def _returned(self, call):
        from .runs import returned

        inner = _Eval(call.function, self.arguments(call, call.node), self.latched, self.off, self.depth - 1)
        exits = {id(v): v for v in (inner.value(r, _return_node(call.function, r)) for r in returned(call.function)
                                    if r is not None)}
        values = list(exits.values())
        if len(values) != 1 or any(v is None for v in values):
            return None
        return values[0]

    def _text_code_size(self, assigned: list, at, hops: int):
        """`cs := extcodesize(self)`, this local's only assignment, in assembly kept as text, in a
        block that comes before the read on every path."""
        from slither.core.cfg.node import NodeType

        from ..detectors.ir import _ASSEMBLY_BRANCHES

        if (len(assigned) != 1 or not (match := _EXTCODESIZE.match(assigned[0].strip()))
                or any(_ASSEMBLY_BRANCHES.search(text) for text in self.texts)):
            return None
        blocks = [n for n in self.function.nodes if n.type == NodeType.ASSEMBLY]
        if at is None or not blocks or not all(b in at.dominators for b in blocks):
            return None
        local = next((v for v in self.function.variables if v.name == match.group(1)), None)
        return _CODE if local is not None and self.value(local, blocks[0], hops + 1) is _THIS else None


def _assembly_texts(function) -> list[str]:
    """The text of each inline assembly block Slither keeps only as text (before 0.6; later
    releases' blocks become operations)."""
    from slither.core.cfg.node import NodeType

    from ..detectors.ir import assembly_text, solc_at_least

    if solc_at_least(function.compilation_unit, (0, 6)):
        return []
    return [assembly_text(n) or "" for n in function.nodes if n.type == NodeType.ASSEMBLY]


def _return_node(function, value):
    """A node of `function` that returns `value` (the place its value is read)."""
    from slither.slithir.operations import Return

    for node in function.nodes:
        if any(isinstance(ir, Return) and value in ir.values for ir in node.irs):
            return node
    return None


def _reaches(start, target) -> bool:
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


def _converted(value, kind):
    """A known value converted to `kind`: unchanged only when it fits (`uint8(256)` is 0)."""
    from slither.core.solidity_types import ElementaryType

    from ..detectors.ranges import int_range

    name = getattr(kind, "name", None) if isinstance(kind, ElementaryType) else None
    if value is _THIS:
        return _THIS if name == "address" or name is None else None
    if isinstance(value, bool):
        return value if name == "bool" else None
    span = int_range(kind) if isinstance(value, int) else None
    return value if span is not None and span[0] <= value <= span[1] else None


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
