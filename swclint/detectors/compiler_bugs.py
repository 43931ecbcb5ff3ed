"""SWC-102: the compiler a file is built with has known bugs of at least medium severity.

Slither's `solc-version` flags every pragma that admits any release with any listed bug, so a
`^0.8.0` file that compiles with a current release is reported too. This check looks at the release
swclint actually chose for the compilation unit and at the Solidity team's severity ratings
(swclint/solc/bugs.py), and names the bugs in its message.
"""

from __future__ import annotations

from slither.detectors.abstract_detector import DetectorClassification
from slither.utils.output import Output

from swclint.detectors.base import SWCDetector
from swclint.solc.bugs import describe, severe_bugs


class CompilerBugs(SWCDetector):
    ARGUMENT = "swclint-compiler-bugs"
    HELP = "The chosen solc release has known bugs rated medium or higher"
    CONFIDENCE = DetectorClassification.HIGH

    def _detect(self) -> list[Output]:
        unit = self.compilation_unit
        by_file: dict[str, list] = {}
        for pragma in unit.pragma_directives:
            by_file.setdefault(pragma.source_mapping.filename.absolute, []).append(pragma)
        results = []
        for _file, pragmas in sorted(by_file.items()):
            version_pragmas = [p for p in pragmas if p.is_solidity_version]
            if not version_pragmas:
                continue  # no line to point at; the file's other findings still stand
            bugs = severe_bugs(unit.solc_version, [tuple(p.directive) for p in pragmas])
            if bugs:
                results.append(self.result(["pragma solidity ", version_pragmas[0], ": ",
                                            describe(unit.solc_version, bugs), "\n"]))
        return results
