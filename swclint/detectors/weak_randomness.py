"""SWC-120: block values used to derive a random-looking number."""

from __future__ import annotations

from slither.core.declarations import Function
from slither.core.variables.state_variable import StateVariable
from slither.detectors.abstract_detector import DetectorClassification
from slither.slithir.operations import Assignment, Binary, BinaryType, SolidityCall, TypeConversion
from slither.slithir.variables import Constant

from swclint.detectors.base import SWCDetector
from swclint.detectors.ir import (
    BLOCK_VALUES,
    BLOCKHASH,
    COMPARISON,
    HASHES,
    Dependencies,
    declared_functions,
    in_assembly,
)

_WINDOW = {255, 256, 257}  # blockhash only knows the last 256 blocks


def _block_derived_state(contract_functions, state_variables) -> set[StateVariable]:
    """State variables assigned (anywhere, initialisers included) from block values."""
    derived = set()
    for function in contract_functions:
        deps = Dependencies(function)
        for variable in function.state_variables_written:
            if variable in state_variables and deps.roots(variable) & BLOCK_VALUES:
                derived.add(variable)
    return derived


def _has_window_check(function: Function) -> bool:
    for node in function.nodes:
        for ir in node.irs:
            if isinstance(ir, Binary):
                for side in (ir.variable_left, ir.variable_right):
                    if isinstance(side, Constant) and side.value in _WINDOW:
                        return True
    return False


def _decides_value(function: Function, hashed) -> bool:
    """The hash is turned into a number (conversion, `%`, comparison), not used as an identifier."""
    uses = {hashed}
    for node in function.nodes:
        for ir in node.irs:
            if not set(ir.read) & uses:
                continue
            if isinstance(ir, TypeConversion) and str(ir.type).startswith(("uint", "int")):
                return True
            if isinstance(ir, Binary) and (ir.type == BinaryType.MODULO or ir.type in COMPARISON):
                return True
            if isinstance(ir, (Assignment, TypeConversion)) and ir.lvalue is not None:
                uses.add(ir.lvalue)
    return False


class WeakRandomness(SWCDetector):
    ARGUMENT = "swclint-weak-randomness"
    HELP = "Randomness derived from block values"
    CONFIDENCE = DetectorClassification.MEDIUM

    def _detect(self):
        results = []
        for contract in self.contracts:
            functions = list(contract.functions_and_modifiers)
            derived = _block_derived_state(functions, set(contract.state_variables))
            used_state: set = set()
            for function in declared_functions(contract):
                results.extend(self._check(function, derived, used_state))
            for variable in sorted(used_state & set(contract.state_variables_declared), key=str):
                info = [variable, " is initialised from block values and used as a random seed\n"]
                results.append(self.result(info))
        return results

    def _check(self, function: Function, derived: set, used_state: set):
        deps = Dependencies(function)
        sources = BLOCK_VALUES | derived
        flagged = []
        window = _has_window_check(function)
        for node in function.nodes:
            if in_assembly(node):
                continue
            for ir in node.irs:
                sink_inputs = []
                if isinstance(ir, SolidityCall) and ir.function in HASHES:
                    if _decides_value(function, ir.lvalue):
                        sink_inputs = [(a, sources) for a in ir.arguments]
                elif isinstance(ir, SolidityCall) and ir.function in BLOCKHASH:
                    recent = any(deps.roots(a) & BLOCK_VALUES for a in ir.arguments)
                    if not recent and not window:
                        flagged.append(
                            (node, "blockhash of a block that may be older than 256 blocks (returns 0)")
                        )
                        break
                    sink_inputs = [(a, BLOCK_VALUES) for a in ir.arguments]
                elif isinstance(ir, Binary) and ir.type == BinaryType.MODULO:
                    sink_inputs = [(ir.variable_left, sources)]
                slice_: set = set()
                for value, wanted in sink_inputs:
                    roots = deps.roots(value)
                    if roots & wanted:
                        slice_ |= roots
                if slice_:
                    flagged.append((node, "derives a random value from block values"))
                    used_state |= slice_ & derived
                    flagged.extend(self._feeding_nodes(function, slice_, sources))
                    break
        seen, results = set(), []
        for node, message in flagged:
            if node not in seen:
                seen.add(node)
                results.append(self.node_result(node, message))
        return results

    @staticmethod
    def _feeding_nodes(function: Function, slice_: set, sources: set):
        """Nodes that mix block values into a variable the random value is computed from."""
        for node in function.nodes:
            reads = set(node.variables_read) | set(node.solidity_variables_read)
            if reads & sources and set(node.variables_written) & slice_:
                yield node, "mixes block values into a random seed"
