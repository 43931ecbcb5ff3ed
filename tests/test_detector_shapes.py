"""The shapes that once fooled the detectors, each as a vulnerable and a fixed contract, through the
real `swclint` CLI (real solc, real Slither, our detectors, the mutex filter, merging).

Each fixture under fixtures/detectors/shapes names the SWC ids it is about (`// checks: SWC-...`)
and marks every line that must be reported (`// expect: SWC-...`) and every line that must be reported
as information only, below the default --fail-on (`// note: SWC-...`). For those ids the report must
hold exactly the marked lines: a `_fixed` twin marks no `expect`, so any finding above info fails.
"""

from __future__ import annotations

import re
import shutil
from collections import defaultdict
from pathlib import Path

import pytest
from cli_helpers import run_json

SHAPES = Path(__file__).parent / "fixtures" / "detectors" / "shapes"
CHECKS = re.compile(r"//\s*checks:\s*([\w ,-]+)")
EXPECT = re.compile(r"//\s*expect:\s*([\w ,-]+)")
NOTE = re.compile(r"//\s*note:\s*([\w ,-]+)")

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("node") is None, reason="solc-js needs node"),
]


def _ids(text: str) -> set[str]:
    return {part.strip() for part in text.split(",") if part.strip()}


def _marks(path: Path, pattern: re.Pattern[str] = EXPECT) -> tuple[set[str], dict[str, set[int]]]:
    checks: set[str] = set()
    expected: dict[str, set[int]] = defaultdict(set)
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if m := CHECKS.search(line):
            checks |= _ids(m.group(1))
        if m := pattern.search(line):
            for swc in _ids(m.group(1)):
                expected[swc].add(number)
    return checks, expected


@pytest.fixture(scope="module")
def reported() -> dict[tuple[str, str, str], set[int]]:
    data, proc = run_json(".", cwd=SHAPES)
    assert data["errors"] == [], data["errors"]
    lines: dict[tuple[str, str], set[int]] = defaultdict(set)
    for finding in data["findings"]:
        name = Path(finding["location"]["path"]).name
        level = "note" if finding["severity"] == "info" else "finding"
        lines[(name, finding["swc_id"], level)].add(finding["location"]["start_line"])
    return lines


FIXTURES = sorted(p.name for p in SHAPES.glob("*.sol"))


def test_every_shape_has_a_vulnerable_and_a_fixed_twin() -> None:
    stems = {name.removesuffix(".sol") for name in FIXTURES}
    assert stems, "no shape fixtures"
    for stem in stems:
        twin = stem.removesuffix("_fixed") if stem.endswith("_fixed") else stem + "_fixed"
        assert twin in stems, f"{stem} has no twin"


@pytest.mark.parametrize("fixture", FIXTURES)
def test_reports_exactly_the_marked_lines(fixture: str, reported) -> None:
    checks, expected = _marks(SHAPES / fixture)
    assert checks, f"{fixture} names no SWC id to check"
    if fixture.endswith("_fixed.sol"):
        assert not any(expected.values()), "a fixed twin marks no finding"
    else:
        assert all(expected.get(swc) for swc in checks), "a vulnerable twin marks each id it checks"
    _, notes = _marks(SHAPES / fixture, NOTE)
    for swc in sorted(checks):
        assert reported.get((fixture, swc, "finding"), set()) == expected.get(swc, set()), swc
        assert reported.get((fixture, swc, "note"), set()) == notes.get(swc, set()), f"{swc} (info)"


def test_plain_slither_keeps_the_check_ours_supersedes() -> None:
    """The benchmark's plain Slither runs `incorrect-equality`; swclint runs its balance-only refinement
    instead, so the helper's zero check and the day counter are Slither's findings, not ours."""
    from bench.detect import static_run

    fixture = SHAPES / "balance_equality.sol"
    runs = {}
    for tool in ("slither", "swclint"):
        result, _, error = static_run(tool, fixture)
        assert error is None, error
        runs[tool] = {(f.location.start_line, e.source) for f in result.findings if f.swc_id == "SWC-132"
                      for e in f.evidence}
    assert {source for _, source in runs["slither"]} == {"slither:incorrect-equality"}
    assert {source for _, source in runs["swclint"]} == {"swclint:swclint-balance-equality"}
    assert {line for line, _ in runs["swclint"]} < {line for line, _ in runs["slither"]}
