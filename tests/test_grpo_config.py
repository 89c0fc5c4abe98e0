"""Stage-2 settings: the config's GRPO trainer section against the paper's values (fastmath_r1.grpo's
PAPER_GRPO_SETTINGS and the recipe notes), TRL's real defaults, and the GRPO prompt dataset."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from conftest import shared_path

trl = pytest.importorskip("trl")

from fastmath_r1.config import load_config  # noqa: E402
from fastmath_r1.grpo import PAPER_GRPO_SETTINGS, grpo_dataset  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "config" / "config.yaml"
NO_DEFAULT = object()


@pytest.fixture(scope="module")
def trainer() -> dict:
    return load_config(CONFIG)["grpo"]["trainer"]


def trl_default(key):
    field = trl.GRPOConfig.__dataclass_fields__[key]
    return field.default if not callable(getattr(field, "default_factory", None)) else field.default_factory()


def test_trl_is_the_version_the_table_was_written_for():
    assert trl.__version__.split(".")[:2] == ["1", "16"], trl.__version__


@pytest.mark.parametrize("key", sorted(PAPER_GRPO_SETTINGS))
def test_config_carries_the_paper_value(trainer, key):
    paper, _ = PAPER_GRPO_SETTINGS[key]
    assert key in trainer, f"grpo.trainer lacks {key}"
    value = trainer[key]
    assert value == paper and type(value) is type(paper), f"{key}: config {value!r}, paper {paper!r}"


@pytest.mark.parametrize("key", sorted(PAPER_GRPO_SETTINGS))
def test_recorded_trl_default_is_the_installed_default(key):
    # Every recorded TRL default, not only those that differ from the paper, must match TRL 1.16:
    # a setting whose TRL default drifted would otherwise be silently inherited.
    paper, recorded = PAPER_GRPO_SETTINGS[key]
    assert key in trl.GRPOConfig.__dataclass_fields__, f"{key} is not a GRPOConfig field"
    actual = trl_default(key)
    assert actual == recorded and type(actual) is type(recorded), f"{key}: TRL {actual!r}, recorded {recorded!r}"


def test_settings_that_differ_from_trl_are_the_known_ones():
    differ = {k for k, (paper, trl_value) in PAPER_GRPO_SETTINGS.items() if paper != trl_value}
    assert differ == {
        "beta",
        "loss_type",
        "use_bias_correction_kl",
        "vllm_importance_sampling_correction",
        "top_p",
        "min_p",
    }


@pytest.fixture(scope="module")
def grpo_config(trainer, tmp_path_factory):
    args = {k: v for k, v in trainer.items() if k != "bf16"}
    return trl.GRPOConfig(
        output_dir=str(tmp_path_factory.mktemp("grpo")), use_cpu=True, bf16=False, report_to="none", **args
    )


def test_grpo_config_built_from_the_trainer_section(grpo_config):
    c = grpo_config
    assert c.beta == 0.04
    assert c.loss_type == "bnpo"
    assert c.temperature == 1.0
    assert c.top_p == 0.9
    assert c.min_p == 0.05
    assert c.num_generations == 8
    assert c.epsilon == 0.2
    assert c.scale_rewards == "group"
    assert c.use_bias_correction_kl is False
    assert c.vllm_importance_sampling_correction is False
    assert c.num_iterations == 1
    assert c.mask_truncated_completions is False
    assert c.bf16 is False


def test_grpo_config_keeps_every_trainer_value(grpo_config, trainer):
    for key, value in trainer.items():
        if key in ("bf16", "warmup_steps"):  # bf16 is passed apart; TRL may normalise warmup_steps
            continue
        actual = getattr(grpo_config, key)
        if hasattr(actual, "value"):  # enums such as lr_scheduler_type and save_strategy
            actual = actual.value
        assert actual == value, f"{key}: GRPOConfig {actual!r}, config {value!r}"


def test_batch_holds_whole_groups(trainer):
    assert trainer["per_device_train_batch_size"] % trainer["num_generations"] == 0


# --- the recipe notes (stage 2) -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def stage2() -> str:
    text = shared_path("reference/recipe.md").read_text()
    return text.split("## Stage 2: GRPO", 1)[1].split("\n## ", 1)[0]


def test_recipe_stage2_values_match_the_config(stage2, trainer):
    flat = " ".join(stage2.split())
    checks = {
        "beta": (r"KL coefficient beta ([\d.]+)", float),
        "num_generations": (r"(\d+) generations per prompt", int),
        "temperature": (r"temperature ([\d.]+)", float),
        "top_p": (r"top_p ([\d.]+)", float),
        "min_p": (r"min_p ([\d.]+)", float),
        "epsilon": (r"clip epsilon ([\d.]+)", float),
    }
    found = {}
    for key, (pattern, cast) in checks.items():
        match = re.search(pattern, flat)
        assert match, f"recipe.md stage 2 no longer states {key} ({pattern})"
        found[key] = cast(match.group(1).rstrip("."))
    assert found == {
        "beta": 0.04,
        "num_generations": 8,
        "temperature": 1.0,
        "top_p": 0.9,
        "min_p": 0.05,
        "epsilon": 0.2,
    }
    for key, value in found.items():
        assert trainer[key] == value, f"{key}: config {trainer[key]!r}, recipe {value!r}"
        assert PAPER_GRPO_SETTINGS[key][0] == value, key
    # "one update per rollout batch"; "advantage = (r - group mean) / (group std + 1e-4)"; KL with k3.
    assert "one update per rollout batch" in flat and trainer["num_iterations"] == 1
    assert "(group std + 1e-4)" in flat and trainer["scale_rewards"] == "group"
    assert "k3 estimator" in flat and trainer["use_bias_correction_kl"] is False


# --- grpo_dataset -------------------------------------------------------------------------------------

SYSTEM = "Please reason step by step, and put your final answer within \\boxed{}."
USER = "Solve the problem, and put the answer in \\boxed{{}}. {problem}"


def test_grpo_dataset_builds_conversational_prompts_and_string_answers():
    prompts = pd.DataFrame(
        {
            "problem": ["What is 2+3?", "What is 4*5?", "Half of 1?"],
            "answer": ["5", 20, "\\frac{1}{2}"],
            "extra": [1, 2, 3],
        }
    )
    ds = grpo_dataset(prompts, SYSTEM, USER)
    assert ds.column_names == ["prompt", "answer"]
    assert len(ds) == 3
    assert ds[0]["prompt"] == [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": "Solve the problem, and put the answer in \\boxed{}. What is 2+3?"},
    ]
    assert ds[1]["prompt"][1]["content"].endswith("What is 4*5?")
    assert ds["answer"] == ["5", "20", "\\frac{1}{2}"]
    assert all(isinstance(a, str) for a in ds["answer"])


def test_grpo_dataset_without_system_prompt_has_only_the_user_message():
    ds = grpo_dataset(pd.DataFrame({"problem": ["p"], "answer": ["1"]}), "", USER)
    assert ds[0]["prompt"] == [{"role": "user", "content": "Solve the problem, and put the answer in \\boxed{}. p"}]


def test_grpo_dataset_rejects_an_unparsable_gold_answer_naming_the_row():
    prompts = pd.DataFrame({"problem": ["a", "b", "c"], "answer": ["1", "}{", "3"]})
    with pytest.raises(ValueError, match=r"row 1\b.*'\}\{'"):
        grpo_dataset(prompts, SYSTEM, USER)


def test_grpo_dataset_rejects_a_missing_gold_answer():
    prompts = pd.DataFrame({"problem": ["a", "b"], "answer": ["1", None]})
    with pytest.raises(ValueError, match="row 1"):
        grpo_dataset(prompts, SYSTEM, USER)
