"""Real solc + Slither runs of each swclint detector on small fixtures.

Every fixture marks the lines a detector must report with `// expect: <argument>`;
all other lines are negatives, so each test checks both directions at once.
"""

from __future__ import annotations

import re
import shutil
from functools import cache
from pathlib import Path

import pytest

from swclint.detectors.plugin import DETECTORS

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
def results(fixture: str) -> tuple[dict, ...]:
    """All our detectors' results on one fixture (compiled once per session)."""
    from bench.slither_run import load_slither

    slither = load_slither(FIXTURES / fixture, detectors=DETECTORS)
    return tuple(r for group in slither.run_detectors() for r in group)


def reported_lines(fixture: str, argument: str) -> set[int]:
    lines = set()
    for result in results(fixture):
        if result["check"] != argument:
            continue
        element = next((e for e in result["elements"] if e["type"] == "node"), result["elements"][0])
        mapping = element["source_mapping"]["lines"]
        lines.add(mapping[0])  # node results start at the operation; function results at the header
    return lines


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


def test_unchecked_block_findings_are_medium_and_pre_08_high() -> None:
    old = {r["impact"] for r in results("arithmetic.sol") if r["check"] == "swclint-arithmetic"}
    new = {r["impact"] for r in results("arithmetic08.sol") if r["check"] == "swclint-arithmetic"}
    assert old == {"High"}
    assert new == {"Medium"}


def test_results_carry_swc_id_and_no_fix_text() -> None:
    # remediation comes from the catalog (rules/SWC-113.toml), never from the result text
    dos = [r for r in results("dos.sol") if r["check"] == "swclint-dos-failed-call"]
    assert dos
    for result in dos:
        assert result["additional_fields"] == {"swc": "SWC-113"}
        assert "Fix:" not in result["description"]


def test_state_initialiser_seed_is_reported() -> None:
    # a state variable seeded from block values is itself a finding (declaration line)
    seeded = FIXTURES / "randomness_seed.sol"
    from bench.slither_run import load_slither

    slither = load_slither(seeded, detectors=DETECTORS)
    found = [r for g in slither.run_detectors() for r in g if r["check"] == "swclint-weak-randomness"]
    assert 4 in {r["elements"][0]["source_mapping"]["lines"][0] for r in found}
