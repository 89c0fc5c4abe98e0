import json
import sys

from fastmath_r1.config import ConfigError, validate_config
from fastmath_r1.tables import sft_model_name, stage_labels

try:
    validate_config(config, f"{workflow.basedir}/workflow/schemas/config.schema.yaml")
except ConfigError as error:
    sys.exit(f"config error: {error}")

R = f"results/{config['preset']}"
# The paper's reported numbers ship with the workflow, wherever the run's working directory is.
PAPER_NUMBERS = f"{workflow.basedir}/paper/reported.csv"
BENCHMARKS = list(config["eval"]["benchmarks"])
SFT_MODELS = [sft_model_name(e) for e in config["sft"]["epochs"]]
GRPO_ARMS = config["grpo"]["arms"]
GRPO_MODELS = [f"grpo-{arm}" for arm in GRPO_ARMS]
EVAL_MODELS = ["original", *SFT_MODELS, *GRPO_MODELS]
for arm, spec in GRPO_ARMS.items():
    if spec["start"] != "original" and spec["start"] not in SFT_MODELS:
        sys.exit(f"config error: config key grpo.arms.{arm}.start: {spec['start']!r} is not trained (sft.epochs is {config['sft']['epochs']})")
REPORT_BUDGET = max(config["eval"]["budgets"])
RECIPE_SFT = GRPO_ARMS["recipe"]["start"]
STAGES = stage_labels(RECIPE_SFT)
SWEEP_MODELS = ["original", RECIPE_SFT, "grpo-recipe"]
ABLATION_ARMS = {f"grpo-{arm}": spec["rewards"] for arm, spec in GRPO_ARMS.items() if spec["start"] == RECIPE_SFT}
AIMO_BENCHMARK = BENCHMARKS[-1]


wildcard_constraints:
    model=r"original|sft-e\d+|grpo-[a-z][a-z0-9-]*",
    arm="|".join(GRPO_ARMS),
    epochs=r"\d+",
    benchmark="|".join(BENCHMARKS),


def as_json(section):
    """A config section as one JSON argument for the fastmath-r1 CLI (a function, so that Snakemake
    does not read the braces of the JSON or of a prompt template as wildcards)."""
    text = json.dumps(section, sort_keys=True)
    return lambda wildcards: text


def arm_rewards(arm):
    """The arm's reward list for the CLI: each reward with weight 1 and its configured parameters."""
    params = config["grpo"]["reward_params"]
    return [{"name": name, "weight": 1.0, **params.get(name, {})} for name in GRPO_ARMS[arm]["rewards"]]


def grades_files(models):
    return expand(f"{R}/eval/{{model}}/{{benchmark}}/grades.parquet", model=models, benchmark=BENCHMARKS)


def metrics_files(models):
    return expand(f"{R}/eval/{{model}}/{{benchmark}}/metrics.csv", model=models, benchmark=BENCHMARKS)


def reproduce_targets():
    tables = ["sft_epochs", "stages", "budget_sweep", "reward_ablation", "aimo", "claims"]
    figures = ["sft_epochs", "budget_sweep", "reward_ablation", "per_problem", "grpo_curves"]
    return [
        f"{R}/data/data_card.md",
        f"{R}/report.md",
        f"{R}/tables/per_problem.csv",
        *[f"{R}/tables/{t}.{ext}" for t in tables for ext in ("csv", "md") if (t, ext) != ("claims", "md")],
        *[f"{R}/figures/{f}.png" for f in figures],
    ]
