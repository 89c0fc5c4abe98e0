"""Command-line entry points: one subcommand per workflow step (`fastmath-r1 <step> --help`). Snakemake
rules only call these.

Each subcommand declares its arguments beside its handler; a handler parses, calls the package and writes
what it returns. Structured options (a trainer section, a prompt pair) arrive as JSON taken from the
validated config, so a rule reruns when the part of the config it uses changes, and no step reads the
config file itself. Values that come from the config are required: the schema holds their defaults.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
from collections.abc import Callable
from pathlib import Path

from fastmath_r1.errors import InputError

log = logging.getLogger("fastmath_r1")
COMMANDS: dict[str, tuple[str, tuple, Callable]] = {}


def command(name: str, help: str, *arguments: tuple):
    """Register `fastmath-r1 name` with its arguments (`arg(...)`); the handler's docstring, if any,
    is its --help description."""

    def register(handler: Callable) -> Callable:
        COMMANDS[name] = (help, arguments, handler)
        return handler

    return register


def arg(*flags: str, **options) -> tuple:
    return flags, options


def _json(text: str):
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise argparse.ArgumentTypeError(f"not valid JSON ({e}): {text[:80]!r}") from e


def _name_path(item: str) -> tuple[str, Path]:
    name, _, path = item.partition("=")
    if not name or not path:
        raise argparse.ArgumentTypeError(f"expected NAME=PATH, got {item!r}")
    return name, Path(path)


def _name_rewards(item: str) -> tuple[str, list[str]]:
    name, _, rewards = item.partition("=")
    return name, rewards.split("+")


def required(flag: str, help: str, type=Path, **options) -> tuple:
    return arg(flag, type=type, required=True, help=help, **options)


def config_json(flag: str, help: str) -> tuple:
    return required(flag, f"JSON: {help}", type=_json)


def _set_threads(threads: int) -> None:
    import torch

    torch.set_num_threads(threads)


OUT = required("--out", "the output file")
OUT_CSV, OUT_MD, OUT_PNG = (
    required(f"--out-{ext}", f"the {what}")
    for ext, what in [("csv", "table (csv)"), ("md", "table (markdown)"), ("png", "figure (png)")]
)
METRICS = required("--metrics", "metrics.csv files of the evaluation step", nargs="+")
BUDGET = required("--budget", "the token budget the table reports", type=int)
THREADS = required("--threads", "CPU threads of the step (torch)", type=int)
DATASET = config_json("--dataset", "a Hub dataset: repo_id, revision, config, split, data_files")
SELECTION = config_json("--selection", "min_generation_length, length_unit, min_accuracy, max_accuracy")
TOKENIZER = arg("--tokenizer", type=Path, help="model directory whose tokenizer measures trace lengths in tokens")
CHECKPOINTS = required("--checkpoint-dir", "checkpoints, kept until the run finishes so that a rerun resumes")


# ---- data ----


@command(
    "world",
    "generate the miniature's math world (pools and held-out sets)",
    config_json("--spec", "the config's world section"),
    config_json("--benchmarks", "name -> spec of the held-out sets drawn from the world"),
    required("--out-dir", "where the pools and benchmarks/ go"),
)
def cmd_world(a):
    from fastmath_r1.world import write_world

    write_world(a.spec, a.benchmarks, a.out_dir)


@command(
    "build-set",
    "select rows of OpenR1-shaped pools, merge them and keep their correct traces",
    required("--pool", "tables with problem, answer, generations, correctness_math_verify", nargs="+"),
    SELECTION,
    TOKENIZER,
    arg("--keep", choices=["shortest-correct", "all-correct"], required=True),
    OUT,
)
def cmd_build_set(a):
    from fastmath_r1.data import trace_length, write_training_set

    table = write_training_set(a.pool, a.selection, a.keep, a.out, trace_length(a.tokenizer))
    log.info("%s: %d rows (%s) from %s", a.out, len(table), a.keep, ", ".join(map(str, a.pool)))


@command(
    "hub-source",
    "one source of the stage-1 set: a Hub dataset, OpenR1-shaped, selected and sampled",
    DATASET,
    arg("--format", choices=["openr1", "light-r1"], required=True),
    SELECTION,
    arg("--sample", type=int, help="random rows kept after the selection (all when omitted)"),
    required("--seed", "seed of the random draw", type=int),
    TOKENIZER,
    OUT,
)
def cmd_hub_source(a):
    from fastmath_r1.hub import source_pool

    source_pool(a.dataset, a.format, a.selection, a.sample, a.seed, a.tokenizer).to_parquet(a.out, index=False)


@command(
    "grpo-set",
    "stage-2 prompts (problem_id, problem, answer) from a Hub dataset",
    DATASET,
    arg(
        "--format",
        choices=["openr1", "light-r1", "prompts"],
        required=True,
        help="prompts: problem and answer columns as they are",
    ),
    OUT,
)
def cmd_grpo_set(a):
    from fastmath_r1.hub import grpo_prompt_set

    grpo_prompt_set(a.dataset, a.format).to_parquet(a.out, index=False)


@command("published-sft", "the authors' published stage-1 set, as it is", DATASET, OUT)
def cmd_published_sft(a):
    from fastmath_r1.hub import published_sft_set

    published_sft_set(a.dataset).to_parquet(a.out, index=False)


@command(
    "benchmark",
    "a held-out set from a local file or the Hub, as (problem_id, problem, answer)",
    config_json("--spec", "the benchmark's entry in the config's benchmarks registry"),
    required("--name", "the benchmark's name in the registry", type=str),
    OUT,
)
def cmd_benchmark(a):
    from fastmath_r1.benchmarks import load_benchmark

    table = load_benchmark(a.spec, a.name)
    table.to_parquet(a.out, index=False)
    log.info("%s: %d problems", a.name, len(table))


@command(
    "data-card",
    "counts and length statistics of data tables",
    required("--table", "the tables to describe", type=_name_path, nargs="+", metavar="NAME=PATH"),
    OUT,
)
def cmd_data_card(a):
    from fastmath_r1.data import data_card
    from fastmath_r1.table_files import read_table

    a.out.write_text("# Data card\n\n" + data_card({name: read_table(path) for name, path in a.table}))


# ---- models and training ----


@command(
    "download-model",
    "a model from the Hub at a pinned revision, every file verified",
    config_json("--spec", "repo_id and revision"),
    required("--out", "the model directory"),
)
def cmd_download_model(a):
    from fastmath_r1.hub import download_model

    download_model(a.spec, a.out)


@command(
    "import-model",
    "your own model (a local Hugging Face-format directory), checked as a download is and linked into the run",
    required("--path", "the model directory: config.json, a tokenizer, safetensors weights"),
    required("--out", "the run's model directory"),
)
def cmd_import_model(a):
    from fastmath_r1.hub import import_model

    import_model(a.path, a.out)


@command(
    "init-model",
    "train the tokenizer on the corpus and initialise a small Qwen2",
    required("--corpus", "table with problem and generation columns"),
    config_json("--prompts", "every prompt pair of the recipe (its words enter the vocabulary)"),
    required("--vocab-size", "BPE vocabulary size", type=int),
    config_json("--architecture", "the Qwen2 configuration"),
    required("--seed", "initialisation seed", type=int),
    required("--out", "the model directory"),
)
def cmd_init_model(a):
    from fastmath_r1.model import init_from_corpus
    from fastmath_r1.table_files import read_table

    n_params = init_from_corpus(read_table(a.corpus), a.prompts, a.vocab_size, a.architecture, a.seed, a.out)
    log.info("initialised a %d-parameter Qwen2 in %s", n_params, a.out)


@command(
    "packing",
    "what each of TRL's packing strategies does to the stage-1 set: traces truncated, steps per epoch",
    required("--data", "the stage-1 set (problem, generation)"),
    required("--model", "the model whose tokenizer (and chat template) SFT uses", type=str),
    config_json("--prompts", "system and user prompt"),
    arg("--chat-template", default="", help="the template SFT sets on the tokenizer; empty keeps the model's"),
    required("--max-length", "SFT's max_length", type=int),
    required("--sequences-per-step", "per-device batch x accumulation steps x processes", type=int),
    arg("--configured", default="", help="the preset's packing_strategy (empty: no packing)"),
    OUT_CSV,
    OUT_MD,
)
def cmd_packing(a):
    from fastmath_r1.packing import packing_markdown, packing_report
    from fastmath_r1.table_files import read_table

    table = packing_report(read_table(a.data), a.model, a.prompts, a.chat_template or None, a.max_length,
                           a.sequences_per_step)  # fmt: skip
    table.to_csv(a.out_csv, index=False)
    a.out_md.write_text(packing_markdown(table, a.configured or None, a.sequences_per_step))


@command(
    "sft",
    "supervised fine-tuning with TRL's SFTTrainer (completion-only loss)",
    required("--model", "model directory", type=str),
    required("--data", "table with problem and generation"),
    config_json("--prompts", "system and user prompt"),
    config_json("--trainer", "SFTConfig arguments"),
    required("--epochs", "training epochs", type=float),
    required("--out", "the trained model's directory"),
    required("--log-csv", "per-step training log"),
    CHECKPOINTS,
    arg(
        "--chat-template",
        default="",
        help="Jinja chat template set on the tokenizer before training; empty keeps the model's",
    ),
    arg("--attn-implementation", default="", help="the attention the model is loaded with; empty: its default"),
    THREADS,
)
def cmd_sft(a):
    from fastmath_r1.sft import train_sft

    _set_threads(a.threads)
    attention = a.attn_implementation or None
    train_sft(a.model, a.data, a.prompts, a.trainer, a.epochs, a.chat_template or None, attention, a.out,
              a.checkpoint_dir, a.log_csv)  # fmt: skip


@command(
    "grpo",
    "GRPO with TRL's GRPOTrainer and the paper's rewards",
    required("--model", "model directory", type=str),
    required("--prompts-table", "table with problem and answer"),
    config_json("--prompts", "system and user prompt"),
    required("--rewards", "reward names (rewards.REWARDS), weight 1 each", type=str, nargs="+"),
    config_json("--reward-params", "reward name -> its factory's parameters"),
    config_json("--trainer", "GRPOConfig arguments"),
    required("--out", "the trained model's directory"),
    required("--log-csv", "per-step training log"),
    CHECKPOINTS,
    arg("--max-prompt-length", type=int, help="drop prompts with more tokens (none dropped when omitted)"),
    THREADS,
)
def cmd_grpo(a):
    from fastmath_r1.grpo import train_grpo

    _set_threads(a.threads)
    train_grpo(
        a.model,
        a.prompts_table,
        a.prompts,
        a.rewards,
        a.reward_params,
        a.trainer,
        a.max_prompt_length,
        a.out,
        a.checkpoint_dir,
        a.log_csv,
    )


@command(
    "launch",
    "run a training step in-process or with accelerate launch (and a vLLM server)",
    config_json("--launch", "the step's launch section: gpus, accelerate_config, vllm_server_gpus"),
    arg("--vllm-server", type=_json, help="GRPO server mode, JSON: model, port, gpu_memory_utilization, max_model_len"),
    arg("--server-log", type=Path, help="where the vLLM server's output goes"),
    arg("step", nargs=argparse.REMAINDER, help="-- then the fastmath-r1 subcommand and its arguments"),
)
def cmd_launch(a):
    from fastmath_r1.launch import free_port, plan, run

    step = a.step[1:] if a.step[:1] == ["--"] else a.step
    launch = plan(a.launch, step, a.vllm_server, os.environ.get("CUDA_VISIBLE_DEVICES"), free_port())
    status = run(launch, server_log=a.server_log)
    if status:
        raise SystemExit(f"training step {step[0]} failed with exit status {status}")


@command(
    "push",
    "publish a checkpoint with its model card to the Hub (token from HF_TOKEN only)",
    required("--model-dir", "the checkpoint"),
    required("--repo-id", "where it goes", type=str),
    required("--revision", "branch to publish to; created when missing", type=str),
    config_json("--recipe", "the resolved config, saved as recipe.yaml"),
    arg("--metrics", type=Path, nargs="*", default=[], help="evaluation metrics CSVs, for the model card"),
    arg("--base-model", help="Hub id of the model the recipe started from"),
    arg("--dataset", nargs="*", default=[], help="Hub ids of the training datasets"),
    arg("--overwrite", action="store_true", help="replace a revision that already holds a checkpoint"),
    required("--retries", "retries of a transient failure", type=int),
    required("--out", "written with repo@revision and the commit id"),
)
def cmd_push(a):
    """The token comes from HF_TOKEN (or `hf auth login`), never from the command line: rule logs and
    `ps` would show it."""
    import pandas as pd

    from fastmath_r1.push import push_checkpoint

    metrics = pd.concat([pd.read_csv(m) for m in a.metrics], ignore_index=True) if a.metrics else None
    sha = push_checkpoint(
        a.model_dir,
        a.repo_id,
        a.revision,
        a.recipe,
        metrics,
        a.base_model,
        a.dataset,
        overwrite=a.overwrite,
        retries=a.retries,
    )
    a.out.write_text(f"{a.repo_id}@{a.revision} {sha}\n")
    log.info("pushed %s to %s@%s (commit %s)", a.model_dir, a.repo_id, a.revision, sha)


# ---- evaluation ----


@command(
    "evaluate",
    "sample completions at the largest budget, then grade every budget, on each benchmark of each protocol; "
    "one engine for all, one call to it per round of shards",
    required("--model", "model directory", type=str),
    required("--model-name", "its name in tables", type=str),
    # A protocol is one each of --benchmark, --prompts, --eval and --out-dir, given again for the next one.
    required("--benchmark", "problem_id, problem, answer tables", type=_name_path, nargs="+", metavar="NAME=PATH",
             action="append"),
    required("--prompts", "JSON: system and user prompt", type=_json, action="append"),
    required("--eval", "JSON: the config's eval section", type=_json, action="append"),
    required("--out-dir", "gets <benchmark>/completions.parquet (every raw completion), metrics.csv (per budget) "
             "and grades.parquet (per sample and budget); <benchmark>/shards/ while it runs", action="append"),
    THREADS,
)  # fmt: skip
def cmd_evaluate(a):
    from fastmath_r1.evaluate import Protocol, evaluate_model

    if not len(a.benchmark) == len(a.prompts) == len(a.eval) == len(a.out_dir):
        raise InputError("--benchmark, --prompts, --eval and --out-dir: one of each per protocol")
    _set_threads(a.threads)
    protocols = [Protocol(o, dict(b), p, e) for b, p, e, o in zip(a.benchmark, a.prompts, a.eval, a.out_dir)]
    for out, completions, metrics, grades in evaluate_model(a.model, a.model_name, protocols):
        out.mkdir(parents=True, exist_ok=True)
        completions.to_parquet(out / "completions.parquet", index=False)
        metrics.to_csv(out / "metrics.csv", index=False)
        grades.to_parquet(out / "grades.parquet", index=False)


@command(
    "aimo-grades",
    "paper T5: every AIMO-protocol sample graded modulo 1000 at each budget",
    required("--benchmark", "benchmarks pooled into one table", type=_name_path, nargs="+", metavar="NAME=PATH"),
    arg("--run", nargs=4, action="append", required=True, metavar=("MODEL", "BENCHMARK", "COMPLETIONS", "MODEL_DIR")),
    required("--budgets", "budgets to grade at", type=int, nargs="+"),
    required("--modulo", "answers are taken modulo this", type=int),
    required("--out", "grades with the gold answer of each problem (parquet)"),
)
def cmd_aimo_grades(a):
    from fastmath_r1.evaluate import aimo_grades

    aimo_grades(dict(a.benchmark), a.run, a.budgets, a.modulo).to_parquet(a.out, index=False)


# ---- tables and figures ----


@command(
    "sft-epochs",
    "paper F1: table and figure of the SFT epoch ablation",
    METRICS,
    BUDGET,
    required("--title", "the table's title", type=str),
    OUT_CSV,
    OUT_MD,
    OUT_PNG,
)
def cmd_sft_epochs(a):
    from fastmath_r1.figures import plot_sft_epochs
    from fastmath_r1.tables import sft_epoch_table, write_table

    table = sft_epoch_table(a.metrics, a.budget)
    note = f"Pass@1 (%) and mean output tokens at a budget of {a.budget} tokens, with 95% bootstrap CIs over problems."
    write_table(table, a.out_csv, a.out_md, a.title, note, ["model", "sft_epochs"])
    plot_sft_epochs(table, a.out_png)


@command(
    "stages",
    "paper T1: the recipe's stages",
    METRICS,
    config_json("--stages", "list of [model name, stage label] pairs, in table order"),
    BUDGET,
    OUT_CSV,
    OUT_MD,
)
def cmd_stages(a):
    from fastmath_r1.tables import stage_table, write_table

    table = stage_table(a.metrics, a.budget, dict(a.stages))
    note = f"Pass@1 (%) and mean output tokens at a budget of {a.budget} tokens, 95% bootstrap CIs."
    write_table(table, a.out_csv, a.out_md, "Recipe stages (paper T1)", note, ["model", "stage"])


def _by_size(items: list[tuple[str, Path]]) -> dict[str, list[Path]]:
    """SIZE=PATH arguments grouped by size, in the order the sizes first appear."""
    files: dict[str, list[Path]] = {}
    for size, path in items:
        files.setdefault(size, []).append(path)
    return files


@command(
    "sizes",
    "paper T1 at each model size: the recipe's stages, table and figure",
    required(
        "--metrics",
        "each size's metrics files, as SIZE=PATH, the smallest size first",
        type=_name_path,
        nargs="+",
        metavar="SIZE=PATH",
    ),
    config_json("--stages", "list of [model name, stage label] pairs, in table order"),
    BUDGET,
    OUT_CSV,
    OUT_MD,
    OUT_PNG,
)
def cmd_sizes(a):
    from fastmath_r1.figures import plot_sizes
    from fastmath_r1.tables import size_table, write_table

    table = size_table(_by_size(a.metrics), a.budget, dict(a.stages))
    note = (
        f"Pass@1 (%) and mean output tokens at a budget of {a.budget} tokens, 95% bootstrap CIs, smallest size first."
    )
    write_table(table, a.out_csv, a.out_md, "Recipe stages by model size (paper T1)", note, ["size", "stage"])
    plot_sizes(table, a.out_png)


@command(
    "size-claims",
    "the claims across model sizes: the recipe's and SFT's gains grow with size",
    required(
        "--grades",
        "each size's grades files, as SIZE=PATH, the smallest size first",
        type=_name_path,
        nargs="+",
        metavar="SIZE=PATH",
    ),
    BUDGET,
    required("--sft-model", "the SFT model the recipe continues from", type=str),
    required("--resamples", "bootstrap resamples", type=int),
    required("--seed", "bootstrap seed", type=int),
    required("--preset", "the preset's name, for the title", type=str),
    OUT_CSV,
    OUT_MD,
)
def cmd_size_claims(a):
    from fastmath_r1.claims import size_claims_table, write_report
    from fastmath_r1.tables import read_grades

    files = _by_size(a.grades)
    table = size_claims_table(
        {size: read_grades(paths) for size, paths in files.items()}, a.budget, a.sft_model, a.resamples, a.seed
    )
    table.to_csv(a.out_csv, index=False)
    sizes = ", ".join(files)
    note = (
        f"Sizes, smallest first: {sizes}; each is graded on the same held-out problems."
        if len(files) > 1
        else (f"Only one size ({sizes}): config `sizes` needs two or more for these claims.")
    )
    write_report(table, a.out_md, f"Claims across model sizes, preset {a.preset}", a.budget, {}, note)


@command(
    "budget-sweep",
    "paper T3/T4: Pass@1 and tokens at every budget",
    METRICS,
    required("--models", "in table order", type=str, nargs="+"),
    arg("--budgets", type=int, nargs="+", help="the budgets shown (default: all)"),
    arg("--solid", nargs="+", help="models drawn solid (the Fast ones), the others dashed (default: the last one)"),
    required("--title", "the table's title", type=str),
    OUT_CSV,
    OUT_MD,
    OUT_PNG,
)
def cmd_budget_sweep(a):
    from fastmath_r1.figures import plot_budget_sweep
    from fastmath_r1.tables import budget_sweep_table, write_table

    table = budget_sweep_table(a.metrics, a.models, a.budgets)
    note = "Each budget scored from truncations of the same samples; 95% bootstrap CIs."
    write_table(table, a.out_csv, a.out_md, a.title, note, ["model", "budget"])
    plot_budget_sweep(table, a.solid or a.models[-1:], a.out_png)


@command(
    "reward-ablation",
    "paper F2: GRPO reward sets",
    METRICS,
    required("--arm", "each arm's model and rewards", type=_name_rewards, nargs="+", metavar="MODEL=REWARD+REWARD"),
    BUDGET,
    OUT_CSV,
    OUT_MD,
    OUT_PNG,
)
def cmd_reward_ablation(a):
    from fastmath_r1.figures import plot_reward_ablation
    from fastmath_r1.tables import reward_ablation_table, write_table

    table = reward_ablation_table(a.metrics, a.budget, dict(a.arm))
    note = f"GRPO after SFT with each reward set; budget {a.budget}; 95% bootstrap CIs."
    write_table(table, a.out_csv, a.out_md, "Reward ablation (paper F2)", note, ["model", "rewards"])
    plot_reward_ablation(table, a.out_png)


@command(
    "per-problem",
    "paper F3: per-problem change between two models",
    required("--base", "grades of the base model", nargs="+"),
    required("--final", "grades of the final model", nargs="+"),
    BUDGET,
    OUT_CSV,
    OUT_PNG,
)
def cmd_per_problem(a):
    from fastmath_r1.figures import plot_per_problem
    from fastmath_r1.tables import per_problem_changes, read_grades

    changes = per_problem_changes(read_grades(a.base), read_grades(a.final), a.budget)
    changes.to_csv(a.out_csv, index=False)
    plot_per_problem(changes, a.out_png)


@command(
    "grpo-curves",
    "paper F4: GRPO training curves",
    required("--curves", "curves/grpo-<arm>.csv files", nargs="+"),
    OUT_PNG,
)
def cmd_grpo_curves(a):
    import pandas as pd

    from fastmath_r1.figures import plot_grpo_curves

    plot_grpo_curves({p.stem.removeprefix("grpo-"): pd.read_csv(p) for p in a.curves}, a.out_png)


@command(
    "aimo",
    "paper T5: the AIMO-2 local-validation table from the graded samples",
    required("--grades", "the aimo-grades output"),
    required("--modulo", "as in aimo-grades", type=int),
    required("--resamples", "bootstrap resamples", type=int),
    required("--seed", "bootstrap seed", type=int),
    OUT_CSV,
    OUT_MD,
)
def cmd_aimo(a):
    import pandas as pd

    from fastmath_r1.tables import aimo_markdown, aimo_table

    table = aimo_table(pd.read_parquet(a.grades), a.resamples, a.seed)
    table.to_csv(a.out_csv, index=False)
    a.out_md.write_text(aimo_markdown(table, a.modulo))


@command(
    "claims",
    "the claims report: every claim of the paper, its value here with a CI, a computed verdict",
    required("--grades", "every model's grades", nargs="+"),
    BUDGET,
    required("--sft-model", "the SFT model the recipe continues from", type=str),
    required("--preset", "the preset's name", type=str),
    required("--resamples", "bootstrap resamples", type=int),
    required("--seed", "bootstrap seed", type=int),
    required("--claims", "ids of the claims to compute", type=str, nargs="+"),
    config_json("--dropped", "claim id -> why this preset cannot compute it"),
    required("--paper", "the paper's reported numbers (paper/reported.csv)"),
    config_json("--stands-for", 'held-out set -> the benchmark it stands for, e.g. {"aime24-mini": "AIME 2024"}'),
    OUT_CSV,
    OUT_MD,
    required("--out-rst", "the same report as the front page of snakemake --report"),
)
def cmd_claims(a):
    import pandas as pd

    from fastmath_r1.claims import claims_table, write_front_page, write_report
    from fastmath_r1.tables import read_grades

    table = claims_table(
        read_grades(a.grades), a.budget, a.sft_model, a.resamples, a.seed, a.claims, pd.read_csv(a.paper), a.stands_for
    )
    table.to_csv(a.out_csv, index=False)
    write_report(table, a.out_md, f"Claims report, preset {a.preset}", a.budget, a.dropped)
    write_front_page(table, a.out_rst, a.preset, a.budget, a.dropped)


@command(
    "seed-claims",
    "the claims report over seed runs: each claim's verdict per seed and the seed-majority verdict",
    required("--claims", "each seed's claims table, as SEED=PATH", nargs="+", type=str),
    BUDGET,
    required("--preset", "the preset's name", type=str),
    OUT_CSV,
    OUT_MD,
)
def cmd_seed_claims(a):
    from fastmath_r1.claims import read_claims_table, seeds_table, write_seeds_report

    tables = {}
    for item in a.claims:
        seed, sep, path = item.partition("=")
        if not sep or not seed.isdigit():
            raise InputError(f"--claims {item!r}: expected SEED=PATH, e.g. 1=results/mini-seed1/tables/claims.csv")
        tables[int(seed)] = read_claims_table(Path(path))
    table = seeds_table(tables)
    table.to_csv(a.out_csv, index=False)
    write_seeds_report(table, a.out_md, a.preset, a.budget)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fastmath-r1", description=__doc__.split("\n\n")[0])
    steps = parser.add_subparsers(dest="command", required=True, metavar="STEP")
    for name, (help, arguments, handler) in COMMANDS.items():
        step = steps.add_parser(name, help=help, description=f"{help}. {handler.__doc__ or ''}".strip())
        for flags, options in arguments:
            step.add_argument(*flags, **options)
        step.set_defaults(func=handler)
    return parser


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    args = build_parser().parse_args(argv)
    try:
        args.func(args)
    # OSError: a folder that cannot be written, a full disk; its message names the path.
    except (InputError, OSError) as error:
        raise SystemExit(f"fastmath-r1 {args.command}: {error}") from error


if __name__ == "__main__":
    main()
