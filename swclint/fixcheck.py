"""Verified fixes: a replacement reaches the report only when it changes the function, the patched
file still compiles with the solc the original compiled with, and re-analysing the patched file
(static detectors and the model) no longer reports that SWC in that function.

Candidates come first from `rewrite` (the rule's remediation applied mechanically: cheap and
deterministic), then from the model where no rewrite applies or none verified.

Everything else keeps the rule's remediation text only, so a report never shows a fix nobody checked.
"""

from __future__ import annotations

import logging
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from .chunk import Chunk
from .config import Options
from .findings import Finding, Location, RunResult, severity_rank
from .llm.prompt import LABELS
from .rewrite import rewrite

log = logging.getLogger("swclint.fixcheck")

# (chunk, label) -> replacement text or None; chunk -> label probabilities (both may use a cache).
Generate = Callable[[Chunk, str], "str | None"]
Classify = Callable[[Chunk], "dict[str, float] | None"]


@dataclass(frozen=True)
class FixOutcome:
    """What happened to one fix attempt; `reason` is one line for logs and benchmarks."""

    path: str
    contract: str
    function: str
    swc_id: str
    verified: bool
    reason: str
    source: str = ""  # "rewrite" or "model": who wrote the verified replacement (or the last one tried)


def wants_fix(finding: Finding, opts: Options) -> bool:
    """Fixes are generated only on request (`--llm-fix`), for unsuppressed findings of a class the
    model knows, at or above `--fail-on` (every one with `--fail-on none`): that is where they pay."""
    if not opts.llm_fix or finding.suppression is not None or finding.swc_id not in LABELS[1:]:
        return False
    if not finding.function:
        return False
    return opts.fail_on == "none" or severity_rank(finding.severity) >= severity_rank(opts.fail_on)


def find_chunk(chunks: list[Chunk], finding: Finding) -> Chunk | None:
    """The function a finding sits in: same contract and name, region containing the finding."""
    line = finding.location.start_line
    for c in chunks:
        if c.function == finding.function and c.contract == finding.contract and c.start_line <= line <= c.end_line:
            return c
    return None


_COMMENT = re.compile(r"//[^\n]*|/\*.*?\*/", re.S)


def same_code(a: str, b: str) -> bool:
    """Equal once comments and whitespace are gone: a reworded comment is not a fix."""
    def squash(text: str) -> str:
        return re.sub(r"\s+", "", _COMMENT.sub("", text))

    return squash(a) == squash(b)


def _offset(text: str, line: int, col: int) -> int:
    lines = text.splitlines(keepends=True)
    return sum(len(ln) for ln in lines[:line - 1]) + col - 1


def splice(text: str, chunk: Chunk, replacement: str) -> str:
    """`text` with the chunk's region (1-based line/col, end column exclusive) replaced."""
    start = _offset(text, chunk.start_line, chunk.start_col or 1)
    end = _offset(text, chunk.end_line, chunk.end_col or 1)
    if text[start:end].strip() != chunk.source.strip():
        raise ValueError("the function's region does not match its source")
    return text[:start] + replacement.strip() + text[end:]


def reanalyse(rel: str, patched: str, version: str, root: Path, remappings: list[str], opts: Options):
    """Compile and statically analyse the patched file with solc `version`, in a scratch copy of the
    file and everything it imports (the scanned tree is never written to)."""
    from .pipeline import SourceFile, _analyse_group
    from .solc.compile import closure_files

    original = (root / rel).resolve()
    with tempfile.TemporaryDirectory(prefix="swclint-fix-") as tmp:
        scratch = Path(tmp).resolve()
        for dep in closure_files(original, root, remappings):
            dep = dep.resolve()
            if dep == original or not dep.is_relative_to(root):
                continue
            target = scratch / dep.relative_to(root)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(dep, target)
        for name in ("remappings.txt", "foundry.toml"):  # import resolution reads these at the root
            if (root / name).is_file():
                shutil.copyfile(root / name, scratch / name)
        target = scratch / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(patched, encoding="utf-8")
        return _analyse_group(version, [SourceFile(target, rel, patched)], scratch, remappings, opts)


def model_reports(chunk: Chunk, probs: dict[str, float] | None, swc: str, threshold: float) -> bool:
    """Whether the model alone would put `swc` on this function (the model stage's own rule)."""
    from .analyze.patterns import could_hold

    if not probs:
        return False
    label, p = max(probs.items(), key=lambda kv: (kv[1], kv[0]))
    if label != swc or p < threshold:
        return False
    return could_hold(chunk, swc)


def verify(finding: Finding, chunk: Chunk, replacement: str | None, text: str, version: str | None,
           root: Path, remappings: list[str], opts: Options, classify: Classify | None) -> tuple[bool, str]:
    """(verified, why) for one replacement of `chunk`, the function `finding` sits in."""
    from .analyze.chunks import extract_chunks

    if not replacement or not replacement.strip():
        return False, "no replacement was generated"
    if same_code(replacement, chunk.source):
        return False, "the replacement is the original function"
    if version is None:
        return False, "the original file did not compile, so the patch cannot be checked"
    try:
        patched = splice(text, chunk, replacement)
    except ValueError as exc:
        return False, str(exc)
    after = [c for c in extract_chunks(patched, finding.location.path)
             if c.contract == chunk.contract and c.function == chunk.function and c.start_line == chunk.start_line]
    if not after:
        return False, f"the replacement does not define {chunk.function}"
    new = after[0]
    result = reanalyse(finding.location.path, patched, version, root, remappings, opts)
    if finding.location.path not in result.compiled:
        why = next((e.message for e in result.errors if e.stage == "compile"), "unknown error")
        return False, f"the patched file does not compile with solc {version}: {why}"
    if finding.location.path not in result.analysed:
        why = next((e.message for e in result.errors), "unknown error")
        return False, f"the patched file could not be re-analysed: {why}"
    for f in result.findings:
        if (f.swc_id == finding.swc_id and f.location.path == finding.location.path
                and new.start_line <= f.location.start_line <= new.end_line):
            return False, f"static analysis still reports {finding.swc_id} in {chunk.function}"
    if classify is not None and model_reports(new, classify(new), finding.swc_id, opts.llm_threshold):
        return False, f"the model still classifies {chunk.function} as {finding.swc_id}"
    return True, "verified"


def add_verified_fixes(result: RunResult, versions: dict[str, str], root: Path, remappings: list[str],
                       opts: Options, generate: Generate, classify: Classify | None,
                       progress: Callable[[str, int, int], None] | None = None) -> list[FixOutcome]:
    """Try a fix for every finding `wants_fix` picks; attach the verified ones, drop the rest."""
    from .analyze.chunks import extract_chunks

    picked = [i for i, f in enumerate(result.findings) if wants_fix(f, opts)]
    chunks_by_path: dict[str, list[Chunk]] = {}
    outcomes: list[FixOutcome] = []
    for done, i in enumerate(picked, 1):
        f = result.findings[i]
        text = result.sources.get(f.location.path)
        if text is None:
            continue
        if f.location.path not in chunks_by_path:
            chunks_by_path[f.location.path] = extract_chunks(text, f.location.path)
        chunk = find_chunk(chunks_by_path[f.location.path], f)
        ok, why, replacement, source = False, "the finding's function was not found", None, ""
        if chunk is not None:
            version = versions.get(f.location.path)
            for source in ("rewrite", "model"):
                if source == "rewrite":
                    replacement = rewrite(chunk, f.swc_id, f.location.start_line, version)
                    if replacement is None:
                        continue
                else:
                    replacement = generate(chunk, f.swc_id)
                try:
                    ok, why = verify(f, chunk, replacement, text, version, root, remappings, opts, classify)
                except (OSError, ValueError, RuntimeError) as exc:  # a check that cannot run verifies nothing
                    ok, why = False, f"the check could not run: {exc}"
                if ok:
                    break
        outcomes.append(FixOutcome(f.location.path, f.contract, f.function, f.swc_id, ok, why, source))
        log.debug("%s:%s %s fix: %s", f.location.path, f.function, f.swc_id, why)
        if ok and chunk is not None and replacement:
            region = Location(f.location.path, chunk.start_line, chunk.end_line, chunk.start_col or 1,
                              chunk.end_col or 1)
            result.findings[i] = replace(f, fix=replacement.strip(), fix_location=region)
        if progress:
            progress("fixes", done, len(picked))
    for i, f in enumerate(result.findings):  # nothing unchecked is ever shown
        if f.fix and f.fix_location is None:
            result.findings[i] = replace(f, fix=None)
    if outcomes:
        verified = sum(o.verified for o in outcomes)
        rewritten = sum(o.verified and o.source == "rewrite" for o in outcomes)
        result.notes.append(f"fixes: {verified} of {len(outcomes)} verified ({rewritten} mechanical rewrites, "
                            f"{verified - rewritten} by the model; the others keep the rule's remediation)")
    return outcomes
