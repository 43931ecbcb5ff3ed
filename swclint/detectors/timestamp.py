"""SWC-116: block.timestamp / now / block.number deciding branches, winners, unlocks or amounts."""

from __future__ import annotations

from slither.core.declarations import Contract, Function
from slither.core.variables.state_variable import StateVariable
from slither.detectors.abstract_detector import DetectorClassification
from slither.slithir.operations import Binary, BinaryType, InternalCall
from slither.slithir.variables import Constant
from slither.visitors.expression.constants_folding import ConstantFolding

from swclint.detectors.base import SWCDetector
from swclint.detectors.ir import (
    ARITHMETIC,
    COMPARISON,
    TIME_VALUES,
    declared_functions,
    dependencies,
    in_assembly,
    is_guard_node,
    returns_roots,
)

WALL_CLOCK = {v for v in TIME_VALUES if v.name in ("block.timestamp", "now")}

# How far a block producer can move block.timestamp: clients reject blocks more than 900 s in the
# future (and since the merge the slot fixes it). A deadline set at least this far after the moment
# it was set cannot be crossed early or late by that skew; a 30 s window or a 60 s cooldown can. Such
# comparisons are still time dependence (and labelled so by real benchmarks), so they are reported,
# but as information, below the default --fail-on.
PRODUCER_SKEW_SECONDS = 900

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


def _constant(value) -> int | None:
    """The integer a literal or a `constant` state variable holds, else None."""
    if isinstance(value, Constant):
        return value.value if isinstance(value.value, int) and not isinstance(value.value, bool) else None
    if isinstance(value, StateVariable) and value.is_constant and value.expression is not None:
        try:
            folded = ConstantFolding(value.expression, value.type).result()
            return int(folded.converted_value)
        except Exception:  # noqa: BLE001 - anything Slither cannot fold is not a known constant
            return None
    return None


def _far_deadline(variable: StateVariable, contract: Contract) -> bool:
    """Every write of `variable` stores a literal (a reset) or wall-clock time plus at least the skew.

    Then comparing the clock with it decides something days away, which no producer can shift.
    """
    writes = 0
    for function in contract.functions:
        deps = None
        for node in function.nodes:
            if variable not in node.state_variables_written:
                continue
            writes += 1
            deps = deps or dependencies(function)
            additions = [ir for ir in node.irs if isinstance(ir, Binary) and ir.type == BinaryType.ADDITION]
            if not additions:
                if any(isinstance(v, Constant) for ir in node.irs for v in getattr(ir, "read", [])):
                    continue  # a reset to a literal (`unlockAt[a] = 0`)
                return False
            if not any(
                (deps.roots(ir.variable_left) & WALL_CLOCK and (_constant(ir.variable_right) or 0) >= PRODUCER_SKEW_SECONDS)
                or (deps.roots(ir.variable_right) & WALL_CLOCK
                    and (_constant(ir.variable_left) or 0) >= PRODUCER_SKEW_SECONDS)
                for ir in additions
            ):
                return False
    return writes > 0


def _tolerant(ir: Binary, roots_left: set, roots_right: set, contract: Contract) -> bool:
    """Wall-clock time compared with stored deadlines that all lie at least the producer skew away."""
    if ir.type not in COMPARISON:
        return False
    for clock, other in ((roots_left, roots_right), (roots_right, roots_left)):
        if not clock & WALL_CLOCK or clock & (TIME_VALUES - WALL_CLOCK) or other & TIME_VALUES:
            continue
        stored = [r for r in other if isinstance(r, StateVariable) and not r.is_constant]
        if stored and all(_far_deadline(r, contract) for r in stored):
            return True
    return False


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
        deps = dependencies(function)
        results = []
        for node in function.nodes:
            if in_assembly(node):
                continue
            hit = False
            far = True  # every deciding use compares the clock with a far deadline
            for ir in node.irs:
                if isinstance(ir, Binary):
                    left, right = deps.roots(ir.variable_left), deps.roots(ir.variable_right)
                    roots = left | right
                    hit = bool(roots & TIME_VALUES) and _decides(ir, roots)
                    far = far and (not hit or _tolerant(ir, left, right, function.contract))
                elif isinstance(ir, InternalCall) and isinstance(ir.function, Function) and is_guard_node(node):
                    # a guard deciding on a helper's time-derived answer (`require(open())`)
                    hit = bool(returns_roots(ir.function) & TIME_VALUES)
                    far = far and not hit
                if hit:
                    break
            if hit and far:
                results.append(self.node_result(
                    node, f"compares block.timestamp with a deadline set at least {PRODUCER_SKEW_SECONDS} s ahead "
                          "(beyond a block producer's skew; informational)", impact="Informational"))
            elif hit:
                results.append(self.node_result(node, "uses block.timestamp/now/block.number as a clock"))
        return results
