"""Severity from context: the policy table, the SARIF score, and a real run on one weakness in four contexts."""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from cli_helpers import run_cli

from swclint.findings import SEVERITIES, Finding, Location
from swclint.rules import load_catalog
from swclint.severity import (
    REQUIRED_FACT,
    RULE_POLICY,
    Context,
    adjust,
    context_reason,
    finding_security_severity,
    security_severity,
)

FIXTURE = Path(__file__).parent / "fixtures" / "severity" / "context.sol"


@pytest.mark.parametrize(("ctx", "expected"), [
    (Context(), "high"),
    (Context(callers=False), "medium"),
    (Context(value=False), "medium"),
    (Context(value=False, callers=False), "low"),
    (Context(value=False, callers=False, input=False), "low"),  # never below low: it still fails a build
])
def test_each_missing_fact_lowers_one_step(ctx, expected):
    assert adjust("high", "SWC-101", ctx) == expected


def test_facts_a_rule_does_not_list_change_nothing():
    assert adjust("medium", "SWC-116", Context(callers=False, input=False)) == "medium"
    assert adjust("high", "SWC-999", Context(value=False, callers=False, input=False)) == "high"
    assert context_reason("SWC-116", Context(callers=False)) == ""


def test_informational_stays_informational():
    assert adjust("info", "SWC-107", Context(value=False)) == "info"


def test_reentrancy_into_trusted_callees_only_is_information():
    assert adjust("high", "SWC-107", Context(callee=False)) == "info"
    assert "fixed at deployment" in context_reason("SWC-107", Context(callee=False))
    assert adjust("high", "SWC-107", Context(callers=False)) == "medium"  # a caller-chosen callee: a weakness
    assert adjust("high", "SWC-101", Context(callee=False)) == "high"  # the fact concerns reentrancy only


@pytest.mark.parametrize(("swc", "ctx"), [
    ("SWC-113", Context(blocking=False)),  # no failed call reverts: nobody is blocked
    ("SWC-104", Context(records=False)),  # an ignored failed payment of the contract's own funds
    ("SWC-105", Context(recipient=False)),  # a payout only to addresses fixed at deployment or by the owner
])
def test_a_class_without_its_required_fact_is_information(swc, ctx):
    assert adjust("medium", swc, ctx) == "info"
    assert context_reason(swc, ctx)
    assert adjust("medium", swc, Context()) == "medium"


def test_policy_names_real_rules_and_facts():
    catalog = load_catalog()
    for swc, facts in RULE_POLICY.items():
        assert swc in catalog and facts and set(facts) <= {"value", "callers", "input"}
    for swc, fact in REQUIRED_FACT.items():
        assert swc in catalog and hasattr(Context(), fact)


def test_security_severity_follows_the_finding_band():
    assert security_severity("8.0", "high", "high") == "8.0"
    assert security_severity("8.0", "high", "medium") == "5.5"
    assert security_severity("8.0", "high", "low") == "3.0"
    assert security_severity("3.5", "medium", "low") == "3.0"
    assert security_severity("2.0", "medium", "low") == "2.0"  # never raised
    f = Finding("SWC-107", "Reentrancy", "info", 0.5, Location("a.sol", 1, 1), "m")
    assert float(finding_security_severity(f)) < 4.0
    assert finding_security_severity(replace(f, swc_id="slither/naming-convention", severity="medium")) == "5.5"
    assert all(s in SEVERITIES for s in ("info", "low", "medium", "high"))


@pytest.mark.e2e
@pytest.mark.skipif(shutil.which("node") is None, reason="solc-js needs node")
def test_same_overflow_in_four_contexts():
    """Real solc 0.4 + Slither: token ledger vs plain counter, anyone vs onlyOwner."""
    proc = run_cli("--no-llm", "--no-cache", "--format", "json", "--fail-on", "none", FIXTURE.name, cwd=FIXTURE.parent)
    assert proc.returncode == 0, proc.stderr
    got = {f["location"]["start_line"]: f for f in json.loads(proc.stdout)["findings"] if f["swc_id"] == "SWC-101"}
    lines = FIXTURE.read_text().splitlines()
    want = {n: m.group(1) for n, text in enumerate(lines, 1) if (m := re.search(r"// expect: (\w+)", text))}
    assert {n: f["severity"] for n, f in got.items()} == want
    reported = {n for n, f in got.items() if "the result is only returned or logged" in f["message"]}
    assert reported == {n for n, text in enumerate(lines, 1) if "cost = count - profit; // expect: medium" in text}
    for n, severity in want.items():  # a lowered finding says why
        assert (f"severity high -> {severity}" in got[n]["message"]) == (severity != "high" and n not in reported)
    (low,) = [n for n, s in want.items() if s == "low"]
    assert "moves no ether or token balance; only privileged callers reach it" in got[low]["message"]


@pytest.mark.e2e
@pytest.mark.skipif(shutil.which("node") is None, reason="solc-js needs node")
@pytest.mark.parametrize("name", ["recipient.sol", "recipient_internal.sol", "recipient_length.sol"])
def test_payouts_a_caller_cannot_redirect_are_information(name):
    """Real solc 0.4/0.5 + Slither's arbitrary-send-eth/erc20: fixed or owner-set recipients, amounts
    owed to the payee, internal functions only privileged callers reach vs ones any caller picks or
    changes."""
    fixture = FIXTURE.parent / name
    proc = run_cli("--no-llm", "--no-cache", "--format", "json", "--fail-on", "none", fixture.name, cwd=fixture.parent)
    assert proc.returncode == 0, proc.stderr
    got = {f["location"]["start_line"]: f["severity"] for f in json.loads(proc.stdout)["findings"]
           if f["swc_id"] == "SWC-105"}
    lines = fixture.read_text().splitlines()
    want = {n: m.group(1) for n, text in enumerate(lines, 1) if (m := re.search(r"// expect: (\w+)", text))}
    assert got == want


@pytest.mark.e2e
@pytest.mark.skipif(shutil.which("node") is None, reason="solc-js needs node")
def test_default_visibility_behind_a_caller_check_is_lowered():
    """Real solc 0.4 + our SWC-100 check: a default-public setter anyone can call against one whose
    own check admits only the owner."""
    fixture = Path(__file__).parent / "fixtures" / "detectors" / "shapes" / "default_visibility.sol"
    proc = run_cli("--no-llm", "--no-cache", "--format", "json", "--fail-on", "none", fixture.name, cwd=fixture.parent)
    assert proc.returncode == 0, proc.stderr
    got = {f["function"]: f for f in json.loads(proc.stdout)["findings"] if f["swc_id"] == "SWC-100"}
    assert got["setOwner"]["severity"] == "medium" and "anyone can call it" in got["setOwner"]["message"]
    assert got["setCap"]["severity"] == "low" and "only privileged callers reach it" in got["setCap"]["message"]
    assert "anyone can call it" not in got["setCap"]["message"]
