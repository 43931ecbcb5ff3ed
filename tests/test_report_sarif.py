"""SARIF writer: every field GitHub code scanning reads, determinism, and Microsoft's validator."""

from __future__ import annotations

import importlib.util
import io
import json
import os
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from cli_helpers import sarif_multitool

from swclint.findings import FileError, RunResult
from swclint.precision import finding_precision, precision_label, rule_level, rule_precision
from swclint.precision import level as finding_level
from swclint.report import write
from swclint.report.sarif import level, to_sarif


def _load_sample():
    path = Path(__file__).parent / "fixtures" / "report" / "sample.py"
    spec = importlib.util.spec_from_file_location("report_sample", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["report_sample"] = module
    spec.loader.exec_module(module)
    return module


sample = _load_sample()


def _sarif(result: RunResult | None = None, **kw) -> str:
    out = io.StringIO()
    write(result or sample.sample_result(), "sarif", out, catalog=sample.CATALOG, **kw)
    return out.getvalue()


def _run(doc: dict) -> dict:
    assert doc["version"] == "2.1.0" and len(doc["runs"]) == 1
    return doc["runs"][0]


def _result(run: dict, rule_id: str) -> dict:
    (res,) = [r for r in run["results"] if r["ruleId"] == rule_id]
    return res


def test_byte_identical_twice():
    first, second = _sarif(), _sarif()
    assert first == second
    assert "Date" not in first and "time" not in json.loads(first)["runs"][0]["invocations"][0]


def test_order_of_input_findings_does_not_matter():
    result = sample.sample_result()
    shuffled = replace(result, findings=list(reversed(result.findings)))
    assert _sarif(result) == _sarif(shuffled)


def test_rules_generated_from_catalog_for_rules_that_appear():
    run = _run(json.loads(_sarif()))
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == ["SWC-101", "SWC-103", "SWC-105", "SWC-107"]
    r107 = rules[3]
    assert r107["name"] == "Reentrancy"
    assert r107["shortDescription"]["text"] == "Reentrancy."
    assert len(r107["fullDescription"]["text"]) <= 1024  # the fake description is ~2.7k chars
    assert r107["fullDescription"]["text"].startswith("An external call hands control")
    assert "checks-effects-interactions" in r107["help"]["text"]
    assert "balances[msg.sender] = 0;" in r107["help"]["text"]
    assert "```solidity\nbalances[msg.sender] = 0;" in r107["help"]["markdown"]
    assert "### Remediation" in r107["help"]["markdown"]
    assert r107["helpUri"] == "https://swcregistry.io/docs/SWC-107"
    props = r107["properties"]
    assert props["tags"][:3] == ["security", "SWC-107", "CWE-841"]
    assert "reentrancy" in props["tags"]
    # measured, not typed into the catalog: swclint/data/precision.json via swclint.precision
    assert props["precision"] == precision_label(rule_precision("SWC-107", sample.CATALOG["SWC-107"].detectors))
    assert props["security-severity"] == "8.0"
    measured = rule_precision("SWC-107", sample.CATALOG["SWC-107"].detectors)
    assert r107["defaultConfiguration"]["level"] == rule_level("high", measured)  # error only when measured >= 0.5
    # Not in the catalog: falls back to the finding, still a valid descriptor.
    r101 = rules[0]
    assert r101["name"] == "IntegerOverflow" and r101["helpUri"].endswith("SWC-101")
    assert "security-severity" not in r101["properties"]
    # Rules that do not occur are not listed.
    assert "SWC-999" not in {r["id"] for r in rules}


def test_result_fields():
    run = _run(json.loads(_sarif()))
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    res = _result(run, "SWC-107")
    assert rule_ids[res["ruleIndex"]] == "SWC-107"
    assert res["level"] == finding_level(sample.reentrancy())  # measured precision decides (swclint.precision)
    text = res["message"]["text"]
    assert text.startswith("External call in Bank.withdraw()")
    assert "Suggested replacement:\nbalances[msg.sender] = 0;" in text
    assert "Fix: Update state before the external call" in text
    (loc,) = res["locations"]
    phys = loc["physicalLocation"]
    assert phys["artifactLocation"] == {"uri": "contracts/Bank.sol", "uriBaseId": "%SRCROOT%"}
    assert phys["region"] == {"startLine": 13, "startColumn": 9, "endLine": 13, "endColumn": 58}
    assert loc["logicalLocations"] == [{"fullyQualifiedName": "Bank.withdraw", "kind": "function"}]
    fp = res["partialFingerprints"]["primaryLocationLineHash"]
    assert len(fp.split(":")[0]) == 16 and fp.endswith(":1")
    assert "suppressions" not in res
    assert run["originalUriBaseIds"] == {"%SRCROOT%": {"uri": "file:///repo/"}}


def test_unknown_end_column_extends_to_end_of_line():
    run = _run(json.loads(_sarif()))
    region = _result(run, "SWC-103")["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 2, "startColumn": 1, "endLine": 2, "endColumn": len("pragma solidity ^0.8.20;") + 1}


@pytest.mark.parametrize(("severity", "expected"),
                         [("high", "error"), ("medium", "warning"), ("low", "note"), ("info", "note")])
def test_level_mapping(severity, expected):
    assert level(severity) == expected
    result = sample.sample_result()
    result.findings = [replace(result.findings[0], severity=severity)]
    (res,) = _run(json.loads(_sarif(result)))["results"]
    # the result's level also weighs the measured precision of its checks
    assert res["level"] == rule_level(severity, finding_precision(result.findings[0]))


def test_fixes_on_the_region():
    run = _run(json.loads(_sarif()))
    (fix,) = _result(run, "SWC-107")["fixes"]
    (change,) = fix["artifactChanges"]
    assert change["artifactLocation"]["uri"] == "contracts/Bank.sol"
    (rep,) = change["replacements"]
    assert rep["deletedRegion"] == {"startLine": 13, "startColumn": 9, "endLine": 13, "endColumn": 58}
    assert rep["insertedContent"]["text"].startswith("balances[msg.sender] = 0;")
    assert fix["description"]["text"].startswith("Update state")
    assert "fixes" not in _result(run, "SWC-105")


def test_unverified_fix_never_reaches_fixes():
    result = sample.sample_result()
    result.findings = [replace(f, fix_location=None) for f in result.findings]
    run = _run(json.loads(_sarif(result)))
    assert all("fixes" not in r for r in run["results"])


def test_suppressed_findings_stay_with_suppressions():
    run = _run(json.loads(_sarif()))
    assert len(run["results"]) == 4
    assert _result(run, "SWC-105")["suppressions"] == [
        {"kind": "inSource", "status": "accepted", "justification": "owner check lives in the proxy"}]
    assert _result(run, "SWC-103")["suppressions"] == [
        {"kind": "external", "status": "accepted", "justification": "baseline"}]


def test_errors_become_notifications():
    run = _run(json.loads(_sarif()))
    (inv,) = run["invocations"]
    assert inv["executionSuccessful"] is True
    (note,) = inv["toolExecutionNotifications"]
    assert note["level"] == "error"
    assert note["message"]["text"] == "compile error: ParserError: Expected ';' but got '}'."
    phys = note["locations"][0]["physicalLocation"]
    assert phys["artifactLocation"]["uri"] == "contracts/Broken.sol" and phys["region"] == {"startLine": 7}
    (cfg,) = inv["toolConfigurationNotifications"]
    assert cfg["level"] == "warning" and "SWC-116" in cfg["message"]["text"]

    nothing = RunResult(root="/repo", errors=[FileError("a.sol", "read", "permission denied")])
    inv = _run(to_sarif(nothing, catalog={}))["invocations"][0]
    assert inv["executionSuccessful"] is False


def test_automation_details_category():
    assert "automationDetails" not in _run(json.loads(_sarif()))
    run = _run(json.loads(_sarif(automation_id="swclint/contracts")))
    assert run["automationDetails"] == {"id": "swclint/contracts"}


def test_uri_is_percent_encoded():
    result = sample.sample_result()
    result.findings = [sample.reentrancy(path="my contracts/Bank#1.sol")]
    res = _run(json.loads(_sarif(result)))["results"][0]
    assert res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "my%20contracts/Bank%231.sol"


def test_empty_run_is_valid_without_catalog():
    doc = to_sarif(RunResult(root="/repo", files=["a.sol"]))
    run = _run(doc)
    assert run["results"] == [] and run["tool"]["driver"]["rules"] == []


# --- Microsoft SARIF Multitool --------------------------------------------------------------------

def _multitool() -> Path:
    """The native multitool executable, installed once into the tools cache with npm.

    The npm package's `bin.js` re-joins arguments through a shell (breaking `"Sarif;Gh"`), so we
    ask node for the platform binary it wraps and run that directly.
    """
    package, why_not = sarif_multitool()
    if package is None or shutil.which("node") is None:
        pytest.skip(why_not or "node not installed")
    binary = Path(subprocess.run(["node", "-p", f"require({json.dumps(str(package))})"],
                                 capture_output=True, text=True, check=True).stdout.strip())
    binary.chmod(binary.stat().st_mode | 0o100)  # npm may skip the package's chmod postinstall
    return binary


def _validate(tmp_path: Path, sarif_text: str) -> dict:
    binary = _multitool()
    src = tmp_path / "swclint.sarif"
    src.write_text(sarif_text)
    log = tmp_path / "validation.sarif"
    env = {**os.environ, "DOTNET_SYSTEM_GLOBALIZATION_INVARIANT": "1"}
    proc = subprocess.run([str(binary), "validate", "--rule-kind", "Sarif;Gh", "--level", "Error;Warning;Note",
                           "--log", "ForceOverwrite", "--output", str(log), str(src)],
                          capture_output=True, text=True, timeout=300, env=env)
    assert log.exists(), f"multitool produced no log: {proc.stdout[-2000:]} {proc.stderr[-2000:]}"
    return json.loads(log.read_text(encoding="utf-8-sig"))


@pytest.mark.parametrize("category", [None, "swclint/contracts"])
def test_multitool_validate_no_errors_or_warnings(tmp_path, category):
    report = _validate(tmp_path, _sarif(automation_id=category))
    problems = [(r.get("ruleId"), r.get("level", "warning"), r["message"].get("text")
                 or r["message"].get("arguments")) for run in report["runs"] for r in run.get("results", [])
                if r.get("level", "warning") in ("error", "warning")]
    notifications = [n for run in report["runs"] for inv in run.get("invocations", [])
                     for n in inv.get("toolExecutionNotifications", []) if n.get("level") == "error"]
    assert problems == [] and notifications == []


def test_multitool_flags_a_broken_log(tmp_path):
    """The validation above can fail: a result without a message is an error for the multitool."""
    doc = json.loads(_sarif())
    del doc["runs"][0]["results"][0]["message"]
    report = _validate(tmp_path, json.dumps(doc))
    levels = [r.get("level", "warning") for run in report["runs"] for r in run.get("results", [])]
    assert "error" in levels


def test_multitool_with_the_real_catalog(tmp_path):
    """One finding for every catalog rule, rendered with the packaged catalog, validates cleanly."""
    rules_mod = pytest.importorskip("swclint.rules")
    catalog = rules_mod.load_catalog()
    result = sample.sample_result()
    base = sample.reentrancy()
    result.findings = [replace(base, swc_id=swc_id, title=rule.title, severity=rule.severity, remediation="",
                               fix=None) for swc_id, rule in sorted(catalog.items())]
    out = io.StringIO()
    write(result, "sarif", out, color=False, show_suppressed=False)  # catalog=None: packaged catalog
    doc = json.loads(out.getvalue())
    rules = doc["runs"][0]["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == sorted(catalog)
    assert all(len(r["fullDescription"]["text"]) <= 1024 for r in rules)
    assert all(0.1 <= float(r["properties"]["security-severity"]) <= 10 for r in rules)
    report = _validate(tmp_path, out.getvalue())
    problems = [(r.get("ruleId"), r["message"]) for run in report["runs"] for r in run.get("results", [])
                if r.get("level", "warning") in ("error", "warning")]
    assert problems == []


# --- built with sarif-om, serialised by jschema-to-python ----------------------------------------


def test_log_is_built_with_the_sarif_om_object_model():
    import sarif_om
    from jschema_to_python.to_json import to_json

    from swclint.report.sarif import build_log

    log = build_log(sample.sample_result(), sample.CATALOG)
    assert isinstance(log, sarif_om.SarifLog)
    (run,) = log.runs
    assert isinstance(run, sarif_om.Run) and isinstance(run.tool.driver, sarif_om.ToolComponent)
    assert all(isinstance(r, sarif_om.ReportingDescriptor) for r in run.tool.driver.rules)
    assert all(isinstance(r, sarif_om.Result) for r in run.results)
    assert _sarif() == to_json(log) + "\n"  # what is written is the object model, serialised


def test_levels_and_suppression_status_survive_default_dropping():
    """jschema-to-python drops schema defaults; `level: warning` and 2.1.0's `status` stay."""
    run = _run(json.loads(_sarif()))
    assert all("level" in r for r in run["results"])
    assert all("level" in r["defaultConfiguration"] for r in run["tool"]["driver"]["rules"])
    suppressed = [r for r in run["results"] if r.get("suppressions")]
    assert suppressed and all(s["status"] == "accepted" for r in suppressed for s in r["suppressions"])


@pytest.mark.e2e
def test_real_scan_sarif_is_byte_identical_and_valid(tmp_path):
    """Two real CLI runs over the examples: the same bytes, and the Multitool finds nothing wrong."""
    from cli_helpers import EXAMPLES, run_cli

    outputs = []
    for n in (1, 2):
        out = tmp_path / f"run{n}.sarif"
        proc = run_cli(str(EXAMPLES / "contracts" / "SWC-107"), "--no-llm", "--format", "sarif", "-o", str(out),
                       cwd=EXAMPLES.parent)
        assert proc.returncode in (0, 1), proc.stderr
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]
    doc = json.loads(outputs[0])
    assert doc["runs"][0]["results"], "the vulnerable vaults must produce results"
    report = _validate(tmp_path, outputs[0].decode("utf-8"))
    problems = [(r.get("ruleId"), r["message"]) for run in report["runs"] for r in run.get("results", [])
                if r.get("level", "warning") in ("error", "warning")]
    assert problems == []
