"""Copy a trained adapter into a clean directory that plain PEFT loads, with a model card."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from swclint.llm.models import (
    ADAPTER_FILES,
    BASE_MODELS,
    CALIBRATION_FILE,
    ModelError,
    adapter_hash,
    check_adapter_dir,
)
from trainer.card import render_card
from trainer.data import data_card_hash
from trainer.train import META_FILE, parent_meta

CARRIED = (*ADAPTER_FILES, CALIBRATION_FILE, "metrics.json", "metrics.md", "metrics.png", META_FILE)


def export(adapter: str | Path, out: str | Path, data_dir: str | Path | None = None) -> Path:
    """Write adapter (safetensors only), calibration, metrics and README.md model card into `out`."""
    src = check_adapter_dir(adapter)
    out = Path(out)
    if out.resolve() == src.resolve():
        raise ModelError(f"{out}: export target must differ from the adapter directory")
    cfg = json.loads((src / "adapter_config.json").read_text())
    if cfg.get("peft_type") != "LORA":
        raise ModelError(
            f"{src}: adapter_config.json is not a LoRA adapter (peft_type {cfg.get('peft_type')})"
        )
    meta: dict[str, Any] = json.loads((src / META_FILE).read_text()) if (src / META_FILE).is_file() else {}
    init = (meta.get("config") or {}).get("init_adapter")
    if init and "parent" not in meta:  # trained before runs recorded their parent
        meta["parent"] = parent_meta(init)
    if data_dir is not None:
        meta["data_card_sha256"] = data_card_hash(data_dir)
    metrics = json.loads((src / "metrics.json").read_text()) if (src / "metrics.json").is_file() else None
    out.mkdir(parents=True, exist_ok=True)
    for name in CARRIED:
        if (src / name).is_file():
            shutil.copy2(src / name, out / name)
    base = meta.get("base") or cfg.get("base_model_name_or_path")
    if base in BASE_MODELS:
        # PEFT records the local path it loaded; the registry name loads on any machine.
        cfg["base_model_name_or_path"] = base
        (out / "adapter_config.json").write_text(json.dumps(cfg, indent=2, sort_keys=True) + "\n")
    meta.pop("base_path", None)  # a path on the training machine, meaningless elsewhere
    if meta:
        (out / META_FILE).write_text(json.dumps(meta, indent=2) + "\n")
    (out / "README.md").write_text(render_card(meta, metrics, adapter_hash(out)))
    return out
