"""`swclint-data mix`: chosen sources in full, a seeded replay of the rest, valid/test untouched."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from dataset.cli import main
from dataset.records import dumps


def _write(path: Path, rows: list[dict]) -> None:
    path.write_text("".join(dumps(r) + "\n" for r in rows), encoding="utf-8")  # as the build writes


def _data(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    rows = [{"text": f"cgt {i} é", "labels": ["SWC-101"] if i % 2 else [], "source": "cgt"} for i in range(4)]
    rows += [{"text": f"seed {i}", "labels": ["SWC-107"], "source": "seed"} for i in range(10)]
    rows += [{"text": f"synth {i}", "labels": [], "source": "synth"} for i in range(10)]
    _write(data / "train.jsonl", rows)
    _write(data / "valid.jsonl", [{"text": "v", "labels": [], "source": "seed"}])
    _write(data / "test.jsonl", [{"text": "t", "labels": [], "source": "seed"}])
    return data


def _train(out: Path) -> list[dict]:
    return [json.loads(x) for x in (out / "train.jsonl").read_text(encoding="utf-8").splitlines()]


def test_mix_keeps_every_chosen_record_and_replays_the_others(tmp_path, capsys):
    data = _data(tmp_path)
    assert main(["mix", "--data", str(data), "--source", "cgt", "--replay", "1.5", "--out", str(tmp_path / "m")]) == 0
    train = _train(tmp_path / "m")
    by_source = Counter(r["source"] for r in train)
    assert by_source["cgt"] == 4
    assert by_source["seed"] + by_source["synth"] == 6
    build_lines = set((data / "train.jsonl").read_text(encoding="utf-8").splitlines())
    assert set((tmp_path / "m" / "train.jsonl").read_text(encoding="utf-8").splitlines()) <= build_lines
    assert (tmp_path / "m" / "valid.jsonl").read_bytes() == (data / "valid.jsonl").read_bytes()
    assert (tmp_path / "m" / "test.jsonl").read_bytes() == (data / "test.jsonl").read_bytes()
    summary = json.loads((tmp_path / "m" / "mix.json").read_text(encoding="utf-8"))
    assert summary["records"] == 4 and summary["replayed"] == 6
    assert summary["labels"] == {"SWC-101": 2, "none": 2}
    assert "train 10 (4 of cgt, 6 replayed)" in capsys.readouterr().out


def test_mix_is_reproducible_and_the_seed_changes_the_draw(tmp_path):
    data = _data(tmp_path)
    for name, seed in (("a", "0"), ("b", "0"), ("c", "5")):
        assert main(["mix", "--data", str(data), "--source", "cgt", "--seed", seed, "--out", str(tmp_path / name)]) == 0
    a, b, c = (_train(tmp_path / n) for n in "abc")
    assert a == b
    assert a != c


def test_mix_with_replay_zero_keeps_only_the_chosen_sources(tmp_path):
    data = _data(tmp_path)
    assert main(["mix", "--data", str(data), "--source", "cgt", "--source", "synth", "--replay", "0",
                 "--out", str(tmp_path / "m")]) == 0
    assert Counter(r["source"] for r in _train(tmp_path / "m")) == {"cgt": 4, "synth": 10}


def test_mix_names_the_file_and_the_cause_on_bad_input(tmp_path, capsys):
    data = _data(tmp_path)
    assert main(["mix", "--data", str(data), "--source", "nope", "--out", str(tmp_path / "m")]) == 2
    err = capsys.readouterr().err
    assert "train.jsonl: no record of source nope (sources here: cgt, seed, synth)" in err
    assert "Traceback" not in err
    (data / "train.jsonl").write_text('{"source": "cgt"}\nnot json\n', encoding="utf-8")
    assert main(["mix", "--data", str(data), "--source", "cgt", "--out", str(tmp_path / "m")]) == 2
    assert "train.jsonl:2: not valid JSON" in capsys.readouterr().err
    assert main(["mix", "--data", str(data), "--source", "cgt", "--replay", "-1", "--out", str(tmp_path / "m")]) == 2
    assert "--replay -1.0: must be 0 or more" in capsys.readouterr().err
