"""SWC-116: block.timestamp / now / block.number used for timing decisions."""

from __future__ import annotations

from slither.core.declarations import Function
from slither.detectors.abstract_detector import DetectorClassification
from slither.slithir.operations import Binary, BinaryType, InternalCall

from swclint.detectors.base import WIKI_BASE, SWCDetector
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


class BlockTimestamp(SWCDetector):
    ARGUMENT = "swclint-timestamp"
    HELP = "Block timestamp/number used as a clock"
    IMPACT = DetectorClassification.LOW
    CONFIDENCE = DetectorClassification.MEDIUM
    SWC_ID = "SWC-116"
    WIKI = WIKI_BASE + "SWC-116"
    WIKI_TITLE = "Block values as a proxy for time"
    WIKI_DESCRIPTION = (
        "Miners/validators choose `block.timestamp` within a tolerance, and block numbers map to time "
        "only through a block interval that changes. Deadlines, locks and sale windows decided by them "
        "can be shifted."
    )
    WIKI_EXPLOIT_SCENARIO = (
        "A sale ends at `block.timestamp >= end`; a validator sets the timestamp a few seconds ahead to "
        "close the sale early or keep it open for its own last purchase."
    )
    FIX = (
        "use `block.timestamp` only with tolerances much larger than ~15 s, never `block.number` as a "
        "clock, and never as a source of randomness; for exact ordering use an explicit on-chain phase"
    )
    WIKI_RECOMMENDATION = FIX[0].upper() + FIX[1:] + "."

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
                if isinstance(ir, Binary) and ir.type in _TIMING_OPS:
                    roots = deps.roots(ir.variable_left) | deps.roots(ir.variable_right)
                    hit = bool(roots & TIME_VALUES)
                elif (
                    isinstance(ir, InternalCall) and isinstance(ir.function, Function) and is_guard_node(node)
                ):
                    hit = bool(returns_roots(ir.function) & TIME_VALUES)
                if hit:
                    break
            if hit:
                results.append(self.node_result(node, "uses block.timestamp/now/block.number as a clock"))
        return results
