"""Deterministic, group-aware, stratified train/valid/test split, and the leakage check."""

from __future__ import annotations

import hashlib
import math
from collections import Counter, defaultdict

from dataset.dedup import near_key_of
from dataset.errors import DatasetError

SPLITS = ("train", "valid", "test")
CLEAN = "clean"


def _rank(seed: int, text: str) -> str:
    return hashlib.sha256(f"{seed}:{text}".encode()).hexdigest()


def group_class(records: list[dict], totals: Counter) -> str:
    """A group's stratum: its rarest vulnerable label, or 'clean'."""
    labels = {lab for r in records for lab in r["labels"]}
    return min(labels, key=lambda lab: (totals[lab], lab)) if labels else CLEAN


def split_records(
    records: list[dict], seed: int = 13, fractions: tuple[float, float] = (0.1, 0.1), min_test: int = 100
) -> dict[str, list[dict]]:
    """Assign whole groups to splits, per stratum in seeded-hash order: test, then valid, then train.

    Test (and valid) take about `fractions` of each stratum's records, and test at least
    `min_test` records of each label where the stratum holds more than 3x that.
    """
    groups: dict[str, list[dict]] = defaultdict(list)
    for record in records:
        groups[record["group"]].append(record)
    totals = Counter(lab for r in records for lab in r["labels"])
    totals[CLEAN] = sum(1 for r in records if not r["labels"])
    strata: dict[str, list[str]] = defaultdict(list)
    for gid, members in groups.items():
        strata[group_class(members, totals)].append(gid)

    assignment: dict[str, str] = {}
    for stratum, gids in sorted(strata.items()):
        gids.sort(key=lambda g: _rank(seed, g))

        def weight(g: str, stratum: str = stratum) -> int:
            return sum(1 for r in groups[g] if (stratum in r["labels"]) or (stratum == CLEAN))

        n = sum(weight(g) for g in gids)
        want_test = math.ceil(fractions[1] * n)
        if n >= 3 * min_test:
            want_test = max(want_test, min_test)
        want_valid = math.ceil(fractions[0] * n)
        got = Counter()
        for g in gids:
            split = "test" if got["test"] < want_test else "valid" if got["valid"] < want_valid else "train"
            assignment[g] = split
            got[split] += weight(g)

    out: dict[str, list[dict]] = {s: [] for s in SPLITS}
    for gid, members in groups.items():
        out[assignment[gid]].extend(members)
    for split in SPLITS:
        out[split].sort(key=lambda r: _rank(seed, r["id"]))
    return out


def leakage(splits: dict[str, list[dict]]) -> dict[str, int]:
    """Near-key and group overlaps between each pair of splits (all must be 0)."""
    keys = {s: {near_key_of(r) for r in recs} for s, recs in splits.items()}
    groups = {s: {r["group"] for r in recs} for s, recs in splits.items()}
    result = {}
    for i, a in enumerate(SPLITS):
        for b in SPLITS[i + 1 :]:
            result[f"near_key {a}/{b}"] = len(keys[a] & keys[b])
            result[f"group {a}/{b}"] = len(groups[a] & groups[b])
    return result


def check_leakage(splits: dict[str, list[dict]]) -> dict[str, int]:
    result = leakage(splits)
    bad = {k: v for k, v in result.items() if v}
    if bad:
        raise DatasetError(f"leakage between splits: {bad}")
    return result
