"""Import extra sources: folders of .sol declared clean, and generic `file,line,swc` CSVs."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

from dataset.errors import DatasetError
from dataset.records import make_record
from dataset.swc_registry import _read_text, label_chunk
from swclint.analyze.chunks import extract_chunks


def import_clean_dir(folder: Path, stats: Counter) -> list[dict]:
    """Every function of every .sol under `folder`, all clean; one group per file."""
    if not folder.is_dir():
        raise DatasetError(f"{folder}: not a directory")
    name = folder.resolve().name
    out: list[dict] = []
    for sol in sorted(folder.rglob("*.sol")):
        rel = sol.relative_to(folder).as_posix()
        for chunk in extract_chunks(_read_text(sol), rel):
            out.append(make_record(chunk, [], None, f"extra:{name}", f"extra:{name}:{rel}"))
            stats[f"extra:{name}.clean"] += 1
    return out


def read_csv_labels(csv_path: Path) -> dict[Path, dict[int, set[str]]]:
    """{file: {line: {SWC ids}}} from a `file,line,swc` CSV (header optional, paths relative to it)."""
    try:
        rows = list(csv.reader(csv_path.read_text(encoding="utf-8").splitlines()))
    except OSError as exc:
        raise DatasetError(f"{csv_path}: cannot read ({exc.strerror})") from None
    labels: dict[Path, dict[int, set[str]]] = {}
    for n, row in enumerate(rows, 1):
        if not row or (n == 1 and row[:3] == ["file", "line", "swc"]):
            continue
        if len(row) < 3 or not row[1].strip().isdigit() or not row[2].strip().startswith("SWC-"):
            raise DatasetError(f"{csv_path}:{n}: expected 'file,line,SWC-xxx', got {','.join(row)!r}")
        path = (csv_path.parent / row[0].strip()).resolve()
        if not path.is_file():
            raise DatasetError(f"{csv_path}:{n}: no such file {row[0].strip()}")
        labels.setdefault(path, {}).setdefault(int(row[1]), set()).add(row[2].strip())
    return labels


def import_csv(csv_path: Path, stats: Counter) -> list[dict]:
    """Every function of each listed file: labelled where a listed line falls inside, else clean."""
    name = csv_path.stem
    base = csv_path.parent.resolve()
    out: list[dict] = []
    for path, lines in sorted(read_csv_labels(csv_path).items()):
        rel = path.relative_to(base).as_posix() if path.is_relative_to(base) else path.as_posix()
        for chunk in extract_chunks(_read_text(path), rel):
            labels = label_chunk(chunk, lines)
            out.append(make_record(chunk, labels, None, f"csv:{name}", f"csv:{name}:{rel}"))
            stats[f"csv:{name}.vulnerable" if labels else f"csv:{name}.clean"] += 1
    return out
