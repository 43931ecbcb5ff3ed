"""Whose code an external call runs: a contract fixed at deployment, or one a caller can choose.

Re-entry needs the callee to run an attacker's code. A call target is trusted when it is `this`, a
constant, a parameter of a privileged entry point (`analyze/access.py`), or a state variable that
only constructors, privileged functions and writes of trusted values ever set: a literal address,
another trusted variable, or what a call to trusted contracts returned (`OAR.getAddress()` on a
constant resolver). A local holding such a value is as trusted as its sources.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from .access import callees, only_privileged_reach, privileged


def irs_reached(function, *, modifiers: bool = False) -> Iterator[tuple[Any, Any]]:
    """(function, IR operation) for every operation `function` runs itself or through internal
    calls (and its modifiers, when asked)."""
    for fn in [function, *(function.modifiers if modifiers else ()), *callees(function)]:
        for node in fn.nodes:
            for ir in node.irs:
                yield fn, ir


def untrusted_callee(function) -> bool:
    """Some external call (directly, through internal calls or modifiers) targets an address that a
    caller chooses or that an unprivileged function can change. `send`/`transfer` are not calls here:
    their 2300-gas stipend is the stipend-reentrancy check's business."""
    return not _calls_trusted(irs_reached(function, modifiers=True), set())


def untrusted_recipient(function) -> bool:
    """Some ether payment (directly, through internal calls or modifiers) goes to, or some token pull
    (`transferFrom`) takes from or gives to, an address a caller chooses or an unprivileged function
    can change. True when the function moves neither: unknown must not lower a finding."""
    from ..detectors.ir import dependencies

    parties = list(_value_parties(function))
    for fn, party, ir in parties:
        if getattr(ir, "destination", None) is party and pays_what_is_owed(fn, ir):
            continue
        if not all(_trusted_root(root, fn, set()) for root in dependencies(fn).inputs(party)):
            return True
    return not parties


def _value_parties(function) -> Iterator[tuple[Any, Any, Any]]:
    """(function, address, IR) for each ether payment's recipient and each token pull's two parties."""
    from slither.slithir.operations import HighLevelCall, LibraryCall, LowLevelCall, Send, Transfer

    for fn, ir in irs_reached(function, modifiers=True):
        if isinstance(ir, (Send, Transfer)) or (
                isinstance(ir, (LowLevelCall, HighLevelCall)) and ir.call_value is not None):
            yield fn, ir.destination, ir
        elif isinstance(ir, HighLevelCall) and str(ir.function_name).lower() in _PULLS:
            # `token.transferFrom(from, to, ...)`; a library's `safeTransferFrom(token, from, to, ...)`:
            # a pull from a fixed holder to an address the caller picks is theft all the same
            args = ir.arguments[1:] if isinstance(ir, LibraryCall) else ir.arguments
            if len(args) >= 3:
                yield fn, args[0], ir
                yield fn, args[1], ir


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


def _calls_trusted(operations: Iterable[tuple[Any, Any]], seen: set) -> bool:
    """Every external call among `operations` ((function, IR) pairs) targets trusted code."""
    from slither.slithir.operations import HighLevelCall, LowLevelCall

    from ..detectors.ir import dependencies, is_library_call

    for fn, ir in operations:
        if not isinstance(ir, (HighLevelCall, LowLevelCall)) or is_library_call(ir):
            continue
        if not all(_trusted_root(root, fn, seen) for root in dependencies(fn).inputs(ir.destination)):
            return False
    return True


def _trusted_root(root, function, seen: set) -> bool:
    from slither.core.declarations import SolidityVariable
    from slither.core.variables.state_variable import StateVariable

    from ..detectors.ir import EXTERNAL_RESULT

    if root is EXTERNAL_RESULT:  # what some call in `function` returned: trusted if all its calls are
        return function not in seen and _calls_trusted(
            ((function, ir) for node in function.nodes for ir in node.irs), seen | {function})
    if isinstance(root, SolidityVariable):
        return root.name == "this"
    if isinstance(root, StateVariable):
        return _trusted_state(root, seen)
    # A privileged entry point's parameter is the owner's own choice, as trusted as a variable only
    # the owner can set, and so is an internal function's when only privileged entry points (or the
    # constructor) reach it; any other parameter, msg.sender or local of unknown origin: the caller's.
    return root in function.parameters and only_privileged_reach(function)


def _trusted_state(variable, seen: set) -> bool:
    """Constant or immutable, or every unprivileged write stores a trusted value."""
    from slither.slithir.operations import OperationWithLValue

    from ..detectors.ir import dependencies, origin, public_writers, reads_of

    if variable.is_constant or getattr(variable, "is_immutable", False):
        return True
    if variable in seen:
        return True  # a cycle adds no source the other writes do not
    seen = seen | {variable}
    declarer = variable.contract
    heirs = [c for c in declarer.compilation_unit.contracts if declarer in [c, *c.inheritance]]
    for writer in {w for c in heirs for w in public_writers(c, variable)}:
        if privileged(writer):
            continue
        for fn, ir in irs_reached(writer, modifiers=True):
            if not (isinstance(ir, OperationWithLValue) and origin(ir.lvalue) is variable):
                continue
            roots = set().union(*(dependencies(fn).inputs(r) for r in reads_of(ir)))
            if not all(_trusted_root(root, fn, seen) for root in roots):
                return False
    return True
