"""The bag-of-words reference: TF-IDF + logistic regression on the record text.

A fine-tuned model that cannot beat this has learnt keywords, not code.
"""

from __future__ import annotations

from collections import Counter
from typing import Any


class _Majority:
    """Stand-in when the training split has a single class (LogisticRegression needs two)."""

    def __init__(self, label: str) -> None:
        self.label = label

    def predict(self, texts: list[str]) -> list[str]:
        return [self.label] * len(texts)


def fit_reference(texts: list[str], labels: list[str], seed: int = 0, c: float = 1.0) -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    if len(set(labels)) < 2:
        return _Majority(Counter(labels).most_common(1)[0][0] if labels else "none")
    # Solidity identifiers and operators carry the signal, so tokens include punctuation runs.
    vectorizer = TfidfVectorizer(
        token_pattern=r"[A-Za-z_][A-Za-z0-9_]*|[^\sA-Za-z0-9_]+",
        ngram_range=(1, 2),
        min_df=1,
        sublinear_tf=True,
        max_features=50_000,
    )
    classifier = LogisticRegression(C=c, max_iter=2000, class_weight="balanced", random_state=seed)
    return make_pipeline(vectorizer, classifier).fit(texts, labels)


def predict_reference(model: Any, texts: list[str]) -> list[str]:
    return [str(p) for p in model.predict(texts)] if texts else []
