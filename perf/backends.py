"""The vLLM backend against the transformers backend on one model and one held-out set: the same prompts (the same
token ids) and output schema; Pass@1 and mean output tokens of each with 95% bootstrap CIs, and the paired
difference; tokens per second of each; and whether vLLM's samples come back the same from the same seed, when
the prompts are sent in other batches, and when drawn in one call with another protocol's. Prints a JSON report
(and writes it with --json).

Run it in an env with both backends (the eval step venv):

    .venvs/eval/bin/python perf/backends.py results/mini/models/original \
        results/mini/data/world/benchmarks/aime24-mini.parquet
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd

from fastmath_r1.claims import difference, of_means
from fastmath_r1.evaluate import completions_frame, graded_at_budget, prompt_token_ids
from fastmath_r1.generation import Draw, Sampling, make_backend
from fastmath_r1.metrics import bootstrap, mean
from fastmath_r1.table_files import read_table

PROMPTS = {"system": "Please reason step by step, and put your final answer within \\boxed{}.",
           "user": "Solve the problem, and put the answer in \\boxed{{}}. {problem}"}  # fmt: skip
# 1 GiB of KV cache in bytes: a share of the NUMA node's memory depends on what the machine reports (paper-cpu.yaml).
OPTIONS = {"tensor_parallel_size": 1, "gpu_memory_utilization": 0.9, "kv_cache_memory_bytes": 2**30, "dtype": "float32",
           "enforce_eager": True, "batch_size": 256}  # fmt: skip


def sample(
    backend, prompts: list[list[int]], sampling: Sampling, benchmark: pd.DataFrame
) -> tuple[pd.DataFrame, float]:
    start = time.perf_counter()
    frame = completions_frame(backend.generate(prompts, sampling), benchmark)
    return frame, time.perf_counter() - start


def per_problem(frame: pd.DataFrame, benchmark: pd.DataFrame, budget: int, tokenizer) -> pd.DataFrame:
    gold = dict(zip(benchmark["problem_id"], benchmark["answer"].astype(str)))
    graded = graded_at_budget(frame, gold, budget, tokenizer)
    return graded.groupby("problem_id").agg(pass1=("correct", lambda c: 100.0 * c.mean()), tokens=("n_tokens", "mean"))


def with_ci(values: np.ndarray, seed: int) -> list[float]:
    return [round(v, 2) for v in bootstrap(mean, [values], 2000, seed)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model", help="model directory")
    parser.add_argument("benchmark", type=Path, help="problem_id, problem, answer table")
    parser.add_argument("--problems", type=int, help="the first N problems (all when omitted)")
    parser.add_argument("--samples", type=int, default=4)
    parser.add_argument("--budget", type=int, default=160)
    parser.add_argument("--max-model-len", type=int, default=1024)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, help="also write the report here")
    args = parser.parse_args()

    benchmark = read_table(args.benchmark).iloc[: args.problems].reset_index(drop=True)
    sampling = Sampling(args.samples, args.budget, 1.0, 0.9, 0.05, args.seed, stop_at_think_end=False)
    options = {**OPTIONS, "max_model_len": args.max_model_len, "seed": args.seed}
    report = {"model": args.model, "benchmark": str(args.benchmark), "problems": len(benchmark),
              "samples": args.samples, "budget": args.budget}  # fmt: skip
    frames, ids = {}, {}
    for name in ("transformers", "vllm"):
        backend = make_backend(name, args.model, options)
        ids[name] = prompt_token_ids(
            backend.tokenizer, benchmark["problem"].tolist(), PROMPTS["system"], PROMPTS["user"]
        )
        frames[name], seconds = sample(backend, ids[name], sampling, benchmark)
        tokens = int(frames[name]["n_tokens"].sum())
        report[name] = {"seconds": round(seconds, 1), "tokens": tokens, "tokens_per_s": round(tokens / seconds, 1)}
        if name == "vllm":
            again, _ = sample(backend, ids[name], sampling, benchmark)
            # The requests cut in two unequal slices, as a resumed run's shards cut them.
            n_jobs = len(benchmark) * sampling.n
            cut = n_jobs // 2 + 1
            first = backend.generate(ids[name], sampling, range(0, cut))
            # The second slice drawn in one engine call with another protocol's requests, as an evaluation of
            # two protocols draws them (fastmath_r1.evaluate).
            other = Sampling(1, args.budget // 2, 0.8, 0.95, 0.0, args.seed + 1, stop_at_think_end=True)
            second, together = backend.generate_all(
                [Draw(ids[name], sampling, range(cut, n_jobs)), Draw(ids[name], other, range(len(benchmark)))]
            )
            split = completions_frame(first + second, benchmark)
            alone = completions_frame(backend.generate(ids[name], other), benchmark)
            report["vllm_same_seed_same_samples"] = bool(again.equals(frames[name]))
            report["vllm_other_batches_same_samples"] = bool(split.equals(frames[name]))
            report["vllm_drawn_with_another_protocol_same_samples"] = bool(
                completions_frame(together, benchmark).equals(alone)
            )
        tokenizer = backend.tokenizer
        del backend
    report["same_prompt_token_ids"] = ids["transformers"] == ids["vllm"]
    report["same_output_schema"] = bool(frames["transformers"].dtypes.equals(frames["vllm"].dtypes))
    problems = {name: per_problem(frame, benchmark, args.budget, tokenizer) for name, frame in frames.items()}
    for metric in ("pass1", "tokens"):
        a, b = (problems[name][metric].to_numpy() for name in ("transformers", "vllm"))
        report[metric] = {
            "transformers": with_ci(a, args.seed),
            "vllm": with_ci(b, args.seed),
            "vllm_minus_transformers": [round(v, 2) for v in bootstrap(of_means(difference), [a, b], 2000, args.seed)],
        }
    text = json.dumps(report, indent=1)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")


if __name__ == "__main__":
    main()
