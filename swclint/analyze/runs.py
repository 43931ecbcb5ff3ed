"""What a function runs and where its writes land: the functions and modifiers a run executes, the
paths that complete, what a one-value function returns, whether an operation stores into a
variable, and where the storage parameters of the functions one run calls point. Shared by the
questions about callers (`access.py`), callees (`trust.py`) and once-only initializers
(`once.py`), which each build on these and not on one another's internals.
"""

from __future__ import annotations

from ..detectors.ir import executed
from .run_cache import run_cache


@run_cache(maxsize=4096)
def pointer_bindings(function) -> Handed:
    """Where the storage parameters of the functions `function` runs may point in that run (see
    `Handed`): `_roleMembers[role].add(a)` hands `EnumerableSet.add` a pointer into `_roleMembers`,
    and `add` hands it on to `_add`."""
    from slither.slithir.operations import InternalDynamicCall

    from ..detectors.ir import is_storage_pointer

    given: dict = {}
    for fn in executed(function, modifiers=True):
        if any(isinstance(ir, InternalDynamicCall) for node in fn.nodes for ir in node.irs):
            return Handed(function, None)  # the callee may be any function of that type
        for callee, calls in call_sites_of(fn).items():
            for call in calls:
                if hasattr(callee, "nodes") and len(callee.parameters) == len(call.arguments):
                    for parameter, argument in zip(callee.parameters, call.arguments, strict=True):
                        if is_storage_pointer(parameter):
                            given.setdefault(parameter, []).append((fn, argument))
    return Handed(function, given)


@run_cache(maxsize=4096)
def call_sites_of(caller) -> dict:
    """Callee -> [call IR] for `caller`'s own internal and library calls."""
    from slither.slithir.operations import InternalCall, LibraryCall

    sites: dict = {}
    for node in caller.nodes:
        for ir in node.irs:
            if isinstance(ir, (InternalCall, LibraryCall)):
                sites.setdefault(ir.function, []).append(ir)
    return sites


class Handed:
    """What the calls of one run hand each storage parameter: called with a parameter, the state
    variables it may point into (`ir.write_targets`'s `handed`); `arguments(parameter)`, the
    (caller, argument) pairs (`once.field_of` reads these, and keeps its answers in `fields`).
    Unknown (None) for a parameter of the judged function itself, of a function no call in the run
    names, within a recursion, and everywhere in a run that calls through a function pointer."""

    def __init__(self, function, given: dict | None) -> None:
        self._function, self._given = function, given
        self._targets: dict = {}
        self.fields: dict = {}

    def arguments(self, parameter) -> list | None:
        if self._given is None or parameter in self._function.parameters:
            return None
        return self._given.get(parameter)

    def __call__(self, parameter) -> set | None:
        from slither.slithir.variables import TemporaryVariable

        from ..detectors.ir import write_targets

        if parameter in self._targets:
            return self._targets[parameter]
        self._targets[parameter] = None  # asked again while being worked out: a recursion
        arguments = self.arguments(parameter)
        if arguments is None:
            return None
        places: set = set()
        for _, argument in arguments:
            # a temporary is a storage reference some call returned: it may point anywhere
            targets = None if isinstance(argument, TemporaryVariable) else write_targets(argument, handed=self)
            if targets is None:
                return None  # and stays so: the guard above holds None
            places |= targets
        self._targets[parameter] = places
        return places


def completes_without(function, avoided: set, *, starts=None, successors=None, halts=None) -> bool:
    """Some run of `function` reaches its end without passing `avoided` (runs that throw or revert
    do not complete). From `starts` instead of the entry; following `successors(node)` instead of
    every son (a branch known to be taken); a node that `halts` ends the run where it stands (a Yul
    `return`)."""
    from ..detectors.ir import reverts

    stack, seen = list(starts) if starts is not None else [function.entry_point], set()
    while stack:
        node = stack.pop()
        if node is None or node in avoided or node in seen:
            continue
        seen.add(node)
        if reverts(node):
            continue
        if not node.sons or (halts is not None and halts(node)):
            return True
        stack.extend(successors(node) if successors is not None else node.sons)
    return False


DEFAULT = object()  # what a bare `return;` of an unnamed one-value function gives back


def returned(function) -> list:
    """The value each `return` of a one-value function gives back."""
    from slither.slithir.operations import Return

    out = []
    for node in function.nodes:
        for ir in node.irs:
            if isinstance(ir, Return):
                if len(ir.values) > 1:
                    return []
                # a bare `return;` gives back the default: false (Parity's `confirmAndCheck`)
                out.append(ir.values[0] if ir.values else DEFAULT)
    if not out and len(function.returns) == 1:  # a named return variable assigned in the body
        out.append(function.returns[0])
    return out


def writes(ir, variable) -> bool:
    """`ir` stores into `variable`: directly, or (for a struct, array or mapping) through a storage
    pointer that may point into it."""
    from slither.slithir.operations import Index, Length, Member, OperationWithLValue

    from ..detectors.ir import is_storage_pointer, origin, write_targets

    if (not isinstance(ir, OperationWithLValue) or ir.lvalue is None
            or isinstance(ir, (Index, Member, Length))):  # taking a reference writes nothing
        return False
    target = origin(ir.lvalue)
    if target is variable:
        return True
    if not by_reference(variable.type) or is_storage_pointer(ir.lvalue):
        return False  # nor does binding a pointer
    targets = write_targets(ir.lvalue)  # empty for a reference to no variable (a selector)
    return targets is None or variable in targets


def by_reference(solidity_type) -> bool:
    """A struct, array or mapping: a helper handed it (or a pointer into it) can change its parts."""
    from slither.core.declarations import Structure
    from slither.core.solidity_types import ArrayType, MappingType, UserDefinedType

    return isinstance(solidity_type, (ArrayType, MappingType)) or (
        isinstance(solidity_type, UserDefinedType) and isinstance(solidity_type.type, Structure))
