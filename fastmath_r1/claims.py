"""The claims report: each claim of the paper, the paper's value, the run's value with a 95% CI, and a
verdict computed from the numbers.

Differences between two models are paired by problem (both are graded on the same problems) and their
CIs come from a bootstrap over problems. A verdict is `reproduced` when the CI lies on the claimed side,
`not reproduced` when it lies on the other side, and `inconclusive` when it straddles the boundary.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from fastmath_r1.errors import InputError
from fastmath_r1.metrics import bootstrap
from fastmath_r1.table_files import read_table, require_columns
from fastmath_r1.tables import per_problem

REPRODUCED, NOT_REPRODUCED, INCONCLUSIVE = "reproduced", "not reproduced", "inconclusive"
# "GRPO after SFT keeps accuracy": the change must stay within this many points of Pass@1.
KEEP_MARGIN = 3.0


def verdict(lo: float, hi: float, expect: str) -> str:
    """`expect` is "increase", "decrease", "within" (|change| <= KEEP_MARGIN points) or "not-below" (no loss of
    more than KEEP_MARGIN points)."""
    if expect == "increase":
        return REPRODUCED if lo > 0 else NOT_REPRODUCED if hi < 0 else INCONCLUSIVE
    if expect == "decrease":
        return REPRODUCED if hi < 0 else NOT_REPRODUCED if lo > 0 else INCONCLUSIVE
    if expect == "within":
        if -KEEP_MARGIN <= lo and hi <= KEEP_MARGIN:
            return REPRODUCED
        return NOT_REPRODUCED if hi < -KEEP_MARGIN or lo > KEEP_MARGIN else INCONCLUSIVE
    if expect == "not-below":
        return REPRODUCED if lo >= -KEEP_MARGIN else NOT_REPRODUCED if hi < -KEEP_MARGIN else INCONCLUSIVE
    raise ValueError(f"unknown expectation {expect!r}")


def difference(a, b):
    return b - a


def relative_change(a, b):
    return 100.0 * (b / a - 1.0)


def of_means(statistic):
    """`statistic` of the two models' mean over problems (the last axis), for `metrics.bootstrap`."""
    return lambda a, b: statistic(a.mean(axis=-1), b.mean(axis=-1))


@dataclass(frozen=True)
class Claim:
    id: str
    claim: str
    paper: str  # where the paper makes the claim; T1 claims also get the paper's value from paper/reported.csv
    base: str  # model names; "{sft}" is the SFT model the recipe continues from
    final: str
    metric: str  # "pass1" or "tokens"
    # "difference" (points or tokens), "relative" (percent), "middle" (see middle_contrast), "tightening" (the
    # gain_contrast of the smallest and the largest budget), "size-steps" (of each model size and the next smaller)
    # or "size-smallest" (of each size and the smallest)
    statistic: str
    expect: str
    paper_t1: tuple[str, str] | None = None  # the (base, final) rows of the paper's table T1
    # The budgets the base and the final model are graded at: "report", or the smallest ("tight") or the largest
    # ("loose") of the evaluation's budgets.
    budgets: tuple[str, str] = ("report", "report")
    # The same two budgets in the paper's T3 (the original and Fast-Math-R1-14B at each), for the paper's value.
    paper_t3: tuple[int, int] | None = None

    def models(self, sft_model: str) -> tuple[str, str]:
        return self.base.format(sft=sft_model), self.final.format(sft=sft_model)


T1_ORIGINAL = "DeepSeek-R1-Distill-Qwen-14B (original)"
T1_RL_ONLY = "original + GRPO only"
T1_SFT = "+ SFT 10 epochs"
T1_RECIPE = "+ SFT + GRPO (Fast-Math-R1-14B)"
PAPER_METRIC = {"pass1": "pass@1", "tokens": "tokens"}
# A benchmark's `stands_for` in the config -> its name in paper/reported.csv.
PAPER_BENCHMARKS = {"AIME 2024": "aime24", "AIME 2025": "aime25", "MATH-500": "math500"}
T3_ORIGINAL, T3_RECIPE = "DeepSeek-R1-Distill-Qwen-14B", "Fast-Math-R1-14B"
MIDDLE_DIFFICULTY = (
    "The biggest per-problem gains are at middle difficulty (original Pass@1 10-80%, against the hard and the easy"
    " problems)"
)

CLAIMS = [
    Claim(
        "sft-longer-raises-accuracy",
        "Longer SFT raises accuracy (10 vs 1 epoch)",
        "F1: rises with epochs",
        "sft-e1",
        "{sft}",
        "pass1",
        "difference",
        "increase",
    ),
    Claim(
        "sft-raises-accuracy",
        "SFT raises accuracy over the original",
        "T1",
        "original",
        "{sft}",
        "pass1",
        "difference",
        "increase",
        (T1_ORIGINAL, T1_SFT),
    ),
    Claim(
        "sft-1-epoch-lowers-accuracy",
        "1 epoch of SFT lowers accuracy",
        "F1: lower than the original",
        "original",
        "sft-e1",
        "pass1",
        "difference",
        "decrease",
    ),
    Claim(
        "sft-1-epoch-lengthens",
        "1 epoch of SFT lengthens outputs",
        "F1: longer than the original",
        "original",
        "sft-e1",
        "tokens",
        "relative",
        "increase",
    ),
    Claim(
        "grpo-keeps-accuracy",
        "GRPO after SFT keeps accuracy (within 3 points)",
        "T1",
        "{sft}",
        "grpo-recipe",
        "pass1",
        "difference",
        "within",
        (T1_SFT, T1_RECIPE),
    ),
    Claim(
        "grpo-cuts-tokens",
        "GRPO after SFT cuts tokens",
        "T1",
        "{sft}",
        "grpo-recipe",
        "tokens",
        "relative",
        "decrease",
        (T1_SFT, T1_RECIPE),
    ),
    Claim(
        "rl-only-cuts-tokens",
        "GRPO alone cuts tokens",
        "T1",
        "original",
        "grpo-rl-only",
        "tokens",
        "relative",
        "decrease",
        (T1_ORIGINAL, T1_RL_ONLY),
    ),
    Claim(
        "rl-only-loses-accuracy",
        "GRPO alone loses accuracy",
        "T1",
        "original",
        "grpo-rl-only",
        "pass1",
        "difference",
        "decrease",
        (T1_ORIGINAL, T1_RL_ONLY),
    ),
    Claim(
        "length-reward-after-cosine",
        "The length reward lowers tokens (cosine + length vs cosine)",
        "F2: lower with the length reward",
        "grpo-cosine",
        "grpo-recipe",
        "tokens",
        "relative",
        "decrease",
    ),
    Claim(
        "length-reward-after-accuracy",
        "The length reward lowers tokens (accuracy + length vs accuracy)",
        "F2: lower with the length reward",
        "grpo-accuracy",
        "grpo-accuracy-length",
        "tokens",
        "relative",
        "decrease",
    ),
    Claim(
        "cosine-beats-accuracy",
        "Cosine gives higher accuracy than binary accuracy",
        "F2: slightly higher",
        "grpo-accuracy",
        "grpo-cosine",
        "pass1",
        "difference",
        "increase",
    ),
    Claim(
        "gain-grows-as-budget-tightens",
        "The recipe's accuracy gain over the original grows as the budget tightens (smallest vs largest budget)",
        "T3: larger at 8k than at 32k",
        "original",
        "grpo-recipe",
        "pass1",
        "tightening",
        "increase",
        budgets=("tight", "loose"),
        paper_t3=(8000, 32000),
    ),
    Claim(
        "faster-at-equal-accuracy",
        "The recipe at the reported budget is as accurate as the original at the largest (within 3 points or above)",
        "T3: at 16k as at 32k",
        "original",
        "grpo-recipe",
        "pass1",
        "difference",
        "not-below",
        budgets=("loose", "report"),
        paper_t3=(32000, 16000),
    ),
    Claim(
        "middle-difficulty-gains",
        MIDDLE_DIFFICULTY,
        "F3: largest gains at 10-80%",
        "original",
        "grpo-recipe",
        "pass1",
        "middle",
        "increase",
    ),
]
BY_ID = {c.id: c for c in CLAIMS}

# Across the sizes of `snakemake sizes` (paper T1 at 1.5B, 7B and 14B; its numbers for the two smaller sizes are not
# available here, only what the paper says of them).
SIZE_CLAIMS = [
    Claim(
        "size-recipe-gain-grows",
        "The recipe's accuracy gain over the original grows with model size (each size against the next smaller)",
        "T1 by size: SFT + GRPO helps more at larger sizes",
        "original",
        "grpo-recipe",
        "pass1",
        "size-steps",
        "increase",
    ),
    Claim(
        "size-sft-helps-smallest-least",
        "10-epoch SFT raises accuracy least at the smallest size (each size against the smallest)",
        "T1 by size: SFT barely helps 1.5B",
        "original",
        "{sft}",
        "pass1",
        "size-smallest",
        "increase",
    ),
]


def computable(
    models: list[str], sft_model: str, budgets: list[int], report_budget: int
) -> tuple[list[str], dict[str, str]]:
    """The ids of the claims a run with these models and evaluation budgets can compute, and why each other claim
    is dropped."""
    kept, dropped = [], {}
    for c in CLAIMS:
        missing = [m for m in c.models(sft_model) if m not in models]
        if missing:
            dropped[c.id] = f"needs {', '.join(missing)}, which this preset does not train"
        elif "tight" in c.budgets and len(set(budgets)) < 2:
            dropped[c.id] = "needs two evaluation budgets, this preset has one"
        elif "loose" in c.budgets and "report" in c.budgets and report_budget == max(budgets):
            dropped[c.id] = "needs an evaluation budget above the reported one"
        else:
            kept.append(c.id)
    return kept, dropped


def _per_problem_by_model(grades: pd.DataFrame, budget: int) -> pd.DataFrame:
    """Each model's per-problem Pass@1 and mean tokens at `budget` (tables.per_problem), labelled with the model."""
    return pd.concat(
        [per_problem(g, budget).assign(model=model) for model, g in grades.groupby("model")], ignore_index=True
    )


def _values(problems: pd.DataFrame, model: str, benchmark: str, metric: str) -> pd.Series:
    rows = problems[(problems["model"] == model) & (problems["benchmark"] == benchmark)]
    if rows.empty:
        raise ValueError(f"no grades for model {model!r} on {benchmark!r}")
    return rows.set_index("problem_id")[metric].sort_index()


def paper_value(claim: Claim, reported: pd.DataFrame | None, paper_benchmark: str | None) -> str:
    """The paper's number for a T1 or T3 claim, computed from paper/reported.csv like the run's own value."""
    if reported is None or paper_benchmark is None:
        return claim.paper
    if claim.paper_t3 is not None:
        return _t3_value(claim, reported, paper_benchmark)
    if claim.paper_t1 is None:
        return claim.paper
    t1 = reported[
        (reported["object"] == "T1")
        & (reported["benchmark"] == paper_benchmark)
        & (reported["metric"] == PAPER_METRIC[claim.metric])
    ].set_index("model")["value"]
    if not set(claim.paper_t1) <= set(t1.index):  # T1 reports AIME only, not MATH-500
        return f"{claim.paper} (no {paper_benchmark} value)"
    base, final = (float(t1[label]) for label in claim.paper_t1)
    if claim.statistic == "relative":
        return f"T1 {paper_benchmark}: {relative_change(base, final):+.1f}%"
    return f"T1 {paper_benchmark}: {difference(base, final):+.1f} points"


def _t3_value(claim: Claim, reported: pd.DataFrame, paper_benchmark: str) -> str:
    t3 = reported[
        (reported["object"] == "T3") & (reported["benchmark"] == paper_benchmark) & (reported["metric"] == "pass@1")
    ].set_index(["model", "budget"])["value"]
    first, second = claim.paper_t3
    if not {(m, b) for m in (T3_ORIGINAL, T3_RECIPE) for b in (first, second)} <= set(t3.index):  # AIME only
        return f"{claim.paper} (no {paper_benchmark} value)"
    if claim.statistic == "tightening":
        gain = [t3[(T3_RECIPE, b)] - t3[(T3_ORIGINAL, b)] for b in (first, second)]
        return f"T3 {paper_benchmark}: {gain[0] - gain[1]:+.1f} points (gains {gain[0]:+.1f} at {first}, " \
               f"{gain[1]:+.1f} at {second})"  # fmt: skip
    change = t3[(T3_RECIPE, second)] - t3[(T3_ORIGINAL, first)]
    return f"T3 {paper_benchmark}: {change:+.1f} points ({second} vs {first} tokens)"


def claims_table(
    grades: pd.DataFrame,
    budget: int,
    sft_model: str,
    n_resamples: int,
    seed: int,
    claim_ids: list[str] | None = None,
    reported: pd.DataFrame | None = None,
    stands_for: dict[str, str] | None = None,
) -> pd.DataFrame:
    """One row per claim (`claim_ids`, default all) and held-out set; `grades` holds every model's
    per-sample grades, at the report budget `budget` and at every other budget of the evaluation (the smallest
    and the largest are those of the budget claims). `stands_for` maps a held-out set to the benchmark it is or
    stands for ("AIME 2024"), whose numbers in `reported` (paper/reported.csv) are the paper's values of the T1
    claims."""
    claims = CLAIMS if claim_ids is None else [BY_ID[i] for i in claim_ids]
    at = {"report": budget, "tight": int(grades["budget"].min()), "loose": int(grades["budget"].max())}
    problems = {
        name: _per_problem_by_model(grades, value)
        for name, value in at.items()
        if any(name in c.budgets for c in claims)
    }
    rows = []
    for benchmark in sorted(grades["benchmark"].unique()):
        for c in claims:
            base, final = c.models(sft_model)
            paper = paper_value(c, reported, PAPER_BENCHMARKS.get((stands_for or {}).get(benchmark)))
            if c.statistic == "tightening":
                rows.append(_tightening_row(c, problems, base, final, benchmark, at, paper, n_resamples, seed))
                continue
            a = _values(problems[c.budgets[0]], base, benchmark, c.metric)
            b = _values(problems[c.budgets[1]], final, benchmark, c.metric).loc[a.index]
            if c.statistic == "middle":
                rows.append(_middle_difficulty_row(c, a, b, benchmark, f"{final} vs {base}", n_resamples, seed))
                continue
            stat = relative_change if c.statistic == "relative" else difference
            value, lo, hi = bootstrap(of_means(stat), [a.to_numpy(), b.to_numpy()], n_resamples, seed)
            unit = "%" if c.statistic == "relative" else ("points" if c.metric == "pass1" else "tokens")
            comparison = f"{final} vs {base}" + _at_budgets(c, at)
            rows.append(_row(c, benchmark, comparison, paper, value, lo, hi, unit, verdict(lo, hi, c.expect)))
    return pd.DataFrame(rows)


def _at_budgets(claim: Claim, at: dict[str, int]) -> str:
    """`, at 64 vs 128 tokens` where a claim grades its models at other budgets than the report's."""
    if claim.budgets == ("report", "report"):
        return ""
    return f", at {at[claim.budgets[1]]} vs {at[claim.budgets[0]]} tokens"


def gain_contrast(base_a, final_a, base_b, final_b):
    """The final model's mean gain over the base in setting a minus its gain in setting b, over the last axis: a
    tight and b loose budget (T3: the recipe's gain grows as the budget tightens), or a large and b small model
    size (T1 across sizes: the gain grows with size)."""
    return (final_a.mean(axis=-1) - base_a.mean(axis=-1)) - (final_b.mean(axis=-1) - base_b.mean(axis=-1))


def _tightening_row(claim, problems, base, final, benchmark, at, paper, n_resamples, seed) -> dict:
    tight, loose = claim.budgets
    a = _values(problems[tight], base, benchmark, claim.metric)
    arrays = [
        a,
        _values(problems[tight], final, benchmark, claim.metric),
        _values(problems[loose], base, benchmark, claim.metric),
        _values(problems[loose], final, benchmark, claim.metric),
    ]
    value, lo, hi = bootstrap(gain_contrast, [x.loc[a.index].to_numpy() for x in arrays], n_resamples, seed)
    comparison = f"{final} vs {base}, gain at {at[tight]} minus gain at {at[loose]} tokens"
    return _row(claim, benchmark, comparison, paper, value, lo, hi, "points", verdict(lo, hi, claim.expect))


def _row(claim: Claim, benchmark, comparison, paper, value, lo, hi, unit, result) -> dict:
    return {
        "id": claim.id,
        "claim": claim.claim,
        "benchmark": benchmark,
        "comparison": comparison,
        "paper": paper,
        "value": value,
        "lo": lo,
        "hi": hi,
        "unit": unit,
        "verdict": result,
    }


def size_claims_table(
    grades: dict[str, pd.DataFrame], budget: int, sft_model: str, n_resamples: int, seed: int
) -> pd.DataFrame:
    """One row per size claim, pair of sizes and held-out set; `grades` maps each size's label to its stages'
    per-sample grades, smallest size first. A value is the gain_contrast of the larger and the smaller size of a
    pair, paired by problem (every size is graded on the same held-out problems); with one size there is nothing to
    compare (no rows)."""
    labels = list(grades)
    problems = {label: _per_problem_by_model(frame, budget) for label, frame in grades.items()}
    pairs = {
        "size-steps": list(zip(labels, labels[1:])),
        "size-smallest": [(labels[0], label) for label in labels[1:]],
    }
    rows = []
    for benchmark in sorted(problems[labels[-1]]["benchmark"].unique()) if len(labels) > 1 else []:
        for c in SIZE_CLAIMS:
            base, final = c.models(sft_model)
            values = {
                (label, model): _values(problems[label], model, benchmark, c.metric)
                for label in labels
                for model in (base, final)
            }
            index = values[(labels[0], base)].index
            if any(not v.index.equals(index) for v in values.values()):
                raise InputError(f"held-out set {benchmark}: the sizes are not graded on the same problems")
            gain = {label: values[(label, final)].mean() - values[(label, base)].mean() for label in labels}
            for small, large in pairs[c.statistic]:
                keys = ((large, base), (large, final), (small, base), (small, final))
                value, lo, hi = bootstrap(gain_contrast, [values[k].to_numpy() for k in keys], n_resamples, seed)
                gains = f"gain at {large} ({gain[large]:+.1f}) minus gain at {small} ({gain[small]:+.1f})"
                result = verdict(lo, hi, c.expect)
                rows.append(_row(c, benchmark, f"{final} vs {base}, {gains}", c.paper, value, lo, hi, "points", result))
    return pd.DataFrame(rows, columns=CLAIMS_COLUMNS)


def middle_contrast(gain: np.ndarray, base: np.ndarray) -> np.ndarray:
    """Mean gain of the middle problems (base Pass@1 in (10, 80)) minus the larger of the mean gains of
    the hard (<= 10) and the easy (>= 80) ones, over the last axis; NaN where a bin it needs is empty."""
    level = np.select([base <= 10, base >= 80], [0, 2], default=1)  # hard, easy, middle
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        means = [np.nanmean(np.where(level == k, gain, np.nan), axis=-1) for k in (0, 1, 2)]
        return means[1] - np.nanmax(np.stack([means[0], means[2]]), axis=0)


def _middle_difficulty_row(
    claim: Claim, base: pd.Series, final: pd.Series, benchmark: str, comparison: str, n_resamples: int, seed: int
) -> dict:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # every resample NaN: no contrast can be formed
        value, lo, hi = bootstrap(middle_contrast, [(final - base).to_numpy(), base.to_numpy()], n_resamples, seed)
    n_middle = int(((base > 10) & (base < 80)).sum())
    result = verdict(lo, hi, claim.expect) if np.isfinite(value) else INCONCLUSIVE
    return _row(
        claim, benchmark, f"{comparison}, {n_middle} middle problems", claim.paper, value, lo, hi, "points", result
    )


def _intro(budget: int) -> list[str]:
    return [
        f"Each claim of the paper against this run, at a budget of {budget} tokens. Values are paired differences",
        "(final minus base model, on the same problems) with 95% bootstrap CIs over problems; the verdict is computed",
        "from the CI: reproduced (on the claimed side), not reproduced (on the other side), inconclusive (straddles).",
        f'"Keeps accuracy" means the CI lies within +-{KEEP_MARGIN:g} points.',
    ]


def _rows(table: pd.DataFrame) -> list[list[str]]:
    rows = []
    for r in table.itertuples(index=False):
        value = f"{r.value:+.1f} {r.unit} [{r.lo:+.1f}, {r.hi:+.1f}]" if np.isfinite(r.value) else "n/a"
        rows.append([r.claim, r.benchmark, r.comparison, str(r.paper), value, r.verdict])
    return rows


def _tally(table: pd.DataFrame) -> str:
    counts = table["verdict"].value_counts()
    return ", ".join(f"{counts.get(v, 0)} {v}" for v in (REPRODUCED, NOT_REPRODUCED, INCONCLUSIVE)) + "."


HEADER = ["claim", "held-out set", "comparison", "paper", "this run [95% CI]", "verdict"]


def _dropped_lines(dropped: dict[str, str]) -> list[str]:
    if not dropped:
        return []
    return ["", "Not computed in this preset:", ""] + [f"- {BY_ID[i].claim}: {why}" for i, why in dropped.items()]


def write_report(
    table: pd.DataFrame, out_md: Path, title: str, budget: int, dropped: dict[str, str], note: str = ""
) -> None:
    """`dropped`: claim id -> why this preset cannot compute it (`computable`); `note`, a paragraph before the
    table."""
    lines = [
        f"# {title}",
        "",
        *_intro(budget),
        *(["", note] if note else []),
        "",
        "| " + " | ".join(HEADER) + " |",
        "|---|---|---|---|---|---|",
    ]
    lines += [f"| {' | '.join(row[:-1])} | **{row[-1]}** |" for row in _rows(table)]
    lines += ["", _tally(table), *_dropped_lines(dropped)]
    out_md.write_text("\n".join(lines) + "\n")


def write_front_page(table: pd.DataFrame, out_rst: Path, preset: str, budget: int, dropped: dict[str, str]) -> None:
    """The claims report's verdicts in reStructuredText, one row per claim and one column per held-out
    set: the front page of `snakemake --report`, short enough to read at a glance (the values, CIs and
    the paper's numbers are in the report's "Claims report" entry)."""
    from tabulate import tabulate

    verdicts = table.pivot_table(index="claim", columns="benchmark", values="verdict", aggfunc="first", sort=False)
    title = f"Fast-Math-R1 reproduction, preset {preset}: {_tally(table)}"
    lines = [
        title,
        "=" * len(title),
        "",
        f"Verdict of each claim of the paper on each held-out set at a budget of {budget} tokens, computed from",
        "paired 95% bootstrap CIs. Values, CIs and the paper's numbers: Results, Claims report.",
        "",
        tabulate(verdicts.reset_index().values.tolist(), headers=["claim", *verdicts.columns], tablefmt="grid"),
        *_dropped_lines(dropped),
    ]
    out_rst.write_text("\n".join(lines) + "\n")


CLAIMS_COLUMNS = ["id", "claim", "benchmark", "comparison", "paper", "value", "lo", "hi", "unit", "verdict"]


def read_claims_table(path: Path) -> pd.DataFrame:
    """A claims table (claims.csv) as `claims_table` wrote it; a missing column or a value that is not a number
    is an InputError naming the file, the row and the column."""
    table = read_table(path)
    require_columns(table, CLAIMS_COLUMNS, str(path), " of a claims table")
    for column in ("value", "lo", "hi"):
        numbers = pd.to_numeric(table[column], errors="coerce")
        bad = numbers.isna() & ~table[column].isin(["", "nan", "NaN"])
        if bad.any():
            row = int(bad.idxmax())
            raise InputError(f"{path}: row {row}, column {column}: {table[column][row]!r} is not a number")
        table[column] = numbers
    return table


def seeds_table(tables: dict[int, pd.DataFrame]) -> pd.DataFrame:
    """One row per claim and held-out set over the claims tables of the seed runs (seed -> claims.csv): each seed's
    value, CI and verdict, in how many seeds each verdict comes out, and the majority verdict: reproduced (or not
    reproduced) where more than half of the seeds say so, otherwise inconclusive."""
    keyed = {seed: t.set_index(["id", "benchmark"]) for seed, t in sorted(tables.items())}
    rows = []
    for key, first in next(iter(keyed.values())).iterrows():
        row = {"id": key[0], "claim": first["claim"], "benchmark": key[1], "paper": first["paper"], "seeds": len(keyed)}
        verdicts = []
        for seed, table in keyed.items():
            if key not in table.index:
                raise InputError(f"the claims table of seed {seed} has no row for claim {key[0]} on {key[1]}")
            r = table.loc[key]
            row |= {f"seed{seed}_{k}": r[k] for k in ("value", "lo", "hi", "verdict")}
            verdicts.append(r["verdict"])
        counts = {v: verdicts.count(v) for v in (REPRODUCED, NOT_REPRODUCED, INCONCLUSIVE)}
        row |= {f"{v.replace(' ', '_')}_in": n for v, n in counts.items()}
        row["unit"] = first["unit"]
        row["majority"] = next((v for v in (REPRODUCED, NOT_REPRODUCED) if 2 * counts[v] > len(keyed)), INCONCLUSIVE)
        rows.append(row)
    return pd.DataFrame(rows)


def write_seeds_report(table: pd.DataFrame, out_md: Path, preset: str, budget: int) -> None:
    seeds = sorted(int(c[len("seed") : -len("_verdict")]) for c in table.columns if c.endswith("_verdict"))
    counts = table["majority"].value_counts()
    tally = ", ".join(f"{counts.get(v, 0)} {v}" for v in (REPRODUCED, NOT_REPRODUCED, INCONCLUSIVE))
    lines = [
        f"# Claims report over {len(seeds)} seeds, preset {preset}",
        "",
        f"**Seed majority: {tally}** (of {len(table)} rows). A row counts as reproduced (or not reproduced)",
        f"only where more than half of the {len(seeds)} seed runs say so; otherwise it is inconclusive. Seed 0 is",
        f"results/{preset}; seed s is results/{preset}-seed<s>: a new world, held-out sets, initialisation, data",
        "order and sampling.",
        "",
        *_intro(budget),
        "",
        "| claim | held-out set | paper | " + " | ".join(f"seed {s}" for s in seeds) + " | reproduced in | majority |",
        "|---|---|---|" + "---|" * len(seeds) + "---|---|",
    ]
    for r in table.to_dict("records"):
        cells = []
        for s in seeds:
            value, lo, hi, result = (r[f"seed{s}_{k}"] for k in ("value", "lo", "hi", "verdict"))
            shown = f"{value:+.1f} [{lo:+.1f}, {hi:+.1f}]" if np.isfinite(value) else "n/a"
            cells.append(f"{shown} {r['unit']}, {result}")
        lines.append(
            f"| {r['claim']} | {r['benchmark']} | {r['paper']} | {' | '.join(cells)} | "
            f"{r['reproduced_in']} of {len(seeds)} | **{r['majority']}** |"
        )
    out_md.write_text("\n".join(lines) + "\n")
