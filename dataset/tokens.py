"""Token lengths of training sequences: the Gemma tokenizer when available, else an estimate."""

from __future__ import annotations

from collections.abc import Callable

from dataset.records import chunk_of
from swclint.llm.prompt import build_prompt, format_answer

CHARS_PER_TOKEN = 3.5
ESTIMATE = f"estimate: len(text)/{CHARS_PER_TOKEN} (tokenizer not available)"


def _gemma_counter() -> tuple[str, Callable[[list[str]], list[int]]] | None:
    """The default base model's tokenizer, only if already on disk (never converts or downloads)."""
    try:
        from swclint.llm import models
    except ImportError:
        return None
    try:
        if (
            models.BASE_MODELS.get(models.DEFAULT_BASE) == models.EMBEDDED
            and not (models.embedded_base_dir() / "config.json").is_file()
        ):
            return None
        tokenizer = models.load_tokenizer(models.DEFAULT_BASE)
    except Exception:  # noqa: BLE001 - any failure means: use the estimate
        return None

    def count(texts: list[str]) -> list[int]:
        if not texts:  # the fast tokenizer raises IndexError on an empty batch (an empty split)
            return []
        return [len(ids) for ids in tokenizer(texts, add_special_tokens=True)["input_ids"]]

    return f"tokenizer: {models.DEFAULT_BASE}", count


def training_text(record: dict) -> str:
    """Prompt plus target answer, as the trainer feeds them."""
    return build_prompt(chunk_of(record)) + format_answer(record["labels"], record["fix"])


def token_counter(mode: str = "auto") -> tuple[str, Callable[[list[str]], list[int]]]:
    """(method description, counter); mode 'estimate' skips the tokenizer."""
    found = _gemma_counter() if mode == "auto" else None
    if found is not None:
        return found
    return ESTIMATE, lambda texts: [round(len(t) / CHARS_PER_TOKEN) for t in texts]


def distribution(lengths: list[int]) -> dict[str, int]:
    if not lengths:
        return {"n": 0}
    ordered = sorted(lengths)

    def pct(p: float) -> int:
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))]

    return {
        "n": len(ordered),
        "min": ordered[0],
        "p50": pct(0.5),
        "p90": pct(0.9),
        "p99": pct(0.99),
        "max": ordered[-1],
        "over_1024": sum(1 for n in ordered if n > 1024),
    }
