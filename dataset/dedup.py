"""Remove exact and near duplicates within and across sources."""

from __future__ import annotations

from collections import Counter

from dataset.normalise import exact_key, near_key


def near_key_of(record: dict) -> str:
    return near_key(record["chunk"]["source"])


def _merge(kept: dict, new: dict, stats: Counter, kind: str) -> dict:
    """The record to keep for one key: the vulnerable one wins; differing labels are a conflict."""
    stats[f"dedup.{kind}_removed"] += 1
    if kept["labels"] == new["labels"]:
        return kept
    stats["dedup.label_conflicts"] += 1
    if not kept["labels"]:
        return new
    if new["labels"]:
        merged = dict(kept)
        merged["labels"] = sorted(set(kept["labels"]) | set(new["labels"]))
        return merged
    return kept


def _dedup_by(records: list[dict], key_fn, stats: Counter, kind: str) -> list[dict]:
    kept: dict[str, dict] = {}
    for record in records:
        key = key_fn(record)
        kept[key] = _merge(kept[key], record, stats, kind) if key in kept else record
    return list(kept.values())


def dedup(records: list[dict], stats: Counter) -> list[dict]:
    """Exact duplicates (whitespace-collapsed text), then near duplicates (canonical function)."""
    stats["dedup.input"] = len(records)
    for name in ("exact_removed", "near_removed", "label_conflicts"):
        stats[f"dedup.{name}"] += 0  # always listed in the card
    out = _dedup_by(records, lambda r: exact_key(r["text"]), stats, "exact")
    out = _dedup_by(out, near_key_of, stats, "near")
    stats["dedup.output"] = len(out)
    return out
