"""Measured precision: the data file drives confidences, SARIF `precision` and levels; nothing hand-typed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from swclint import precision
from swclint.findings import Evidence, Finding, Location, RunResult
from swclint.precision import (
    ERROR_PRECISION,
    MIN_JUDGED,
    NOTE_PRECISION,
    UNMEASURED_CONFIDENCE,
    CheckPrecision,
    PrecisionData,
    PrecisionDataError,
    load_from,
)
from swclint.report.sarif import to_sarif

REPO = Path(__file__).resolve().parent.parent


def data(**rows: tuple[int, int]) -> PrecisionData:
    """Checks named `tool__check` with (tp, findings), every finding judged, SWC-101 for all."""
    checks = {name.replace("__", ":").replace("_", "-"): CheckPrecision(
        name.replace("__", ":").replace("_", "-"), "SWC-101", n, n, tp) for name, (tp, n) in rows.items()}
    return PrecisionData("test", {}, checks)


def finding(*sources: str, severity: str = "high", llm: float | None = None) -> Finding:
    evidence = [Evidence(s, 0.9) for s in sources]
    if llm is not None:
        evidence.append(Evidence("llm:gemma", llm))
    return Finding("SWC-101", "Integer Overflow and Underflow", severity, 0.9,
                   Location("a.sol", 3, 3), "x", evidence=evidence)


def test_packaged_file_records_how_it_was_made():
    raw = json.loads((REPO / "swclint" / "data" / "precision.json").read_text())
    loaded = precision.load()
    assert loaded.command == raw["command"]
    if raw["checks"]:  # once measured: the command that regenerates it and the corpus it ran on
        assert raw["command"].startswith("python -m bench.precision ")
        assert len(raw["corpus"]["sha256"]) == 64 and raw["corpus"]["split"] == "dev"
        for name, row in raw["checks"].items():
            assert ":" in name and 0 <= row["tp"] <= row["judged"] <= row["findings"]


def test_too_few_judged_findings_stay_unmeasured():
    d = data(swclint__few=(MIN_JUDGED - 1, MIN_JUDGED - 1), swclint__many=(3, MIN_JUDGED))
    unjudged = CheckPrecision("swclint:unjudged", "SWC-101", findings=50, judged=MIN_JUDGED - 1, tp=5)
    assert unjudged.precision is None  # many findings, too few on assessed contracts
    assert d.get("swclint:few").precision is None
    assert precision.check_confidence("swclint:few", d) == UNMEASURED_CONFIDENCE
    assert precision.check_confidence("swclint:unknown", d) == UNMEASURED_CONFIDENCE
    assert precision.check_confidence("swclint:many", d) == round(3 / MIN_JUDGED, 3)
    assert "fewer than" in precision.describe("swclint:few", d)


@pytest.mark.parametrize(("tp", "severity", "expected"), [
    (9, "high", "error"),  # 0.9 >= ERROR_PRECISION
    (3, "high", "warning"),  # between the thresholds
    (1, "high", "note"),  # below NOTE_PRECISION
    (9, "medium", "error"),  # likely real and of medium impact: worth an error
    (3, "medium", "warning"),
    (9, "low", "note"),  # low and info stay notes however precise
    (9, "info", "note"),
])
def test_level_from_measured_precision_gated_by_severity(tp, severity, expected):
    d = data(swclint__x=(tp, 10))
    assert NOTE_PRECISION <= 0.3 < ERROR_PRECISION <= 0.9
    assert precision.level(finding("swclint:x", severity=severity), d) == expected


def test_unmeasured_high_is_a_warning_and_best_measured_check_wins():
    d = data(swclint__bad=(1, 10), swclint__good=(8, 10))
    assert precision.level(finding("swclint:unmeasured"), d) == "warning"
    assert precision.level(finding("swclint:bad", "swclint:good"), d) == "error"
    # the model's own probability is no measured precision: it cannot lift a finding
    assert precision.level(finding("swclint:bad", llm=0.95), d) == "note"
    assert precision.level(finding(llm=0.95), d) == "warning"
    measured_model = PrecisionData("test", {}, {"llm:gemma": CheckPrecision("llm:gemma", "SWC-101", 20, 20, 12)})
    assert precision.level(finding(llm=0.95), measured_model) == "error"


def test_calibrate_replaces_static_confidence_and_keeps_the_model():
    d = data(swclint__x=(2, 10), swclint__y=(5, 10))
    (f,) = precision.calibrate([finding("swclint:x", "swclint:y", llm=0.7)], d)
    assert [e.confidence for e in f.evidence] == [0.2, 0.5, 0.7]
    assert f.confidence == round(1 - 0.8 * 0.5 * 0.3, 4)


def test_sarif_precision_and_levels_come_from_the_data(monkeypatch):
    d = data(swclint__swclint_arithmetic=(1, 20))
    monkeypatch.setattr(precision, "load", lambda: d)
    result = RunResult(root=".", findings=[finding("swclint:swclint-arithmetic")], files=["a.sol"],
                       sources={"a.sol": "a\nb\nc\n"})
    run = to_sarif(result)["runs"][0]
    (rule,) = run["tool"]["driver"]["rules"]
    assert rule["properties"]["precision"] == "low"  # 0.05 measured
    assert rule["defaultConfiguration"]["level"] == "note"
    assert run["results"][0]["level"] == "note"
    monkeypatch.setattr(precision, "load", lambda: data(swclint__swclint_arithmetic=(19, 20)))
    run = to_sarif(result)["runs"][0]
    assert run["tool"]["driver"]["rules"][0]["properties"]["precision"] == "very-high"
    assert run["results"][0].get("level", "warning") == "error"


def test_no_precision_typed_into_detector_classes():
    from swclint.detectors.plugin import DETECTORS

    for cls in DETECTORS:
        assert not any("PRECISION" in name.upper() for name in vars(cls)), cls


def test_bad_data_file_is_one_clear_error(tmp_path):
    bad = tmp_path / "precision.json"
    bad.write_text("{not json")
    with pytest.raises(PrecisionDataError, match="precision.json: invalid JSON"):
        load_from(bad)
    bad.write_text(json.dumps({"command": "x", "corpus": {}, "checks": {"a:b": {"tp": 1}}}))
    with pytest.raises(PrecisionDataError, match="malformed"):
        load_from(bad)


@pytest.mark.e2e
@pytest.mark.skipif(shutil.which("node") is None, reason="solc-js needs node")
def test_pipeline_confidences_come_from_the_data_file(monkeypatch):
    """Real solc + Slither: every static evidence confidence is the data file's value for its check."""
    from swclint.config import Options
    from swclint.pipeline import run

    fixtures = REPO / "tests" / "fixtures" / "stipend"
    measured = PrecisionData("test", {}, {"swclint:swclint-stipend-reentrancy": CheckPrecision(
        "swclint:swclint-stipend-reentrancy", "SWC-107", 40, 40, 13)})
    monkeypatch.setattr(precision, "load", lambda: measured)
    result = run([str(fixtures / "stipend04.sol")], Options(llm=False, jobs=1, cache=False), root=fixtures)
    assert result.findings
    for f in result.findings:
        for e in f.evidence:
            want = 0.325 if e.source == "swclint:swclint-stipend-reentrancy" else UNMEASURED_CONFIDENCE
            assert e.confidence == want, (f.swc_id, e)


def test_bench_scoring_judges_findings_by_contract_lineage(tmp_path):
    """bench.precision: a finding counts for every check in its evidence, judged via the labelled lineage."""
    from bench.corpus import CgtLabel
    from bench.precision import judge_cgt, per_check, per_level

    sol = tmp_path / "a.sol"
    sol.write_text("contract Base {\n  function f() public {}\n}\n"
                   "contract Token is Base {\n  function g() public {}\n}\n"
                   "contract Other {\n  function h() public {}\n}\n")
    labels = [CgtLabel(sol.resolve(), "Token", "Zeus", "SWC-101", True),
              CgtLabel(sol.resolve(), "Other", "Zeus", "SWC-101", False)]

    def hit(line: int, level: str, *checks: str) -> dict:
        return {"swc": "SWC-101", "level": level, "line": line, "end": line, "contract": "", "checks": list(checks)}

    records = [{"file": str(sol), "analysed": True, "findings": [
        hit(2, "error", "swclint:a", "slither:b"),  # in Base, which the positive Token inherits
        hit(8, "error", "swclint:a"),  # in Other: labelled clean
        {**hit(5, "note", "swclint:a"), "swc": "SWC-116"},  # no label for this class: unjudged
    ]}]
    judged = judge_cgt(records, labels)
    assert [v for _, v in judged] == [True, False, None]
    table = per_check(judged, {})
    row = table["swclint:a"]
    assert (row["findings"], row["judged"], row["tp"]) == (3, 2, 1)
    assert (row["precision"], row["precision_judged"]) == (0.333, 0.5)  # unjudged counts as unconfirmed
    assert table["slither:b"]["precision"] == 1.0
    levels = per_level(judged)
    assert levels["error"] == {"findings": 2, "judged": 2, "on_weakness": 1, "fraction": 0.5, "judged_fraction": 0.5}
    assert levels["note"] == {"findings": 1, "judged": 0, "on_weakness": 0, "fraction": 0.0, "judged_fraction": None}


def test_min_confidence_is_a_checked_config_key():
    from swclint.config import ConfigError, Options

    opts = Options()
    opts.update({"min-confidence": 0.4}, ".swclint.toml")
    assert opts.min_confidence == 0.4
    with pytest.raises(ConfigError, match="min-confidence.*between 0 and 1"):
        opts.update({"min-confidence": 1.5}, ".swclint.toml")


@pytest.mark.e2e
@pytest.mark.skipif(shutil.which("node") is None, reason="solc-js needs node")
def test_min_confidence_hides_findings_below_it(monkeypatch):
    """Real run: the stipend check measured at 0.1 disappears at 0.2; unmeasured checks (0.3) stay."""
    from swclint.config import Options
    from swclint.pipeline import run

    fixtures = REPO / "tests" / "fixtures" / "stipend"
    measured = PrecisionData("test", {}, {"swclint:swclint-stipend-reentrancy": CheckPrecision(
        "swclint:swclint-stipend-reentrancy", "SWC-107", 40, 40, 4)})
    monkeypatch.setattr(precision, "load", lambda: measured)

    def swc_ids(threshold: float) -> list[str]:
        opts = Options(llm=False, jobs=1, cache=False, min_confidence=threshold)
        return [f.swc_id for f in run([str(fixtures / "stipend08.sol")], opts, root=fixtures).findings]

    everything = swc_ids(0.0)
    assert "SWC-107" in everything
    kept = swc_ids(0.2)
    assert "SWC-107" not in kept and kept == [s for s in everything if s != "SWC-107"]


def test_cli_rejects_a_min_confidence_outside_0_1():
    from cli_helpers import run_cli

    proc = run_cli("--min-confidence", "1.5", "--no-llm", str(REPO / "tests" / "fixtures" / "stipend" / "stipend08.sol"))
    assert proc.returncode == 2 and "--min-confidence" in proc.stderr and "Traceback" not in proc.stderr
