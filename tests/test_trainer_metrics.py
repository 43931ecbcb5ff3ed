"""Metric math against hand-computed values, temperature fitting, reference model, model card."""

import pytest

torch = pytest.importorskip("torch")

from swclint.llm.prompt import LABELS  # noqa: E402
from trainer.calibrate import calibrated_nll, calibration_result, fit_calibration, fit_temperature, nll  # noqa: E402
from trainer.card import render_card  # noqa: E402
from trainer.metrics import compute_metrics, confusion  # noqa: E402
from trainer.reference import fit_reference, predict_reference  # noqa: E402

# Fixed prediction set. By hand:
#   SWC-107: tp=2 (rows 0,1), predicted 3 (rows 0,1,6), support 3 (rows 0,1,2) -> P=2/3 R=2/3 F1=2/3
#   SWC-101: tp=1 (row 3), predicted 1, support 2 (rows 3,4)                    -> P=1 R=1/2 F1=2/3
#   none:    tp=2 (rows 5,7), predicted 4 (rows 2,4,5,7), support 3 (rows 5,6,7) -> P=1/2 R=2/3 F1=4/7
#   macro over the 3 labels present: (2/3 + 2/3 + 4/7) / 3 = 40/63 ; accuracy 5/8
Y_TRUE = ["SWC-107", "SWC-107", "SWC-107", "SWC-101", "SWC-101", "none", "none", "none"]
Y_PRED = ["SWC-107", "SWC-107", "none", "SWC-101", "none", "none", "SWC-107", "none"]


def test_per_label_metrics_match_hand_computation():
    m = compute_metrics(Y_TRUE, Y_PRED)
    assert m["SWC-107"] == pytest.approx({"precision": 2 / 3, "recall": 2 / 3, "f1": 2 / 3, "support": 3})
    assert m["SWC-101"] == pytest.approx({"precision": 1.0, "recall": 0.5, "f1": 2 / 3, "support": 2})
    assert m["none"] == pytest.approx({"precision": 0.5, "recall": 2 / 3, "f1": 4 / 7, "support": 3})
    assert m["SWC-110"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0}
    assert m["macro_f1"] == pytest.approx(40 / 63)
    assert m["accuracy"] == pytest.approx(5 / 8)


def test_confusion_rows_are_truth_columns_predictions():
    conf = confusion(Y_TRUE, Y_PRED)
    assert conf["labels"] == list(LABELS)
    i = {lab: k for k, lab in enumerate(LABELS)}
    assert conf["matrix"][i["SWC-107"]][i["none"]] == 1
    assert conf["matrix"][i["none"]][i["SWC-107"]] == 1
    assert conf["matrix"][i["SWC-101"]][i["none"]] == 1
    assert sum(map(sum, conf["matrix"])) == len(Y_TRUE)


def test_a_predicted_but_absent_class_counts_in_macro_f1():
    m = compute_metrics(["none", "none"], ["none", "SWC-113"])
    # none: P=1 R=1/2 F1=2/3 ; SWC-113: predicted once, never true -> F1 0, counted
    assert m["macro_f1"] == pytest.approx((2 / 3 + 0.0) / 2)


def test_fit_temperature_sharpens_underconfident_scores():
    targets = torch.tensor([0, 1, 2, 0, 1, 2] * 5)
    scores = torch.nn.functional.one_hot(targets, 6).float() * 0.5  # right but nearly flat
    t = fit_temperature(scores, targets)
    assert t < 0.2
    assert nll(scores, targets, t) < nll(scores, targets, 1.0)


def test_fit_temperature_softens_overconfident_wrong_scores():
    targets = torch.tensor([0, 1, 2, 3])
    scores = torch.nn.functional.one_hot(torch.tensor([0, 1, 2, 0]), 6).float() * 30  # one confident miss
    t = fit_temperature(scores, targets)
    assert t > 1.0
    assert nll(scores, targets, t) < nll(scores, targets, 1.0)


def test_label_bias_corrects_a_skewed_prior_that_temperature_cannot():
    # Scores favour label 1 by a constant margin, but label 0 is true three times in four:
    # the argmax is wrong for most rows whatever T is; a bias on label 0 puts it right.
    gen = torch.Generator().manual_seed(0)
    targets = torch.tensor([0, 0, 0, 1] * 50)
    scores = torch.randn(200, 6, generator=gen) * 0.1
    scores[:, 1] += 1.0
    scores[:, 0] += 0.5
    t, bias = fit_calibration(scores, targets)
    assert abs(sum(bias)) < 1e-5 and bias[0] > bias[1]
    assert calibrated_nll(scores, targets, t, bias) < nll(scores, targets, fit_temperature(scores, targets))
    calibrated = (scores / t + torch.tensor(bias)).argmax(-1)
    assert (calibrated == targets).float().mean() > 0.7 > (scores.argmax(-1) == targets).float().mean()
    assert bias[2] == pytest.approx(bias[3])  # absent labels are left alone, not pushed to -inf


def test_calibration_result_names_every_label():
    targets = torch.tensor([0, 1, 2, 3, 4, 5] * 3)
    scores = torch.nn.functional.one_hot(targets, 6).float()
    result = calibration_result(scores, targets)
    assert list(result["bias"]) == ["none", "SWC-101", "SWC-107", "SWC-110", "SWC-113", "SWC-114"]
    assert result["nll_after"] <= result["nll_temperature_only"] + 1e-6 <= result["nll_before"] + 1e-6


def test_reference_learns_keywords_and_handles_one_class():
    texts = ["msg.sender.call.value(a)()", "x.call.value(1)()", "total = total + a", "supply += n"]
    labels = ["SWC-107", "SWC-107", "SWC-101", "SWC-101"]
    model = fit_reference(texts, labels)
    assert predict_reference(model, ["y.call.value(2)()", "count = count + a"]) == ["SWC-107", "SWC-101"]
    assert predict_reference(fit_reference(["a", "b"], ["none", "none"]), ["c"]) == ["none"]


def test_card_names_base_data_hash_metrics_and_gemma_terms():
    meta = {
        "base": "gemma-3-270m",
        "data_card_sha256": "ab" * 32,
        "config": {"r": 8, "targets": ["q_proj"]},
        "train_seconds": 12.5,
        "tokens_per_s": 140.0,
        "hardware": "CPU x2",
        "quant": "none",
    }
    metrics = {name: compute_metrics(Y_TRUE, Y_PRED) for name in ("adapter", "base", "reference")}
    card = render_card(meta, metrics, "cd" * 32)
    assert "ab" * 32 in card and "cd" * 32 in card
    assert "Gemma Terms of Use" in card
    assert "| r | 8 |" in card and "| targets | q_proj |" in card
    assert f"**{40 / 63:.3f}**" in card
    assert "140.0 tokens/s" in card


def test_the_card_states_per_class_doubt_thresholds():
    from trainer.card import _doubt_text

    text = _doubt_text({"SWC-114": 0.05, "SWC-113": 0.1})
    assert text.startswith("SWC-113 p <= 0.1, SWC-114 p <= 0.05") and "never demoted" in text
    assert _doubt_text(0.1).startswith("p <= 0.1: a static finding")
