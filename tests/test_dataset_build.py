import hashlib
import json
from pathlib import Path

import pytest

from dataset.cli import main
from dataset.normalise import near_key
from dataset.records import chunk_of
from swclint.llm.prompt import render_chunk

FIX = Path(__file__).parent / "fixtures" / "dataset"
FILES = ("train.jsonl", "valid.jsonl", "test.jsonl", "card.json", "CARD.md")


def build(out: Path, *extra: str) -> int:
    return main(
        [
            "build",
            "--seed", str(FIX / "seed"),
            "--swc-registry", str(FIX / "registry"),
            "--extra", str(FIX / "extra"),
            "--extra-csv", str(FIX / "csv" / "labels.csv"),
            "--out", str(out),
            "--min-test", "1",
            "--tokenizer", "estimate",
            *extra,
        ]
    )  # fmt: skip


def test_build_from_fixture_tree(tmp_path, capsys):
    assert build(tmp_path / "a") == 0
    assert "leakage 0" in capsys.readouterr().out
    out = tmp_path / "a"
    assert all((out / f).is_file() for f in FILES)
    card = json.loads((out / "card.json").read_text())
    records = {
        s: [json.loads(line) for line in (out / f"{s}.jsonl").read_text().splitlines()]
        for s in card["counts"]
    }
    all_recs = [r for recs in records.values() for r in recs]
    assert card["total"]["records"] == len(all_recs) == sum(c["records"] for c in card["counts"].values())
    assert card["total"]["clean"] == sum(not r["labels"] for r in all_recs)
    assert set(card["leakage"].values()) == {0}
    assert card["tokens"]["method"].startswith("estimate")
    assert card["seed"]["fix_kept"] == 3
    assert card["dedup"]["exact_removed"] >= 1  # the registry's unchanged `donate` in the fixed variant
    assert card["dedup"]["near_removed"] == 0
    assert {s["name"] for s in card["sources"]} == {"seed", "swc-registry", "extra:extra", "csv:labels"}
    for split, recs in records.items():
        for r in recs:
            assert set(r) == {"id", "text", "chunk", "labels", "fix", "source", "group"}
            assert r["text"] == render_chunk(chunk_of(r))
        keys = {near_key(r["chunk"]["source"]) for r in recs}
        for other, other_recs in records.items():
            if other != split:
                assert not keys & {near_key(r["chunk"]["source"]) for r in other_recs}
    for name, digest in card["sha256"].items():
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == digest
    assert "| near_key train/test | 0 |" in (out / "CARD.md").read_text()
    line = (out / "train.jsonl").read_text().splitlines()[0]
    assert line == json.dumps(json.loads(line), sort_keys=True, ensure_ascii=False)


def test_build_is_deterministic(tmp_path):
    assert build(tmp_path / "a") == 0
    assert build(tmp_path / "b") == 0
    for name in FILES:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_bad_input_is_a_one_line_error(tmp_path, capsys):
    assert main(["build", "--seed", str(tmp_path / "missing"), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "missing: not a directory" in err


def test_token_counter_takes_an_empty_split():
    """A split with no records (a small --cgt-limit import) counts as no lengths, not a traceback."""
    from dataset.tokens import _gemma_counter

    found = _gemma_counter()
    if found is None:
        pytest.skip("the embedded base model's tokenizer is not on disk (make setup converts it)")
    _, count = found
    assert count([]) == []
    assert count(["contract A {}"])[0] > 1
