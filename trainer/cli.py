"""`swclint-train train|eval|calibrate|sweep|export`: parse flags, call the module that does the work."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from typing import Any

import click

from swclint.cliutil import HELP, run_click
from swclint.llm.models import DEFAULT_BASE, QUANT_CHOICES, ModelError
from trainer.config import BALANCE_CHOICES, SCHEDULE_CHOICES, TrainConfig
from trainer.data import DataError

PROG = "swclint-train"
_DEFAULTS = TrainConfig()


def _csv(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


class _Csv(click.ParamType):
    """Comma-separated values, optionally converted one by one."""

    name = "LIST"

    def __init__(self, item: Callable[[str], Any] = str) -> None:
        self.item = item

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> list:
        if isinstance(value, list):
            return value
        try:
            return [self.item(p) for p in _csv(value)]
        except ValueError:
            self.fail(f"expected comma-separated {getattr(self.item, '__name__', 'value')}s, got '{value}'",
                      param, ctx)


def _train_options(sweep: bool) -> Callable:
    """The training flags `train` and `sweep` share (`sweep` takes base/quant/rank lists instead)."""
    d = _DEFAULTS
    opts = [
        click.option("--data", required=True, help="Dataset directory with train/valid/test.jsonl."),
        click.option("--out", required=True, help="Output directory."),
    ]
    if not sweep:
        opts += [
            click.option("--base", default=DEFAULT_BASE, show_default=True,
                         help="Registry name, Hub id or local directory."),
            click.option("--rank", "-r", "r", type=int, default=d.r, show_default=True, help="LoRA rank."),
            click.option("--quant", type=click.Choice(QUANT_CHOICES), default=None,
                         help="Default: 4bit on CUDA, none on CPU (4bit on CPU works but is slow)."),
            click.option("--resume", is_flag=True, help="Continue from the latest checkpoint in --out."),
            click.option("--init-adapter", default=None, metavar="DIR",
                         help="Start from this exported adapter (its r/alpha/targets/layers are kept)."),
        ]
    opts += [
        click.option("--alpha", type=int, default=None, help=f"LoRA alpha (default {d.alpha}; 2*r in sweeps)."),
        click.option("--targets", type=_Csv(), default=",".join(d.targets), show_default=True,
                     help="Comma-separated module names."),
        click.option("--dropout", type=float, default=d.dropout, show_default=True),
        click.option("--layers", type=int, default=None, help="Adapt only the upper N decoder layers."),
        click.option("--epochs", type=float, default=d.epochs, show_default=True),
        click.option("--lr", type=float, default=d.lr, show_default=True),
        click.option("--batch-size", type=int, default=d.batch_size, show_default=True),
        click.option("--grad-accum", type=int, default=d.grad_accum, show_default=True),
        click.option("--max-length", type=int, default=d.max_length, show_default=True),
        click.option("--schedule", type=click.Choice(SCHEDULE_CHOICES), default=d.schedule, show_default=True),
        click.option("--warmup-ratio", type=float, default=d.warmup_ratio, show_default=True),
        click.option("--max-steps", type=int, default=None),
        click.option("--limit", type=int, default=None, help="Use only the first N training records."),
        click.option("--skip", type=int, default=0, metavar="N",
                     help="Pass over the first N training records (before --limit)."),
        click.option("--fix-weight", type=float, default=d.fix_weight, show_default=True,
                     help="Loss weight of fix tokens."),
        click.option("--verdict-weight", type=float, default=d.verdict_weight, show_default=True,
                     help="Loss weight of the first verdict token, the one classification scores."),
        click.option("--no-fix", is_flag=True, help="Train the verdict only (fastest)."),
        click.option("--balance", type=click.Choice(BALANCE_CHOICES), default=d.balance, show_default=True,
                     help="Class balancing: loss weights or uniform class sampling."),
        click.option("--seed", type=int, default=d.seed, show_default=True),
        click.option("--save-every", type=int, default=d.save_every, show_default=True,
                     help="Checkpoint every N steps (0: never)."),
        click.option("--device", default=d.device, show_default=True),
    ]

    def apply(f: Callable) -> Callable:
        for option in reversed(opts):
            f = option(f)
        return f

    return apply


def _config(values: dict[str, Any], **over: Any) -> TrainConfig:
    fields = TrainConfig.__dataclass_fields__
    config = {k: v for k, v in values.items() if k in fields and v is not None}
    config["targets"] = tuple(values["targets"])
    config.update(over)
    return TrainConfig(**config).with_adapter_shape()


@click.group(context_settings=HELP)
@click.option("-q", "--quiet", is_flag=True, help="No progress bar, warnings only.")
@click.pass_context
def cli(ctx: click.Context, quiet: bool) -> None:
    """Fine-tune, evaluate and export swclint adapters."""
    logging.basicConfig(level=logging.WARNING if quiet else logging.INFO, format="%(levelname)s: %(message)s")
    ctx.obj = {"progress": not quiet}


@cli.command(context_settings=HELP)
@_train_options(sweep=False)
@click.pass_context
def train(ctx: click.Context, resume: bool, **values: Any) -> None:
    """Train a LoRA/QLoRA adapter."""
    from trainer.train import train as run_train

    summary = run_train(_config(values), values["data"], values["out"], resume=resume,
                        progress=ctx.obj["progress"])
    click.echo(f"adapter written to {values['out']}: {summary['steps']} steps, final loss "
               f"{summary['final_loss']:.4f}, {summary['tokens_per_s']:.0f} tokens/s")


@cli.command("eval", context_settings=HELP)
@click.option("--adapter", required=True)
@click.option("--data", required=True)
@click.option("--split", default="test", show_default=True)
@click.option("--base", default=None, help="Default: the base recorded with the adapter.")
@click.option("--out", default=None, help="Default: the adapter directory.")
@click.option("--quant", type=click.Choice(QUANT_CHOICES), default="none", show_default=True)
@click.option("--batch-size", type=int, default=8, show_default=True)
@click.option("--limit", type=int, default=None)
@click.option("--device", default="auto", show_default=True)
def eval_command(adapter: str, data: str, split: str, base: str | None, out: str | None, quant: str,
                 batch_size: int, limit: int | None, device: str) -> None:
    """Per-label metrics: adapter vs base vs TF-IDF reference."""
    from trainer.evaluate import SYSTEMS, evaluate

    metrics = evaluate(adapter, data, split, base=base, out=out, quant=quant, device=device,
                       batch_size=batch_size, limit=limit)
    click.echo(json.dumps({s: round(metrics[s]["macro_f1"], 4) for s in SYSTEMS}))


@cli.command(context_settings=HELP)
@click.option("--adapter", required=True)
@click.option("--data", required=True)
@click.option("--base", default=None, help="Default: the base recorded with the adapter.")
@click.option("--batch-size", type=int, default=8, show_default=True)
@click.option("--device", default="auto", show_default=True)
def calibrate(adapter: str, data: str, base: str | None, batch_size: int, device: str) -> None:
    """Refit an adapter's temperature and label bias on the valid split."""
    from trainer.evaluate import adapter_base
    from trainer.train import recalibrate

    result = recalibrate(adapter, data, base or adapter_base(adapter), batch_size, device)
    click.echo(json.dumps({k: result[k] for k in ("temperature", "bias", "nll_before", "nll_after")}))


@cli.command(context_settings=HELP)
@click.option("--r", "ranks", type=_Csv(int), default="4,8,16", show_default=True, help="LoRA ranks.")
@click.option("--quant", "quants", type=_Csv(), default="none", show_default=True,
              help=f"Quantizations ({', '.join(QUANT_CHOICES)}).")
@click.option("--base", "bases", type=_Csv(), default=DEFAULT_BASE, show_default=True, help="Base models.")
@_train_options(sweep=True)
@click.pass_context
def sweep(ctx: click.Context, ranks: list[int], quants: list[str], bases: list[str], **values: Any) -> None:
    """Train+eval a grid of bases x quantization x ranks."""
    from trainer.sweep import sweep as run_sweep

    unknown = [q for q in quants if q not in QUANT_CHOICES]
    if unknown:
        raise click.BadParameter(f"unknown quantization '{unknown[0]}' (choose from {', '.join(QUANT_CHOICES)})",
                                 param_hint="--quant")
    rows = run_sweep(_config(values), values["data"], values["out"], bases=bases, quants=quants, ranks=ranks,
                     progress=ctx.obj["progress"])
    click.echo(f"{len(rows)} runs; table in {values['out']}/sweep.md")


@cli.command(context_settings=HELP)
@click.option("--adapter", required=True)
@click.option("--out", required=True)
@click.option("--data", default=None, help="Dataset directory (for the data card hash).")
def export(adapter: str, out: str, data: str | None) -> None:
    """Write a clean adapter directory with a model card."""
    from trainer.export import export as run_export

    click.echo(f"exported to {run_export(adapter, out, data)}")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `swclint-train` (and `python -m trainer`); returns the exit status."""
    return run_click(cli, argv, PROG, errors=(ModelError, DataError, ValueError, OSError),
                     interrupted="interrupted (use --resume to continue from the last checkpoint)")
