"""SWC-114: transaction order dependence (approve race, changeable rewards/prices, first-come claims)."""

from __future__ import annotations

from slither.core.declarations import Contract, Function, SolidityVariableComposed
from slither.core.solidity_types import ElementaryType, MappingType
from slither.core.variables.state_variable import StateVariable
from slither.detectors.abstract_detector import DetectorClassification
from slither.slithir.operations import Assignment, Binary, HighLevelCall, InternalCall, LowLevelCall
from slither.slithir.variables import Constant

from swclint.detectors.base import SWCDetector
from swclint.detectors.ir import (
    COMPARISON,
    Dependencies,
    comparisons,
    condition_values,
    definitions,
    dependencies,
    in_declaration_order,
    is_guard_node,
    through_copies,
    value_transfers,
)

MSG_SENDER = SolidityVariableComposed("msg.sender")
MSG_VALUE = SolidityVariableComposed("msg.value")
def _allowance_like(variable) -> bool:
    """An amount per (owner, spender): `mapping(address => mapping(address => uint))`."""
    kind = getattr(variable, "type", None)
    if not (isinstance(kind, MappingType) and isinstance(kind.type_to, MappingType)):
        return False
    leaf = kind.type_to.type_to
    return isinstance(leaf, ElementaryType) and str(leaf.name).startswith("uint")


def _substitute(roots: set, bind: dict) -> set:
    out: set = set()
    for root in roots:
        out |= bind.get(root, {root})
    return out


def _allowance_effects(function: Function, bind: dict, depth: int = 0):
    """(writes, guarded) over `function` and the internal calls it makes, in the entry's terms.

    writes: (allowance variable, roots of the value stored) for each store into an allowance-like
    mapping; guarded: roots read by its require/if checks, with `0` standing for a zero test.
    """
    deps = dependencies(function)
    writes: list = []
    guarded: set = set()
    for node in function.nodes:
        for tested in condition_values(node):
            guarded |= _substitute(deps.roots(tested), bind)
        for cmp in comparisons(node):
            if is_guard_node(node) and any(isinstance(s, Constant) and s.value == 0
                                           for s in (cmp.variable_left, cmp.variable_right)):
                guarded.add(0)
        for ir in node.irs:
            if isinstance(ir, (Assignment, Binary)) and ir.lvalue is not None:
                target = ir.lvalue.points_to_origin if hasattr(ir.lvalue, "points_to_origin") else ir.lvalue
                if isinstance(target, StateVariable) and _allowance_like(target):
                    value = ir.rvalue if isinstance(ir, Assignment) else ir.lvalue
                    roots = _substitute(deps.roots(value), bind) if isinstance(ir, Assignment) else {target}
                    writes.append((target, roots))
            elif isinstance(ir, InternalCall) and isinstance(ir.function, Function) and depth < 3:
                pairs = zip(ir.function.parameters, ir.arguments, strict=False)
                inner = {p: _substitute(deps.roots(a), bind) for p, a in pairs}
                w, g = _allowance_effects(ir.function, inner, depth + 1)
                writes += w
                guarded |= g
    return writes, guarded


def _entry_points(contract: Contract) -> list[Function]:
    return [
        f for f in contract.functions_entry_points if not f.is_constructor and not f.is_constructor_variables
    ]


def _answer_of_a_call(comparison: Binary, deps: Dependencies, defs: dict) -> bool:
    """The side of the comparison that reads msg.value is what an external call returned, and
    msg.value reaches it only as the ether the call carried out
    (`controller.proxyPayment.value(msg.value)(..) == true`): nothing compares it with a price. An
    argument computed from msg.value (`feed.toUsd(msg.value)`) is still a price check."""
    for side in (comparison.variable_left, comparison.variable_right):
        if MSG_VALUE not in deps.roots(side):
            continue
        call = defs.get(through_copies(side, defs))
        if not isinstance(call, (HighLevelCall, LowLevelCall)) or call.call_value is None:
            return False
        carried = MSG_VALUE in deps.roots(call.call_value)
        passed = any(MSG_VALUE in deps.roots(a) for a in call.arguments or [])
        return carried and not passed
    return False


class TransactionOrderDependence(SWCDetector):
    ARGUMENT = "swclint-tod"
    HELP = "Outcome depends on the order of pending transactions (front-running)"
    CONFIDENCE = DetectorClassification.MEDIUM

    def _detect(self):
        results = []
        for contract in self.concrete_contracts():
            reported: set[Function] = set()
            for function, message in self._approve_race(contract) + self._value_races(contract):
                if function not in reported and function.contract_declarer == contract:
                    reported.add(function)
                    results.append(self.function_result(function, message))
        return results

    def _approve_race(self, contract: Contract):
        """Entry points that store a caller-given absolute amount over an allowance-like entry.

        Judged by what the code does, whatever the function is called and whatever else the
        contract offers: a store whose value depends on the caller's argument and not on the entry
        it replaces, with no check of the current entry and no go-through-zero test.
        """
        found = []
        for function in _entry_points(contract):
            params = set(function.parameters)
            writes, guarded = _allowance_effects(function, {})
            for variable, roots in writes:
                if variable in roots or not roots & params:
                    continue  # relative change (spend, increase) or not the caller's number
                if variable in guarded or 0 in guarded:
                    continue  # current allowance consulted, or the amount must go through zero
                found.append(
                    (function, "overwrites a non-zero allowance: the spender can front-run and spend both")
                )
                break
        return found

    def _value_races(self, contract: Contract):
        found = []
        entries = _entry_points(contract)
        writers: dict[StateVariable, list[Function]] = {}
        for function in entries:
            for variable in function.all_state_variables_written():
                writers.setdefault(variable, []).append(function)
        for function in entries:
            deps = dependencies(function)
            guard_roots: set = set()
            for node in function.nodes:
                for tested in condition_values(node):
                    guard_roots |= deps.roots(tested)
            params = set(function.parameters)
            for node in function.nodes:
                for ir in value_transfers(node):
                    if MSG_SENDER not in deps.roots(ir.destination):
                        continue
                    amount = ir.call_value
                    changeable = in_declaration_order(
                        v
                        for v in deps.roots(amount)
                        if isinstance(v, StateVariable) and any(w is not function for w in writers.get(v, []))
                    )
                    if changeable and guard_roots & params:
                        setters = [w for v in changeable for w in writers[v] if w is not function]
                        found.append(
                            (
                                function,
                                f"first-come claim of `{changeable[0].name}` decided by submitted data",
                            )
                        )
                        found.extend(
                            (s, f"changes `{changeable[0].name}` that a pending claim will receive")
                            for s in setters
                        )
            if function.payable:
                found.extend(self._price_race(function, deps, writers, params))
        return found

    @staticmethod
    def _price_race(function: Function, deps: Dependencies, writers: dict, params: set):
        defs = definitions(function)
        for node in function.nodes:
            for ir in node.irs:
                if not isinstance(ir, Binary) or ir.type not in COMPARISON:
                    continue  # paying "at a price" means msg.value is checked against it
                left, right = deps.roots(ir.variable_left), deps.roots(ir.variable_right)
                if MSG_VALUE in right:
                    left, right = right, left
                # paying at a price: msg.value checked against it; a value on both sides of the
                # comparison (an overflow guard like `total + msg.value >= total`) is no price
                if MSG_VALUE not in left or MSG_VALUE in right:
                    continue
                if _answer_of_a_call(ir, deps, defs):
                    continue  # `other.pay.value(msg.value)(..) == true`: another contract's answer
                roots = left ^ right
                # A price is one value everyone pays at; a mapping entry (a user's own balance) is not.
                prices = in_declaration_order(
                    v
                    for v in roots
                    if isinstance(v, StateVariable)
                    and isinstance(v.type, ElementaryType)
                    and any(w is not function for w in writers.get(v, []))
                )
                if not prices:
                    continue
                bounded = any(
                    prices[0] in deps.roots(c.variable_left) | deps.roots(c.variable_right)
                    and params & (deps.roots(c.variable_left) | deps.roots(c.variable_right))
                    for n in function.nodes
                    for c in comparisons(n)
                    if c.type in COMPARISON
                )
                if bounded:
                    continue
                setters = [w for w in writers[prices[0]] if w is not function]
                yield (
                    function,
                    f"pays at the current `{prices[0].name}`, which a pending transaction can change",
                )
                for setter in setters:
                    yield setter, f"changes `{prices[0].name}` under pending purchases"
                return
