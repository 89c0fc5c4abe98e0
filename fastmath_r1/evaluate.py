"""Evaluation: sample every benchmark problem k times at the largest budget, then score each budget.

Raw completions are saved (one row per sample) so that every table and figure is computed from them
without generating again.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from fastmath_r1.data import prompt_messages, read_table
from fastmath_r1.generation import Backend, Completion, Sampling, make_backend, truncate
from fastmath_r1.grading import answer_matches, normalize_answer, parse_answer
from fastmath_r1.metrics import summarize

log = logging.getLogger("fastmath_r1")


def prompt_token_ids(tokenizer, problems: list[str], system: str, user_template: str) -> list[list[int]]:
    return [
        list(
            tokenizer.apply_chat_template(
                prompt_messages(p, system, user_template), add_generation_prompt=True, tokenize=True, return_dict=True
            )["input_ids"]
        )
        for p in problems
    ]


def generate_completions(
    backend: Backend, tokenizer, benchmark: pd.DataFrame, prompts: dict, sampling: Sampling
) -> pd.DataFrame:
    ids = prompt_token_ids(tokenizer, benchmark["problem"].tolist(), prompts["system"], prompts["user"])
    completions = backend.generate(ids, sampling)
    return completions_frame(completions, benchmark)


def completions_frame(completions: list[Completion], benchmark: pd.DataFrame) -> pd.DataFrame:
    problem_ids = benchmark["problem_id"].tolist()
    return (
        pd.DataFrame(
            {
                "problem_id": [problem_ids[c.prompt_index] for c in completions],
                "sample_index": [c.sample_index for c in completions],
                "text": [c.text for c in completions],
                "token_ids": [list(c.token_ids) for c in completions],
                "n_tokens": [c.n_tokens for c in completions],
                "finish_reason": [c.finish_reason for c in completions],
            }
        )
        .sort_values(["problem_id", "sample_index"])
        .reset_index(drop=True)
    )


def graded_at_budget(
    completions: pd.DataFrame, gold: dict[str, str], budget: int, tokenizer, modulo: int | None = None
) -> pd.DataFrame:
    """One row per sample as if generated with `max_tokens=budget`: answer, correctness, tokens."""
    rows = []
    for r in completions.itertuples(index=False):
        c = truncate(Completion(0, r.sample_index, r.text, tuple(r.token_ids), r.finish_reason), budget, tokenizer)
        answer = parse_answer(c.text, modulo)
        rows.append(
            {
                "problem_id": r.problem_id,
                "sample_index": r.sample_index,
                "answer": answer,
                "correct": answer_matches(answer, gold[r.problem_id], modulo),
                "n_tokens": c.n_tokens,
                "finish_reason": c.finish_reason,
            }
        )
    return pd.DataFrame(rows)


def score(
    completions: pd.DataFrame,
    benchmark: pd.DataFrame,
    budgets: list[int],
    tokenizer,
    pass_ks: list[int],
    n_resamples: int,
    seed: int,
    modulo: int | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Metrics per budget (one row each) and the per-sample grades at every budget."""
    gold = dict(zip(benchmark["problem_id"], benchmark["answer"].astype(str)))
    metrics, grades = [], []
    for budget in sorted(budgets):
        graded = graded_at_budget(completions, gold, budget, tokenizer, modulo)
        metrics.append({"budget": budget, **summarize(graded, pass_ks, n_resamples, seed)})
        grades.append(graded.assign(budget=budget))
    return pd.DataFrame(metrics), pd.concat(grades, ignore_index=True)


def sampling_from_config(eval_config: dict) -> Sampling:
    """Sampling at the largest budget; the smaller budgets are scored from truncations."""
    return Sampling(
        n=eval_config["samples"],
        max_tokens=max(eval_config["budgets"]),
        temperature=eval_config["temperature"],
        top_p=eval_config["top_p"],
        min_p=eval_config["min_p"],
        seed=eval_config["seed"],
        stop_at_think_end=eval_config["stop_at_think_end"],
    )


def evaluate_model(
    model_dir: str, model_name: str, benchmarks: dict[str, Path], prompts: dict, eval_config: dict
) -> Iterator[tuple[str, pd.DataFrame, pd.DataFrame, pd.DataFrame]]:
    """For each benchmark (name -> table), as soon as it is done: its name, the raw completions, the metrics
    per budget and the per-sample grades, the last two labelled with the model's and the benchmark's names.
    The model loads once for all of them."""
    backend = make_backend(eval_config["backend"], model_dir, eval_config)
    sampling = sampling_from_config(eval_config)
    for name, path in benchmarks.items():
        benchmark = read_table(path)
        log.info("%s: %d x %d completions of up to %d tokens from %s", name, len(benchmark), sampling.n,
                 sampling.max_tokens, model_dir)  # fmt: skip
        completions = generate_completions(backend, backend.tokenizer, benchmark, prompts, sampling)
        metrics, grades = score(
            completions, benchmark, eval_config["budgets"], backend.tokenizer, eval_config["pass_k"],
            eval_config["bootstrap_resamples"], eval_config["seed"],
        )  # fmt: skip
        for frame in (metrics, grades):
            frame.insert(0, "benchmark", name)
            frame.insert(0, "model", model_name)
        yield name, completions, metrics, grades


def aimo_grades(
    benchmarks: dict[str, Path], runs: list[tuple[str, str, Path, Path]], budgets: list[int], modulo: int
) -> pd.DataFrame:
    """Every sample of the AIMO-2 protocol graded with answers taken modulo `modulo`, at each budget.

    `runs` holds (model, benchmark, completions file, model directory); the benchmarks are pooled into one
    table, so problem ids carry their benchmark's name (`aime25/3`)."""
    from transformers import AutoTokenizer

    gold = {}
    for name, path in benchmarks.items():
        table = read_table(path)
        gold |= {
            f"{name}/{pid}": normalize_answer(str(a), modulo) for pid, a in zip(table["problem_id"], table["answer"])
        }
    grades = []
    for model, benchmark, completions_path, model_dir in runs:
        tokenizer = AutoTokenizer.from_pretrained(model_dir)
        completions = read_table(completions_path)
        completions["problem_id"] = benchmark + "/" + completions["problem_id"].astype(str)
        for budget in sorted(budgets, reverse=True):
            graded = graded_at_budget(completions, gold, budget, tokenizer, modulo)
            grades.append(graded.assign(model=model, budget=budget))
    table = pd.concat(grades, ignore_index=True)
    table["gold"] = table["problem_id"].map(gold)
    return table
