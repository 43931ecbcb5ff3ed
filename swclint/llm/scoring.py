"""Label probabilities from one forward pass, and greedy fix generation.

The linter's classifier and the trainer's evaluation both call `classify`, so a metric measured in
training is the behaviour users get.
"""

from __future__ import annotations

from typing import Any

from swclint.llm.prompt import FIX_MAX_NEW_TOKENS, LABELS, verdict_continuations

END_MARK = "### End"


def causal_lm(model: Any) -> Any:
    """The transformers *ForCausalLM inside a PeftModel (LoRA layers stay injected in it)."""
    return model.get_base_model() if hasattr(model, "get_base_model") else model


def position_ids_for(attention_mask: Any) -> Any:
    """Positions that ignore padding, so left-padded rows see the same positions as unpadded ones."""
    return (attention_mask.long().cumsum(-1) - 1).clamp(min=0)


def hidden_states(model: Any, input_ids: Any, attention_mask: Any) -> Any:
    """Final hidden states of the decoder body [batch, seq, hidden]; no vocabulary projection."""
    body = causal_lm(model).get_decoder()
    out = body(
        input_ids=input_ids,
        attention_mask=attention_mask,
        position_ids=position_ids_for(attention_mask),
        use_cache=False,
    )
    return out.last_hidden_state


def lm_logits(model: Any, hidden: Any) -> Any:
    """Vocabulary logits for selected hidden states only, with the model's final soft-capping."""
    lm = causal_lm(model)
    logits = lm.get_output_embeddings()(hidden)
    cap = getattr(lm.config, "final_logit_softcapping", None)
    if cap:
        logits = (logits / cap).tanh() * cap
    return logits


def verdict_token_ids(tokenizer: Any) -> list[list[int]]:
    """Token ids of each label's verdict continuation, in LABELS order."""
    conts = verdict_continuations()
    return [tokenizer.encode(conts[label], add_special_tokens=False) for label in LABELS]


def first_tokens_distinct(tokenizer: Any) -> bool:
    firsts = [ids[0] for ids in verdict_token_ids(tokenizer) if ids]
    return len(firsts) == len(LABELS) and len(set(firsts)) == len(LABELS)


def _device(model: Any) -> Any:
    return next(causal_lm(model).parameters()).device


def _batch(tokenizer: Any, texts: list[str], device: Any) -> tuple[Any, Any]:
    import torch

    rows = [tokenizer.encode(t) for t in texts]
    return left_pad(rows, tokenizer.pad_token_id or 0, device, torch)


def left_pad(rows: list[list[int]], pad_id: int, device: Any, torch: Any) -> tuple[Any, Any]:
    width = max(len(r) for r in rows)
    ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for i, r in enumerate(rows):
        ids[i, width - len(r) :] = torch.tensor(r, dtype=torch.long)
        mask[i, width - len(r) :] = 1
    return ids.to(device), mask.to(device)


def label_logits(model: Any, tokenizer: Any, prompts: list[str], batch_size: int = 8) -> Any:
    """Unnormalised label scores [n, len(LABELS)] (log-probabilities of each verdict), float32 on CPU."""
    import torch

    if not prompts:
        return torch.zeros((0, len(LABELS)))
    conts = verdict_token_ids(tokenizer)
    distinct = first_tokens_distinct(tokenizer)
    # Batches of similar length: one long prompt must not pad seven short ones to its width.
    order = sorted(range(len(prompts)), key=lambda i: len(prompts[i]))
    scores = []
    with torch.inference_mode():
        for start in range(0, len(order), batch_size):
            chunk = [prompts[i] for i in order[start : start + batch_size]]
            if distinct:
                scores.append(_first_token_scores(model, tokenizer, chunk, [c[0] for c in conts]))
            else:
                scores.append(_sequence_scores(model, tokenizer, chunk, conts))
    sorted_scores = torch.cat(scores).float().cpu()
    out = torch.empty_like(sorted_scores)
    out[torch.tensor(order)] = sorted_scores
    return out


def _first_token_scores(model: Any, tokenizer: Any, prompts: list[str], firsts: list[int]) -> Any:
    ids, mask = _batch(tokenizer, prompts, _device(model))
    last = hidden_states(model, ids, mask)[:, -1, :]  # left padding: the last column is every prompt's end
    return lm_logits(model, last).float().log_softmax(-1)[:, firsts]


def _sequence_scores(model: Any, tokenizer: Any, prompts: list[str], conts: list[list[int]]) -> Any:
    """Fallback when verdict words share a first token: sum the log-probs of each whole continuation."""
    import torch

    device = _device(model)
    out = torch.zeros((len(prompts), len(conts)))
    prompt_rows = [tokenizer.encode(p) for p in prompts]
    for j, cont in enumerate(conts):
        rows = [r + cont for r in prompt_rows]
        ids, mask = left_pad(rows, tokenizer.pad_token_id or 0, device, torch)
        hidden = hidden_states(model, ids, mask)[:, -len(cont) - 1 : -1, :]
        logp = lm_logits(model, hidden).float().log_softmax(-1)
        target = torch.tensor(cont, device=device).expand(len(rows), -1)
        out[:, j] = logp.gather(-1, target.unsqueeze(-1)).squeeze(-1).sum(-1).cpu()
    return out


def probabilities(scores: Any, temperature: float = 1.0, bias: Any = None) -> list[dict[str, float]]:
    """softmax(scores / T + bias): the calibrated label distribution (bias per label, LABELS order)."""
    import torch

    logits = scores / max(temperature, 1e-6)
    if bias is not None:
        logits = logits + torch.as_tensor(bias, dtype=logits.dtype)
    probs = logits.softmax(-1)
    return [dict(zip(LABELS, (float(p) for p in row), strict=True)) for row in probs]


def classify(
    model: Any,
    tokenizer: Any,
    prompts: list[str],
    batch_size: int = 8,
    temperature: float | None = None,
) -> list[dict[str, float]]:
    """Probability of every label in LABELS for each prompt (the adapter's calibration by default)."""
    bias = None
    if temperature is None:
        temperature = float(getattr(model, "swclint_temperature", 1.0))
        bias = getattr(model, "swclint_bias", None)
    return probabilities(label_logits(model, tokenizer, prompts, batch_size), temperature, bias)


def generate_fix(model: Any, tokenizer: Any, prompt: str, max_new_tokens: int = FIX_MAX_NEW_TOKENS) -> str:
    """Greedy continuation of a fix prompt, cut at the end mark."""
    import torch

    ids, mask = _batch(tokenizer, [prompt], _device(model))
    with torch.inference_mode():
        out = model.generate(
            input_ids=ids,
            attention_mask=mask,
            max_new_tokens=max_new_tokens,
            do_sample=False,
            stop_strings=[END_MARK],
            tokenizer=tokenizer,
            pad_token_id=tokenizer.pad_token_id,
        )
    text = tokenizer.decode(out[0, ids.shape[1] :], skip_special_tokens=True)
    return text.split(END_MARK, 1)[0].strip()
