"""The claims report: each claim of the paper, the paper's value, the run's value with a 95% CI, and a
verdict computed from the numbers.

Differences between two models are paired by problem (both are graded on the same problems) and their
CIs come from a bootstrap over problems. A verdict is `reproduced` when the CI lies on the claimed side,
`not reproduced` when it lies on the other side, and `inconclusive` when it straddles the boundary.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from fastmath_r1.tables import per_problem

REPRODUCED, NOT_REPRODUCED, INCONCLUSIVE = "reproduced", "not reproduced", "inconclusive"
# "GRPO after SFT keeps accuracy": the change must stay within this many points of Pass@1.
KEEP_MARGIN = 3.0


def verdict(lo: float, hi: float, expect: str) -> str:
    """`expect` is "increase", "decrease" or "within" (|change| <= KEEP_MARGIN points)."""
    if expect == "increase":
        return REPRODUCED if lo > 0 else NOT_REPRODUCED if hi < 0 else INCONCLUSIVE
    if expect == "decrease":
        return REPRODUCED if hi < 0 else NOT_REPRODUCED if lo > 0 else INCONCLUSIVE
    if expect == "within":
        if -KEEP_MARGIN <= lo and hi <= KEEP_MARGIN:
            return REPRODUCED
        return NOT_REPRODUCED if hi < -KEEP_MARGIN or lo > KEEP_MARGIN else INCONCLUSIVE
    raise ValueError(f"unknown expectation {expect!r}")


def paired_bootstrap(a: np.ndarray, b: np.ndarray, statistic, n_resamples: int, seed: int) -> tuple[float, float, float]:
    """`statistic(mean_a, mean_b)` on the problems, with a percentile CI from resampling problems."""
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(a), size=(n_resamples, len(a)))
    samples = statistic(a[idx].mean(axis=1), b[idx].mean(axis=1))
    return float(statistic(a.mean(), b.mean())), float(np.percentile(samples, 2.5)), float(np.percentile(samples, 97.5))


def difference(a, b):
    return b - a


def relative_change(a, b):
    return 100.0 * (b / a - 1.0)


@dataclass(frozen=True)
class Claim:
    claim: str
    paper: str
    base: str  # model names; "{sft}" is the longest SFT model
    final: str
    metric: str  # "pass1" or "tokens"
    statistic: str  # "difference" (points or tokens) or "relative" (percent)
    expect: str


CLAIMS = [
    Claim("Longer SFT raises accuracy (10 vs 1 epoch)", "F1: rises with epochs", "sft-e1", "{sft}", "pass1", "difference", "increase"),
    Claim("SFT raises accuracy over the original", "T1: +1.9 (AIME24), +3.0 (AIME25) points", "original", "{sft}", "pass1", "difference", "increase"),
    Claim("1 epoch of SFT lowers accuracy", "F1: lower than the original", "original", "sft-e1", "pass1", "difference", "decrease"),
    Claim("1 epoch of SFT lengthens outputs", "F1: longer than the original", "original", "sft-e1", "tokens", "relative", "increase"),
    Claim("GRPO after SFT keeps accuracy (within 3 points)", "T1: +0.8 (AIME24), -0.5 (AIME25) points", "{sft}", "grpo-recipe", "pass1", "difference", "within"),
    Claim("GRPO after SFT cuts tokens", "T1: -22.8% (AIME24), -19.5% (AIME25)", "{sft}", "grpo-recipe", "tokens", "relative", "decrease"),
    Claim("GRPO alone cuts tokens", "T1: -24.3% (AIME24), -22.2% (AIME25)", "original", "grpo-rl-only", "tokens", "relative", "decrease"),
    Claim("GRPO alone loses accuracy", "T1: -2.4 (AIME24), -4.9 (AIME25) points", "original", "grpo-rl-only", "pass1", "difference", "decrease"),
    Claim("The length reward lowers tokens (cosine + length vs cosine)", "F2: lower with the length reward", "grpo-cosine", "grpo-recipe", "tokens", "relative", "decrease"),
    Claim("The length reward lowers tokens (accuracy + length vs accuracy)", "F2: lower with the length reward", "grpo-accuracy", "grpo-accuracy-length", "tokens", "relative", "decrease"),
    Claim("Cosine gives higher accuracy than binary accuracy", "F2: slightly higher", "grpo-accuracy", "grpo-cosine", "pass1", "difference", "increase"),
]
MIDDLE_DIFFICULTY = "The biggest per-problem gains are at middle difficulty (original Pass@1 10-80%)"


def _values(problems: pd.DataFrame, model: str, benchmark: str, metric: str) -> pd.Series:
    rows = problems[(problems["model"] == model) & (problems["benchmark"] == benchmark)]
    if rows.empty:
        raise ValueError(f"no grades for model {model!r} on {benchmark!r}")
    return rows.set_index("problem_id")[metric].sort_index()


def claims_table(grades: pd.DataFrame, budget: int, sft_model: str, n_resamples: int = 2000, seed: int = 0) -> pd.DataFrame:
    """One row per claim and held-out set; `grades` holds every model's per-sample grades."""
    problems = pd.concat(
        [per_problem(g, budget).assign(model=model) for model, g in grades.groupby("model")], ignore_index=True
    )
    rows = []
    for benchmark in sorted(problems["benchmark"].unique()):
        for c in CLAIMS:
            base, final = c.base.format(sft=sft_model), c.final.format(sft=sft_model)
            a, b = _values(problems, base, benchmark, c.metric), _values(problems, final, benchmark, c.metric)
            stat = relative_change if c.statistic == "relative" else difference
            value, lo, hi = paired_bootstrap(a.to_numpy(), b.loc[a.index].to_numpy(), stat, n_resamples, seed)
            unit = "%" if c.statistic == "relative" else (" points" if c.metric == "pass1" else " tokens")
            rows.append({"claim": c.claim, "benchmark": benchmark, "comparison": f"{final} vs {base}", "paper": c.paper,
                         "value": value, "lo": lo, "hi": hi, "unit": unit.strip(), "verdict": verdict(lo, hi, c.expect)})
        rows.append(_middle_difficulty_row(problems, benchmark, "original", "grpo-recipe", n_resamples, seed))
    return pd.DataFrame(rows)


def _middle_difficulty_row(problems: pd.DataFrame, benchmark: str, base: str, final: str, n_resamples: int, seed: int) -> dict:
    """Mean Pass@1 gain of middle-difficulty problems minus that of the others, bootstrapped over problems."""
    a, b = _values(problems, base, benchmark, "pass1"), _values(problems, final, benchmark, "pass1")
    gain = (b.loc[a.index] - a).to_numpy()
    middle = ((a > 10) & (a < 80)).to_numpy()
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(gain), size=(n_resamples, len(gain)))

    def contrast(g, m):
        with np.errstate(invalid="ignore"):
            return np.nanmean(np.where(m, g, np.nan), axis=-1) - np.nanmean(np.where(m, np.nan, g), axis=-1)

    value = float(contrast(gain, middle)) if middle.any() and (~middle).any() else float("nan")
    samples = contrast(gain[idx], middle[idx])
    lo, hi = (float(np.nanpercentile(samples, 2.5)), float(np.nanpercentile(samples, 97.5))) if np.isfinite(value) else (float("nan"),) * 2
    return {"claim": MIDDLE_DIFFICULTY, "benchmark": benchmark, "comparison": f"{final} vs {base}, {int(middle.sum())} middle problems",
            "paper": "F3: largest gains at 10-80%", "value": value, "lo": lo, "hi": hi, "unit": "points",
            "verdict": verdict(lo, hi, "increase") if np.isfinite(value) else INCONCLUSIVE}


def write_report(table: pd.DataFrame, out_md: Path, preset: str, budget: int) -> None:
    lines = [
        f"# Claims report, preset {preset}",
        "",
        f"Each claim of the paper against this run, at a budget of {budget} tokens. Values are paired differences",
        "(final minus base model, on the same problems) with 95% bootstrap CIs over problems; the verdict is computed",
        "from the CI: reproduced (on the claimed side), not reproduced (on the other side), inconclusive (straddles).",
        f"\"Keeps accuracy\" means the CI lies within +-{KEEP_MARGIN:g} points.",
        "",
        "| claim | held-out set | comparison | paper | this run [95% CI] | verdict |",
        "|---|---|---|---|---|---|",
    ]
    for r in table.itertuples(index=False):
        value = f"{r.value:+.1f} {r.unit} [{r.lo:+.1f}, {r.hi:+.1f}]" if np.isfinite(r.value) else "n/a"
        lines.append(f"| {r.claim} | {r.benchmark} | {r.comparison} | {r.paper} | {value} | **{r.verdict}** |")
    counts = table["verdict"].value_counts()
    lines += ["", ", ".join(f"{counts.get(v, 0)} {v}" for v in (REPRODUCED, NOT_REPRODUCED, INCONCLUSIVE)) + "."]
    out_md.write_text("\n".join(lines) + "\n")
