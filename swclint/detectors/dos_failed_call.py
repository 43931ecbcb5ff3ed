"""SWC-113: one failing recipient blocks everyone (calls in loops, push refunds)."""

from __future__ import annotations

from slither.core.declarations import Contract, Function
from slither.core.variables.state_variable import StateVariable
from slither.detectors.abstract_detector import DetectorClassification
from slither.slithir.operations import Assignment, HighLevelCall, LowLevelCall, Send, Transfer

from swclint.analyze.access import privileged
from swclint.analyze.once import deploys
from swclint.detectors.base import SWCDetector
from swclint.detectors.ir import (
    CALLER_VALUES,
    declared_functions,
    dependencies,
    failure_reverts,
    in_declaration_order,
    loop_nodes,
    origin,
)


def _replaceable_by_anyone(contract: Contract, variable: StateVariable) -> bool:
    """Some public function without a privileged check stores msg.sender (or a parameter) into the
    variable: an owner changing the owner is not "anyone", nor is an initializer that completes only
    once (deployment, as a constructor is)."""
    for function in contract.functions_entry_points:
        if deploys(function) or privileged(function):
            continue
        deps = dependencies(function)
        for node in function.nodes:
            for ir in node.irs:
                if isinstance(ir, Assignment) and origin(ir.lvalue) == variable:
                    roots = deps.roots(ir.rvalue)
                    if roots & CALLER_VALUES or roots & set(function.parameters):
                        return True
    return False


def _callers_choice(function: Function, deps, destination) -> bool:
    """Every callee the loop may call comes from the transaction's own arguments (`recipients[i]`, an
    owner recovered from the signatures it carries): a callee that fails blocks only the caller, who
    can leave it out, not anyone else."""
    if function.visibility not in ("public", "external"):
        return False
    inputs = deps.inputs(destination)
    return bool(inputs) and all(v in function.parameters or v in CALLER_VALUES for v in inputs)


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
        deps = dependencies(function)
        in_loop = loop_nodes(function)
        results = []
        for node in function.nodes:
            message = None
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
                if node in in_loop and not _callers_choice(function, deps, ir.destination):
                    message = "external call inside a loop: one failing recipient reverts the whole loop"
                    break
                if isinstance(ir, (Transfer, Send, LowLevelCall)):
                    dest_roots = deps.roots(ir.destination)
                    replaceable = in_declaration_order(
                        v
                        for v in dest_roots
                        if isinstance(v, StateVariable) and _replaceable_by_anyone(contract, v)
                    )
                    if replaceable:
                        message = (
                            f"refund to `{replaceable[0].name}` must succeed, and anyone can become "
                            f"`{replaceable[0].name}`"
                        )
                        break
            if message:
                results.append(self.node_result(node, message))
        return results
