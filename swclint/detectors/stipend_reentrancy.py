"""SWC-107 (note level): state written after `send`/`transfer` to an address the caller chooses.

The 2300-gas stipend keeps such code safe today, but only as long as no opcode the re-entered
fallback needs gets cheaper; EIP-1884 already repriced opcodes once. The code also breaks
checks-effects-interactions, so auditors want to see it, below the findings that fail a build.
"""

from __future__ import annotations

from slither.core.cfg.node import Node
from slither.core.declarations import Contract, Function, SolidityVariableComposed
from slither.core.variables.local_variable import LocalVariable
from slither.core.variables.state_variable import StateVariable
from slither.detectors.abstract_detector import DetectorClassification
from slither.slithir.operations import InternalCall, Send, Transfer

from swclint.detectors.base import SWCDetector
from swclint.detectors.ir import Dependencies, dependencies

CALLERS = {SolidityVariableComposed("msg.sender"), SolidityVariableComposed("tx.origin")}


def _is_entry(function: Function) -> bool:
    return (function.visibility in ("public", "external") and not function.is_constructor
            and not function.is_constructor_variables and not function.view and not function.pure)


def _caller_assigned(contract: Contract) -> set[StateVariable]:
    """State variables an entry point stores the caller's address or an argument into."""
    found: set[StateVariable] = set()
    for function in contract.functions_entry_points:
        if not _is_entry(function):
            continue
        deps = dependencies(function)
        for variable in function.all_state_variables_written():
            roots = deps.deps.get(variable, set())
            if roots & CALLERS or any(r in function.parameters for r in roots):
                found.add(variable)
    return found


def _caller_chosen(destination, function: Function, deps: Dependencies, assigned: set) -> bool:
    for root in deps.roots(destination):
        if root in CALLERS or root in assigned:
            return True
        if isinstance(root, LocalVariable) and root in function.parameters:
            return True
    return False


def _writes_state(node: Node) -> list[str]:
    names = {v.name for v in node.state_variables_written}
    for ir in node.irs:
        if isinstance(ir, InternalCall) and isinstance(ir.function, Function):
            names |= {v.name for v in ir.function.all_state_variables_written()}
    return sorted(names)


def _later_writes(start: Node) -> tuple[list[str], Node | None]:
    """State variables written on some path after `start` (not in `start` itself), first writer."""
    seen: set[Node] = set()
    stack = list(start.sons)
    written: set[str] = set()
    first: Node | None = None
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        names = _writes_state(node)
        if names:
            written.update(names)
            if first is None or node.node_id < first.node_id:
                first = node
        stack.extend(node.sons)
    return sorted(written), first


class StipendReentrancy(SWCDetector):
    """Rule text comes from SWC-107; each result is informational (note), below `--fail-on low`."""

    ARGUMENT = "swclint-stipend-reentrancy"
    HELP = "State written after send/transfer to a caller-chosen address (stipend-only protection)"
    CONFIDENCE = DetectorClassification.MEDIUM

    def _detect(self):
        results = []
        for contract in self.contracts:
            assigned = _caller_assigned(contract)
            for function in contract.functions_declared:
                if not _is_entry(function):
                    continue
                deps = dependencies(function)
                for node in sorted(function.nodes, key=lambda n: n.node_id):
                    sends = [ir for ir in node.irs if isinstance(ir, (Send, Transfer))
                             and _caller_chosen(ir.destination, function, deps, assigned)]
                    if not sends:
                        continue
                    written, writer = _later_writes(node)
                    if not written:
                        continue
                    kind = "send" if isinstance(sends[0], Send) else "transfer"
                    line = writer.source_mapping.lines[0] if writer and writer.source_mapping.lines else "?"
                    message = (f"stipend reentrancy: `{kind}` to a caller-chosen address, then writes "
                               f"{', '.join(written)} (line {line}); safe under today's 2300-gas stipend, "
                               f"not guaranteed")
                    results.append(self.node_result(node, message, impact="Informational"))
                    break  # one finding per function: the first such payout
        return results
