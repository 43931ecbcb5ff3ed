"""`python -m bench detect`: swclint and plain Slither on one labelled corpus, per-SWC scores.

Matching rule (see bench/README.md): a labelled line is found when a finding of the
same SWC class in the same file has a region of at most MAX_REGION lines that
overlaps [line - SLACK, line + SLACK].
"""

from __future__ import annotations

import contextlib
import functools
import json
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bench.corpus import Case

MAX_REGION = 80
SLACK = 1


@dataclass(frozen=True)
class Hit:
    file: Path
    swc: str
    start: int
    end: int


@dataclass
class ToolRun:
    hits: list[Hit] = field(default_factory=list)
    seconds: float = 0.0
    contracts: int = 0
    errors: list[str] = field(default_factory=list)


def matches(hit: Hit, file: Path, swc: str, line: int) -> bool:
    if hit.file != file or hit.swc != swc or hit.end - hit.start + 1 > MAX_REGION:
        return False
    return hit.start <= line + SLACK and hit.end >= line - SLACK


# --- tools -----------------------------------------------------------------------------------


def run_swclint(files: list[Path], *, llm: bool = False) -> ToolRun:
    """swclint per file: static runs in-process through the shipped path, like plain Slither (same
    timing basis); with the model, as the CLI (`swclint --llm --format json FILE`)."""
    if not llm:
        return _static_tool("swclint", files)
    exe = Path(sys.executable).with_name("swclint")
    run = ToolRun()
    for file in files:
        cmd = [str(exe), "--llm", "--format", "json", file.name]
        started = time.perf_counter()
        proc = subprocess.run(cmd, cwd=file.parent, capture_output=True, text=True, check=False)
        run.seconds += time.perf_counter() - started
        run.contracts += 1
        try:
            report = json.loads(proc.stdout)
        except json.JSONDecodeError:
            last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
            run.errors.append(f"{file}: swclint exit {proc.returncode}: {last}")
            continue
        for error in report.get("errors", []):
            run.errors.append(f"{file}: {error.get('stage')}: {error.get('message', '')[:200]}")
        for finding in report.get("findings", []):
            if finding.get("suppressed"):
                continue
            loc = finding["location"]
            path = (file.parent / loc["path"]).resolve()
            run.hits.append(Hit(path, finding["swc_id"], loc["start_line"], loc["end_line"]))
    return run


MODEL_TOOL = "swclint+llm"  # swclint with its model: static findings triaged, model-only ones added


@functools.cache
def _model_stage():
    """One model stage per process (the adapter loads once), or the note saying why there is none."""
    from swclint.config import Options
    from swclint.llm.stage import make_llm_stage

    stage, notes = make_llm_stage(Options(llm=True))
    return stage, "; ".join(notes)


def static_run(tool: str, file: Path):
    """One run of the shipped path on one file: `swclint --no-llm`; with `tool == "slither"` plain
    Slither (its own SWC-mapped detectors, no filters) on the same compile output; with MODEL_TOOL
    `swclint --llm` (default scope and threshold, model answers cached by content like a user's).

    Returns (RunResult or None, seconds, error line or None). The static result cache is off, so every
    run compiles and analyses for itself.
    """
    from swclint.analyze.slither_run import plain_slither
    from swclint.config import Options
    from swclint.pipeline import run

    opts = Options(llm=tool == MODEL_TOOL, jobs=1)
    opts.cache = False
    llm_stage = None
    if tool == MODEL_TOOL:
        llm_stage, why = _model_stage()
        if llm_stage is None:
            return None, 0.0, f"{file}: {tool}: {why}"
    started = time.perf_counter()
    try:
        with plain_slither() if tool == "slither" else contextlib.nullcontext():
            result = run([str(file)], opts, root=file.parent, llm_stage=llm_stage)
    except Exception as exc:  # one file must never stop a benchmark
        return None, time.perf_counter() - started, f"{file}: {tool}: {type(exc).__name__}: {str(exc)[:200]}"
    return result, time.perf_counter() - started, None


def run_slither(files: list[Path]) -> ToolRun:
    """Plain Slither through the shipped compile path; checks mapped to SWC by the rules catalog."""
    return _static_tool("slither", files)


def _static_tool(tool: str, files: list[Path]) -> ToolRun:
    import logging

    logging.disable(logging.WARNING)
    run = ToolRun()
    for file in files:
        result, seconds, error = static_run(tool, file)
        run.seconds += seconds
        run.contracts += 1
        if result is None:
            run.errors.append(error or f"{file}: {tool} failed")
            continue
        run.errors += [f"{file}: {e.stage}: {e.message[:200]}" for e in result.errors]
        for f in result.findings:
            if f.swc_id.startswith("SWC-") and f.suppression is None:
                path = (file.parent / f.location.path).resolve()
                run.hits.append(Hit(path, f.swc_id, f.location.start_line, f.location.end_line))
    return run


TOOLS: dict[str, Callable[..., ToolRun]] = {"swclint": run_swclint, "slither": run_slither}


# --- scoring ---------------------------------------------------------------------------------


def score(cases: list[Case], run: ToolRun) -> dict:
    """Per SWC class: labels, recall (cases), findings, precision, fixed_findings."""
    classes = sorted({c.swc for c in cases})
    out: dict = {}
    for swc in classes:
        positives = [c for c in cases if c.swc == swc and c.positive]
        negatives = {c.file for c in cases if c.swc == swc and not c.positive}
        hits = [h for h in run.hits if h.swc == swc]
        found = sum(
            1 for c in positives if any(matches(h, c.file, swc, line) for h in hits for line in c.lines)
        )
        true_hits = sum(
            1 for h in hits if any(matches(h, c.file, swc, line) for c in positives for line in c.lines)
        )
        out[swc] = {
            "labels": len(positives),
            "recall": round(found / len(positives), 3) if positives else None,
            "findings": len(hits),
            "precision": round(true_hits / len(hits), 3) if hits else None,
            "fixed_findings": sum(1 for h in hits if h.file in negatives),
        }
    out["seconds_per_contract"] = round(run.seconds / run.contracts, 2) if run.contracts else None
    out["errors"] = len(run.errors)
    return out


def format_table(tool: str, scores: dict) -> str:
    header = f"{tool}: {'SWC':8} {'labels':>6} {'recall':>6} {'findings':>8} {'precision':>9} {'fixed':>5}"
    rows = [header]
    for swc, s in scores.items():
        if not swc.startswith("SWC-"):
            continue
        recall = "-" if s["recall"] is None else f"{s['recall']:.2f}"
        precision = "-" if s["precision"] is None else f"{s['precision']:.2f}"
        rows.append(
            f"{'':{len(tool) + 2}}{swc:8} {s['labels']:>6} {recall:>6} {s['findings']:>8} {precision:>9} "
            f"{s['fixed_findings']:>5}"
        )
    rows.append(
        f"{'':{len(tool) + 2}}seconds per contract: {scores['seconds_per_contract']}, errors: {scores['errors']}"
    )
    return "\n".join(rows)


def detect(cases: list[Case], tools: list[str], *, llm: bool = False) -> tuple[dict, dict[str, list[str]]]:
    files = sorted({c.file for c in cases})
    results, errors = {}, {}
    for tool in tools:
        run = TOOLS[tool](files, llm=llm) if tool == "swclint" else TOOLS[tool](files)
        results[tool] = score(cases, run)
        errors[tool] = run.errors
    return {"tools": results}, errors
