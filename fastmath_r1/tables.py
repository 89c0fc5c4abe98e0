"""Tables of the paper's objects, computed from the per-budget metrics files of the evaluation step."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

ORIGINAL = "original"
SFT_MODEL = re.compile(r"sft-e(\d+)")


def sft_model_name(epochs: int) -> str:
    return f"sft-e{epochs}"


def sft_epochs_of(model: str) -> int:
    """Epochs of stage-1 SFT behind a model name; the original model has had none."""
    if model == ORIGINAL:
        return 0
    match = SFT_MODEL.fullmatch(model)
    if not match:
        raise ValueError(f"model {model!r} is neither {ORIGINAL!r} nor an SFT model named like {sft_model_name(10)!r}")
    return int(match.group(1))


def stage_labels(sft_model: str) -> dict[str, str]:
    """Paper T1's rows: model name -> the paper's label, in the paper's order."""
    return {"original": "original", "grpo-rl-only": "original + GRPO", sft_model: "+ SFT", "grpo-recipe": "+ SFT + GRPO"}


def read_metrics(paths: list[Path]) -> pd.DataFrame:
    return pd.concat([pd.read_csv(p) for p in paths], ignore_index=True)


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
    columns = ["model", "sft_epochs", "benchmark", "budget", "n_problems", "n_samples",
               "pass@1", "pass@1_lo", "pass@1_hi", "tokens", "tokens_lo", "tokens_hi"]
    return rows[columns].sort_values(["benchmark", "sft_epochs"]).reset_index(drop=True)


def with_ci(value: float, lo: float, hi: float, digits: int = 1) -> str:
    return f"{value:.{digits}f} [{lo:.{digits}f}, {hi:.{digits}f}]"


def wide_markdown(table: pd.DataFrame, index: list[str], metrics: list[str]) -> str:
    """One row per `index` value, one column per benchmark and metric, each value with its 95% CI."""
    cells = table.assign(
        **{m: [with_ci(r[m], r[f"{m}_lo"], r[f"{m}_hi"], 0 if m == "tokens" else 1) for _, r in table.iterrows()] for m in metrics}
    )
    wide = cells.pivot_table(index=index, columns="benchmark", values=metrics, aggfunc="first")
    # Rows keep the table's order (stages, epochs), not pivot_table's sorted one.
    wide = wide.reindex(pd.MultiIndex.from_frame(cells[index].drop_duplicates()) if len(index) > 1 else cells[index[0]].unique())
    wide.columns = [f"{bench} {metric}" for metric, bench in wide.columns]
    ordered = sorted(wide.columns, key=lambda c: (c.split(" ")[0], metrics.index(c.split(" ")[1])))
    return wide[ordered].reset_index().to_markdown(index=False)


def write_table(table: pd.DataFrame, out_csv: Path, out_md: Path, title: str) -> None:
    table.to_csv(out_csv, index=False)
    budget = int(table["budget"].iloc[0])
    body = wide_markdown(table, ["model", "sft_epochs"], ["pass@1", "tokens"])
    out_md.write_text(f"# {title}\n\nPass@1 (%) and mean output tokens at a budget of {budget} tokens, "
                      f"with 95% bootstrap CIs over problems.\n\n{body}\n")


def stage_table(metric_files: list[Path], budget: int, stages: dict[str, str]) -> pd.DataFrame:
    """Paper T1: Pass@1 and mean tokens per recipe stage (`stages` maps model name -> stage label)."""
    rows = at_budget(read_metrics(metric_files), budget)
    rows = rows[rows["model"].isin(stages)].copy()
    missing = set(stages) - set(rows["model"])
    if missing:
        raise ValueError(f"no metrics for stage model(s) {', '.join(sorted(missing))}")
    rows.insert(1, "stage", rows["model"].map(stages))
    order = {m: i for i, m in enumerate(stages)}
    rows = rows.sort_values(["benchmark", "model"], key=lambda c: c.map(order) if c.name == "model" else c)
    return rows[["model", "stage", "benchmark", "budget", "pass@1", "pass@1_lo", "pass@1_hi", "tokens", "tokens_lo", "tokens_hi"]].reset_index(drop=True)


def budget_sweep_table(metric_files: list[Path], models: list[str], budgets: list[int] | None = None) -> pd.DataFrame:
    """Paper T3/T4: every budget (or the listed ones) for each model, from truncations of the same samples."""
    metrics = read_metrics(metric_files)
    rows = metrics[metrics["model"].isin(models) & (metrics["budget"].isin(budgets) if budgets else True)]
    columns = ["model", "benchmark", "budget", "pass@1", "pass@1_lo", "pass@1_hi", "tokens", "tokens_lo", "tokens_hi"]
    order = {m: i for i, m in enumerate(models)}
    return rows[columns].sort_values(["model", "benchmark", "budget"], key=lambda c: c.map(order) if c.name == "model" else c).reset_index(drop=True)


def reward_ablation_table(metric_files: list[Path], budget: int, arms: dict[str, list[str]]) -> pd.DataFrame:
    """Paper F2: accuracy and tokens per reward set (`arms` maps model name -> its rewards)."""
    rows = at_budget(read_metrics(metric_files), budget)
    rows = rows[rows["model"].isin(arms)].copy()
    missing = set(arms) - set(rows["model"])
    if missing:
        raise ValueError(f"no metrics for reward-ablation arm(s) {', '.join(sorted(missing))}")
    rows.insert(1, "rewards", rows["model"].map(lambda m: " + ".join(arms[m])))
    return rows[["model", "rewards", "benchmark", "budget", "pass@1", "pass@1_lo", "pass@1_hi", "tokens", "tokens_lo", "tokens_hi"]].sort_values(["benchmark", "model"]).reset_index(drop=True)


def per_problem(grades: pd.DataFrame, budget: int) -> pd.DataFrame:
    """Per problem at one budget: Pass@1 (%) and mean output tokens over its samples."""
    at = grades[grades["budget"] == budget]
    return at.groupby(["benchmark", "problem_id"], as_index=False).agg(
        pass1=("correct", lambda c: 100.0 * c.mean()), tokens=("n_tokens", "mean")
    )


def per_problem_changes(base: pd.DataFrame, final: pd.DataFrame, budget: int) -> pd.DataFrame:
    """Paper F3: change in Pass@1 and in mean tokens of each problem from `base` to `final` grades."""
    merged = per_problem(base, budget).merge(per_problem(final, budget), on=["benchmark", "problem_id"], suffixes=("_base", "_final"))
    merged["delta_pass1"] = merged["pass1_final"] - merged["pass1_base"]
    merged["delta_tokens"] = merged["tokens_final"] - merged["tokens_base"]
    return merged


def aimo_table(grades: pd.DataFrame, gold: dict[str, str]) -> pd.DataFrame:
    """Paper T5 (AIMO-2 local validation): maj@k, pass@k, answers collected and mean length per model
    and budget, from grades computed with answers taken modulo 1000."""
    from fastmath_r1.metrics import majority_answer

    rows = []
    for (model, budget), g in grades.groupby(["model", "budget"], sort=False):
        per = g.sort_values("sample_index").groupby("problem_id")
        k = int(per.size().iloc[0])
        majority = per["answer"].agg(lambda a: majority_answer([x if isinstance(x, str) else None for x in a]))
        rows.append({
            "model": model,
            "budget": budget,
            "samples": k,
            f"maj@{k}": (majority == pd.Series(gold)[majority.index]).mean(),
            f"pass@{k}": per["correct"].any().mean(),
            "answers_collected": per["answer"].agg(lambda a: sum(isinstance(x, str) for x in a)).mean(),
            "mean_length": g["n_tokens"].mean(),
        })
    return pd.DataFrame(rows)
