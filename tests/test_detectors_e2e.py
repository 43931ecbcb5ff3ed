"""Real solc + Slither runs of each swclint detector on small fixtures, through the shipped path.

Every fixture marks the lines a detector must report with `// expect: <argument>`;
all other lines are negatives, so each test checks both directions at once. Findings come from
the shipped path (`swclint.pipeline`: our compile, `swclint.analyze.slither_run` and its filters).
"""

from __future__ import annotations

import re
import shutil
from functools import cache
from pathlib import Path

import pytest

from swclint.config import Options
from swclint.findings import Finding

FIXTURES = Path(__file__).parent / "fixtures" / "detectors"
EXPECT = re.compile(r"//\s*expect:\s*([\w, -]+)")

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("node") is None, reason="solc-js needs node"),
]


def expected_lines(fixture: str, argument: str) -> set[int]:
    lines = set()
    for number, text in enumerate((FIXTURES / fixture).read_text().splitlines(), start=1):
        match = EXPECT.search(text)
        if match and argument in {a.strip() for a in match.group(1).split(",")}:
            lines.add(number)
    return lines


@cache
def results(fixture: str) -> tuple[Finding, ...]:
    """Static findings of one fixture from the shipped compile + analysis (once per session).

    `swclint.pipeline` before its merge step: merging keeps one finding per class and function,
    and these tests check every line a detector reports.
    """
    from swclint.pipeline import analyse_group, plan_groups, read_sources

    opts = Options(llm=False, jobs=1, cache=False)
    sources, errors = read_sources([FIXTURES / fixture], FIXTURES, opts.max_file_bytes)
    groups, plan_errors = plan_groups(sources, FIXTURES, [], opts)
    assert sources and groups and not errors + plan_errors
    findings: list[Finding] = []
    for version, files in groups.items():
        group = analyse_group(version, files, FIXTURES, [], opts)
        assert group.analysed == [fixture], group.errors
        findings += group.findings
    return tuple(findings)


def by_check(fixture: str, argument: str) -> list[Finding]:
    return [f for f in results(fixture) if any(e.source == f"swclint:{argument}" for e in f.evidence)]


def reported_lines(fixture: str, argument: str) -> set[int]:
    # node results start at the operation; function results at the header
    return {f.location.start_line for f in by_check(fixture, argument)}


CASES = [
    ("arithmetic.sol", "swclint-arithmetic"),
    ("arithmetic08.sol", "swclint-arithmetic"),
    ("assertion.sol", "swclint-assert"),
    ("dos.sol", "swclint-dos-failed-call"),
    ("tod.sol", "swclint-tod"),
    ("unchecked_call.sol", "swclint-unchecked-call"),
    ("timestamp.sol", "swclint-timestamp"),
    ("randomness.sol", "swclint-weak-randomness"),
]


@pytest.mark.parametrize(("fixture", "argument"), CASES)
def test_reports_exactly_the_marked_lines(fixture: str, argument: str) -> None:
    expected = expected_lines(fixture, argument)
    assert expected, "fixture must mark at least one positive"
    assert reported_lines(fixture, argument) == expected


@pytest.mark.parametrize(("low", "medium"), [
    # a view's out-of-bounds read fails only the asking call, as a public array's own getter does
    ("function item(", "function takeItem("),
    # whether a contract fixed at deployment answers false is its code, not the caller's choice
    ("function payFixed(", "function payChosen("),
])
def test_assert_findings_are_low_where_only_the_asking_call_or_a_fixed_contract_decides(low: str, medium: str) -> None:
    lines = (FIXTURES / "assertion.sol").read_text().splitlines()
    line_of = {name: n for n, text in enumerate(lines, 1) for name in (low, medium) if name in text}
    got = {f.location.start_line: f.severity for f in by_check("assertion.sol", "swclint-assert")}
    assert got[line_of[low]] == "low"
    assert got[line_of[medium]] == "medium"


def test_unchecked_block_findings_are_never_high_and_pre_08_can_be() -> None:
    # severity also depends on context (swclint/severity.py); the detector's ceiling differs
    old = {f.severity for f in by_check("arithmetic.sol", "swclint-arithmetic")}
    new = {f.severity for f in by_check("arithmetic08.sol", "swclint-arithmetic")}
    assert "high" in old
    assert new and "high" not in new


def test_results_carry_swc_id_and_catalog_remediation() -> None:
    # remediation comes from the catalog (rules/SWC-113.toml), never from the result text
    from swclint.rules import get_rule

    dos = by_check("dos.sol", "swclint-dos-failed-call")
    assert dos
    for finding in dos:
        assert finding.swc_id == "SWC-113"
        assert "Fix:" not in finding.message
        assert finding.remediation == get_rule("SWC-113").remediation.strip()


def test_state_initialiser_seed_is_reported() -> None:
    # a state variable seeded from block values is itself a finding (declaration line)
    assert 4 in reported_lines("randomness_seed.sol", "swclint-weak-randomness")
