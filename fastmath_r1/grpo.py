"""Stage 2: GRPO with TRL's GRPOTrainer and the paper's rewards.

TRL 1.x defaults differ from the trainer the paper used; `PAPER_GRPO_SETTINGS` names each such
setting and the config must carry it (the schema requires them), so a run never inherits a TRL
default by accident. Everything else comes from the config's trainer section.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from datasets import Dataset, disable_progress_bars
from transformers import AutoModelForCausalLM, AutoTokenizer
from trl import GRPOConfig, GRPOTrainer

from fastmath_r1.data import prompt_messages
from fastmath_r1.rewards import build_rewards, reject_unparsable_gold
from fastmath_r1.training import StepCSVLogger, run_args, train_and_save

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


def grpo_dataset(prompts: pd.DataFrame, system: str, user_template: str) -> Dataset:
    """Conversational prompts with the gold answer alongside, which TRL passes on to the rewards."""
    checked = reject_unparsable_gold(prompts.reset_index(drop=True))
    return Dataset.from_dict(
        {
            "prompt": [prompt_messages(p, system, user_template) for p in checked["problem"]],
            "answer": checked["answer"].astype(str).tolist(),
        }
    )


def train_grpo(
    model_dir: str,
    prompts: pd.DataFrame,
    prompt_format: dict,
    rewards: list[dict],
    trainer_args: dict,
    out_dir: Path,
    checkpoint_dir: Path,
    log_csv: Path,
) -> None:
    reward_funcs, weights = build_rewards(rewards)
    config = GRPOConfig(reward_weights=weights, **run_args(trainer_args, checkpoint_dir))
    disable_progress_bars()
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    trainer = GRPOTrainer(
        model=AutoModelForCausalLM.from_pretrained(model_dir),
        reward_funcs=reward_funcs,
        args=config,
        train_dataset=grpo_dataset(prompts, prompt_format["system"], prompt_format["user"]),
        processing_class=tokenizer,
        callbacks=[StepCSVLogger(log_csv)],
    )
    train_and_save(trainer, tokenizer, checkpoint_dir, log_csv, out_dir)
