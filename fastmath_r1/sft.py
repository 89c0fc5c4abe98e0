"""Supervised fine-tuning with TRL's SFTTrainer: the stand-in original model and stage 1 of the recipe.

Full-parameter training on prompt-completion conversations, so the loss covers the completion only.
Every hyperparameter comes from the config's trainer section; this module adds only what depends on
the run (epochs, paths, device) and the per-step CSV log.
"""

from __future__ import annotations

import logging
from pathlib import Path

from datasets import Dataset, disable_progress_bars
from transformers import AutoTokenizer
from trl import SFTConfig, SFTTrainer

from fastmath_r1.data import to_prompt_completion
from fastmath_r1.table_files import read_table
from fastmath_r1.training import StepCSVLogger, keep_matching_checkpoints, load_for_training, run_args, train_and_save

log = logging.getLogger("fastmath_r1")


def sft_config(trainer_args: dict, epochs: float, checkpoint_dir: Path) -> SFTConfig:
    """The SFTConfig a run trains with: the config's trainer section, the epoch count, and the paths."""
    return SFTConfig(
        num_train_epochs=epochs,
        completion_only_loss=True,
        **run_args(trainer_args, checkpoint_dir),
    )


def train_sft(
    model_dir: str,
    data_path: Path,
    prompts: dict,
    trainer_args: dict,
    epochs: float,
    chat_template: str | None,
    attn_implementation: str | None,
    out_dir: Path,
    checkpoint_dir: Path,
    log_csv: Path,
) -> None:
    """Train `model_dir` on the table at `data_path` (columns `problem`, `generation`) as prompt-completion
    conversations, and save the result to `out_dir`; resumes a matching interrupted run.

    `chat_template` replaces the tokenizer's own (the authors trained with theirs); it is saved with
    the model, so evaluation formats prompts the way training did. `attn_implementation` (eager, sdpa,
    flash_attention_2, ...) is the attention the model is loaded with; None keeps the model's default."""
    run = {
        "model": model_dir,
        "data": data_path,
        "prompts": prompts,
        "trainer": trainer_args,
        "epochs": epochs,
        "chat_template": chat_template,
        "attn_implementation": attn_implementation,
        "out": out_dir,
    }
    keep_matching_checkpoints(checkpoint_dir, run, [model_dir, data_path])
    train = to_prompt_completion(read_table(data_path), prompts["system"], prompts["user"])
    log.info("SFT of %s on %d examples for %s epochs", model_dir, len(train), epochs)
    config = sft_config(trainer_args, epochs, checkpoint_dir)
    disable_progress_bars()
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    if chat_template:
        tokenizer.chat_template = chat_template
    trainer = SFTTrainer(
        model=load_for_training(model_dir, trainer_args.get("bf16", False), attn_implementation),
        args=config,
        train_dataset=Dataset.from_pandas(train, preserve_index=False),
        processing_class=tokenizer,
        callbacks=[StepCSVLogger(log_csv)],
    )
    train_and_save(trainer, tokenizer, checkpoint_dir, log_csv, out_dir)
