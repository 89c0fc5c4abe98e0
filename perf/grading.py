"""Grading time per completion on the adversarial set of tests/adversarial.py (p50, p99, max, and the slowest kinds),
and, with --grades, the time to grade again every answer of a finished run (each sample at each budget, as
`fastmath-r1 evaluate` grades them). Prints numbers; asserts nothing (these machines are shared and noisy).

    .venv/bin/python perf/grading.py
    .venv/bin/python perf/grading.py --grades 'results/mini/eval/*/*/grades.parquet' \
        --benchmarks results/mini/data/world/benchmarks
"""

from __future__ import annotations

import argparse
import glob
import multiprocessing
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from adversarial import adversarial_completions  # noqa: E402

from fastmath_r1.grading import answer_matches, is_correct  # noqa: E402


def timed_in_child(completion: str, gold: str, cap_s: float) -> float:
    """Seconds one grading took in a forked child, or `cap_s` when it had to be killed there (a grader without
    a bound can run for hours on some of these)."""
    child = multiprocessing.get_context("fork").Process(target=is_correct, args=(completion, gold))
    start = time.perf_counter()
    child.start()
    child.join(cap_s)
    if child.is_alive():
        child.kill()
        child.join()
        return cap_s
    return time.perf_counter() - start


def adversarial(n: int, seed: int, cap_s: float | None) -> None:
    start = time.perf_counter()
    is_correct(r"\boxed{\frac{1}{2}}", "0.5")  # starts math-verify's child process, once per process
    print(f"math-verify child process started and answered in {time.perf_counter() - start:.2f} s")
    per_kind, times = defaultdict(list), []
    for kind, completion, gold in adversarial_completions(n, seed):
        if cap_s:
            elapsed = timed_in_child(completion, gold, cap_s)
        else:
            start = time.perf_counter()
            is_correct(completion, gold)
            elapsed = time.perf_counter() - start
        times.append(elapsed)
        per_kind[kind].append(elapsed)
    ms = np.array(times) * 1000
    print(f"adversarial set: {len(ms)} completions, {ms.sum() / 1000:.1f} s in all")
    print(f"  per completion: p50 {np.percentile(ms, 50):.2f} ms, p99 {np.percentile(ms, 99):.1f} ms, "
          f"max {ms.max():.0f} ms; over 1 s: {(ms > 1000).sum()}"
          + (f"; killed at {cap_s:.0f} s: {(ms >= cap_s * 1000).sum()}" if cap_s else ""))  # fmt: skip
    for kind, values in sorted(per_kind.items(), key=lambda kv: -max(kv[1])):
        values = np.array(values) * 1000
        print(f"  {kind:28s} p50 {np.percentile(values, 50):8.2f} ms  max {values.max():8.0f} ms")


def regrade(pattern: str, benchmarks: Path) -> None:
    files = sorted(glob.glob(pattern))
    golds = {}
    rows, elapsed = 0, 0.0
    for path in files:
        grades = pd.read_parquet(path)
        name = grades["benchmark"].iloc[0]
        if name not in golds:
            table = pd.read_parquet(benchmarks / f"{name}.parquet")
            golds[name] = dict(zip(table["problem_id"], table["answer"].astype(str)))
        gold = golds[name]
        start = time.perf_counter()
        for problem_id, answer in zip(grades["problem_id"], grades["answer"]):
            answer_matches(None if pd.isna(answer) else answer, gold[problem_id])
        elapsed += time.perf_counter() - start
        rows += len(grades)
    print(f"regrading {rows} answers of {len(files)} grade files: {elapsed:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1200, help="adversarial completions")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cap-s", type=float, help="grade each completion in a forked child, killed after this "
                        "many seconds (for a grader without a time bound)")  # fmt: skip
    parser.add_argument("--grades", help="glob of grades.parquet files of a finished run")
    parser.add_argument("--benchmarks", type=Path, help="the folder of that run's benchmark tables")
    args = parser.parse_args()
    adversarial(args.n, args.seed, args.cap_s)
    if args.grades:
        regrade(args.grades, args.benchmarks)


if __name__ == "__main__":
    main()
