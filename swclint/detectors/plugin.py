"""Slither plugin entry point (`slither_analyzer.plugin`): our detectors, no printers."""

from __future__ import annotations

from swclint.detectors.arithmetic import ArithmeticOverflow
from swclint.detectors.array_length import ArrayLengthControl
from swclint.detectors.assertion import AssertViolation
from swclint.detectors.balance_equality import BalanceStrictEquality
from swclint.detectors.compiler_bugs import CompilerBugs
from swclint.detectors.constructor_name import IncorrectConstructorName
from swclint.detectors.dos_failed_call import DoSFailedCall
from swclint.detectors.growing_array_work import GrowingArrayWork
from swclint.detectors.hardcoded_gas import HardcodedGas
from swclint.detectors.stipend_reentrancy import StipendReentrancy
from swclint.detectors.timestamp import BlockTimestamp
from swclint.detectors.tod import TransactionOrderDependence
from swclint.detectors.unchecked_call import UncheckedCall
from swclint.detectors.visibility import FunctionDefaultVisibility, StateDefaultVisibility
from swclint.detectors.weak_randomness import WeakRandomness

DETECTORS = [
    ArithmeticOverflow,
    UncheckedCall,
    AssertViolation,
    DoSFailedCall,
    TransactionOrderDependence,
    BlockTimestamp,
    WeakRandomness,
    CompilerBugs,
    StipendReentrancy,
    IncorrectConstructorName,
    FunctionDefaultVisibility,
    StateDefaultVisibility,
    HardcodedGas,
    GrowingArrayWork,
    BalanceStrictEquality,
    ArrayLengthControl,
]


def make_plugin() -> tuple[list, list]:
    """Return (detector classes, printer classes) as Slither's plugin loader expects."""
    return list(DETECTORS), []
