"""SWC-110: assert() a caller can make fail, and out-of-bounds array reads (same panic)."""

from __future__ import annotations

from slither.core.cfg.node import Node
from slither.core.declarations import Function, SolidityVariable
from slither.core.solidity_types import ArrayType
from slither.core.variables.local_variable import LocalVariable
from slither.core.variables.state_variable import StateVariable
from slither.detectors.abstract_detector import DetectorClassification
from slither.slithir.operations import Assignment, Binary, BinaryType, HighLevelCall, Index, SolidityCall
from slither.slithir.variables import Constant, TemporaryVariable

from swclint.analyze.once import written_after_deploy
from swclint.detectors.base import SWCDetector
from swclint.detectors.ir import (
    ASSERT,
    BLOCK_VALUES,
    CALLER_VALUES,
    EXTERNAL_RESULT,
    GASLEFT,
    comparisons,
    declared_functions,
    definitions,
    dependencies,
    is_guard_node,
    through_copies,
)


def _influenced(roots: set, function: Function) -> bool:
    for root in roots:
        if root is EXTERNAL_RESULT or root in CALLER_VALUES or root in BLOCK_VALUES or root in GASLEFT:
            return True
        if isinstance(root, LocalVariable) and root in function.parameters:
            return True
        if isinstance(root, SolidityVariable) and root.name.startswith("this"):
            return True  # the contract's balance: anyone can send ether
        if isinstance(root, StateVariable) and written_after_deploy(root):
            return True
    return False


def _gas_reading(function: Function, value, depth: int = 0) -> Node | None:
    """The node where `value` was read from gasleft()/msg.gas, when a plain copy of one reading is
    all it is."""
    writes = [(node, ir) for node in function.nodes for ir in node.irs if getattr(ir, "lvalue", None) is value]
    if len(writes) != 1:
        return None
    node, ir = writes[0]
    if isinstance(ir, SolidityCall) and ir.function in GASLEFT:
        return node
    if isinstance(ir, Assignment):
        if ir.rvalue in GASLEFT:
            return node
        if depth < 4:
            return _gas_reading(function, ir.rvalue, depth + 1)
    return None


def _gas_order_verdict(function: Function, cmp: Binary) -> bool | None:
    """Remaining gas only goes down: of two readings, the one on every path after the other is
    smaller, so `later > earlier` always fails and `later < earlier` always holds. Order comes from
    the control flow (one reading dominates the other), not from where the lines sit."""
    left = _gas_reading(function, cmp.variable_left)
    right = _gas_reading(function, cmp.variable_right)
    if left is None or right is None or left is right:
        return None
    if left in right.dominators:
        later_is_left = False
    elif right in left.dominators:
        later_is_left = True
    else:
        return None
    says_later_bigger = (
        cmp.type in (BinaryType.GREATER, BinaryType.GREATER_EQUAL)
        if later_is_left
        else cmp.type in (BinaryType.LESS, BinaryType.LESS_EQUAL)
    )
    if cmp.type in (BinaryType.EQUAL, BinaryType.NOT_EQUAL):
        return cmp.type == BinaryType.EQUAL  # two readings are never equal
    return says_later_bigger  # True: the assert can fail


def _definition(function: Function, variable):
    """The single Binary a local or temporary is computed by, through plain assignments."""
    for _ in range(4):
        writes = [ir for node in function.nodes for ir in node.irs if getattr(ir, "lvalue", None) is variable]
        if len(writes) != 1:
            return None
        ir = writes[0]
        if isinstance(ir, Binary):
            return ir
        if not isinstance(ir, Assignment) or not isinstance(ir.rvalue, LocalVariable | TemporaryVariable):
            return None
        variable = ir.rvalue
    return None


def _unwritten(function: Function, variable) -> bool:
    return not any(variable in node.variables_written for node in function.nodes)


def _holds_by_arithmetic(function: Function, cmp: Binary) -> bool:
    """`x % n < n` and `x / n <= x` (unsigned) hold for every input: modulo and division by zero revert
    before the assert is reached, so such an assert is an invariant, not an input check."""
    flipped = {BinaryType.GREATER: BinaryType.LESS, BinaryType.GREATER_EQUAL: BinaryType.LESS_EQUAL}
    left, right, kind = cmp.variable_left, cmp.variable_right, cmp.type
    if kind in flipped:
        left, right, kind = right, left, flipped[kind]
    if kind not in (BinaryType.LESS, BinaryType.LESS_EQUAL) or not _unwritten(function, right):
        return False
    op = _definition(function, left)
    if op is None or not str(getattr(op.variable_left, "type", "")).startswith("uint"):
        return False
    if op.type == BinaryType.MODULO:
        return op.variable_right is right
    return op.type == BinaryType.DIVISION and kind == BinaryType.LESS_EQUAL and op.variable_left is right


def _answer_of_a_fixed_contract(function: Function, condition) -> bool:
    """`assert(WETH.transfer(...))`: the condition is what a call to a contract fixed at deployment
    answers. Whether it can be false is that contract's code, not the caller's choice: worth a
    `require`, not a claim that a caller can trip the assert."""
    defs = definitions(function)
    call = defs.get(through_copies(condition, defs))
    if not isinstance(call, HighLevelCall):
        return False
    target = through_copies(call.destination, defs)
    return isinstance(target, StateVariable) and not written_after_deploy(target)


_FIXED_CALLEE = ("assert on the answer of a call to a contract fixed at deployment: it fails only if that "
                 "contract answers false (require states the intent)")
_INDEX_PANIC = "array read with a caller-supplied index and no bounds check panics"
_IN_A_VIEW = " (in a view: only the asking call fails, as with a public array's getter)"


class AssertViolation(SWCDetector):
    ARGUMENT = "swclint-assert"
    HELP = "assert() whose condition a caller can falsify"
    CONFIDENCE = DetectorClassification.MEDIUM

    def _detect(self):
        results = []
        for contract in self.contracts:
            for function in declared_functions(contract):
                results.extend(self._check(function))
        return results

    def _check(self, function: Function):
        deps = dependencies(function)
        producers = {ir.lvalue: ir for node in function.nodes for ir in node.irs if isinstance(ir, Binary)}
        guarded = set()
        for node in function.nodes:
            if is_guard_node(node):
                for cmp in comparisons(node):
                    guarded |= {cmp.variable_left, cmp.variable_right}
        results = []
        for node in function.nodes:
            message = self._node_issue(function, node, deps, producers, guarded)
            if message == _INDEX_PANIC and (function.view or function.pure):
                # a getter's bad index fails only the asking call, as a public array's own getter does
                results.append(self.node_result(node, message + _IN_A_VIEW, impact="Low"))
            elif message == _FIXED_CALLEE:
                results.append(self.node_result(node, message, impact="Low"))
            elif message:
                results.append(self.node_result(node, message))
        return results

    def _node_issue(self, function, node: Node, deps, producers, guarded) -> str | None:
        for ir in node.irs:
            if isinstance(ir, SolidityCall) and ir.function == ASSERT:
                condition = ir.arguments[0]
                if isinstance(condition, Constant):
                    if not condition.value:
                        return "reachable `assert(false)` always fails"
                    continue
                cmp = producers.get(condition)
                if cmp is not None and _holds_by_arithmetic(function, cmp):
                    continue
                if cmp is not None:
                    verdict = _gas_order_verdict(function, cmp)
                    if verdict is not None:
                        return "assert on gasleft() ordering always fails" if verdict else None
                if _answer_of_a_fixed_contract(function, condition):
                    return _FIXED_CALLEE
                if _influenced(deps.roots(condition), function):
                    return "assert condition depends on values a caller can change"
            elif isinstance(ir, Index) and isinstance(ir.variable_left.type, ArrayType):
                if ir.variable_left.type.is_fixed_array:
                    continue
                index = ir.variable_right
                if isinstance(index, Constant) or index in guarded:
                    continue
                if isinstance(index, LocalVariable) and index in function.parameters:
                    return _INDEX_PANIC
        return None
