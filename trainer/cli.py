"""`swclint-train train|eval|sweep|export`: parse flags, call the module that does the work."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence

from swclint.llm.models import DEFAULT_BASE, QUANT_CHOICES, ModelError
from trainer.config import BALANCE_CHOICES, SCHEDULE_CHOICES, TrainConfig
from trainer.data import DataError

_DEFAULTS = TrainConfig()


def _csv(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _ints(text: str) -> list[int]:
    try:
        return [int(p) for p in _csv(text)]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got '{text}'") from None


def _train_flags(p: argparse.ArgumentParser, sweep: bool = False) -> None:
    d = _DEFAULTS
    p.add_argument("--data", required=True, help="dataset directory with train/valid/test.jsonl")
    p.add_argument("--out", required=True, help="output directory")
    if not sweep:
        p.add_argument("--base", default=DEFAULT_BASE, help="registry name, Hub id or local directory")
        p.add_argument("--rank", "-r", dest="r", type=int, default=d.r, help="LoRA rank")
        p.add_argument(
            "--quant",
            choices=QUANT_CHOICES,
            default=None,
            help="default: 4bit on CUDA, none on CPU (4bit on CPU works but is slow)",
        )
        p.add_argument("--resume", action="store_true", help="continue from the latest checkpoint in --out")
        p.add_argument("--init-adapter", default=None, metavar="DIR",
                       help="start from this exported adapter (its r/alpha/targets/layers are kept)")
    p.add_argument("--alpha", type=int, default=None, help=f"LoRA alpha (default {d.alpha}; 2*r in sweeps)")
    p.add_argument("--targets", type=_csv, default=list(d.targets), help="comma-separated module names")
    p.add_argument("--dropout", type=float, default=d.dropout)
    p.add_argument("--layers", type=int, default=None, help="adapt only the upper N decoder layers")
    p.add_argument("--epochs", type=float, default=d.epochs)
    p.add_argument("--lr", type=float, default=d.lr)
    p.add_argument("--batch-size", type=int, default=d.batch_size)
    p.add_argument("--grad-accum", type=int, default=d.grad_accum)
    p.add_argument("--max-length", type=int, default=d.max_length)
    p.add_argument("--schedule", choices=SCHEDULE_CHOICES, default=d.schedule)
    p.add_argument("--warmup-ratio", type=float, default=d.warmup_ratio)
    p.add_argument("--max-steps", type=int, default=None)
    p.add_argument("--limit", type=int, default=None, help="use only the first N training records")
    p.add_argument("--skip", type=int, default=0, metavar="N",
                   help="pass over the first N training records (before --limit)")
    p.add_argument("--fix-weight", type=float, default=d.fix_weight, help="loss weight of fix tokens")
    p.add_argument("--verdict-weight", type=float, default=d.verdict_weight,
                   help="loss weight of the first verdict token, the one classification scores")
    p.add_argument("--no-fix", action="store_true", help="train the verdict only (fastest)")
    p.add_argument(
        "--balance",
        choices=BALANCE_CHOICES,
        default=d.balance,
        help="class balancing: loss weights or uniform class sampling",
    )
    p.add_argument("--seed", type=int, default=d.seed)
    p.add_argument("--save-every", type=int, default=d.save_every, help="checkpoint every N steps (0: never)")
    p.add_argument("--device", default=d.device)


def _config(args: argparse.Namespace, **over: object) -> TrainConfig:
    fields = TrainConfig.__dataclass_fields__
    values = {k: v for k, v in vars(args).items() if k in fields and v is not None}
    values["targets"] = tuple(args.targets)
    if args.alpha is None:
        values.pop("alpha", None)
    values.update(over)
    return TrainConfig(**values).with_adapter_shape()


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="swclint-train", description="Fine-tune, evaluate and export swclint adapters."
    )
    ap.add_argument("-q", "--quiet", action="store_true", help="no progress bar, warnings only")
    sub = ap.add_subparsers(dest="command", required=True)

    _train_flags(sub.add_parser("train", help="train a LoRA/QLoRA adapter"))

    ev = sub.add_parser("eval", help="per-label metrics: adapter vs base vs TF-IDF reference")
    ev.add_argument("--adapter", required=True)
    ev.add_argument("--data", required=True)
    ev.add_argument("--split", default="test")
    ev.add_argument("--base", default=None, help="default: the base recorded with the adapter")
    ev.add_argument("--out", default=None, help="default: the adapter directory")
    ev.add_argument("--quant", choices=QUANT_CHOICES, default="none")
    ev.add_argument("--batch-size", type=int, default=8)
    ev.add_argument("--limit", type=int, default=None)
    ev.add_argument("--device", default="auto")

    ca = sub.add_parser("calibrate", help="refit an adapter's temperature and label bias on the valid split")
    ca.add_argument("--adapter", required=True)
    ca.add_argument("--data", required=True)
    ca.add_argument("--base", default=None, help="default: the base recorded with the adapter")
    ca.add_argument("--batch-size", type=int, default=8)
    ca.add_argument("--device", default="auto")

    sw = sub.add_parser("sweep", help="train+eval a grid of bases x quantization x ranks")
    sw.add_argument("--r", dest="ranks", type=_ints, default=[4, 8, 16])
    sw.add_argument("--quant", dest="quants", type=_csv, default=["none"])
    sw.add_argument("--base", dest="bases", type=_csv, default=[DEFAULT_BASE])
    _train_flags(sw, sweep=True)

    ex = sub.add_parser("export", help="write a clean adapter directory with a model card")
    ex.add_argument("--adapter", required=True)
    ex.add_argument("--out", required=True)
    ex.add_argument("--data", default=None, help="dataset directory (for the data card hash)")
    return ap


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING if args.quiet else logging.INFO, format="%(levelname)s: %(message)s"
    )
    try:
        return _run(args)
    except (ModelError, DataError, ValueError, OSError) as exc:
        print(f"swclint-train: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(
            "swclint-train: interrupted (use --resume to continue from the last checkpoint)", file=sys.stderr
        )
        return 130


def _run(args: argparse.Namespace) -> int:
    progress = not args.quiet
    if args.command == "train":
        from trainer.train import train

        summary = train(_config(args), args.data, args.out, resume=args.resume, progress=progress)
        print(
            f"adapter written to {args.out}: {summary['steps']} steps, final loss {summary['final_loss']:.4f}, "
            f"{summary['tokens_per_s']:.0f} tokens/s"
        )
    elif args.command == "calibrate":
        from trainer.evaluate import adapter_base
        from trainer.train import recalibrate

        result = recalibrate(args.adapter, args.data, args.base or adapter_base(args.adapter),
                             args.batch_size, args.device)
        print(json.dumps({k: result[k] for k in ("temperature", "bias", "nll_before", "nll_after")}))
    elif args.command == "eval":
        from trainer.evaluate import SYSTEMS, evaluate

        metrics = evaluate(
            args.adapter,
            args.data,
            args.split,
            base=args.base,
            out=args.out,
            quant=args.quant,
            device=args.device,
            batch_size=args.batch_size,
            limit=args.limit,
        )
        print(json.dumps({s: round(metrics[s]["macro_f1"], 4) for s in SYSTEMS}))
    elif args.command == "sweep":
        from trainer.sweep import sweep

        for q in args.quants:
            if q not in QUANT_CHOICES:
                raise ValueError(
                    f"unknown quantization '{q}' in --quant (choose from {', '.join(QUANT_CHOICES)})"
                )
        rows = sweep(
            _config(args),
            args.data,
            args.out,
            bases=args.bases,
            quants=args.quants,
            ranks=args.ranks,
            progress=progress,
        )
        print(f"{len(rows)} runs; table in {args.out}/sweep.md")
    elif args.command == "export":
        from trainer.export import export

        print(f"exported to {export(args.adapter, args.out, args.data)}")
    return 0
