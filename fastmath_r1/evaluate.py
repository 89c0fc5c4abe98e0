"""Evaluation: sample every benchmark problem k times at the largest budget, then score each budget.

Raw completions are saved (one row per sample) so that every table and figure is computed from them
without generating again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from fastmath_r1.data import prompt_messages
from fastmath_r1.errors import InputError
from fastmath_r1.generation import Backend, Completion, Draw, Sampling, make_backend, truncate
from fastmath_r1.grading import answer_matches, normalize_answer, parse_answer
from fastmath_r1.metrics import summarize
from fastmath_r1.table_files import read_table

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
    backend: Backend, ids: list[list[int]], benchmark: pd.DataFrame, sampling: Sampling, jobs: range | None = None
) -> pd.DataFrame:
    """The completions of requests `jobs` (all by default) for the benchmark's prompts `ids`, one row each."""
    return completions_frame(backend.generate(ids, sampling, jobs), benchmark)


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


# The eval settings the samples depend on (the budgets below the largest are truncations, scored afterwards).
SAMPLING_KEYS = ("backend", "dtype", "batch_size", "shard_size", "samples", "temperature", "top_p", "min_p", "seed",
                 "stop_at_think_end", "max_model_len")  # fmt: skip


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


@dataclass
class Protocol:
    """One sampling protocol of a model's evaluation: its benchmarks (name -> table), prompts and eval settings,
    and the folder that gets `<benchmark>/`."""

    out_dir: Path
    benchmarks: dict[str, Path]
    prompts: dict
    eval: dict


# The eval settings the engine is built from: protocols that share one engine must agree on them.
ENGINE_KEYS = ("backend", "dtype", "batch_size", "max_model_len", "gpu_memory_utilization", "kv_cache_memory_bytes",
               "enforce_eager", "tensor_parallel_size", "seed")  # fmt: skip


@dataclass
class Task:
    """One benchmark of one protocol: its prompts, its shards and those already drawn."""

    name: str
    folder: Path
    benchmark: pd.DataFrame
    ids: list[list[int]]
    sampling: Sampling
    config: dict
    shards: Shards
    pieces: list[range]
    frames: dict[int, pd.DataFrame]
    kept: int = 0
    drawn: int = 0
    drawing: float = 0.0

    def missing(self) -> list[int]:
        return [i for i in range(len(self.pieces)) if i not in self.frames]


def evaluate_model(
    model_dir: str, model_name: str, protocols: list[Protocol]
) -> Iterator[tuple[Path, pd.DataFrame, pd.DataFrame, pd.DataFrame]]:
    """For each benchmark of each protocol, as soon as it is done: its folder, the raw completions, the metrics
    per budget and the per-sample grades, the last two labelled with the model's and the benchmark's names.

    The samples are drawn in shards of `eval.shard_size` requests, each written to `<folder>/shards/` as soon
    as it is drawn (complete or absent: written under another name, then renamed). A rerun of the same run (the
    same model files, prompts, sampling and problems) keeps the shards it finds and draws only the others, the
    same samples an uninterrupted run draws (generation.py). The model loads once, and only when a shard is
    missing; each round draws the next missing shard of every benchmark of every protocol in one call to the
    backend (vLLM shares its decoding steps among them). A benchmark's shards are removed once the caller has its
    results."""
    from transformers import AutoTokenizer

    for key in ENGINE_KEYS:
        if len({json.dumps(p.eval.get(key)) for p in protocols}) > 1:
            raise InputError(f"eval.{key} differs between the protocols of one evaluation, which share one engine")
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    tasks = [task(tokenizer, model_dir, p, name, path) for p in protocols for name, path in p.benchmarks.items()]
    backend = None
    while True:
        for done in [t for t in tasks if not t.missing()]:
            tasks.remove(done)
            yield done.folder, *scored(done, tokenizer, model_name)
            done.shards.remove()
        if not tasks:
            return
        rounds = [(t, t.missing()[0]) for t in tasks]
        if backend is None:
            backend = make_backend(protocols[0].eval["backend"], model_dir, protocols[0].eval)
        start = time.time()
        drawn = backend.generate_all([Draw(t.ids, t.sampling, t.pieces[i]) for t, i in rounds])
        seconds = time.time() - start
        for (t, index), completions in zip(rounds, drawn):
            t.frames[index] = completions_frame(completions, t.benchmark)
            t.shards.save(index, t.frames[index])
            t.drawn += len(t.pieces[index])
            t.drawing += seconds
            left = sum(len(t.pieces[i]) for i in t.missing())
            log.info("%s: %s", t.folder, progress(len(t.frames), len(t.pieces), t.kept, t.drawn, left, t.drawing))


def task(tokenizer, model_dir: str, protocol: Protocol, name: str, path: Path) -> Task:
    benchmark = read_table(path, ["problem_id", "problem", "answer"])
    prompts = protocol.prompts
    ids = prompt_token_ids(tokenizer, benchmark["problem"].tolist(), prompts["system"], prompts["user"])
    folder = protocol.out_dir / name
    shards = Shards(folder / "shards", run_key(model_dir, ids, benchmark, protocol.eval))
    sampling = sampling_from_config(protocol.eval)
    size, n_jobs = protocol.eval["shard_size"], len(ids) * sampling.n
    pieces = [range(first, min(first + size, n_jobs)) for first in range(0, n_jobs, size)]
    frames = {i: f for i, jobs in enumerate(pieces) if (f := shards.load(i, len(jobs))) is not None}
    log.info("%s: %d x %d completions of up to %d tokens from %s, in %d shards of %d%s", folder, len(benchmark),
             sampling.n, sampling.max_tokens, model_dir, len(pieces), size,
             f" ({len(frames)} kept from an earlier run)" if frames else "")  # fmt: skip
    return Task(name, folder, benchmark, ids, sampling, protocol.eval, shards, pieces, frames, len(frames))


def scored(t: Task, tokenizer, model_name: str) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    completions = pd.concat(t.frames.values()).sort_values(["problem_id", "sample_index"]).reset_index(drop=True)
    metrics, grades = score(
        completions, t.benchmark, t.config["budgets"], tokenizer, t.config["pass_k"],
        t.config["bootstrap_resamples"], t.config["seed"],
    )  # fmt: skip
    for frame in (metrics, grades):
        frame.insert(0, "benchmark", t.name)
        frame.insert(0, "model", model_name)
    return completions, metrics, grades


def progress(done: int, shards: int, kept: int, drawn: int, left: int, seconds: float) -> str:
    """One line of an evaluation's progress: shards done (and kept from an earlier run), samples drawn per second,
    time left."""
    line = f"shard {done}/{shards}" + (f" ({kept} kept from an earlier run)" if kept else "")
    if drawn:
        rate = drawn / seconds if seconds > 0 else float("inf")
        line += f", {drawn} samples drawn at {rate:.1f}/s, about {left / rate / 60:.1f} min left"
    return line


def run_key(model_dir: str, ids: list[list[int]], benchmark: pd.DataFrame, eval_config: dict) -> str:
    """What the samples of a run depend on: the model's files (names, sizes, modification times), the prompt
    token ids, the problem ids and the sampling settings."""
    files = sorted((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in Path(model_dir).iterdir() if p.is_file())
    sampling = {k: eval_config.get(k) for k in SAMPLING_KEYS} | {"max_tokens": max(eval_config["budgets"])}
    text = json.dumps([files, ids, benchmark["problem_id"].astype(str).tolist(), sampling], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


class Shards:
    """The shards of one benchmark's samples: `<index>.parquet` files beside a `run.json` with the run's key; the
    shards of another run are removed."""

    def __init__(self, folder: Path, key: str):
        self.folder = folder
        stamp = folder / "run.json"
        if folder.exists() and (not stamp.exists() or json.loads(stamp.read_text())["key"] != key):
            log.info("%s: shards of another run (model, prompts or sampling changed): removed", folder)
            shutil.rmtree(folder)
        folder.mkdir(parents=True, exist_ok=True)
        write_atomically(stamp, lambda path: path.write_text(json.dumps({"key": key})))

    def load(self, index: int, rows: int) -> pd.DataFrame | None:
        path = self.folder / f"{index:05d}.parquet"
        if not path.exists():
            return None
        frame = pd.read_parquet(path)
        return frame if len(frame) == rows else None

    def save(self, index: int, frame: pd.DataFrame) -> None:
        write_atomically(self.folder / f"{index:05d}.parquet", lambda path: frame.to_parquet(path, index=False))

    def remove(self) -> None:
        shutil.rmtree(self.folder)


def write_atomically(path: Path, write) -> None:
    """`write(temporary)`, then the temporary file renamed to `path`: a reader sees all of it or nothing."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    write(temporary)
    os.replace(temporary, path)


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
