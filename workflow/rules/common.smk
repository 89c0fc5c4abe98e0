import json
import shlex
import sys

from fastmath_r1.config import ConfigError, resolve_extends, validate_config
from fastmath_r1.tables import sft_model_name, stage_labels

try:
    if "extends" in config:
        # A preset built on another one: default, then that preset, then the command line's files.
        resolved = resolve_extends(
            dict(workflow.config_settings.overwrite_config),
            default=Path(workflow.basedir) / "config" / "config.yaml",
            presets=Path(workflow.basedir) / "config" / "presets",
        )
        config.clear()
        config.update(resolved)
    validate_config(config, f"{workflow.basedir}/workflow/schemas/config.schema.yaml")
except ConfigError as error:
    sys.exit(f"config error: {error}")


def config_error(key, message):
    sys.exit(f"config error: config key {key}: {message}")


R = f"results/{config['preset']}"
MODE = config["mode"]
# The paper's reported numbers ship with the workflow, wherever the run's working directory is.
PAPER_NUMBERS = f"{workflow.basedir}/paper/reported.csv"

REGISTRY = config["benchmarks"]
BENCHMARKS = config["eval"]["benchmarks"]
AIMO = config["aimo"]
for key, names in (("eval.benchmarks", BENCHMARKS), ("aimo.benchmarks", AIMO["benchmarks"])):
    for name in names:
        if name not in REGISTRY:
            config_error(key, f"{name!r} is not in the benchmarks registry (known: {', '.join(REGISTRY)})")
    if AIMO["reuse_eval"] and key == "aimo.benchmarks" and set(names) - set(BENCHMARKS):
        config_error(key, "with reuse_eval: true every AIMO benchmark must also be in eval.benchmarks")
# Released checkpoints are compared on the budget sweeps only; the AIMO protocol runs with the recipe.
USED_BENCHMARKS = list(dict.fromkeys(BENCHMARKS + (AIMO["benchmarks"] if MODE == "recipe" else [])))
WORLD_BENCHMARKS = [b for b in USED_BENCHMARKS if REGISTRY[b]["source"] == "world"]
LOADED_BENCHMARKS = [b for b in USED_BENCHMARKS if REGISTRY[b]["source"] != "world"]
REPORT_BUDGET = config["eval"]["report_budget"] or max(config["eval"]["budgets"])
if REPORT_BUDGET not in config["eval"]["budgets"]:
    config_error("eval.report_budget", f"{REPORT_BUDGET} is not one of eval.budgets {config['eval']['budgets']}")

DATA_SOURCE = config["data"]["source"]
ORIGINAL_SOURCE = config["original"]["source"]
if MODE == "recipe":
    SFT_MODELS = [sft_model_name(e) for e in config["sft"]["epochs"]]
    GRPO_ARMS = config["grpo"]["arms"]
    GRPO_MODELS = [f"grpo-{arm}" for arm in GRPO_ARMS]
    EVAL_MODELS = ["original", *SFT_MODELS, *GRPO_MODELS]
    for arm, spec in GRPO_ARMS.items():
        if spec["start"] != "original" and spec["start"] not in SFT_MODELS:
            config_error(f"grpo.arms.{arm}.start", f"{spec['start']!r} is not trained (sft.epochs is {config['sft']['epochs']})")
    RECIPE_SFT = GRPO_ARMS["recipe"]["start"]
    STAGES = stage_labels(RECIPE_SFT)
    SWEEP_MODELS = ["original", RECIPE_SFT, "grpo-recipe"]
    ABLATION_ARMS = {f"grpo-{arm}": spec["rewards"] for arm, spec in GRPO_ARMS.items() if spec["start"] == RECIPE_SFT}
    HUB_MODELS = {"original": config["original"]} if ORIGINAL_SOURCE == "hub" else {}
    AIMO_MODELS = SWEEP_MODELS
else:
    RELEASED = config["released"]["models"]
    SFT_MODELS, GRPO_ARMS, GRPO_MODELS = [], {}, []
    EVAL_MODELS = list(RELEASED)
    HUB_MODELS = RELEASED
    AIMO_MODELS = []
    for table, spec in config["released"]["tables"].items():
        for name in spec["models"]:
            if name not in RELEASED:
                config_error(f"released.tables.{table}.models", f"{name!r} is not in released.models")
        for budget in spec["budgets"]:
            if budget not in config["eval"]["budgets"]:
                config_error(f"released.tables.{table}.budgets", f"{budget} is not one of eval.budgets")


wildcard_constraints:
    model="|".join([r"original", r"sft-e\d+", r"grpo-[a-z][a-z0-9-]*", *EVAL_MODELS]),
    arm="|".join(GRPO_ARMS) or "-",
    epochs=r"\d+",
    benchmark="|".join(USED_BENCHMARKS),


def as_json(section):
    """A config section as one JSON argument for the fastmath-r1 CLI (a function, so that Snakemake
    does not read the braces of the JSON or of a prompt template as wildcards)."""
    text = json.dumps(section, sort_keys=True)
    return lambda wildcards: text


def launch_section(stage):
    """The stage's launch section with its accelerate config resolved against the workflow folder."""
    launch = dict(config[stage]["launch"])
    if launch["accelerate_config"]:
        launch["accelerate_config"] = str(Path(workflow.basedir) / launch["accelerate_config"])
    return launch


def arm_rewards(arm):
    """The arm's reward list for the CLI: each reward with weight 1 and its configured parameters."""
    params = config["grpo"]["reward_params"]
    return [{"name": name, "weight": 1.0, **params.get(name, {})} for name in GRPO_ARMS[arm]["rewards"]]


def benchmark_file(name):
    if REGISTRY[name]["source"] == "world":
        return f"{R}/data/world/benchmarks/{name}.parquet"
    return f"{R}/data/benchmarks/{name}.parquet"


def grades_files(models):
    return expand(f"{R}/eval/{{model}}/{{benchmark}}/grades.parquet", model=models, benchmark=BENCHMARKS)


def metrics_files(models):
    return expand(f"{R}/eval/{{model}}/{{benchmark}}/metrics.csv", model=models, benchmark=BENCHMARKS)


def aimo_completions(model, benchmark):
    kind = "eval" if AIMO["reuse_eval"] else "eval-aimo"
    return f"{R}/{kind}/{model}/{benchmark}/completions.parquet"


PUSH = config["push"]
if PUSH["enabled"]:
    if not PUSH["models"]:
        config_error("push.models", "push is enabled but names no model to push")
    for name in PUSH["models"]:
        if name not in EVAL_MODELS:
            config_error(f"push.models.{name}", f"not a model of this run (models: {', '.join(EVAL_MODELS)})")


def training_datasets():
    """Hub ids of the data the recipe trained on, for the model card."""
    data = config["data"]
    if DATA_SOURCE == "hub":
        specs = [s["dataset"] for s in data["sft_sources"].values()] + [data["grpo_source"]["dataset"]]
    elif DATA_SOURCE == "published":
        specs = [data["published"]["sft"], data["published"]["grpo"]]
    else:
        specs = []
    return list(dict.fromkeys(s["repo_id"] for s in specs))


def figure_targets():
    """Tables and figures: what `reproduce` builds except the data card (it reads the data) and pushes."""
    return [t for t in reproduce_targets() if not t.endswith("data_card.md") and "/push/" not in t]


def reproduce_targets():
    if MODE == "released":
        return [
            f"{R}/data/data_card.md",
            *[f"{R}/tables/budget_sweep_{t}.{ext}" for t in config["released"]["tables"] for ext in ("csv", "md")],
            *[f"{R}/figures/budget_sweep_{t}.png" for t in config["released"]["tables"]],
        ]
    tables = ["sft_epochs", "stages", "budget_sweep", "reward_ablation", "aimo", "claims"]
    figures = ["sft_epochs", "budget_sweep", "reward_ablation", "per_problem", "grpo_curves"]
    pushed = [f"{R}/push/{model}.txt" for model in PUSH["models"]] if PUSH["enabled"] else []
    return [
        *pushed,
        f"{R}/data/data_card.md",
        f"{R}/report.md",
        f"{R}/tables/per_problem.csv",
        *[f"{R}/tables/{t}.{ext}" for t in tables for ext in ("csv", "md") if (t, ext) != ("claims", "md")],
        *[f"{R}/figures/{f}.png" for f in figures],
    ]


ALL_ROWS = {"min_generation_length": 0, "length_unit": "chars", "min_accuracy": 0.0, "max_accuracy": 1.0}


def uses_tokens(selection):
    return selection["length_unit"] == "tokens" and selection["min_generation_length"] > 0


def grpo_prompts_file():
    return f"{R}/data/world/grpo_prompts.parquet" if DATA_SOURCE == "world" else f"{R}/data/grpo_prompts.parquet"


def data_card_tables():
    """Name -> path of every data table the run uses."""
    tables = {}
    if MODE == "recipe":
        if DATA_SOURCE == "world":
            tables |= {"corpus": f"{R}/data/world/corpus.parquet", "sft_pool": f"{R}/data/world/sft_pool.parquet"}
        if ORIGINAL_SOURCE == "trained":
            tables["original_train"] = f"{R}/data/original_train.parquet"
        if DATA_SOURCE == "hub":
            tables |= {f"source {s}": f"{R}/data/sources/{s}.parquet" for s in config["data"]["sft_sources"]}
        tables |= {"sft": f"{R}/data/sft.parquet", "grpo_prompts": grpo_prompts_file()}
    return tables | {b: benchmark_file(b) for b in USED_BENCHMARKS}


def vllm_server(wildcards, input):
    """GRPO in vLLM server mode: what `trl vllm-serve` runs (fastmath_r1/launch.py starts it)."""
    trainer = config["grpo"]["trainer"]
    if not (trainer["use_vllm"] and trainer["vllm_mode"] == "server"):
        return ""
    server = {
        "model": input.model,
        "port": trainer["vllm_server_port"],
        "gpu_memory_utilization": trainer["vllm_gpu_memory_utilization"],
        "max_model_len": trainer["vllm_max_model_length"],
    }
    return f"--vllm-server {shlex.quote(json.dumps(server))}"
