"""Evaluate an adapter against its base model and the bag-of-words reference, side by side."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from swclint.llm.models import ModelError, check_adapter_dir, load_model
from swclint.llm.prompt import LABELS
from swclint.llm.scoring import label_logits, probabilities
from trainer.data import read_split
from trainer.metrics import compute_metrics, confusion
from trainer.reference import fit_reference, predict_reference
from trainer.train import META_FILE

log = logging.getLogger(__name__)
SYSTEMS = ("adapter", "base", "reference")


def adapter_base(adapter: str | Path) -> str:
    """The base an adapter was trained on: train_meta.json's name, else PEFT's recorded path."""
    adapter = Path(adapter)
    meta = adapter / META_FILE
    if meta.is_file():
        return json.loads(meta.read_text())["base"]
    cfg = json.loads((adapter / "adapter_config.json").read_text())
    if not cfg.get("base_model_name_or_path"):
        raise ModelError(f"{adapter}: adapter does not record its base model; pass --base")
    return cfg["base_model_name_or_path"]


def argmax_labels(probs: list[dict[str, float]]) -> list[str]:
    return [max(LABELS, key=lambda lab, p=p: p[lab]) for p in probs]


def evaluate(
    adapter: str | Path,
    data_dir: str | Path,
    split: str = "test",
    *,
    base: str | None = None,
    out: str | Path | None = None,
    quant: str = "none",
    device: str = "auto",
    batch_size: int = 8,
    limit: int | None = None,
) -> dict[str, Any]:
    """Score `split` with (a) the adapter, (b) the bare base, (c) TF-IDF+LR; write metrics.{json,md,png}."""
    adapter = check_adapter_dir(adapter)
    out = Path(out) if out else adapter
    out.mkdir(parents=True, exist_ok=True)
    records, skipped = read_split(data_dir, split, limit)
    train_records, _ = read_split(data_dir, "train")
    y_true = [r.label for r in records]
    prompts = [r.prompt for r in records]

    model, tokenizer = load_model(base or adapter_base(adapter), adapter, quant=quant, device=device)
    predictions: dict[str, list[str]] = {}
    scores = label_logits(model, tokenizer, prompts, batch_size)
    bias = getattr(model, "swclint_bias", None)
    predictions["adapter"] = argmax_labels(probabilities(scores, model.swclint_temperature, bias))
    without_bias = compute_metrics(y_true, argmax_labels(probabilities(scores, model.swclint_temperature)))
    with model.disable_adapter():  # same weights in memory, LoRA bypassed: the base model exactly
        predictions["base"] = argmax_labels(
            probabilities(label_logits(model, tokenizer, prompts, batch_size))
        )
    ref = fit_reference([r.text for r in train_records], [r.label for r in train_records])
    predictions["reference"] = predict_reference(ref, [r.text for r in records])

    metrics: dict[str, Any] = {name: compute_metrics(y_true, predictions[name]) for name in SYSTEMS}
    metrics["confusion"] = {name: confusion(y_true, predictions[name]) for name in SYSTEMS}
    if bias is not None:  # what the label bias fitted on valid adds on this split
        metrics["ablation"] = {"adapter_without_label_bias": {"macro_f1": without_bias["macro_f1"],
                                                              "accuracy": without_bias["accuracy"]}}
    metrics["split"] = split
    metrics["records"] = len(records)
    metrics["skipped_records"] = skipped
    metrics["dtype"] = str(next(model.parameters()).dtype).removeprefix("torch.")  # bf16 on capable CPUs
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    (out / "metrics.md").write_text(metrics_markdown(metrics))
    bar_chart(metrics, out / "metrics.png")
    return metrics


def metrics_markdown(metrics: dict[str, Any]) -> str:
    head = "| label | " + " | ".join(f"{s} P | {s} R | {s} F1" for s in SYSTEMS) + " | support |"
    lines = [
        f"# Evaluation on `{metrics.get('split', '?')}` ({metrics.get('records', '?')} records)",
        "",
        head,
        "|" + "---|" * (len(SYSTEMS) * 3 + 2),
    ]
    for lab in LABELS:
        cells = []
        for s in SYSTEMS:
            m = metrics[s][lab]
            cells += [f"{m['precision']:.3f}", f"{m['recall']:.3f}", f"{m['f1']:.3f}"]
        lines.append(f"| {lab} | " + " | ".join(cells) + f" | {metrics[SYSTEMS[0]][lab]['support']} |")
    macro = "".join(f" | | **{metrics[s]['macro_f1']:.3f}** |" for s in SYSTEMS)
    lines.append(f"| **macro-F1** |{macro} |")
    lines += ["", "## Confusion (rows true, columns predicted)"]
    for s in SYSTEMS:
        conf = metrics["confusion"][s]
        lines += [
            "",
            f"### {s}",
            "",
            "| true \\ pred | " + " | ".join(conf["labels"]) + " |",
            "|" + "---|" * (len(conf["labels"]) + 1),
        ]
        lines += [
            f"| {lab} | " + " | ".join(str(v) for v in row) + " |"
            for lab, row in zip(conf["labels"], conf["matrix"], strict=True)
        ]
    return "\n".join(lines) + "\n"


def bar_chart(metrics: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [*LABELS, "macro"]
    width = 0.8 / len(SYSTEMS)
    fig, ax = plt.subplots(figsize=(9, 4))
    for k, s in enumerate(SYSTEMS):
        values = [metrics[s][lab]["f1"] for lab in LABELS] + [metrics[s]["macro_f1"]]
        ax.bar([i + k * width for i in range(len(names))], values, width, label=s)
    ax.set_xticks([i + width for i in range(len(names))], names)
    ax.set_ylim(0, 1)
    ax.set_ylabel("F1")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
