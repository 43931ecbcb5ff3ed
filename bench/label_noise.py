"""How separable are the dataset's labels at all? Evidence for what a classifier can reach on them.

    python -m bench.label_noise --data runs/data [--json]

Over the test records whose label is one of the model's classes, prints per label the F1 of the
trainer's bag-of-words reference (TF-IDF + logistic regression):
(a) held-out: fitted on train, scored on test (the number in the adapter's model card);
(b) memorised: fitted on the test records themselves with almost no regularisation (C=1e6) and
    scored on them; what it still misses are records whose words match records of another label.
Also prints how many test records the seed filed under two or more of the model's classes (the
build keeps all labels; evaluation scores the first) and the build's count of such merges.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from swclint.llm.prompt import LABELS
from trainer.data import DataError, read_split, split_path
from trainer.metrics import compute_metrics
from trainer.reference import fit_reference, predict_reference

MEMORISE_C = 1e6


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


def measure(data: Path) -> dict:
    train, _ = read_split(data, "train")
    test, _ = read_split(data, "test")
    y_test = [r.label for r in test]
    texts = [r.text for r in test]
    held_out = predict_reference(fit_reference([r.text for r in train], [r.label for r in train]), texts)
    memorised = predict_reference(fit_reference(texts, y_test, c=MEMORISE_C), texts)
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
        "memorised": _f1(compute_metrics(y_test, memorised)),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.label_noise", description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="dataset directory (swclint-data build --out)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    try:
        result = measure(args.data)
    except (DataError, OSError, ValueError) as exc:
        print(f"bench.label_noise: error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"test records with a model label: {result['test_records']}, of which filed under two or more "
          f"classes: {result['ambiguous_test_records']}; functions merged across classes in the build: "
          f"{result['label_conflicts']}")
    print(f"{'label':10} {'held-out F1':>12} {'memorised F1':>13}")
    for lab in [*LABELS, "macro_f1"]:
        print(f"{lab:10} {result['held_out'][lab]:>12.3f} {result['memorised'][lab]:>13.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
