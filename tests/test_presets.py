"""The paper-scale presets: each plans its full DAG here, and the `paper` preset's resolved training
arguments are the recipe's (../shared/reference/recipe.md), one by one, as TRL receives them."""

import math
import re
from pathlib import Path

import pytest
import yaml
from test_workflow import MINIATURE_RULES, TABLE_RULES, snakemake

from fastmath_r1.config import ConfigError, load_config, resolve_extends
from fastmath_r1.grpo import grpo_config
from fastmath_r1.rewards import build_rewards
from fastmath_r1.sft import sft_config

ROOT = Path(__file__).resolve().parents[1]
PRESETS = ROOT / "config" / "presets"
PAPER = load_config(PRESETS / "paper.yaml")

RECIPE_RULES = {"download_model", "load_benchmark", "sft", "packing", "grpo", "evaluate", "aimo_grades", "data_card"}
RECIPE_RULES |= TABLE_RULES
EXPECTED_RULES = {
    "paper": RECIPE_RULES | {"hub_source", "sft_set", "grpo_set", "evaluate_with_aimo"},
    "paper-cpu": RECIPE_RULES | {"hub_source", "sft_set", "grpo_set", "evaluate_with_aimo"},
    "paper-bfd": RECIPE_RULES | {"hub_source", "sft_set", "grpo_set", "evaluate_with_aimo"},
    "paper-7b": RECIPE_RULES | {"hub_source", "sft_set", "grpo_set", "evaluate_with_aimo"},
    "paper-1.5b": RECIPE_RULES | {"hub_source", "sft_set", "grpo_set", "evaluate_with_aimo"},
    "single-gpu": RECIPE_RULES | {"published_sft_set", "published_grpo_set", "evaluate_with_aimo"},
    "released": {"download_model", "load_benchmark", "evaluate", "released_budget_sweep", "data_card"},
    "smoke": RECIPE_RULES - {"download_model", "load_benchmark"} | MINIATURE_RULES,
}
# The sizes of `snakemake sizes` plan what the preset they are a size of does.
EXPECTED_RULES |= {size: EXPECTED_RULES["smoke"] for size in ("smoke-small", "mini-small", "mini-medium")}


def test_every_preset_file_is_covered():
    assert {p.stem for p in PRESETS.glob("*.yaml")} == set(EXPECTED_RULES)


@pytest.mark.parametrize("preset", sorted(EXPECTED_RULES))
def test_preset_plans_the_rules_the_paper_needs(tmp_path, preset):
    result = snakemake(tmp_path, "-n", "-p", "reproduce", "--configfile", str(PRESETS / f"{preset}.yaml"))
    assert result.returncode == 0, result.stderr[-3000:]
    planned = set(re.findall(r"^rule (\w+):", result.stdout, flags=re.MULTILINE)) - {"reproduce"}
    assert planned == EXPECTED_RULES[preset]


def test_paper_plan_launches_multi_gpu_training(tmp_path):
    result = snakemake(tmp_path, "-n", "-p", "reproduce", "--configfile", str(PRESETS / "paper.yaml"))
    jobs = result.stdout.split("\n\n")
    sft = next(j for j in jobs if "rule sft:" in j and "epochs=10" in j)
    grpo = next(j for j in jobs if "rule grpo:" in j and "arm=recipe" in j)
    evaluate = next(j for j in jobs if "rule evaluate:" in j)
    assert "gpu=8" in sft and "config/accelerate/zero3.yaml" in sft and '"gpus": 8' in sft
    assert "gpu=8" in grpo and "config/accelerate/zero2.yaml" in grpo
    assert "gpu=1" in evaluate and '"backend": "vllm"' in evaluate


def test_presets_extend_paper_with_small_overrides():
    seven_b = load_config(PRESETS / "paper-7b.yaml")
    assert seven_b["original"]["repo_id"] == "deepseek-ai/DeepSeek-R1-Distill-Qwen-7B"
    assert seven_b["sft"]["trainer"] == PAPER["sft"]["trainer"]
    assert seven_b["grpo"]["trainer"] == PAPER["grpo"]["trainer"]
    assert seven_b["preset"] == "paper-7b"


def test_extends_names_a_missing_preset(tmp_path):
    with pytest.raises(ConfigError, match="no preset 'papr'"):
        resolve_extends({"extends": "papr"})


def hub_references(node):
    """Every {repo_id, revision} mapping inside a preset."""
    if isinstance(node, dict):
        if "repo_id" in node:
            yield node["repo_id"], node["revision"]
        for value in node.values():
            yield from hub_references(value)


def test_every_hub_revision_is_pinned_except_the_listed_ones():
    """Revisions that follow a branch are those no published commit id could be found for; a new
    unpinned one must be added here deliberately (and to README)."""
    references = [ref for path in PRESETS.glob("*.yaml") for ref in hub_references(yaml.safe_load(path.read_text()))]
    unpinned = {repo for repo, revision in references if not re.fullmatch(r"[0-9a-f]{40}", revision)}
    assert len(references) > 15
    assert unpinned == {
        "hoanganhpham/openr1_hard",
        "qihoo360/Light-R1-SFTData",
        "RabotniKuma/Fast-Math-R1-SFT",
        "RabotniKuma/Fast-Math-R1-GRPO",
        "RabotniKuma/Fast-Math-R1-14B",
        "RabotniKuma/Fast-OpenMath-Nemotron-14B",
        "RabotniKuma/Fast-Math-Qwen3-14B",
        "nvidia/OpenMath-Nemotron-14B",
        "qihoo360/Light-R1-14B-DS",
    }


# --- the paper preset's resolved training arguments against recipe.md -----------------------------


def test_paper_sft_arguments_are_the_recipes(tmp_path):
    trainer = PAPER["sft"]["trainer"]
    args = sft_config(trainer, max(PAPER["sft"]["epochs"]), tmp_path)
    gpus = PAPER["sft"]["launch"]["gpus"]
    assert PAPER["sft"]["epochs"] == [1, 10]  # recipe: 10 epochs, ablation against 1
    assert args.num_train_epochs == 10
    assert args.learning_rate == 1e-5
    assert args.lr_scheduler_type == "cosine"
    assert args.warmup_steps == 0
    assert args.per_device_train_batch_size == 1
    assert args.gradient_accumulation_steps == 8
    assert args.per_device_train_batch_size * args.gradient_accumulation_steps * gpus == 64
    assert args.packing is True and args.packing_strategy == "wrapped"  # TRL 0.15's packing, not 1.16's bfd
    assert args.padding_free is False  # wrapped chunks attend across trace boundaries, as the authors' did
    assert PAPER["sft"]["attn_implementation"] == "flash_attention_2"
    assert args.max_length == 24000
    assert args.optim == "paged_adamw_8bit"
    assert args.seed == 2025
    assert args.gradient_checkpointing is True
    assert args.gradient_checkpointing_kwargs == {"use_reentrant": False}
    assert args.completion_only_loss is True
    assert trainer["bf16"] is True and args.bf16 is True
    assert PAPER["sft"]["launch"]["accelerate_config"] == "config/accelerate/zero3.yaml" and gpus == 8
    assert PAPER["original"]["repo_id"] == "deepseek-ai/DeepSeek-R1-Distill-Qwen-14B"
    assert (
        PAPER["prompts"]["sft"]["system"] == "Please reason step by step, and put your final answer within \\boxed{}."
    )
    assert PAPER["sft"]["chat_template"].startswith("{% for message in messages %}{{ '<|' + message['role'] + '|>\\n'")


def test_paper_grpo_arguments_are_the_recipes(tmp_path):
    trainer = PAPER["grpo"]["trainer"]
    args = grpo_config(trainer, tmp_path)
    processes = PAPER["grpo"]["launch"]["gpus"] - PAPER["grpo"]["launch"]["vllm_server_gpus"]
    assert args.num_generations == 8
    rollouts = args.per_device_train_batch_size * args.gradient_accumulation_steps * processes
    assert rollouts == 128 and rollouts // args.num_generations == 16  # 16 prompts per step (inferred)
    assert args.generation_batch_size == args.per_device_train_batch_size * args.gradient_accumulation_steps
    assert args.num_iterations == 1  # one update per rollout batch
    assert PAPER["grpo"]["max_prompt_length"] == 512
    assert args.max_completion_length == 16384
    assert (args.temperature, args.top_p, args.min_p) == (1.0, 0.9, 0.05)
    assert args.beta == 0.04
    assert args.use_bias_correction_kl is False  # plain k3 estimator
    assert args.epsilon == 0.2
    assert args.learning_rate == 4e-6
    assert args.lr_scheduler_type == "cosine"
    assert args.optim == "paged_adamw_8bit"
    assert trainer["bf16"] is True and args.bf16 is True
    assert args.loss_type == "bnpo"  # token-level mean over the batch
    assert args.scale_rewards == "group"
    assert args.vllm_importance_sampling_correction is False
    assert args.max_steps == 50
    assert args.use_vllm is True and args.vllm_mode == "colocate" and args.vllm_tensor_parallel_size == 4
    # Rewards summed with weight 1 each (the paper): TRL's default, None, means exactly that.
    assert args.reward_weights is None
    help_text = type(args).__dataclass_fields__["reward_weights"].metadata["help"]
    assert "If `None`, all rewards are weighted equally with weight `1.0`" in help_text
    assert PAPER["grpo"]["launch"]["accelerate_config"] == "config/accelerate/zero2.yaml" and processes == 8
    assert PAPER["prompts"]["grpo"]["system"] == (
        "You are a helpful and harmless assistant. You are Qwen developed by Alibaba. You should think "
        "step-by-step. Return final answer within \\boxed{}."
    )


def test_paper_rewards_are_the_recipes():
    assert PAPER["grpo"]["arms"]["recipe"] == {"start": "sft-e10", "rewards": ["format", "cosine", "length"]}
    assert PAPER["grpo"]["arms"]["rl-only"]["start"] == "original"
    params = PAPER["grpo"]["reward_params"]
    cosine = build_rewards(["format", "cosine", "length"], params)[1]
    right = r"<think>x</think> \boxed{5}"
    short, long_ = (
        [[{"role": "assistant", "content": right}]],
        [[{"role": "assistant", "content": right + " " * 40000}]],
    )
    assert math.isclose(cosine(short, answer=["5"])[0], 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * len(right) / 30000)))
    assert math.isclose(cosine(long_, answer=["5"])[0], 0.1)  # 0.1 at (and past) 30,000 characters
    assert params["length"]["group_by"] == "prompt"


def test_paper_evaluation_is_the_recipes():
    ev = PAPER["eval"]
    assert ev["backend"] == "vllm" and ev["samples"] == 64
    assert {8000, 12000, 16000, 24000, 32000, 16384} == set(ev["budgets"]) and ev["report_budget"] == 16384
    assert (ev["temperature"], ev["top_p"], ev["min_p"]) == (1.0, 0.9, 0.05)
    assert ev["benchmarks"] == ["aime24", "aime25", "math500"]
    assert PAPER["prompts"]["eval"] == {
        "system": "",
        "user": "Solve the problem, and put the answer in \\boxed{{}}. {problem}",
    }
    aimo = PAPER["aimo"]
    assert aimo["benchmarks"] == ["aimo2-reference", "aime25"] and aimo["samples"] == 32 and 16384 in aimo["budgets"]
    assert aimo["stop_at_think_end"] is True and aimo["modulo"] == 1000
