"""What each of TRL's packing strategies does to a stage-1 set: how many traces it truncates, how many
tokens are lost, how many packed sequences and optimizer steps one epoch makes.

The authors' TRL 0.15 packed by concatenating every example and cutting fixed `max_length` chunks
(`wrapped`: nothing lost, attention across example boundaries); TRL 1.16's default `bfd` keeps examples
whole and apart and truncates each one longer than `max_length`. The traces are tokenized as SFTTrainer
tokenizes prompt-completion conversations (the chat template over prompt + completion), and packed with
TRL's own `pack_dataset`.
"""

from __future__ import annotations

import math

import pandas as pd
from datasets import Dataset
from transformers import AutoTokenizer
from trl import pack_dataset

from fastmath_r1.data import to_prompt_completion

STRATEGIES = ("wrapped", "bfd", "bfd_split")


def example_lengths(sft_set: pd.DataFrame, tokenizer, prompts: dict) -> list[int]:
    """Tokens of each training example: the chat template over its prompt and completion."""
    examples = to_prompt_completion(sft_set, prompts["system"], prompts["user"])
    return [
        len(tokenizer.apply_chat_template(p + c, tokenize=True, return_dict=True)["input_ids"])
        for p, c in zip(examples["prompt"], examples["completion"])
    ]


def packing_table(lengths: list[int], max_length: int, sequences_per_step: int) -> pd.DataFrame:
    """One row per strategy: examples truncated, tokens lost, packed sequences, optimizer steps per epoch."""
    ids = Dataset.from_dict({"input_ids": [[1] * n for n in lengths]})
    total, over = sum(lengths), [n for n in lengths if n > max_length]
    rows = []
    for strategy in STRATEGIES:
        packed = pack_dataset(ids, max_length, strategy)
        kept = sum(len(row) for row in packed["input_ids"])
        rows.append(
            {
                "strategy": strategy,
                "max_length": max_length,
                "examples": len(lengths),
                "examples_truncated": len(over) if strategy == "bfd" else 0,
                "tokens": total,
                "tokens_lost": total - kept,
                "packed_sequences": len(packed),
                "steps_per_epoch": math.ceil(len(packed) / sequences_per_step),
            }
        )
    return pd.DataFrame(rows)


def packing_report(
    sft_set: pd.DataFrame,
    model_dir: str,
    prompts: dict,
    chat_template: str | None,
    max_length: int,
    sequences_per_step: int,
) -> pd.DataFrame:
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    if chat_template:
        tokenizer.chat_template = chat_template
    return packing_table(example_lengths(sft_set, tokenizer, prompts), max_length, sequences_per_step)


def packing_markdown(table: pd.DataFrame, configured: str | None, sequences_per_step: int) -> str:
    chosen = f"this preset packs with `{configured}`" if configured else "this preset does not pack"
    return (
        "# Packing of the stage-1 set\n\n"
        f"Each of TRL's packing strategies on this preset's stage-1 set at max_length {table['max_length'].iloc[0]}, "
        f"{sequences_per_step} sequences per optimizer step; {chosen}. wrapped: every example concatenated and cut "
        "into max_length chunks (TRL 0.15, the authors'); bfd: examples kept whole, each longer than max_length "
        "truncated (TRL 1.16's default); bfd_split: long examples split instead.\n\n"
        f"{table.drop(columns='max_length').to_markdown(index=False)}\n"
    )
