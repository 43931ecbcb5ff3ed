"""Per-label precision/recall/F1, macro-F1 and the confusion matrix: pure functions, no model."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from swclint.llm.prompt import LABELS


def confusion(y_true: Sequence[str], y_pred: Sequence[str], labels: Sequence[str] = LABELS) -> dict[str, Any]:
    """Rows are true labels, columns predicted labels, both in `labels` order."""
    index = {lab: i for i, lab in enumerate(labels)}
    matrix = [[0] * len(labels) for _ in labels]
    for t, p in zip(y_true, y_pred, strict=True):
        matrix[index[t]][index[p]] += 1
    return {"labels": list(labels), "matrix": matrix}


def compute_metrics(
    y_true: Sequence[str], y_pred: Sequence[str], labels: Sequence[str] = LABELS
) -> dict[str, Any]:
    """{label: {precision, recall, f1, support}} for every label, plus macro_f1 and accuracy.

    A metric with a zero denominator is 0. macro_f1 averages over the labels that occur in the
    truth or the predictions: a class absent from both has no defined F1 and is not counted as 0.
    """
    matrix = confusion(y_true, y_pred, labels)["matrix"]
    out: dict[str, Any] = {}
    counted = []
    for i, lab in enumerate(labels):
        tp = matrix[i][i]
        support = sum(matrix[i])
        predicted = sum(row[i] for row in matrix)
        precision = tp / predicted if predicted else 0.0
        recall = tp / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        out[lab] = {"precision": precision, "recall": recall, "f1": f1, "support": support}
        if support or predicted:
            counted.append(f1)
    out["macro_f1"] = sum(counted) / len(counted) if counted else 0.0
    n = len(y_true)
    out["accuracy"] = sum(matrix[i][i] for i in range(len(labels))) / n if n else 0.0
    return out
