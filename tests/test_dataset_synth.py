"""Generated vulnerable/fixed twins: their shape, where the build puts them, and whether real tools agree."""

import json
from collections import Counter, defaultdict

import pytest
from cli_helpers import run_json
from test_dataset_build import build

from dataset.synth import FAMILIES, cases, generate
from swclint.llm.prompt import LABELS


def test_every_family_yields_twins_that_differ_and_carry_the_answer():
    stats = Counter()
    records = generate(2, seed=5, stats=stats)
    assert stats == {"synth.vulnerable": 2 * len(FAMILIES), "synth.fixed": 2 * len(FAMILIES)}
    groups = defaultdict(list)
    for r in records:
        groups[r["group"]].append(r)
    assert len(groups) == 2 * len(FAMILIES)
    for group, (weak, safe) in groups.items():
        family = group.split(":")[1]
        assert weak["labels"] == [FAMILIES[family][0]] and weak["labels"][0] in LABELS
        assert safe["labels"] == [] and safe["fix"] is None
        if family == "overflow-dialect":  # same function, the compiler is the difference
            assert weak["chunk"]["pragma"] != safe["chunk"]["pragma"]
            continue
        assert weak["chunk"]["source"] != safe["chunk"]["source"]
        assert weak["fix"] == safe["chunk"]["source"].replace("\n    ", "\n")  # the twin, dedented
        assert weak["chunk"]["pragma"].startswith("pragma solidity ^0.")
        assert weak["chunk"]["contract"] and weak["text"].splitlines()[0] == weak["chunk"]["pragma"]


def test_generation_is_deterministic_and_seed_dependent():
    first = [c.source for c in cases(3, seed=1)]
    assert first == [c.source for c in cases(3, seed=1)]
    assert first != [c.source for c in cases(3, seed=2)]


def test_vulnerable_arithmetic_is_pre_08_or_unchecked():
    for case in cases(8, seed=3):
        if case.labels == ("SWC-101",) and "pragma solidity ^0.8" in case.source:
            assert "unchecked {" in case.source, case.path


def test_dialect_twins_differ_only_in_the_compiler():
    twins = [c for c in cases(4, seed=3) if c.family == "overflow-dialect"]
    for weak, fixed in zip(twins[::2], twins[1::2], strict=True):
        assert "^0.8.19" in fixed.source and "^0.8" not in weak.source
        assert weak.source.split("contract ", 1)[1] == fixed.source.split("contract ", 1)[1]
        assert ".add(" in weak.fix and ".add(" not in weak.source


def test_build_adds_synth_to_train_only(tmp_path):
    plain, synth_dir = tmp_path / "plain", tmp_path / "synth"
    assert build(plain) == 0
    assert build(synth_dir, "--synth", "2") == 0
    for split in ("valid", "test"):  # held-out numbers keep measuring real code only
        assert (synth_dir / f"{split}.jsonl").read_bytes() == (plain / f"{split}.jsonl").read_bytes()
    train = [json.loads(line) for line in (synth_dir / "train.jsonl").read_text().splitlines()]
    synth = [r for r in train if r["source"] == "synth"]
    assert len(synth) == 4 * len(FAMILIES)
    assert len(train) - len(synth) == len((plain / "train.jsonl").read_text().splitlines())
    card = json.loads((synth_dir / "card.json").read_text())
    (source,) = [s for s in card["sources"] if s["name"] == "synth"]
    assert source["kept"] == len(synth) and card["counts"]["train"]["records"] == len(train)


def test_synth_seed_draws_new_twins_and_leaves_held_out_alone(tmp_path):
    default, other = tmp_path / "default", tmp_path / "other"
    assert build(default, "--synth", "1") == 0
    assert build(other, "--synth", "1", "--synth-seed", "21") == 0
    for split in ("valid", "test"):
        assert (default / f"{split}.jsonl").read_bytes() == (other / f"{split}.jsonl").read_bytes()
    assert (default / "train.jsonl").read_bytes() != (other / "train.jsonl").read_bytes()
    (source,) = [s for s in json.loads((other / "card.json").read_text())["sources"] if s["name"] == "synth"]
    assert source["input"].endswith("seed 21")


@pytest.mark.e2e
def test_real_compiler_and_analyzer_agree_with_the_generated_labels(tmp_path):
    """Every generated contract compiles with real solc, and where swclint has a static detector for
    the class, it reports the vulnerable twin and not the fixed one. The twins of a case share their
    contract and function names, so this also pins that a lock on one file's `C.f` does not hide a
    re-entrancy in another file's `C.f`."""
    expect = {}
    for case in cases(1, seed=13):
        path = tmp_path / case.path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(case.source)
        expect[case.path] = set(case.labels)
    report, proc = run_json("--fail-on", "none", ".", cwd=tmp_path)
    assert report["errors"] == [], proc.stderr[-2000:]
    found = defaultdict(set)
    for f in report["findings"]:
        if f["severity"] != "info":  # notes (stipend-only reentrancy after a transfer) are not weaknesses
            found[f["location"]["path"]].add(f["swc_id"])
    model_only = {"frontrun-price", "frontrun-puzzle"}  # transaction-order classes without a detector
    for path, labels in expect.items():
        ours = found[path] & set(LABELS)
        if path.split("/")[1] in model_only:
            assert not ours, (path, ours)
        else:
            assert ours == labels, (path, ours, labels)
