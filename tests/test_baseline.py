"""Baseline files: create, apply (also after lines moved), clear errors for bad files."""

from __future__ import annotations

import json

import pytest

from swclint import baseline
from swclint.baseline import BaselineError
from swclint.findings import Finding, Location, RunResult, Suppression

SOURCE = """pragma solidity ^0.8.0;
contract Bank {
    function withdraw() external {
        (bool ok, ) = msg.sender.call{value: 1}("");
    }
    function add(uint a) external { total += a; }
}
"""


def _f(swc: str, line: int, function: str, **kw) -> Finding:
    return Finding(swc, "t", "high", 0.9, Location("src/Bank.sol", line, line), f"{swc} at line {line}",
                   contract="Bank", function=function, **kw)


def _result(source: str = SOURCE, shift: int = 0) -> RunResult:
    return RunResult(root="/r", files=["src/Bank.sol"], sources={"src/Bank.sol": source},
                     findings=[_f("SWC-107", 4 + shift, "withdraw"), _f("SWC-101", 6 + shift, "add")],
                     tool_version="9.9.9")


def test_create_writes_sorted_entries_without_lines(tmp_path):
    path = tmp_path / ".swclint-baseline.json"
    result = _result()
    result.findings.append(_f("SWC-110", 5, "withdraw", suppression=Suppression("inSource")))
    assert baseline.create(result, path) == 2
    doc = json.loads(path.read_text())
    assert doc["version"] == 1 and doc["toolVersion"] == "9.9.9"
    assert [(e["ruleId"], e["path"]) for e in doc["entries"]] == [("SWC-101", "src/Bank.sol"),
                                                                 ("SWC-107", "src/Bank.sol")]
    assert set(doc["entries"][0]) == {"ruleId", "path", "fingerprint", "message"}
    assert "line" not in path.read_text().replace("at line", "")
    first = path.read_text()
    baseline.create(_result(), path)
    assert path.read_text() == first


def test_apply_marks_known_findings_even_after_lines_moved(tmp_path):
    path = tmp_path / "b.json"
    baseline.create(_result(), path)
    moved = "// new header\n// more\n" + SOURCE
    later = _result(moved, shift=2)
    new = _f("SWC-104", 4 + 2, "withdraw")
    findings = baseline.apply(later.findings + [new], later.sources, path)
    assert [f.suppression for f in findings] == [Suppression("external", "baseline")] * 2 + [None]
    assert later.findings[0].suppression is None  # copies, not mutation


def test_changed_code_is_not_matched(tmp_path):
    path = tmp_path / "b.json"
    baseline.create(_result(), path)
    changed = SOURCE.replace("value: 1", "value: balance")
    findings = baseline.apply(_result(changed).findings, {"src/Bank.sol": changed}, path)
    assert [f.suppression is not None for f in findings] == [False, True]


def test_missing_baseline_is_a_one_line_error(tmp_path):
    path = tmp_path / "nope.json"
    with pytest.raises(BaselineError) as err:
        baseline.apply([], {}, path)
    assert str(err.value).startswith(f"{path}: bad baseline file: file not found")
    assert "\n" not in str(err.value)


@pytest.mark.parametrize(("content", "cause"), [
    ("{not json", "not valid JSON"),
    ("[]", "expected an object with an 'entries' list"),
    ('{"version": 7, "entries": []}', "unsupported version 7"),
    ('{"version": 1, "entries": [{"ruleId": "SWC-107"}]}', "entry 0 needs string fields"),
])
def test_corrupt_baseline(tmp_path, content, cause):
    path = tmp_path / "b.json"
    path.write_text(content)
    with pytest.raises(BaselineError, match=cause) as err:
        baseline.apply([], {}, path)
    assert err.value.path == str(path) and "\n" not in str(err.value)


def test_create_into_missing_directory_raises_oserror(tmp_path):
    with pytest.raises(FileNotFoundError):
        baseline.create(_result(), tmp_path / "missing" / "b.json")
