"""SWC-132: strict equality on an Ether or token balance, which anyone can move by forcing funds in.

Slither's `incorrect-equality` also taints `now`, `block.timestamp` and `block.number`, and follows
values across the whole contract: on real code most of its reports are flags, counters and the zero
checks of math helpers (`totalMonths == 0`, `claimed[x] == false`, SafeMath's `a == 0`), not
balances; time is SWC-116's business. This check is the same taint analysis with balances as the
only sources, within the function that reads them. It supersedes `incorrect-equality` in swclint's
runs; plain Slither (the benchmark baseline) keeps the original.
"""

from __future__ import annotations

from slither.analyses.data_dependency.data_dependency import is_dependent_ssa
from slither.core.cfg.node import Node
from slither.core.declarations import Contract, Function
from slither.core.solidity_types import ElementaryType, UserDefinedType
from slither.core.solidity_types.elementary_type import Int, Uint
from slither.detectors.abstract_detector import DetectorClassification
from slither.detectors.statements.incorrect_strict_equality import IncorrectStrictEquality

from swclint.detectors.base import SWCDetector


class BalanceStrictEquality(SWCDetector, IncorrectStrictEquality):
    ARGUMENT = "swclint-balance-equality"
    HELP = "Strict equality on an Ether or token balance"
    CONFIDENCE = DetectorClassification.HIGH
    SUPERSEDES = IncorrectStrictEquality.ARGUMENT

    sources_taint: list = []  # balances only: `balance(address)` and `balanceOf` results

    @staticmethod
    def is_direct_comparison(ir) -> bool:
        # A balance is an integer. An enum, flag or hash compared here is tainted only because the
        # dependency analysis is not field-sensitive: `params.amount = token.balanceOf(user)` taints
        # `params.mode` too (Aave's `params.interestRateMode == InterestRateMode.STABLE`).
        return IncorrectStrictEquality.is_direct_comparison(ir) and all(
            _maybe_integer(operand) for operand in (ir.variable_left, ir.variable_right))

    @staticmethod
    def is_any_tainted(variables: list, taints: list, function: Function) -> bool:
        return any(is_dependent_ssa(var, taint, function) for var in variables for taint in taints)

    def detect_strict_equality(self, contract: Contract) -> dict[Function, list[Node]]:
        # per function: contract-wide dependency follows arguments into shared helpers
        found: dict[Function, list[Node]] = {}
        for function in contract.all_functions_called + contract.modifiers:
            if taints := self.taint_balance_equalities([function]):
                found.update(self.tainted_equality_nodes([function], taints))
        return found

    def _detect(self) -> list:
        results = []
        for contract in self.compilation_unit.contracts_derived:
            found = self.detect_strict_equality(contract)
            for function in sorted(found, key=lambda f: f.canonical_name):
                for node in sorted(found[function], key=lambda n: n.node_id):
                    results.append(self.node_result(node, "compares a balance with strict equality"))
        return results


def _maybe_integer(operand) -> bool:
    """False only for a value of a type no balance has: an enum, struct or contract, or an elementary
    type that is not an integer (bool, address, bytes, string)."""
    kind = getattr(operand, "type", None)
    if isinstance(kind, list) and len(kind) == 1:
        kind = kind[0]
    if isinstance(kind, UserDefinedType):
        return False
    return not isinstance(kind, ElementaryType) or kind.type in Int + Uint
