"""`swclint-data` / `python -m dataset`: build the function-level SWC dataset."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import click

from dataset.errors import DatasetError
from swclint.cliutil import HELP, run_click

PROG = "swclint-data"
_PATH = click.Path(path_type=Path)


@click.group(context_settings=HELP)
def cli() -> None:
    """Build the function-level SWC dataset."""


@cli.command(context_settings=HELP)
@click.option("--seed", type=_PATH, help="Folder of seed instruction/response/category *.jsonl.")
@click.option("--swc-registry", type=_PATH, help="SWC registry checkout (with test_cases/).")
@click.option("--extra", type=_PATH, multiple=True, help="Folder of .sol declared clean (repeatable).")
@click.option("--extra-csv", type=_PATH, multiple=True, help="file,line,swc CSV (repeatable).")
@click.option("--cgt", type=_PATH, help="CGT corpus (labels.csv + sources/): its dev split, weakly labelled.")
@click.option("--cgt-limit", type=click.IntRange(min=1), default=None, metavar="N",
              help="Import at most N CGT files (a spread sample; default: every dev file).")
@click.option("--jobs", type=click.IntRange(min=1), default=1, show_default=True, metavar="N",
              help="CGT files analysed in parallel (the import's cost is the static stage).")
@click.option("--synth", type=int, default=0, show_default=True, metavar="N",
              help="Add N generated vulnerable/fixed pairs per pattern family to train.")
@click.option("--synth-seed", type=int, default=None, metavar="N",
              help="Generator seed for --synth (default: the split seed); a new one gives new twins.")
@click.option("--out", type=_PATH, required=True, help="Output folder.")
@click.option("--seed-value", type=int, default=13, show_default=True, help="Split hash seed.")
@click.option("--min-test", type=int, default=100, show_default=True, help="Least test records per label.")
@click.option("--compile-check", is_flag=True, help="Compile registry files with swclint.solc.")
@click.option("--tokenizer", type=click.Choice(("auto", "estimate")), default="auto", show_default=True,
              help="Token lengths: Gemma tokenizer if on disk (auto) or len/3.5 (estimate).")
def build(seed: Path | None, swc_registry: Path | None, extra: tuple[Path, ...], extra_csv: tuple[Path, ...],
          cgt: Path | None, cgt_limit: int | None, jobs: int, synth: int, synth_seed: int | None, out: Path, seed_value: int,
          min_test: int, compile_check: bool, tokenizer: str) -> None:
    """Build train/valid/test JSONL and the data card."""
    from dataset.build import BuildConfig
    from dataset.build import build as run_build

    cfg = BuildConfig(out=out, seed=seed, swc_registry=swc_registry, extra=list(extra), extra_csv=list(extra_csv),
                      cgt=cgt, cgt_limit=cgt_limit, jobs=jobs, synth=synth, synth_seed=synth_seed, seed_value=seed_value,
                      compile_check=compile_check, tokenizer=tokenizer, min_test=min_test)
    card = run_build(cfg)
    counts = card["counts"]
    summary = ", ".join(f"{s} {counts[s]['records']}" for s in counts)
    click.echo(f"wrote {out}: {summary}; clean {card['total']['clean_fraction']:.1%}; leakage 0")


@cli.command(context_settings=HELP)
@click.option("--data", type=_PATH, required=True, help="A folder `swclint-data build` wrote.")
@click.option("--source", "sources", multiple=True, required=True, metavar="NAME",
              help="Records of this source all go in (repeatable): cgt, seed, swc-registry, synth, extra.")
@click.option("--replay", type=float, default=1.0, show_default=True, metavar="X",
              help="Draw X times as many records from the other sources, so training does not forget them.")
@click.option("--seed", type=int, default=0, show_default=True, help="Draw seed.")
@click.option("--out", type=_PATH, required=True, help="Output folder.")
def mix(data: Path, sources: tuple[str, ...], replay: float, seed: int, out: Path) -> None:
    """Train split for continued training: chosen sources plus a replay of the rest."""
    from dataset.mix import mix as run_mix

    s = run_mix(data, out, list(sources), replay=replay, seed=seed)
    click.echo(f"wrote {out}: train {s['records'] + s['replayed']} ({s['records']} of "
               f"{', '.join(s['sources'])}, {s['replayed']} replayed); valid and test as in {data}")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `swclint-data` (and `python -m dataset`); returns the exit status."""
    return run_click(cli, argv, PROG, errors=(DatasetError,))
