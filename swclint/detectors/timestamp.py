"""SWC-116: block.timestamp / now / block.number used for timing decisions."""

from __future__ import annotations

from slither.core.declarations import Contract, Function
from slither.core.variables.state_variable import StateVariable
from slither.detectors.abstract_detector import DetectorClassification
from slither.slithir.operations import Binary, BinaryType, InternalCall
from slither.slithir.variables import Constant

from swclint.detectors.base import SWCDetector
from swclint.detectors.ir import (
    ARITHMETIC,
    COMPARISON,
    TIME_VALUES,
    Dependencies,
    declared_functions,
    in_assembly,
    is_guard_node,
    returns_roots,
)

_TIMING_OPS = ARITHMETIC | COMPARISON | {BinaryType.DIVISION, BinaryType.MODULO}

WALL_CLOCK = {v for v in TIME_VALUES if v.name in ("block.timestamp", "now")}

# Validators can skew block.timestamp by seconds, not by many minutes: a deadline whose offset is at
# least this long is the registry's recommended fix, not the weakness.
TOLERANT_SECONDS = 900


def _constant_value(value) -> int | None:
    """The integer a Constant or a constant state variable (`30 days`) folds to, if any."""
    if isinstance(value, Constant) and isinstance(value.value, int):
        return value.value
    if isinstance(value, StateVariable) and (value.is_constant or value.is_immutable) and value.expression:
        from slither.visitors.expression.constants_folding import ConstantFolding, NotConstant

        try:
            folded = ConstantFolding(value.expression, value.type).result().value
        except (NotConstant, Exception):  # folding gives up on anything but literals
            return None
        return folded if isinstance(folded, int) else None
    return None


def _long_offset(values) -> bool:
    return any((_constant_value(v) or 0) >= TOLERANT_SECONDS for v in values)


def _offset_nodes(function: Function, deps: Dependencies) -> set:
    """Nodes computing `timestamp +/- long constant`."""
    found = set()
    for node in function.nodes:
        for ir in node.irs:
            if (isinstance(ir, Binary) and ir.type in (BinaryType.ADDITION, BinaryType.SUBTRACTION)
                    and (deps.roots(ir.variable_left) | deps.roots(ir.variable_right)) & WALL_CLOCK
                    and not (deps.roots(ir.variable_left) | deps.roots(ir.variable_right)) & (TIME_VALUES - WALL_CLOCK)
                    and _long_offset((ir.variable_left, ir.variable_right))):
                found.add(node)
    return found


def tolerant_deadlines(contract: Contract) -> set:
    """State variables only ever set to `block.timestamp + long constant` (or reset)."""
    writes: dict = {}
    for function in declared_functions(contract):
        offsets = _offset_nodes(function, Dependencies(function))
        for node in function.nodes:
            for var in node.state_variables_written:
                writes.setdefault(var, []).append(node in offsets or not node.state_variables_read and
                                                  not any(isinstance(ir, Binary) for ir in node.irs))
    return {var for var, ok in writes.items() if ok and all(ok) and any(ok)}


class BlockTimestamp(SWCDetector):
    ARGUMENT = "swclint-timestamp"
    HELP = "Block timestamp/number used as a clock"
    CONFIDENCE = DetectorClassification.MEDIUM

    def _detect(self):
        results = []
        for contract in self.contracts:
            tolerant = tolerant_deadlines(contract)
            for function in declared_functions(contract):
                results.extend(self._check(function, tolerant))
        return results

    def _check(self, function: Function, tolerant: set, depth: int = 0):
        deps = Dependencies(function)
        offsets = _offset_nodes(function, deps)
        results = []
        for node in function.nodes:
            if in_assembly(node) or node in offsets:
                continue
            hit = False
            for ir in node.irs:
                if isinstance(ir, Binary) and ir.type in _TIMING_OPS:
                    roots = deps.roots(ir.variable_left) | deps.roots(ir.variable_right)
                    # an absolute date is a deadline, not a tolerance: only offsets added to a
                    # timestamp (here or where a compared state variable is set) count
                    hit = bool(roots & TIME_VALUES) and not (
                        ir.type in COMPARISON and not roots & (TIME_VALUES - WALL_CLOCK) and roots & tolerant)
                elif (
                    isinstance(ir, InternalCall) and isinstance(ir.function, Function) and is_guard_node(node)
                ):
                    # a guard calling a helper that only compares tolerant deadlines is tolerant too
                    hit = bool(returns_roots(ir.function) & TIME_VALUES) and (
                        depth >= 3 or bool(self._check(ir.function, tolerant, depth + 1)))
                if hit:
                    break
            if hit:
                results.append(self.node_result(node, "uses block.timestamp/now/block.number as a clock"))
        return results
