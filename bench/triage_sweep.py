"""`python -m bench.triage_sweep`: what each doubt threshold of the model's triage does on CGT dev code.

One static run per file (swclint, model off, static result cache on) and, for every static finding of
a model class, the model's probability p for that class in its function (through the answer cache,
so the functions a `bench detect --llm` run saw cost nothing). Then, per threshold t, a finding with
p <= t is doubted (severity info: it flags nothing, as in bench/cgt.py) and the labels are scored with
bench.cgt.score_cgt. `none` is static alone. Confirmations and model-only findings do not change
what is flagged at the contract level, so the thresholds leave them out; a last table says, per class,
how many findings the model confirms (p >= CONFIRM_AT) on contracts labelled with that weakness,
labelled negative, contested between datasets, or not labelled for it. Dev split only: thresholds are
tuned there, and the test split stays for reporting. To judge an adapter trained on CGT dev records,
`--held-out-of <its data folder>` leaves out the files whose records are in that folder's train split.

    python -m bench.triage_sweep --corpus ../shared/cgt --sample 20
    python -m bench.triage_sweep --corpus ../shared/cgt --adapter runs/adapter --held-out-of runs/data
"""

from __future__ import annotations

import json
import logging
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import click

from bench.cgt import FileResult, ToolResult, sample_files, score_cgt
from bench.corpus import CorpusError, read_cgt
from swclint.analyze.contracts import contract_at, contract_spans, lineage
from swclint.cliutil import HELP, invoked_args, run_click
from swclint.llm.triage import CONFIRM_AT, DoubtAt, doubt_threshold

ISSUE_SWC = ("SWC-101", "SWC-107", "SWC-113", "SWC-114")  # issue 15's macro-F1 classes
THRESHOLDS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.3)


@dataclass
class Flag:
    """One static finding as the harness sees it: class, owning contract, and the model's p (or None)."""

    swc: str
    owner: str | None
    p: float | None


@dataclass
class FileFlags:
    file: Path
    analysed: bool = False
    flags: list[Flag] = field(default_factory=list)


def collect(file: Path, probability) -> FileFlags:
    """Static findings of one file (severity above info) with the model's p for the model's classes."""
    from swclint.analyze.chunks import extract_chunks
    from swclint.config import Options
    from swclint.llm.prompt import LABELS
    from swclint.pipeline import run

    try:
        result = run([str(file)], Options(llm=False, jobs=1), root=file.parent)
    except Exception as exc:  # one file must never stop a sweep
        print(f"{file}: static run failed: {type(exc).__name__}: {str(exc)[:200]}", file=sys.stderr)
        return FileFlags(file)
    out = FileFlags(file, file.name in result.files)
    text = result.sources.get(file.name, "")
    spans = contract_spans(text)
    chunks = {(c.contract, c.function): c for c in extract_chunks(text, file.name) if c.kind != "modifier"}
    for f in result.findings:
        if f.suppression is not None or f.location.path != file.name or not f.swc_id.startswith("SWC-"):
            continue
        if f.severity == "info":
            continue
        chunk = chunks.get((f.contract, f.function)) if f.swc_id in LABELS else None
        probs = probability(chunk) if chunk is not None else None
        out.flags.append(Flag(f.swc_id, contract_at(spans, f.location.start_line) or f.contract or None,
                              None if probs is None else probs.get(f.swc_id)))
    return out


def model_probability(adapter: Path | None = None):
    """chunk -> label probabilities from an adapter (the shipped one by default), through the answer cache."""
    from swclint.llm.backends import DEFAULT_ADAPTER, HFBackend
    from swclint.llm.cache import AnswerCache
    from swclint.llm.stage import _classify_one

    backend, cache = HFBackend(adapter or DEFAULT_ADAPTER), AnswerCache()
    return lambda chunk: _classify_one(backend, cache, chunk)


def trained_files(data_dir: Path) -> set[str]:
    """Names of the CGT files whose records are in `data_dir`'s train split (group `cgt:<path>`)."""
    from dataset.cgt import SOURCE

    path = data_dir / "train.jsonl"
    if not path.is_file():
        raise CorpusError(f"{path}: no train split here (give the folder swclint-data build wrote)")
    names = set()
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            group = json.loads(line).get("group", "")
            if group.startswith(f"{SOURCE}:"):
                names.add(Path(group.split(":", 1)[1]).name)
    return names


def _doubted(flag: Flag, threshold: DoubtAt) -> bool:
    t = doubt_threshold(threshold, flag.swc)
    return t is not None and flag.p is not None and flag.p <= t


def as_results(files: list[FileFlags], threshold: DoubtAt) -> list[FileResult]:
    """What the harness would record with every finding at p <= its class's threshold doubted (None: none)."""
    return [FileResult(ff.file, {"swept": ToolResult(0.0, ff.analysed, {
        (x.swc, x.owner) for x in ff.flags if not _doubted(x, threshold)})}) for ff in files]


def _row(labels, files: list[FileFlags], t: DoubtAt) -> dict:
    (tool,) = score_cgt(labels, as_results(files, t))["tools"].values()
    f1 = {s: tool["swc"].get(s, {}).get("f1") for s in ISSUE_SWC}
    present = [v or 0.0 for s, v in f1.items() if s in tool["swc"]]
    return {"threshold": t, "macro_f1": round(sum(present) / len(present), 3) if present else None,
            "f1": f1, "doubted": sum(1 for ff in files for x in ff.flags if _doubted(x, t))}


VERDICTS = ("weakness", "negative", "contested", "unlabelled")


def _verdict(flag: Flag, labels: list, spans) -> str:
    """What the labels say of the contract a finding counts for (its own, or one inheriting it)."""
    holds = {x.holds for x in labels if x.swc == flag.swc
             and (not x.contract or flag.owner in lineage(spans, x.contract))}
    return "unlabelled" if not holds else "contested" if len(holds) > 1 else "weakness" if True in holds \
        else "negative"


def confirmations(labels, files: list[FileFlags]) -> dict:
    """Per class, the static findings the model confirms (p >= CONFIRM_AT) and all findings with a p,
    by what the labels say of their contract: is a confirmation a sign of a real weakness?"""
    by_file: dict[Path, list] = {}
    for x in labels:
        by_file.setdefault(x.file, []).append(x)
    out: dict[str, dict[str, dict[str, int]]] = {}
    for ff in files:
        spans = contract_spans(ff.file.read_text(encoding="utf-8", errors="replace")) if ff.flags else []
        for flag in ff.flags:
            if flag.p is None:
                continue
            verdict = _verdict(flag, by_file.get(ff.file, []), spans)
            cell = out.setdefault(flag.swc, {"confirmed": dict.fromkeys(VERDICTS, 0), "all": dict.fromkeys(VERDICTS, 0)})
            cell["all"][verdict] += 1
            if flag.p >= CONFIRM_AT:
                cell["confirmed"][verdict] += 1
    return dict(sorted(out.items()))


def sweep(labels, files: list[FileFlags], thresholds=THRESHOLDS) -> dict:
    """One row per threshold (None first: static alone), then the best threshold of each class on its
    own (a class keeps None unless some threshold raises its F1), as calibration.json would declare it."""
    rows = [_row(labels, files, t) for t in (None, *thresholds)]
    best: dict[str, float] = {}
    for swc in ISSUE_SWC:
        top = max(rows, key=lambda r: r["f1"][swc] or 0.0)
        if (top["f1"][swc] or 0.0) > (rows[0]["f1"][swc] or 0.0):
            best[swc] = top["threshold"]
    if best:
        rows.append(_row(labels, files, best))
    with_p = sum(1 for ff in files for x in ff.flags if x.p is not None)
    return {"files": len(files), "labels": len(labels), "findings_with_p": with_p, "rows": rows,
            "per_class": best, "confirmations": confirmations(labels, files)}


def format_sweep(result: dict) -> str:
    head = f"{'doubt at':>10} {'macro-F1':>8} " + " ".join(f"{s:>8}" for s in ISSUE_SWC) + f" {'doubted':>8}"
    lines = [f"files: {result['files']}, labels: {result['labels']}, static findings with a model p: "
             f"{result['findings_with_p']}", head]
    for r in result["rows"]:
        t = r["threshold"]
        t = "none" if t is None else "per class" if isinstance(t, dict) else f"p<={t:g}"
        cells = " ".join(f"{'-' if v is None else f'{v:.3f}':>8}" for v in r["f1"].values())
        lines.append(f"{t:>10} {r['macro_f1'] if r['macro_f1'] is not None else '-':>8} {cells} {r['doubted']:>8}")
    if result.get("per_class"):
        lines.append("per class: " + ", ".join(f"{k} p<={v:g}" for k, v in result["per_class"].items()))
    else:  # say so: a missing row would read as a sweep that forgot to look
        lines.append("per class: no class gains over static alone at any threshold")
    lines.append(f"confirmed by the model (p >= {CONFIRM_AT:g}) / all with a p, by the labels of the contract:")
    lines.append(f"{'class':>10} " + " ".join(f"{v:>16}" for v in VERDICTS))
    for swc, cell in result.get("confirmations", {}).items():
        lines.append(f"{swc:>10} " + " ".join(f"{cell['confirmed'][v]:>7} / {cell['all'][v]:<6}" for v in VERDICTS))
    return "\n".join(lines)


@click.command(context_settings=HELP)
@click.option("--corpus", type=click.Path(path_type=Path), required=True, help="CGT corpus (labels.csv + sources/).")
@click.option("--sample", type=click.IntRange(min=1), help="A deterministic subset of N dev files.")
@click.option("--adapter", type=click.Path(path_type=Path, exists=True, file_okay=False),
              help="Adapter folder to judge (default: the shipped one).")
@click.option("--held-out-of", "held_out_of", type=click.Path(path_type=Path, exists=True, file_okay=False),
              help="Data folder an adapter was trained on: leave out the files in its train split.")
@click.option("--json", "as_json", is_flag=True, help="Print the machine-readable result.")
def main_cmd(corpus: Path, sample: int | None, adapter: Path | None, held_out_of: Path | None,
             as_json: bool) -> None:
    """Score the model's triage on the CGT dev split at several doubt thresholds."""
    logging.disable(logging.WARNING)
    labels = read_cgt(corpus, "dev")
    trained = trained_files(held_out_of) if held_out_of else set()
    files = [f for f in sample_files((x.file for x in labels if x.file.name not in trained), sample)
             if f.is_file()]
    labels = [x for x in labels if x.file in set(files)]
    probability = model_probability(adapter)
    started = time.perf_counter()
    flags = [collect(f, probability) for f in files]
    result = sweep(labels, flags)
    result.update(command="python -m bench.triage_sweep " + " ".join(invoked_args()),
                  seconds=round(time.perf_counter() - started), trained_files_left_out=len(trained))
    click.echo(json.dumps(result, indent=2) if as_json else format_sweep(result))


def main(argv: list[str] | None = None) -> int:
    return run_click(main_cmd, argv, "python -m bench.triage_sweep", errors=(CorpusError,))


if __name__ == "__main__":
    sys.exit(main())
