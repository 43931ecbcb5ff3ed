"""The record format written to train/valid/test JSONL."""

from __future__ import annotations

import dataclasses
import hashlib
import json

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
