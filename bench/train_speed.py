"""Training and inference throughput of the embedded base on this machine.

    python -m bench.train_speed [--base gemma-3-270m] [--batch 8] [--seq 160] [--steps 3] [--rounds 1]

Prints tokens/s for: LoRA training with full logits vs answer-only logits, the same answer-only
step run by transformers' `Trainer` (compute_loss overridden) between two runs of our loop, answer-only
with only the upper N layers adapted (with and without running the frozen lower layers under
no_grad), and the classifier's forward pass. Synthetic token ids; the answer is the last `--answer`
tokens. The loop/Trainer pair repeats `--rounds` times, alternating, so a load change on a shared
machine hits both.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Sequence
from typing import Any, NamedTuple

import click

from swclint.cliutil import HELP, run_click


def make_batch(vocab: int, batch: int, seq: int, answer: int, torch: Any) -> dict[str, Any]:
    gen = torch.Generator().manual_seed(0)
    ids = torch.randint(10, vocab, (batch, seq), generator=gen)
    labels = torch.full_like(ids, -100)
    labels[:, -answer:] = ids[:, -answer:]
    return {
        "input_ids": ids,
        "attention_mask": torch.ones_like(ids),
        "labels": labels,
        "weights": torch.ones(batch, seq),
    }


class Speed(NamedTuple):
    tokens_per_s: float  # wall clock
    cpu_s: float  # process CPU seconds per step, all threads: what other jobs on the machine change least


def _speed(batch: dict[str, Any], steps: list[tuple[float, float]]) -> Speed:
    """From (wall, cpu) seconds per timed step."""
    wall = sum(w for w, _ in steps) / len(steps)
    return Speed(batch["input_ids"].numel() / wall, sum(c for _, c in steps) / len(steps))


def time_train(model: Any, batch: dict[str, Any], loss_fn: Any, steps: int, torch: Any) -> Speed:
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=1e-4)
    times = []
    for i in range(steps + 1):  # first step warms up allocators and kernels
        start, cpu = time.perf_counter(), time.process_time()
        loss, _ = loss_fn(model, batch)
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        if i:
            times.append((time.perf_counter() - start, time.process_time() - cpu))
    return _speed(batch, times)


def time_hf_trainer(model: Any, batch: dict[str, Any], loss_fn: Any, steps: int, torch: Any) -> Speed:
    """Tokens/s of the same step run by transformers.Trainer with `compute_loss` overridden.

    Same optimiser (AdamW, constant lr), no clipping and no logging, as in `time_train`; a step is
    timed from one step end to the next, so Trainer's data loading and callbacks count.
    """
    from transformers import Trainer, TrainerCallback, TrainingArguments

    rows = [{k: v[i] for k, v in batch.items()} for i in range(batch["input_ids"].shape[0])]
    n = len(rows)

    class Rows(torch.utils.data.Dataset):
        def __len__(self) -> int:
            return n * (steps + 1)

        def __getitem__(self, i: int) -> dict[str, Any]:
            return rows[i % n]

    class AnswerOnly(Trainer):
        def compute_loss(self, model: Any, inputs: dict[str, Any], return_outputs: bool = False,
                         num_items_in_batch: Any = None) -> Any:
            loss, _ = loss_fn(model, inputs)
            return (loss, None) if return_outputs else loss

    ends: list[tuple[float, float]] = []

    class Clock(TrainerCallback):
        def on_step_end(self, *_args: Any, **_kwargs: Any) -> None:
            ends.append((time.perf_counter(), time.process_time()))

    with tempfile.TemporaryDirectory() as out:
        args = TrainingArguments(
            output_dir=out, per_device_train_batch_size=n, max_steps=steps + 1, learning_rate=1e-4,
            lr_scheduler_type="constant", weight_decay=0.0, max_grad_norm=0.0, optim="adamw_torch",
            logging_strategy="no", save_strategy="no", report_to=[], disable_tqdm=True,
            dataloader_num_workers=0, remove_unused_columns=False, seed=0,
            use_cpu=not next(model.parameters()).is_cuda,
        )
        trainer = AnswerOnly(model=model, args=args, train_dataset=Rows(), callbacks=[Clock()],
                             data_collator=lambda items: {k: torch.stack([it[k] for it in items]) for k in items[0]})
        trainer.train()
    # the first (warm-up) step is not timed
    return _speed(batch, [(b[0] - a[0], b[1] - a[1]) for a, b in zip(ends, ends[1:], strict=False)])


@click.command(context_settings=HELP, help=__doc__.splitlines()[0])
@click.option("--base", default="gemma-3-270m", show_default=True)
@click.option("--batch", type=click.IntRange(min=1), default=8, show_default=True)
@click.option("--seq", type=click.IntRange(min=2), default=160, show_default=True)
@click.option("--answer", type=click.IntRange(min=1), default=8, show_default=True,
              help="Answer tokens per row (verdict-only is ~8).")
@click.option("--steps", type=click.IntRange(min=1), default=3, show_default=True)
@click.option("--layers", type=click.IntRange(min=1), default=6, show_default=True)
@click.option("--rounds", type=click.IntRange(min=1), default=1, show_default=True,
              help="Alternating loop/Trainer measurements.")
@click.option("--skip-full", is_flag=True, help="Skip the (slow) full-logits measurement.")
@click.option("--skip-layers", is_flag=True, help="Skip the upper-layers and classifier measurements.")
def cli(base: str, batch: int, seq: int, answer: int, steps: int, layers: int, rounds: int, skip_full: bool,
        skip_layers: bool) -> None:
    import torch
    from peft import get_peft_model

    from swclint.llm.models import load_model
    from swclint.llm.scoring import hidden_states, lm_logits
    from trainer.config import TrainConfig
    from trainer.losses import answer_only_loss, full_logits_loss
    from trainer.train import FrozenLowerLayers, lora_config

    torch.manual_seed(0)

    def report(name: str, speed: Speed | float) -> None:
        tps, cpu = (speed.tokens_per_s, f", {speed.cpu_s:6.2f} CPU s") if isinstance(speed, Speed) else (speed, "")
        load = os.getloadavg()[0]  # the machine may be shared: a high load means a low number
        click.echo(f"{name:<44} {tps:8.1f} tok/s  ({batch * seq / tps:6.2f} s{cpu} per {batch}x{seq} batch, "
                   f"load {load:.1f})")

    t0 = time.perf_counter()
    model_base, _ = load_model(base, for_training=True)
    click.echo(f"loaded {base} in {time.perf_counter() - t0:.1f}s; torch threads {torch.get_num_threads()}")
    n_layers = model_base.config.num_hidden_layers
    data = make_batch(model_base.config.vocab_size, batch, seq, answer, torch)

    model = get_peft_model(model_base, lora_config(TrainConfig(), n_layers))
    model.train()
    if not skip_full:
        report("train r=8 q/v, full logits", time_train(model, data, full_logits_loss, steps, torch))
    loop, hf = [], []
    for _ in range(rounds):
        loop.append(time_train(model, data, answer_only_loss, steps, torch))
        report("train r=8 q/v, answer-only logits", loop[-1])
        hf.append(time_hf_trainer(model, data, answer_only_loss, steps, torch))
        report("  same step in transformers.Trainer", hf[-1])
    loop.append(time_train(model, data, answer_only_loss, steps, torch))
    report("train r=8 q/v, answer-only logits", loop[-1])
    def mean(xs: list[float]) -> float:
        return sum(xs) / len(xs)

    click.echo(f"Trainer / own loop: tokens/s {mean([s.tokens_per_s for s in hf]) / mean([s.tokens_per_s for s in loop]):.3f}, "
               f"CPU s per step {mean([s.cpu_s for s in hf]) / mean([s.cpu_s for s in loop]):.3f} "
               f"(means over {len(hf)} Trainer and {len(loop)} loop runs)")
    if skip_layers:
        return
    model_base = model.unload()  # back to the plain base, then adapt the upper layers only

    model = get_peft_model(model_base, lora_config(TrainConfig(layers=layers), n_layers))
    model.train()
    report(f"train upper {layers} layers, answer-only", time_train(model, data, answer_only_loss, steps, torch))
    # Input grads on, as gradient checkpointing / k-bit preparation do: now the lower layers would
    # build a graph unless they run under no_grad.
    model.enable_input_require_grads()
    report("  same, input grads on (no hooks)", time_train(model, data, answer_only_loss, steps, torch))
    frozen = FrozenLowerLayers(model, n_layers - layers)
    report("  same, input grads on, lower under no_grad", time_train(model, data, answer_only_loss, steps, torch))
    frozen.remove()

    model.eval()
    times = []
    with torch.inference_mode():
        for i in range(steps + 1):
            start = time.perf_counter()
            h = hidden_states(model, data["input_ids"], data["attention_mask"])[:, -1]
            lm_logits(model, h)
            if i:
                times.append(time.perf_counter() - start)
    report("inference forward (classifier, last position)", data["input_ids"].numel() / (sum(times) / len(times)))


def main(argv: Sequence[str] | None = None) -> int:
    return run_click(cli, argv, "python -m bench.train_speed")


if __name__ == "__main__":
    raise SystemExit(main())
