"""paper/reported.csv: the reported numbers of paper-numbers.md as tidy long-format data."""

import re
from pathlib import Path

import pandas as pd
import pytest
from conftest import shared_path

ROOT = Path(__file__).resolve().parents[1]
CSV = ROOT / "paper" / "reported.csv"


@pytest.fixture(scope="module")
def reported() -> pd.DataFrame:
    return pd.read_csv(CSV, dtype={"budget": "Int64"})


def value(df, obj, model, benchmark, metric, budget=None) -> float:
    rows = df[(df.object == obj) & (df.model == model) & (df.benchmark == benchmark) & (df.metric == metric)]
    rows = rows[rows.budget.isna()] if budget is None else rows[rows.budget == budget]
    assert len(rows) == 1, (obj, model, benchmark, metric, budget)
    return float(rows.value.iloc[0])


def test_columns_and_vocabulary(reported):
    assert list(reported.columns) == ["object", "model", "benchmark", "budget", "metric", "value", "source"]
    assert set(reported.object) == {"T1", "T2", "T3", "T4", "T5", "T6"}
    assert set(reported.benchmark) <= {
        "aime24",
        "aime25",
        "math500",
        "aimo2-local",
        "aimo2-public-lb",
        "aimo2-private-lb",
    }
    assert set(reported.metric) <= {
        "pass@1",
        "tokens",
        "maj@32",
        "pass@32",
        "answers_collected",
        "mean_length",
        "public_lb",
        "score",
        "rank",
        "teams",
    }
    assert set(reported.source) <= {
        "paper table",
        "paper text",
        "code README",
        "earlier README",
        "write-up",
        "secondary summary",
    }
    assert reported.value.notna().all() and reported.model.notna().all()
    key = ["object", "model", "benchmark", "budget", "metric"]
    assert not reported.duplicated(key).any()


def test_row_counts(reported):
    counts = reported.object.value_counts().to_dict()
    assert counts == {
        "T1": 4 * 4,  # 4 models x (AIME24, AIME25) x (pass@1, tokens)
        "T2": 3 * 2,  # 3 models x (pass@1, tokens)
        "T3": 6 * 5 * 4,  # 6 models x 5 budgets x 4
        "T4": 4 * 3 * 4,  # 4 models x 3 budgets x 4
        "T5": 8 * 4 + 3,  # 8 (model, budget) rows x 4 local metrics + 3 public LB scores
        "T6": 4,  # public 29, private 28, rank 9, 2212 teams
    }
    assert len(reported) == 229


def test_selected_values(reported):
    df = reported
    assert value(df, "T1", "DeepSeek-R1-Distill-Qwen-14B (original)", "aime24", "pass@1", 16384) == 63.3
    assert value(df, "T1", "+ SFT + GRPO (Fast-Math-R1-14B)", "aime25", "tokens", 16384) == 9066
    assert value(df, "T2", "+ SFT + GRPO", "math500", "pass@1") == 91.2
    assert value(df, "T3", "Fast-Math-R1-14B", "aime25", "tokens", 8000) == 6174
    # T3 blank model cells inherit the model above.
    assert value(df, "T3", "Qwen3-14B", "aime24", "pass@1", 8000) == 28.4
    assert value(df, "T4", "Fast-Math-R1-14B-SFT Only", "aime24", "tokens", 12800) == 9180
    assert value(df, "T5", "SFT + GRPO", "aimo2-local", "maj@32", 9000) == 0.625
    assert value(df, "T5", "SFT", "aimo2-public-lb", "public_lb", 16384) == 23
    assert value(df, "T6", "final submission", "aimo2-private-lb", "score") == 28
    sources = df.groupby("object").source.unique().map(sorted).to_dict()
    assert sources["T1"] == ["paper table", "secondary summary"]
    assert df[(df.object == "T1") & (df.source == "secondary summary")].model.unique().tolist() == [
        "original + GRPO only"
    ]
    assert sources["T3"] == ["code README"] and sources["T5"] == ["write-up"]
    assert df[df.object.isin(["T2", "T6"])].budget.isna().all()
    assert set(df[df.object == "T3"].budget) == {8000, 12000, 16000, 24000, 32000}


def test_every_table_cell_matches_the_markdown(reported):
    """Each numeric cell of the md tables T1-T5, in order, equals the CSV's values in file order."""
    md = shared_path("reference/paper-numbers.md").read_text()
    for obj in ["T1", "T2", "T3", "T4", "T5"]:
        section = re.search(rf"^## {obj}\..*?(?=^## )", md, flags=re.M | re.S).group(0)
        lines = [line for line in section.splitlines() if line.startswith("|")][2:]
        expected = []
        for line in lines:
            cells = [c.strip() for c in line.strip("|").split("|")]
            first_number = 1 if obj in ("T1", "T2") else 2  # skip model (and budget)
            expected += [float(c) for c in cells[first_number:] if c]
        got = reported[reported.object == obj].value.astype(float).tolist()
        assert got == expected, obj
