"""CGT dev split -> weakly labelled function records: fake static stage (unit), real one (e2e)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from dataset.cgt import SOURCE, import_cgt, require_dev
from dataset.cli import main
from dataset.errors import DatasetError
from swclint.findings import Finding, Location

CGT = Path(__file__).parent / "fixtures" / "cgt_mini"
BANK = "0a1b2c3d4e5f60718293a4b5c6d7e8f9.sol"  # Payer (withdraw: re-entrant), Bank is Payer, Token
VAULT = "1f2e3d4c5b6a79808172635445362718.sol"  # datasets disagree on Vault's SWC-107
HELD = "8e7d6c5b4a39281706f5e4d3c2b1a098.sol"  # test split


def _finding(path: str, swc: str, line: int, contract: str = "", function: str = "") -> Finding:
    return Finding(swc, swc, "high", 0.5, Location(path, line, line), "m", contract=contract, function=function)


STATIC = {  # what a static stage could say; the importer trusts only the line to find the function
    BANK: [_finding(BANK, "SWC-107", 8, "Payer", "withdraw"), _finding(BANK, "SWC-101", 24, "Token", "buy"),
           _finding(BANK, "SWC-102", 1), _finding(BANK, "SWC-107", 4)],  # 4: a state variable
    VAULT: [_finding(VAULT, "SWC-107", 12, "Vault", "redeem")],
}


def fake_static(seen: list[str]):
    def analyse(file: Path):
        seen.append(file.name)
        return STATIC.get(file.name), None if file.name in STATIC else "compile: broken"
    return analyse


def by_function(records: list[dict]) -> dict[str, list[str]]:
    return {f"{r['chunk']['contract']}.{r['chunk']['function']}": r["labels"] for r in records}


def test_candidates_in_labelled_contracts_become_weak_positives_and_negatives():
    stats: Counter = Counter()
    seen: list[str] = []
    records = import_cgt(CGT, stats, analyse=fake_static(seen), warn=lambda line: None)
    # Payer.withdraw is inherited by Bank (labelled re-entrant); Token is labelled free of overflow
    assert by_function(records) == {"Payer.withdraw": ["SWC-107"], "Token.buy": []}
    assert {r["source"] for r in records} == {SOURCE}
    assert {r["group"] for r in records} == {f"cgt:sources/{BANK}"}
    assert records[0]["chunk"]["path"] == f"sources/{BANK}"
    assert HELD not in seen  # the test split is never analysed
    assert stats["cgt.labels_ignored_test_split"] == 1
    assert stats["cgt.labels_disagree_skipped"] == 1  # Vault SWC-107: DatasetA 1, DatasetB 0
    assert stats["cgt.candidates_unjudged"] == 1 and stats["cgt.functions_skipped_unjudged"] == 1  # Vault.redeem
    assert stats["cgt.candidates_outside_functions"] == 1
    assert stats["cgt.weak_positive.SWC-107"] == 1 and stats["cgt.negative.SWC-101"] == 1
    assert stats["cgt.records_weak_positive"] == 1 and stats["cgt.records_negative"] == 1


def test_a_function_positive_for_one_class_keeps_that_label_when_another_is_negative():
    static = {BANK: [_finding(BANK, "SWC-107", 25), _finding(BANK, "SWC-101", 24)], VAULT: []}
    stats: Counter = Counter()
    # Token.buy: SWC-101 judged negative, SWC-107 judged negative too (Token is labelled for both)
    records = import_cgt(CGT, stats, analyse=lambda f: (static[f.name], None), warn=lambda line: None)
    assert by_function(records) == {"Token.buy": []}
    assert stats["cgt.negative.SWC-107"] == 1 and stats["cgt.negative.SWC-101"] == 1


def test_a_file_without_a_static_result_is_one_line_and_the_rest_goes_on():
    lines: list[str] = []
    stats: Counter = Counter()
    static = {BANK: STATIC[BANK]}
    records = import_cgt(CGT, stats, analyse=lambda f: (static.get(f.name), None if f.name in static else
                                                        "compile: ParserError"), warn=lines.append)
    assert [ln for ln in lines if "cgt: no static result" in ln] == [
        f"{(CGT / 'sources' / VAULT).resolve()}: cgt: no static result (compile: ParserError)"]
    assert stats["cgt.files_failed"] == 1 and stats["cgt.files_analysed"] == 1 and len(records) == 2


def test_limit_takes_a_sample_of_the_files():
    seen: list[str] = []
    import_cgt(CGT, Counter(), limit=1, analyse=fake_static(seen), warn=lambda line: None)
    assert len(seen) == 1


def _static_of(file: Path):
    return STATIC.get(file.name), None if file.name in STATIC else "compile: broken"


def test_jobs_analyse_files_in_worker_processes_and_keep_the_records_in_file_order():
    one, two = Counter(), Counter()
    serial = import_cgt(CGT, one, analyse=_static_of, warn=lambda line: None)
    parallel = import_cgt(CGT, two, analyse=_static_of, warn=lambda line: None, jobs=2)
    assert parallel == serial and one == two and len(serial) == 2


def test_test_split_files_are_refused_loudly():
    require_dev(CGT / "sources" / BANK)
    with pytest.raises(DatasetError, match="test-split file; only the dev split"):
        require_dev(CGT / "sources" / HELD)


def test_a_missing_corpus_is_a_one_line_error(tmp_path, capsys):
    assert main(["build", "--cgt", str(tmp_path / "nope"), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "nope: no such CGT corpus" in err
    (tmp_path / "cgt").mkdir()
    assert main(["build", "--cgt", str(tmp_path / "cgt"), "--out", str(tmp_path / "o")]) == 2
    assert "labels.csv: missing" in capsys.readouterr().err


@pytest.mark.e2e
def test_build_with_cgt_runs_the_real_static_stage_and_trains(tmp_path, capsys):
    """Real solc + Slither on the fixture corpus, the card records the source, and the trainer takes it."""
    fix = Path(__file__).parent / "fixtures" / "dataset"
    out = tmp_path / "data"
    assert main(["build", "--seed", str(fix / "seed"), "--extra", str(fix / "extra"), "--cgt", str(CGT),
                 "--jobs", "2", "--out", str(out), "--min-test", "1", "--tokenizer", "estimate"]) == 0
    card = json.loads((out / "card.json").read_text())
    cgt = next(s for s in card["sources"] if s["name"] == SOURCE)
    assert cgt["imported"] == 3 and cgt["kept"] == 3 and cgt["input"] == str(CGT)
    assert card["imports"]["cgt.files_analysed"] == 2 and card["imports"]["cgt.labels_disagree_skipped"] == 1
    assert "| cgt |" in (card_md := (out / "CARD.md").read_text()) and "weak positive" in card_md
    records = [json.loads(line) for s in ("train", "valid", "test") for line in
               (out / f"{s}.jsonl").read_text().splitlines()]
    assert by_function([r for r in records if r["source"] == SOURCE]) == {"Payer.withdraw": ["SWC-107"],
                                                                         "Token.buy": [], "Token.transfer": []}

    torch = pytest.importorskip("torch")
    pytest.importorskip("peft")
    from trainer.config import TrainConfig
    from trainer.tiny import build_tiny_base
    from trainer.train import train

    torch.manual_seed(0)
    base = build_tiny_base(tmp_path / "tiny", [r["text"] for r in records])
    summary = train(TrainConfig(base=str(base), max_steps=2, batch_size=2, log_every=1, save_every=0,
                                warmup_ratio=0.0), out, tmp_path / "run", progress=False)
    assert summary["train_records"] > 0 and (tmp_path / "run" / "adapter_model.safetensors").is_file()
