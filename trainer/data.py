"""Dataset records → token ids with answer-only labels, length-bucketed batches and collation."""

from __future__ import annotations

import hashlib
import random
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dataset.errors import DatasetError
from dataset.records import chunk_of, read_jsonl
from swclint.chunk import Chunk
from swclint.llm.prompt import LABELS, build_prompt, format_answer, render_chunk, verdict_continuations

IGNORE = -100
CARD_FILES = ("CARD.md", "card.json")


class DataError(Exception):
    """Unreadable dataset input; the message names the file and the cause on one line."""


@dataclass
class Record:
    id: str
    chunk: Chunk
    label: str
    fix: str | None
    text: str

    @property
    def prompt(self) -> str:
        return build_prompt(self.chunk)


@dataclass
class Example:
    input_ids: list[int]
    labels: list[int]  # IGNORE on prompt tokens, the token id on answer tokens
    weights: list[float]  # per-token loss weight (fix tokens may weigh less than verdict tokens)
    label: str
    truncated: bool = False


def record_label(labels: list[str] | None) -> str | None:
    """The record's class: its first label in LABELS, `none` when it has none, None when all are unknown."""
    if not labels:
        return "none"
    return next((lab for lab in labels if lab in LABELS), None)


def split_path(data_dir: str | Path, split: str) -> Path:
    return Path(data_dir) / f"{split}.jsonl"


def read_split(
    data_dir: str | Path, split: str, limit: int | None = None, skip: int = 0
) -> tuple[list[Record], int]:
    """Records of DIR/<split>.jsonl and how many were dropped for labels outside LABELS.

    `skip` passes over that many leading usable records, then `limit` caps what is kept.
    """
    path = split_path(data_dir, split)
    if not path.is_file():
        raise DataError(f"{path}: no such file (expected the dataset's {split} split)")
    records: list[Record] = []
    skipped = 0
    try:
        for lineno, raw in read_jsonl(path):
            try:
                label = record_label(raw.get("labels"))
                chunk = chunk_of(raw)
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                raise DataError(
                    f"{path}:{lineno}: not a dataset record ({type(exc).__name__}: {exc})"
                ) from exc
            if label is None:
                skipped += 1
                continue
            if skip > 0:
                skip -= 1
                continue
            fix = raw.get("fix") if label != "none" else None
            records.append(
                Record(str(raw.get("id", lineno)), chunk, label, fix, raw.get("text") or chunk.source)
            )
            if limit is not None and len(records) >= limit:
                break
    except DatasetError as exc:
        raise DataError(str(exc)) from None
    return records, skipped


def answer_pieces(label: str, fix: str | None) -> list[tuple[str, bool]]:
    """The answer split into (text, is_fix) pieces; the first piece is exactly the scored verdict."""
    full = format_answer([label], fix)
    verdict_only = format_answer([label])
    cont = verdict_continuations()[label]
    end = format_answer(["none"])[len(verdict_continuations()["none"]) :]
    head = verdict_only[: -len(end)]
    pieces = [(cont, False)]
    if head[len(cont) :]:
        pieces.append((head[len(cont) :], False))
    fix_part = full[len(head) : -len(end)]
    if fix_part:
        pieces.append((fix_part, True))
    pieces.append((end, False))
    return pieces


def encode(tokenizer: Any, record: Record, max_length: int, fix_weight: float, with_fix: bool,
           verdict_weight: float = 1.0) -> Example:
    """Prompt + answer ids; prompts over max_length lose the end of the code, never the task suffix.

    The first answer token is the one the classifier scores; `verdict_weight` lifts it above the
    format tokens that follow it (which are predictable once the verdict is known).
    """
    answer: list[int] = []
    weights: list[float] = []
    for text, is_fix in answer_pieces(record.label, record.fix if with_fix else None):
        ids = tokenizer.encode(text, add_special_tokens=False)
        answer += ids
        weights += [fix_weight if is_fix else 1.0] * len(ids)
    if weights:
        weights[0] = verdict_weight
    prompt = record.prompt
    prompt_ids = tokenizer.encode(prompt)
    truncated = False
    if len(prompt_ids) + len(answer) > max_length:
        truncated = True
        answer, weights = _cut_answer(answer, weights, max_length // 2)
        rendered = render_chunk(record.chunk)
        cut = prompt.index(rendered) + len(rendered)
        head = tokenizer.encode(prompt[:cut])
        suffix = tokenizer.encode(prompt[cut:], add_special_tokens=False)
        budget = max_length - len(answer) - len(suffix)
        if budget < 1:
            raise ValueError(
                f"max length {max_length} is below the task suffix plus answer "
                f"({len(suffix) + len(answer) + 1} tokens) of record {record.id}"
            )
        prompt_ids = head[:budget] + suffix
    return Example(
        input_ids=prompt_ids + answer,
        labels=[IGNORE] * len(prompt_ids) + answer,
        weights=[0.0] * len(prompt_ids) + weights,
        label=record.label,
        truncated=truncated,
    )


def _cut_answer(ids: list[int], weights: list[float], budget: int) -> tuple[list[int], list[float]]:
    """Drop fix tokens (weight != 1 or inside the fix) from the end of an over-long answer, keep the verdict."""
    if len(ids) <= budget:
        return ids, weights
    # The last tokens are the end mark; keep them, cut the middle (the fix).
    tail = 4
    return ids[: budget - tail] + ids[-tail:], weights[: budget - tail] + weights[-tail:]


def class_weights(labels: list[str]) -> dict[str, float]:
    """Inverse-frequency weights normalised to mean 1 over examples."""
    counts = Counter(labels)
    n, k = len(labels), len(counts)
    return {lab: n / (k * c) for lab, c in counts.items()}


def epoch_order(labels: list[str], seed: int, epoch: int, balance: str) -> list[int]:
    """Example indices for one epoch; `sample` draws classes uniformly (with replacement)."""
    rng = random.Random(seed * 100_003 + epoch)
    idx = list(range(len(labels)))
    if balance == "sample" and labels:
        w = class_weights(labels)
        return rng.choices(idx, weights=[w[lab] for lab in labels], k=len(idx))
    rng.shuffle(idx)
    return idx


def length_buckets(
    order: list[int], lengths: list[int], batch_size: int, seed: int, epoch: int
) -> list[list[int]]:
    """Batches of similar length (less padding): sort within windows of 50 batches, then shuffle batches."""
    rng = random.Random(seed * 7919 + epoch)
    window = batch_size * 50
    batches: list[list[int]] = []
    for start in range(0, len(order), window):
        part = sorted(order[start : start + window], key=lambda i: lengths[i])
        batches += [part[i : i + batch_size] for i in range(0, len(part), batch_size)]
    rng.shuffle(batches)
    return batches


def collate(
    examples: list[Example], pad_id: int, example_weights: list[float] | None = None
) -> dict[str, Any]:
    """Right-padded tensors: input_ids, attention_mask, labels (IGNORE on prompt/pad) and token weights."""
    import torch

    width = max(len(e.input_ids) for e in examples)
    n = len(examples)
    ids = torch.full((n, width), pad_id, dtype=torch.long)
    mask = torch.zeros((n, width), dtype=torch.long)
    labels = torch.full((n, width), IGNORE, dtype=torch.long)
    weights = torch.zeros((n, width), dtype=torch.float32)
    for i, e in enumerate(examples):
        k = len(e.input_ids)
        scale = example_weights[i] if example_weights else 1.0
        ids[i, :k] = torch.tensor(e.input_ids)
        mask[i, :k] = 1
        labels[i, :k] = torch.tensor(e.labels)
        weights[i, :k] = torch.tensor(e.weights) * scale
    return {"input_ids": ids, "attention_mask": mask, "labels": labels, "weights": weights}


def data_card_hash(data_dir: str | Path) -> str | None:
    """sha256 of the dataset's CARD.md / card.json (whichever exist), None when there is no card."""
    digest = hashlib.sha256()
    found = False
    for name in CARD_FILES:
        file = Path(data_dir) / name
        if file.is_file():
            digest.update(name.encode() + b"\0" + file.read_bytes())
            found = True
    return digest.hexdigest() if found else None
