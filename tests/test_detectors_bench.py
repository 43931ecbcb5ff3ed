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


# --- cgt: contract-level labels -----------------------------------------------------------------

CGT_HEADER = "file,contract,dataset,entry,property,swc,holds\n"


def write_cgt(root: Path, rows: list[str], sources: dict[str, str]) -> Path:
    (root / "sources").mkdir(parents=True, exist_ok=True)
    for name, text in sources.items():
        (root / "sources" / name).write_text(text)
    (root / "labels.csv").write_text(CGT_HEADER + "".join(r + "\n" for r in rows))
    return root


def test_cgt_reader_splits_dedupes_and_drops_unmapped(tmp_path: Path) -> None:
    from bench.corpus import read_cgt

    write_cgt(tmp_path, [
        "sources/0a.sol,A,Zeus,0x1,Reentrancy,107,1",
        "sources/0a.sol,A,Zeus,0x2,Reentrancy,107,1",  # a second address with the same source
        "sources/0a.sol,A,eThor,0x1,reentrancy,107,0",  # another dataset disagrees: kept apart
        "sources/0a.sol,A,CodeSmells,0x1,Deprecated APIs,,0",  # no SWC id
        "sources/0a.sol,A,Zeus,0x1,Locked ether,997,1",  # CGT's own class
        "sources/8b.sol,,Zeus,0x3,Overflow,101,1",
    ], {})
    everything = read_cgt(tmp_path)
    assert [(x.file.name, x.dataset, x.swc, x.holds) for x in everything] == [
        ("0a.sol", "Zeus", "SWC-107", True), ("0a.sol", "eThor", "SWC-107", False),
        ("8b.sol", "Zeus", "SWC-101", True)]
    assert {x.file.name for x in read_cgt(tmp_path, "dev")} == {"0a.sol"}
    (test,) = read_cgt(tmp_path, "test")
    assert test.file == (tmp_path / "sources/8b.sol").resolve() and test.contract == ""


@pytest.mark.parametrize(("row", "message"), [
    ("sources/0a.sol,A,Zeus,0x1,R,REENTRANCY,1", "labels.csv:2: not an SWC id"),
    ("sources/0a.sol,A,Zeus,0x1,R,107,yes", "labels.csv:2: holds must be 0 or 1"),
])
def test_cgt_reader_bad_rows_name_file_and_line(tmp_path: Path, row: str, message: str) -> None:
    from bench.corpus import read_cgt

    write_cgt(tmp_path, [row], {})
    with pytest.raises(CorpusError, match=message):
        read_cgt(tmp_path)


def test_cgt_reader_refuses_a_dataset_contradicting_itself(tmp_path: Path) -> None:
    from bench.corpus import read_cgt

    write_cgt(tmp_path, ["sources/0a.sol,A,Zeus,0x1,R,107,1", "sources/0a.sol,A,Zeus,0x2,R,107,0"], {})
    with pytest.raises(CorpusError, match=r"labels.csv:3: Zeus says both"):
        read_cgt(tmp_path)


INHERIT = """pragma solidity ^0.4.24;
/* contract Fake is Base { } */
contract Base {
    function pay() public { msg.sender.transfer(1); }
}
contract Mid is Base { string s = "contract Hidden {"; }
contract Leaf is Mid, Other(1) { }
contract Other { constructor(uint x) public {} }
"""


def test_contract_spans_and_lineage_ignore_comments_and_strings() -> None:
    from swclint.analyze.contracts import contract_at, contract_spans, lineage

    spans = contract_spans(INHERIT)
    assert [(s.name, s.start, s.end, s.bases) for s in spans] == [
        ("Base", 3, 5, ()), ("Mid", 6, 6, ("Base",)), ("Leaf", 7, 7, ("Mid", "Other")), ("Other", 8, 8, ())]
    assert lineage(spans, "Leaf") == {"Leaf", "Mid", "Base", "Other"}
    assert lineage(spans, "Base") == {"Base"}
    assert lineage(spans, "NotHere") == {"NotHere"}
    assert contract_at(spans, 4) == "Base" and contract_at(spans, 1) is None


def _cgt_labels(file: Path) -> list:
    from bench.corpus import CgtLabel

    return [
        CgtLabel(file, "Leaf", "Zeus", "SWC-107", True),  # finding in Base, inherited: TP
        CgtLabel(file, "Other", "Zeus", "SWC-107", False),  # Other does not inherit Base: TN
        CgtLabel(file, "Mid", "eThor", "SWC-107", False),  # inherited finding on a negative: FP
        CgtLabel(file, "Leaf", "Zeus", "SWC-101", True),  # nothing of that class: FN
        CgtLabel(file, "", "Zeus", "SWC-116", True),  # no contract named: any finding in the file
        CgtLabel(file, "Other", "CodeSmells", "SWC-103", True),  # a finding on the pragma: every contract
    ]


def test_cgt_score_counts_inheritance_datasets_and_unanalysed_files(tmp_path: Path) -> None:
    from bench.cgt import FileResult, ToolResult, score_cgt

    file = tmp_path / "0a.sol"
    file.write_text(INHERIT)
    hits = {("SWC-107", "Base"), ("SWC-116", "Leaf"), ("SWC-103", None)}
    result = FileResult(file, {"swclint": ToolResult(2.0, True, set(hits)),
                               "slither": ToolResult(1.0, False, set(hits))})  # slither failed on it
    scored = score_cgt(_cgt_labels(file), [result], given=2)
    ours, theirs = scored["tools"]["swclint"], scored["tools"]["slither"]
    assert {k: ours["swc"]["SWC-107"][k] for k in ("tp", "fp", "fn", "tn")} == {"tp": 1, "fp": 1, "fn": 0, "tn": 1}
    assert ours["swc"]["SWC-107"]["f1"] == round(2 / 3, 3)
    assert ours["swc"]["SWC-101"]["recall"] == 0.0 and ours["swc"]["SWC-101"]["precision"] is None
    assert ours["swc116_recall"] == 1.0 and ours["swc"]["SWC-103"]["tp"] == 1
    assert ours["datasets"]["eThor"]["SWC-107"]["fp"] == 1 and ours["datasets"]["Zeus"]["SWC-107"]["fp"] == 0
    # the macro over the six classes counts the ones present (101: 0.0, 107: 0.667)
    assert ours["macro_f1"] == round((0.0 + 2 / 3) / 2, 3) and ours["macro_swc"] == ["SWC-101", "SWC-107"]
    assert ours["files_analysed"] == 1 and ours["analysed_ratio"] == 0.5 and ours["seconds_per_file"] == 1.0
    # a file a tool did not analyse flags nothing: its positives are misses
    assert theirs["swc"]["SWC-107"]["tp"] == 0 and theirs["swc"]["SWC-107"]["fn"] == 1
    assert scored["time_ratio"] == 2.0
    text = format_cgt_text(scored)
    assert "macro-F1" in text and "SWC-116 recall: 1.0" in text and "eThor:" in text


def format_cgt_text(scored: dict) -> str:
    from bench.cgt import format_cgt

    return format_cgt(scored)


def test_cgt_sample_is_deterministic_and_spread() -> None:
    from bench.cgt import sample_files

    files = [Path(f"/c/{c}{i}.sol") for c in "0123456789ab" for i in range(10)]
    first, again = sample_files(files, 12), sample_files(list(reversed(files)), 12)
    assert first == again and len(first) == 12
    assert len({f.name[0] for f in first}) > 3  # not just the files that sort first
    assert sample_files(files, None) == sorted(files)


@pytest.mark.parametrize("args", [
    ["--format", "csv", "--split", "dev"],
    ["--format", "csv", "--jobs", "2"],
    ["--format", "cgt", "--tools", "mythril"],
    ["--format", "cgt", "--tools", "swclint,mythril", "--llm"],
    ["--format", "cgt", "--split", "train"],
    ["--format", "cgt", "--sample", "0"],
])
def test_cgt_cli_usage_errors_are_one_line_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                  args: list[str]) -> None:
    write_cgt(tmp_path, ["sources/0a.sol,A,Zeus,0x1,R,107,1"], {"0a.sol": INHERIT})
    assert main(["detect", "--corpus", str(tmp_path), *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("bench") and ": error: " in err


def test_cgt_cli_missing_sources_are_named_and_json_has_the_acceptance_numbers(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import bench.cgt as cgt

    write_cgt(tmp_path, ["sources/0a.sol,Leaf,Zeus,0x1,R,107,1", "sources/1b.sol,X,Zeus,0x1,R,107,0"],
              {"0a.sol": INHERIT})

    def fake_run(files, tools, jobs=1, save=None):
        return [cgt.FileResult(f, {t: cgt.ToolResult(1.0, True, {("SWC-107", "Base")}) for t in tools})
                for f in files]

    monkeypatch.setattr(cgt, "run_files", fake_run)
    assert main(["detect", "--corpus", str(tmp_path), "--format", "cgt", "--json"]) == 0
    captured = capsys.readouterr()
    assert "1b.sol: labelled source file is missing" in captured.err
    out = json.loads(captured.out)
    assert out["files_given"] == 2 and out["files_missing"] == 1
    for tool in ("swclint", "slither"):
        t = out["tools"][tool]
        assert t["files_analysed"] == 1 and t["analysed_ratio"] == 0.5
        assert t["swc"]["SWC-107"]["tp"] == 1 and "macro_f1" in t and "swc116_recall" in t


CGT_E2E = """pragma solidity ^0.4.24;
contract Base {
    mapping(address => uint) public balances;
    function deposit() public payable { balances[msg.sender] += msg.value; }
    function withdraw() public {
        uint amount = balances[msg.sender];
        require(msg.sender.call.value(amount)());
        balances[msg.sender] = 0;
    }
}
contract Bank is Base { }
contract Counter {
    uint public count;
    function add(uint x) public { count += x; }
}
contract Tips {
    mapping(address => uint) public owed;
    function claim() public {
        if (msg.sender.send(owed[msg.sender])) { owed[msg.sender] = 0; }
    }
}
"""


@pytest.mark.e2e
def test_cgt_end_to_end_on_real_tools(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Real solc, Slither and our detectors: inherited reentrancy counts, per tool, same run."""
    import shutil

    if shutil.which("node") is None:
        pytest.skip("solc-js needs node")
    write_cgt(tmp_path, [
        "sources/0bank.sol,Bank,Zeus,0x1,Reentrancy,107,1",
        "sources/0bank.sol,Counter,Zeus,0x1,Reentrancy,107,0",
        "sources/0bank.sol,Counter,Zeus,0x1,Overflow,101,1",
        "sources/0bank.sol,Tips,Zeus,0x1,Reentrancy,107,0",
    ], {"0bank.sol": CGT_E2E})
    assert main(["detect", "--corpus", str(tmp_path), "--format", "cgt", "--split", "dev", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    ours, plain = out["tools"]["swclint"], out["tools"]["slither"]
    for tool in (ours, plain):
        assert tool["files_analysed"] == 1 and tool["seconds"] > 0
        # Bank via Base; Tips' stipend-bounded send is an informational note, not a claim
        assert (tool["swc"]["SWC-107"]["tp"], tool["swc"]["SWC-107"]["tn"]) == (1, 2)
    assert ours["swc"]["SWC-101"]["tp"] == 1  # our arithmetic detector; Slither has none
    assert plain["swc"]["SWC-101"]["fn"] == 1


def test_cgt_save_records_each_file_and_resumes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import bench.cgt as cgt

    calls: list[Path] = []

    def fake_file(args):
        file, tools = args
        calls.append(file)
        return cgt.FileResult(file, {t: cgt.ToolResult(0.5, True, {("SWC-107", "A")}, ["x"]) for t in tools})

    monkeypatch.setattr(cgt, "analyse_file", fake_file)
    monkeypatch.setattr(cgt, "warm_compilers", lambda files: None)
    files, save = [tmp_path / "0a.sol", tmp_path / "1b.sol"], tmp_path / "run.jsonl"
    first = cgt.run_files(files[:1], ("swclint", "slither"), save=save)
    with save.open("a") as handle:
        handle.write('{"file": "cut off')  # a run killed mid-line
    again = cgt.run_files(files, ("swclint", "slither"), save=save)
    assert calls == files  # 0a.sol ran once, 1b.sol once
    assert again[0].tools["slither"] == first[0].tools["slither"]
    assert cgt.run_files(files, ("swclint", "slither"), save=save) and calls == files


def test_cgt_saved_only_scores_recorded_files_without_running(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import bench.cgt as cgt

    write_cgt(tmp_path, ["sources/0a.sol,Leaf,Zeus,0x1,R,107,1", "sources/1b.sol,Leaf,Zeus,0x1,R,107,1"],
              {"0a.sol": INHERIT, "1b.sol": INHERIT})
    done = cgt.FileResult((tmp_path / "sources/0a.sol").resolve(),
                          {t: cgt.ToolResult(1.0, True, {("SWC-107", "Base")}) for t in ("swclint", "slither")})
    save = tmp_path / "run.jsonl"
    save.write_text(json.dumps(cgt._to_json(done)) + "\n")
    monkeypatch.setattr(cgt, "analyse_file", lambda args: pytest.fail("--saved-only must not run tools"))
    args = ["detect", "--corpus", str(tmp_path), "--format", "cgt", "--json", "--save", str(save)]
    assert main([*args, "--saved-only"]) == 0
    captured = capsys.readouterr()
    assert "scoring the 1 of 2 files" in captured.err
    out = json.loads(captured.out)
    assert out["files_given"] == 1 and out["tools"]["swclint"]["swc"]["SWC-107"]["tp"] == 1
    assert main(["detect", "--corpus", str(tmp_path), "--format", "cgt", "--saved-only"]) == 2
