"""Benchmark CLI: `python -m bench detect --corpus DIR --format FMT [...]` (see bench/README.md).

Same conventions as `swclint`: -h/--help, one-line errors on stderr, exit 2 on bad usage or input.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import NoReturn

import click

from bench.cgt import CGT_TOOLS
from bench.corpus import CGT_SPLITS, READERS, CorpusError, read_cgt, read_corpus
from bench.detect import MODEL_TOOL, TOOLS, detect, format_table
from swclint.cliutil import HELP, fail, run_click


def _fail(message: str) -> NoReturn:
    raise fail(message)


@click.group(context_settings=HELP)
def cli() -> None:
    """swclint benchmarks."""


@cli.command("detect")
@click.option("--corpus", type=click.Path(path_type=Path), required=True, help="Corpus folder (or label CSV).")
@click.option("--format", "fmt", type=click.Choice([*sorted(READERS), "cgt"]), required=True,
              help="Corpus layout; cgt = contract-level labels of ../shared/cgt.")
@click.option("--json", "as_json", is_flag=True, help="Print the machine-readable result.")
@click.option("--tools", default="swclint,slither", show_default=True, help="Comma-separated tools to run.")
@click.option("--llm", is_flag=True,
              help="Let swclint use its model; cgt: also run tool swclint+llm (static + model in one run).")
@click.option("--swc", default="", help="Only these SWC classes (comma-separated).")
@click.option("--split", type=click.Choice(sorted(CGT_SPLITS)), help="cgt: dev (files 0-7...) or test (8-b...).")
@click.option("--sample", type=click.IntRange(min=1), help="cgt: a deterministic subset of N files.")
@click.option("--jobs", type=click.IntRange(min=1), default=1, show_default=True, help="cgt: files analysed in parallel.")
@click.option("--no-datasets", is_flag=True, help="cgt: leave out the per-dataset tables of the text output.")
@click.option("--save", type=click.Path(path_type=Path, dir_okay=False),
              help="cgt: append each file's result to this JSON-lines file; files already in it are not rerun.")
@click.option("--saved-only", is_flag=True,
              help="cgt: score only the files already recorded in --save, run nothing (a long run's progress).")
def detect_cmd(corpus: Path, fmt: str, as_json: bool, tools: str, llm: bool, swc: str, split: str | None,
               sample: int | None, jobs: int, no_datasets: bool, save: Path | None, saved_only: bool) -> int:
    """Recall/precision per SWC class of swclint and plain Slither on a labelled corpus."""
    chosen = [t.strip() for t in tools.split(",") if t.strip()]
    known = CGT_TOOLS if fmt == "cgt" else tuple(TOOLS)
    unknown = [t for t in chosen if t not in known]
    if unknown or not chosen:
        return _fail(f"unknown tool(s) {', '.join(unknown) or '(none)'} (choose from {', '.join(known)})")
    wanted = {s.strip().upper() for s in swc.split(",") if s.strip()}
    if fmt == "cgt":
        if llm and MODEL_TOOL not in chosen:
            chosen.append(MODEL_TOOL)  # scored next to the static tools, on the same files
        if saved_only and not save:
            return _fail("--saved-only needs --save FILE")
        return _detect_cgt(corpus, split, sample, jobs, tuple(chosen), wanted, as_json, not no_datasets, save,
                           saved_only)
    if split or sample or save or saved_only or jobs > 1:
        return _fail("--split, --sample, --jobs, --save and --saved-only apply to --format cgt only")
    cases = [c for c in read_corpus(corpus, fmt) if not wanted or c.swc in wanted]
    result, errors = detect(cases, chosen, llm=llm)
    for tool, messages in errors.items():
        for message in messages:
            click.echo(f"{tool}: {message}", err=True)
    if as_json:
        click.echo(json.dumps(result, indent=2, sort_keys=True))
    else:
        for tool, scores in result["tools"].items():
            click.echo(format_table(tool, scores))
    return 0


def _detect_cgt(corpus: Path, split: str | None, sample: int | None, jobs: int, tools: tuple[str, ...],
                wanted: set[str], as_json: bool, per_dataset: bool, save: Path | None,
                saved_only: bool = False) -> int:
    from bench.cgt import format_cgt, load_saved, run_files, sample_files, score_cgt

    labels = [x for x in read_cgt(corpus, split) if not wanted or x.swc in wanted]
    files = sample_files((x.file for x in labels), sample)
    missing = [f for f in files if not f.is_file()]
    for f in missing:
        click.echo(f"{f}: labelled source file is missing; skipped", err=True)
    files = [f for f in files if f.is_file()]
    if saved_only and save:
        recorded = load_saved(save, tools)
        click.echo(f"scoring the {sum(f in recorded for f in files)} of {len(files)} files recorded in {save}",
                   err=True)
        files, missing = [f for f in files if f in recorded], []
    if not files:
        return _fail(f"{corpus}: no labelled source files to analyse")
    chosen = set(files)
    labels = [x for x in labels if x.file in chosen]
    results = run_files(files, tools, jobs, save)
    for r in results:
        for tool in tools:
            for message in r.tools[tool].errors:
                click.echo(message, err=True)
    scored = score_cgt(labels, results, given=len(results) + len(missing))
    scored.update(corpus=str(corpus), split=split, sample=sample, files_missing=len(missing))
    click.echo(json.dumps(scored, indent=2, sort_keys=True) if as_json else format_cgt(scored, per_dataset))
    return 0


def main(argv: list[str] | None = None) -> int:
    return run_click(cli, argv, "python -m bench", errors=(CorpusError,))  # one line, exit 2


if __name__ == "__main__":
    sys.exit(main())
