"""The build pipeline: import every source → dedup → split → leakage check → files + card."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from dataset.card import write_card
from dataset.cgt import SOURCE as CGT
from dataset.cgt import import_cgt
from dataset.dedup import dedup, near_key_of
from dataset.errors import DatasetError
from dataset.extra import import_clean_dir, import_csv
from dataset.records import dumps
from dataset.seed import import_seed
from dataset.split import SPLITS, check_leakage, split_records
from dataset.swc_registry import import_registry
from dataset.synth import SOURCE as SYNTH
from dataset.synth import generate as generate_synth
from dataset.tokens import distribution, token_counter, training_text


@dataclass
class BuildConfig:
    out: Path
    seed: Path | None = None
    swc_registry: Path | None = None
    extra: list[Path] = field(default_factory=list)
    extra_csv: list[Path] = field(default_factory=list)
    seed_value: int = 13
    compile_check: bool = False
    tokenizer: str = "auto"  # "auto" (Gemma tokenizer if on disk) | "estimate"
    min_test: int = 100
    synth: int = 0  # generated vulnerable/fixed pairs per family, train split only
    synth_seed: int | None = None  # generator seed; None: the split seed
    cgt: Path | None = None  # CGT corpus (labels.csv + sources/); its dev split only
    cgt_limit: int | None = None  # at most this many CGT files (a spread sample); None: all
    jobs: int = 1  # CGT files analysed at once


def _import_all(cfg: BuildConfig, stats: Counter, compile_status: dict | None) -> tuple[list, list]:
    records: list[dict] = []
    sources: list[dict] = []

    def add(name: str, path: Path, recs: list[dict]) -> None:
        records.extend(recs)
        sources.append({"name": name, "input": str(path), "imported": len(recs)})

    if cfg.seed is not None:
        add("seed", cfg.seed, import_seed(_dir(cfg.seed), stats))
    if cfg.swc_registry is not None:
        add("swc-registry", cfg.swc_registry, import_registry(_dir(cfg.swc_registry), stats, compile_status))
    for folder in cfg.extra:
        add(f"extra:{folder.resolve().name}", folder, import_clean_dir(_dir(folder), stats))
    for csv_path in cfg.extra_csv:
        if not csv_path.is_file():
            raise DatasetError(f"{csv_path}: no such file")
        add(f"csv:{csv_path.stem}", csv_path, import_csv(csv_path, stats))
    if cfg.cgt is not None:
        if not cfg.cgt.exists():
            raise DatasetError(f"{cfg.cgt}: no such CGT corpus")
        add(CGT, cfg.cgt, import_cgt(cfg.cgt, stats, cfg.cgt_limit, jobs=cfg.jobs))
    if not sources:
        raise DatasetError("nothing to build: give --seed, --swc-registry, --extra, --extra-csv or --cgt")
    return records, sources


def _dir(path: Path) -> Path:
    if not path.is_dir():
        raise DatasetError(f"{path}: not a directory")
    return path


def _counts(records: list[dict]) -> dict:
    per_label = Counter(lab for r in records for lab in r["labels"])
    clean = sum(1 for r in records if not r["labels"])
    return {
        "records": len(records),
        "clean": clean,
        "vulnerable": len(records) - clean,
        "per_label": dict(sorted(per_label.items())),
        "with_fix": sum(1 for r in records if r["fix"]),
    }


def build(cfg: BuildConfig) -> dict:
    """Build the dataset into `cfg.out`; returns the card (also written as card.json and CARD.md)."""
    stats: Counter = Counter()
    compile_status: dict | None = {} if cfg.compile_check else None
    records, sources = _import_all(cfg, stats, compile_status)
    records = dedup(records, stats)
    splits = split_records(records, cfg.seed_value, min_test=cfg.min_test)
    if cfg.synth:
        # Generated pairs differ only in names by design, so they skip near-dedup, and they stay
        # out of valid/test so held-out numbers measure real code only.
        held_out = {near_key_of(r) for split in ("valid", "test") for r in splits[split]}
        synth_seed = cfg.seed_value if cfg.synth_seed is None else cfg.synth_seed
        synth = [r for r in generate_synth(cfg.synth, synth_seed, stats) if near_key_of(r) not in held_out]
        stats["synth.dropped_as_held_out_duplicate"] = stats["synth.vulnerable"] + stats["synth.fixed"] - len(synth)
        sources.append({"name": SYNTH, "input": f"dataset.synth, {cfg.synth} pairs per family, seed {synth_seed}",
                        "imported": len(synth)})
        splits["train"] = splits["train"] + synth
        records = records + synth
    kept = Counter(r["source"] for r in records)
    for src in sources:
        src["kept"] = kept.get(src["name"], 0)
    leak = check_leakage(splits)

    cfg.out.mkdir(parents=True, exist_ok=True)
    digests = {}
    for split in SPLITS:
        data = "".join(dumps(r) + "\n" for r in splits[split]).encode("utf-8")
        (cfg.out / f"{split}.jsonl").write_bytes(data)
        digests[f"{split}.jsonl"] = hashlib.sha256(data).hexdigest()

    method, count = token_counter(cfg.tokenizer)
    total = _counts(records)
    total["clean_fraction"] = round(total["clean"] / max(1, total["records"]), 4)
    card = {
        "seed_value": cfg.seed_value,
        "labels": sorted({lab for r in records for lab in r["labels"]}),
        "total": total,
        "counts": {s: _counts(splits[s]) for s in SPLITS},
        "sources": sources,
        "dedup": {k.removeprefix("dedup."): v for k, v in sorted(stats.items()) if k.startswith("dedup.")},
        "seed": {k.removeprefix("seed."): v for k, v in sorted(stats.items()) if k.startswith("seed.")},
        "imports": {k: v for k, v in sorted(stats.items()) if not k.startswith(("seed.", "dedup."))},
        "tokens": {
            "method": method,
            "per_split": {s: distribution(count([training_text(r) for r in splits[s]])) for s in SPLITS},
        },
        "leakage": leak,
        "sha256": digests,
    }
    if compile_status is not None:
        card["compile_check"] = compile_status
    write_card(card, cfg.out)
    return card
