"""Real solc + real Slither over the project's example contracts, one per solc minor version and class."""

from __future__ import annotations

import json
import re
from collections import defaultdict

import pytest
from cli_helpers import EXAMPLES, run_json

pytestmark = pytest.mark.e2e

EXPECTED = json.loads((EXAMPLES / "expected.json").read_text())


@pytest.fixture(scope="module")
def report():
    data, proc = run_json("contracts", cwd=EXAMPLES)
    assert proc.returncode == 1, proc.stderr
    assert data["errors"] == [], data["errors"]
    return data


def _by_file(report) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = defaultdict(list)
    for f in report["findings"]:
        out[f["location"]["path"].removeprefix("examples/")].append(f)
    return out


def _minor(path: str) -> str:
    return re.search(r"_0_(\d)", path).group(1)


def test_examples_cover_every_solc_minor_and_class():
    minors = {_minor(p) for p in EXPECTED}
    assert minors == {"4", "5", "6", "7", "8"}
    classes = {lab["swc"] for labels in EXPECTED.values() for lab in labels}
    assert {"SWC-101", "SWC-104", "SWC-105", "SWC-107", "SWC-110", "SWC-113", "SWC-114", "SWC-115",
            "SWC-116"} <= classes


@pytest.mark.parametrize("path", sorted(p for p, labels in EXPECTED.items() if labels))
def test_vulnerable_example_is_found_at_its_line(report, path):
    found = _by_file(report)[path]
    for label in EXPECTED[path]:
        hits = [f for f in found if f["swc_id"] == label["swc"]
                and f["location"]["start_line"] <= label["line"] <= f["location"]["end_line"]]
        assert hits, f"{path}: {label} not found in {[(f['swc_id'], f['location']['start_line']) for f in found]}"


@pytest.mark.parametrize("path", sorted(p for p, labels in EXPECTED.items() if not labels))
def test_fixed_example_has_no_finding_of_its_class(report, path):
    swc = path.split("/")[1]
    # information notes (below the default --fail-on, e.g. a far deadline) are not findings of the class
    found = [f for f in _by_file(report)[path] if f["swc_id"] == swc and f["severity"] != "info"]
    assert not found, f"{path}: {[(f['swc_id'], f['location']['start_line'], f['message']) for f in found]}"


def test_findings_carry_every_field(report):
    f = next(f for f in report["findings"] if f["swc_id"] == "SWC-107")
    assert f["title"] == "Reentrancy" and f["severity"] == "high"
    assert f["contract"] and f["function"] and f["remediation"]
    assert f["evidence"][0]["source"].startswith("slither:reentrancy")
    assert 0 < f["confidence"] <= 1
