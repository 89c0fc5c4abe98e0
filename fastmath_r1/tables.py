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
    wide = cells.pivot_table(index=index, columns="benchmark", values=metrics, aggfunc="first", sort=False)
    wide.columns = [f"{bench} {metric}" for metric, bench in wide.columns]
    ordered = sorted(wide.columns, key=lambda c: (c.split(" ")[0], metrics.index(c.split(" ")[1])))
    return wide[ordered].reset_index().to_markdown(index=False)


def write_table(table: pd.DataFrame, out_csv: Path, out_md: Path, title: str) -> None:
    table.to_csv(out_csv, index=False)
    budget = int(table["budget"].iloc[0])
    body = wide_markdown(table, ["model", "sft_epochs"], ["pass@1", "tokens"])
    out_md.write_text(f"# {title}\n\nPass@1 (%) and mean output tokens at a budget of {budget} tokens, "
                      f"with 95% bootstrap CIs over problems.\n\n{body}\n")
