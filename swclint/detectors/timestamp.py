"""SWC-116: block.timestamp / now / block.number deciding branches, winners, unlocks or amounts."""

from __future__ import annotations

from slither.core.declarations import Function
from slither.detectors.abstract_detector import DetectorClassification
from slither.slithir.operations import Binary, BinaryType, InternalCall

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

WALL_CLOCK = {v for v in TIME_VALUES if v.name in ("block.timestamp", "now")}

# Time turned into an amount or a bucket (`elapsed * rate`, `now / 1 days`, `% n`) decides value.
_SCALING = {BinaryType.MULTIPLICATION, BinaryType.DIVISION, BinaryType.MODULO, BinaryType.POWER}


def _decides(ir: Binary, roots: set) -> bool:
    """A timing operation whose result decides something.

    A comparison decides a branch, a permission or a winner; scaling decides an amount. Adding or
    subtracting a wall-clock time only computes a moment or a span (`start = now`, `end = now + 30`),
    which decides nothing until it is compared or scaled, and is judged there, whatever its window.
    A block number used as a clock is the weakness itself, wherever it is used.
    """
    if roots & (TIME_VALUES - WALL_CLOCK):
        return ir.type in ARITHMETIC | COMPARISON | _SCALING
    return ir.type in COMPARISON | _SCALING


class BlockTimestamp(SWCDetector):
    ARGUMENT = "swclint-timestamp"
    HELP = "Block timestamp/number used as a clock"
    CONFIDENCE = DetectorClassification.MEDIUM

    def _detect(self):
        results = []
        for contract in self.contracts:
            for function in declared_functions(contract):
                results.extend(self._check(function))
        return results

    def _check(self, function: Function):
        deps = Dependencies(function)
        results = []
        for node in function.nodes:
            if in_assembly(node):
                continue
            hit = False
            for ir in node.irs:
                if isinstance(ir, Binary):
                    roots = deps.roots(ir.variable_left) | deps.roots(ir.variable_right)
                    hit = bool(roots & TIME_VALUES) and _decides(ir, roots)
                elif isinstance(ir, InternalCall) and isinstance(ir.function, Function) and is_guard_node(node):
                    # a guard deciding on a helper's time-derived answer (`require(open())`)
                    hit = bool(returns_roots(ir.function) & TIME_VALUES)
                if hit:
                    break
            if hit:
                results.append(self.node_result(node, "uses block.timestamp/now/block.number as a clock"))
        return results
