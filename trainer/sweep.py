"""Train + evaluate every combination of base x quantization x LoRA rank; tabulate and chart."""

from __future__ import annotations

import itertools
import json
import logging
from dataclasses import replace
from pathlib import Path
from typing import Any

from trainer.config import TrainConfig
from trainer.evaluate import evaluate
from trainer.train import train

log = logging.getLogger(__name__)


def run_name(base: str, quant: str, r: int) -> str:
    return f"{Path(base).name}-{quant}-r{r}"


def sweep(
    cfg: TrainConfig,
    data_dir: str | Path,
    out: str | Path,
    *,
    bases: list[str],
    quants: list[str],
    ranks: list[int],
    split: str = "test",
    progress: bool = True,
) -> list[dict[str, Any]]:
    """One run directory per grid point under `out`; returns and writes the result rows."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rows: list[dict[str, Any]] = []
    for base, quant, r in itertools.product(bases, quants, ranks):
        name = run_name(base, quant, r)
        run_dir = out / name
        log.info("sweep: %s", name)
        run_cfg = replace(cfg, base=base, quant=quant, r=r, alpha=2 * r)
        summary = train(run_cfg, data_dir, run_dir, progress=progress)
        metrics = evaluate(
            run_dir, data_dir, split, base=base, quant=quant, device=cfg.device, batch_size=cfg.batch_size
        )
        rows.append(
            {
                "run": name,
                "base": base,
                "quant": quant,
                "r": r,
                "macro_f1": metrics["adapter"]["macro_f1"],
                "base_macro_f1": metrics["base"]["macro_f1"],
                "reference_macro_f1": metrics["reference"]["macro_f1"],
                "final_loss": summary["final_loss"],
                "train_seconds": summary["train_seconds"],
                "tokens_per_s": summary["tokens_per_s"],
                "trainable_params": summary["trainable_params"],
            }
        )
        write_results(rows, out)  # after every run, so a long sweep that dies keeps what it measured
    return rows


def write_results(rows: list[dict[str, Any]], out: Path) -> None:
    (out / "sweep.json").write_text(json.dumps(rows, indent=2) + "\n")
    cols = [
        "run",
        "macro_f1",
        "base_macro_f1",
        "reference_macro_f1",
        "final_loss",
        "train_seconds",
        "tokens_per_s",
        "trainable_params",
    ]
    lines = ["# Sweep", "", "| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in rows:
        lines.append(
            "| "
            + " | ".join(f"{row[c]:.3f}" if isinstance(row[c], float) else str(row[c]) for c in cols)
            + " |"
        )
    (out / "sweep.md").write_text("\n".join(lines) + "\n")
    chart(rows, out / "sweep.png")


def chart(rows: list[dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(max(6, len(rows) * 0.9), 4))
    x = range(len(rows))
    ax.bar([i - 0.2 for i in x], [r["macro_f1"] for r in rows], 0.4, label="adapter macro-F1")
    ax.bar([i + 0.2 for i in x], [r["reference_macro_f1"] for r in rows], 0.4, label="TF-IDF reference")
    ax.set_xticks(list(x), [r["run"] for r in rows], rotation=30, ha="right")
    ax.set_ylim(0, 1)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
