"""A continued-training set: the records of chosen sources plus a replay of the others.

Fine-tuning an adapter further on one new source alone makes it forget the rest; drawing as many
(times `replay`) records of the other sources back in keeps them in view. Only the train split is
mixed: valid and test are copied unchanged, so calibration and evaluation see the same records as
the build they came from.
"""

from __future__ import annotations

import json
import random
import shutil
from collections import Counter
from pathlib import Path

from dataset.errors import DatasetError
from dataset.records import dumps, read_jsonl

MIX_FILE = "mix.json"
COPIED = ("valid.jsonl", "test.jsonl", "card.json", "CARD.md")


def _label_counts(rows: list[dict]) -> dict[str, int]:
    return dict(Counter(",".join(r.get("labels") or ["none"]) for r in rows).most_common())


def mix(data: Path, out: Path, sources: list[str], replay: float = 1.0, seed: int = 0) -> dict:
    """Write `out`: train = every record of `sources` + replay x as many drawn from the other sources."""
    if replay < 0:
        raise DatasetError(f"--replay {replay}: must be 0 or more")
    rows = [row for _, row in read_jsonl(data / "train.jsonl")]
    wanted = set(sources)
    chosen = [r for r in rows if r.get("source") in wanted]
    if not chosen:
        present = ", ".join(sorted({str(r.get("source")) for r in rows})) or "none"
        raise DatasetError(f"{data / 'train.jsonl'}: no record of source {', '.join(sources)} "
                           f"(sources here: {present})")
    others = [r for r in rows if r.get("source") not in wanted]
    rng = random.Random(seed)
    drawn = rng.sample(others, min(len(others), round(replay * len(chosen))))
    train = chosen + drawn
    rng.shuffle(train)
    out.mkdir(parents=True, exist_ok=True)
    with (out / "train.jsonl").open("w", encoding="utf-8") as fh:
        fh.writelines(dumps(r) + "\n" for r in train)  # as the build writes its splits
    for name in COPIED:
        if (data / name).is_file():
            shutil.copyfile(data / name, out / name)
    summary = {"from": str(data), "sources": sorted(wanted), "replay": replay, "seed": seed,
               "records": len(chosen), "replayed": len(drawn),
               "labels": _label_counts(chosen), "replayed_labels": _label_counts(drawn),
               "replayed_sources": dict(Counter(r.get("source") for r in drawn).most_common())}
    (out / MIX_FILE).write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return summary
