"""Whose code an external call runs: a contract fixed at deployment, or one a caller can choose.

Re-entry needs the callee to run an attacker's code. A call target is trusted when it is `this`, a
constant, a parameter of a privileged entry point (`analyze/access.py`), or a state variable that
only constructors, privileged functions and writes of trusted values ever set: a literal address,
another trusted variable, or what a call to trusted contracts returned (`OAR.getAddress()` on a
constant resolver). A local holding such a value is as trusted as its sources, and so is a helper's
or library's parameter when every call to it that the entry point makes passes a trusted value
(`rewardsToken.safeTransfer(...)` reaches `target.call` in `Address` with `target` the fixed token).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from ..detectors.ir import executed, heirs
from .access import only_privileged_reach, privileged
from .once import deploys
from .run_cache import run_cache
from .runs import by_reference, call_sites_of, writes


def irs_reached(function, *, modifiers: bool = False) -> Iterator[tuple[Any, Any]]:
    """(function, IR operation) for every operation `function` runs itself or through internal and
    library calls (and its modifiers, when asked)."""
    for fn in executed(function, modifiers):
        for node in fn.nodes:
            for ir in node.irs:
                yield fn, ir


def untrusted_callee(function) -> bool:
    """Some external call (directly, through internal calls or modifiers) targets an address that a
    caller chooses or that an unprivileged function can change. `send`/`transfer` are not calls here:
    their 2300-gas stipend is the stipend-reentrancy check's business."""
    return not _calls_trusted(irs_reached(function, modifiers=True), set(), _reach(function), set())


@run_cache(maxsize=4096)
def _reach(entry) -> tuple[Any, frozenset]:
    """(entry point, every function and modifier a run of it executes): where its helpers' arguments
    come from. Empty when a callee is unknown: a call through an internal function pointer, or to a
    function some derived contract overrides (the deployed contract may run that override)."""
    from slither.slithir.operations import InternalDynamicCall

    functions = executed(entry, True)
    if any(getattr(fn, "overridden_by", None) for fn in functions) or any(
            isinstance(ir, InternalDynamicCall) for fn in functions for node in fn.nodes for ir in node.irs):
        return entry, frozenset()
    return entry, frozenset(functions)


def untrusted_recipient(function) -> bool:
    """Some ether payment (directly, through internal calls or modifiers) goes to, or some token pull
    (`transferFrom`) takes from or gives to, an address a caller chooses or an unprivileged function
    can change. True when the function moves neither: unknown must not lower a finding.

    Any of the owner's payees is as good as another, but which holder a pull takes from is the
    theft itself: for a pull's `from`, the key that picks it from a set counts (`payers[i]`)."""
    parties, reach, checked = list(_value_parties(function)), _reach(function), set()
    for fn, party, ir, keys in parties:
        if getattr(ir, "destination", None) is party and pays_what_is_owed(fn, ir):
            continue
        if not all(_trusted_root(root, fn, set(), reach, checked, keys) for root in _sources(fn, keys).inputs(party)):
            return True
    return not parties


def _sources(function, keys: bool):
    """The dependency sets that trust reads: an entry read from a mapping or array depends on the key
    that picked it only where it matters who picks it (`keys`)."""
    from ..detectors.ir import dependencies, entry_dependencies

    return dependencies(function) if keys else entry_dependencies(function)


def _value_parties(function) -> Iterator[tuple[Any, Any, Any, bool]]:
    """(function, address, IR, whether the key picking it counts) for each ether payment's recipient
    and each token pull's two parties."""
    from slither.slithir.operations import HighLevelCall, LibraryCall, LowLevelCall, Send, Transfer

    for fn, ir in irs_reached(function, modifiers=True):
        if isinstance(ir, (Send, Transfer)) or (
                isinstance(ir, (LowLevelCall, HighLevelCall)) and ir.call_value is not None):
            yield fn, ir.destination, ir, False
        elif isinstance(ir, HighLevelCall) and str(ir.function_name).lower() in _PULLS:
            # `token.transferFrom(from, to, ...)`; a library's `safeTransferFrom(token, from, to, ...)`:
            # a pull from a fixed holder to an address the caller picks is theft all the same
            args = ir.arguments[1:] if isinstance(ir, LibraryCall) else ir.arguments
            if len(args) >= 3:
                yield fn, args[0], ir, True
                yield fn, args[1], ir, False


def pays_what_is_owed(function, payment) -> bool:
    """An ether payment of an amount read from an entry kept for its recipient (`shares[a]`,
    `balances[a]`), in a function that also records the payout in such an entry (`released[a] += p`,
    `balances[a] = 0`): whoever triggers it, the recipient gets only what the contract owes it, once.
    Anyone may start a payee's own withdrawal (OpenZeppelin's `PaymentSplitter.release(account)`)."""
    from slither.slithir.operations import Index, OperationWithLValue, TypeConversion

    writers: dict = {}
    for node in function.nodes:
        for ir in node.irs:
            if isinstance(ir, OperationWithLValue) and ir.lvalue is not None:
                writers.setdefault(ir.lvalue, []).append(ir)

    def bare(value):  # `address(uint160(a))`, `payable(a)`: the same account
        while len(writers.get(value, [])) == 1 and isinstance(writers[value][0], TypeConversion):
            value = writers[value][0].variable
        return value

    recipient = bare(payment.destination)
    entries = {ir.lvalue for refs in writers.values() for ir in refs
               if isinstance(ir, Index) and bare(ir.variable_right) is recipient}
    recorded = any(not isinstance(ir, Index) for entry in entries for ir in writers.get(entry, []))
    return recorded and _derived_from(payment.call_value, entries, writers)


def _derived_from(value, sources: set, writers: dict) -> bool:
    """`value` is computed (through the operations writing it, transitively) from one of `sources`."""
    from ..detectors.ir import flat_reads

    seen, stack = set(), [value]
    while stack:
        v = stack.pop()
        if v in sources:
            return True
        if v is None or v in seen:
            continue
        seen.add(v)
        for ir in writers.get(v, []):
            stack.extend(flat_reads(ir))
    return False


_PULLS = {"transferfrom", "safetransferfrom"}  # ERC-20's pull and the SafeERC20 wrapper of it


def _calls_trusted(operations: Iterable[tuple[Any, Any]], seen: set, reach: tuple, checked: set) -> bool:
    """Every external call among `operations` ((function, IR) pairs, run within `reach`) targets
    trusted code.

    Every test here is part of one conjunction: the first untrusted source ends the whole question.
    So `checked`, shared by the question, may hold each helper parameter once found trusted (or
    while it is being checked: a cycle adds no source the other calls do not)."""
    from slither.slithir.operations import HighLevelCall, LowLevelCall

    from ..detectors.ir import entry_dependencies, is_library_call

    for fn, ir in operations:
        if not isinstance(ir, (HighLevelCall, LowLevelCall)) or is_library_call(ir):
            continue
        if not all(_trusted_root(root, fn, seen, reach, checked) for root in entry_dependencies(fn).inputs(ir.destination)):
            return False
    return True


def _trusted_root(root, function, seen: set, reach: tuple, checked: set, keys: bool = False) -> bool:
    from slither.core.declarations import SolidityVariable
    from slither.core.variables.state_variable import StateVariable

    from ..detectors.ir import EXTERNAL_RESULT

    if root is EXTERNAL_RESULT:  # what some call in `function` returned: trusted if all its calls are
        return function not in seen and _calls_trusted(
            ((function, ir) for node in function.nodes for ir in node.irs), seen | {function}, reach, checked)
    if isinstance(root, SolidityVariable):
        return root.name == "this"
    if isinstance(root, StateVariable):
        return _trusted_state(root, seen, checked, keys)
    # A privileged entry point's parameter is the owner's own choice, as trusted as a variable only
    # the owner can set, and so is an internal function's when only privileged entry points (or the
    # constructor) reach it; a helper's, what the entry point's calls to it pass; any other
    # parameter, msg.sender or local of unknown origin: the caller's.
    if root not in function.parameters:
        return False
    return only_privileged_reach(function) or _passed_trusted(root, function, seen, reach, checked, keys)


def _passed_trusted(parameter, function, seen: set, reach: tuple, checked: set, keys: bool) -> bool:
    """`function` runs within `reach` only as a helper (not as its entry point), and every internal or
    library call to it there passes a trusted value for `parameter`, one no other call made beside
    it can rewrite (a memory struct handed to a helper that sets its fields)."""

    entry, functions = reach
    if function is entry or function not in functions:
        return False
    key = (entry, function, parameter, keys)  # per entry point: another one's calls pass other values
    if key in checked:
        return True
    checked.add(key)
    index = function.parameters.index(parameter)
    sites = _call_sites(reach).get(function, [])
    return bool(sites) and all(
        index < len(ir.arguments) and not _handed_on(caller, ir, ir.arguments[index])
        and all(_trusted_root(root, caller, seen, reach, checked, keys)
                for root in _sources(caller, keys).inputs(ir.arguments[index]))
        for caller, ir in sites)


@run_cache(maxsize=4096)
def _call_sites(reach: tuple) -> dict:
    """Callee -> [(caller, call IR)] for the internal and library calls made within `reach`."""
    sites: dict = {}
    for caller in reach[1]:
        for callee, calls in call_sites_of(caller).items():
            sites.setdefault(callee, []).extend((caller, ir) for ir in calls)
    return sites


def _handed_on(caller, site, value) -> bool:
    """`value` is built from a struct or array local (or parameter) of `caller` that `caller` also
    passes to another call, which may rewrite it: the dependency sets do not follow such writes."""
    from slither.core.variables.local_variable import LocalVariable

    from ..detectors.ir import entry_dependencies, flat_reads

    built_from = {r for r in entry_dependencies(caller).roots(value)
                  if isinstance(r, LocalVariable) and by_reference(r.type)}
    return bool(built_from) and any(
        ir is not site and built_from & set(flat_reads(ir))
        for calls in call_sites_of(caller).values() for ir in calls)


def _trusted_state(variable, seen: set, checked: set, keys: bool = False) -> bool:
    """Constant or immutable, or every unprivileged write stores a trusted value."""
    from ..detectors.ir import reads_of

    if variable.is_constant or getattr(variable, "is_immutable", False):
        return True
    if variable in seen:
        return True  # a cycle adds no source the other writes do not
    seen = seen | {variable}
    for writer in _writers(variable):
        if privileged(writer) or deploys(writer):
            continue
        reach = _reach(writer)
        for fn, ir in irs_reached(writer, modifiers=True):
            if not writes(ir, variable) or _stores_no_address(ir, variable):
                continue
            roots = set().union(*(_sources(fn, keys).inputs(r) for r in reads_of(ir)))
            if not all(_trusted_root(root, fn, seen, reach, checked, keys) for root in roots):
                return False
    return True


def _stores_no_address(ir, variable) -> bool:
    """The write stores a number or a bool (`liquidations[a].lastTriggered = block.timestamp`): no
    address read from `variable` is made of it, unless code that can read it turns numbers into
    addresses."""
    from slither.core.solidity_types import ElementaryType

    kind = getattr(ir.lvalue, "type", None)
    return (isinstance(kind, ElementaryType) and (kind.name == "bool" or kind.name.startswith(("uint", "int")))
            and not _makes_addresses(variable.contract))


@run_cache(maxsize=1024)
def _makes_addresses(declarer) -> bool:
    """Code the contracts holding `declarer`'s variables run (libraries included) may turn a stored
    number into an address: it was compiled by a solc before 0.6 (implicit `uint160` conversions,
    settable array lengths), or converts a computed number or bytes into an address or contract
    (`address(uint160(uint256(hash)))`), decodes an address with `abi.decode`, recovers one with
    `ecrecover`, or sets an address or a storage pointer in inline assembly (`t := f`, `p.slot := s`)."""
    from slither.core.cfg.node import NodeType
    from slither.core.solidity_types import ElementaryType
    from slither.slithir.operations import SolidityCall, TypeConversion
    from slither.slithir.variables import Constant

    from ..detectors.ir import solc_at_least

    if not solc_at_least(declarer.compilation_unit, (0, 6)):
        return True
    functions = {g for c in heirs(declarer) for f in c.functions_and_modifiers for g in executed(f, True)}
    for function in functions:
        for node in function.nodes:
            if node.type == NodeType.ASSEMBLY and _assembly_sets_address(node):
                return True
            for ir in node.irs:
                if isinstance(ir, TypeConversion) and _is_address(ir.type) and not isinstance(ir.variable, Constant) \
                        and str(getattr(ir.variable, "type", "")).startswith(("uint", "int", "bytes")):
                    return True
                if isinstance(ir, SolidityCall) and (ir.function.name.startswith("ecrecover") or (
                        ir.function.name.startswith("abi.decode") and not all(
                            isinstance(t, ElementaryType) and not _is_address(t) for t in _types(ir.lvalue)))):
                    return True
    return False


def _types(value) -> list:
    kind = getattr(value, "type", None)
    return list(kind) if isinstance(kind, (list, tuple)) else [kind]


def _is_address(kind) -> bool:
    from slither.core.declarations import Contract
    from slither.core.solidity_types import ElementaryType, UserDefinedType

    return (isinstance(kind, ElementaryType) and kind.name in ("address", "address payable")) or (
        isinstance(kind, UserDefinedType) and isinstance(kind.type, Contract))


_YUL_ASSIGNED = re.compile(r"([A-Za-z_$][\w$.]*(?:\s*,\s*[A-Za-z_$][\w$.]*)*)\s*:=")
_YUL_DECLARED = re.compile(r"\blet\s+([A-Za-z_$][\w$]*(?:\s*,\s*[A-Za-z_$][\w$]*)*)")


def _assembly_sets_address(node) -> bool:
    """An inline assembly block assigns a Solidity variable of address or contract type, or points a
    storage pointer somewhere (`p.slot := s`); a block whose text cannot be read counts."""
    from ..detectors.ir import assembly_text

    code = assembly_text(node)
    if not code:
        return True
    declared = {n.strip() for m in _YUL_DECLARED.finditer(code) for n in m.group(1).split(",")}
    assigned = {n.strip() for m in _YUL_ASSIGNED.finditer(code) for n in m.group(1).split(",")} - declared
    if any(n.endswith(".slot") for n in assigned):
        return True
    function = node.function
    variables = {v.name: v for v in [*function.parameters, *function.returns, *function.local_variables] if v.name}
    return any(n in variables and _is_address(variables[n].type) for n in assigned)


@run_cache(maxsize=4096)
def _writers(variable) -> frozenset:
    """Entry points of the contracts that hold `variable` that may write it: Slither's writers, and
    for a struct, array or mapping those that write through a storage pointer of unknown target
    (`_set(acct, f)` with `a.feed = f`), which Slither does not count."""
    from ..detectors.ir import public_writers

    holders = heirs(variable.contract)
    writers = {w for c in holders for w in public_writers(c, variable)}
    if by_reference(variable.type):
        writers |= {w for c in holders for w in c.functions_entry_points
                    if not (w.is_constructor or w.is_constructor_variables)
                    and any(writes(ir, variable) for _, ir in irs_reached(w, modifiers=True))}
    return frozenset(writers)




