"""`swclint-train` end to end on the tiny model: train, eval, export, sweep; errors as one line."""

import hashlib
import json
from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("peft")

from swclint.llm.prompt import LABELS, format_answer  # noqa: E402
from trainer.cli import main  # noqa: E402
from trainer.data import read_split  # noqa: E402
from trainer.tiny import build_tiny_base  # noqa: E402

DATA = Path(__file__).parent / "fixtures" / "trainer" / "data"
FAST = ["--max-steps", "3", "--batch-size", "4", "--save-every", "0", "--lr", "0.01"]


@pytest.fixture(scope="module")
def tiny_base(tmp_path_factory) -> Path:
    records, _ = read_split(DATA, "train")
    texts = [r.prompt + format_answer([r.label], r.fix) for r in records]
    return build_tiny_base(tmp_path_factory.mktemp("tiny") / "base", texts)


@pytest.fixture(scope="module")
def trained(tiny_base, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("run") / "adapter"
    assert main(["-q", "train", "--base", str(tiny_base), "--data", str(DATA), "--out", str(out), *FAST]) == 0
    return out


def test_train_writes_adapter_log_meta_and_calibration(trained):
    for name in (
        "adapter_model.safetensors",
        "adapter_config.json",
        "train_log.jsonl",
        "train_meta.json",
        "calibration.json",
    ):
        assert (trained / name).is_file(), name
    meta = json.loads((trained / "train_meta.json").read_text())
    assert meta["steps"] == 3 and meta["config"]["r"] == 8 and meta["config"]["alpha"] == 16
    assert meta["config"]["targets"] == ["q_proj", "v_proj"] and meta["quant"] == "none"
    calibration = json.loads((trained / "calibration.json").read_text())
    assert list(calibration["bias"]) == list(LABELS) and calibration == meta["calibration"]


def test_calibrate_refits_an_adapter_in_place(trained, tiny_base, tmp_path, capsys):
    import shutil

    copy = tmp_path / "adapter"
    shutil.copytree(trained, copy)
    (copy / "calibration.json").write_text('{"temperature": 1.0}')  # an adapter calibrated before biases
    assert main(["-q", "calibrate", "--adapter", str(copy), "--data", str(DATA), "--base", str(tiny_base)]) == 0
    fitted = json.loads((copy / "calibration.json").read_text())
    assert fitted["n"] > 0 and list(fitted["bias"]) == list(LABELS)
    assert fitted["nll_after"] <= fitted["nll_before"] + 1e-6
    assert json.loads((copy / "train_meta.json").read_text())["calibration"] == fitted
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["temperature"] == fitted["temperature"]


def test_eval_reports_adapter_base_and_reference_side_by_side(trained, capsys):
    assert main(["-q", "eval", "--adapter", str(trained), "--data", str(DATA)]) == 0
    metrics = json.loads((trained / "metrics.json").read_text())
    for system in ("adapter", "base", "reference"):
        assert set(LABELS) <= set(metrics[system]) and 0 <= metrics[system]["macro_f1"] <= 1
        assert sum(metrics[system][lab]["support"] for lab in LABELS) == 6
        assert sum(map(sum, metrics["confusion"][system]["matrix"])) == 6
    assert metrics["reference"]["macro_f1"] == 1.0  # the fixture classes differ by keywords
    from swclint.llm.models import cpu_inference_dtype

    assert metrics["dtype"] == cpu_inference_dtype()  # scored the way the linter scores on this CPU
    assert (trained / "metrics.png").read_bytes()[:4] == b"\x89PNG"
    assert "macro-F1" in (trained / "metrics.md").read_text()
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["reference"] == 1.0


def test_export_is_plain_peft_with_a_model_card(trained, tiny_base, tmp_path):
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    out = tmp_path / "export"
    assert main(["-q", "export", "--adapter", str(trained), "--out", str(out), "--data", str(DATA)]) == 0
    assert not list(out.glob("*.bin")) and (out / "adapter_model.safetensors").is_file()
    card = (out / "README.md").read_text()
    assert hashlib.sha256(b"CARD.md\0" + (DATA / "CARD.md").read_bytes()).hexdigest() in card
    assert "Gemma Terms of Use" in card and "tokens/s" in card and "macro-F1" in card
    PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(tiny_base), out)


def test_sweep_runs_the_grid_and_tabulates(tiny_base, tmp_path):
    out = tmp_path / "sweep"
    rc = main(
        [
            "-q",
            "sweep",
            "--r",
            "2,4",
            "--quant",
            "none",
            "--base",
            str(tiny_base),
            "--data",
            str(DATA),
            "--out",
            str(out),
            *FAST,
        ]
    )
    assert rc == 0
    rows = json.loads((out / "sweep.json").read_text())
    assert [(r["r"], r["quant"]) for r in rows] == [(2, "none"), (4, "none")]
    assert (out / "sweep.md").read_text().count("| base-none-r") == 2
    assert (out / "sweep.png").is_file()
    assert json.loads((out / "base-none-r4" / "adapter_config.json").read_text())["r"] == 4


def test_errors_are_one_line_without_traceback(tmp_path, capsys):
    assert (
        main(["-q", "train", "--base", "gemma-9000", "--data", str(DATA), "--out", str(tmp_path / "x")]) == 2
    )
    err = capsys.readouterr().err.strip()
    assert err.startswith("swclint-train: error:") and "gemma-9000" in err and "\n" not in err
    assert main(["-q", "eval", "--adapter", str(tmp_path), "--data", str(DATA)]) == 2
    assert "not a PEFT adapter" in capsys.readouterr().err
    (tmp_path / "train.jsonl").write_text("not json\n")
    assert main(["-q", "train", "--data", str(tmp_path), "--out", str(tmp_path / "y")]) == 2
    assert "train.jsonl:1: not valid JSON" in capsys.readouterr().err
