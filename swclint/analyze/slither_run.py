"""Slither as a library, fed with our own standard-JSON compile output (no second compile)."""

from __future__ import annotations

import contextlib
import contextvars
import copy
import functools
import logging
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from crytic_compile import CryticCompile
from crytic_compile.compilation_unit import CompilationUnit
from crytic_compile.compiler.compiler import CompilerVersion
from crytic_compile.platform.solc_standard_json import SolcStandardJson, parse_standard_json_output

from ..discover import relpath
from ..findings import Evidence, FileError, Finding, Location
from ..rules import get_rule, swc_for_check
from .gaps import PARTIAL
from .guards import mutex_guarded_functions
from .run_cache import clear_run_caches, run_cache
from .slither_fixes import install as install_slither_fixes

IMPACT_TO_SEVERITY = {"High": "high", "Medium": "medium", "Low": "low", "Informational": "info",
                      "Optimization": "info"}
CONFIDENCE_TO_SCORE = {"High": 0.9, "Medium": 0.6, "Low": 0.3}

for _name in ("Slither", "CryticCompile", "Detectors", "Printers", "SlitherSolcParsing"):
    logging.getLogger(_name).setLevel(logging.CRITICAL)


# The benchmark's "plain Slither" baseline: Slither's own SWC-mapped detectors on the same compile
# output, without our detectors and filters. A context switch, so that the baseline runs through
# exactly the shipped compile path and differs from swclint only in what swclint adds.
_PLAIN = contextvars.ContextVar("swclint_plain_slither", default=False)


@contextlib.contextmanager
def plain_slither() -> Iterator[None]:
    """Within this block `run_slither` behaves as plain Slither (see `_PLAIN`)."""
    token = _PLAIN.set(True)
    try:
        yield
    finally:
        _PLAIN.reset(token)


class AnalysisError(Exception):
    """Slither failed on a compilation unit; carries the stage-level cause in one line."""


class _Precompiled(SolcStandardJson):
    """A crytic-compile platform that takes solc's standard-JSON output we already have."""

    def __init__(self, output: dict, version: str) -> None:
        super().__init__({})
        self._output = output
        self._version = version

    def compile(self, crytic_compile: CryticCompile, **kwargs: Any) -> None:
        unit = CompilationUnit(crytic_compile, "swclint")
        unit.compiler_version = CompilerVersion(compiler="solc", version=self._version, optimized=False)
        parse_standard_json_output(_with_empty_bytecode(self._output), unit)


def _with_empty_bytecode(output: dict) -> dict:
    """We ask solc for ASTs and ABIs only (bytecode is slow in solc-js); crytic wants the keys."""
    out = copy.copy(output)
    contracts = {}
    for path, items in output.get("contracts", {}).items():
        contracts[path] = {}
        for name, info in items.items():
            info = dict(info)
            evm = dict(info.get("evm") or {})
            for key in ("bytecode", "deployedBytecode"):
                part = dict(evm.get(key) or {})
                part.setdefault("object", "")
                part.setdefault("sourceMap", "")
                evm[key] = part
            info["evm"] = evm
            info.setdefault("abi", [])
            contracts[path][name] = info
    out["contracts"] = contracts
    # solc 0.4.11 answers with `legacyAST` only; crytic-compile reads `ast`, Slither parses both.
    out["sources"] = {path: ({**info, "ast": info["legacyAST"]} if "ast" not in info and "legacyAST" in info
                             else info)
                      for path, info in output.get("sources", {}).items()}
    return out


def our_detector_classes() -> list[type]:
    from ..detectors.plugin import make_plugin

    return list(make_plugin()[0])


@functools.cache
def _our_checks() -> frozenset[str]:
    return frozenset(c.ARGUMENT for c in our_detector_classes())


@functools.cache
def _skipped_checks(plain: bool) -> frozenset[str]:
    """Checks not registered: plain Slither runs none of ours; swclint runs ours instead of the
    Slither checks they refine (`SUPERSEDES`)."""
    if plain:
        return _our_checks()
    return frozenset(c.SUPERSEDES for c in our_detector_classes() if getattr(c, "SUPERSEDES", ""))


def detector_classes(all_checks: bool) -> list[type]:
    """Slither's own detectors plus ours; unmapped checks only with `all_checks`."""
    from slither.detectors import all_detectors
    from slither.detectors.abstract_detector import AbstractDetector

    classes = [c for c in vars(all_detectors).values()
               if isinstance(c, type) and issubclass(c, AbstractDetector) and c is not AbstractDetector]
    if not all_checks:
        classes = [c for c in classes if swc_for_check(f"slither:{c.ARGUMENT}")]
    return sorted(classes, key=lambda c: c.ARGUMENT) + our_detector_classes()


def run_slither(output: dict, version: str, root: Path,
                all_checks: bool = False, label: str = "<unit>") -> tuple[list[Finding], list[FileError]]:
    """Run every relevant detector on one compile output. A crashing detector is reported, not fatal."""
    # Source unit names are root-relative; parts of Slither resolve them against the cwd.
    with contextlib.chdir(root):
        try:
            return _run_slither(output, version, root, all_checks, label)
        finally:
            clear_run_caches()  # the next unit's objects are new; keep no IR of this one alive


def _run_slither(output: dict, version: str, root: Path, all_checks: bool,
                 label: str) -> tuple[list[Finding], list[FileError]]:
    from slither import Slither

    install_slither_fixes(lambda: not _PLAIN.get())
    try:
        cc = CryticCompile(_Precompiled(output, version), cwd=str(root))
    except Exception as exc:
        raise AnalysisError(_one_line(exc)) from exc
    partial: list[FileError] = []
    try:
        with _skipped_functions() as skipped:
            slither = Slither(cc)
        partial = _skipped_report(skipped, slither, root, label)
    except Exception as exc:  # Slither raises bare AssertionError/KeyError inside its IR generation
        slither, partial = _partial_slither(cc, root, exc, label)
    if output.get("contracts") and not slither.contracts:  # never report an unseen file as analysed
        raise AnalysisError("Slither found no contracts in the compiler's output (no usable AST)")
    plain = _PLAIN.get()
    skipped = _skipped_checks(plain)
    for cls in detector_classes(all_checks):
        if cls.ARGUMENT not in skipped:
            slither.register_detector(cls)
    findings: list[Finding] = []
    errors: list[FileError] = list(partial)
    guarded = set() if plain else mutex_guarded_functions(slither)
    if plain:
        clocks: set[tuple[str, int]] = set()
    else:
        from ..detectors.weak_randomness import clock_arithmetic

        clocks = clock_arithmetic(slither)
    spans: dict[int, dict[str, list[tuple[int, int]]]] = {}  # per filter, built when first needed
    for det in slither.detectors:
        try:
            results = det.detect()
        except Exception as exc:
            errors.append(FileError(label, "analyze",
                                    f"detector {det.ARGUMENT} failed: {_one_line(exc)}"))
            continue
        origin = "swclint" if det.ARGUMENT in _our_checks() else "slither"
        for res in results:
            f = _to_finding(res, origin, root)
            # Slither does not model locks: drop SWC-107 only where every function sharing the
            # state takes the same lock (analyze/guards.py); cross-function re-entry stays reported.
            # Nor clocks: a timestamp kept modulo 2^32 in a uint32, or rounded down to a day, is not a draw
            # (weak_randomness.py).
            # Nor what `_SPAN_FILTERS` rules out by where the statement lies.
            if f is not None and not (f.swc_id == "SWC-107" and _key(f, root) in guarded) \
                    and not (origin == "slither" and f.swc_id == "SWC-120" and _line(f, root) in clocks) \
                    and not (not plain and _in_filtered_span(det.ARGUMENT, res, slither, spans)):
                findings.append(f)
    if not plain:  # severity from the function's context; confidence from measured precision
        from ..precision import calibrate
        from ..severity import contextualize

        findings = calibrate(contextualize(findings, slither, root))
    return findings, errors


def _spans(slither, keep: Callable[[Any], bool]) -> dict[str, list[tuple[int, int]]]:
    """Per file, the source ranges (start, end) of the statements `keep` holds for."""
    found: dict[str, list[tuple[int, int]]] = {}
    for contract in slither.contracts:
        for function in contract.functions_and_modifiers_declared:
            for node in function.nodes:
                mapping = node.source_mapping
                if mapping is not None and mapping.length and keep(node):
                    found.setdefault(mapping.filename.absolute, []).append(
                        (mapping.start, mapping.start + mapping.length))
    return found


def _assembly_spans(slither) -> dict[str, list[tuple[int, int]]]:
    """Per file, the source ranges of the statements Slither read from inline assembly."""
    from ..detectors.ir import in_assembly

    return _spans(slither, in_assembly)


def _pass_through_calls(slither) -> dict[str, list[tuple[int, int]]]:
    """Per file, the source ranges of the statements whose every library or external call is to a
    helper which returns one of its own arguments unchanged (`ir.passes_through`)."""
    from slither.slithir.operations import HighLevelCall

    from ..detectors.ir import helper_callee, passes_through

    def echoes(node) -> bool:
        # every call whose result Slither weighs here hands back the caller's argument
        calls = [ir for ir in node.irs if isinstance(ir, HighLevelCall)]
        return bool(calls) and all(
            (callee := helper_callee(ir)) is not None and passes_through(callee) for ir in calls)

    return _spans(slither, echoes)


# Slither detectors whose harm is the effect of the statement they point at.
_UNDONE_BY_REVERT = frozenset({"controlled-delegatecall", "arbitrary-send-eth", "arbitrary-send-erc20",
                               "arbitrary-send-erc20-permit"})


def _doomed_spans(slither) -> dict[str, list[tuple[int, int]]]:
    """Per file, the source ranges of the statements every path from which reverts
    (`ir.doomed_nodes`) in every contract that inherits them: nothing they do lasts. A derived
    contract may override the helper that reverts, so each inherited copy must be doomed too."""
    from ..detectors.ir import doomed_nodes

    doomed: set[tuple[str, int, int]] = set()
    spared: set[tuple[str, int, int]] = set()
    for contract in slither.contracts:
        for function in contract.functions_and_modifiers:
            for node in function.nodes:
                mapping = node.source_mapping
                if mapping is not None and mapping.length:
                    span = (mapping.filename.absolute, mapping.start, mapping.start + mapping.length)
                    (doomed if node in doomed_nodes(function) else spared).add(span)
    found: dict[str, list[tuple[int, int]]] = {}
    for path, start, end in doomed - spared:
        found.setdefault(path, []).append((start, end))
    return found


def _idle_shadowing_spans(slither) -> dict[str, list[tuple[int, int]]]:
    """Per file, the declarations of state variables that shadow only variables as idle as
    themselves (the storage gaps upgradeable contracts reserve): not public, read or written by no
    function, modifier or initialiser of the unit, and named in none of its inline assembly
    (`x_slot`). Shadowing harms where code of one contract reads a copy that code of another
    writes; where no code touches any copy, it only reserves slots."""
    from slither.core.cfg.node import NodeType

    from ..detectors.ir import assembly_text

    touched: set = set()
    assembly: list[str | None] = []
    for contract in slither.contracts:
        for function in contract.functions_and_modifiers_declared:
            touched.update(function.state_variables_read, function.state_variables_written)
            assembly.extend(assembly_text(n) for n in function.nodes if n.type == NodeType.ASSEMBLY)
    if None in assembly:
        return {}  # assembly it cannot read may name any variable
    text = "\n".join(assembly)

    def idle(variable) -> bool:
        return (variable.visibility != "public" and variable not in touched
                and re.search(rf"(?<![\w$]){re.escape(variable.name)}(?:_slot|_offset)?(?![\w$])", text) is None)

    found: dict[str, list[tuple[int, int]]] = {}
    for contract in slither.contracts:
        fathers = [v for father in contract.inheritance for v in father.state_variables_declared]
        for variable in contract.state_variables_declared:
            group = [variable, *(v for v in fathers if v.name == variable.name)]
            mapping = variable.source_mapping
            if len(group) > 1 and mapping is not None and mapping.length and all(map(idle, group)):
                found.setdefault(mapping.filename.absolute, []).append(
                    (mapping.start, mapping.start + mapping.length))
    return found


# the library call Slither's arbitrary-send-erc20 checks at each call site
_SAFE_TRANSFER_FROM = "safeTransferFrom(address,address,address,uint256)"


def _checked_at_call_site(node) -> bool:
    """The node sits in a library's `safeTransferFrom(token, from, to, value)` that pulls from its own
    `from` parameter, unchanged, and that only library calls from contract functions reach: those
    are the calls Slither's detector checks (not internal calls, modifiers or free functions)."""
    from slither.slithir.operations import HighLevelCall

    function = node.function
    contract = getattr(function, "contract_declarer", None)
    if contract is None or not contract.is_library or function.solidity_signature != _SAFE_TRANSFER_FROM:
        return False
    source = function.parameters[1]
    pulls = [ir for ir in node.irs if isinstance(ir, HighLevelCall) and ir.arguments]
    calls = _calls_in_unit(function.compilation_unit).get(_call_key(function), set())
    return bool(pulls) and source not in function.variables_written \
        and all(ir.arguments[0] is source for ir in pulls) and calls <= {("library", "function")}


def _call_key(function) -> tuple:
    """One key for a function and every inherited copy of it: where it is declared, and its name."""
    home = getattr(function, "contract_declarer", None)
    if home is None and function.source_mapping is not None:
        home = function.source_mapping.filename.absolute
    return home, function.full_name


@run_cache(maxsize=8)
def _calls_in_unit(unit) -> dict[tuple, set[tuple[str, str]]]:
    """For each function of the unit called anywhere in it (every inherited copy under one
    `_call_key`): how it is called (`internal`, `library`, `external`) and from where (`function`,
    `modifier`, `free`)."""
    from slither.core.declarations import Function, Modifier
    from slither.slithir.operations import HighLevelCall, InternalCall, LibraryCall

    found: dict[tuple, set[tuple[str, str]]] = {}
    callers = [(f, "modifier" if isinstance(f, Modifier) else "function")
               for c in unit.contracts for f in c.functions_and_modifiers]
    callers += [(f, "free") for f in unit.functions_top_level]
    for caller, where in callers:
        for node in caller.nodes:
            for ir in node.irs:
                if isinstance(ir, LibraryCall):
                    kind = "library"
                elif isinstance(ir, InternalCall):
                    kind = "internal"
                elif isinstance(ir, HighLevelCall):
                    kind = "external"
                else:
                    continue
                if isinstance(ir.function, Function):
                    found.setdefault(_call_key(ir.function), set()).add((kind, where))
    return found


def _packs_only_text(node) -> bool:
    """The node packs values with `abi.encodePacked` and the result only ever becomes a string that
    is copied, emitted or returned as a string: nothing hashes it, stores it or hands it to a call."""
    from slither.core.variables.local_variable import LocalVariable
    from slither.slithir.operations import Assignment, EventCall, Return, SolidityCall, TypeConversion
    from slither.slithir.variables import TemporaryVariable

    packed = {ir.lvalue for ir in node.irs
              if isinstance(ir, SolidityCall) and ir.function.name.startswith("abi.encodePacked")}
    if not packed:
        return False
    tainted, grew = set(packed), True
    while grew:  # what the packed bytes flow into, through copies and casts
        grew = False
        for other in node.function.nodes:
            for ir in other.irs:
                reads = set(getattr(ir, "read", []) or [])
                if not reads & tainted:
                    continue
                if isinstance(ir, Return):
                    # a string handed back to the outside only: no caller of ours hashes it
                    if any(str(r.type) != "string" for r in node.function.returns) \
                            or node.function.visibility not in ("public", "external") \
                            or _call_key(node.function) in _calls_in_unit(node.function.compilation_unit):
                        return False
                elif isinstance(ir, EventCall):
                    continue
                elif isinstance(ir, (Assignment, TypeConversion)) and str(ir.lvalue.type) == "string" \
                        and isinstance(ir.lvalue, (LocalVariable, TemporaryVariable)):
                    if ir.lvalue not in tainted:
                        tainted.add(ir.lvalue)
                        grew = True
                else:
                    return False
    return True


# Slither's findings dropped where their statement lies in a span the builder finds, with why:
_SPAN_FILTERS: tuple[tuple[Callable[[str], bool], Callable[[Any], dict]], ...] = (
    # Yul has no `^` operator (xor is `xor(a, b)`, a power `exp(a, b)`): an xor there is no mistyped power
    (lambda check: check == "incorrect-exp", _assembly_spans),
    # an ignored result that is the caller's own argument handed back (`verifyCallResult`)
    (lambda check: check == "unused-return", _pass_through_calls),
    # a delegatecall or transfer that every path from it reverts is undone, whoever chose its target
    (lambda check: check in _UNDONE_BY_REVERT, _doomed_spans),
    # packed bytes that only become a string (a token URI) are never hashed: nothing collides
    (lambda check: check == "encode-packed-collision", lambda slither: _spans(slither, _packs_only_text)),
    # a library's `safeTransferFrom(token, from, to, value)`: Slither judges `from` at its call sites
    (lambda check: check.startswith("arbitrary-send-erc20"),
     lambda slither: _spans(slither, _checked_at_call_site)),
    # shadowing among copies no code touches (storage gaps) makes no code read the wrong copy
    (lambda check: check == "shadowing-state", _idle_shadowing_spans),
)


def _in_filtered_span(check: str, res: dict, slither, built: dict[int, dict]) -> bool:
    """A `_SPAN_FILTERS` entry for `check` holds the result's statement; spans are built once per run,
    and only for checks that reported something."""
    for index, (applies, build) in enumerate(_SPAN_FILTERS):
        if applies(check):
            if index not in built:
                built[index] = build(slither)
            if _within(_primary_element(res), built[index]):
                return True
    return False


def _within(element: dict | None, spans: dict[str, list[tuple[int, int]]]) -> bool:
    """The result's statement starts inside one of `spans` (offsets, not lines: a Solidity statement
    on the same line as an assembly block is not inside it)."""
    mapping = (element or {}).get("source_mapping") or {}
    start = mapping.get("start")
    return start is not None and any(
        low <= start < high for low, high in spans.get(mapping.get("filename_absolute", ""), []))


def _partial_slither(cc: CryticCompile, root: Path, cause: Exception, label: str):
    """Slither with every function whose IR could be built; the others stay opaque.

    Slither's IR generation stops the whole compilation unit at the first function it cannot
    convert. Parsing succeeded, so we convert function by function, empty the IR of the ones that
    fail, and let the detectors see the rest. Raises AnalysisError when even parsing fails.
    """
    from slither import Slither

    try:
        slither = Slither(cc, skip_analyze=True)
    except Exception as exc:
        raise AnalysisError(_one_line(exc)) from cause
    failed: dict[str, list[str]] = {}  # file -> "C.f (cause)"
    for parser in slither._parsers:  # Slither exposes no per-function way to build IR
        unit = parser.compilation_unit
        for contract in unit.contracts:
            _tolerant(failed, root, contract, contract.add_constructor_variables)
            for func in contract.functions + contract.modifiers:
                if not _tolerant(failed, root, func, func.generate_slithir_and_analyze):
                    _make_opaque(func)
            _tolerant(failed, root, contract, contract.convert_expression_to_slithir_ssa)
        for func in unit.functions_top_level:
            if not (_tolerant(failed, root, func, func.generate_slithir_and_analyze)
                    and _tolerant(failed, root, func, lambda f=func: f.generate_slithir_ssa({}))):
                _make_opaque(func)
        _tolerant(failed, root, None, unit.propagate_function_calls)
        for contract in unit.contracts:
            _tolerant(failed, root, contract, contract.fix_phi)
            _tolerant(failed, root, contract, contract.update_read_write_using_ssa)
        if not unit.core.skip_data_dependency:
            from slither.analyses.data_dependency.data_dependency import compute_dependency

            _tolerant(failed, root, None, lambda u=unit: compute_dependency(u))
        _tolerant(failed, root, None, unit.compute_storage_layout)
        parser._analyzed = True
    if not failed:  # nothing failed the second time: report the first failure, nothing is lost
        failed = {"<unit>": [_one_line(cause)]}
    if "<unit>" in failed:
        failed.setdefault(label, []).extend(failed.pop("<unit>"))
    return slither, _partial_errors(failed)


_SKIPPED = re.compile(r"Impossible to generate IR for (\S+) \(([^)#]*)#(\d+)[^)]*\):\s*(.*)", re.S)


@contextlib.contextmanager
def _skipped_functions() -> Iterator[list[str]]:
    """Collect the functions Slither gives up on quietly (it logs them and leaves them without IR)."""
    records: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record.getMessage())

    logger = logging.getLogger("ContractSolcParsing")
    handler, level, propagate = Collect(logging.ERROR), logger.level, logger.propagate
    logger.addHandler(handler)
    logger.setLevel(logging.ERROR)
    logger.propagate = False  # collected, not printed
    try:
        yield records
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
        logger.propagate = propagate


def _skipped_report(messages: list[str], slither: Any, root: Path, label: str) -> list[FileError]:
    """One `analysed partially` line per file for the functions Slither built no IR for."""
    failed: dict[str, list[str]] = {}
    for message in messages:
        match = _SKIPPED.search(message)
        if not match:
            continue
        name, file, line, cause = match.groups()
        path = next((relpath(Path(u.source_mapping.filename.absolute), root) for u in slither.contracts
                     if u.source_mapping and u.source_mapping.filename.used == file.strip()), label)
        first = cause.strip().splitlines()[0][:200] if cause.strip() else "unknown cause"
        failed.setdefault(path, []).append(f"{name} (line {line}): {first}")
    return _partial_errors(failed)


def _partial_errors(failed: dict[str, list[str]]) -> list[FileError]:
    return [FileError(path, "analyze", f"{PARTIAL}: Slither could not build its IR for "
                      f"{'; '.join(parts[:3])}{' ...' if len(parts) > 3 else ''}; static checks skipped "
                      f"that code and ran on the rest")
            for path, parts in sorted(failed.items())]


def _tolerant(failed: dict[str, list[str]], root: Path, owner, step) -> bool:
    """Run one analysis step; on failure note which function/contract it was, return False."""
    try:
        step()
        return True
    except Exception as exc:
        path, name = "<unit>", "the compilation unit"
        if owner is not None:
            sm = owner.source_mapping
            path = relpath(Path(sm.filename.absolute), root) if sm and sm.filename.absolute else path
            contract = getattr(owner, "contract_declarer", None)
            name = f"{contract.name}.{owner.name}" if contract is not None else owner.name
            name += f" (line {sm.lines[0]})" if sm and sm.lines else ""
        failed.setdefault(path, []).append(f"{name}: {_one_line(exc)}")
        return False


def _make_opaque(func) -> None:
    """A function whose IR failed midway keeps no half-built IR (later passes would trip on it)."""
    for node in func.nodes:
        node._irs = []  # Slither has no public setter; detectors then see a function without IR
        node._irs_ssa = []


def _key(f: Finding, root: Path) -> tuple[str, str, str]:
    return str((root / f.location.path).resolve()), f.contract, f.function


def _line(f: Finding, root: Path) -> tuple[str, int]:
    return str((root / f.location.path).resolve()), f.location.start_line


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0][:300]}" if text else type(exc).__name__


def _primary_element(res: dict) -> dict | None:
    elements = [e for e in res.get("elements", []) if e.get("source_mapping")]
    nodes = [e for e in elements if e.get("type") == "node"]
    return (nodes or elements or [None])[0]


def _owner(element: dict) -> tuple[str, str]:
    """(contract, function) that contain an element."""
    contract = function = ""
    cur: dict | None = element
    while cur:
        kind = cur.get("type")
        if kind == "function" and not function:
            function = cur.get("name", "")
        elif kind == "contract" and not contract:
            contract = cur.get("name", "")
        cur = (cur.get("type_specific_fields") or {}).get("parent")
    return contract, function


_PATH_REF = re.compile(r"\s*\([^()\n]*#\d+(?:-\d+)?\)")


def whole_message(description: str) -> str:
    """Slither's multi-line description as one line, nothing cut: the headline (its own location
    dropped, the finding carries it) and then every bullet, which keeps the places it names
    ("2 different versions of Solidity are used: Version constraint ^0.4.24 is used by: ^0.4.24
    (a.sol#1); ...")."""
    lines = [ln.strip().lstrip("-").strip() for ln in description.strip().splitlines()]
    lines = [ln for ln in lines if ln]
    if not lines:
        return ""
    text = _PATH_REF.sub("", lines[0]).strip()
    for prev, line in zip(lines, lines[1:], strict=False):
        text += (" " if prev.endswith(":") else "; ") + _SHORT_REF.sub(r"(\1#\2)", line)
    return text


_SHORT_REF = re.compile(r"\((?:[^()\n]*/)?([^()/\n]+)#(\d+(?:-\d+)?)\)")  # (a/b/C.sol#3) -> (C.sol#3)


def stable_description(description: str) -> str:
    """Slither's description with each run of nested bullets in sorted order. Slither lists the calls
    an external call leads to (`\t\t- ...` under a reentrancy's call) from a set, whose order changes
    from run to run; sorted, the same finding reads the same in every report."""
    out: list[str] = []
    run: list[str] = []
    depth_of_run = 0
    for line in description.splitlines():
        depth = len(line) - len(line.lstrip("\t"))
        if run and depth != depth_of_run:
            out += sorted(run)
            run = []
        if depth >= 2:
            run.append(line)
            depth_of_run = depth
        else:
            out.append(line)
    out += sorted(run)
    return "\n".join(out) + ("\n" if description.endswith("\n") else "")


def _to_finding(res: dict, origin: str, root: Path) -> Finding | None:
    check = res.get("check", "")
    res = {**res, "description": stable_description(res.get("description", ""))}
    swc = swc_for_check(f"{origin}:{check}") or swc_for_check(check)
    element = _primary_element(res)
    if element is None:
        return None
    sm = element["source_mapping"]
    lines = sm.get("lines") or [1]
    path = relpath(Path(sm.get("filename_absolute") or sm.get("filename_used") or ""), root)
    contract, function = _owner(element)
    description = _PATH_REF.sub("", res.get("description", "")).strip()
    message = whole_message(res.get("description", "")) or check
    rule = get_rule(swc) if swc else None
    return Finding(
        swc_id=swc or f"slither/{check}",
        title=rule.title if rule else check,
        severity=IMPACT_TO_SEVERITY.get(res.get("impact", ""), "info"),
        confidence=CONFIDENCE_TO_SCORE.get(res.get("confidence", ""), 0.3),
        location=Location(path, min(lines), max(lines), int(sm.get("starting_column") or 1),
                          int(sm.get("ending_column") or 1)),
        message=message,
        remediation=rule.remediation.strip() if rule else "",
        contract=contract,
        function=function,
        evidence=[Evidence(f"{origin}:{check}", CONFIDENCE_TO_SCORE.get(res.get("confidence", ""), 0.3),
                           description)],
    )
