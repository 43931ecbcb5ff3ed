"""Stipend reentrancy end to end: real solc (0.4, 0.5, 0.8), real Slither, the CLI's SARIF and exit codes.

Each fixture marks the payout a finding must point at with `// expect: stipend`; the fixed twin in the
same file (state written before the send), an owner-only payout and an event after the payout must
stay silent.
"""

from __future__ import annotations

import json
import re
import shutil
from functools import cache
from pathlib import Path

import pytest
from cli_helpers import run_cli

FIXTURES = Path(__file__).parent / "fixtures" / "stipend"
FILES = ("stipend04.sol", "stipend05.sol", "stipend08.sol")
MESSAGE = re.compile(r"stipend reentrancy: `(send|transfer)` to a caller-chosen address, then writes .+"
                     r"safe under today's 2300-gas stipend, not guaranteed")

pytestmark = [pytest.mark.e2e, pytest.mark.skipif(shutil.which("node") is None, reason="solc-js needs node")]


def expected(name: str) -> set[int]:
    lines = (FIXTURES / name).read_text().splitlines()
    return {n for n, text in enumerate(lines, start=1) if "// expect: stipend" in text}


@cache
def sarif(name: str) -> dict:
    proc = run_cli("--no-llm", "--no-cache", "--format", "sarif", "--fail-on", "none", name, cwd=FIXTURES)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def stipend_results(name: str) -> list[dict]:
    run = sarif(name)["runs"][0]
    return [r for r in run["results"] if r["ruleId"] == "SWC-107"]


@pytest.mark.parametrize("name", FILES)
def test_reported_at_note_level_with_its_own_message(name):
    results = stipend_results(name)
    lines = {r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in results}
    assert lines == expected(name)  # the fixed twin, owner payouts and events after a payout stay silent
    for r in results:
        assert r["level"] == "note"
        assert r["properties"]["severity"] == "info"
        assert MESSAGE.search(r["message"]["text"]), r["message"]["text"]
        assert [e["source"] for e in r["properties"]["evidence"]] == ["swclint:swclint-stipend-reentrancy"]


def test_rule_security_severity_stays_the_rule_but_the_finding_is_low():
    run = sarif("stipend04.sol")["runs"][0]
    (result,) = stipend_results("stipend04.sol")
    # GitHub shows the rule's score; the finding carries its own, in the low band (< 4)
    assert float(result["properties"]["security-severity"]) < 4.0
    rule = next(r for r in run["tool"]["driver"]["rules"] if r["id"] == "SWC-107")
    assert float(rule["properties"]["security-severity"]) >= 7.0


def test_below_the_default_fail_on_but_visible_with_fail_on_info():
    # other rules' findings in the file would decide the exit code too: disable every other rule seen
    others = sorted({r["ruleId"] for r in sarif("stipend08.sol")["runs"][0]["results"]} - {"SWC-107"})
    disable = [arg for swc in others for arg in ("--disable", swc)]
    default = run_cli("--no-llm", "--no-cache", "--format", "json", *disable, "stipend08.sol", cwd=FIXTURES)
    report = json.loads(default.stdout)
    assert [(f["swc_id"], f["severity"]) for f in report["findings"]] == [("SWC-107", "info")]
    assert default.returncode == 0, default.stderr  # info is below the default --fail-on low
    strict = run_cli("--no-llm", "--no-cache", "--fail-on", "info", *disable, "stipend08.sol", cwd=FIXTURES)
    assert strict.returncode == 1
    assert "stipend reentrancy" in strict.stdout


def test_real_sarif_is_byte_identical_and_validates(tmp_path):
    """The CLI's SARIF for all three fixtures (notes, lowered severities, per-result security-severity)
    is the same twice and has no errors or warnings under Microsoft's SARIF multitool (GitHub rules)."""
    from test_report_sarif import _validate

    args = ("--no-llm", "--no-cache", "--format", "sarif", "--fail-on", "none", *FILES)
    first, second = run_cli(*args, cwd=FIXTURES), run_cli(*args, cwd=FIXTURES)
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout
    report = _validate(tmp_path, first.stdout)
    problems = [(r.get("ruleId"), r["message"].get("text") or r["message"].get("arguments"))
                for run in report["runs"] for r in run.get("results", [])
                if r.get("level", "warning") in ("error", "warning")]
    assert problems == []
