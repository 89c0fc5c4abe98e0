"""Stage 2: GRPO with TRL's GRPOTrainer and the paper's rewards.

TRL 1.x defaults differ from the trainer the paper used; `PAPER_GRPO_SETTINGS` names each such
setting and the config must carry it (the schema requires them), so a run never inherits a TRL
default by accident. Everything else comes from the config's trainer section.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd
from datasets import Dataset, disable_progress_bars
from transformers import AutoTokenizer
from trl import GRPOConfig, GRPOTrainer

from fastmath_r1.data import prompt_messages
from fastmath_r1.evaluate import prompt_token_ids
from fastmath_r1.rewards import build_rewards, reject_unparsable_gold
from fastmath_r1.table_files import read_table
from fastmath_r1.training import StepCSVLogger, keep_matching_checkpoints, load_for_training, run_args, train_and_save

log = logging.getLogger("fastmath_r1")

# Setting -> (the paper's value, TRL 1.16's default). The config states each of these explicitly.
PAPER_GRPO_SETTINGS = {
    "beta": (0.04, 0.0),  # KL to a reference model; TRL drops the reference model by default
    "loss_type": ("bnpo", "dapo"),  # token-level mean over the local batch, as the paper's TRL computed it
    "use_bias_correction_kl": (False, True),  # the paper's KL is the plain k3 estimator
    "vllm_importance_sampling_correction": (False, True),  # not in the paper's trainer
    "top_p": (0.9, 1.0),
    "min_p": (0.05, None),
    "num_generations": (8, 8),
    "temperature": (1.0, 1.0),
    "epsilon": (0.2, 0.2),
    "scale_rewards": ("group", "group"),  # advantage = (r - group mean) / (group std + 1e-4)
    "num_iterations": (1, 1),  # one update per rollout batch
    "mask_truncated_completions": (False, False),
}


def grpo_dataset(
    prompts: pd.DataFrame, system: str, user_template: str, tokenizer=None, max_prompt_length: int | None = None
) -> Dataset:
    """Conversational prompts with the gold answer alongside, which TRL passes on to the rewards.

    TRL 1.16 has no prompt-length limit, so prompts longer than `max_prompt_length` tokens (the
    paper's 512) are dropped here rather than truncated."""
    checked = reject_unparsable_gold(prompts.reset_index(drop=True))
    if max_prompt_length is not None:
        ids = prompt_token_ids(tokenizer, checked["problem"].tolist(), system, user_template)
        fits = pd.Series([len(i) <= max_prompt_length for i in ids], index=checked.index)
        if not fits.all():
            log.warning("dropping %d of %d prompts longer than %d tokens", (~fits).sum(), len(fits), max_prompt_length)
        checked = checked[fits].reset_index(drop=True)
    return Dataset.from_dict(
        {
            "prompt": [prompt_messages(p, system, user_template) for p in checked["problem"]],
            "answer": checked["answer"].astype(str).tolist(),
        }
    )


def grpo_config(trainer_args: dict, checkpoint_dir: Path) -> GRPOConfig:
    """The GRPOConfig a run trains with: the config's trainer section and the paths. Rewards keep TRL's
    weight of 1 each, the paper's."""
    return GRPOConfig(**run_args(trainer_args, checkpoint_dir))


def train_grpo(
    model_dir: str,
    prompts_path: Path,
    prompt_format: dict,
    rewards: list[str],
    reward_params: dict[str, dict],
    trainer_args: dict,
    max_prompt_length: int | None,
    out_dir: Path,
    checkpoint_dir: Path,
    log_csv: Path,
) -> None:
    """GRPO of `model_dir` on the prompts at `prompts_path` (columns `problem`, `answer`) with the named
    rewards, saved to `out_dir`; resumes a matching interrupted run."""
    run = {
        "model": model_dir,
        "prompts": prompts_path,
        "format": prompt_format,
        "rewards": rewards,
        "reward_params": reward_params,
        "trainer": trainer_args,
        "max_prompt_length": max_prompt_length,
        "out": out_dir,
    }
    keep_matching_checkpoints(checkpoint_dir, run, [model_dir, prompts_path])
    prompts = read_table(prompts_path)
    log.info("GRPO of %s on %d prompts with rewards %s", model_dir, len(prompts), rewards)
    reward_funcs = build_rewards(rewards, reward_params)
    config = grpo_config(trainer_args, checkpoint_dir)
    disable_progress_bars()
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    trainer = GRPOTrainer(
        model=load_for_training(model_dir, trainer_args.get("bf16", False)),
        reward_funcs=reward_funcs,
        args=config,
        train_dataset=grpo_dataset(
            prompts, prompt_format["system"], prompt_format["user"], tokenizer, max_prompt_length
        ),
        processing_class=tokenizer,
        callbacks=[StepCSVLogger(log_csv)],
    )
    train_and_save(trainer, tokenizer, checkpoint_dir, log_csv, out_dir)
