"""SWC-118: a function meant as the constructor that is an ordinary public function.

Before solc 0.5 a constructor could be a function named exactly like its contract. A function whose
name is the contract's name in another case or with a slip of a letter or two, or the word
`constructor` itself, was meant to run once at deployment; as a plain public function anyone can run
it again later, typically to make themselves owner. One that admits only some callers was never
meant as one: a constructor's caller check would have failed at deployment. Declared return values
say nothing: the compiler rejects them only on a name it takes for the constructor.
"""

from __future__ import annotations

from slither.core.declarations import Contract, Function
from slither.detectors.abstract_detector import DetectorClassification

from swclint.analyze.access import privileged
from swclint.detectors.base import SWCDetector
from swclint.detectors.visibility import before_05


def _distance(a: str, b: str) -> int:
    """Levenshtein distance (short names only)."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def looks_like_constructor(function: Function, contract: Contract) -> bool:
    name, own = function.name, contract.name
    if name == own:
        return False  # the real old-style constructor
    if name.lower() in (own.lower(), "constructor"):
        return True
    return len(own) >= 5 and _distance(name.lower(), own.lower()) <= 2


class IncorrectConstructorName(SWCDetector):
    ARGUMENT = "swclint-constructor-name"
    HELP = "Function named like the constructor that anyone can call"
    CONFIDENCE = DetectorClassification.MEDIUM

    def _detect(self):
        results = []
        for contract in self.concrete_contracts():
            for function in contract.functions_declared:
                if (function.is_constructor or function.visibility not in ("public", "external")
                        or not function.state_variables_written or not before_05(function)):
                    continue
                if looks_like_constructor(function, contract) and not privileged(function):
                    results.append(self.function_result(
                        function, f"looks like the constructor of {contract.name} but is a public function "
                                  "anyone can call again"))
        return results
