"""Tables of the paper's objects, computed from the per-budget metrics files of the evaluation step."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from fastmath_r1.metrics import summarize
from fastmath_r1.names import sft_epochs_of

# Pass@1 and mean output tokens with their CIs: the values every table of the paper's objects shows.
VALUES = ["pass@1", "pass@1_lo", "pass@1_hi", "tokens", "tokens_lo", "tokens_hi"]


def read_metrics(paths: list[Path]) -> pd.DataFrame:
    return pd.concat([pd.read_csv(p) for p in paths], ignore_index=True)


def read_grades(paths: list[Path]) -> pd.DataFrame:
    return pd.concat([pd.read_parquet(p) for p in paths], ignore_index=True)


def at_budget(metrics: pd.DataFrame, budget: int) -> pd.DataFrame:
    rows = metrics[metrics["budget"] == budget]
    missing = set(metrics["model"] + "/" + metrics["benchmark"]) - set(rows["model"] + "/" + rows["benchmark"])
    if missing:
        raise ValueError(f"no metrics at budget {budget} for {', '.join(sorted(missing))}")
    return rows


def sft_epoch_table(metric_files: list[Path], budget: int) -> pd.DataFrame:
    """Paper F1: Pass@1 and mean tokens against SFT epochs (0 = the original model) per benchmark."""
    rows = at_budget(read_metrics(metric_files), budget).copy()
    rows.insert(1, "sft_epochs", rows["model"].map(sft_epochs_of))
    columns = ["model", "sft_epochs", "benchmark", "budget", "n_problems", "n_samples", *VALUES]
    return rows[columns].sort_values(["benchmark", "sft_epochs"]).reset_index(drop=True)


def with_ci(value: float, lo: float, hi: float, digits: int = 1) -> str:
    return f"{value:.{digits}f} [{lo:.{digits}f}, {hi:.{digits}f}]"


def wide_markdown(table: pd.DataFrame, index: list[str], metrics: list[str]) -> str:
    """One row per `index` value, one column per benchmark and metric, each value with its 95% CI."""
    cells = table.assign(
        **{
            m: [with_ci(r[m], r[f"{m}_lo"], r[f"{m}_hi"], 0 if m == "tokens" else 1) for _, r in table.iterrows()]
            for m in metrics
        }
    )
    wide = cells.pivot_table(index=index, columns="benchmark", values=metrics, aggfunc="first")
    # Rows keep the table's order (stages, epochs), not pivot_table's sorted one.
    wide = wide.reindex(
        pd.MultiIndex.from_frame(cells[index].drop_duplicates()) if len(index) > 1 else cells[index[0]].unique()
    )
    wide.columns = [f"{bench} {metric}" for metric, bench in wide.columns]
    ordered = sorted(wide.columns, key=lambda c: (c.split(" ")[0], metrics.index(c.split(" ")[1])))
    return wide[ordered].reset_index().to_markdown(index=False)


def write_table(table: pd.DataFrame, out_csv: Path, out_md: Path, title: str, note: str, index: list[str]) -> None:
    """The table as CSV, and as markdown under `title` and `note`: one row per `index` value, Pass@1 and
    mean output tokens with their CIs."""
    table.to_csv(out_csv, index=False)
    out_md.write_text(f"# {title}\n\n{note}\n\n{wide_markdown(table, index, ['pass@1', 'tokens'])}\n")


def _labelled_rows(metric_files: list[Path], budget: int, labels: dict[str, str], column: str) -> pd.DataFrame:
    """The metrics of the labelled models at `budget`, with each model's label in `column`."""
    rows = at_budget(read_metrics(metric_files), budget)
    rows = rows[rows["model"].isin(labels)].copy()
    missing = set(labels) - set(rows["model"])
    if missing:
        raise ValueError(f"no metrics for model(s) {', '.join(sorted(missing))}")
    rows.insert(1, column, rows["model"].map(labels))
    return rows[["model", column, "benchmark", "budget", *VALUES]]


def stage_table(metric_files: list[Path], budget: int, stages: dict[str, str]) -> pd.DataFrame:
    """Paper T1: Pass@1 and mean tokens per recipe stage (`stages` maps model name -> stage label)."""
    rows = _labelled_rows(metric_files, budget, stages, "stage")
    order = {m: i for i, m in enumerate(stages)}
    rows = rows.sort_values(["benchmark", "model"], key=lambda c: c.map(order) if c.name == "model" else c)
    return rows.reset_index(drop=True)


def size_table(metric_files: dict[str, list[Path]], budget: int, stages: dict[str, str]) -> pd.DataFrame:
    """Paper T1 at each model size: `stage_table` of each size's metrics files (size label -> files, the smallest
    size first), labelled with the size in column `size`."""
    return pd.concat(
        [stage_table(paths, budget, stages).assign(size=size) for size, paths in metric_files.items()],
        ignore_index=True,
    )[["size", "model", "stage", "benchmark", "budget", *VALUES]]


def budget_sweep_table(metric_files: list[Path], models: list[str], budgets: list[int] | None = None) -> pd.DataFrame:
    """Paper T3/T4: every budget (or the listed ones) for each model, from truncations of the same samples."""
    metrics = read_metrics(metric_files)
    rows = metrics[metrics["model"].isin(models) & (metrics["budget"].isin(budgets) if budgets else True)]
    columns = ["model", "benchmark", "budget", *VALUES]
    order = {m: i for i, m in enumerate(models)}
    return (
        rows[columns]
        .sort_values(["model", "benchmark", "budget"], key=lambda c: c.map(order) if c.name == "model" else c)
        .reset_index(drop=True)
    )


def reward_ablation_table(metric_files: list[Path], budget: int, arms: dict[str, list[str]]) -> pd.DataFrame:
    """Paper F2: accuracy and tokens per reward set (`arms` maps model name -> its rewards)."""
    labels = {model: " + ".join(rewards) for model, rewards in arms.items()}
    return (
        _labelled_rows(metric_files, budget, labels, "rewards")
        .sort_values(["benchmark", "model"])
        .reset_index(drop=True)
    )


def per_problem(grades: pd.DataFrame, budget: int) -> pd.DataFrame:
    """Per problem at one budget: Pass@1 (%) and mean output tokens over its samples."""
    at = grades[grades["budget"] == budget]
    return at.groupby(["benchmark", "problem_id"], as_index=False).agg(
        pass1=("correct", lambda c: 100.0 * c.mean()), tokens=("n_tokens", "mean")
    )


def per_problem_changes(base: pd.DataFrame, final: pd.DataFrame, budget: int) -> pd.DataFrame:
    """Paper F3: change in Pass@1 and in mean tokens of each problem from `base` to `final` grades."""
    merged = per_problem(base, budget).merge(
        per_problem(final, budget), on=["benchmark", "problem_id"], suffixes=("_base", "_final")
    )
    merged["delta_pass1"] = merged["pass1_final"] - merged["pass1_base"]
    merged["delta_tokens"] = merged["tokens_final"] - merged["tokens_base"]
    return merged


def aimo_table(grades: pd.DataFrame, n_resamples: int, seed: int) -> pd.DataFrame:
    """Paper T5 (AIMO-2 local validation): per model and budget, `metrics.summarize` of grades whose
    answers were taken modulo 1000, with pass@k at k = the samples per problem (pass@32 for 32)."""
    rows = []
    for (model, budget), g in grades.groupby(["model", "budget"], sort=False):
        samples = int(g.groupby("problem_id").size().iloc[0])
        rows.append({"model": model, "budget": budget, **summarize(g, [samples], n_resamples, seed)})
    return pd.DataFrame(rows)


def aimo_markdown(table: pd.DataFrame, modulo: int) -> str:
    """maj@k, pass@k (%), answers collected and mean tokens per model and budget, each with its CI;
    k is the row's samples per problem."""
    rows = []
    for _, r in table.iterrows():
        k = int(r["n_samples"])
        cells = [(f"maj@{k}", 1), (f"pass@{k}", 1), ("answers_collected", 2), ("tokens", 0)]
        rows.append(
            [r["model"], int(r["budget"]), k, *(with_ci(r[m], r[f"{m}_lo"], r[f"{m}_hi"], d) for m, d in cells)]
        )
    header = ["model", "budget", "samples (k)", "maj@k", "pass@k", "answers collected", "tokens"]
    return (
        f"# AIMO-2 local-validation protocol (paper T5)\n\nAnswers taken modulo {modulo}; maj@k and pass@k in %, "
        "answers collected = samples with an answer per problem, tokens = mean output tokens; 95% bootstrap CIs "
        f"over problems.\n\n{pd.DataFrame(rows, columns=header).to_markdown(index=False)}\n"
    )
