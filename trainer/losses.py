"""Answer-only loss: the vocabulary projection runs only where there is a target token.

Gemma's vocabulary has 262k entries, so full logits for a batch of 8 x 512 tokens would be 4 GiB in
fp32. Prompt tokens carry no loss, so their logits are never needed.
"""

from __future__ import annotations

from typing import Any

from swclint.llm.scoring import hidden_states, lm_logits, position_ids_for
from trainer.data import IGNORE


def answer_only_loss(model: Any, batch: dict[str, Any]) -> tuple[Any, int]:
    """Weighted mean cross-entropy over answer tokens, and how many answer tokens there were."""
    import torch.nn.functional as F

    hidden = hidden_states(model, batch["input_ids"], batch["attention_mask"])
    targets = batch["labels"][:, 1:]
    where = targets != IGNORE
    picked = hidden[:, :-1][where]  # position t predicts token t+1
    logits = lm_logits(model, picked).float()
    ce = F.cross_entropy(logits, targets[where], reduction="none")
    w = batch["weights"][:, 1:][where].to(ce.device)
    return (ce * w).sum() / w.sum().clamp(min=1e-8), int(where.sum())


def full_logits_loss(model: Any, batch: dict[str, Any]) -> tuple[Any, int]:
    """The same loss through the model's ordinary forward (all positions projected); the reference."""
    import torch.nn.functional as F

    out = model(
        input_ids=batch["input_ids"],
        attention_mask=batch["attention_mask"],
        position_ids=position_ids_for(batch["attention_mask"]),
        use_cache=False,
    )
    logits = out.logits[:, :-1].float()
    targets = batch["labels"][:, 1:]
    where = targets != IGNORE
    ce = F.cross_entropy(logits[where], targets[where], reduction="none")
    w = batch["weights"][:, 1:][where].to(ce.device)
    return (ce * w).sum() / w.sum().clamp(min=1e-8), int(where.sum())
