"""The miniature's model: a small Qwen2 (the 14B model's architecture) initialised from a config.

Saved with its tokenizer in one directory, so every later stage loads it with
`AutoModelForCausalLM.from_pretrained(dir)` exactly as it would load a Hub checkpoint.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import torch
from transformers import (
    AutoModelForCausalLM,
    GenerationConfig,
    PreTrainedTokenizerBase,
    Qwen2Config,
)


def init_model(tokenizer: PreTrainedTokenizerBase, arch: dict, seed: int, out_dir: Path) -> int:
    """Write a freshly initialised Qwen2 and its tokenizer to `out_dir`; returns the parameter count."""
    torch.manual_seed(seed)
    config = Qwen2Config(
        vocab_size=len(tokenizer),
        hidden_size=arch["hidden_size"],
        intermediate_size=arch["intermediate_size"],
        num_hidden_layers=arch["num_hidden_layers"],
        num_attention_heads=arch["num_attention_heads"],
        num_key_value_heads=arch["num_key_value_heads"],
        max_position_embeddings=arch["max_position_embeddings"],
        tie_word_embeddings=True,
        bos_token_id=None,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        # Eager attention is faster than SDPA at this size on a CPU.
        attn_implementation=arch["attn_implementation"],
    )
    model = AutoModelForCausalLM.from_config(config)
    model.generation_config = GenerationConfig(eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id)
    model.save_pretrained(out_dir)
    tokenizer.save_pretrained(out_dir)
    return sum(p.numel() for p in model.parameters())


def init_from_corpus(corpus: pd.DataFrame, prompts: dict, vocab_size: int, arch: dict, seed: int, out_dir: Path) -> int:
    """A tokenizer trained on the corpus's problems and traces and on every prompt of the recipe, and a
    freshly initialised model for it, written to `out_dir`; returns the parameter count."""
    from fastmath_r1.tokenizer import train_tokenizer

    texts = [text for p in prompts.values() for text in (p["system"], p["user"])]
    tokenizer = train_tokenizer(texts + corpus["problem"].tolist() + corpus["generation"].tolist(), vocab_size)
    return init_model(tokenizer, arch, seed, out_dir)
