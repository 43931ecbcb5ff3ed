"""`python -m bench.llm_gain --corpus DIR`: what the model adds to static analysis.

Runs the real CLI twice over one labelled corpus in one process each (`--no-llm`, then `--llm`),
and prints per SWC class, side by side: labelled cases and labelled lines found (same matching
rule as `bench detect`), findings, and findings on negative (`_fixed`) variants.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import click

from bench.corpus import CorpusError, read_corpus
from bench.detect import Hit, ToolRun, matches, score
from swclint.cliutil import HELP, run_click
from swclint.llm.prompt import LABELS

MODEL_CLASSES = [label for label in LABELS if label != "none"]


def run_cli(target: Path, cwd: Path, extra: list[str]) -> ToolRun:
    exe = Path(sys.executable).with_name("swclint")
    cmd = [str(exe), *extra, "--format", "json", "--fail-on", "none", str(target)]
    started = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)
    run = ToolRun(seconds=time.perf_counter() - started)
    report = json.loads(proc.stdout)
    run.contracts = report["summary"]["files"]
    run.errors = [f"{e['path']}: {e['stage']}: {e['message']}" for e in report["errors"]]
    for f in report["findings"]:
        if not f["suppressed"]:
            loc = f["location"]
            run.hits.append(Hit((cwd / loc["path"]).resolve(), f["swc_id"], loc["start_line"], loc["end_line"]))
    return run


def line_recall(cases, run: ToolRun, swc: str) -> tuple[int, int]:
    lines = [(c.file, line) for c in cases if c.swc == swc and c.positive for line in c.lines]
    found = sum(1 for file, line in lines if any(matches(h, file, swc, line) for h in run.hits))
    return found, len(lines)


def compare(corpus: Path, fmt: str, llm_args: list[str]) -> dict:
    cases = read_corpus(corpus, fmt)
    target = corpus / "test_cases" if (corpus / "test_cases").is_dir() else corpus
    runs = {"static": run_cli(target, corpus, ["--no-llm"]),
            "static+model": run_cli(target, corpus, ["--llm", *llm_args])}
    out: dict = {"classes": {}, "seconds": {k: round(r.seconds, 1) for k, r in runs.items()},
                 "files": {k: r.contracts for k, r in runs.items()}}
    for name, run in runs.items():
        scores = score(cases, run)
        for swc in MODEL_CLASSES:
            if swc not in scores:
                continue
            found, total = line_recall(cases, run, swc)
            row = out["classes"].setdefault(swc, {})
            row[name] = {**scores[swc], "lines_found": found, "lines": total}
    for name in runs:
        rows = [r[name] for r in out["classes"].values()]
        out.setdefault("total", {})[name] = {
            "lines_found": sum(r["lines_found"] for r in rows), "lines": sum(r["lines"] for r in rows),
            "cases_found": sum(round((r["recall"] or 0) * r["labels"]) for r in rows),
            "cases": sum(r["labels"] for r in rows),
            "findings": sum(r["findings"] for r in rows),
            "fixed_findings": sum(r["fixed_findings"] for r in rows)}
    return out


def format_table(result: dict) -> str:
    head = (f"{'SWC':8} | {'static: cases':>13} {'lines':>7} {'findings':>8} {'on fixed':>8} | "
            f"{'+model: cases':>13} {'lines':>7} {'findings':>8} {'on fixed':>8}")
    rows = [head, "-" * len(head)]

    def cells(r: dict) -> str:
        cases = f"{round((r.get('recall') or 0) * r.get('labels', 0))}/{r.get('labels', r.get('cases'))}" \
            if "labels" in r else f"{r['cases_found']}/{r['cases']}"
        return f"{cases:>13} {r['lines_found']:>3}/{r['lines']:<3} {r['findings']:>8} {r['fixed_findings']:>8}"

    for swc, row in result["classes"].items():
        rows.append(f"{swc:8} | {cells(row['static'])} | {cells(row['static+model'])}")
    rows.append(f"{'total':8} | {cells(result['total']['static'])} | {cells(result['total']['static+model'])}")
    rows.append(f"seconds: static {result['seconds']['static']}, static+model {result['seconds']['static+model']}; "
                f"files analysed: {result['files']}")
    return "\n".join(rows)


@click.command(context_settings=HELP, help=__doc__.splitlines()[0])
@click.option("--corpus", required=True, type=click.Path(path_type=Path))
@click.option("--format", "corpus_format", default="swc-registry", show_default=True)
@click.option("--json", "as_json", is_flag=True)
@click.option("--llm-args", default="--llm-scope all", show_default=True,
              help="Extra swclint flags for the model run.")
def cli(corpus: Path, corpus_format: str, as_json: bool, llm_args: str) -> None:
    result = compare(corpus.resolve(), corpus_format, llm_args.split())
    click.echo(json.dumps(result, indent=2, sort_keys=True) if as_json else format_table(result))


def main(argv: list[str] | None = None) -> int:
    return run_click(cli, argv, "python -m bench.llm_gain", errors=(CorpusError,))


if __name__ == "__main__":
    sys.exit(main())
