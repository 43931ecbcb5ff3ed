"""The LoRA/QLoRA training loop (single process; `accelerate launch` is not needed and not used).

An own loop instead of transformers.Trainer: Trainer with `compute_loss` overridden (the same
answer-only loss) was measured with `python -m bench.train_speed` at 0.69x our tokens/s and 1.58x our
CPU seconds per step, outside the 10% it was allowed (trainer/README.md, "Why not transformers.Trainer").
"""

from __future__ import annotations

import json
import logging
import math
import os
import platform
import random
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from swclint.llm.models import CALIBRATION_FILE, check_adapter_dir, load_model, resolve_device
from swclint.llm.prompt import LABELS, PROMPT_VERSION
from swclint.llm.scoring import causal_lm, label_logits
from trainer.calibrate import calibration_result
from trainer.config import TrainConfig
from trainer.data import (
    class_weights,
    collate,
    data_card_hash,
    encode,
    epoch_order,
    length_buckets,
    read_split,
    split_path,
)
from trainer.losses import answer_only_loss

log = logging.getLogger(__name__)

STATE_FILE = "trainer_state.pt"
META_FILE = "train_meta.json"
LOG_FILE = "train_log.jsonl"
CALIBRATION_LIMIT = 512  # validation records used to fit the temperature
KEEP_CHECKPOINTS = 2


def hardware(device: str) -> str:
    import torch

    if device.startswith("cuda"):
        return torch.cuda.get_device_name(0)
    return f"CPU {platform.processor() or platform.machine()} x{os.cpu_count()} (torch threads {torch.get_num_threads()})"


def seed_everything(seed: int) -> None:
    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def lora_config(cfg: TrainConfig, num_layers: int) -> Any:
    from peft import LoraConfig

    upper = None
    if cfg.layers:
        upper = list(range(max(num_layers - cfg.layers, 0), num_layers))
    return LoraConfig(
        r=cfg.r,
        lora_alpha=cfg.alpha,
        target_modules=list(cfg.targets),
        lora_dropout=cfg.dropout,
        bias="none",
        task_type="CAUSAL_LM",
        layers_to_transform=upper,
        layers_pattern="layers" if upper else None,
    )


class FrozenLowerLayers:
    """Run decoder layers below the first adapted one under no_grad: no autograd graph is kept for them.

    Autograd already skips them when nothing below requires grad; this also holds when something
    (input-grad hooks of gradient checkpointing, k-bit preparation) makes the embeddings require grad.
    """

    def __init__(self, model: Any, n_frozen: int) -> None:
        import torch

        self.handles = []
        if n_frozen <= 0:
            return
        layers = causal_lm(model).get_decoder().layers
        prev: list[bool] = []

        def enter(_module: Any, _args: Any) -> None:
            prev.append(torch.is_grad_enabled())
            torch.set_grad_enabled(False)

        def leave(_module: Any, _args: Any, output: Any) -> None:
            torch.set_grad_enabled(prev.pop() if prev else True)

        self.handles.append(layers[0].register_forward_pre_hook(enter))
        self.handles.append(layers[n_frozen - 1].register_forward_hook(leave))

    def remove(self) -> None:
        for h in self.handles:
            h.remove()


def build_model(cfg: TrainConfig, device: str, quant: str) -> tuple[Any, Any, FrozenLowerLayers]:
    from peft import get_peft_model

    if quant != "none" and not device.startswith("cuda"):
        log.warning(
            "--quant %s on CPU runs bitsandbytes' CPU kernels: expect it to be several times slower", quant
        )
    model, tokenizer = load_model(cfg.base, quant=quant, device=device, for_training=True)
    n_layers = causal_lm(model).config.num_hidden_layers
    if device.startswith("cuda"):
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
    if cfg.init_adapter:
        from peft import PeftModel

        check_adapter_dir(cfg.init_adapter)  # safetensors only, never a pickle
        model = PeftModel.from_pretrained(model, cfg.init_adapter, is_trainable=True)
    else:
        model = get_peft_model(model, lora_config(cfg, n_layers))
    frozen = FrozenLowerLayers(model, n_layers - cfg.layers if cfg.layers else 0)
    model.train()
    return model, tokenizer, frozen


def make_scheduler(cfg: TrainConfig, optimizer: Any, total_steps: int) -> Any:
    from transformers import get_cosine_schedule_with_warmup, get_linear_schedule_with_warmup

    warmup = int(total_steps * cfg.warmup_ratio)
    make = get_cosine_schedule_with_warmup if cfg.schedule == "cosine" else get_linear_schedule_with_warmup
    return make(optimizer, warmup, total_steps)


def latest_checkpoint(out: Path) -> Path | None:
    found = sorted((out / "checkpoints").glob("step-*"), key=lambda p: int(p.name.split("-")[1]))
    return found[-1] if found else None


def save_checkpoint(out: Path, model: Any, optimizer: Any, scheduler: Any, state: dict[str, Any]) -> None:
    import torch

    final = out / "checkpoints" / f"step-{state['step']:07d}"
    tmp = final.with_name(final.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    model.save_pretrained(tmp, safe_serialization=True)
    rng = {"python": list(random.getstate()[1]), "torch": torch.get_rng_state()}
    torch.save(
        {**state, "optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(), "rng": rng},
        tmp / STATE_FILE,
    )
    shutil.rmtree(final, ignore_errors=True)
    tmp.rename(final)
    for old in sorted((out / "checkpoints").glob("step-*"))[:-KEEP_CHECKPOINTS]:
        shutil.rmtree(old, ignore_errors=True)


def load_checkpoint(ckpt: Path, model: Any, optimizer: Any, scheduler: Any) -> dict[str, Any]:
    import torch
    from peft import set_peft_model_state_dict
    from safetensors.torch import load_file

    set_peft_model_state_dict(model, load_file(str(ckpt / "adapter_model.safetensors")))
    state = torch.load(ckpt / STATE_FILE, weights_only=True)
    optimizer.load_state_dict(state.pop("optimizer"))
    scheduler.load_state_dict(state.pop("scheduler"))
    rng = state.pop("rng")
    torch.set_rng_state(rng["torch"])
    random.setstate((3, tuple(rng["python"]), None))
    return state


def train(
    cfg: TrainConfig, data_dir: str | Path, out: str | Path, *, resume: bool = False, progress: bool = True
) -> dict[str, Any]:
    """Train an adapter into `out`; returns the run summary also written to train_meta.json."""
    import torch
    from tqdm import tqdm

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    seed_everything(cfg.seed)
    device = resolve_device(cfg.device)
    quant = cfg.resolved_quant(device)
    records, skipped = read_split(data_dir, "train", cfg.limit, cfg.skip)
    if not records:
        raise ValueError(f"{split_path(data_dir, 'train')}: no usable records")
    model, tokenizer, frozen = build_model(cfg, device, quant)
    examples = [encode(tokenizer, r, cfg.max_length, cfg.fix_weight, not cfg.no_fix, cfg.verdict_weight) for r in records]
    truncated = sum(e.truncated for e in examples)
    if truncated:
        log.warning(
            "%d of %d prompts were longer than --max-length %d and lost the end of their code",
            truncated,
            len(examples),
            cfg.max_length,
        )
    if skipped:
        log.warning("%d records skipped: none of their labels is in %s", skipped, ", ".join(LABELS))
    labels = [e.label for e in examples]
    lengths = [len(e.input_ids) for e in examples]
    cw = class_weights(labels) if cfg.balance == "weights" else None

    batches_per_epoch = math.ceil(len(examples) / cfg.batch_size)
    steps_per_epoch = math.ceil(batches_per_epoch / cfg.grad_accum)
    total_steps = cfg.max_steps or max(1, math.ceil(cfg.epochs * steps_per_epoch))
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
    scheduler = make_scheduler(cfg, optimizer, total_steps)

    state = {"step": 0, "epoch": 0, "batch": 0, "tokens": 0, "seconds": 0.0}
    ckpt = latest_checkpoint(out) if resume else None
    if ckpt is not None:
        state.update(load_checkpoint(ckpt, model, optimizer, scheduler))
        log.info("resumed from %s (step %d)", ckpt, state["step"])
    elif not resume:
        (out / LOG_FILE).unlink(missing_ok=True)

    pad_id = tokenizer.pad_token_id or 0
    dev = next(p for p in model.parameters()).device
    bar = tqdm(
        total=total_steps,
        initial=state["step"],
        disable=not progress or not sys.stderr.isatty(),
        desc="train",
        unit="step",
    )
    logfile = (out / LOG_FILE).open("a", encoding="utf-8")
    started = time.perf_counter() - state["seconds"]
    window_tokens, window_start, running = 0, time.perf_counter(), []
    loss_value = float("nan")
    try:
        while state["step"] < total_steps:
            order = epoch_order(labels, cfg.seed, state["epoch"], cfg.balance)
            batches = length_buckets(order, lengths, cfg.batch_size, cfg.seed, state["epoch"])
            micro = 0
            while state["batch"] < len(batches) and state["step"] < total_steps:
                idx = batches[state["batch"]]
                ex_w = [cw[labels[i]] for i in idx] if cw else None
                batch = {k: v.to(dev) for k, v in collate([examples[i] for i in idx], pad_id, ex_w).items()}
                loss, _ = answer_only_loss(model, batch)
                (loss / cfg.grad_accum).backward()
                running.append(loss.item())
                n_tok = int(batch["attention_mask"].sum())
                state["tokens"] += n_tok
                window_tokens += n_tok
                state["batch"] += 1
                micro += 1
                if micro % cfg.grad_accum and state["batch"] < len(batches):
                    continue
                torch.nn.utils.clip_grad_norm_(params, cfg.max_grad_norm)
                optimizer.step()
                scheduler.step()
                optimizer.zero_grad(set_to_none=True)
                state["step"] += 1
                loss_value = sum(running) / len(running)
                running = []
                now = time.perf_counter()
                tps = window_tokens / max(now - window_start, 1e-9)
                bar.set_postfix(loss=f"{loss_value:.4f}", tok_s=f"{tps:.0f}")
                bar.update(1)
                if state["step"] % cfg.log_every == 0 or state["step"] == total_steps:
                    entry = {
                        "step": state["step"],
                        "epoch": state["epoch"],
                        "loss": round(loss_value, 6),
                        "lr": scheduler.get_last_lr()[0],
                        "tokens_per_s": round(tps, 1),
                        "elapsed_s": round(now - started, 2),
                    }
                    logfile.write(json.dumps(entry) + "\n")
                    logfile.flush()
                    window_tokens, window_start = 0, now
                if cfg.save_every and state["step"] % cfg.save_every == 0 and state["step"] < total_steps:
                    state["seconds"] = time.perf_counter() - started
                    save_checkpoint(out, model, optimizer, scheduler, state)
            if state["batch"] >= len(batches):
                state["epoch"] += 1
                state["batch"] = 0
    finally:
        logfile.close()
        bar.close()
        frozen.remove()
    seconds = time.perf_counter() - started
    model.save_pretrained(out, safe_serialization=True)
    tokenizer_name = getattr(tokenizer, "name_or_path", "")
    calibration = calibrate(model, tokenizer, data_dir, out, cfg)
    summary = {
        "config": cfg.to_dict(),
        "base": cfg.base,
        "base_path": str(tokenizer_name),
        "quant": quant,
        "device": device,
        "hardware": hardware(device),
        "prompt_version": PROMPT_VERSION,
        "data_dir": str(Path(data_dir).resolve()),
        "data_card_sha256": data_card_hash(data_dir),
        "train_records": len(examples),
        "skipped_records": skipped,
        "truncated_prompts": truncated,
        "steps": state["step"],
        "tokens": state["tokens"],
        "train_seconds": round(seconds, 2),
        "tokens_per_s": round(state["tokens"] / max(seconds, 1e-9), 1),
        "final_loss": loss_value,
        "trainable_params": sum(p.numel() for p in params),
        "calibration": calibration,
    }
    if cfg.init_adapter:
        summary["parent"] = parent_meta(cfg.init_adapter)
    (out / META_FILE).write_text(json.dumps(summary, indent=2) + "\n")
    return summary


def parent_meta(init_adapter: str | Path) -> dict[str, Any] | None:
    """The training record of the adapter a run continued from (with its own parents), if it has one."""
    path = Path(init_adapter) / META_FILE
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    meta.pop("base_path", None)
    return meta


def calibrate(
    model: Any, tokenizer: Any, data_dir: str | Path, out: Path, cfg: TrainConfig
) -> dict[str, Any]:
    """Fit the classifier's temperature and label bias on the validation split; write calibration.json."""
    import torch

    if not split_path(data_dir, "valid").is_file():
        log.warning("no valid split in %s: classifier temperature left at 1.0", data_dir)
        return {"temperature": 1.0, "n": 0}
    records, _ = read_split(data_dir, "valid", min(cfg.limit or CALIBRATION_LIMIT, CALIBRATION_LIMIT))
    model.eval()
    scores = label_logits(model, tokenizer, [r.prompt for r in records], batch_size=cfg.batch_size)
    targets = torch.tensor([LABELS.index(r.label) for r in records], dtype=torch.long)
    result = calibration_result(scores, targets)
    (out / CALIBRATION_FILE).write_text(json.dumps(result, indent=2) + "\n")
    return result


def recalibrate(adapter: str | Path, data_dir: str | Path, base: str, batch_size: int = 8,
                device: str = "auto") -> dict[str, Any]:
    """Refit calibration.json of a trained adapter in place (and the copy in its train_meta.json)."""
    adapter = check_adapter_dir(adapter)
    model, tokenizer = load_model(base, adapter, device=resolve_device(device))
    result = calibrate(model, tokenizer, data_dir, adapter, TrainConfig(batch_size=batch_size))
    meta_path = adapter / META_FILE
    if meta_path.is_file():
        meta = json.loads(meta_path.read_text())
        meta["calibration"] = result
        meta_path.write_text(json.dumps(meta, indent=2) + "\n")
    return result
