"""`make gpu-check` (scripts/gpu_check.py): without CUDA it says so and exits 0; on a GPU that lacks
a required piece it names it and exits 1."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "gpu_check.py"


def load_script():
    spec = importlib.util.spec_from_file_location("gpu_check", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_without_cuda_it_says_so_and_exits_0():
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA: `make gpu-check` runs the real check")
    proc = subprocess.run([sys.executable, str(SCRIPT)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("gpu-check: no CUDA device (torch ")
    assert "cannot be checked on this machine" in proc.stdout and "Traceback" not in proc.stderr


def gpu_without_flash_attention(monkeypatch):
    """The script, on a pretend bf16 GPU that has bitsandbytes but no flash_attn."""
    torch = pytest.importorskip("torch")
    gpu_check = load_script()
    monkeypatch.setattr(gpu_check, "cuda_state", lambda: None)
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda *_: "Fake GPU")
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *_: True)
    real_import = __import__
    monkeypatch.setattr("builtins.__import__", lambda name, *a, **k: (_ for _ in ()).throw(ImportError(name))
                        if name == "flash_attn" else real_import(name, *a, **k))
    monkeypatch.setitem(sys.modules, "bitsandbytes", type(sys)("bitsandbytes"))
    return gpu_check


def test_a_gpu_without_flash_attention_fails_with_the_install_hint(monkeypatch, capsys):
    gpu_check = gpu_without_flash_attention(monkeypatch)
    assert gpu_check.main([]) == 1
    out = capsys.readouterr().out
    assert "FAILED: flash_attn is not importable (pip install flash-attn, or --attention sdpa" in out


def test_attention_sdpa_checks_the_rest_without_flash_attention(monkeypatch, capsys):
    gpu_check = gpu_without_flash_attention(monkeypatch)
    required = []
    monkeypatch.setattr(gpu_check, "check_load", lambda base, attention: required.append(attention) or "stop here")
    assert gpu_check.main(["--attention", "sdpa"]) == 1
    assert required == ["sdpa"]
    out = capsys.readouterr().out
    assert "flash_attn" not in out and "FAILED: stop here" in out


def test_a_gpu_without_bf16_fails(monkeypatch, capsys):
    torch = pytest.importorskip("torch")
    gpu_check = load_script()
    monkeypatch.setattr(gpu_check, "cuda_state", lambda: None)
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda *_: "Old GPU")
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *_: False)
    assert gpu_check.main([]) == 1
    assert "no bfloat16 support" in capsys.readouterr().out


def test_compare_answers_reports_the_largest_gap_and_the_shared_top_labels():
    gpu_check = load_script()
    a = [{"none": 0.9, "SWC-107": 0.1}, {"none": 0.2, "SWC-107": 0.8}]
    b = [{"none": 0.85, "SWC-107": 0.15}, {"none": 0.7, "SWC-107": 0.3}]
    gap, same = gpu_check.compare_answers(a, b)
    assert abs(gap - 0.5) < 1e-9 and same == 1


def test_an_adapter_that_answers_differently_on_cuda_and_cpu_fails(monkeypatch):
    pytest.importorskip("torch")
    gpu_check = load_script()
    import swclint.llm.models as models
    import swclint.llm.scoring as scoring

    class Fake:
        def __init__(self, device):
            self.device, self.dtype = device, "bf16"

    monkeypatch.setattr(models, "load_for_inference", lambda base, adapter, device: (Fake(device), None))
    answers = {"cuda": {"none": 0.9, "SWC-107": 0.1}, "cpu": {"none": 0.1, "SWC-107": 0.9}}
    monkeypatch.setattr(scoring, "classify", lambda model, tok, prompts: [answers[model.device]] * len(prompts))
    data = Path(__file__).resolve().parent / "fixtures" / "trainer" / "data"
    problem = gpu_check.check_devices_agree("gemma-3-270m", Path("adapter"), data)
    assert problem and "answers differently on CUDA and on CPU" in problem and "0.800" in problem
    answers["cpu"] = {"none": 0.85, "SWC-107": 0.15}
    assert gpu_check.check_devices_agree("gemma-3-270m", Path("adapter"), data) is None
