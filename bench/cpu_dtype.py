"""`python -m bench.cpu_dtype`: what bf16 inference on a CPU costs and changes, against float32.

The shipped adapter, loaded the way the `hf` backend loads it (`load_for_inference`: LoRA folded
into the base in float32), classifies the same functions once with SWCLINT_CPU_DTYPE=float32 and
once with bfloat16. Reported: load and classification seconds, the largest change of any label's
probability, how often the top label differs, and how many (function, class) verdicts cross the
model-only threshold (0.5) or the triage confirm level.

    python -m bench.cpu_dtype --corpus examples/contracts --corpus ../shared/cgt/sources --limit 96
"""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from pathlib import Path

import click

from swclint.cliutil import HELP, invoked_args, run_click
from swclint.llm.backends import DEFAULT_ADAPTER, read_adapter_base


def prompts_from(corpora: list[Path], limit: int) -> list[str]:
    """Up to `limit` functions, taken round-robin from the corpora so each one is represented."""
    from swclint.analyze.chunks import extract_chunks
    from swclint.llm.prompt import build_prompt

    per_corpus = []
    for corpus in corpora:
        files = sorted(corpus.rglob("*.sol")) if corpus.is_dir() else [corpus]
        prompts = []
        for path in files:
            prompts += [build_prompt(c) for c in extract_chunks(path.read_text(errors="replace"), path.name)
                        if c.kind != "modifier"]
            if len(prompts) >= limit:
                break
        per_corpus.append(prompts)
    out: list[str] = []
    for i in range(limit):
        out += [p[i] for p in per_corpus if i < len(p)]
    return out[:limit]


def measure(prompts: list[str], dtype: str) -> dict:
    from swclint.llm.models import CPU_DTYPE_ENV, load_for_inference
    from swclint.llm.scoring import classify

    os.environ[CPU_DTYPE_ENV] = dtype
    started = time.perf_counter()
    model, tokenizer = load_for_inference(read_adapter_base(DEFAULT_ADAPTER), DEFAULT_ADAPTER, device="cpu")
    load_s = time.perf_counter() - started
    classify(model, tokenizer, prompts[:4])  # first-call kernel setup is not the steady cost
    started = time.perf_counter()
    probs = classify(model, tokenizer, prompts)
    return {"dtype": str(model.dtype), "load_s": round(load_s, 2),
            "classify_s": round(time.perf_counter() - started, 2), "probs": probs}


def compare(a: list[dict[str, float]], b: list[dict[str, float]], confirm_at: float) -> dict:
    labels = list(a[0])
    return {
        "max_abs_dp": round(max(abs(x[k] - y[k]) for x, y in zip(a, b, strict=True) for k in labels), 4),
        "top_label_differs": sum(max(x, key=x.get) != max(y, key=y.get) for x, y in zip(a, b, strict=True)),
        "cross_0.5": sum((x[k] >= 0.5) != (y[k] >= 0.5) for x, y in zip(a, b, strict=True) for k in labels[1:]),
        f"cross_{confirm_at}": sum((x[k] >= confirm_at) != (y[k] >= confirm_at)
                                   for x, y in zip(a, b, strict=True) for k in labels[1:]),
    }


@click.command(context_settings=HELP)
@click.option("--corpus", "corpora", type=click.Path(exists=True, path_type=Path), multiple=True, required=True,
              help="A folder (or file) of Solidity; repeatable.")
@click.option("--limit", type=click.IntRange(min=4), default=96, show_default=True, help="Functions to classify.")
@click.option("--json", "as_json", is_flag=True, help="Print the machine-readable result.")
def cli(corpora: tuple[Path, ...], limit: int, as_json: bool) -> int:
    """float32 against bfloat16 for the shipped adapter on this CPU."""
    from swclint.llm.triage import CONFIRM_AT

    prompts = prompts_from(list(corpora), limit)
    fp32 = measure(prompts, "float32")
    bf16 = measure(prompts, "bfloat16")
    result = {
        "functions": len(prompts),
        "machine": f"{platform.machine()} x{os.cpu_count()} CPUs",
        "float32": {k: v for k, v in fp32.items() if k != "probs"},
        "bfloat16": {k: v for k, v in bf16.items() if k != "probs"},
        "speedup": round(fp32["classify_s"] / max(bf16["classify_s"], 1e-9), 2),
        **compare(fp32["probs"], bf16["probs"], CONFIRM_AT),
        "command": "python -m bench.cpu_dtype " + " ".join(invoked_args()),
    }
    if as_json:
        print(json.dumps(result, indent=2))
    else:
        for key, value in result.items():
            print(f"{key:<20} {value}")
    return 0


def main(argv: list[str] | None = None) -> int:
    return run_click(cli, argv, "python -m bench.cpu_dtype")


if __name__ == "__main__":
    sys.exit(main())
