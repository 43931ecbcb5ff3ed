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

import argparse
import json
import shlex
import sys
from collections import Counter, defaultdict
from pathlib import Path

from dataset.records import chunk_of
from dataset.synth import FAMILIES, generate
from swclint.llm.backends import DEFAULT_ADAPTER, HFBackend
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.synth_twins", description=__doc__.splitlines()[0])
    parser.add_argument("--adapter", type=Path, default=DEFAULT_ADAPTER)
    parser.add_argument("--per-family", type=int, default=4)
    parser.add_argument("--seed", type=int, default=99, help="generator seed (keep it apart from the --synth-seed a build used)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = measure(HFBackend(args.adapter), args.per_family, args.seed)
    invocation = shlex.join(["python", "-m", "bench.synth_twins", *(argv if argv is not None else sys.argv[1:])])
    print(json.dumps({"command": invocation, **result}, indent=2) if args.json else
          f"{format_table(result)}\n\nCommand: `{invocation}`")
    return 0


if __name__ == "__main__":
    sys.exit(main())
