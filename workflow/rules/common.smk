import json
import sys

from fastmath_r1.config import ConfigError, validate_config

try:
    validate_config(config, Path(workflow.basedir) / "workflow" / "schemas" / "config.schema.yaml")
except ConfigError as error:
    sys.exit(f"config error: {error}")

R = f"results/{config['preset']}"
BENCHMARKS = list(config["eval"]["benchmarks"])
SFT_MODELS = [f"sft-e{e}" for e in config["sft"]["epochs"]]
EVAL_MODELS = ["original"] + SFT_MODELS
REPORT_BUDGET = max(config["eval"]["budgets"])


wildcard_constraints:
    model=r"original|sft-e\d+",
    epochs=r"\d+",
    benchmark="|".join(BENCHMARKS),


def as_json(section):
    """A config section as one JSON argument for the fastmath-r1 CLI (a function, so that Snakemake
    does not read the braces of the JSON or of a prompt template as wildcards)."""
    text = json.dumps(section, sort_keys=True)
    return lambda wildcards: text


def metrics_files(models):
    return expand(f"{R}/eval/{{model}}/{{benchmark}}/metrics.csv", model=models, benchmark=BENCHMARKS)


def reproduce_targets():
    return [
        f"{R}/data/data_card.md",
        f"{R}/tables/sft_epochs.csv",
        f"{R}/tables/sft_epochs.md",
        f"{R}/figures/sft_epochs.png",
    ]
