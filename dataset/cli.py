"""`swclint-data` / `python -m dataset`: build the function-level SWC dataset."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from dataset.errors import DatasetError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="swclint-data", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="build train/valid/test JSONL and the data card")
    b.add_argument("--seed", type=Path, help="folder of seed instruction/response/category *.jsonl")
    b.add_argument("--swc-registry", type=Path, help="SWC registry checkout (with test_cases/)")
    b.add_argument("--extra", type=Path, action="append", default=[], help="folder of .sol declared clean")
    b.add_argument("--extra-csv", type=Path, action="append", default=[], help="file,line,swc CSV")
    b.add_argument("--synth", type=int, default=0, metavar="N",
                   help="add N generated vulnerable/fixed pairs per pattern family to train (default 0)")
    b.add_argument("--synth-seed", type=int, default=None, metavar="N",
                   help="generator seed for --synth (default: the split seed); a new one gives new twins")
    b.add_argument("--out", type=Path, required=True, help="output folder")
    b.add_argument("--seed-value", type=int, default=13, help="split hash seed (default 13)")
    b.add_argument("--min-test", type=int, default=100, help="least test records per label (default 100)")
    b.add_argument("--compile-check", action="store_true", help="compile registry files with swclint.solc")
    b.add_argument(
        "--tokenizer",
        choices=("auto", "estimate"),
        default="auto",
        help="token lengths: Gemma tokenizer if on disk (auto) or len/3.5 (estimate)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from dataset.build import BuildConfig, build

    cfg = BuildConfig(
        out=args.out,
        seed=args.seed,
        swc_registry=args.swc_registry,
        extra=args.extra,
        extra_csv=args.extra_csv,
        synth=args.synth,
        synth_seed=args.synth_seed,
        seed_value=args.seed_value,
        compile_check=args.compile_check,
        tokenizer=args.tokenizer,
        min_test=args.min_test,
    )
    try:
        card = build(cfg)
    except DatasetError as exc:
        print(f"swclint-data: error: {exc}", file=sys.stderr)
        return 2
    counts = card["counts"]
    summary = ", ".join(f"{s} {counts[s]['records']}" for s in counts)
    print(f"wrote {args.out}: {summary}; clean {card['total']['clean_fraction']:.1%}; leakage 0")
    return 0
