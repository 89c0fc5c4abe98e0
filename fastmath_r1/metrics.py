"""Evaluation metrics with percentile bootstrap confidence intervals over problems."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

_COLUMNS = ("problem_id", "sample_index", "answer", "correct", "n_tokens")


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k estimator 1 - C(n-c, k) / C(n, k) (Chen et al. 2021)."""
    if n < 0 or c < 0:
        raise ValueError(f"pass@k needs non-negative n and c, got n={n}, c={c}")
    if k < 1:
        raise ValueError(f"pass@k needs k >= 1, got k={k}")
    if k > n:
        raise ValueError(f"pass@{k} needs at least {k} samples, got n={n}")
    if c > n:
        raise ValueError(f"c={c} correct samples exceeds n={n} samples")
    if n - c < k:
        return 1.0
    # Product form: the binomials overflow floats for long sample lists.
    return float(1.0 - np.prod(1.0 - k / np.arange(n - c + 1, n + 1)))


def majority_answer(answers: Sequence[str | None]) -> str | None:
    """Most frequent non-None answer, ties to the earliest first occurrence; None if none."""
    counts = Counter(a for a in answers if a is not None)
    if not counts:
        return None
    # most_common orders equal counts by first insertion.
    return counts.most_common(1)[0][0]


def bootstrap(
    statistic: Callable[..., np.ndarray],
    arrays: Sequence[np.ndarray],
    n_resamples: int,
    seed: int,
    confidence: float = 0.95,
) -> tuple[float, float, float]:
    """``statistic`` of per-problem ``arrays`` (all indexed by the same problems) and its percentile
    bootstrap CI from resampling problems: ``(value, lo, hi)``.

    ``statistic`` reduces over the last axis, so one call scores every resample at once. Resamples
    where it is NaN (a resample missing a group it needs) are left out of the CI.
    """
    arrays = [np.asarray(a, dtype=float) for a in arrays]
    n = len(arrays[0])
    if n == 0 or any(a.ndim != 1 or len(a) != n for a in arrays):
        raise ValueError(f"bootstrap needs non-empty 1-d arrays of one length, got shapes {[a.shape for a in arrays]}")
    value = float(statistic(*arrays))
    if all(np.all(a == a[0]) for a in arrays):
        # Every resample is the first problem repeated; its statistic is exact, not a noisy mean.
        point = float(statistic(*(a[:1] for a in arrays)))
        return value, point, point
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, n, size=(n_resamples, n))
    samples = statistic(*(a[idx] for a in arrays))
    tail = (1.0 - confidence) / 2
    quantile = np.nanquantile if np.isnan(samples).any() else np.quantile
    lo, hi = quantile(samples, [tail, 1.0 - tail])
    return value, float(lo), float(hi)


def mean(values: np.ndarray) -> np.ndarray:
    return values.mean(axis=-1)


def _samples_per_problem(graded: pd.DataFrame) -> int:
    """The common number of samples per problem; ValueError if problems differ."""
    counts = graded.groupby("problem_id", sort=False).size()
    n = int(counts.iloc[0])
    uneven = counts[counts != n]
    if len(uneven):
        raise ValueError(
            f"problem {uneven.index[0]!r} has {uneven.iloc[0]} samples, but problem {counts.index[0]!r} has {n}"
        )
    return n


def _majority_correct(group: pd.DataFrame) -> bool:
    """Whether the majority answer of one problem's samples is correct."""
    answers = [None if pd.isna(a) else a for a in group["answer"]]
    majority = majority_answer(answers)
    if majority is None:
        return False
    return bool(group["correct"][[a == majority for a in answers]].all())


def _with_ci(name: str, values: np.ndarray, scale: float, n_resamples: int, seed: int) -> dict[str, float]:
    """``name``, ``name_lo``, ``name_hi``: the scaled mean of ``values`` and its CI."""
    value, lo, hi = bootstrap(mean, [values], n_resamples, seed)
    return {name: value * scale, f"{name}_lo": lo * scale, f"{name}_hi": hi * scale}


def summarize(
    graded: pd.DataFrame, pass_ks: Sequence[int] = (), n_resamples: int = 1000, seed: int = 0
) -> dict[str, float]:
    """Flat dict of pass@1, tokens, maj@n, pass@k and answers collected, each with a 95% CI."""
    missing = set(_COLUMNS) - set(graded.columns)
    if missing:
        raise ValueError(f"graded frame lacks columns {sorted(missing)}")
    if graded.empty:
        raise ValueError("graded frame has no rows")
    n = _samples_per_problem(graded)
    for k in pass_ks:
        if k > n:
            raise ValueError(f"pass@{k} needs at least {k} samples per problem, got {n}")

    # Sample order decides majority ties.
    groups = graded.sort_values(["problem_id", "sample_index"]).groupby("problem_id", sort=True)
    correct = groups["correct"].sum().to_numpy(dtype=int)
    per_problem = {
        "pass@1": correct / n,
        "tokens": groups["n_tokens"].mean().to_numpy(dtype=float),
        f"maj@{n}": np.array([_majority_correct(g) for _, g in groups], dtype=float),
        **{f"pass@{k}": np.array([pass_at_k(n, int(c), k) for c in correct]) for k in pass_ks},
        "answers_collected": groups["answer"].count().to_numpy(dtype=float),
    }
    summary: dict[str, float] = {"n_problems": len(correct), "n_samples": n}
    for name, values in per_problem.items():
        scale = 100.0 if name.startswith(("pass@", "maj@")) else 1.0
        summary |= _with_ci(name, values, scale, n_resamples, seed)
    return summary
