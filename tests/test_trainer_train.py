"""Training on a tiny random Gemma 3: loss falls, answer-only loss is exact, adapters reload, resume works."""

import json
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("peft")

from safetensors.torch import load_file  # noqa: E402

from swclint.llm.prompt import format_answer, verdict_continuations  # noqa: E402
from trainer.config import TrainConfig  # noqa: E402
from trainer.data import (  # noqa: E402
    IGNORE,
    DataError,
    answer_pieces,
    collate,
    encode,
    length_buckets,
    read_split,
    record_label,
)
from trainer.losses import answer_only_loss, full_logits_loss  # noqa: E402
from trainer.tiny import build_tiny_base  # noqa: E402
from trainer.train import build_model, train  # noqa: E402

DATA = Path(__file__).parent / "fixtures" / "trainer" / "data"
FAST = {
    "lr": 2e-2,
    "batch_size": 4,
    "targets": ("q_proj", "k_proj", "v_proj", "o_proj"),
    "dropout": 0.0,
    "log_every": 1,
    "save_every": 0,
    "warmup_ratio": 0.0,
}


def fixture_texts() -> list[str]:
    records, _ = read_split(DATA, "train")
    return [r.prompt + format_answer([r.label], r.fix) for r in records]


@pytest.fixture(scope="module")
def tiny_base(tmp_path_factory) -> Path:
    return build_tiny_base(tmp_path_factory.mktemp("tiny") / "base", fixture_texts())


def read_log(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "train_log.jsonl").read_text().splitlines()]


def test_record_labels_follow_the_label_set():
    assert record_label([]) == "none"
    assert record_label(["SWC-999", "SWC-107"]) == "SWC-107"
    assert record_label(["SWC-999"]) is None
    records, skipped = read_split(DATA, "train")
    assert skipped == 1 and len(records) == 24
    assert {r.label for r in records} == {"SWC-107", "SWC-101", "none"}
    later, _ = read_split(DATA, "train", limit=5, skip=20)  # a later stage on records not yet seen
    assert [r.id for r in later] == [r.id for r in records[20:24]]
    assert [r.id for r in read_split(DATA, "train", limit=3, skip=2)[0]] == [r.id for r in records[2:5]]


def test_bad_jsonl_names_file_and_line(tmp_path):
    (tmp_path / "train.jsonl").write_text('{"id": "a", "chunk": {"source": "x"}, "labels": []}\n{oops\n')
    with pytest.raises(DataError, match=r"train\.jsonl:2: not valid JSON"):
        read_split(tmp_path, "train")
    with pytest.raises(DataError, match=r"valid\.jsonl: no such file"):
        read_split(tmp_path, "valid")


def test_answer_pieces_rebuild_the_answer_and_start_with_the_verdict():
    pieces = answer_pieces("SWC-107", "fixed();")
    assert "".join(text for text, _ in pieces) == format_answer(["SWC-107"], "fixed();")
    assert pieces[0] == (verdict_continuations()["SWC-107"], False)
    assert [is_fix for _, is_fix in pieces].count(True) == 1
    assert "".join(t for t, _ in answer_pieces("none", "ignored")) == format_answer([])


def test_encode_masks_prompt_weights_fix_and_truncates_code_not_task(tiny_base):
    from swclint.llm.models import load_tokenizer

    tok = load_tokenizer(tiny_base)
    rec = next(r for r in read_split(DATA, "train")[0] if r.label == "SWC-107")
    ex = encode(tok, rec, max_length=1024, fix_weight=0.25, with_fix=True)
    n_prompt = len(tok.encode(rec.prompt))
    assert ex.labels[:n_prompt] == [IGNORE] * n_prompt
    assert ex.labels[n_prompt:] == ex.input_ids[n_prompt:]
    assert set(ex.weights[n_prompt:]) == {1.0, 0.25} and not ex.truncated
    assert tok.decode(ex.input_ids[n_prompt:]) == format_answer(["SWC-107"], rec.fix)

    short = encode(tok, rec, max_length=n_prompt - 5, fix_weight=0.25, with_fix=False)
    assert short.truncated and len(short.input_ids) == n_prompt - 5
    text = tok.decode(short.input_ids, skip_special_tokens=True)
    assert text.endswith(format_answer(["SWC-107"]))
    assert "### Verdict:" in text and "### Task" in text
    with pytest.raises(ValueError, match="max length 10 is below the task suffix"):
        encode(tok, rec, max_length=10, fix_weight=0.25, with_fix=False)


def test_length_buckets_cover_every_index_once_and_group_lengths():
    lengths = [5, 50, 6, 51, 7, 52, 8, 53]
    batches = length_buckets(list(range(8)), lengths, 2, seed=1, epoch=0)
    assert sorted(i for b in batches for i in b) == list(range(8))
    assert all(abs(lengths[b[0]] - lengths[b[-1]]) <= 1 for b in batches)
    assert batches == length_buckets(list(range(8)), lengths, 2, seed=1, epoch=0)


def test_answer_only_loss_equals_full_logits_loss(tiny_base):
    cfg = TrainConfig(base=str(tiny_base), dropout=0.0)
    model, tok, frozen = build_model(cfg, "cpu", "none")
    with torch.no_grad():  # make LoRA non-trivial so the comparison covers it
        for name, p in model.named_parameters():
            if "lora_B" in name:
                p.normal_(0, 0.1)
    records, _ = read_split(DATA, "train")
    batch = collate([encode(tok, r, 256, 0.5, True) for r in records[:5]], tok.pad_token_id)
    a, n_a = answer_only_loss(model, batch)
    a.backward()
    grads_a = {n: p.grad.clone() for n, p in model.named_parameters() if p.requires_grad}
    model.zero_grad()
    f, n_f = full_logits_loss(model, batch)
    f.backward()
    assert n_a == n_f > 0
    assert a.item() == pytest.approx(f.item(), rel=1e-5)
    for n, p in model.named_parameters():
        if p.requires_grad:
            assert torch.allclose(grads_a[n], p.grad, rtol=1e-4, atol=1e-7), n
    frozen.remove()


def test_upper_layers_only_adapts_and_freezes_lower(tiny_base):
    model, tok, frozen = build_model(TrainConfig(base=str(tiny_base), layers=1), "cpu", "none")
    lora = [n for n, p in model.named_parameters() if p.requires_grad]
    assert lora and all(".layers.1." in n for n in lora)
    seen = {}
    layers = model.get_base_model().model.layers

    def record(_module, _args, out):
        seen["lower"] = (out[0] if isinstance(out, tuple) else out).requires_grad

    layers[0].register_forward_hook(record)
    model.enable_input_require_grads()  # what gradient checkpointing does: lower layers would need grad
    records, _ = read_split(DATA, "train")
    loss, _ = answer_only_loss(model, collate([encode(tok, records[0], 256, 0.5, True)], tok.pad_token_id))
    loss.backward()
    assert seen["lower"] is False and torch.is_grad_enabled()
    assert all(model.get_parameter(n).grad is not None for n in lora)
    frozen.remove()


def test_training_lowers_loss_and_saves_a_plain_peft_adapter(tiny_base, tmp_path):
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    out = tmp_path / "run"
    summary = train(TrainConfig(base=str(tiny_base), max_steps=30, **FAST), DATA, out, progress=False)
    losses = [e["loss"] for e in read_log(out)]
    assert len(losses) == 30
    assert sum(losses[-5:]) / 5 < 0.7 * sum(losses[:5]) / 5
    assert summary["skipped_records"] == 1 and summary["train_records"] == 24
    assert summary["data_card_sha256"] and summary["tokens_per_s"] > 0
    assert (out / "adapter_model.safetensors").is_file() and not list(out.glob("*.bin"))
    calib = json.loads((out / "calibration.json").read_text())
    assert calib["n"] == 6 and calib["temperature"] > 0 and calib["nll_after"] <= calib["nll_before"] + 1e-6

    reloaded = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(tiny_base), out)
    saved = load_file(out / "adapter_model.safetensors")
    assert any(float(t.abs().sum()) > 0 for k, t in saved.items() if "lora_B" in k)
    state = {k: v for k, v in reloaded.state_dict().items() if "lora_" in k}
    assert len(state) == len(saved)
    for key, tensor in saved.items():
        match = [
            v
            for k, v in state.items()
            if k.replace(".default", "").endswith(key.split("base_model.model.")[-1])
        ]
        assert match and torch.equal(match[0], tensor), key


def test_resume_continues_to_the_same_adapter(tiny_base, tmp_path):
    cfg = TrainConfig(base=str(tiny_base), max_steps=6, **{**FAST, "save_every": 3, "dropout": 0.1})
    train(cfg, DATA, tmp_path / "straight", progress=False)
    interrupted = tmp_path / "resumed"
    train(cfg, DATA, interrupted, progress=False)
    (interrupted / "adapter_model.safetensors").unlink()
    assert (interrupted / "checkpoints" / "step-0000003").is_dir()
    summary = train(cfg, DATA, interrupted, resume=True, progress=False)
    assert summary["steps"] == 6
    a = load_file(tmp_path / "straight" / "adapter_model.safetensors")
    b = load_file(interrupted / "adapter_model.safetensors")
    assert a.keys() == b.keys()
    assert all(torch.allclose(a[k], b[k], atol=1e-6) for k in a)


def test_init_adapter_continues_from_an_exported_adapter(tiny_base, tmp_path):
    first = tmp_path / "first"
    train(TrainConfig(base=str(tiny_base), max_steps=4, r=4, alpha=8, layers=1, **FAST), DATA, first,
          progress=False)
    cfg = TrainConfig(base=str(tiny_base), max_steps=1, init_adapter=str(first), lr=0.0, warmup_ratio=0.0,
                      **{k: v for k, v in FAST.items() if k not in ("lr", "warmup_ratio")}).with_adapter_shape()
    assert (cfg.r, cfg.alpha, cfg.layers) == (4, 8, 1)  # the adapter's shape, not the defaults
    train(cfg, DATA, tmp_path / "second", progress=False)
    a = load_file(first / "adapter_model.safetensors")
    b = load_file(tmp_path / "second" / "adapter_model.safetensors")
    assert a.keys() == b.keys()
    assert all(torch.equal(a[k], b[k]) for k in a)  # lr 0: the loaded weights come back unchanged
    meta = json.loads((tmp_path / "second" / "train_meta.json").read_text())
    assert meta["parent"]["steps"] == 4 and meta["steps"] == 1  # the lineage is kept
    from trainer.card import render_card

    card = render_card(meta, None, "sha")
    assert "Trained in stages" in card and "\n| 1 | " in card and "\n| 2 | " in card
    with pytest.raises(ValueError, match="no adapter to continue from"):
        TrainConfig(init_adapter=str(tmp_path / "missing")).with_adapter_shape()


def test_class_balanced_weights_and_sampling_run(tiny_base, tmp_path):
    for balance in ("weights", "sample"):
        summary = train(
            TrainConfig(base=str(tiny_base), max_steps=2, balance=balance, no_fix=True, **FAST),
            DATA,
            tmp_path / balance,
            progress=False,
        )
        assert summary["steps"] == 2 and summary["final_loss"] > 0


def test_4bit_training_through_bitsandbytes(tiny_base, tmp_path):
    pytest.importorskip("bitsandbytes")
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    out = tmp_path / "q4"
    cfg = TrainConfig(base=str(tiny_base), quant="4bit", max_steps=25, **FAST)
    model, _, frozen = build_model(cfg, "cpu", "4bit")
    assert type(model.get_base_model().model.layers[0].self_attn.q_proj.base_layer).__name__ == "Linear4bit"
    frozen.remove()
    del model
    summary = train(cfg, DATA, out, progress=False)
    losses = [e["loss"] for e in read_log(out)]
    assert summary["quant"] == "4bit"
    assert sum(losses[-5:]) / 5 < sum(losses[:5]) / 5
    PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(tiny_base), out)
