"""SWC-104: return value of send / call / delegatecall ignored."""

from __future__ import annotations

from slither.core.declarations import Function
from slither.core.variables.local_variable import LocalVariable
from slither.detectors.abstract_detector import DetectorClassification
from slither.slithir.operations import Assignment, LowLevelCall, Return, Send, Unpack

from swclint.detectors.base import SWCDetector
from swclint.detectors.ir import declared_functions


def _used_values(function: Function) -> set:
    """Values something reads. Copying into a local is a use only if that local is used in turn:
    `bool ok = to.send(v);` with `ok` never read leaves the result as unchecked as dropping it."""
    used = set()
    copies: list[tuple] = []  # (local, value copied into it)
    for node in function.nodes:
        for ir in node.irs:
            if isinstance(ir, Unpack):
                continue  # unpacking is not a use; reading the unpacked variable is
            if isinstance(ir, Assignment) and isinstance(ir.lvalue, LocalVariable):
                copies.append((ir.lvalue, ir.rvalue))
                continue
            used |= set(ir.read)
            if isinstance(ir, Return):
                used |= set(ir.values)
    used |= set(function.returns)  # named return variables are read by the caller
    changed = True
    while changed:
        changed = False
        for local, value in copies:
            if local in used and value not in used:
                used.add(value)
                changed = True
    return used


def _unpacked(function: Function, tuple_value) -> list:
    return [
        ir.lvalue
        for node in function.nodes
        for ir in node.irs
        if isinstance(ir, Unpack) and ir.tuple == tuple_value and ir.index == 0
    ]


class UncheckedCall(SWCDetector):
    ARGUMENT = "swclint-unchecked-call"
    HELP = "Return value of send/call/delegatecall is not checked"
    CONFIDENCE = DetectorClassification.HIGH

    def _detect(self):
        results = []
        for contract in self.contracts:
            for function in declared_functions(contract):
                used = _used_values(function)
                for node in function.nodes:
                    for ir in node.irs:
                        if not isinstance(ir, (LowLevelCall, Send)):
                            continue
                        if ir.lvalue in used:
                            continue
                        if any(v in used for v in _unpacked(function, ir.lvalue)):
                            continue
                        kind = "send" if isinstance(ir, Send) else ir.function_name
                        results.append(self.node_result(node, f"result of low-level `{kind}` is ignored"))
                        break
        return results
