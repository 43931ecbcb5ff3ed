"""How consistent are the dataset's labels? Evidence for what a classifier can reach on them.

    python -m bench.label_noise --data runs/data [--json]

Over the test records whose label is one of the model's classes:
- held-out F1 per label of the trainer's bag-of-words reference (TF-IDF + logistic regression,
  fitted on train): the number in the adapter's model card;
- near-duplicate agreement: for each vulnerable test record, its most similar vulnerable training
  record (cosine over the reference's TF-IDF); among pairs at least as similar as a threshold,
  the share that carry the same SWC class. Near-identical code filed under another class caps any
  classifier, however well it learns;
- how many test records the seed filed under two or more of the model's classes (the build keeps
  all labels; evaluation scores the first) and the build's count of such merges.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from swclint.cliutil import HELP, run_click
from swclint.llm.prompt import LABELS
from trainer.data import DataError, read_split, split_path
from trainer.metrics import compute_metrics
from trainer.reference import fit_reference, predict_reference

THRESHOLDS = (0.8, 0.9, 0.95)


def ambiguous_records(data: Path, split: str = "test") -> int:
    """Records whose labels name two or more of the model's classes."""
    count = 0
    with split_path(data, split).open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                labels = json.loads(line).get("labels") or []
                count += len({lab for lab in labels if lab in LABELS}) > 1
    return count


def _f1(metrics: dict) -> dict:
    return {lab: round(metrics[lab]["f1"], 3) for lab in LABELS} | {"macro_f1": round(metrics["macro_f1"], 3)}


def near_duplicate_agreement(train: list, test: list) -> dict[str, dict[str, float | int]]:
    """Per similarity threshold: vulnerable test records whose nearest vulnerable train record is that
    similar, and the share of those pairs with the same class."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    train = [r for r in train if r.label != "none"]
    test = [r for r in test if r.label != "none"]
    if not train or not test:
        return {str(t): {"pairs": 0, "same_class": 0.0} for t in THRESHOLDS}
    vectorizer = TfidfVectorizer(token_pattern=r"[A-Za-z_][A-Za-z0-9_]*|[^\sA-Za-z0-9_]+", sublinear_tf=True)
    a = vectorizer.fit_transform([r.text for r in train])
    similarity = (vectorizer.transform([r.text for r in test]) @ a.T).toarray()
    nearest, best = similarity.argmax(1), similarity.max(1)
    out = {}
    for t in THRESHOLDS:
        pairs = [i for i in range(len(test)) if best[i] >= t]
        same = sum(train[nearest[i]].label == test[i].label for i in pairs)
        out[str(t)] = {"pairs": len(pairs), "same_class": round(same / len(pairs), 3) if pairs else 0.0}
    return out


def measure(data: Path) -> dict:
    train, _ = read_split(data, "train")
    test, _ = read_split(data, "test")
    y_test = [r.label for r in test]
    held_out = predict_reference(fit_reference([r.text for r in train], [r.label for r in train]),
                                 [r.text for r in test])
    try:
        card = json.loads((data / "card.json").read_text(encoding="utf-8"))
        conflicts = card.get("dedup", {}).get("label_conflicts")
    except (OSError, ValueError, AttributeError):
        conflicts = None
    return {
        "test_records": len(test),
        "ambiguous_test_records": ambiguous_records(data),
        "label_conflicts": conflicts,
        "held_out": _f1(compute_metrics(y_test, held_out)),
        "near_duplicates": near_duplicate_agreement(train, test),
    }


@click.command(context_settings=HELP, help=__doc__.splitlines()[0])
@click.option("--data", type=click.Path(path_type=Path), required=True,
              help="Dataset directory (swclint-data build --out).")
@click.option("--json", "as_json", is_flag=True)
def cli(data: Path, as_json: bool) -> None:
    result = measure(data)
    if as_json:
        click.echo(json.dumps(result, indent=2))
        return
    click.echo(f"test records with a model label: {result['test_records']}, of which filed under two or more "
               f"classes: {result['ambiguous_test_records']}; functions merged across classes in the build: "
               f"{result['label_conflicts']}")
    click.echo("reference (TF-IDF + LR) held-out F1: "
               + ", ".join(f"{k} {v:.3f}" for k, v in result["held_out"].items()))
    click.echo("vulnerable test record vs its most similar vulnerable train record:")
    click.echo(f"{'cosine >=':>10} {'pairs':>6} {'same SWC class':>15}")
    for t, row in result["near_duplicates"].items():
        click.echo(f"{t:>10} {row['pairs']:>6} {row['same_class']:>15.3f}")


def main(argv: list[str] | None = None) -> int:
    return run_click(cli, argv, "python -m bench.label_noise", errors=(DataError, OSError, ValueError))


if __name__ == "__main__":
    sys.exit(main())
