"""Import the seed instruction/response/category JSONL files (one snippet per record)."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from dataset.code_extract import extract_code
from dataset.errors import DatasetError
from dataset.normalise import near_key
from dataset.records import make_record, read_jsonl
from swclint.analyze.chunks import extract_chunks
from swclint.analyze.patterns import signals
from swclint.chunk import Chunk
from swclint.llm.prompt import LABELS

SOURCE = "seed"


def read_seed_dir(seed_dir: Path, stats: Counter) -> list[dict]:
    """All distinct raw records of every `*.jsonl` in `seed_dir`, in file then line order."""
    files = sorted(seed_dir.glob("*.jsonl"))
    if not files:
        raise DatasetError(f"{seed_dir}: no *.jsonl files")
    seen: set[tuple] = set()
    out: list[dict] = []
    for path in files:
        for _lineno, raw in read_jsonl(path):
            stats["seed.lines_read"] += 1
            key = (raw.get("instruction"), raw.get("response"), raw.get("category"))
            if key in seen:
                stats["seed.duplicate_lines"] += 1
                continue
            seen.add(key)
            out.append(raw)
    stats["seed.distinct_records"] = len(out)
    return out


def _mentioned(prose: str, name: str) -> bool:
    return bool(name) and re.search(rf"(?<![\w.]){re.escape(name)}(?!\w)", prose) is not None


def _targets(chunks: list[Chunk], prose: str, category: str) -> list[Chunk]:
    """The function(s) the record is about: named in the prose, else showing the class signal."""
    candidates = [c for c in chunks if c.kind != "modifier"] or chunks
    if len(candidates) == 1:
        return candidates
    named = [c for c in candidates if _mentioned(prose, c.function)]
    if named:
        return named
    return [c for c in candidates if category in signals(c)]


def import_seed(seed_dir: Path, stats: Counter) -> list[dict]:
    """Vulnerable records labelled with the category, plus accepted fixes as clean records."""
    out: list[dict] = []
    for raw in read_seed_dir(seed_dir, stats):
        category = raw.get("category")
        instruction = raw.get("instruction")
        if category not in LABELS or category == "none" or not isinstance(instruction, str):
            stats["seed.skipped.bad_category_or_instruction"] += 1
            continue
        code, prose = extract_code(instruction)
        chunks = extract_chunks(code) if code else []
        if not chunks:
            stats["seed.skipped.no_function_in_instruction"] += 1
            continue
        targets = _targets(chunks, prose, category)
        if not targets:
            stats["seed.skipped.target_function_ambiguous"] += 1
            continue
        group = "seed:" + near_key(targets[0].source)
        fixes = _fix_chunks(raw.get("response"), targets, category, stats)
        for target in targets:
            fix = fixes.get((target.kind, target.function))
            out.append(make_record(target, [category], fix.source if fix else None, SOURCE, group))
            stats[f"seed.vulnerable.{category}"] += 1
            if fix is not None:
                out.append(make_record(fix, [], None, SOURCE, group))
    return out


def _fix_chunks(
    response: object, targets: list[Chunk], category: str, stats: Counter
) -> dict[tuple[str, str], Chunk]:
    """Accepted fixes by (kind, name): code changed (near key) and the class signal gone."""
    if not isinstance(response, str):
        stats["seed.fix_dropped.no_response"] += len(targets)
        return {}
    code, _ = extract_code(response)
    by_name = {(c.kind, c.function): c for c in (extract_chunks(code) if code else [])}
    accepted: dict[tuple[str, str], Chunk] = {}
    for target in targets:
        fix = by_name.get((target.kind, target.function))
        if fix is None:
            stats["seed.fix_dropped.no_matching_function"] += 1
        elif near_key(fix.source) == near_key(target.source):
            stats["seed.fix_dropped.same_code"] += 1
        elif category in signals(fix):
            stats["seed.fix_dropped.signal_remains"] += 1
        else:
            stats["seed.fix_kept"] += 1
            accepted[(target.kind, target.function)] = fix
    return accepted
