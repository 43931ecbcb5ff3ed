"""SWC-100 / SWC-108: functions and state variables that rely on the default visibility.

Slither records the visibility a declaration ends up with, not whether it was written, so the
declaration's own source decides. Functions matter only before solc 0.5 (where the default was
public; 0.5 refuses the omission); state variables default to internal in every version.
"""

from __future__ import annotations

import re

from slither.core.declarations import Function
from slither.detectors.abstract_detector import DetectorClassification

from swclint.analyze.access import privileged
from swclint.analyze.patterns import strip_comments
from swclint.detectors.base import SWCDetector
from swclint.detectors.ir import solc_before

_VISIBILITY = re.compile(r"\b(public|external|internal|private)\b")


def _header(function: Function) -> str:
    """The declaration up to its body, comments removed."""
    text = strip_comments(function.source_mapping.content or "")
    end = min((i for i in (text.find("{"), text.find(";")) if i >= 0), default=len(text))
    return text[:end]


def before_05(function: Function) -> bool:
    """Compiled by solc < 0.5 (default-public functions, old-style constructors)."""
    return solc_before(function.compilation_unit, (0, 5))


class FunctionDefaultVisibility(SWCDetector):
    ARGUMENT = "swclint-function-visibility"
    HELP = "Function without a visibility keyword (public by default before 0.5)"
    CONFIDENCE = DetectorClassification.HIGH

    def _detect(self):
        results = []
        for contract in self.contracts:
            if contract.is_interface:
                continue
            for function in contract.functions_declared:
                # a declaration without a body runs nothing: the contract implementing it is judged
                if (function.is_constructor or function.is_constructor_variables or function.is_fallback
                        or function.is_receive or not function.is_implemented
                        or not function.source_mapping.content):
                    continue
                if function.visibility in ("public", "external") and before_05(function) \
                        and not _VISIBILITY.search(_header(function)):
                    results.append(self.function_result(function, "has no visibility keyword, so " + (
                        "it is public (its own checks decide who may call it)" if privileged(function)
                        else "anyone can call it")))
        return results


class StateDefaultVisibility(SWCDetector):
    ARGUMENT = "swclint-state-visibility"
    HELP = "State variable without a visibility keyword"
    CONFIDENCE = DetectorClassification.HIGH

    def _detect(self):
        results = []
        for contract in self.contracts:
            for variable in contract.state_variables_declared:
                if variable.is_constant or variable.is_immutable:
                    continue
                # the declaration before its initialiser (`=`, not the `=>` of a mapping type)
                text = re.split(r"=(?![>=])", strip_comments(variable.source_mapping.content or ""))[0]
                if text and not _VISIBILITY.search(text):
                    results.append(self.result([variable, " has no visibility keyword (internal by default)\n"]))
        return results
