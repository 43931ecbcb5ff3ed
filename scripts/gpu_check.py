"""`make gpu-check`: the GPU training and inference path, end to end, in a few minutes.

On a CUDA machine: load gemma-3-270m in 4-bit NF4 with bf16 compute and FlashAttention 2 (checked,
not assumed), run a few QLoRA steps with the real trainer, export the adapter, load it in the `hf`
backend (which loads 4-bit on CUDA) and classify a function; then score the fixture prompts with the
exported adapter unquantized on CUDA and on CPU, where the linter runs it by default, and require the
same answers (an adapter that only works on the GPU it was trained on is no use to the linter).
Without CUDA it says so and exits 0.
`--attention sdpa` checks everything but FlashAttention 2, for a machine where flash-attn cannot be
built; the last line then says that FlashAttention 2 was not checked.

Exit status: 0 all checks held (or no CUDA), 1 a check failed (the line says which).
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

import click

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "tests" / "fixtures" / "trainer" / "data"  # 25 labelled train records, shipped


# Largest label-probability gap allowed between CUDA and CPU: about 3x what bf16 against fp32 moves
# it on CPU (max 0.031 on 96 real functions, BENCHMARKS.md "The model on CPU in bf16").
MAX_DEVICE_GAP = 0.1


def say(msg: str) -> None:
    print(f"gpu-check: {msg}", flush=True)


def fail(msg: str) -> int:
    say(f"FAILED: {msg}")
    return 1


def cuda_state() -> str | None:
    """None when a CUDA device is usable, else why not."""
    try:
        import torch
    except ImportError:
        return "torch is not installed"
    if not torch.cuda.is_available():
        build = torch.version.cuda or "a CPU-only build"
        return f"no CUDA device (torch {torch.__version__}, {build})"
    return None


def check_load(base: str, attention: str) -> str | None:
    """Load the base the way the trainer does on CUDA; None when 4-bit NF4, bf16 and `attention` all hold."""
    import torch

    from swclint.llm.models import load_model

    model, _ = load_model(base, quant="4bit", device="cuda", for_training=True)
    qcfg = getattr(model.config, "quantization_config", None)
    qtype = getattr(qcfg, "bnb_4bit_quant_type", None) or (qcfg or {}).get("bnb_4bit_quant_type")
    compute = getattr(qcfg, "bnb_4bit_compute_dtype", None)
    attn = getattr(model.config, "_attn_implementation", None)
    say(f"base loaded: 4bit={getattr(model, 'is_loaded_in_4bit', False)} quant_type={qtype} "
        f"compute_dtype={compute} dtype={model.dtype} attention={attn}")
    problems = []
    if not getattr(model, "is_loaded_in_4bit", False) or qtype != "nf4":
        problems.append("the base is not loaded in 4-bit NF4")
    if compute not in (torch.bfloat16, "bfloat16"):
        problems.append(f"4-bit compute dtype is {compute}, not bfloat16")
    if attn != attention:
        hint = " (pip install flash-attn)" if attention == "flash_attention_2" else ""
        problems.append(f"attention is {attn}, not {attention}{hint}")
    del model
    torch.cuda.empty_cache()
    return "; ".join(problems) or None


def compare_answers(first: list[dict[str, float]], second: list[dict[str, float]]) -> tuple[float, int]:
    """Largest probability gap over every prompt and label, and how many prompts share their top label."""
    gap = max((abs(a[label] - b[label]) for a, b in zip(first, second, strict=True) for label in a), default=0.0)
    same = sum(max(a, key=a.get) == max(b, key=b.get) for a, b in zip(first, second, strict=True))
    return gap, same


def check_devices_agree(base: str, adapter: Path, data: Path) -> str | None:
    """Score the data's test prompts on CUDA and on CPU with the exported adapter; None when they agree."""
    import torch

    from swclint.llm.models import load_for_inference
    from swclint.llm.scoring import classify
    from trainer.data import read_split

    prompts = [r.prompt for split in ("valid", "test") for r in read_split(data, split)[0]]
    answers = {}
    for device in ("cuda", "cpu"):
        model, tokenizer = load_for_inference(base, adapter, device=device)
        answers[device] = classify(model, tokenizer, prompts)
        say(f"exported adapter on {device} ({model.dtype}): scored {len(prompts)} prompts")
        del model
        torch.cuda.empty_cache()
    gap, same = compare_answers(answers["cuda"], answers["cpu"])
    say(f"CUDA vs CPU: same top label on {same}/{len(prompts)} prompts, largest probability gap {gap:.3f}")
    if gap > MAX_DEVICE_GAP:
        return (f"the adapter answers differently on CUDA and on CPU (probability gap {gap:.3f} > "
                f"{MAX_DEVICE_GAP}; top label the same on {same}/{len(prompts)})")
    return None


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--base", default="gemma-3-270m", show_default=True, help="Base model: registry name or hub id.")
@click.option("--steps", type=click.IntRange(min=1), default=8, show_default=True, help="QLoRA steps.")
@click.option("--data", type=click.Path(path_type=Path), default=DATA, help="Training data folder.")
@click.option("--out", type=click.Path(path_type=Path), help="Keep the adapter here (default: a temporary folder).")
@click.option("--attention", type=click.Choice(["flash_attention_2", "sdpa"]), default="flash_attention_2",
              show_default=True, help="Attention to require; sdpa checks the rest where flash-attn is absent.")
def cli(base: str, steps: int, data: Path, out: Path | None, attention: str) -> int:
    """4-bit NF4 QLoRA + bf16 + FlashAttention 2 (or --attention sdpa) on CUDA, export, 4-bit inference,
    and the same answers on CUDA and CPU; exit 0 without CUDA."""
    why = cuda_state()
    if why is not None:
        say(f"{why}: the GPU path cannot be checked on this machine; nothing to do.")
        return 0
    import torch

    say(f"device: {torch.cuda.get_device_name(0)}, torch {torch.__version__}, CUDA {torch.version.cuda}")
    if not torch.cuda.is_bf16_supported():
        return fail("this GPU has no bfloat16 support")
    needed = [("bitsandbytes", "pip install bitsandbytes")]
    if attention == "flash_attention_2":
        needed.append(("flash_attn", "pip install flash-attn, or --attention sdpa to check the rest"))
    for module, hint in needed:
        try:
            __import__(module)
        except ImportError:
            return fail(f"{module} is not importable ({hint})")

    problem = check_load(base, attention)
    if problem:
        return fail(problem)

    from swclint.chunk import Chunk
    from swclint.llm.backends import HFBackend
    from swclint.llm.prompt import LABELS, build_prompt
    from trainer.config import TrainConfig
    from trainer.export import export
    from trainer.train import train

    with tempfile.TemporaryDirectory(prefix="swclint-gpu-check-") as tmp:
        work = Path(tmp)
        run_dir = work / "run"
        cfg = TrainConfig(base=base, quant="4bit", device="cuda", max_steps=steps, batch_size=4,
                          save_every=0, log_every=1)
        started = time.perf_counter()
        summary = train(cfg, data, run_dir, progress=False)
        say(f"QLoRA: {summary['steps']} steps, {summary['tokens']} tokens in {summary['train_seconds']} s "
            f"({summary['tokens_per_s']} tok/s), final loss {summary['final_loss']}, quant {summary['quant']}, "
            f"{summary['hardware']}")
        if summary["quant"] != "4bit" or summary["steps"] < 1:
            return fail(f"training ran with quant={summary['quant']} for {summary['steps']} steps")
        out = out or (work / "exported")
        export(run_dir, out)
        say(f"exported adapter to {out} in {time.perf_counter() - started:.1f} s since training started")

        backend = HFBackend(out)
        model = backend.model
        loaded_4bit = getattr(model, "is_loaded_in_4bit", False) or getattr(
            getattr(model, "base_model", None), "is_loaded_in_4bit", False)
        if not loaded_4bit:
            return fail("the hf backend did not load the adapter's base in 4-bit")
        chunk = Chunk(source="function withdraw() public {\n    msg.sender.call.value(balances[msg.sender])();\n"
                             "    balances[msg.sender] = 0;\n}", contract="Bank", function="withdraw",
                      pragma="pragma solidity ^0.4.24;", state_vars=("mapping(address => uint) balances",))
        (probs,) = backend.classify([build_prompt(chunk)])
        if set(probs) != set(LABELS) or abs(sum(probs.values()) - 1) > 1e-3:
            return fail(f"the hf backend returned unusable probabilities: {probs}")
        say("hf backend (4-bit) on the exported adapter: " + json.dumps({k: round(v, 3) for k, v in probs.items()}))
        problem = check_devices_agree(base, out, data)
        if problem:
            return fail(problem)
    say(f"OK: 4-bit NF4 QLoRA with bf16 and {attention}, export, 4-bit hf inference, and the same answers "
        "on CUDA and CPU")
    if attention != "flash_attention_2":
        say("FlashAttention 2 was NOT checked (run without --attention sdpa where flash-attn is installed)")
    return 0


def main(argv: list[str] | None = None) -> int:
    from swclint.cliutil import run_click

    return run_click(cli, argv, "python scripts/gpu_check.py")


if __name__ == "__main__":
    sys.exit(main())
