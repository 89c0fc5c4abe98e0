"""Figures of the paper's objects, drawn from the tables (never from a new generation)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402


def _errorbars(table: pd.DataFrame, metric: str) -> list[pd.Series]:
    return [table[metric] - table[f"{metric}_lo"], table[f"{metric}_hi"] - table[metric]]


def plot_sft_epochs(table: pd.DataFrame, out_png: Path) -> None:
    """Paper F1: accuracy and mean output tokens against SFT epochs, one line per benchmark, with the
    original model (0 epochs) as a dashed reference line and its CI as a band."""
    fig, axes = plt.subplots(1, 2, figsize=(10, 4), constrained_layout=True)
    for (benchmark, rows), color in zip(table.groupby("benchmark", sort=True), plt.rcParams["axes.prop_cycle"].by_key()["color"]):
        original = rows[rows["sft_epochs"] == 0]
        trained = rows[rows["sft_epochs"] > 0].sort_values("sft_epochs")
        for ax, metric in zip(axes, ["pass@1", "tokens"]):
            ax.errorbar(trained["sft_epochs"], trained[metric], yerr=_errorbars(trained, metric),
                        marker="o", capsize=3, color=color, label=f"{benchmark}: after SFT")
            if not original.empty:
                o = original.iloc[0]
                ax.axhline(o[metric], color=color, linestyle="--", label=f"{benchmark}: original")
                ax.axhspan(o[f"{metric}_lo"], o[f"{metric}_hi"], color=color, alpha=0.12)
    budget = int(table["budget"].iloc[0])
    axes[0].set(xlabel="SFT epochs", ylabel="Pass@1 (%)", title="Accuracy")
    axes[1].set(xlabel="SFT epochs", ylabel="mean output tokens", title=f"Output length (budget {budget})")
    for ax in axes:
        ax.set_xticks(sorted(table.loc[table["sft_epochs"] > 0, "sft_epochs"].unique()))
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8)
    fig.suptitle("Stage-1 SFT epoch ablation (paper F1); bars and bands: 95% bootstrap CIs over problems")
    fig.savefig(out_png, dpi=120)
    plt.close(fig)
