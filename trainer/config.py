"""Training hyper-parameters with the published QLoRA seed defaults; the CLI maps flags onto them."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

BALANCE_CHOICES = ("none", "weights", "sample")
SCHEDULE_CHOICES = ("cosine", "linear")


@dataclass
class TrainConfig:
    base: str = "gemma-3-270m"
    # LoRA (init_adapter: continue from an exported adapter; its r/alpha/targets/layers win)
    init_adapter: str | None = None
    r: int = 8
    alpha: int = 16
    targets: tuple[str, ...] = ("q_proj", "v_proj")
    dropout: float = 0.1
    layers: int | None = None  # adapt only the upper N decoder layers (and run the rest without grad)
    # quantization: None = 4bit on CUDA, none on CPU
    quant: str | None = None
    # optimisation
    epochs: float = 1.0
    lr: float = 2e-4
    weight_decay: float = 0.0
    batch_size: int = 8
    grad_accum: int = 1
    max_length: int = 512
    warmup_ratio: float = 0.03
    schedule: str = "cosine"
    max_grad_norm: float = 1.0
    max_steps: int | None = None
    seed: int = 42
    # data
    limit: int | None = None
    skip: int = 0  # leading training records to pass over (a later stage on records not yet seen)
    fix_weight: float = 0.5  # weight of fix tokens relative to verdict tokens
    verdict_weight: float = 8.0  # weight of the scored first verdict token (the rest of the answer: 1)
    no_fix: bool = False  # verdict only: shortest answers, fastest
    balance: str = "none"
    # bookkeeping
    save_every: int = 200
    log_every: int = 10
    device: str = "auto"

    def with_adapter_shape(self) -> TrainConfig:
        """This config with r, alpha, targets and layers read from `init_adapter`'s adapter_config.json."""
        import json
        from dataclasses import replace
        from pathlib import Path

        if not self.init_adapter:
            return self
        path = Path(self.init_adapter) / "adapter_config.json"
        try:
            cfg = json.loads(path.read_text(encoding="utf-8"))
            layers = cfg.get("layers_to_transform")
            targets = cfg["target_modules"]  # a list, or one regex string
            return replace(self, r=int(cfg["r"]), alpha=int(cfg["lora_alpha"]),
                           dropout=float(cfg.get("lora_dropout", self.dropout)),
                           targets=(targets,) if isinstance(targets, str) else tuple(sorted(targets)),
                           layers=len(layers) if isinstance(layers, list) else None)
        except FileNotFoundError:
            raise ValueError(f"{path}: no adapter to continue from (--init-adapter)") from None
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}: not a LoRA adapter config ({exc})") from None

    def resolved_quant(self, device: str) -> str:
        if self.quant is not None:
            return self.quant
        return "4bit" if device.startswith("cuda") else "none"

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["targets"] = list(self.targets)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        if "targets" in known:
            known["targets"] = tuple(known["targets"])
        return cls(**known)
