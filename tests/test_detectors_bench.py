"""Unit tests of the benchmark harness: corpus readers, matching rule, scoring."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.__main__ import main
from bench.corpus import Case, CorpusError, read_corpus
from bench.detect import Hit, ToolRun, format_table, matches, score

DATA = Path(__file__).parent / "fixtures" / "detectors" / "bench"


def test_swc_registry_reader_positive_and_fixed() -> None:
    cases = read_corpus(DATA / "swcreg", "swc-registry")
    assert cases == [
        Case((DATA / "swcreg/test_cases/a/a.sol").resolve(), "SWC-101", (7, 9), True),
        Case((DATA / "swcreg/test_cases/a/a_fixed.sol").resolve(), "SWC-101", (), False),
    ]


def test_smartbugs_reader_maps_dasp_to_swc_and_drops_other() -> None:
    cases = read_corpus(DATA / "smartbugs", "smartbugs")
    file = (DATA / "smartbugs/dataset/reentrancy/dao.sol").resolve()
    assert cases == [Case(file, "SWC-101", (30,)), Case(file, "SWC-107", (12, 18))]


def test_solidifi_reader_expands_injected_ranges() -> None:
    (case,) = read_corpus(DATA / "solidifi", "solidifi")
    assert case.swc == "SWC-107"
    assert case.lines == (10, 11, 12, 40)
    assert case.file.name == "buggy_1.sol"


def test_csv_reader_groups_lines_and_marks_negatives() -> None:
    cases = {c.file.name: c for c in read_corpus(DATA / "csv", "csv")}
    assert cases["x.sol"].lines == (5, 8) and cases["x.sol"].positive
    assert cases["y.sol"].positive is False and cases["y.sol"].swc == "SWC-110"


def test_bad_corpus_gives_one_line_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "labels.csv").write_text("file,line,swc\na.sol,1,REENTRANCY\n")
    with pytest.raises(CorpusError, match=r"labels.csv:2: not an SWC id"):
        read_corpus(tmp_path, "csv")
    assert main(["detect", "--corpus", str(tmp_path), "--format", "csv"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not an SWC id" in err


def test_matching_rule_slack_and_region_cap() -> None:
    f = Path("/c.sol")
    assert matches(Hit(f, "SWC-101", 11, 11), f, "SWC-101", 10)  # one line of slack
    assert not matches(Hit(f, "SWC-101", 12, 12), f, "SWC-101", 10)
    assert not matches(Hit(f, "SWC-107", 10, 10), f, "SWC-101", 10)  # other class
    assert matches(Hit(f, "SWC-101", 1, 80), f, "SWC-101", 50)
    assert not matches(Hit(f, "SWC-101", 1, 81), f, "SWC-101", 50)  # region too large


def test_score_counts_recall_precision_and_fixed_findings() -> None:
    a, b, fixed = Path("/a.sol"), Path("/b.sol"), Path("/a_fixed.sol")
    cases = [
        Case(a, "SWC-101", (10,)),
        Case(b, "SWC-101", (20,)),
        Case(fixed, "SWC-101", (), False),
    ]
    run = ToolRun(
        hits=[Hit(a, "SWC-101", 10, 10), Hit(a, "SWC-101", 40, 40), Hit(fixed, "SWC-101", 3, 3)],
        seconds=3.0,
        contracts=3,
    )
    s = score(cases, run)
    assert s["SWC-101"] == {
        "labels": 2,
        "recall": 0.5,
        "findings": 3,
        "precision": 0.333,
        "fixed_findings": 1,
    }
    assert s["seconds_per_contract"] == 1.0
    table = format_table("swclint", s)
    assert "SWC-101" in table and "0.50" in table


def test_json_output_shape(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import bench.detect as detect

    def fake(files, **_):
        return ToolRun(hits=[Hit(files[0], "SWC-110", 5, 5)], seconds=1.0, contracts=len(files))

    monkeypatch.setitem(detect.TOOLS, "swclint", fake)
    assert (
        main(["detect", "--corpus", str(DATA / "csv"), "--format", "csv", "--json", "--tools", "swclint"])
        == 0
    )
    out = json.loads(capsys.readouterr().out)
    entry = out["tools"]["swclint"]["SWC-110"]
    assert set(entry) == {"labels", "recall", "findings", "precision", "fixed_findings"}
    assert entry["labels"] == 1 and out["tools"]["swclint"]["seconds_per_contract"] == 0.5
