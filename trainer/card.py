"""The model card (README.md) written next to an exported adapter."""

from __future__ import annotations

from typing import Any

from swclint.llm.prompt import LABELS, PROMPT_VERSION

GEMMA_TERMS = (
    "The base model is Gemma, provided under and subject to the Gemma Terms of Use "
    "(https://ai.google.dev/gemma/terms). This adapter is a Model Derivative: using it with the base "
    "model is governed by those terms, including the Gemma Prohibited Use Policy."
)
LLAMA_TERMS = (
    "The base model is a Llama 3.2 derivative, subject to the Llama 3.2 Community License "
    "(https://www.llama.com/llama3_2/license/); this adapter is governed by it too."
)


def _doubt_text(doubt) -> str:
    """The declared threshold(s) in words: one for every class, or one per class."""
    if isinstance(doubt, dict):
        per = ", ".join(f"{swc} p <= {t}" for swc, t in sorted(doubt.items()))
        return f"{per}: a static finding of that class the model doubts that much drops to info; " \
               "other classes are never demoted."
    return f"p <= {doubt}: a static finding the model doubts that much drops to info."


def _f(value: Any, digits: int = 3) -> str:
    return f"{value:.{digits}f}" if isinstance(value, int | float) else "n/a"


def _stages(meta: dict[str, Any]) -> list[dict[str, Any]]:
    """This run and the runs it continued from, oldest first."""
    out, node = [], meta
    while isinstance(node, dict) and len(out) < 20:
        out.append(node)
        node = node.get("parent")
    return out[::-1]


def render_card(meta: dict[str, Any], metrics: dict[str, Any] | None, adapter_sha256: str) -> str:
    """Markdown card: base, data card hash, hyper-parameters, metrics, cost, hardware, licence."""
    cfg = meta.get("config", {})
    base = meta.get("base", "unknown")
    lines = [
        "---",
        "library_name: peft",
        f"base_model: {base}",
        "tags: [solidity, security, swc, lora, swclint]",
        "---",
        "",
        f"# swclint SWC classifier adapter ({base})",
        "",
        "LoRA adapter that classifies a Solidity function chunk (swclint prompt format "
        f"v{meta.get('prompt_version', PROMPT_VERSION)}) into {', '.join(LABELS)} and suggests a fix "
        "for positives. Load it with `PeftModel.from_pretrained(base_model, this_dir)` or "
        "by pointing the swclint linter's LLM backend at this directory.",
        "",
        "## Provenance",
        "",
        f"- base model: `{base}`",
        f"- data card sha256: `{meta.get('data_card_sha256') or 'no data card found'}`",
        f"- adapter sha256: `{adapter_sha256}`",
        f"- training records: {meta.get('train_records', 'n/a')} "
        f"(skipped {meta.get('skipped_records', 0)}, truncated prompts {meta.get('truncated_prompts', 0)})",
        "",
        "## Hyper-parameters",
        "",
        "| parameter | value |",
        "|---|---|",
    ]
    for key in (
        "r",
        "alpha",
        "targets",
        "dropout",
        "layers",
        "epochs",
        "lr",
        "batch_size",
        "grad_accum",
        "max_length",
        "schedule",
        "warmup_ratio",
        "max_steps",
        "fix_weight",
        "verdict_weight",
        "no_fix",
        "balance",
        "seed",
    ):
        value = cfg.get(key)
        lines.append(f"| {key} | {', '.join(value) if isinstance(value, list) else value} |")
    lines.append(f"| quantization | {meta.get('quant', 'n/a')} |")
    temp = (meta.get("calibration") or {}).get("temperature")
    lines.append(f"| classifier temperature (fitted on valid) | {_f(temp)} |")
    bias = (meta.get("calibration") or {}).get("bias")
    if bias:
        lines.append("| label bias (fitted on valid) | " + ", ".join(f"{k} {v:+.2f}" for k, v in bias.items()) + " |")
    lines += [
        "",
        "## Training cost",
        "",
        f"- hardware: {meta.get('hardware', 'n/a')}",
        f"- training time: {_f(meta.get('train_seconds'), 1)} s for {meta.get('steps', 'n/a')} steps",
        f"- throughput: {_f(meta.get('tokens_per_s'), 1)} tokens/s ({meta.get('tokens', 'n/a')} tokens)",
    ]
    stages = _stages(meta)
    if len(stages) > 1:
        lines += [
            "",
            "Trained in stages, each continuing from the one before (`--init-adapter`):",
            "",
            "| stage | data card sha256 | records (after skipping) | steps | tokens | seconds | lr | max_length "
            "| fixes trained | layers |",
            "|---|---|---|---|---|---|---|---|---|---|",
        ]
        for i, st in enumerate(stages, 1):
            c = st.get("config", {})
            lines.append(
                f"| {i} | `{(st.get('data_card_sha256') or 'n/a')[:12]}` | {st.get('train_records', 'n/a')} "
                f"({c.get('skip') or 0}) | {st.get('steps', 'n/a')} | {st.get('tokens', 'n/a')} "
                f"| {_f(st.get('train_seconds'), 1)} | {c.get('lr')} | {c.get('max_length')} "
                f"| {'no' if c.get('no_fix') else 'yes'} | {c.get('layers') or 'all'} |"
            )
        total = sum(st.get("train_seconds") or 0 for st in stages)
        lines.append(f"\nTotal training time: {_f(total, 1)} s.")
    lines += ["", "## Evaluation", ""]
    if metrics:
        systems = [s for s in ("adapter", "base", "reference") if s in metrics]
        lines += [
            f"Split `{metrics.get('split', '?')}`, {metrics.get('records', '?')} records. "
            "`reference` is TF-IDF + logistic regression on the same training split.",
            "",
            "| label | " + " | ".join(f"{s} F1" for s in systems) + " | support |",
            "|" + "---|" * (len(systems) + 2),
        ]
        for lab in LABELS:
            cells = " | ".join(_f(metrics[s][lab]["f1"]) for s in systems)
            lines.append(f"| {lab} | {cells} | {metrics[systems[0]][lab]['support']} |")
        lines.append(
            "| **macro-F1** | " + " | ".join(f"**{_f(metrics[s]['macro_f1'])}**" for s in systems) + " | |"
        )
        ablation = (metrics.get("ablation") or {}).get("adapter_without_label_bias")
        if ablation:
            lines.append(f"\nWithout the label bias (temperature only) the adapter's macro-F1 on this split is "
                         f"{_f(ablation['macro_f1'])}.")
    else:
        lines.append(
            "Not evaluated yet: run `swclint-train eval --adapter DIR --data DATA` before exporting."
        )
    lines += _cgt_section((metrics or {}).get("cgt"))
    lines += ["", "## Licence and terms", "", LLAMA_TERMS if "llama" in base.lower() else GEMMA_TERMS, ""]
    return "\n".join(lines)


def _cgt_section(cgt: dict[str, Any] | None) -> list[str]:
    """What the adapter changes in the linter's report on real labelled code (`bench.model_card_cgt`)."""
    if not cgt:
        return []
    lines = [
        "",
        "## In the linter, on real code",
        "",
        f"Contract-level labels of the CGT corpus, `{cgt['split']}` split ({cgt['files']} files), one run: "
        "swclint's static analysis alone, and static analysis with this adapter as second opinion "
        f"(`--llm-scope {cgt['scope']}`). Command: `{cgt['command']}`.",
        "",
        "| class | static P | static R | static F1 | with model P | with model R | with model F1 |",
        "|---|---|---|---|---|---|---|",
    ]
    for swc, row in cgt["classes"].items():
        s, m = row["static"], row["with_model"]
        lines.append(f"| {swc} | {_f(s['precision'])} | {_f(s['recall'])} | {_f(s['f1'])} "
                     f"| {_f(m['precision'])} | {_f(m['recall'])} | {_f(m['f1'])} |")
    lines.append(f"| **macro-F1** | | | **{_f(cgt['macro_f1']['static'])}** | | | "
                 f"**{_f(cgt['macro_f1']['with_model'])}** |")
    if "doubt_at" in cgt:
        doubt = cgt["doubt_at"]
        lines.append("\nTriage doubt threshold declared in calibration.json: " + (
            _doubt_text(doubt) if doubt is not None
            else "none, so the model confirms findings (p >= 0.8 raises confidence) but never demotes one; "
                 "flags, and so these scores, change only through demotions."))
    if cgt.get("time_ratio") is not None:
        lines.append(f"\nWall time with the model / static alone, same run: {_f(cgt['time_ratio'], 2)}.")
    return lines
