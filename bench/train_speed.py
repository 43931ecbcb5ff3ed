"""Training and inference throughput of the embedded base on this machine.

    python bench/train_speed.py [--base gemma-3-270m] [--batch 8] [--seq 160] [--steps 3]

Prints tokens/s for: LoRA training with full logits vs answer-only logits, answer-only with only
the upper N layers adapted (with and without running the frozen lower layers under no_grad), and
the classifier's forward pass. Synthetic token ids; the answer is the last `--answer` tokens.
"""

from __future__ import annotations

import argparse
import os
import time
from typing import Any


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


def time_train(model: Any, batch: dict[str, Any], loss_fn: Any, steps: int, torch: Any) -> float:
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=1e-4)
    times = []
    for i in range(steps + 1):  # first step warms up allocators and kernels
        start = time.perf_counter()
        loss, _ = loss_fn(model, batch)
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        if i:
            times.append(time.perf_counter() - start)
    return batch["input_ids"].numel() / (sum(times) / len(times))


def main() -> None:
    import torch
    from peft import get_peft_model

    from swclint.llm.models import load_model
    from swclint.llm.scoring import hidden_states, lm_logits
    from trainer.config import TrainConfig
    from trainer.losses import answer_only_loss, full_logits_loss
    from trainer.train import FrozenLowerLayers, lora_config

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", default="gemma-3-270m")
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--seq", type=int, default=160)
    ap.add_argument("--answer", type=int, default=8, help="answer tokens per row (verdict-only is ~8)")
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--layers", type=int, default=6)
    ap.add_argument("--skip-full", action="store_true", help="skip the (slow) full-logits measurement")
    args = ap.parse_args()
    torch.manual_seed(0)

    def report(name: str, tps: float) -> None:
        n = args.batch * args.seq
        load = os.getloadavg()[0]  # the machine may be shared: a high load means a low number
        print(
            f"{name:<44} {tps:8.1f} tok/s  ({n / tps:6.2f} s per {args.batch}x{args.seq} batch, load {load:.1f})",
            flush=True,
        )

    t0 = time.perf_counter()
    base, _ = load_model(args.base, for_training=True)
    print(f"loaded {args.base} in {time.perf_counter() - t0:.1f}s; torch threads {torch.get_num_threads()}")
    n_layers = base.config.num_hidden_layers
    batch = make_batch(base.config.vocab_size, args.batch, args.seq, args.answer, torch)

    model = get_peft_model(base, lora_config(TrainConfig(), n_layers))
    model.train()
    if not args.skip_full:
        report("train r=8 q/v, full logits", time_train(model, batch, full_logits_loss, args.steps, torch))
    report("train r=8 q/v, answer-only logits", time_train(model, batch, answer_only_loss, args.steps, torch))
    base = model.unload()  # back to the plain base, then adapt the upper layers only

    model = get_peft_model(base, lora_config(TrainConfig(layers=args.layers), n_layers))
    model.train()
    report(
        f"train upper {args.layers} layers, answer-only",
        time_train(model, batch, answer_only_loss, args.steps, torch),
    )
    # Input grads on, as gradient checkpointing / k-bit preparation do: now the lower layers would
    # build a graph unless they run under no_grad.
    model.enable_input_require_grads()
    report("  same, input grads on (no hooks)", time_train(model, batch, answer_only_loss, args.steps, torch))
    frozen = FrozenLowerLayers(model, n_layers - args.layers)
    report(
        "  same, input grads on, lower under no_grad",
        time_train(model, batch, answer_only_loss, args.steps, torch),
    )
    frozen.remove()

    model.eval()
    times = []
    with torch.inference_mode():
        for i in range(args.steps + 1):
            start = time.perf_counter()
            h = hidden_states(model, batch["input_ids"], batch["attention_mask"])[:, -1]
            lm_logits(model, h)
            if i:
                times.append(time.perf_counter() - start)
    report(
        "inference forward (classifier, last position)",
        batch["input_ids"].numel() / (sum(times) / len(times)),
    )


if __name__ == "__main__":
    main()
