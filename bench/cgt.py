"""`python -m bench detect --format cgt`: contract-level scores of swclint and plain Slither on CGT.

A label is one dataset's verdict on one (file, contract, SWC id). A tool flags it when an unsuppressed
finding of that SWC id, reported as a weakness (severity low or above; an informational note claims
none, for either tool), lies in the contract or in a contract it inherits from
(swclint/analyze/contracts.py);
a label without a contract name, or a finding outside every contract (a pragma), concerns the
whole file. Each dataset's
label is scored on its own, so where datasets disagree both verdicts count, each in its dataset.

Both tools go through the shipped path (`swclint.pipeline.run`, static only, one file per run):
- **swclint**: our compile, Slither's SWC-mapped detectors plus ours and our filters;
- **slither**: the same compile, Slither's SWC-mapped detectors only, no filters
  (`swclint.analyze.slither_run.plain_slither`). Each tool compiles for itself, so the seconds
  per file of both include the compile.
- **swclint+llm** (with `--llm`): swclint with its model, as `swclint --llm` runs: the model's
  probability re-ranks the static findings of its classes (`swclint/llm/triage.py`; a finding it
  doubts goes to `info`, so it no longer flags its contract) and model-only findings above
  `--llm-threshold` are added. Static alone vs static + model, same files, one run.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sys
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from bench.corpus import CgtLabel
from bench.detect import MODEL_TOOL
from swclint.analyze.contracts import ContractSpan, contract_at, contract_spans, lineage

MACRO_SWC = ("SWC-101", "SWC-104", "SWC-107", "SWC-113", "SWC-114", "SWC-120")  # issue 14's six
RECALL_SWC = "SWC-116"
CGT_TOOLS = ("swclint", "slither", MODEL_TOOL)  # the model tool runs with --llm


@dataclass
class ToolResult:
    seconds: float = 0.0
    analysed: bool = False
    hits: set[tuple[str, str | None]] = field(default_factory=set)  # (SWC id, contract or None)
    errors: list[str] = field(default_factory=list)
    notes: set[tuple[str, str | None]] = field(default_factory=set)  # informational: reported, not scored


@dataclass
class FileResult:
    file: Path
    tools: dict[str, ToolResult] = field(default_factory=dict)


def sample_files(files: Iterable[Path], n: int | None, ordered: bool = True) -> list[Path]:
    """A deterministic subset spread over the whole split: the first `n` by a hash of the name.

    Sorted by path, or in that hash order with `ordered=False`.
    """
    spread = sorted(set(files), key=lambda f: hashlib.sha256(f.name.encode()).hexdigest())[:n]
    return sorted(spread) if ordered else spread


def run_tool(tool: str, file: Path) -> ToolResult:
    """One static run of `tool` on one file, timed from compile to findings."""
    from bench.detect import static_run

    result, seconds, error = static_run(tool, file)
    out = ToolResult(seconds=seconds)
    if result is None:
        out.errors.append(error or f"{file}: {tool} failed")
        return out
    out.analysed = file.name in result.files
    out.errors = [f"{file}: {tool}: {e.stage}: {e.message[:200]}" for e in result.errors]
    spans = contract_spans(result.sources.get(file.name, ""))
    for finding in result.findings:
        if finding.suppression is not None or finding.location.path != file.name:
            continue
        if finding.swc_id.startswith("SWC-"):
            owner = contract_at(spans, finding.location.start_line) or finding.contract or None
            (out.notes if finding.severity == "info" else out.hits).add((finding.swc_id, owner))
    return out


def analyse_file(args: tuple[Path, tuple[str, ...]]) -> FileResult:
    """Every tool on one file; the order alternates by file so neither tool always goes first."""
    file, tools = args
    logging.disable(logging.WARNING)
    order = tools if int(hashlib.sha256(file.name.encode()).hexdigest(), 16) % 2 else tools[::-1]
    result = FileResult(file)
    for tool in order:
        result.tools[tool] = run_tool(tool, file)
    return result


def warm_compilers(files: list[Path]) -> None:
    """Install every compiler the files need before anything is timed (a download is not analysis)."""
    from swclint.solc.providers import get_solc, installed_versions
    from swclint.solc.versions import known_releases, resolve

    seen = set()
    for file in files:
        try:
            version = resolve(file.read_text(encoding="utf-8", errors="replace"), known_releases(),
                              installed_versions(), file=file)
            if version is not None and version not in seen:
                seen.add(version)
                get_solc(version)
        except Exception:  # the timed run reports the file's problem in its own words
            continue


def run_files(files: list[Path], tools: tuple[str, ...], jobs: int = 1,
              save: Path | None = None) -> list[FileResult]:
    """Run the tools on every file, `jobs` files at a time; progress on stderr every 25 files.

    With `save`, each file's result is appended to that JSON-lines file as soon as it is done, and
    files already recorded there (for the same tools) are not run again: a long run can resume.
    """
    done = load_saved(save, tools) if save else {}
    results = [done[f] for f in files if f in done]
    # hash order: whatever part of a long run is done is a spread sample of the whole
    todo = sample_files((f for f in files if f not in done), None, ordered=False)
    warm_compilers(todo)
    work = [(f, tools) for f in todo]
    sink = save.open("a", encoding="utf-8") if save else None
    if sink and save and save.stat().st_size and not save.read_bytes().endswith(b"\n"):
        sink.write("\n")  # the last run was killed mid-line; start a fresh record
    pool = ProcessPoolExecutor(max_workers=jobs) if jobs > 1 and len(work) > 1 else None
    try:
        outputs = pool.map(analyse_file, work, chunksize=1) if pool else map(analyse_file, work)
        for result in outputs:
            results.append(result)
            if sink:
                sink.write(json.dumps(_to_json(result)) + "\n")
                sink.flush()
            _progress(len(results), len(files))
    finally:
        if pool:
            pool.shutdown(cancel_futures=True)
        if sink:
            sink.close()
    return results


def _to_json(r: FileResult) -> dict:
    return {"file": str(r.file), "tools": {
        t: {"seconds": x.seconds, "analysed": x.analysed, "hits": sorted(map(list, x.hits), key=str),
            "errors": x.errors, "notes": sorted(map(list, x.notes), key=str)} for t, x in r.tools.items()}}


def load_saved(path: Path, tools: tuple[str, ...]) -> dict[Path, FileResult]:
    """Results recorded by `run_files(save=...)` that cover every one of `tools`."""
    if not path.is_file():
        return {}
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            data = json.loads(line)
        except json.JSONDecodeError:  # a run killed mid-line; that file is simply run again
            continue
        if set(tools) <= set(data["tools"]):
            out[Path(data["file"])] = FileResult(Path(data["file"]), {
                t: ToolResult(x["seconds"], x["analysed"], {(h[0], h[1]) for h in x["hits"]}, x["errors"],
                              {(h[0], h[1]) for h in x.get("notes", ())})
                for t, x in data["tools"].items() if t in tools})
    return out


def _progress(done: int, total: int) -> None:
    if done % 25 == 0 or done == total:
        print(f"cgt: {done}/{total} files", file=sys.stderr, flush=True)


# --- scoring ---------------------------------------------------------------------------------


def flagged(label: CgtLabel, hits: set[tuple[str, str | None]], spans: list[ContractSpan]) -> bool:
    """Does a hit of the label's SWC id lie in the labelled contract or one it inherits from?"""
    ids = {contract for swc, contract in hits if swc == label.swc}
    if not ids:
        return False
    if not label.contract or None in ids:  # outside every contract (a pragma): the whole file
        return True
    return bool(ids & lineage(spans, label.contract))


def _counts() -> dict[str, int]:
    return {"tp": 0, "fp": 0, "fn": 0, "tn": 0}


def _rates(c: dict[str, int]) -> dict:
    tp, fp, fn = c["tp"], c["fp"], c["fn"]
    precision = tp / (tp + fp) if tp + fp else None
    recall = tp / (tp + fn) if tp + fn else None
    f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else None
    return {**c, "precision": _round(precision), "recall": _round(recall), "f1": _round(f1)}


def _f1(c: dict[str, int]) -> float:
    """F1 = 2TP / (2TP + FP + FN); 0 when a class has neither labels nor findings."""
    total = 2 * c["tp"] + c["fp"] + c["fn"]
    return 2 * c["tp"] / total if total else 0.0


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 3)


def score_cgt(labels: list[CgtLabel], results: list[FileResult], given: int | None = None) -> dict:
    """Per tool: TP/FP/FN/TN, precision, recall, F1 per SWC id and per dataset and SWC id.

    `given` counts files handed to the benchmark (default: the results'); labels of a file without
    a result, or one a tool did not analyse, count as not flagged.
    """
    by_file = {r.file: r for r in results}
    spans = {f: contract_spans(f.read_text(encoding="utf-8", errors="replace")) for f in by_file}
    tools = sorted({t for r in results for t in r.tools}, key=lambda t: (t not in CGT_TOOLS, t))
    given = len(by_file) if given is None else given
    out: dict = {"files_given": given, "labels": len(labels), "tools": {}}
    for tool in tools:
        per_swc: dict[str, dict[str, int]] = {}
        per_ds: dict[str, dict[str, dict[str, int]]] = {}
        for label in labels:
            fr = by_file.get(label.file)
            if fr is None:
                continue
            tr = fr.tools[tool]
            hit = tr.analysed and flagged(label, tr.hits, spans[label.file])
            cell = ("tp" if hit else "fn") if label.holds else ("fp" if hit else "tn")
            per_swc.setdefault(label.swc, _counts())[cell] += 1
            per_ds.setdefault(label.dataset, {}).setdefault(label.swc, _counts())[cell] += 1
        swc_scores = {swc: _rates(c) for swc, c in sorted(per_swc.items())}
        f1s = [_f1(per_swc[s]) for s in MACRO_SWC if s in per_swc]
        seconds = sum(r.tools[tool].seconds for r in results)
        analysed = sum(1 for r in results if r.tools[tool].analysed)
        out["tools"][tool] = {
            "swc": swc_scores,
            "datasets": {ds: {swc: _rates(c) for swc, c in sorted(v.items())} for ds, v in sorted(per_ds.items())},
            "macro_f1": _round(sum(f1s) / len(f1s)) if f1s else None,
            "macro_swc": [s for s in MACRO_SWC if s in swc_scores],
            "swc116_recall": swc_scores.get(RECALL_SWC, {}).get("recall"),
            "files_analysed": analysed,
            "analysed_ratio": _round(analysed / given) if given else None,
            "seconds": round(seconds, 1),
            "seconds_per_file": round(seconds / given, 2) if given else None,
            "errors": sum(len(r.tools[tool].errors) for r in results),
        }
    if {"swclint", "slither"} <= set(out["tools"]) and out["tools"]["slither"]["seconds"]:
        out["time_ratio"] = round(out["tools"]["swclint"]["seconds"] / out["tools"]["slither"]["seconds"], 2)
    if {"swclint", MODEL_TOOL} <= set(out["tools"]) and out["tools"]["swclint"]["seconds"]:
        out["model_time_ratio"] = round(out["tools"][MODEL_TOOL]["seconds"] / out["tools"]["swclint"]["seconds"], 2)
    return out


def format_cgt(result: dict, per_dataset: bool = True) -> str:
    rows = [f"files given: {result['files_given']}, labels: {result['labels']}"]
    head = f"{'SWC':8} {'TP':>5} {'FP':>5} {'FN':>5} {'TN':>5} {'prec':>5} {'rec':>5} {'F1':>5}"

    def line(name: str, s: dict) -> str:
        fmt = [("-" if s[k] is None else f"{s[k]:.2f}") for k in ("precision", "recall", "f1")]
        return f"{name:8} {s['tp']:>5} {s['fp']:>5} {s['fn']:>5} {s['tn']:>5} {fmt[0]:>5} {fmt[1]:>5} {fmt[2]:>5}"

    for tool, t in result["tools"].items():
        rows += ["", f"{tool}:", "  " + head]
        rows += ["  " + line(swc, s) for swc, s in t["swc"].items()]
        rows.append(f"  macro-F1 over {','.join(x.removeprefix('SWC-') for x in t['macro_swc'])}: "
                    f"{t['macro_f1']}   SWC-116 recall: {t['swc116_recall']}")
        rows.append(f"  files analysed / given: {t['files_analysed']}/{result['files_given']} "
                    f"({t['analysed_ratio']})   seconds: {t['seconds']} ({t['seconds_per_file']} per file)"
                    f"   errors: {t['errors']}")
        if per_dataset:
            for ds, scores in t["datasets"].items():
                rows.append(f"  {ds}:")
                rows += ["    " + line(swc, s) for swc, s in scores.items()]
    if "time_ratio" in result:
        rows += ["", f"static wall time swclint / slither: {result['time_ratio']}"]
    if "model_time_ratio" in result:
        rows += [f"wall time {MODEL_TOOL} / swclint: {result['model_time_ratio']} (model answers cached by content)"]
    return "\n".join(rows)
