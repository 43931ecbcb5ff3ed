"""SWC-124: a write at a caller-chosen index of a storage array whose length a caller can make huge.

Before 0.6 a dynamic array's `length` is writable. Once a caller can set it (`map.length = key + 1`)
or shrink an empty array (`list.length--` wraps to 2^256 - 1), the bounds check of `list[i] = v`
bounds nothing: the slot `keccak(p) + i` reaches every storage slot, the owner's included. Slither's
`controlled-array-length` reports every length write that a tainted value reaches, which on 0.4 code
is every `push` (`length = old length + 1`), and never the indexed write, where storage is
overwritten. This check supersedes it in swclint's runs; plain Slither keeps the original.
"""

from __future__ import annotations

from slither.core.declarations import Function
from slither.core.solidity_types import ArrayType
from slither.core.variables.state_variable import StateVariable
from slither.detectors.abstract_detector import DetectorClassification
from slither.slithir.operations import (
    Assignment,
    Binary,
    BinaryType,
    Index,
    Length,
    Member,
    OperationWithLValue,
)
from slither.slithir.variables import Constant, ReferenceVariable

from swclint.analyze.access import privileged
from swclint.analyze.run_cache import run_cache
from swclint.detectors.arithmetic import checked_before
from swclint.detectors.base import SWCDetector
from swclint.detectors.ir import (
    CALLER_VALUES,
    dependencies,
    in_assembly,
    nonempty_at,
    origin,
    value_key,
    value_producers,
)
from swclint.detectors.storage import length_step, length_writes


@run_cache(maxsize=4096)
def _openings(function: Function) -> tuple[tuple[StateVariable, str], ...]:
    """(array, how) for each way `function` lets its caller make a state array's length huge (asked
    once per function, not again for each contract that inherits it)."""
    writes = list(length_writes(function))
    if not writes or function.is_constructor or privileged(function):
        return ()
    producers = value_producers(function)
    found = []
    deps = None
    for node, array, ir in writes:
        if in_assembly(node):
            continue
        length_key = value_key(ir.lvalue, producers)
        step = length_step(ir, length_key, producers)
        if step == BinaryType.ADDITION:
            continue  # grows one step at a time, like `push`
        if step == BinaryType.SUBTRACTION:
            shrink = ir if isinstance(ir, Binary) else producers.get(ir.rvalue)
            if not (nonempty_at(function, node, length_key[1], producers, ir)
                    or checked_before(node, shrink, producers)):
                found.append((array, f"can be shrunk below zero in {function.name}"))
            continue
        value = ir.rvalue if isinstance(ir, Assignment) else ir.lvalue
        deps = deps or dependencies(function)
        if not isinstance(value, Constant) and _chosen(deps.roots(value), function):
            found.append((array, f"is set from a caller's value in {function.name}"))
    return tuple(found)


def _indexed_writes(function: Function):
    """(node, array, key) for each store into an entry (or an entry's member) of a dynamic array kept
    in state (`list[i] = v`, `lists[a][i].x = v`: the array's own index is the key)."""
    producers = value_producers(function)
    for node in function.nodes:
        for ir in node.irs:
            if not isinstance(ir, OperationWithLValue) or isinstance(ir, (Index, Member, Length)):
                continue
            target = ir.lvalue
            while isinstance(target, ReferenceVariable):
                made = producers.get(target)
                if not isinstance(made, (Index, Member)):
                    break
                base = made.variable_left
                if isinstance(made, Index) and _dynamic_array(base) and isinstance(origin(base), StateVariable):
                    # `push` stores at the old length: inside the array whatever its length
                    if value_key(made.variable_right, producers) != ("length", value_key(base, producers)):
                        yield node, origin(base), made.variable_right
                    break
                target = base


def _chosen(roots: set, function: Function) -> bool:
    """A value the caller picks: an argument, or msg.sender/msg.value/msg.data/tx.origin."""
    return any(root in CALLER_VALUES or root in function.parameters for root in roots)


def _dynamic_array(value) -> bool:
    kind = getattr(value, "type", None)
    return isinstance(kind, ArrayType) and kind.is_dynamic


class ArrayLengthControl(SWCDetector):
    ARGUMENT = "swclint-array-length"
    HELP = "Write at a caller-chosen index of an array whose length a caller can make huge"
    CONFIDENCE = DetectorClassification.MEDIUM
    SUPERSEDES = "controlled-array-length"

    def _detect(self):
        results = []
        reported: set = set()  # a base's write seen again from each contract inheriting it
        for contract in self.contracts:
            opened: dict[StateVariable, str] = {}
            for function in contract.functions_and_modifiers:
                for array, how in _openings(function):
                    opened.setdefault(array, how)
            if not opened:
                continue
            for function in contract.functions_and_modifiers:
                if privileged(function):
                    continue
                deps = None
                for node, array, key in _indexed_writes(function):
                    if array not in opened or node in reported:
                        continue
                    deps = deps or dependencies(function)
                    if _chosen(deps.roots(key), function):
                        message = (f"writes {array.name} at a caller-chosen index, and its length "
                                   f"{opened[array]}: the index reaches every storage slot")
                        results.append(self.node_result(node, message))
                        reported.add(node)
        return results
