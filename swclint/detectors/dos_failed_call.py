"""SWC-113: one failing recipient blocks everyone (calls in loops, push refunds)."""

from __future__ import annotations

from slither.core.declarations import Contract, Function
from slither.core.variables.state_variable import StateVariable
from slither.detectors.abstract_detector import DetectorClassification
from slither.slithir.operations import Assignment, HighLevelCall, LowLevelCall, Send, Transfer

from swclint.analyze.access import privileged
from swclint.detectors.base import SWCDetector
from swclint.detectors.ir import (
    CALLER_VALUES,
    Dependencies,
    declared_functions,
    failure_reverts,
    loop_nodes,
    origin,
)


def _replaceable_by_anyone(contract: Contract, variable: StateVariable) -> bool:
    """Some public function without a privileged check stores msg.sender (or a parameter) into the
    variable: an owner changing the owner is not "anyone"."""
    for function in contract.functions_entry_points:
        if function.is_constructor or privileged(function):
            continue
        deps = Dependencies(function)
        for node in function.nodes:
            for ir in node.irs:
                if isinstance(ir, Assignment) and origin(ir.lvalue) == variable:
                    roots = deps.roots(ir.rvalue)
                    if roots & CALLER_VALUES or roots & set(function.parameters):
                        return True
    return False


def _pays(ir) -> bool:
    """Ether leaves with the call: transfer and send always, a low-level call when it carries value."""
    return isinstance(ir, (Transfer, Send)) or getattr(ir, "call_value", None) is not None


def _recipient(roots: set) -> str:
    stored = sorted(v.name for v in roots if isinstance(v, StateVariable))
    return f"`{stored[0]}`" if stored else "a fixed address"


def _open_to_all(function: Function) -> bool:
    """Someone other than the owner can run this code: it is, or is reached from, a public entry
    point without a privileged check (the owner paying the owner's wallet blocks nobody else)."""
    reached_from = [function, *function.all_reachable_from_functions]
    return any(f.visibility in ("public", "external") and not f.is_constructor and not privileged(f)
               for f in reached_from)


class DoSFailedCall(SWCDetector):
    ARGUMENT = "swclint-dos-failed-call"
    HELP = "A single failing external call blocks the whole operation"
    CONFIDENCE = DetectorClassification.MEDIUM

    def _detect(self):
        results = []
        for contract in self.contracts:
            for function in declared_functions(contract):
                results.extend(self._check(contract, function))
        return results

    def _check(self, contract: Contract, function: Function):
        deps = Dependencies(function)
        in_loop = loop_nodes(function)
        open_to_all = _open_to_all(function)
        results = []
        for node in function.nodes:
            message = None
            impact = None
            for ir in node.irs:
                if isinstance(ir, HighLevelCall) and not isinstance(ir, LowLevelCall):
                    dest = ir.destination
                    if isinstance(dest, Contract) or str(dest) == "this":
                        continue  # library / self calls
                if not isinstance(ir, (Transfer, Send, LowLevelCall, HighLevelCall)):
                    continue
                blocking = isinstance(ir, (Transfer, HighLevelCall)) and not isinstance(ir, LowLevelCall)
                if isinstance(ir, (Send, LowLevelCall)):
                    blocking = failure_reverts(function, ir.lvalue)
                if not blocking:
                    continue
                if node in in_loop:
                    message = "external call inside a loop: one failing recipient reverts the whole loop"
                    break
                if isinstance(ir, (Transfer, Send, LowLevelCall)):
                    dest_roots = deps.roots(ir.destination)
                    replaceable = [
                        v
                        for v in dest_roots
                        if isinstance(v, StateVariable) and _replaceable_by_anyone(contract, v)
                    ]
                    if replaceable:
                        message = (
                            f"refund to `{replaceable[0].name}` must succeed, and anyone can become "
                            f"`{replaceable[0].name}`"
                        )
                        break
                    if open_to_all and _pays(ir) and not dest_roots & (CALLER_VALUES | set(function.parameters)):
                        # Nobody calling this chose the recipient: if it cannot take Ether (a contract
                        # whose fallback reverts or needs more than the 2300-gas stipend), every call fails.
                        message = (f"payment to {_recipient(dest_roots)} must succeed, and no caller "
                                   f"chose that recipient: if it cannot take Ether, every call reverts")
                        impact = "Low"  # accidental, not an attacker's choice: below a takeover
                        break
            if message:
                results.append(self.node_result(node, message, impact=impact))
        return results
