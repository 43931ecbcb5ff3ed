"""The record format written to train/valid/test JSONL."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

from dataset.errors import DatasetError
from swclint.chunk import Chunk
from swclint.llm.prompt import render_chunk


def make_record(
    chunk: Chunk, labels: list[str] | tuple[str, ...], fix: str | None, source: str, group: str
) -> dict:
    """One record: the exact model input text, the chunk fields, labels ([] = clean) and provenance."""
    text = render_chunk(chunk)
    fields = {f.name: getattr(chunk, f.name) for f in dataclasses.fields(Chunk) if f.name != "meta"}
    fields["state_vars"] = list(fields["state_vars"])
    fields["modifiers"] = list(fields["modifiers"])
    return {
        "id": hashlib.sha256(text.encode()).hexdigest()[:16],
        "text": text,
        "chunk": fields,
        "labels": sorted(set(labels)),
        "fix": fix,
        "source": source,
        "group": group,
    }


def chunk_of(record: dict) -> Chunk:
    """The Chunk back from a record (for the trainer and for checks)."""
    fields = dict(record["chunk"])
    fields["state_vars"] = tuple(fields.get("state_vars", ()))
    fields["modifiers"] = tuple(fields.get("modifiers", ()))
    return Chunk(**fields)


def dumps(record: dict) -> str:
    return json.dumps(record, sort_keys=True, ensure_ascii=False)


def read_jsonl(path: Path) -> Iterator[tuple[int, dict]]:
    """(line number, object) for every non-blank line of a JSONL file.

    The one reader of the project's JSONL inputs (seed files, dataset splits): a line that is not a
    JSON object raises DatasetError naming the file and line, so every caller reports it the same way.
    """
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise DatasetError(f"{path}: cannot read ({exc.strerror or exc})") from None
    except UnicodeDecodeError as exc:
        raise DatasetError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    for lineno, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError as exc:
            raise DatasetError(f"{path}:{lineno}: not valid JSON ({getattr(exc, 'msg', exc)})") from None
        if not isinstance(obj, dict):
            raise DatasetError(f"{path}:{lineno}: expected a JSON object, got {type(obj).__name__}")
        yield lineno, obj
