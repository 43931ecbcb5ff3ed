"""SWC-128: work that grows with a storage array anyone can make longer.

A loop bounded by the array's length, or wiping the whole array (`delete a`, `a = new T[](0)`,
`a.length = 0`, each O(length) in storage writes), costs gas in proportion to its entries. When an
unrestricted entry point appends to the array, anyone can make that work exceed the block gas limit
and the function can never finish again. Slither's `costly-loop` looks at state writes inside loops,
not at who controls the loop's bound.
"""

from __future__ import annotations

from slither.core.cfg.node import NodeType
from slither.core.declarations import Contract, Function
from slither.core.solidity_types import ArrayType
from slither.core.variables.state_variable import StateVariable
from slither.detectors.abstract_detector import DetectorClassification
from slither.slithir.operations import Assignment, Binary, BinaryType, Delete, InitArray, Length
from slither.slithir.variables import Constant

from swclint.analyze.access import privileged
from swclint.detectors.base import SWCDetector
from swclint.detectors.ir import declared_functions, origin


def _dynamic_array(variable) -> bool:
    return isinstance(variable, StateVariable) and isinstance(variable.type, ArrayType) \
        and variable.type.is_dynamic


def _lengths(function: Function) -> dict:
    """Reference -> array for every `a.length` read or written in the function."""
    return {ir.lvalue: origin(ir.value) for node in function.all_nodes() for ir in node.irs
            if isinstance(ir, Length)}


def _grown(function: Function) -> set:
    """Dynamic storage arrays the function makes longer: `push` (lowered by Slither to `length :=
    length + 1`) or an explicit `a.length += n` / `a.length++`."""
    lengths = _lengths(function)
    sums = {ir.lvalue for node in function.all_nodes() for ir in node.irs
            if isinstance(ir, Binary) and ir.type == BinaryType.ADDITION}
    grown = set()
    for node in function.all_nodes():
        for ir in node.irs:
            if getattr(ir, "lvalue", None) not in lengths:
                continue
            if (isinstance(ir, Binary) and ir.type == BinaryType.ADDITION) or \
                    (isinstance(ir, Assignment) and ir.rvalue in sums):
                grown.add(lengths[ir.lvalue])
    return {a for a in grown if _dynamic_array(a)}


def _anyone_can_grow(contract: Contract) -> set:
    grown: set = set()
    for function in contract.functions_entry_points:
        if function.is_constructor or function.view or function.pure or privileged(function):
            continue
        grown |= _grown(function)
    return grown


class GrowingArrayWork(SWCDetector):
    ARGUMENT = "swclint-growing-array-work"
    HELP = "Loop or wipe over a storage array anyone can grow"
    CONFIDENCE = DetectorClassification.MEDIUM

    def _detect(self):
        results = []
        for contract in self.concrete_contracts():
            open_arrays = _anyone_can_grow(contract)
            if not open_arrays:
                continue
            for function in declared_functions(contract):
                if function.view or function.pure:
                    continue
                results.extend(self._check(function, open_arrays))
        return results

    def _check(self, function: Function, open_arrays: set):
        lengths = _lengths(function)
        results = []
        for node in function.nodes:
            hit = None
            for ir in node.irs:
                if node.type == NodeType.IFLOOP and isinstance(ir, Binary):
                    for side in (ir.variable_left, ir.variable_right):
                        if lengths.get(side) in open_arrays:
                            hit = f"loops over `{lengths[side].name}`, which anyone can grow"
                elif isinstance(ir, (InitArray, Delete)) and ir.lvalue in open_arrays \
                        and getattr(ir, "variable", ir.lvalue) is ir.lvalue:
                    hit = f"wipes all of `{ir.lvalue.name}`, which anyone can grow"
                elif isinstance(ir, Assignment) and lengths.get(ir.lvalue) in open_arrays \
                        and isinstance(ir.rvalue, Constant) and ir.rvalue.value == 0:
                    hit = f"wipes all of `{lengths[ir.lvalue].name}`, which anyone can grow"
            if hit:
                results.append(self.node_result(node, hit + ": enough entries exceed the block gas limit"))
        return results
