"""Tests for fastmath_r1.metrics."""

from itertools import combinations

import numpy as np
import pandas as pd
import pytest

from fastmath_r1.metrics import bootstrap, majority_answer, mean, pass_at_k, summarize


def brute_force_pass_at_k(n: int, c: int, k: int) -> float:
    """Fraction of k-subsets of n samples (the first c correct) holding a correct one."""
    subsets = list(combinations(range(n), k))
    return sum(any(i < c for i in s) for s in subsets) / len(subsets)


@pytest.mark.parametrize(
    ("n", "c", "k"),
    [
        (1, 0, 1),
        (1, 1, 1),
        (4, 0, 2),
        (4, 4, 2),
        (4, 2, 4),
        (5, 1, 1),
        (5, 2, 3),
        (6, 3, 2),
        (8, 1, 4),
        (8, 7, 8),
    ],
)
def test_pass_at_k_matches_brute_force(n, c, k):
    assert pass_at_k(n, c, k) == pytest.approx(brute_force_pass_at_k(n, c, k), abs=1e-12)


def test_pass_at_1_is_fraction_correct():
    assert pass_at_k(64, 17, 1) == pytest.approx(17 / 64)


def test_pass_at_k_is_stable_for_many_samples():
    value = pass_at_k(10_000, 3, 100)
    assert 0.0 < value < 1.0
    # C(n-3, k) / C(n, k) telescopes to three factors
    assert value == pytest.approx(1 - (9_900 * 9_899 * 9_898) / (10_000 * 9_999 * 9_998), rel=1e-9)


@pytest.mark.parametrize(
    ("n", "c", "k", "message"),
    [
        (4, 1, 5, "at least 5"),
        (4, 5, 2, "exceeds"),
        (-1, 0, 1, "non-negative"),
        (4, -1, 1, "non-negative"),
        (4, 1, 0, "k >= 1"),
        (4, 1, -2, "k >= 1"),
    ],
)
def test_pass_at_k_rejects_bad_arguments(n, c, k, message):
    with pytest.raises(ValueError, match=message):
        pass_at_k(n, c, k)


def test_majority_answer():
    assert majority_answer(["1", "2", "2", None]) == "2"
    assert majority_answer([None, "7", "8", "8", "7"]) == "7"
    assert majority_answer(["8", "7", "7", "8"]) == "8"
    assert majority_answer([None, None, "5"]) == "5"
    assert majority_answer([None, None]) is None
    assert majority_answer([]) is None


def ci(values, seed=0, confidence=0.95, n_resamples=1000):
    return bootstrap(mean, [values], n_resamples, seed, confidence)[1:]


def test_bootstrap_ci_is_deterministic_and_contains_the_mean():
    values = np.random.default_rng(1).random(50)
    lo, hi = ci(values, seed=3)
    assert (lo, hi) == ci(values, seed=3)
    assert (lo, hi) != ci(values, seed=4)
    assert lo < values.mean() < hi
    assert values.min() <= lo and hi <= values.max()
    assert bootstrap(mean, [values], 1000, 3)[0] == values.mean()


def test_bootstrap_ci_narrows_with_lower_confidence():
    values = np.arange(20.0)
    lo95, hi95 = ci(values)
    lo50, hi50 = ci(values, confidence=0.5)
    assert lo95 < lo50 < hi50 < hi95


def test_bootstrap_ci_degenerate_cases():
    assert ci(np.array([0.25])) == (0.25, 0.25)
    assert ci(np.full(10, 0.7)) == (0.7, 0.7)
    with pytest.raises(ValueError):
        ci(np.array([]))
    with pytest.raises(ValueError, match="one length"):
        bootstrap(lambda a, b: a.mean(-1) - b.mean(-1), [np.ones(3), np.ones(4)], 10, 0)


def test_bootstrap_leaves_out_resamples_where_the_statistic_is_undefined():
    # The statistic needs a value above 1 in the resample: with 2 of 5 above, some resamples lack one.
    values = np.array([0.0, 0.0, 0.0, 2.0, 4.0])

    def mean_above_one(v):
        with np.errstate(invalid="ignore"):
            return np.nanmean(np.where(v > 1, v, np.nan), axis=-1)

    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        value, lo, hi = bootstrap(mean_above_one, [values], 500, 0)
    assert value == 3.0 and 2.0 <= lo <= hi <= 4.0


def graded_frame() -> pd.DataFrame:
    """3 problems x 4 samples, rows deliberately out of sample order."""
    rows = [
        # problem a: answers 33, 33, 12, none; majority 33 is correct.
        ("a", 0, "33", True, 100),
        ("a", 1, "33", True, 200),
        ("a", 2, "12", False, 300),
        ("a", 3, None, False, 400),
        # problem b: 7 and 8 tie; 7 comes first in sample order (8 in row order) and is wrong.
        ("b", 1, "8", True, 20),
        ("b", 3, "7", False, 40),
        ("b", 0, "7", False, 10),
        ("b", 2, "8", True, 30),
        # problem c: no answers at all.
        ("c", 0, None, False, 1000),
        ("c", 1, None, False, 1000),
        ("c", 2, None, False, 1000),
        ("c", 3, None, False, 1000),
    ]
    columns = ["problem_id", "sample_index", "answer", "correct", "n_tokens"]
    return pd.DataFrame(rows, columns=columns)


def test_summarize_hand_computed_values():
    summary = summarize(graded_frame(), pass_ks=(2,))
    assert summary["n_problems"] == 3
    assert summary["n_samples"] == 4
    # per-problem correctness 2/4, 2/4, 0/4
    assert summary["pass@1"] == pytest.approx(100 * (0.5 + 0.5 + 0) / 3)
    # per-problem mean tokens 250, 25, 1000
    assert summary["tokens"] == pytest.approx((250 + 25 + 1000) / 3)
    # majority correct: a yes, b no (tie goes to 7), c no answer
    assert summary["maj@4"] == pytest.approx(100 / 3)
    # pass@2 with n=4, c=2 is 1 - C(2,2)/C(4,2) = 5/6
    assert summary["pass@2"] == pytest.approx(100 * (5 / 6 + 5 / 6 + 0) / 3)
    assert summary["answers_collected"] == pytest.approx((3 + 4 + 0) / 3)
    for name in ("pass@1", "tokens", "maj@4", "pass@2", "answers_collected"):
        assert summary[f"{name}_lo"] <= summary[name] <= summary[f"{name}_hi"]
    assert 0 <= summary["pass@1_lo"] and summary["pass@2_hi"] <= 100
    assert summary["tokens_lo"] >= 25 and summary["tokens_hi"] <= 1000


def test_summarize_accepts_nan_answers():
    frame = graded_frame()
    frame["answer"] = frame["answer"].astype(object).where(frame["answer"].notna(), np.nan)
    assert summarize(frame)["answers_collected"] == pytest.approx(7 / 3)


def test_summarize_is_deterministic_per_seed():
    assert summarize(graded_frame(), seed=5) == summarize(graded_frame(), seed=5)


def test_summarize_rejects_unequal_sample_counts():
    frame = graded_frame().drop(index=4)
    with pytest.raises(ValueError, match="'b' has 3 samples"):
        summarize(frame)


def test_summarize_rejects_k_above_n():
    with pytest.raises(ValueError, match="pass@5"):
        summarize(graded_frame(), pass_ks=(5,))
