"""Figures of the paper's objects, drawn from the tables (never from a new generation)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd


def _errorbars(table: pd.DataFrame, metric: str) -> list[pd.Series]:
    return [table[metric] - table[f"{metric}_lo"], table[f"{metric}_hi"] - table[metric]]


def plot_sft_epochs(table: pd.DataFrame, out_png: Path) -> None:
    """Paper F1: accuracy and mean output tokens against SFT epochs, one line per benchmark, with the
    original model (0 epochs) as a dashed reference line and its CI as a band."""
    fig, axes = plt.subplots(1, 2, figsize=(10, 4), constrained_layout=True)
    for (benchmark, rows), color in zip(
        table.groupby("benchmark", sort=True), plt.rcParams["axes.prop_cycle"].by_key()["color"]
    ):
        original = rows[rows["sft_epochs"] == 0]
        trained = rows[rows["sft_epochs"] > 0].sort_values("sft_epochs")
        for ax, metric in zip(axes, ["pass@1", "tokens"]):
            ax.errorbar(
                trained["sft_epochs"],
                trained[metric],
                yerr=_errorbars(trained, metric),
                marker="o",
                capsize=3,
                color=color,
                label=f"{benchmark}: after SFT",
            )
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


def _benchmark_axes(table: pd.DataFrame, width: float = 5.0):
    benchmarks = sorted(table["benchmark"].unique())
    fig, axes = plt.subplots(
        1, len(benchmarks), figsize=(width * len(benchmarks), 4), constrained_layout=True, squeeze=False
    )
    return fig, dict(zip(benchmarks, axes[0]))


def plot_budget_sweep(table: pd.DataFrame, solid_models: list[str], out_png: Path) -> None:
    """Paper T3 figure: Pass@1 against mean output tokens, one point per budget, one panel per held-out
    set; the base models dashed and the trained (Fast) models solid."""
    fig, axes = _benchmark_axes(table)
    for benchmark, ax in axes.items():
        for model, rows in table[table["benchmark"] == benchmark].groupby("model", sort=False):
            rows = rows.sort_values("budget")
            ax.errorbar(
                rows["tokens"],
                rows["pass@1"],
                yerr=_errorbars(rows, "pass@1"),
                marker="o",
                capsize=2,
                linestyle="-" if model in solid_models else "--",
                label=model,
            )
            for _, r in rows.iterrows():
                ax.annotate(
                    str(int(r["budget"])),
                    (r["tokens"], r["pass@1"]),
                    fontsize=6,
                    xytext=(3, -8),
                    textcoords="offset points",
                )
        ax.set(title=benchmark, xlabel="mean output tokens", ylabel="Pass@1 (%)")
        ax.grid(alpha=0.3)
    next(iter(axes.values())).legend(fontsize=8)
    fig.suptitle("Token-budget sweep (paper T3): points are budgets, labelled; bars: 95% CIs")
    fig.savefig(out_png, dpi=120)
    plt.close(fig)


def plot_sizes(table: pd.DataFrame, out_png: Path) -> None:
    """Paper T1 across sizes: Pass@1 (top) and mean output tokens (bottom) against model size, one line per stage,
    one column per held-out set."""
    benchmarks = sorted(table["benchmark"].unique())
    sizes = list(dict.fromkeys(table["size"]))
    fig, axes = plt.subplots(
        2, len(benchmarks), figsize=(5 * len(benchmarks), 7), constrained_layout=True, squeeze=False
    )
    for column, benchmark in enumerate(benchmarks):
        for stage, rows in table[table["benchmark"] == benchmark].groupby("stage", sort=False):
            x = [sizes.index(size) for size in rows["size"]]
            for ax, metric in zip(axes[:, column], ["pass@1", "tokens"]):
                ax.errorbar(x, rows[metric], yerr=_errorbars(rows, metric), marker="o", capsize=3, label=stage)
        for ax, ylabel in zip(axes[:, column], ["Pass@1 (%)", "mean output tokens"]):
            ax.set(title=benchmark, xlabel="model size (stands for)", ylabel=ylabel)
            ax.set_xticks(range(len(sizes)), sizes)
            ax.grid(alpha=0.3)
    axes[0, 0].legend(fontsize=8)
    budget = int(table["budget"].iloc[0])
    fig.suptitle(f"Recipe stages by model size (paper T1 at each size), budget {budget}; bars: 95% CIs")
    fig.savefig(out_png, dpi=120)
    plt.close(fig)


def plot_reward_ablation(table: pd.DataFrame, out_png: Path) -> None:
    """Paper F2: Pass@1 and mean tokens per reward set, one bar group per held-out set."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), constrained_layout=True)
    benchmarks = sorted(table["benchmark"].unique())
    labels = list(dict.fromkeys(table["rewards"]))
    width = 0.8 / len(benchmarks)
    for i, benchmark in enumerate(benchmarks):
        rows = table[table["benchmark"] == benchmark].set_index("rewards").loc[labels].reset_index()
        x = [j + i * width for j in range(len(labels))]
        for ax, metric in zip(axes, ["pass@1", "tokens"]):
            ax.bar(x, rows[metric], width, yerr=_errorbars(rows, metric), capsize=3, label=benchmark)
    for ax, ylabel in zip(axes, ["Pass@1 (%)", "mean output tokens"]):
        ax.set_xticks(
            [j + width * (len(benchmarks) - 1) / 2 for j in range(len(labels))], labels, rotation=15, fontsize=8
        )
        ax.set_ylabel(ylabel)
        ax.grid(alpha=0.3, axis="y")
    axes[0].legend(fontsize=8)
    axes[0].set_ylim(bottom=max(0, table["pass@1_lo"].min() - 10))
    fig.suptitle("Reward ablation (paper F2), GRPO after SFT; bars: 95% CIs")
    fig.savefig(out_png, dpi=120)
    plt.close(fig)


def plot_per_problem(changes: pd.DataFrame, out_png: Path) -> None:
    """Paper F3: per-problem change in Pass@1 against change in mean tokens, coloured by the base Pass@1."""
    fig, axes = _benchmark_axes(changes)
    for benchmark, ax in axes.items():
        rows = changes[changes["benchmark"] == benchmark]
        points = ax.scatter(
            rows["delta_tokens"],
            rows["delta_pass1"],
            c=rows["pass1_base"],
            cmap="viridis",
            vmin=0,
            vmax=100,
            s=12,
            alpha=0.7,
        )
        ax.axhline(0, color="grey", linewidth=0.8)
        ax.axvline(0, color="grey", linewidth=0.8)
        ax.set(title=benchmark, xlabel="change in mean output tokens", ylabel="change in Pass@1 (points)")
    fig.colorbar(points, ax=list(axes.values()), label="Pass@1 of the original model (%)")
    fig.suptitle("Per-problem change from the original model to SFT + GRPO (paper F3)")
    fig.savefig(out_png, dpi=120)
    plt.close(fig)


def plot_grpo_curves(curves: dict[str, pd.DataFrame], out_png: Path) -> None:
    """Paper F4: each reward, the total reward and completion length against the GRPO step, per arm."""
    fig, axes = plt.subplots(1, 3, figsize=(15, 4), constrained_layout=True)
    for arm, curve in curves.items():
        axes[0].plot(curve["step"], curve["reward"], label=arm)
        line = axes[1].plot(curve["step"], curve["completions/mean_length"], label=arm)[0]
        axes[1].fill_between(
            curve["step"],
            curve["completions/min_length"],
            curve["completions/max_length"],
            color=line.get_color(),
            alpha=0.1,
        )
        for column in sorted(c for c in curve.columns if c.startswith("rewards/") and c.endswith("/mean")):
            axes[2].plot(curve["step"], curve[column], label=f"{arm}: {column.split('/')[1]}")
    axes[0].set(xlabel="GRPO step", ylabel="total reward", title="Total reward")
    axes[1].set(xlabel="GRPO step", ylabel="completion tokens", title="Completion length (mean; band: min to max)")
    axes[2].set(xlabel="GRPO step", ylabel="reward", title="Each reward (mean)")
    for ax in axes:
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=7)
    axes[2].legend(fontsize=6, ncol=2)
    fig.suptitle("GRPO training curves (paper F4)")
    fig.savefig(out_png, dpi=120)
    plt.close(fig)
