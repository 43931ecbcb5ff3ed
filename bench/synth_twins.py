"""Does the adapter tell a vulnerable function from its fixed twin? Per pattern family, on fresh twins.

    python -m bench.synth_twins [--adapter DIR] [--per-family 4] [--seed 99]

Generates `--per-family` vulnerable/fixed twins of every `dataset.synth` family with a generator
seed the dataset build does not use (the build uses its split seed, 13 by default), classifies
each target function with the real model, and prints per family how many vulnerable functions get
their class and how many fixed ones get `none`, with the probability of the true answer. The
templates are the ones the adapter was trained on, so this measures whether the lesson was
learnt (statement order for reentrancy, a guard for the others), not how it transfers to real
code; `bench.llm_gain` and `tests/test_llm_e2e.py` measure that.
"""

from __future__ import annotations

import json
import shlex
import sys
from collections import Counter, defaultdict
from pathlib import Path

import click

from dataset.records import chunk_of
from dataset.synth import FAMILIES, generate
from swclint.cliutil import HELP, invoked_args, run_click
from swclint.llm.backends import DEFAULT_ADAPTER, BackendError, HFBackend
from swclint.llm.prompt import build_prompt


def measure(backend, per_family: int, seed: int) -> dict:
    """Classify fresh twins with `backend` (anything with `classify(prompts)`) and tally per family."""
    records = generate(per_family, seed, Counter())
    probs = backend.classify([build_prompt(chunk_of(r)) for r in records])
    rows: dict[str, dict] = defaultdict(lambda: {"vulnerable": [], "fixed": []})
    for record, p in zip(records, probs, strict=True):
        truth = (record["labels"] or ["none"])[0]
        variant = "vulnerable" if record["labels"] else "fixed"
        rows[record["group"].split(":")[1]][variant].append(
            {"right": max(p, key=p.get) == truth, "p_true": round(p[truth], 3)})
    totals = {v: sum(x["right"] for r in rows.values() for x in r[v]) for v in ("vulnerable", "fixed")}
    return {"per_family": per_family, "seed": seed, "families": {f: rows[f] for f in FAMILIES},
            "right": totals, "cases": per_family * len(FAMILIES)}


def format_table(result: dict) -> str:
    n = result["per_family"]
    lines = [f"{'family':<26} {'class':<8} {'vulnerable':>10} {'fixed':>6}   p(true) vulnerable | fixed"]
    for family, row in result["families"].items():
        ps = " ".join(f"{x['p_true']:.2f}" for x in row["vulnerable"])
        pf = " ".join(f"{x['p_true']:.2f}" for x in row["fixed"])
        right_v = sum(x["right"] for x in row["vulnerable"])
        right_f = sum(x["right"] for x in row["fixed"])
        lines.append(f"{family:<26} {FAMILIES[family][0]:<8} {right_v:>7}/{n:<2} {right_f:>3}/{n:<2}   {ps} | {pf}")
    r, c = result["right"], result["cases"]
    lines.append(f"{'total':<35} {r['vulnerable']:>6}/{c:<3} {r['fixed']:>3}/{c}")
    return "\n".join(lines)


@click.command(context_settings=HELP, help=__doc__.splitlines()[0])
@click.option("--adapter", type=click.Path(path_type=Path), default=DEFAULT_ADAPTER, show_default=True)
@click.option("--per-family", type=click.IntRange(min=1), default=4, show_default=True)
@click.option("--seed", type=int, default=99, show_default=True,
              help="Generator seed (keep it apart from the --synth-seed a build used).")
@click.option("--json", "as_json", is_flag=True)
def cli(adapter: Path, per_family: int, seed: int, as_json: bool) -> None:
    result = measure(HFBackend(adapter), per_family, seed)
    invocation = shlex.join(["python", "-m", "bench.synth_twins", *invoked_args()])
    click.echo(json.dumps({"command": invocation, **result}, indent=2) if as_json else
               f"{format_table(result)}\n\nCommand: `{invocation}`")


def main(argv: list[str] | None = None) -> int:
    return run_click(cli, argv, "python -m bench.synth_twins", errors=(BackendError,))


if __name__ == "__main__":
    sys.exit(main())
