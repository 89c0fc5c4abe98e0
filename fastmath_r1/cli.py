"""Command-line entry points: one subcommand per workflow step. Snakemake rules only call these.

Structured options (a trainer section, a prompt pair) arrive as JSON strings taken from the validated
config, so a rule reruns when the part of the config it uses changes, and no step reads the config
file itself.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
from pathlib import Path

log = logging.getLogger("fastmath_r1")


def _json(text: str):
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise argparse.ArgumentTypeError(f"not valid JSON ({e}): {text[:80]!r}") from e


def _set_threads(threads: int) -> None:
    import torch

    torch.set_num_threads(threads)


def cmd_world(a: argparse.Namespace) -> None:
    from fastmath_r1.world import write_world

    write_world(a.spec, a.benchmarks, a.out_dir)


def _trace_length(tokenizer_dir: Path | None):
    """Characters, or tokens of the given tokenizer (the paper's 12,800-token floor)."""
    if tokenizer_dir is None:
        return len
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tokenizer_dir)
    return lambda text: len(tokenizer(text, add_special_tokens=False)["input_ids"])


def cmd_build_set(a: argparse.Namespace) -> None:
    from fastmath_r1.data import write_training_set

    table = write_training_set(a.pool, a.selection, a.keep, a.out, _trace_length(a.tokenizer))
    log.info("%s: %d rows (%s) from %s", a.out, len(table), a.keep, ", ".join(map(str, a.pool)))


def cmd_hub_source(a: argparse.Namespace) -> None:
    from fastmath_r1.data import sample_rows, select_hard, to_openr1_shape
    from fastmath_r1.hub import describe, load_hub_table

    origin = describe(a.dataset)
    shaped = to_openr1_shape(load_hub_table(a.dataset), a.format, origin)
    selected = select_hard(shaped, **a.selection, length=_trace_length(a.tokenizer))
    pool = sample_rows(selected, a.sample, a.seed)
    pool.to_parquet(a.out, index=False)
    log.info("%s: %d rows, %d pass the selection %s, %d kept", origin, len(shaped), len(selected), a.selection, len(pool))


def cmd_grpo_set(a: argparse.Namespace) -> None:
    from fastmath_r1.data import grpo_prompts, to_openr1_shape
    from fastmath_r1.hub import describe, load_hub_table

    origin = describe(a.dataset)
    table = load_hub_table(a.dataset)
    shaped = table if a.format == "prompts" else to_openr1_shape(table, a.format, origin)
    prompts = grpo_prompts(shaped)
    prompts.to_parquet(a.out, index=False)
    log.info("%s: %d GRPO prompts", origin, len(prompts))


def cmd_published_sft(a: argparse.Namespace) -> None:
    from fastmath_r1.hub import describe, load_hub_table

    table = load_hub_table(a.dataset)
    missing = {"problem", "generation"} - set(table.columns)
    if missing:
        raise SystemExit(f"{describe(a.dataset)}: missing column(s) {', '.join(sorted(missing))} (has: {', '.join(table.columns)})")
    table.to_parquet(a.out, index=False)
    log.info("%s: %d SFT rows", describe(a.dataset), len(table))


def cmd_benchmark(a: argparse.Namespace) -> None:
    from fastmath_r1.benchmarks import load_benchmark

    table = load_benchmark(a.spec, a.name)
    table.to_parquet(a.out, index=False)
    log.info("%s: %d problems", a.name, len(table))


def cmd_download_model(a: argparse.Namespace) -> None:
    from fastmath_r1.hub import DownloadMismatch, download_model

    try:
        download_model(a.spec, a.out)
    except DownloadMismatch as error:
        raise SystemExit(str(error)) from error


def cmd_push(a: argparse.Namespace) -> None:
    """The token comes from HF_TOKEN (or `hf auth login`), never from the command line: rule logs and
    `ps` would show it."""
    import pandas as pd

    from fastmath_r1.push import PushRefused, push_checkpoint

    metrics = pd.concat([pd.read_csv(m) for m in a.metrics], ignore_index=True) if a.metrics else None
    try:
        sha = push_checkpoint(a.model_dir, a.repo_id, a.revision, a.recipe, metrics, a.base_model, a.dataset,
                              overwrite=a.overwrite, retries=a.retries)  # fmt: skip
    except PushRefused as error:
        raise SystemExit(f"push refused: {error}") from error
    a.out.write_text(f"{a.repo_id}@{a.revision} {sha}\n")
    log.info("pushed %s to %s@%s (commit %s)", a.model_dir, a.repo_id, a.revision, sha)


def cmd_launch(a: argparse.Namespace) -> None:
    from fastmath_r1.launch import plan, run

    step = a.step[1:] if a.step[:1] == ["--"] else a.step
    status = run(plan(a.launch, step, a.vllm_server, os.environ.get("CUDA_VISIBLE_DEVICES")), server_log=a.server_log)
    if status:
        raise SystemExit(f"training step {step[0]} failed with exit status {status}")


def cmd_data_card(a: argparse.Namespace) -> None:
    from fastmath_r1.data import data_card, read_table

    tables = {}
    for item in a.table:
        name, _, path = item.partition("=")
        if not path:
            raise SystemExit(f"--table expects NAME=PATH, got {item!r}")
        tables[name] = read_table(path)
    a.out.write_text("# Data card\n\n" + data_card(tables))


def cmd_init_model(a: argparse.Namespace) -> None:
    from fastmath_r1.data import read_table
    from fastmath_r1.model import init_model
    from fastmath_r1.tokenizer import train_tokenizer

    corpus = read_table(a.corpus)
    prompts = [text for p in a.prompts.values() for text in (p["system"], p["user"])]
    tokenizer = train_tokenizer(prompts + corpus["problem"].tolist() + corpus["generation"].tolist(), a.vocab_size)
    n_params = init_model(tokenizer, a.architecture, a.seed, a.out)
    log.info("initialised a %d-parameter Qwen2 with a %d-token vocabulary in %s", n_params, len(tokenizer), a.out)


def cmd_sft(a: argparse.Namespace) -> None:
    from fastmath_r1.data import read_table, to_prompt_completion
    from fastmath_r1.sft import train_sft

    _set_threads(a.threads)
    _keep_matching_checkpoints(a, [a.model, a.data])
    train = to_prompt_completion(read_table(a.data), a.prompts["system"], a.prompts["user"])
    log.info("SFT of %s on %d examples for %s epochs", a.model, len(train), a.epochs)
    train_sft(a.model, train, a.out, a.checkpoint_dir, a.log_csv, a.epochs, a.trainer, a.chat_template or None)


def _keep_matching_checkpoints(a: argparse.Namespace, inputs: list) -> None:
    """In the main process, before any process starts training (the others wait for it)."""
    from accelerate import PartialState

    from fastmath_r1.training import input_stamps, keep_matching_checkpoints

    state = PartialState()
    if state.is_main_process:
        run = {k: str(v) if isinstance(v, Path) else v for k, v in vars(a).items() if k not in ("func", "threads")}
        keep_matching_checkpoints(a.checkpoint_dir, {"args": run, "inputs": input_stamps(inputs)})
    state.wait_for_everyone()


def cmd_evaluate(a: argparse.Namespace) -> None:
    from fastmath_r1.data import read_table
    from fastmath_r1.evaluate import generate_completions, sampling_from_config, score
    from fastmath_r1.generation import make_backend

    _set_threads(a.threads)
    benchmark = read_table(a.benchmark)
    backend = make_backend(a.eval["backend"], a.model, a.eval)
    sampling = sampling_from_config(a.eval)
    log.info("sampling %d x %d completions of up to %d tokens from %s", len(benchmark), sampling.n, sampling.max_tokens, a.model)
    completions = generate_completions(backend, backend.tokenizer, benchmark, a.prompts, sampling)
    completions.to_parquet(a.completions, index=False)
    metrics, grades = score(
        completions, benchmark, a.eval["budgets"], backend.tokenizer, a.eval["pass_k"], a.eval["bootstrap_resamples"], a.eval["seed"]
    )
    for frame in (metrics, grades):
        frame.insert(0, "benchmark", a.benchmark_name)
        frame.insert(0, "model", a.model_name)
    metrics.to_csv(a.metrics, index=False)
    grades.to_parquet(a.grades, index=False)


def cmd_grpo(a: argparse.Namespace) -> None:
    from fastmath_r1.data import read_table
    from fastmath_r1.grpo import train_grpo

    _set_threads(a.threads)
    _keep_matching_checkpoints(a, [a.model, a.prompts_table])
    prompts = read_table(a.prompts_table)
    log.info("GRPO of %s on %d prompts with rewards %s", a.model, len(prompts), [r["name"] for r in a.rewards])
    train_grpo(a.model, prompts, a.prompts, a.rewards, a.trainer, a.out, a.checkpoint_dir, a.log_csv, a.max_prompt_length)


def cmd_sft_epochs(a: argparse.Namespace) -> None:
    from fastmath_r1.figures import plot_sft_epochs
    from fastmath_r1.tables import sft_epoch_table, write_table

    table = sft_epoch_table(a.metrics, a.budget)
    write_table(table, a.out_csv, a.out_md, a.title)
    plot_sft_epochs(table, a.out_png)


def _write_md(table, out_md: Path, title: str, note: str, index: list[str]) -> None:
    from fastmath_r1.tables import wide_markdown

    out_md.write_text(f"# {title}\n\n{note}\n\n{wide_markdown(table, index, ['pass@1', 'tokens'])}\n")


def _read_grades(paths: list[Path]):
    import pandas as pd

    return pd.concat([pd.read_parquet(p) for p in paths], ignore_index=True)


def cmd_stages(a: argparse.Namespace) -> None:
    from fastmath_r1.tables import stage_table

    table = stage_table(a.metrics, a.budget, dict(a.stages))
    table.to_csv(a.out_csv, index=False)
    _write_md(table, a.out_md, "Recipe stages (paper T1)", f"Pass@1 (%) and mean output tokens at a budget of {a.budget} tokens, 95% bootstrap CIs.", ["model", "stage"])


def cmd_budget_sweep(a: argparse.Namespace) -> None:
    from fastmath_r1.figures import plot_budget_sweep
    from fastmath_r1.tables import budget_sweep_table

    table = budget_sweep_table(a.metrics, a.models, a.budgets)
    table.to_csv(a.out_csv, index=False)
    _write_md(table, a.out_md, a.title, "Each budget scored from truncations of the same samples; 95% bootstrap CIs.", ["model", "budget"])
    plot_budget_sweep(table, a.solid or a.models[-1:], a.out_png)


def cmd_reward_ablation(a: argparse.Namespace) -> None:
    from fastmath_r1.figures import plot_reward_ablation
    from fastmath_r1.tables import reward_ablation_table

    arms = {model: rewards.split("+") for model, rewards in (item.split("=", 1) for item in a.arm)}
    table = reward_ablation_table(a.metrics, a.budget, arms)
    table.to_csv(a.out_csv, index=False)
    _write_md(table, a.out_md, "Reward ablation (paper F2)", f"GRPO after SFT with each reward set; budget {a.budget}; 95% bootstrap CIs.", ["model", "rewards"])
    plot_reward_ablation(table, a.out_png)


def cmd_per_problem(a: argparse.Namespace) -> None:
    from fastmath_r1.figures import plot_per_problem
    from fastmath_r1.tables import per_problem_changes

    changes = per_problem_changes(_read_grades(a.base), _read_grades(a.final), a.budget)
    changes.to_csv(a.out_csv, index=False)
    plot_per_problem(changes, a.out_png)


def cmd_grpo_curves(a: argparse.Namespace) -> None:
    import pandas as pd

    from fastmath_r1.figures import plot_grpo_curves

    curves = {p.stem.removeprefix("grpo-"): pd.read_csv(p) for p in a.curves}
    plot_grpo_curves(curves, a.out_png)


def cmd_aimo_grades(a: argparse.Namespace) -> None:
    import pandas as pd
    from transformers import AutoTokenizer

    from fastmath_r1.data import read_table
    from fastmath_r1.evaluate import graded_at_budget
    from fastmath_r1.grading import normalize_answer

    # Problems of several benchmarks are pooled into one table, so their ids carry the benchmark's name.
    gold = {}
    for item in a.benchmark:
        name, _, path = item.partition("=")
        benchmark = read_table(path)
        gold |= {f"{name}/{pid}": normalize_answer(str(ans), a.modulo) for pid, ans in zip(benchmark["problem_id"], benchmark["answer"])}
    grades = []
    for model, name, path, model_dir in a.run:
        tokenizer = AutoTokenizer.from_pretrained(model_dir)
        completions = read_table(path)
        completions["problem_id"] = name + "/" + completions["problem_id"].astype(str)
        for budget in sorted(a.budgets, reverse=True):
            grades.append(graded_at_budget(completions, gold, budget, tokenizer, a.modulo).assign(model=model, budget=budget))
    table = pd.concat(grades, ignore_index=True)
    table["gold"] = table["problem_id"].map(gold)
    table.to_parquet(a.out, index=False)


def cmd_aimo(a: argparse.Namespace) -> None:
    from fastmath_r1.data import read_table
    from fastmath_r1.tables import aimo_table

    grades = read_table(a.grades)
    gold = dict(zip(grades["problem_id"], grades["gold"]))
    table = aimo_table(grades, gold)
    table.to_csv(a.out_csv, index=False)
    a.out_md.write_text(f"# AIMO-2 local-validation protocol (paper T5)\n\nAnswers taken modulo {a.modulo}; "
                        f"maj@k and pass@k as fractions, answers collected = samples with an answer per problem.\n\n"
                        f"{table.to_markdown(index=False, floatfmt='.3f')}\n")


def cmd_claims(a: argparse.Namespace) -> None:
    import pandas as pd

    from fastmath_r1.claims import (
        PAPER_BENCHMARKS,
        claims_table,
        write_front_page,
        write_report,
    )

    reported = pd.read_csv(a.paper) if a.paper else None
    paper_benchmarks = {held_out: PAPER_BENCHMARKS.get(name) for held_out, name in a.stands_for.items()}
    table = claims_table(_read_grades(a.grades), a.budget, a.sft_model, a.resamples, reported=reported, paper_benchmarks=paper_benchmarks)
    table.to_csv(a.out_csv, index=False)
    write_report(table, a.out_md, a.preset, a.budget)
    write_front_page(table, a.out_rst, a.preset, a.budget)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fastmath-r1", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("world", help="generate the miniature's math world (pools and held-out sets)")
    p.add_argument("--spec", type=_json, required=True, help="the config's world section")
    p.add_argument("--benchmarks", type=_json, required=True, help="JSON: name -> spec of the world-drawn held-out sets")
    p.add_argument("--out-dir", type=Path, required=True)
    p.set_defaults(func=cmd_world)

    p = sub.add_parser("build-set", help="select rows of OpenR1-shaped pools, merge them and keep their correct traces")
    p.add_argument("--pool", type=Path, nargs="+", required=True, help="tables with problem, answer, generations, correctness_math_verify")
    p.add_argument("--selection", type=_json, required=True, help="min_generation_length, length_unit, min_accuracy, max_accuracy")
    p.add_argument("--tokenizer", type=Path, help="model directory whose tokenizer measures lengths in tokens")
    p.add_argument("--keep", choices=["shortest-correct", "all-correct"], required=True)
    p.add_argument("--out", type=Path, required=True)
    p.set_defaults(func=cmd_build_set)

    p = sub.add_parser("hub-source", help="one source of the stage-1 set: a Hub dataset, OpenR1-shaped, selected and sampled")
    p.add_argument("--dataset", type=_json, required=True, help="repo_id, revision, config, split, data_files")
    p.add_argument("--format", choices=["openr1", "light-r1"], required=True)
    p.add_argument("--selection", type=_json, required=True)
    p.add_argument("--sample", type=int, help="random rows kept after the selection (all when omitted)")
    p.add_argument("--seed", type=int, default=2025)
    p.add_argument("--tokenizer", type=Path, help="model directory whose tokenizer measures lengths in tokens")
    p.add_argument("--out", type=Path, required=True)
    p.set_defaults(func=cmd_hub_source)

    p = sub.add_parser("grpo-set", help="stage-2 prompts (problem, answer) from a Hub dataset")
    p.add_argument("--dataset", type=_json, required=True)
    p.add_argument("--format", choices=["openr1", "light-r1", "prompts"], required=True, help="prompts: problem and answer columns as they are")
    p.add_argument("--out", type=Path, required=True)
    p.set_defaults(func=cmd_grpo_set)

    p = sub.add_parser("published-sft", help="the authors' published stage-1 set, as it is")
    p.add_argument("--dataset", type=_json, required=True)
    p.add_argument("--out", type=Path, required=True)
    p.set_defaults(func=cmd_published_sft)

    p = sub.add_parser("benchmark", help="a held-out set from a local file or the Hub, as (problem_id, problem, answer)")
    p.add_argument("--spec", type=_json, required=True, help="the benchmark's entry in the config's benchmarks registry")
    p.add_argument("--name", required=True)
    p.add_argument("--out", type=Path, required=True)
    p.set_defaults(func=cmd_benchmark)

    p = sub.add_parser("download-model", help="a model from the Hub at a pinned revision")
    p.add_argument("--spec", type=_json, required=True, help="repo_id and revision")
    p.add_argument("--out", type=Path, required=True)
    p.set_defaults(func=cmd_download_model)

    p = sub.add_parser("push", help="publish a checkpoint with its model card to the Hub (token from HF_TOKEN)")
    p.add_argument("--model-dir", type=Path, required=True)
    p.add_argument("--repo-id", required=True)
    p.add_argument("--revision", default="main", help="branch to publish to; created when missing")
    p.add_argument("--recipe", type=_json, required=True, help="the resolved config, saved as recipe.yaml")
    p.add_argument("--metrics", type=Path, nargs="*", default=[], help="evaluation metrics CSVs, for the model card")
    p.add_argument("--base-model", help="Hub id of the model the recipe started from")
    p.add_argument("--dataset", nargs="*", default=[], help="Hub ids of the training datasets")
    p.add_argument("--overwrite", action="store_true", help="replace a revision that already holds a checkpoint")
    p.add_argument("--retries", type=int, default=3)
    p.add_argument("--out", type=Path, required=True, help="written with repo@revision and the commit id")
    p.set_defaults(func=cmd_push)

    p = sub.add_parser("launch", help="run a training step in-process or with accelerate launch (and a vLLM server)")
    p.add_argument("--launch", type=_json, required=True, help="the step's launch section: gpus, accelerate_config, vllm_server_gpus")
    p.add_argument("--vllm-server", type=_json, help="GRPO server mode: model, port, gpu_memory_utilization, max_model_len")
    p.add_argument("--server-log", type=Path, help="where the vLLM server's output goes")
    p.add_argument("step", nargs=argparse.REMAINDER, help="-- then the fastmath-r1 subcommand and its arguments")
    p.set_defaults(func=cmd_launch)

    p = sub.add_parser("data-card", help="counts and length statistics of data tables")
    p.add_argument("--table", nargs="+", required=True, metavar="NAME=PATH")
    p.add_argument("--out", type=Path, required=True)
    p.set_defaults(func=cmd_data_card)

    p = sub.add_parser("init-model", help="train the tokenizer and initialise a small Qwen2")
    p.add_argument("--corpus", type=Path, required=True, help="table with problem and generation columns")
    p.add_argument("--prompts", type=_json, required=True)
    p.add_argument("--vocab-size", type=int, required=True)
    p.add_argument("--architecture", type=_json, required=True)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", type=Path, required=True)
    p.set_defaults(func=cmd_init_model)

    p = sub.add_parser("sft", help="supervised fine-tuning with TRL's SFTTrainer")
    p.add_argument("--model", required=True, help="model directory or Hub id")
    p.add_argument("--data", type=Path, required=True, help="table with problem and generation columns")
    p.add_argument("--prompts", type=_json, required=True)
    p.add_argument("--trainer", type=_json, required=True, help="SFTConfig arguments")
    p.add_argument("--epochs", type=float, required=True)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--log-csv", type=Path, required=True, help="per-step training log")
    p.add_argument("--checkpoint-dir", type=Path, required=True, help="kept until the run finishes, for resuming")
    p.add_argument("--chat-template", default="", help="Jinja chat template set on the tokenizer before training; empty keeps the model's")
    p.add_argument("--threads", type=int, default=1)
    p.set_defaults(func=cmd_sft)

    p = sub.add_parser("grpo", help="GRPO with TRL's GRPOTrainer and the paper's rewards")
    p.add_argument("--model", required=True)
    p.add_argument("--prompts-table", type=Path, required=True, help="table with problem and answer columns")
    p.add_argument("--prompts", type=_json, required=True, help="system and user prompt")
    p.add_argument("--rewards", type=_json, required=True, help="list of {name, weight, parameters...}")
    p.add_argument("--trainer", type=_json, required=True, help="GRPOConfig arguments")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--log-csv", type=Path, required=True)
    p.add_argument("--checkpoint-dir", type=Path, required=True)
    p.add_argument("--max-prompt-length", type=int, help="drop prompts with more tokens")
    p.add_argument("--threads", type=int, default=1)
    p.set_defaults(func=cmd_grpo)

    p = sub.add_parser("evaluate", help="sample completions at the largest budget, then grade every budget")
    p.add_argument("--model", required=True)
    p.add_argument("--model-name", required=True)
    p.add_argument("--benchmark", type=Path, required=True)
    p.add_argument("--benchmark-name", required=True)
    p.add_argument("--prompts", type=_json, required=True)
    p.add_argument("--eval", type=_json, required=True, help="the config's eval section")
    p.add_argument("--completions", type=Path, required=True, help="every raw completion (parquet)")
    p.add_argument("--metrics", type=Path, required=True, help="metrics per budget (csv)")
    p.add_argument("--grades", type=Path, required=True, help="per-sample answers and grades at every budget (parquet)")
    p.add_argument("--threads", type=int, default=1)
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("sft-epochs", help="table and figure of the SFT epoch ablation (paper F1)")
    p.add_argument("--metrics", type=Path, nargs="+", required=True)
    p.add_argument("--budget", type=int, required=True)
    p.add_argument("--title", required=True)
    p.add_argument("--out-csv", type=Path, required=True)
    p.add_argument("--out-md", type=Path, required=True)
    p.add_argument("--out-png", type=Path, required=True)
    p.set_defaults(func=cmd_sft_epochs)

    p = sub.add_parser("stages", help="paper T1: the recipe's stages")
    p.add_argument("--metrics", type=Path, nargs="+", required=True)
    p.add_argument("--stages", type=_json, required=True, help="JSON list of [model name, stage label] pairs, in table order")
    p.add_argument("--budget", type=int, required=True)
    p.add_argument("--out-csv", type=Path, required=True)
    p.add_argument("--out-md", type=Path, required=True)
    p.set_defaults(func=cmd_stages)

    p = sub.add_parser("budget-sweep", help="paper T3: Pass@1 and tokens at every budget")
    p.add_argument("--metrics", type=Path, nargs="+", required=True)
    p.add_argument("--models", nargs="+", required=True, help="in table order")
    p.add_argument("--budgets", type=int, nargs="+", help="the budgets shown (default: all)")
    p.add_argument("--solid", nargs="+", help="models drawn solid, the others dashed (default: the last one)")
    p.add_argument("--title", default="Token-budget sweep (paper T3)")
    p.add_argument("--out-csv", type=Path, required=True)
    p.add_argument("--out-md", type=Path, required=True)
    p.add_argument("--out-png", type=Path, required=True)
    p.set_defaults(func=cmd_budget_sweep)

    p = sub.add_parser("reward-ablation", help="paper F2: GRPO reward sets")
    p.add_argument("--metrics", type=Path, nargs="+", required=True)
    p.add_argument("--arm", nargs="+", required=True, metavar="MODEL=REWARD+REWARD")
    p.add_argument("--budget", type=int, required=True)
    p.add_argument("--out-csv", type=Path, required=True)
    p.add_argument("--out-md", type=Path, required=True)
    p.add_argument("--out-png", type=Path, required=True)
    p.set_defaults(func=cmd_reward_ablation)

    p = sub.add_parser("per-problem", help="paper F3: per-problem change between two models")
    p.add_argument("--base", type=Path, nargs="+", required=True, help="grades of the base model")
    p.add_argument("--final", type=Path, nargs="+", required=True, help="grades of the final model")
    p.add_argument("--budget", type=int, required=True)
    p.add_argument("--out-csv", type=Path, required=True)
    p.add_argument("--out-png", type=Path, required=True)
    p.set_defaults(func=cmd_per_problem)

    p = sub.add_parser("grpo-curves", help="paper F4: GRPO training curves")
    p.add_argument("--curves", type=Path, nargs="+", required=True)
    p.add_argument("--out-png", type=Path, required=True)
    p.set_defaults(func=cmd_grpo_curves)

    p = sub.add_parser("aimo-grades", help="paper T5: every AIMO-protocol sample graded modulo 1000 at each budget")
    p.add_argument("--benchmark", nargs="+", required=True, metavar="NAME=PATH", help="benchmarks pooled into one table")
    p.add_argument("--run", nargs=4, action="append", required=True, metavar=("MODEL", "BENCHMARK", "COMPLETIONS", "MODEL_DIR"))
    p.add_argument("--budgets", type=int, nargs="+", required=True)
    p.add_argument("--modulo", type=int, default=1000)
    p.add_argument("--out", type=Path, required=True, help="grades with the gold answer of each problem (parquet)")
    p.set_defaults(func=cmd_aimo_grades)

    p = sub.add_parser("aimo", help="paper T5: the AIMO-2 local-validation table from the graded samples")
    p.add_argument("--grades", type=Path, required=True)
    p.add_argument("--modulo", type=int, default=1000)
    p.add_argument("--out-csv", type=Path, required=True)
    p.add_argument("--out-md", type=Path, required=True)
    p.set_defaults(func=cmd_aimo)

    p = sub.add_parser("claims", help="the claims report")
    p.add_argument("--grades", type=Path, nargs="+", required=True)
    p.add_argument("--budget", type=int, required=True)
    p.add_argument("--sft-model", required=True)
    p.add_argument("--preset", required=True)
    p.add_argument("--resamples", type=int, default=2000)
    p.add_argument("--paper", type=Path, help="the paper's reported numbers (paper/reported.csv)")
    p.add_argument("--stands-for", type=_json, default={}, help='JSON: held-out set -> the benchmark it stands for, e.g. {"aime24-mini": "AIME 2024"}')
    p.add_argument("--out-csv", type=Path, required=True)
    p.add_argument("--out-md", type=Path, required=True)
    p.add_argument("--out-rst", type=Path, required=True, help="the same report as the front page of snakemake --report")
    p.set_defaults(func=cmd_claims)
    return parser


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    args = build_parser().parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
