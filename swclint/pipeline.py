"""One run, in the order docs/ARCHITECTURE.md draws it: discover -> compile -> analyze (+ llm) -> merge ->
suppress/baseline. The CLI and the benchmarks call `run`; reporters read its RunResult."""

from __future__ import annotations

import contextlib
import logging
import os
import re
import signal
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

from . import __version__
from .analyze.gaps import FAILED, static_gap
from .config import Options
from .discover import discover, load_remappings, relpath
from .findings import FileError, Finding, RunResult, merge
from .llm.triage import triage

log = logging.getLogger("swclint")

Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass
class SourceFile:
    path: Path  # absolute
    rel: str
    text: str


@dataclass
class GroupResult:
    findings: list[Finding] = field(default_factory=list)
    errors: list[FileError] = field(default_factory=list)
    analysed: list[str] = field(default_factory=list)  # rel paths Slither saw
    compiled: list[str] = field(default_factory=list)
    versions: dict[str, str] = field(default_factory=dict)  # rel path -> the solc that compiled it


def read_sources(files: list[Path], root: Path, max_bytes: int) -> tuple[list[SourceFile], list[FileError]]:
    """Read each file as UTF-8 text; binary, oversized, empty or undecodable files become errors."""
    ok: list[SourceFile] = []
    errors: list[FileError] = []
    for path in files:
        rel = relpath(path, root)
        try:
            size = path.stat().st_size
            if size > max_bytes:
                errors.append(FileError(rel, "limit", f"file is {size} bytes, over the {max_bytes}-byte limit"))
                continue
            data = path.read_bytes()
        except OSError as exc:
            errors.append(FileError(rel, "read", exc.strerror or str(exc)))
            continue
        if b"\0" in data:
            errors.append(FileError(rel, "read", "binary file (contains NUL bytes), not Solidity source"))
            continue
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            errors.append(FileError(rel, "read", f"not valid UTF-8 (byte {exc.start})"))
            continue
        if not text.strip():
            errors.append(FileError(rel, "read", "empty file, nothing to analyse"))
            continue
        ok.append(SourceFile(path, rel, text))
    return ok, errors


def plan_groups(sources: list[SourceFile], root: Path, remappings: list[str],
                opts: Options) -> tuple[dict[str, list[SourceFile]], list[FileError]]:
    """Resolve each file's pragmas (its imports' too) to one solc version; group files that share it."""
    from .solc.compile import plan

    if opts.solc_version:
        return {opts.solc_version: list(sources)}, []
    by_path = {s.path: s for s in sources}
    groups, problems = plan([s.path for s in sources], root, remappings)
    errors = [FileError(relpath(Path(d.file), root) if d.file else "<solc>", "compile",
                        _strip_where(d.message), d.line) for d in problems]
    return {str(v): [by_path[p] for p in fs if p in by_path] for v, fs in groups.items()}, errors


def _strip_where(message: str) -> str:
    """Solc-layer messages start with the file name; our FileError already names it."""
    head, sep, rest = message.partition(": ")
    return rest if sep and ("/" in head or head.endswith(".sol")) else message


def split_for_jobs(groups: dict[str, list[SourceFile]], jobs: int) -> list[tuple[str, list[SourceFile]]]:
    """Split big groups so `jobs` processes have work; the split never changes the findings."""
    units: list[tuple[str, list[SourceFile]]] = []
    total = sum(len(v) for v in groups.values())
    for version, files in groups.items():
        parts = max(1, min(len(files), round(jobs * len(files) / max(total, 1)))) if jobs > 1 else 1
        for i in range(parts):
            units.append((version, files[i::parts]))
    return units


def _doubt_at(opts: Options) -> float | dict[str, float] | None:
    """The local adapter's declared doubt threshold(s) (llm/triage.py); a remote model declares none."""
    from .llm.backends import adapter_dir
    from .llm.triage import adapter_doubt_at

    return None if opts.backend == "openai" else adapter_doubt_at(adapter_dir(opts.adapter))


def analyse_group(version: str, files: list[SourceFile], root: Path, remappings: list[str],
                  opts: Options) -> GroupResult:
    """Compile one version group in one solc call, then run Slither on what compiled.

    A file the chosen compiler rejects is tried once more per older series its pragmas allow
    (`solc.compile.older_alternatives`), the oldest release a pragma allows, then the oldest
    pre-standard-JSON release (0.4.1-0.4.10, solc-js's legacy interface) it allows, and last, for
    code whose pragma admits it, solc 0.3.6 with its AST bridged (`solc/legacy03.py`).
    """
    result = _analyse_group(version, files, root, remappings, opts)
    if opts.solc_version or opts.solc_path:
        return result
    from packaging.version import Version

    from .solc.compile import closure_files, older_alternatives

    # Only solc's own verdicts (a line, or solc's error type: 0.4's natspec errors carry no location)
    # suggest another compiler; a timeout or a missing compiler would fail the same way again.
    diagnosed = {e.path for e in result.errors
                 if e.stage == "compile" and (e.line or _SOLC_VERDICT.match(e.message))}
    failed = {e.path for e in result.errors if e.stage == "compile"} - set(result.compiled)
    for f in (f for f in files if f.rel in failed):
        closure = {relpath(p, root) for p in closure_files(f.path, root, remappings)} | {f.rel}
        if not closure & diagnosed:
            continue
        attempts = [(version, [e for e in result.errors if e.path == f.rel and e.stage == "compile"])]
        for alt in older_alternatives(f.path, root, remappings, Version(version)):
            sub = _analyse_group(str(alt), [f], root, remappings, opts)
            attempts.append((str(alt), [e for e in sub.errors if e.path == f.rel and e.stage == "compile"]))
            if f.rel in sub.compiled:
                log.debug("%s: solc %s rejected it, solc %s compiled it", f.rel, version, alt)
                # its imports compiled too, so their errors from the rejected attempt are gone
                result.errors = [e for e in result.errors if not (e.path in closure and e.stage == "compile")]
                result.errors.extend(sub.errors)
                result.compiled.append(f.rel)
                result.versions.update(sub.versions)
                result.analysed.extend(sub.analysed)
                result.findings.extend(sub.findings)
                break
        else:
            verdict = _no_release_compiles(f, attempts)
            if verdict is not None:
                result.errors = [e for e in result.errors if not (e.path == f.rel and e.stage == "compile")]
                result.errors.append(verdict)
    return result


# How `solc/compile.py` words an error solc itself raised: its type, then the message.
_SOLC_VERDICT = re.compile(r"[A-Z][A-Za-z]*Error: ")


def _no_release_compiles(f: SourceFile, attempts: list[tuple[str, list[FileError]]]) -> FileError | None:
    """For a file without a pragma that no release compiles, one line naming the releases tried and
    the verdict of the one that read furthest: the planned (newest) compiler's parse error is
    often just old syntax, so a type error beats a parse error, then the later line wins."""
    from .solc.source import solidity_pragmas

    if len(attempts) < 2 or solidity_pragmas(f.text):
        return None
    verdicts = [(v, errs[0]) for v, errs in attempts if errs and errs[0].line]
    if not verdicts:
        return None
    version, why = max(verdicts, key=lambda ve: ("ParserError" not in ve[1].message, ve[1].line or 0))
    tried = ", ".join(v for v, _ in attempts)
    return FileError(f.rel, "compile", f"no `pragma solidity`, and no solc release tried compiles it "
                     f"({tried}); solc {version} read furthest: {why.message}", why.line)


def _analyse_group(version: str, files: list[SourceFile], root: Path, remappings: list[str],
                   opts: Options) -> GroupResult:
    from .analyze.slither_run import AnalysisError, run_slither
    from .solc.compile import compile_group
    from .solc.errors import GroupFailed, SolcError

    result = GroupResult()
    try:
        solc = _solc_for(version, files, opts)
    except SolcError as exc:
        for f in files:
            result.errors.append(FileError(f.rel, "compile", _strip_where(str(exc))))
        return result
    try:
        compiled = compile_group(solc, [f.path for f in files], root=root, remappings=remappings,
                                 timeout=opts.timeout, output_selection=AST_ONLY)
    except GroupFailed:
        return _in_halves(version, files, root, remappings, opts, result, compiled=False)
    except SolcError as exc:
        for f in files:
            result.errors.append(FileError(f.rel, "compile", _strip_where(str(exc))))
        return result
    for d in compiled.errors:
        where = relpath(Path(d.file), root) if d.file else files[0].rel
        result.errors.append(FileError(where, "compile", _strip_where(d.message), d.line))
    ok = {Path(p).resolve() for p in compiled.compiled}
    good = [f for f in files if f.path in ok]
    result.compiled = [f.rel for f in good]
    result.versions = {f.rel: version for f in good}
    if not good:
        return result
    label = good[0].rel if len(good) == 1 else f"{len(good)} files compiled with solc {version}"
    try:
        with time_limit(opts.timeout):
            findings, det_errors = run_slither(compiled.output, str(solc.version), root,
                                               all_checks=opts.all_checks, label=label)
        result.errors.extend(det_errors)
        result.analysed = [f.rel for f in good]
    except AnalysisTimeout:
        for f in good:
            result.errors.append(FileError(f.rel, "limit", f"static analysis stopped after the "
                                           f"{opts.timeout:g}-second limit (--timeout)"))
        return result
    except AnalysisError as exc:
        if len(good) > 1:  # isolate the file Slither chokes on; keep everyone else's results
            return _in_halves(version, good, root, remappings, opts, result, compiled=True)
        result.errors.append(FileError(good[0].rel, "analyze", f"{FAILED}: {exc}"))
        return result
    wanted = {f.rel for f in good}
    result.findings = [f for f in findings if f.location.path in wanted]
    return result


def _in_halves(version: str, files: list[SourceFile], root: Path, remappings: list[str], opts: Options,
               result: GroupResult, compiled: bool) -> GroupResult:
    """Analyse `files` as two groups, each halved again while solc or Slither fails on it as a whole.

    One bad file costs about 2*log2(n) smaller runs, where trying one file at a time costs n, each
    recompiling the import closure the files share. `compiled`: `result` already holds these files'
    compile outcome, which the halves would only repeat."""
    half = len(files) // 2
    for part in (files[:half], files[half:]):
        sub = _analyse_group(version, part, root, remappings, opts)
        result.findings.extend(sub.findings)
        result.analysed.extend(sub.analysed)
        result.errors.extend(e for e in sub.errors if not compiled or e.stage != "compile")
        if not compiled:
            result.compiled.extend(sub.compiled)
            result.versions.update(sub.versions)
    return result


class AnalysisTimeout(Exception):
    pass


@contextlib.contextmanager
def time_limit(seconds: float):
    """Interrupt a runaway analysis. SIGALRM works in the main thread of each worker process."""
    if not seconds or seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum, frame):
        raise AnalysisTimeout()

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# Slither needs ASTs and ABIs only; skipping bytecode makes solc-js several times faster.
AST_ONLY = {"*": {"*": ["abi"], "": ["ast"]}}


def _solc_for(version: str, files: list[SourceFile], opts: Options):
    """The compiler for a group; a broken build falls back to another version every file accepts."""
    import functools
    import operator

    from packaging.version import Version

    from .solc.errors import CompilerBroken
    from .solc.providers import get_solc, get_solc_for_constraint
    from .solc.versions import pragma_constraint

    native = Path(opts.solc_path) if opts.solc_path else None
    try:
        return get_solc(Version(version), native_path=native)
    except CompilerBroken:
        both = functools.reduce(operator.and_, (pragma_constraint(f.text, f.rel) for f in files))
        return get_solc_for_constraint(both, file=files[0].rel)


def _analyse_unit(args: tuple) -> GroupResult:
    return analyse_group(*args)


def run(paths: list[str], opts: Options, root: Path | None = None, progress: Progress | None = None,
        llm_stage: Callable | None = None) -> RunResult:
    root = (root or Path.cwd()).resolve()
    changed = None
    if opts.diff_base:  # before the long part: an unknown revision fails at once (diff.DiffError)
        from .diff import changed_lines

        changed = changed_lines(root, opts.diff_base)
    result = RunResult(root=str(root), tool_version=__version__)
    found = discover(paths or ["."], root, opts.exclude, opts.default_excludes)
    result.errors.extend(found.errors)
    sources, read_errors = read_sources(found.files, root, opts.max_file_bytes)
    result.errors.extend(read_errors)
    result.sources = {s.rel: s.text for s in sources}
    if not sources:
        return result
    remappings = load_remappings(root, opts.remappings, [Path(p) for p in paths or ['.']])
    groups, plan_errors = plan_groups(sources, root, remappings, opts)
    result.errors.extend(plan_errors)

    store = keys = None
    cached = GroupResult()
    if opts.cache:
        groups, cached, store, keys = _from_cache(groups, root, remappings, opts)
    jobs = opts.jobs or os.cpu_count() or 1
    units = split_for_jobs(groups, jobs)
    done, total = 0, sum(len(fs) for _, fs in units)  # progress counts files, not compiler groups
    group_results: list[GroupResult] = []
    if progress:
        progress("compile+analyze", 0, total)
    if jobs > 1 and len(units) > 1:
        with ProcessPoolExecutor(max_workers=min(jobs, len(units))) as pool:
            results = pool.map(_analyse_unit, [(v, fs, root, remappings, opts) for v, fs in units])
            # The workers exist now (forked at the first submit), so a thread started here is never
            # forked with them: the model loads while the main process would only wait for results.
            prepare = getattr(llm_stage, "prepare", None)
            if prepare is not None:
                prepare(opts)
            for (_, fs), gr in zip(units, results, strict=True):
                group_results.append(gr)
                done += len(fs)
                if progress:
                    progress("compile+analyze", done, total)
    else:
        for version, fs in units:
            group_results.append(analyse_group(version, fs, root, remappings, opts))
            done += len(fs)
            if progress:
                progress("compile+analyze", done, total)

    if store is not None:
        _to_cache(store, keys, units, group_results, set(result.sources))
        group_results.append(cached)  # replayed files count as analysed, exactly like fresh ones

    analysed: set[str] = set()
    findings: list[Finding] = []
    for gr in group_results:
        findings.extend(gr.findings)
        result.errors.extend(gr.errors)
        analysed.update(gr.analysed)

    if llm_stage is not None:
        # Code Slither could not see gets all its functions reviewed by the model, not only those
        # static signals point at.
        gaps = {e.path for e in result.errors if static_gap(e)}
        for batch, batch_opts in (([s for s in sources if s.rel not in gaps], opts),
                                  ([s for s in sources if s.rel in gaps], replace(opts, llm_scope="all"))):
            if not batch:
                continue
            llm_findings, llm_errors, llm_files, notes = llm_stage(batch, findings, batch_opts, progress)
            findings.extend(llm_findings)
            result.errors.extend(llm_errors)
            analysed.update(llm_files)
            result.notes.extend(n for n in notes if n not in result.notes)

    disabled = {d.upper() for d in opts.disable}
    findings = [f for f in findings if f.swc_id.upper() not in disabled]
    result.findings = merge(findings)
    if llm_stage is not None:  # the model's probability re-ranks the static findings it has an opinion on
        result.findings = triage(result.findings, _doubt_at(opts))
    # after the merge: agreeing evidence raises confidence, so the threshold sees the combined value
    result.findings = [f for f in result.findings if f.confidence >= opts.min_confidence]
    if changed is not None:
        from .diff import only_changed

        result.findings = only_changed(result.findings, changed)
    result.files = sorted(analysed)
    result.errors = sorted(set(result.errors), key=lambda e: (e.path, e.line or 0, e.stage, e.message))
    _apply_suppressions(result, opts)
    add_fixes = getattr(llm_stage, "add_fixes", None)
    if add_fixes is not None and opts.llm_fix:  # after suppression: no fix work for hidden findings
        versions = {rel: v for gr in group_results for rel, v in gr.versions.items()}
        add_fixes(result, versions, root, remappings, opts, progress)
    return result


def _from_cache(groups: dict[str, list[SourceFile]], root: Path, remappings: list[str], opts: Options):
    """Split the version groups into files the static cache answers and files left to analyse."""
    from .result_cache import StaticCache, plan_keys

    store = StaticCache()
    keys = plan_keys(groups, root, remappings, opts.all_checks, opts.solc_path)
    hits = GroupResult()
    rest: dict[str, list[SourceFile]] = {}
    for version, files in groups.items():
        for f in files:
            entry = store.get(keys.keys[f.rel], f.rel)
            if entry is None:
                rest.setdefault(version, []).append(f)
                continue
            hits.findings.extend(entry.findings)
            hits.errors.extend(entry.errors)
            hits.analysed.append(f.rel)
            hits.compiled.append(f.rel)
            hits.versions[f.rel] = entry.version or version
    if hits.analysed:
        log.debug("static cache: %d of %d files unchanged", len(hits.analysed),
                  sum(len(fs) for fs in groups.values()))
    return rest, hits, store, keys


def _to_cache(store, keys, units: list[tuple[str, list[SourceFile]]], results: list[GroupResult],
              scanned: set[str]) -> None:
    from .result_cache import split_batch

    for (version, files), gr in zip(units, results, strict=True):
        versions = {f.rel: version for f in files} | gr.versions
        per_file = split_batch([f.rel for f in files], gr.findings, gr.errors, gr.analysed, versions,
                               keys.closures, scanned)
        for rel, entry in per_file.items():
            store.put(keys.keys[rel], entry)
    store.prune()


def _apply_suppressions(result: RunResult, opts: Options) -> None:
    from . import suppress

    findings, problems, unused = suppress.apply_inline(result.findings, result.sources)
    result.errors.extend(problems)
    result.unused_suppressions = unused if opts.report_unused_suppressions else []
    if opts.baseline:
        from . import baseline

        findings = baseline.apply(findings, result.sources, opts.baseline)
    result.findings = findings
