"""`bench detect --format cgt --llm`: static alone and static + model scored in one run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import bench.cgt as cgt
import bench.detect as detect
from bench.__main__ import main
from swclint.findings import Evidence, Finding, Location, RunResult

CGT_MINI = Path(__file__).parent / "fixtures" / "cgt_mini"


def test_llm_adds_the_model_tool_next_to_the_static_ones(monkeypatch, capsys):
    ran: list[tuple[str, ...]] = []

    def fake_run(files, tools, jobs=1, save=None):
        ran.append(tools)
        return [cgt.FileResult(f, {t: cgt.ToolResult(2.0 if t == detect.MODEL_TOOL else 1.0, True,
                                                     {("SWC-107", "Bank")} if t == "swclint" else set())
                                   for t in tools}) for f in files]

    monkeypatch.setattr(cgt, "run_files", fake_run)
    args = ["detect", "--corpus", str(CGT_MINI), "--format", "cgt", "--split", "dev", "--json"]
    assert main([*args, "--tools", "swclint", "--llm"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert ran == [("swclint", "swclint+llm")]
    assert out["model_time_ratio"] == 2.0
    assert out["tools"]["swclint"]["swc"]["SWC-107"]["tp"] == 1
    assert out["tools"]["swclint+llm"]["swc"]["SWC-107"]["fn"] == 2  # Bank and Vault (DatasetA)
    assert main([*args, "--tools", "swclint+llm"]) == 0 and ran[-1] == ("swclint+llm",)


def _finding(swc: str, severity: str, line: int, triage: str = "") -> Finding:
    return Finding(swc, "t", severity, 0.5, Location(CGT_MINI_BANK.name, line, line), "m", contract="Payer",
                   function="withdraw", evidence=[Evidence("slither:x", 0.5)], triage=triage)


CGT_MINI_BANK = (CGT_MINI / "sources" / "0a1b2c3d4e5f60718293a4b5c6d7e8f9.sol").resolve()


def test_a_finding_the_model_doubts_is_a_note_not_a_flag(monkeypatch):
    result = RunResult(root=str(CGT_MINI_BANK.parent), files=[CGT_MINI_BANK.name],
                       sources={CGT_MINI_BANK.name: CGT_MINI_BANK.read_text()},
                       findings=[_finding("SWC-107", "info", 8, "doubted"), _finding("SWC-101", "high", 24)])
    monkeypatch.setattr(detect, "static_run", lambda tool, file: (result, 1.0, None))
    out = cgt.run_tool(detect.MODEL_TOOL, CGT_MINI_BANK)
    assert out.hits == {("SWC-101", "Token")} and out.notes == {("SWC-107", "Payer")}


def test_without_a_model_the_model_tool_fails_each_file_in_one_line(monkeypatch):
    monkeypatch.setattr(detect, "_model_stage", lambda: (None, "model: off (no adapter at /nowhere)"))
    result, _, error = detect.static_run(detect.MODEL_TOOL, CGT_MINI_BANK)
    assert result is None and error == f"{CGT_MINI_BANK}: swclint+llm: model: off (no adapter at /nowhere)"


@pytest.mark.e2e
@pytest.mark.model
def test_static_and_static_plus_model_in_one_real_run(capsys):
    """Real solc, Slither and the shipped adapter in one run. The shipped adapter declares no doubt
    threshold (llm/triage.py), so static + model flags what static alone flags, Token.buy's overflow
    that CGT-style labels call clean included; the re-entrant Bank stays flagged by both."""
    pytest.importorskip("peft")
    args = ["detect", "--corpus", str(CGT_MINI), "--format", "cgt", "--split", "dev", "--json",
            "--tools", "swclint", "--llm"]
    assert main(args) == 0
    out = json.loads(capsys.readouterr().out)
    static, model = out["tools"]["swclint"], out["tools"]["swclint+llm"]
    assert static["files_analysed"] == model["files_analysed"] == 2 and model["errors"] == 0
    assert static["swc"]["SWC-101"]["fp"] == model["swc"]["SWC-101"]["fp"] == 1
    assert static["swc"]["SWC-101"]["tn"] == model["swc"]["SWC-101"]["tn"] == 1
    assert static["swc"]["SWC-107"]["tp"] == model["swc"]["SWC-107"]["tp"] == 2
    assert out["model_time_ratio"] > 0


def test_the_sweep_scores_each_doubt_threshold_on_the_same_findings():
    from bench.corpus import read_cgt
    from bench.triage_sweep import FileFlags, Flag, format_sweep, sweep

    labels = read_cgt(CGT_MINI, "dev")
    vault = (CGT_MINI / "sources" / "1f2e3d4c5b6a79808172635445362718.sol").resolve()
    files = [FileFlags(CGT_MINI_BANK, True, [Flag("SWC-107", "Payer", 0.9), Flag("SWC-101", "Token", 0.03)]),
             FileFlags(vault, True, [Flag("SWC-107", "Vault", 0.05), Flag("SWC-116", "Vault", None)])]
    out = sweep(labels, files, thresholds=(0.01, 0.05))
    none, low, high = out["rows"]
    assert none["threshold"] is None and none["doubted"] == 0
    assert none["f1"]["SWC-101"] == 0.0 and none["f1"]["SWC-107"] == 0.8  # Token's overflow is a false alarm
    assert low["doubted"] == 0 and low["f1"] == none["f1"]
    # at 0.05 the model's doubt removes Token's false overflow and Vault's contested reentrancy
    assert high["doubted"] == 2 and high["f1"]["SWC-101"] is None and high["f1"]["SWC-107"] == 0.667
    assert out["findings_with_p"] == 3 and "p<=0.05" in format_sweep(out)
    # Payer's confirmed reentrancy counts for Bank (which inherits it, labelled vulnerable); Vault is contested
    conf = out["confirmations"]
    assert conf["SWC-107"]["confirmed"] == {"weakness": 1, "negative": 0, "contested": 0, "unlabelled": 0}
    assert conf["SWC-107"]["all"] == {"weakness": 1, "negative": 0, "contested": 1, "unlabelled": 0}
    assert conf["SWC-101"]["all"]["negative"] == 1 and "SWC-116" not in conf
    assert "confirmed by the model (p >= 0.8)" in format_sweep(out)


@pytest.mark.e2e
@pytest.mark.model
def test_the_sweep_runs_the_real_static_stage_and_model(capsys):
    from bench.triage_sweep import main as sweep_main

    pytest.importorskip("peft")
    assert sweep_main(["--corpus", str(CGT_MINI), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    # Payer.withdraw, Token.buy, Token.transfer (buy's wrapping price lets a balance grow unbounded), Vault.redeem
    assert out["files"] == 2 and out["findings_with_p"] == 4
    assert out["command"].startswith("python -m bench.triage_sweep --corpus")
    static = out["rows"][0]
    assert static["threshold"] is None and static["f1"]["SWC-101"] == 0.0


def test_precision_counts_the_model_as_a_check_only_where_it_claims_the_finding():
    from bench.precision_collect import _checks

    def props(*sources: str, triage: str = "") -> dict:
        return {"evidence": [{"source": s} for s in sources], "triage": triage}

    assert _checks(props("slither:reentrancy-eth", "llm:gemma-3-270m", triage="doubted")) == ["slither:reentrancy-eth"]
    assert _checks(props("slither:reentrancy-eth", "llm:gemma-3-270m")) == ["slither:reentrancy-eth"]
    assert _checks(props("slither:reentrancy-eth", "llm:gemma-3-270m", triage="confirmed")) == [
        "llm:gemma-3-270m", "slither:reentrancy-eth"]
    assert _checks(props("llm:gemma-3-270m")) == ["llm:gemma-3-270m"]


def test_model_card_carries_the_cgt_numbers_of_a_run(monkeypatch, capsys, tmp_path):
    """`bench.model_card_cgt` copies a scored run's static and static+model numbers into the card."""
    import shutil

    from bench.model_card_cgt import main as card_main

    def fake_run(files, tools, jobs=1, save=None):  # swclint flags Bank; with the model it is doubted
        return [cgt.FileResult(f, {t: cgt.ToolResult(3.0 if t == detect.MODEL_TOOL else 1.0, True,
                                                     {("SWC-107", "Bank")} if t == "swclint" else set())
                                   for t in tools}) for f in files]

    monkeypatch.setattr(cgt, "run_files", fake_run)
    assert main(["detect", "--corpus", str(CGT_MINI), "--format", "cgt", "--split", "dev", "--json",
                 "--tools", "swclint", "--llm"]) == 0
    result = tmp_path / "run.json"
    result.write_text(capsys.readouterr().out)
    scored = json.loads(result.read_text())["tools"]
    adapter = tmp_path / "adapter"
    shutil.copytree(Path(__file__).parents[1] / "swclint" / "adapters" / "default", adapter)

    assert card_main(["--result", str(result), "--command", "bench detect X", "--split", "dev",
                      "--adapter", str(adapter)]) == 0
    entry = json.loads((adapter / "metrics.json").read_text())["cgt"]
    static_f1 = scored["swclint"]["swc"]["SWC-107"]["f1"]
    assert entry["classes"]["SWC-107"]["static"]["f1"] == static_f1 > 0
    assert entry["classes"]["SWC-107"]["with_model"]["f1"] == scored["swclint+llm"]["swc"]["SWC-107"]["f1"]
    assert entry["time_ratio"] == 3.0 and entry["command"] == "bench detect X"
    assert entry["doubt_at"] is None and "never demotes" in (adapter / "README.md").read_text()
    card = (adapter / "README.md").read_text()
    assert "## In the linter, on real code" in card and "`bench detect X`" in card
    assert "| SWC-107 | " in card and f"{static_f1:.3f}" in card
    assert "Gemma Terms of Use" in card  # the rest of the card is still rendered

    static_only = tmp_path / "static.json"
    static_only.write_text(json.dumps({"tools": {"swclint": scored["swclint"]}}))
    assert card_main(["--result", str(static_only), "--command", "x", "--adapter", str(adapter)]) == 2
    err = capsys.readouterr().err
    assert "static.json" in err and "swclint+llm" in err and "Traceback" not in err


def test_held_out_of_leaves_out_the_files_an_adapter_was_trained_on(tmp_path, monkeypatch, capsys):
    import bench.triage_sweep as ts

    data = tmp_path / "data"
    data.mkdir()
    vault = "1f2e3d4c5b6a79808172635445362718.sol"
    (data / "train.jsonl").write_text(json.dumps({"group": f"cgt:sources/{vault}"}) + "\n"
                                      + json.dumps({"group": "seed:x"}) + "\n")
    assert ts.trained_files(data) == {vault}
    seen: list[str] = []
    monkeypatch.setattr(ts, "model_probability", lambda adapter=None: lambda chunk: None)
    monkeypatch.setattr(ts, "collect", lambda f, p: seen.append(f.name) or ts.FileFlags(f, True))
    assert ts.main(["--corpus", str(CGT_MINI), "--held-out-of", str(data), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert vault not in seen and seen and out["files"] == len(seen) and out["trained_files_left_out"] == 1
    (data / "train.jsonl").unlink()
    assert ts.main(["--corpus", str(CGT_MINI), "--held-out-of", str(data)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no train split here" in err[0]


def test_the_sweep_picks_each_class_threshold_on_its_own():
    from bench.corpus import read_cgt
    from bench.triage_sweep import FileFlags, Flag, format_sweep, sweep

    labels = read_cgt(CGT_MINI, "dev")
    # Bank's reentrancy is real (p 0.04), Token's is a false alarm (p 0.02)
    files = [FileFlags(CGT_MINI_BANK, True, [Flag("SWC-107", "Bank", 0.04), Flag("SWC-107", "Token", 0.02)])]
    out = sweep(labels, files, thresholds=(0.02, 0.05))
    static, at02, at05, per_class = out["rows"]
    assert static["f1"]["SWC-107"] == 0.667 and at02["f1"]["SWC-107"] == 1.0 and at05["f1"]["SWC-107"] == 0.0
    assert out["per_class"] == {"SWC-107": 0.02}
    assert per_class["threshold"] == {"SWC-107": 0.02} and per_class["f1"]["SWC-107"] == 1.0
    assert "per class: SWC-107 p<=0.02" in format_sweep(out)
    # both findings doubted alike: no threshold helps, and the table says so
    files = [FileFlags(CGT_MINI_BANK, True, [Flag("SWC-107", "Bank", 0.02), Flag("SWC-107", "Token", 0.02)])]
    out = sweep(labels, files, thresholds=(0.02, 0.05))
    assert out["per_class"] == {} and len(out["rows"]) == 3
    assert "per class: no class gains over static alone at any threshold" in format_sweep(out)
