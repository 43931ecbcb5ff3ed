"""How separable are the dataset's labels at all? Evidence for what a classifier can reach on them.

    python -m bench.label_noise --data runs/data [--json]

Prints, per label, the F1 of the trainer's bag-of-words reference (TF-IDF + logistic regression)
(a) fitted on train and scored on the whole test split, the held-out number, and (b) fitted on the
test split and scored on the same records: a fit on its own data that still misses a label means
records with near-identical text carry different labels. Also prints the dataset build's count of
functions the seed filed under more than one class (`label_conflicts` in card.json).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from swclint.llm.prompt import LABELS
from trainer.data import DataError, read_split
from trainer.metrics import compute_metrics
from trainer.reference import fit_reference, predict_reference


def measure(data: Path) -> dict:
    train, _ = read_split(data, "train")
    test, _ = read_split(data, "test")
    y_test = [r.label for r in test]
    texts = [r.text for r in test]
    held_out = compute_metrics(y_test, predict_reference(fit_reference([r.text for r in train],
                                                                      [r.label for r in train]), texts))
    self_fit = compute_metrics(y_test, predict_reference(fit_reference(texts, y_test), texts))
    card = json.loads((data / "card.json").read_text(encoding="utf-8")) if (data / "card.json").is_file() else {}
    return {
        "test_records": len(test),
        "label_conflicts": card.get("dedup", {}).get("label_conflicts"),
        "held_out": {lab: round(held_out[lab]["f1"], 3) for lab in LABELS} | {"macro_f1": round(held_out["macro_f1"], 3)},
        "self_fit": {lab: round(self_fit[lab]["f1"], 3) for lab in LABELS} | {"macro_f1": round(self_fit["macro_f1"], 3)},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.label_noise", description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="dataset directory (swclint-data build --out)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    try:
        result = measure(args.data)
    except DataError as exc:
        print(f"bench.label_noise: error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"test records: {result['test_records']}, functions filed under two classes by the seed "
          f"(merged in the build): {result['label_conflicts']}")
    print(f"{'label':10} {'held-out F1':>12} {'fit-on-test F1':>15}")
    for lab in [*LABELS, "macro_f1"]:
        print(f"{lab:10} {result['held_out'][lab]:>12.3f} {result['self_fit'][lab]:>15.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
