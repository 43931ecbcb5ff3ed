"""The model as triage of static findings, with a fake backend: demote, promote, unchanged, untouched."""

from __future__ import annotations

import json
import re
from io import StringIO
from pathlib import Path

import pytest
from test_llm_stage import SOURCE, FakeBackend, probs

from swclint import precision
from swclint.config import Options
from swclint.findings import Evidence, Finding, Location, RunResult, merge
from swclint.llm import stage
from swclint.llm.triage import CONFIRM_AT, DOUBT_AT, adapter_doubt_at, triage
from swclint.pipeline import SourceFile
from swclint.report.json_report import to_dict
from swclint.report.sarif import write_sarif
from swclint.report.text import write_text
from swclint.rules import get_rule

# slither:reentrancy-eth measured at 0.1: alone its medium/high findings are SARIF notes
DATA = precision.PrecisionData("test", {}, {
    "slither:reentrancy-eth": precision.CheckPrecision("slither:reentrancy-eth", "SWC-107", 50, 40, 5)})


@pytest.fixture(autouse=True)
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("SWCLINT_CACHE_DIR", str(tmp_path / "cache"))


def static(swc: str = "SWC-107", check: str = "slither:reentrancy-eth", line: int = 6) -> Finding:
    return Finding(swc, "t", "high", 0.6, Location("Bank.sol", line, line), "Reentrancy in Bank.withdraw.",
                   contract="Bank", function="withdraw", evidence=[Evidence(check, 0.6, "d")])


def triaged(answer: object, *found: Finding, opts: Options | None = None) -> list[Finding]:
    """Static findings -> the model stage with a fake backend -> merge -> triage (as pipeline.run)."""
    src = SourceFile(Path("/x/Bank.sol"), "Bank.sol", SOURCE)
    backend = FakeBackend({"function withdraw": answer}, default=probs("none", 0.9))
    opts = opts or Options(llm_scope="all", llm_cache=False)  # each call asks the fake backend afresh
    model, errors, _, _ = stage._stage(lambda: backend)([src], list(found), opts)
    assert errors == []
    return triage(merge([*found, *model]), DOUBT_AT)


def test_a_confident_no_demotes_to_info_keeps_the_finding_and_says_why(tmp_path):
    answer = {**probs("none", 0.95), "SWC-107": 0.03}
    (f,) = triaged(answer, static())
    assert f.swc_id == "SWC-107" and f.triage == "doubted"
    assert f.severity == "info" and f.confidence == 0.03
    assert f.message == "Reentrancy in Bank.withdraw. The model doubts it (p=0.03 for SWC-107); severity high -> info."
    assert [(e.source, e.confidence, e.detail) for e in f.evidence] == [
        ("slither:reentrancy-eth", 0.6, "d"), ("llm:test-model", 0.03, "model probability for SWC-107")]
    assert precision.level(f, DATA) == "note"
    result = RunResult(root=str(tmp_path), findings=[f], sources={"Bank.sol": SOURCE})
    (j,) = to_dict(result)["findings"]
    assert j["triage"] == "doubted" and j["severity"] == "info" and "doubts it" in j["message"]
    sarif = StringIO()
    write_sarif(result, sarif)
    (r,) = json.loads(sarif.getvalue())["runs"][0]["results"]
    assert r["level"] == "note" and r["properties"]["triage"] == "doubted" and "doubts it" in r["message"]["text"]
    assert {e["source"] for e in r["properties"]["evidence"]} == {"slither:reentrancy-eth", "llm:test-model"}
    text = StringIO()
    write_text(result, text)
    assert "doubts it (p=0.03" in re.sub(r"\s+", " ", text.getvalue())


def test_a_confident_yes_raises_confidence_and_level():
    (f,) = triaged(probs("SWC-107", 0.93), static())
    assert f.triage == "confirmed" and f.severity == "high"
    assert f.confidence == pytest.approx(1 - 0.4 * 0.07, abs=1e-4)  # noisy-OR of 0.6 and 0.93
    assert f.message.endswith("The model agrees (p=0.93).")
    assert precision.level(static(), DATA) == "note" and precision.level(f, DATA) == "warning"


@pytest.mark.parametrize("p", [DOUBT_AT + 0.01, 0.45, CONFIRM_AT - 0.01])
def test_between_the_thresholds_nothing_changes_but_the_evidence(p):
    answer = {**probs("none", 0.5), "SWC-107": p}
    (f,) = triaged(answer, static())
    assert (f.severity, f.confidence, f.message, f.triage) == ("high", 0.6, "Reentrancy in Bank.withdraw.", "")
    assert ("llm:test-model", round(p, 4)) in [(e.source, e.confidence) for e in f.evidence]


def test_the_thresholds_themselves_decide():
    assert triaged({**probs("none", 0.5), "SWC-107": DOUBT_AT}, static())[0].triage == "doubted"
    assert triaged({**probs("none", 0.1), "SWC-107": CONFIRM_AT}, static())[0].triage == "confirmed"


def test_classes_the_model_does_not_know_are_untouched():
    timestamp = static("SWC-116", "swclint:swclint-timestamp", line=5)
    found = triaged({**probs("none", 0.99), "SWC-107": 0.002}, static(), timestamp)
    (ts,) = [f for f in found if f.swc_id == "SWC-116"]
    assert ts == timestamp
    assert [f.triage for f in found if f.swc_id == "SWC-107"] == ["doubted"]


@pytest.mark.parametrize("bad", [None, {}, "reentrancy", {"SWC-107": "low"}, {"SWC-999": 0.01}, {"SWC-107": 1.5}])
def test_invalid_answers_leave_static_findings_untouched(bad):
    assert triaged(bad, static()) == [static()]


def test_an_answer_without_the_class_gives_no_opinion():
    assert triaged({"none": 0.97, "SWC-101": 0.03}, static()) == [static()]


def test_model_only_findings_stay_behind_the_threshold_and_are_not_triaged():
    # withdraw's call can fail (SWC-113 could hold there); it has no arithmetic for SWC-101
    answer = {"none": 0.05, "SWC-101": 0.03, "SWC-107": 0.02, "SWC-110": 0.03, "SWC-113": 0.85, "SWC-114": 0.02}
    found = triaged(answer, static())
    assert sorted((f.swc_id, f.triage) for f in found) == [("SWC-107", "doubted"), ("SWC-113", "")]
    (model_only,) = [f for f in found if f.swc_id == "SWC-113"]
    assert model_only.confidence == 0.85 and model_only.severity == get_rule("SWC-113").severity
    stricter = Options(llm_scope="all", llm_threshold=0.9, llm_cache=False)
    assert [f.swc_id for f in triaged(answer, static(), opts=stricter)] == ["SWC-107"]


def test_the_model_opinion_keeps_the_static_severity():
    lowered = Finding("SWC-107", "t", "medium", 0.6, Location("Bank.sol", 6, 6), "m", contract="Bank",
                      function="withdraw", evidence=[Evidence("slither:reentrancy-eth", 0.6, "d")])
    (f,) = triaged(probs("SWC-107", 0.5), lowered)  # the catalog says high; the context said medium
    assert f.severity == "medium"


def test_an_adapter_without_a_declared_threshold_never_demotes(tmp_path):
    from swclint.llm.backends import DEFAULT_ADAPTER

    assert adapter_doubt_at(DEFAULT_ADAPTER) is None  # the shipped adapter lowered F1 at every threshold
    found = static()
    found.evidence.append(Evidence("llm:test-model", 0.001, "model probability for SWC-107"))
    (f,) = triage([found], None)
    assert f.triage == "" and f.severity == "high"
    (tmp_path / "calibration.json").write_text(json.dumps({"temperature": 1.0, "triage_doubt_at": 0.05}))
    assert adapter_doubt_at(tmp_path) == 0.05
    per_class = {"temperature": 1.0, "triage_doubt_at": {"SWC-113": 0.1, "SWC-114": 0.05}}
    (tmp_path / "calibration.json").write_text(json.dumps(per_class))
    assert adapter_doubt_at(tmp_path) == {"SWC-113": 0.1, "SWC-114": 0.05}
    for bad in ('{"triage_doubt_at": "low"}', '{"triage_doubt_at": 1.5}', "not json", "[]",
                '{"triage_doubt_at": {"SWC-113": 0.1, "SWC-114": 2}}', '{"triage_doubt_at": {}}',
                '{"triage_doubt_at": true}'):
        (tmp_path / "calibration.json").write_text(bad)
        assert adapter_doubt_at(tmp_path) is None


def test_per_class_thresholds_demote_only_the_classes_they_name():
    def with_p(swc: str, p: float) -> Finding:
        f = Finding(swc, "t", "medium", 0.6, Location("Bank.sol", 6, 6), "m", contract="Bank", function="f",
                    evidence=[Evidence("slither:x", 0.6, "d"), Evidence("llm:test-model", p, "model")])
        return f

    doubt = {"SWC-113": 0.1}
    a, b = triage([with_p("SWC-113", 0.05), with_p("SWC-101", 0.01)], doubt)
    assert a.triage == "doubted" and a.severity == "info"
    assert b.triage == "" and b.severity == "medium"  # no threshold declared for SWC-101
    (c,) = triage([with_p("SWC-101", 0.01)], 0.05)  # a number applies to every class
    assert c.triage == "doubted"
