"""Compile Solidity files with standard JSON: one solc call per version group, per-file errors.

Files are grouped by the version their pragmas (and their imports' pragmas) resolve to; each
group is one compiler run. A file that fails is dropped and the rest recompiled, so one broken
file never hides the others.
"""

from __future__ import annotations

import functools
import operator
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from packaging.version import Version

from swclint.solc import legacy
from swclint.solc.aliases import name_import_aliases
from swclint.solc.errors import CompilerBroken, GroupFailed, InvalidPragma, SolcError, UnsatisfiablePragma
from swclint.solc.imports import Remapping, SourceTree, load_tree, parse_remapping, unit_name
from swclint.solc.providers import Solc, get_solc, get_solc_for_constraint, installed_versions
from swclint.solc.source import _PRAGMA, mask, plain_comments
from swclint.solc.versions import (
    LEGACY_RELEASES,
    OLDEST_SUPPORTED,
    PRE_04_RELEASES,
    Constraint,
    known_releases,
    pick,
    pragma_constraint,
)

NAMED_ALIASES = Version("0.6.0")  # first release whose AST names an import alias's original symbol

# What crytic-compile asks for, so Slither can be fed from our output unchanged.
DEFAULT_OUTPUT_SELECTION = {
    "*": {
        "*": ["abi", "metadata", "devdoc", "userdoc", "evm.bytecode", "evm.deployedBytecode"],
        "": ["ast"],
    }
}


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One compiler (or import) message mapped to a file and 1-based line/column."""

    file: Path | None
    line: int | None
    column: int | None
    message: str
    severity: str = "error"  # "error" | "warning" | "info"

    def __str__(self) -> str:
        where = str(self.file or "<solc>")
        if self.line:
            where += f":{self.line}" + (f":{self.column}" if self.column else "")
        return f"{where}: {self.severity}: {self.message}"


@dataclass
class CompileResult:
    solc_version: Version | None
    input: dict  # the standard-JSON input that produced `output`
    output: dict  # raw standard-JSON output of the run covering `compiled` ({} if nothing compiled)
    compiled: list[Path] = field(default_factory=list)
    failed: list[Path] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    source_units: dict[str, Path] = field(default_factory=dict)  # source unit name -> file

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]

    def errors_for(self, file: Path) -> list[Diagnostic]:
        target = file.resolve()
        return [d for d in self.errors if d.file is not None and d.file.resolve() == target]


def _remappings(remappings: Sequence[str | Remapping]) -> list[Remapping]:
    return [r if isinstance(r, Remapping) else parse_remapping(r) for r in remappings]


def standard_input(
    tree: SourceTree,
    units: Sequence[str],
    remappings: Sequence[Remapping],
    output_selection: dict | None = None,
    version: Version | None = None,
    *,
    natspec: bool = True,
) -> dict:
    sources: dict[str, dict] = {}
    for unit in units:
        for u in tree.closure(unit):
            if u in tree.contents:
                text = _for_compiler(tree.contents[u], version)
                sources.setdefault(u, {"content": text if natspec else plain_comments(text)})
    settings: dict = {"outputSelection": output_selection or DEFAULT_OUTPUT_SELECTION}
    remappings = [*remappings, *(r for r in tree.aliases if r.context in sources)]
    if remappings:
        settings["remappings"] = [str(r) for r in remappings]
    return {"language": "Solidity", "sources": dict(sorted(sources.items())), "settings": settings}


# Releases before standard JSON (0.4.11): old verified contracts pin them. solc-js drives them only
# through its legacy interface, so they are a last per-file fallback (`older_alternatives`), never
# the planned compiler: a pin of one compiles with 0.4.11 first, its pragma blanked.
_BEFORE_STANDARD_JSON = [Version(f"0.4.{patch}") for patch in range(11)]


def _before_standard_json(constraint: Constraint) -> bool:
    return any(map(constraint.allows, _BEFORE_STANDARD_JSON))


def _for_compiler(text: str, version: Version | None) -> str:
    """The source as sent to solc, adjusted for old dialects no release we drive accepts:

    - a pragma pinning a pre-0.4.11 release is blanked for the release planned instead;
    - a modifier placeholder written `_` without `;` (solc < 0.4) gets its `;` (not for 0.3 itself).

    Both keep lines and the file's length: a `;` takes the place of a blank after the `_`, or of the
    nearest blank before it (the text in between moves one column; line breaks stay).
    """
    if version is None:
        return text
    masked = mask(text, strings=True)
    out = list(text)
    if "pragma" in text:
        try:
            constraint = pragma_constraint(text)
        except InvalidPragma:
            constraint = None
        if constraint is not None and not constraint.allows(version) and _before_standard_json(constraint):
            for start, end in (m.span() for m in _PRAGMA.finditer(masked)):
                out[start:end] = ["\n" if c == "\n" else " " for c in text[start:end]]
    # 0.3 wants the bare `_` (`_;` is a syntax error there); 0.4 and later want the `;`
    for m in reversed(list(_BARE_PLACEHOLDER.finditer(masked)) if version >= _FIRST_04 else []):
        after = m.end()
        if after < len(text) and text[after] in " \t":
            out[after] = ";"
            continue
        # no room after `_`: the nearest blank before it makes room (never a line break), so the
        # file's length (which crytic-compile checks against the disk) stays the same
        blank = next((j for j in range(m.start() - 1, -1, -1) if masked[j] in " \t" and text[j] in " \t"
                      and not (_word(masked, j - 1) and _word(masked, j + 1))), None)
        out.insert(after, ";")
        if blank is not None:
            del out[blank]
    return "".join(out)


_FIRST_04 = Version("0.4.0")


def _word(text: str, i: int) -> bool:
    return 0 <= i < len(text) and (text[i].isalnum() or text[i] in "_$")


# `_` standing alone before `}` (or the end of its line): a modifier body from before solc 0.4.
_BARE_PLACEHOLDER = re.compile(r"(?<![\w$.])_(?=[ \t]*(?:\}|\r?\n))")


def _position(text: str, offset: int) -> tuple[int, int]:
    """solc offsets count UTF-8 bytes; turn one into a 1-based (line, column)."""
    prefix = text.encode("utf-8")[: max(offset, 0)]
    line = prefix.count(b"\n") + 1
    column = len(prefix[prefix.rfind(b"\n") + 1 :].decode("utf-8", errors="replace")) + 1
    return line, column


def _diagnostics(output: dict, tree: SourceTree) -> tuple[list[Diagnostic], set[str], bool]:
    """(diagnostics, units with errors, whether some error names no known unit)."""
    diags: list[Diagnostic] = []
    error_units: set[str] = set()
    unattributed = False
    for err in output.get("errors", []) or []:
        severity = str(err.get("severity", "error")).lower()
        message = str(err.get("message") or err.get("formattedMessage") or "unknown error").strip()
        if err.get("type") and err.get("type") not in ("Warning", "Info"):
            message = f"{err['type']}: {message}"
        loc = err.get("sourceLocation") or {}
        unit = loc.get("file")
        file = tree.files.get(unit) if unit else None
        line = column = None
        if (
            file is not None
            and unit in tree.contents
            and isinstance(loc.get("start"), int)
            and loc["start"] >= 0
        ):
            line, column = _position(tree.contents[unit], loc["start"])
        diags.append(Diagnostic(file, line, column, message, severity))
        if severity == "error":
            if file is None:
                unattributed = True
            else:
                error_units.add(unit)
    return diags, error_units, unattributed


def compile_group(
    solc: Solc,
    files: list[Path],
    root: Path,
    remappings: Sequence[str | Remapping] = (),
    timeout: float | None = None,
    *,
    output_selection: dict | None = None,
) -> CompileResult:
    """Compile `files` (and their imports) with one solc run; retry without files that fail.

    Raises `GroupFailed` when solc fails on several files together without naming one: the caller
    compiles them in smaller groups (`compile_in_parts`)."""
    remaps = _remappings(remappings)
    tree = load_tree(files, root, remaps)
    result = CompileResult(solc.version, {}, {}, source_units=tree.files)
    diags: set[Diagnostic] = set()
    roots: list[str] = []
    for f in files:
        unit = unit_name(f, root)
        blocked = _blocked(tree, unit)
        if blocked:
            diags.update(blocked)
            result.failed.append(f)
        elif unit not in roots:
            roots.append(unit)
    roots = _compile_until_clean(solc, tree, roots, remaps, timeout, output_selection, result, diags)
    done = {tree.files[u] for u in roots}
    result.compiled = [f for f in dict.fromkeys(files) if f.resolve() in done]
    failed = {f.resolve() for f in result.failed} - done
    result.failed = [f for f in dict.fromkeys(files) if f.resolve() in failed]
    result.diagnostics = sorted(
        diags, key=lambda d: (str(d.file or ""), d.line or 0, d.column or 0, d.message)
    )
    return result


def _blocked(tree: SourceTree, unit: str) -> list[Diagnostic]:
    """Why `unit` cannot be sent to solc: unreadable, or a missing import in its closure."""
    out: list[Diagnostic] = []
    file = tree.files[unit]
    if unit in tree.unreadable:
        return [Diagnostic(file, None, None, f"cannot read file: {tree.unreadable[unit]}")]
    for u in tree.closure(unit):
        if u in tree.unreadable and u != unit:
            out.append(
                Diagnostic(
                    file, None, None, f"imported file {tree.files[u]} cannot be read: {tree.unreadable[u]}"
                )
            )
    for m in tree.broken(unit):
        out.append(Diagnostic(tree.files[m.unit], m.line, None, f'import "{m.import_path}" {m.reason}'))
        if m.unit != unit:
            out.append(
                Diagnostic(
                    file,
                    None,
                    None,
                    f'not compiled: imported file {tree.files[m.unit]} has a missing import "{m.import_path}"',
                )
            )
    return out


def _compile_until_clean(
    solc: Solc,
    tree: SourceTree,
    roots: list[str],
    remaps: list[Remapping],
    timeout: float | None,
    selection: dict | None,
    result: CompileResult,
    diags: set[Diagnostic],
) -> list[str]:
    """Compile `roots`; drop roots whose closure has errors and retry. Returns the roots that compiled."""
    natspec = True
    while roots:
        inp = standard_input(tree, roots, remaps, selection, solc.version, natspec=natspec)
        try:
            output = solc.compile_standard(inp, timeout=timeout)
        except SolcError as exc:
            if len(roots) > 1:
                raise GroupFailed(f"solc {solc.version} failed on {len(roots)} files together: {exc}") from None
            diags.add(Diagnostic(tree.files[roots[0]], None, None, str(exc)))
            result.failed.append(tree.files[roots[0]])
            return []
        if solc.version < OLDEST_SUPPORTED:  # a pre-standard-JSON release, through solc-js's wrapper
            output = legacy.standardise(output, tree.contents, solc.version)
        if solc.version < NAMED_ALIASES:
            name_import_aliases(output, {u: s.get("content", "") for u, s in inp["sources"].items()})
        if natspec and _natspec_only(output):
            natspec = False  # compiled again with the NatSpec as plain comments (`plain_comments`)
            continue
        found, error_units, unattributed = _diagnostics(output, tree)
        diags.update(found)
        bad = [r for r in roots if error_units.intersection(tree.closure(r))]
        if not bad and not unattributed:
            result.input, result.output = inp, output
            return roots
        if unattributed and len(roots) > 1 and not bad:
            cause = next(d.message for d in found if d.file is None and d.severity == "error")
            raise GroupFailed(f"solc {solc.version} failed on {len(roots)} files together: "
                              f"{' '.join(cause.split())}")
        if unattributed and not bad:
            bad = roots
        for r in bad:
            result.failed.append(tree.files[r])
            culprits = ", ".join(str(tree.files[u]) for u in tree.closure(r) if u in error_units and u != r)
            if r not in error_units and culprits:  # an error with no location already names this root
                diags.add(
                    Diagnostic(
                        tree.files[r], None, None, f"not compiled: imported file(s) {culprits} have errors"
                    )
                )
        if not unattributed or len(roots) == 1:
            result.input, result.output = inp, output
        roots = [r for r in roots if r not in bad]
    return []


def _natspec_only(output: dict) -> bool:
    """solc's only errors are about NatSpec (which a later release rejects where an earlier did not)."""
    kinds = {e.get("type") for e in output.get("errors", []) or []
             if str(e.get("severity", "error")).lower() == "error"}
    return kinds == {"DocstringParsingError"}


# --- grouping by version ---------------------------------------------------------------------


def plan(
    files: Sequence[Path],
    root: Path,
    remappings: Sequence[str | Remapping] = (),
    *,
    candidates: Sequence[Version] | None = None,
    installed: Sequence[Version] | None = None,
) -> tuple[dict[Version, list[Path]], list[Diagnostic]]:
    """Group files by the solc version that satisfies their own and their imports' pragmas.

    Narrowest constraints choose first; later files reuse an already chosen version when they can,
    then an installed one, then the newest release, so the number of groups stays small.
    """
    groups, _, problems = _plan(files, root, _remappings(remappings), candidates, installed)
    return groups, problems


def _plan(
    files: Sequence[Path],
    root: Path,
    remaps: list[Remapping],
    candidates: Sequence[Version] | None,
    installed: Sequence[Version] | None,
) -> tuple[dict[Version, list[Path]], dict[Path, Constraint], list[Diagnostic]]:
    tree = load_tree(files, root, remaps)
    installed = list(installed_versions() if installed is None else installed)
    candidates = sorted(set(known_releases() if candidates is None else candidates) | set(installed))
    constraints: dict[Path, Constraint] = {}
    problems: list[Diagnostic] = []
    for f in files:
        unit = unit_name(f, root)
        try:
            c = Constraint()
            for u in tree.closure(unit):
                if u in tree.contents:
                    c = c & pragma_constraint(tree.contents[u], tree.files[u])
            constraints[f] = c
        except InvalidPragma as exc:
            problems.append(Diagnostic(f, None, None, str(exc)))
    order = sorted(constraints, key=lambda f: (sum(map(constraints[f].allows, candidates)), str(f)))
    units = {f: unit_name(f, root) for f in constraints}
    by_unit = {u: f for f, u in units.items()}
    importers: dict[Path, list[Path]] = {f: [] for f in constraints}
    for g, unit in units.items():
        for u in tree.closure(unit):
            if u != unit and u in by_unit:
                importers[by_unit[u]].append(g)
    groups: dict[Version, list[Path]] = {}
    chosen: dict[Path, Version] = {}
    for f in order:
        # An open-pragma library is compiled the way the files importing it are: newer compilers
        # reject code its importers' compiler accepts (e.g. int24 -> uint8 conversions after 0.8).
        by_importers = [chosen[g] for g in importers[f] if g in chosen]
        version = (pick(constraints[f], [], by_importers) or pick(constraints[f], [], list(groups))
                   or pick(constraints[f], candidates, installed))
        if version is None and candidates and _before_standard_json(constraints[f]):
            version = min(candidates)  # solc checks the pragma itself: standard_input blanks it
            problems.append(Diagnostic(f, None, None, f"{f}: pragma solidity '{constraints[f]}' names a "
                                       f"release before 0.4.11 (no standard-JSON interface); compiled "
                                       f"with {version}"))
        if version is None:
            error = _unsatisfiable(f, units[f], tree, constraints[f], candidates)
            problems.append(Diagnostic(f, None, None, str(error)))
            continue
        chosen[f] = version
        groups.setdefault(version, []).append(f)
    input_order = {f: i for i, f in enumerate(files)}
    ordered = {v: sorted(fs, key=input_order.__getitem__) for v, fs in sorted(groups.items())}
    return ordered, constraints, problems


def _unsatisfiable(f: Path, unit: str, tree: SourceTree, whole: Constraint,
                   candidates: Sequence[Version]) -> UnsatisfiablePragma:
    """The error for a file no release compiles (`whole`: its and its imports' pragmas): it names the
    first import whose pragma excludes the file's own, when that alone is satisfiable."""
    own = pragma_constraint(tree.contents[unit], tree.files[unit]) if unit in tree.contents else Constraint()
    if any(map(own.allows, candidates)):
        for u in tree.closure(unit)[1:]:
            if u in tree.contents:
                theirs = pragma_constraint(tree.contents[u], tree.files[u])
                if not any(map((own & theirs).allows, candidates)):
                    return UnsatisfiablePragma(f, str(own), (u, str(theirs)))
    return UnsatisfiablePragma(f, str(whole))


def closure_files(file: Path, root: Path, remappings: Sequence[str | Remapping]) -> list[Path]:
    """`file` and every file it imports, directly or not, that exists on disk."""
    tree = load_tree([file], root, _remappings(remappings))
    return [tree.files[u] for u in tree.closure(unit_name(file, root)) if u in tree.files]


def older_alternatives(
    file: Path,
    root: Path,
    remappings: Sequence[str | Remapping],
    rejected: Version,
    *,
    limit: int = 2,
    candidates: Sequence[Version] | None = None,
    installed: Sequence[Version] | None = None,
) -> list[Version]:
    """Versions from older minor series that `file` and its imports also accept, newest first.

    An open pragma (`>=0.5.0`) is resolved to the newest compiler, but code written for an older
    one can fail there; one compile attempt per older series tells the two apart.
    """
    _, constraints, _ = _plan([file], root, _remappings(remappings), candidates, installed)
    if file not in constraints:
        return []
    unversioned = not constraints[file].specs  # no pragma anywhere: any series may be the right one
    if unversioned:
        limit = len(known_releases())
    installed = list(installed_versions() if installed is None else installed)
    pool = sorted(set(known_releases() if candidates is None else candidates) | set(installed))
    series: dict[tuple[int, int], list[Version]] = {}
    for v in pool:
        if v.release[:2] < rejected.release[:2] and constraints[file].allows(v):
            series.setdefault(v.release[:2], []).append(v)
    picks = [pick(constraints[file], vs, [v for v in installed if v in vs])
             for _, vs in sorted(series.items(), reverse=True)]
    if unversioned and _PRE_050.search(file.read_text(encoding="utf-8", errors="replace")):
        picks.reverse()  # syntax removed in 0.5: start from the oldest series, not four failures later
    out = [v for v in picks if v is not None][:limit]
    # Last resort: the oldest release allowed. `^0.4.7` code can use what later 0.4 patch releases
    # reject (uninitialized storage mappings, literal-to-contract casts); its author compiled it old.
    oldest = next((v for v in pool if constraints[file].allows(v)), None)
    if oldest is not None and oldest != rejected and oldest not in out:
        out.append(oldest)
    # Then the oldest release before standard JSON the pragma allows (any, without a pragma): checks
    # later 0.4 releases added (e.g. 0.4.10's "Uninitialized mapping") reject what authors compiled.
    pre_json = next((v for v in LEGACY_RELEASES if constraints[file].allows(v)), None)
    if pre_json is not None and pre_json != rejected and pre_json not in out:
        out.append(pre_json)
    # Last, 0.3 for what every 0.4 release rejects; only where the pragma allows it (none, mostly).
    out += [v for v in PRE_04_RELEASES if constraints[file].allows(v) and v != rejected and v not in out]
    return out


# Syntax that 0.5 removed: `constant` functions, `throw`, `var`, `suicide`, `sha3`, `callcode`, `msg.gas`.
_PRE_050 = re.compile(r"\bfunction\b[^{;]*\)\s*[^{;]*\bconstant\b|\bthrow\s*;|\bvar\s+[\w(]|"
                      r"\b(?:suicide|sha3)\s*\(|\.callcode\s*[.(]|\bmsg\.gas\b")


def compile_files(
    files: Sequence[Path],
    root: Path,
    remappings: Sequence[str | Remapping] = (),
    *,
    timeout: float | None = None,
    allow_install: bool = True,
    native_path: Path | None = None,
    output_selection: dict | None = None,
) -> tuple[list[CompileResult], list[Diagnostic]]:
    """Plan version groups and compile each; problems that stop a file before solc are returned apart."""
    if native_path is not None:
        solc = get_solc(Version("0"), native_path=native_path)
        return compile_in_parts(solc, list(files), root, remappings, timeout, output_selection), []
    installed = installed_versions()
    groups, constraints, problems = _plan(
        files, root, _remappings(remappings), None if allow_install else installed, installed
    )
    results = []
    for version, group in groups.items():
        try:
            try:
                solc = get_solc(version, allow_install=allow_install)
            except CompilerBroken:  # fall back to another version every file in the group accepts
                both = functools.reduce(operator.and_, (constraints[f] for f in group))
                solc = get_solc_for_constraint(both, file=group[0], allow_install=allow_install)
        except SolcError as exc:
            problems.extend(Diagnostic(f, None, None, str(exc)) for f in group)
            continue
        results.extend(compile_in_parts(solc, group, root, remappings, timeout, output_selection))
    return results, problems


def compile_in_parts(solc: Solc, files: list[Path], root: Path, remappings: Sequence[str | Remapping] = (),
                     timeout: float | None = None, output_selection: dict | None = None) -> list[CompileResult]:
    """`compile_group`, halving the group for as long as solc fails on it as a whole."""
    try:
        return [compile_group(solc, files, root, remappings, timeout, output_selection=output_selection)]
    except GroupFailed:
        half = len(files) // 2
        return [r for part in (files[:half], files[half:])
                for r in compile_in_parts(solc, part, root, remappings, timeout, output_selection)]
