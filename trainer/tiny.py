"""A tiny randomly initialised Gemma 3 "base" with its own tokenizer, for smoke tests on CPU.

It exercises the whole pipeline (load, LoRA, 4-bit, scoring, export) in seconds, without weights.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from swclint.llm.prompt import LABEL_WORDS, LABELS, verdict_continuations


def build_tiny_base(
    out: str | Path,
    texts: Iterable[str],
    *,
    vocab_size: int = 512,
    hidden_size: int = 64,
    layers: int = 2,
    seed: int = 0,
) -> Path:
    """Train a byte-level BPE on `texts`, build a 2-layer Gemma 3 text model, save both to `out`."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import Gemma3ForCausalLM, Gemma3TextConfig, PreTrainedTokenizerFast

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    specials = ["<pad>", "<eos>", "<bos>", "<unk>"]
    tok = Tokenizer(models.BPE(unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    # Each verdict word and SWC id become whole tokens so the classifier's first tokens are distinct.
    extra = list(verdict_continuations().values()) + [f" ({lab})" for lab in LABELS] + ["\n### End"]
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=specials,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    corpus = list(texts) + extra * 50 + list(LABEL_WORDS.values()) * 50
    tok.train_from_iterator(corpus, trainer=trainer)
    from tokenizers.processors import TemplateProcessing

    bos = tok.token_to_id("<bos>")
    tok.post_processor = TemplateProcessing(single="<bos> $A", special_tokens=[("<bos>", bos)])
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok, bos_token="<bos>", eos_token="<eos>", pad_token="<pad>", unk_token="<unk>"
    )
    fast.save_pretrained(out)

    torch.manual_seed(seed)
    config = Gemma3TextConfig(
        vocab_size=len(fast),
        hidden_size=hidden_size,
        intermediate_size=hidden_size * 2,
        num_hidden_layers=layers,
        num_attention_heads=2,
        num_key_value_heads=1,
        head_dim=32,
        max_position_embeddings=2048,
        sliding_window=64,
        initializer_range=0.2,  # larger logits range than the default 0.02: LoRA can move the loss fast
        pad_token_id=fast.pad_token_id,
        bos_token_id=fast.bos_token_id,
        eos_token_id=fast.eos_token_id,
    )
    model = Gemma3ForCausalLM(config)
    model.save_pretrained(out, safe_serialization=True)
    return out
