"""Classifier scoring and fix generation on a tiny model whose output head we control."""

from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from swclint.chunk import Chunk  # noqa: E402
from swclint.llm import scoring  # noqa: E402
from swclint.llm.models import load_model  # noqa: E402
from swclint.llm.prompt import LABELS, build_prompt, verdict_continuations  # noqa: E402
from trainer.tiny import build_tiny_base  # noqa: E402

SOURCES = [
    "function withdraw(uint a) public {\n    msg.sender.call.value(a)();\n}",
    "function add(uint a) public {\n    total = total + a;\n    emit Added(a, total, msg.sender);\n}",
    "function get() public view returns (uint) {\n    return total;\n}",
]
PROMPTS = [build_prompt(Chunk(source=s, contract="Bank")) for s in SOURCES]


class BiasedHead(torch.nn.Module):
    """The original output head plus a fixed bonus on chosen token ids."""

    def __init__(self, head, bonus: dict[int, float]):
        super().__init__()
        self.head = head
        self.bonus = bonus

    def forward(self, hidden):
        logits = self.head(hidden)
        for token, value in self.bonus.items():
            logits[..., token] += value
        return logits


class ScriptedHead(torch.nn.Module):
    """Emits a fixed token sequence, one token per call (generation projects one position per step)."""

    def __init__(self, head, script: list[int]):
        super().__init__()
        self.head = head
        self.script = list(script)

    def forward(self, hidden):
        logits = torch.zeros(*hidden.shape[:-1], self.head.out_features)
        logits[..., self.script.pop(0) if self.script else 0] = 100.0
        return logits


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    base: Path = build_tiny_base(tmp_path_factory.mktemp("tiny") / "base", PROMPTS * 5)
    return load_model(base, dtype="float32")  # exact comparisons below; inference dtype is tested elsewhere


@pytest.fixture
def biased(tiny):
    model, tok = tiny
    original = model.lm_head
    target = tok.encode(verdict_continuations()["SWC-107"], add_special_tokens=False)[0]
    model.lm_head = BiasedHead(original, {target: 25.0})
    yield model, tok
    model.lm_head = original


def test_first_tokens_are_distinct_for_the_tiny_tokenizer(tiny):
    _, tok = tiny
    assert scoring.first_tokens_distinct(tok)


def test_probabilities_cover_labels_and_sum_to_one(tiny):
    model, tok = tiny
    out = scoring.classify(model, tok, PROMPTS, batch_size=2)
    assert len(out) == 3
    for probs in out:
        assert list(probs) == list(LABELS)
        assert sum(probs.values()) == pytest.approx(1.0, abs=1e-5)


def test_biased_model_picks_the_biased_label(biased):
    model, tok = biased
    for probs in scoring.classify(model, tok, PROMPTS):
        assert max(probs, key=probs.get) == "SWC-107"
        assert probs["SWC-107"] > 0.99


def test_sequence_fallback_agrees_with_first_token_scoring(biased, monkeypatch):
    model, tok = biased
    fast = scoring.label_logits(model, tok, PROMPTS)
    monkeypatch.setattr(scoring, "first_tokens_distinct", lambda _tok: False)
    slow = scoring.label_logits(model, tok, PROMPTS)
    # the tiny tokenizer has one token per verdict word, so both sum exactly the same log-probs
    assert torch.allclose(fast, slow, atol=1e-4)


def test_left_padding_does_not_change_a_prompts_scores(tiny):
    model, tok = tiny
    alone = scoring.label_logits(model, tok, [PROMPTS[2]])
    padded = scoring.label_logits(model, tok, [PROMPTS[1], PROMPTS[2]])  # PROMPTS[2] is the shorter one
    assert len(tok.encode(PROMPTS[1])) > len(tok.encode(PROMPTS[2]))
    assert torch.allclose(alone[0], padded[1], atol=1e-4)


def test_temperature_flattens_probabilities(biased):
    model, tok = biased
    sharp = scoring.classify(model, tok, PROMPTS[:1], temperature=1.0)[0]
    flat = scoring.classify(model, tok, PROMPTS[:1], temperature=100.0)[0]
    assert flat["SWC-107"] < sharp["SWC-107"]
    model.swclint_temperature = 100.0  # what load_model sets from calibration.json
    try:
        assert scoring.classify(model, tok, PROMPTS[:1])[0] == pytest.approx(flat)
    finally:
        model.swclint_temperature = 1.0


def test_label_bias_from_calibration_shifts_the_verdict(biased):
    model, tok = biased
    plain = scoring.classify(model, tok, PROMPTS[:1])[0]
    top = max(plain, key=plain.get)
    model.swclint_bias = tuple(-100.0 if label == top else 0.0 for label in scoring.LABELS)
    try:
        shifted = scoring.classify(model, tok, PROMPTS[:1])[0]
    finally:
        del model.swclint_bias
    assert shifted[top] < 1e-6 and sum(shifted.values()) == pytest.approx(1.0)
    assert scoring.classify(model, tok, PROMPTS[:1], temperature=1.0)[0] == pytest.approx(plain)  # explicit T: raw


def test_generate_fix_is_greedy_and_stops_at_the_end_mark(tiny):
    model, tok = tiny
    script = tok.encode("total = total.add(a);\n### End\nignored junk", add_special_tokens=False)
    original = model.lm_head
    model.lm_head = ScriptedHead(original, script)
    try:
        fix = scoring.generate_fix(model, tok, PROMPTS[1], max_new_tokens=len(script))
    finally:
        model.lm_head = original
    assert fix == "total = total.add(a);"


def test_length_sorted_batches_return_scores_in_input_order(tiny):
    model, tok = tiny
    prompts = [PROMPTS[1], PROMPTS[2], PROMPTS[0], PROMPTS[1] + " x" * 40]
    together = scoring.label_logits(model, tok, prompts, batch_size=2)
    for i, prompt in enumerate(prompts):
        assert torch.allclose(together[i], scoring.label_logits(model, tok, [prompt])[0], atol=1e-4)
