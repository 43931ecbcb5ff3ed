"""Known solc bugs that matter for SWC-102: which ones affect the compiler a file is built with.

The facts are the Solidity team's published list of known compiler bugs
(https://docs.soliditylang.org/en/latest/bugs.html, `bugs.json` in the solidity repository): name,
severity rating, first affected and first fixed release, and the settings the bug needs. The `solc`
npm package (our compiler source) does not ship that file and it cannot be fetched at run time, so
the entries rated medium or higher are restated here as data; the lower ratings ("low", "very low",
"low/medium") are left out because SWC-102 reports only bugs of at least medium severity. Add an
entry when the Solidity team publishes a new one.

Conditions are judged for an ordinary deployment build, since swclint does not see the settings a
project deploys with: the optimizer (legacy or Yul) is assumed on, because deployments almost always
enable it; the via-IR pipeline is assumed off, because it is not solc's default; ABI coder v2 is read
from the file's pragmas (and is the default from 0.8.0 on).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from packaging.version import Version

BUGS_URL = "https://docs.soliditylang.org/en/latest/bugs.html"
ABI_CODER_V2_DEFAULT = Version("0.8.0")
_ASSUMED_ON = {"optimizer", "yulOptimizer"}  # conditions that hold in a usual deployment build
_ASSUMED_OFF = {"viaIR"}  # conditions that do not


@dataclass(frozen=True)
class CompilerBug:
    name: str
    severity: str  # the Solidity team's rating
    fixed: str  # first release without the bug
    introduced: str = "0.0.0"  # first release with it (the list omits it for the oldest bugs)
    conditions: frozenset[str] = frozenset()  # optimizer, yulOptimizer, viaIR, ABIEncoderV2

    def affects(self, version: Version) -> bool:
        return Version(self.introduced) <= version < Version(self.fixed)


def _bug(name: str, severity: str, introduced: str | None, fixed: str, *conditions: str) -> CompilerBug:
    return CompilerBug(name, severity, fixed, introduced or "0.0.0", frozenset(conditions))


# (name, severity, introduced, fixed, conditions...), newest first as in the published list.
SEVERE_BUGS: tuple[CompilerBug, ...] = (
    _bug("InheritanceOrderReversalOnStorageEndWarning", "medium", "0.8.29", "0.8.36"),
    _bug("UnsoundSpillInMutualRecursion", "medium", "0.7.2", "0.8.36", "viaIR"),
    _bug("TransientStorageClearingHelperCollision", "high", "0.8.28", "0.8.34", "viaIR"),
    _bug("StorageWriteRemovalBeforeConditionalTermination", "medium/high", "0.8.13", "0.8.17", "yulOptimizer"),
    _bug("AbiReencodingHeadOverflowWithStaticArrayCleanup", "medium", "0.5.8", "0.8.16", "ABIEncoderV2"),
    _bug("InlineAssemblyMemorySideEffects", "medium", "0.8.13", "0.8.15", "yulOptimizer"),
    _bug("KeccakCaching", "medium", None, "0.8.3", "optimizer"),
    _bug("EmptyByteArrayCopy", "medium", None, "0.7.4"),
    _bug("DynamicArrayCleanup", "medium", None, "0.7.3"),
    _bug("YulOptimizerRedundantAssignmentBreakContinue", "medium", "0.6.0", "0.6.1", "yulOptimizer"),
    _bug("ExpExponentCleanup", "medium/high", None, "0.4.25"),
    _bug("NestedArrayFunctionCallDecoder", "medium", "0.1.4", "0.4.22"),
    _bug("ECRecoverMalformedInput", "medium", None, "0.4.14"),
    _bug("OptimizerStateKnowledgeNotResetForJumpdest", "medium", "0.4.5", "0.4.6", "optimizer"),
    _bug("HighOrderByteCleanStorage", "high", "0.1.6", "0.4.4"),
    _bug("OptimizerStaleKnowledgeAboutSHA3", "medium", None, "0.4.3", "optimizer"),
    _bug("CleanBytesHigherOrderBits", "medium/high", None, "0.3.3"),
    _bug("ArrayAccessCleanHigherOrderBits", "medium/high", None, "0.3.1"),
    _bug("AncientCompiler", "high", None, "0.3.0"),
)


def uses_abi_coder_v2(version: Version, pragmas: Iterable[tuple[str, ...]]) -> bool:
    """ABI coder v2 is on: asked for by `pragma experimental ABIEncoderV2` / `pragma abicoder v2`, or
    the default (0.8.0 on) and not switched off by `pragma abicoder v1`."""
    directives = {tuple(p.lower() for p in d) for d in pragmas}
    if ("abicoder", "v1") in directives:
        return False
    return (version >= ABI_CODER_V2_DEFAULT or ("experimental", "abiencoderv2") in directives
            or ("abicoder", "v2") in directives)


def severe_bugs(version: str | Version, pragmas: Iterable[tuple[str, ...]] = ()) -> list[CompilerBug]:
    """Bugs rated medium or higher that affect `version` in a usual deployment build of a file with
    these pragma directives (e.g. `("abicoder", "v2")`), most severe first, then by name."""
    v = Version(str(version))
    abi_v2 = uses_abi_coder_v2(v, pragmas)
    found = []
    for bug in SEVERE_BUGS:
        if not bug.affects(v) or bug.conditions & _ASSUMED_OFF:
            continue
        if "ABIEncoderV2" in bug.conditions and not abi_v2:
            continue
        found.append(bug)
    return sorted(found, key=lambda b: (not b.severity.endswith("high"), b.name))


def describe(version: str | Version, bugs: list[CompilerBug]) -> str:
    """One line naming the compiler and each bug with its rating (and the optimizer when it needs it)."""
    def one(bug: CompilerBug) -> str:
        note = ", with the optimizer on" if bug.conditions & _ASSUMED_ON else ""
        return f"{bug.name} ({bug.severity}{note})"

    count = f"{len(bugs)} known bug{'s' if len(bugs) != 1 else ''}"
    return (f"solc {version}, the compiler chosen for this file, has {count} the Solidity team rates "
            f"medium or higher: {', '.join(one(b) for b in bugs)}; see {BUGS_URL}")
