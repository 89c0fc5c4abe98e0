"""Tests for fastmath_r1.tables: the SFT-epoch table (paper F1) from hand-written metrics files."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from fastmath_r1.names import sft_epochs_of, sft_model
from fastmath_r1.tables import sft_epoch_table, wide_markdown, write_table

HEADER = "model,benchmark,budget,n_problems,n_samples,pass@1,pass@1_lo,pass@1_hi,tokens,tokens_lo,tokens_hi"
COLUMNS = [
    "model",
    "sft_epochs",
    "benchmark",
    "budget",
    "n_problems",
    "n_samples",
    "pass@1",
    "pass@1_lo",
    "pass@1_hi",
    "tokens",
    "tokens_lo",
    "tokens_hi",
]

# One file per benchmark, rows deliberately out of order. (model, budget, pass@1 lo hi, tokens lo hi)
BENCH_A = [
    ("sft-e10", 128, 62.3, 58.1, 66.0, 812.0, 790.0, 835.0),
    ("original", 64, 10.0, 8.0, 12.0, 64.0, 64.0, 64.0),
    ("sft-e1", 128, 40.5, 36.2, 44.8, 950.4, 921.6, 980.2),
    ("sft-e10", 64, 30.0, 26.0, 34.0, 60.0, 58.0, 62.0),
    ("original", 128, 20.25, 17.0, 23.5, 1001.0, 990.0, 1012.0),
    ("sft-e1", 64, 15.0, 12.0, 18.0, 63.0, 62.0, 64.0),
]
BENCH_B = [
    ("original", 128, 11.1, 9.9, 12.3, 1020.0, 1000.0, 1040.0),
    ("sft-e1", 64, 7.0, 5.0, 9.0, 63.5, 63.0, 64.0),
    ("sft-e10", 128, 33.3, 29.9, 36.7, 700.0, 680.0, 720.0),
    ("sft-e1", 128, 22.2, 19.8, 24.6, 880.0, 860.0, 900.0),
    ("original", 64, 3.0, 2.0, 4.0, 64.0, 64.0, 64.0),
    ("sft-e10", 64, 9.0, 7.0, 11.0, 58.0, 56.0, 60.0),
]


def write_metrics(path, benchmark, rows, n_problems=40, n_samples=2):
    lines = [HEADER] + [
        f"{model},{benchmark},{budget},{n_problems},{n_samples},{p},{plo},{phi},{t},{tlo},{thi}"
        for model, budget, p, plo, phi, t, tlo, thi in rows
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def metric_files(tmp_path):
    return [
        write_metrics(tmp_path / "bench-b.csv", "bench-b", BENCH_B, n_problems=30),
        write_metrics(tmp_path / "bench-a.csv", "bench-a", BENCH_A),
    ]


# --- sft_epochs_of ----------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "epochs"), [("original", 0), ("sft-e1", 1), ("sft-e10", 10), ("sft-e250", 250)])
def test_sft_epochs_of_known_names(name, epochs):
    assert sft_epochs_of(name) == epochs


@pytest.mark.parametrize("name", ["Original", "sft-e", "sft-ex", "sft-e10-grpo", "grpo", "xsft-e1", "sft-e1 ", ""])
def test_sft_epochs_of_rejects_unknown_names(name):
    with pytest.raises(ValueError, match=re.escape(repr(name))):
        sft_epochs_of(name)


def test_sft_model_round_trips():
    assert all(sft_epochs_of(sft_model(e)) == e for e in (1, 2, 5, 10))


# --- sft_epoch_table --------------------------------------------------------------------------


def test_sft_epoch_table_keeps_the_budget_maps_epochs_and_sorts(metric_files):
    table = sft_epoch_table(metric_files, 128)
    assert list(table.columns) == COLUMNS
    assert (table["budget"] == 128).all()
    assert list(zip(table["benchmark"], table["model"], table["sft_epochs"])) == [
        ("bench-a", "original", 0),
        ("bench-a", "sft-e1", 1),
        ("bench-a", "sft-e10", 10),
        ("bench-b", "original", 0),
        ("bench-b", "sft-e1", 1),
        ("bench-b", "sft-e10", 10),
    ]
    assert table.index.tolist() == list(range(6))
    row = table[(table["benchmark"] == "bench-a") & (table["model"] == "sft-e10")].iloc[0]
    assert (row["pass@1"], row["pass@1_lo"], row["pass@1_hi"]) == (62.3, 58.1, 66.0)
    assert (row["tokens"], row["tokens_lo"], row["tokens_hi"]) == (812.0, 790.0, 835.0)
    assert row["n_problems"] == 40 and row["n_samples"] == 2
    assert set(table.loc[table["benchmark"] == "bench-b", "n_problems"]) == {30}


def test_sft_epoch_table_other_budget(metric_files):
    table = sft_epoch_table(metric_files, 64)
    assert (table["budget"] == 64).all()
    assert table["pass@1"].tolist() == [10.0, 15.0, 30.0, 3.0, 7.0, 9.0]


def test_sft_epoch_table_sorts_epochs_numerically(tmp_path):
    rows = [
        ("sft-e10", 64, 3, 2, 4, 60, 59, 61),
        ("sft-e2", 64, 2, 1, 3, 61, 60, 62),
        ("original", 64, 1, 0, 2, 64, 64, 64),
    ]
    table = sft_epoch_table([write_metrics(tmp_path / "m.csv", "bench", rows)], 64)
    assert table["model"].tolist() == ["original", "sft-e2", "sft-e10"]
    assert table["sft_epochs"].tolist() == [0, 2, 10]


def test_sft_epoch_table_raises_when_a_model_lacks_the_budget(tmp_path):
    files = [
        write_metrics(tmp_path / "a.csv", "bench-a", [r for r in BENCH_A if not (r[0] == "sft-e10" and r[1] == 64)]),
        write_metrics(tmp_path / "b.csv", "bench-b", BENCH_B),
    ]
    with pytest.raises(ValueError, match=r"64.*sft-e10/bench-a"):
        sft_epoch_table(files, 64)
    # The budget every model has still works.
    assert len(sft_epoch_table(files, 128)) == 6


def test_sft_epoch_table_raises_on_a_budget_nobody_has(metric_files):
    with pytest.raises(ValueError, match="256"):
        sft_epoch_table(metric_files, 256)


def test_sft_epoch_table_rejects_an_unknown_model(tmp_path):
    rows = BENCH_A + [("grpo-e1", 64, 1, 0, 2, 50, 49, 51)]
    with pytest.raises(ValueError, match="grpo-e1"):
        sft_epoch_table([write_metrics(tmp_path / "a.csv", "bench-a", rows)], 64)


# --- write_table ------------------------------------------------------------------------------


def test_write_table_csv_equals_the_table(metric_files, tmp_path):
    table = sft_epoch_table(metric_files, 128)
    out_csv, out_md = tmp_path / "f1.csv", tmp_path / "f1.md"
    write_table(table, out_csv, out_md, "SFT epochs", "At 128 tokens.", ["model", "sft_epochs"])
    pd.testing.assert_frame_equal(pd.read_csv(out_csv), table)
    assert list(pd.read_csv(out_csv).columns) == COLUMNS


def test_write_table_markdown_has_every_value_with_its_ci(metric_files, tmp_path):
    table = sft_epoch_table(metric_files, 128)
    out_csv, out_md = tmp_path / "f1.csv", tmp_path / "f1.md"
    write_table(table, out_csv, out_md, "SFT epochs ablation", "At a budget of 128 tokens.", ["model", "sft_epochs"])
    md = out_md.read_text()
    assert md.startswith("# SFT epochs ablation\n\nAt a budget of 128 tokens.\n\n")
    assert "62.3 [58.1, 66.0]" in md
    assert "812 [790, 835]" in md  # tokens: no decimals
    for _, r in table.iterrows():
        assert f"{r['pass@1']:.1f} [{r['pass@1_lo']:.1f}, {r['pass@1_hi']:.1f}]" in md
        assert f"{r['tokens']:.0f} [{r['tokens_lo']:.0f}, {r['tokens_hi']:.0f}]" in md
    # Other budgets stay out.
    assert "30.0 [26.0, 34.0]" not in md
    # One line per model, in epoch order, each carrying its own numbers for both benchmarks.
    body = [line for line in md.splitlines() if line.startswith("|")]
    header = [c.strip() for c in body[0].strip("|").split("|")]
    assert header == ["model", "sft_epochs", "bench-a pass@1", "bench-a tokens", "bench-b pass@1", "bench-b tokens"]
    rows = [[c.strip() for c in line.strip("|").split("|")] for line in body[2:]]
    assert [r[:2] for r in rows] == [["original", "0"], ["sft-e1", "1"], ["sft-e10", "10"]]
    assert rows[2][2:] == ["62.3 [58.1, 66.0]", "812 [790, 835]", "33.3 [29.9, 36.7]", "700 [680, 720]"]


def test_wide_markdown_one_row_per_model(metric_files):
    table = sft_epoch_table(metric_files, 64)
    md = wide_markdown(table, ["model", "sft_epochs"], ["pass@1"])
    lines = md.splitlines()
    assert len(lines) == 2 + 3
    assert "10.0 [8.0, 12.0]" in lines[2] and "3.0 [2.0, 4.0]" in lines[2]
    assert "tokens" not in md
