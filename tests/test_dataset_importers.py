from collections import Counter
from pathlib import Path

import pytest

from dataset.code_extract import extract_code
from dataset.errors import DatasetError
from dataset.extra import import_clean_dir, import_csv
from dataset.records import chunk_of
from dataset.seed import import_seed
from dataset.swc_registry import import_registry
from swclint.llm.prompt import render_chunk

FIX = Path(__file__).parent / "fixtures" / "dataset"


def test_extract_code_from_quotes_backticks_and_fences():
    code, prose = extract_code("Check 'function f() public { a = 1; }' now.")
    assert code == "function f() public {\n    a = 1;\n}"
    assert "now" in prose and "function" not in prose
    code, _ = extract_code("Text\n```solidity\ncontract C {\n  uint x;\n}\n```\nmore")
    assert code == "contract C {\n  uint x;\n}"
    assert extract_code("The line 'x = y + 1;' overflows")[0] == ""


def test_seed_importer_labels_fixes_and_counts():
    stats = Counter()
    recs = import_seed(FIX / "seed", stats)
    got = [(r["chunk"]["function"], r["labels"], r["fix"] is not None) for r in recs]
    assert got == [
        ("withdraw", ["SWC-107"], True),
        ("withdraw", [], False),  # the accepted fix, as a clean example
        ("claim", ["SWC-107"], False),  # no response: kept, no fix
        ("payOut", ["SWC-107"], False),  # response code is the same: fix dropped
        ("check", ["SWC-110"], True),  # the function the prose names, not its helper
        ("check", [], False),
        ("deposit", ["SWC-110"], False),  # fix still asserts: dropped
        ("add", ["SWC-101"], True),
        ("add", [], False),
    ]
    assert stats["seed.duplicate_lines"] == 2
    assert stats["seed.skipped.no_function_in_instruction"] == 1
    assert stats["seed.fix_dropped.same_code"] == 2
    assert stats["seed.fix_dropped.no_response"] == 1
    assert stats["seed.fix_kept"] == 3
    fix = recs[1]
    assert fix["group"] == recs[0]["group"] and fix["source"] == "seed"
    assert recs[0]["text"] == render_chunk(chunk_of(recs[0]))
    assert "    balances[msg.sender] -= amount;" in recs[0]["text"]  # one-line code re-indented


def test_seed_importer_bad_json_names_file_and_line(tmp_path):
    (tmp_path / "x.jsonl").write_text('{"instruction": "a", "category": "SWC-107"}\n{oops\n')
    with pytest.raises(DatasetError, match=r"x\.jsonl:2: not valid JSON"):
        import_seed(tmp_path, Counter())


def test_registry_importer_line_labels_fixed_variants_and_groups():
    stats = Counter()
    recs = import_registry(FIX / "registry", stats)
    got = [(r["chunk"]["path"].split("/")[-1], r["chunk"]["function"], r["labels"]) for r in recs]
    assert got == [
        ("simple_dao.sol", "donate", []),
        ("simple_dao.sol", "withdraw", ["SWC-107"]),
        ("simple_dao.sol", "queryCredit", []),
        ("simple_dao_fixed.sol", "donate", []),
        ("simple_dao_fixed.sol", "withdraw", []),
    ]
    assert {r["group"] for r in recs} == {"swc:solidity/reentrancy/simple_dao"}
    assert "credit[msg.sender] -= amount;\n            require" in recs[1]["fix"]
    assert stats["swc-registry.vulnerable"] == 1 and stats["swc-registry.clean"] == 4


def test_registry_bad_yaml_is_one_line_error(tmp_path):
    case = tmp_path / "test_cases" / "c"
    case.mkdir(parents=True)
    (case / "c.sol").write_text("contract C { function f() public {} }")
    (case / "c.yaml").write_text("issues: [unclosed\n")
    with pytest.raises(DatasetError, match=r"c\.yaml: not valid YAML"):
        import_registry(tmp_path, Counter())


def test_extra_dir_is_all_clean_and_csv_labels_by_line():
    recs = import_clean_dir(FIX / "extra", Counter())
    assert [(r["chunk"]["function"], r["labels"], r["source"]) for r in recs] == [
        ("onlyOwner", [], "extra:extra"),
        ("owner", [], "extra:extra"),
        ("renounce", [], "extra:extra"),
    ]
    recs = import_csv(FIX / "csv" / "labels.csv", Counter())
    assert [(r["chunk"]["function"], r["labels"]) for r in recs] == [
        ("transfer", ["SWC-101"]),
        ("balanceOf", []),
    ]
    assert recs[0]["source"] == "csv:labels" and recs[0]["chunk"]["path"] == "Token.sol"


def test_csv_bad_row_names_file_and_line(tmp_path):
    (tmp_path / "l.csv").write_text("file,line,swc\nA.sol,x,SWC-101\n")
    with pytest.raises(DatasetError, match=r"l\.csv:2: expected"):
        import_csv(tmp_path / "l.csv", Counter())


def test_read_jsonl_skips_blank_lines_and_names_file_and_line(tmp_path):
    from dataset.records import read_jsonl

    path = tmp_path / "d.jsonl"
    path.write_text('{"a": 1}\n\n  \n{"b": 2}\n', encoding="utf-8")
    assert list(read_jsonl(path)) == [(1, {"a": 1}), (4, {"b": 2})]
    path.write_text('{"a": 1}\n[1, 2]\n', encoding="utf-8")
    with pytest.raises(DatasetError, match=r"d\.jsonl:2: expected a JSON object, got list"):
        list(read_jsonl(path))
    path.write_bytes(b'{"a": "\xff"}\n')
    with pytest.raises(DatasetError, match=r"d\.jsonl: not UTF-8 text"):
        list(read_jsonl(path))
    with pytest.raises(DatasetError, match=r"missing\.jsonl: cannot read"):
        list(read_jsonl(tmp_path / "missing.jsonl"))
