"""Tests for the paper's tables in fastmath_r1.tables (T1 stages, T3 budget sweep, F2 reward ablation,
F3 per-problem changes, T5 AIMO protocol), each computed from small hand-made metrics or grades."""

from __future__ import annotations

import pandas as pd
import pytest

from fastmath_r1.tables import (
    aimo_markdown,
    aimo_table,
    at_budget,
    budget_sweep_table,
    per_problem,
    per_problem_changes,
    read_metrics,
    reward_ablation_table,
    size_table,
    stage_table,
    wide_markdown,
)

HEADER = "model,benchmark,budget,n_problems,n_samples,pass@1,pass@1_lo,pass@1_hi,tokens,tokens_lo,tokens_hi"
A24, A25 = "aime24-mini", "aime25-mini"
TABLE_COLUMNS = ["benchmark", "budget", "pass@1", "pass@1_lo", "pass@1_hi", "tokens", "tokens_lo", "tokens_hi"]

# Hand-written metrics: (model, benchmark, budget, pass@1, tokens). Every value is distinct, so a row
# picked from the wrong model, benchmark or budget shows. CIs are pass@1 -+ 2 and tokens -+ 20.
# Written out of order and split over two files (one per benchmark) like the evaluation step does.
METRICS_A24 = [
    ("grpo-recipe", A24, 128, 40.5, 510.0),
    ("original", A24, 64, 5.0, 64.0),
    ("sft-e10", A24, 128, 41.0, 700.0),
    ("grpo-rl-only", A24, 64, 8.0, 60.0),
    ("original", A24, 128, 20.0, 900.0),
    ("grpo-cosine", A24, 128, 39.0, 560.0),
    ("grpo-rl-only", A24, 128, 17.5, 650.0),
    ("grpo-accuracy", A24, 128, 37.0, 620.0),
    ("sft-e10", A24, 64, 12.0, 63.0),
    ("grpo-accuracy-length", A24, 128, 36.0, 480.0),
    ("grpo-recipe", A24, 64, 15.0, 55.0),
    ("grpo-cosine", A24, 64, 14.0, 58.0),
    ("grpo-accuracy", A24, 64, 13.0, 59.0),
    ("grpo-accuracy-length", A24, 64, 13.5, 50.0),
]
METRICS_A25 = [
    ("original", A25, 128, 10.0, 950.0),
    ("sft-e10", A25, 128, 30.0, 720.0),
    ("grpo-recipe", A25, 128, 29.5, 530.0),
    ("grpo-rl-only", A25, 128, 7.5, 680.0),
    ("grpo-cosine", A25, 128, 28.0, 590.0),
    ("grpo-accuracy", A25, 128, 26.0, 640.0),
    ("grpo-accuracy-length", A25, 128, 25.0, 470.0),
    ("grpo-accuracy-length", A25, 64, 3.5, 49.0),
    ("grpo-accuracy", A25, 64, 3.0, 57.0),
    ("grpo-cosine", A25, 64, 4.0, 56.0),
    ("grpo-recipe", A25, 64, 4.5, 52.0),
    ("grpo-rl-only", A25, 64, 1.0, 61.0),
    ("sft-e10", A25, 64, 2.5, 62.0),
    ("original", A25, 64, 0.5, 64.0),
]
ALL = {(m, b, budget): (p, t) for m, b, budget, p, t in METRICS_A24 + METRICS_A25}

STAGES = {  # the paper's T1 order, deliberately not alphabetical
    "original": "DeepSeek-R1-Distill (original)",
    "grpo-rl-only": "original + GRPO only",
    "sft-e10": "+ SFT 10 epochs",
    "grpo-recipe": "+ SFT + GRPO",
}
ARMS = {
    "grpo-recipe": ["format", "cosine", "length"],
    "grpo-cosine": ["format", "cosine"],
    "grpo-accuracy": ["format", "accuracy"],
    "grpo-accuracy-length": ["format", "accuracy", "length"],
}


def write_metrics(path, rows):
    lines = [HEADER] + [
        f"{m},{b},{budget},30,4,{p},{p - 2},{p + 2},{t},{t - 20},{t + 20}" for m, b, budget, p, t in rows
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def files(tmp_path):
    return [write_metrics(tmp_path / "a24.csv", METRICS_A24), write_metrics(tmp_path / "a25.csv", METRICS_A25)]


def expected_rows(keys):
    """The table columns (benchmark ... tokens_hi) for (model, benchmark, budget) keys, from ALL."""
    return [
        [
            b,
            budget,
            ALL[m, b, budget][0],
            ALL[m, b, budget][0] - 2,
            ALL[m, b, budget][0] + 2,
            ALL[m, b, budget][1],
            ALL[m, b, budget][1] - 20,
            ALL[m, b, budget][1] + 20,
        ]
        for m, b, budget in keys
    ]


# --- read_metrics / at_budget -------------------------------------------------------------------------


def test_read_metrics_concatenates_files(files):
    metrics = read_metrics(files)
    assert len(metrics) == 28 and list(metrics.index) == list(range(28))
    assert list(metrics.columns) == HEADER.split(",")


def test_at_budget_names_the_model_lacking_the_budget(files, tmp_path):
    metrics = read_metrics(files)
    assert len(at_budget(metrics, 64)) == 14
    with pytest.raises(ValueError, match="at budget 96"):
        at_budget(metrics, 96)
    extra = read_metrics(files + [write_metrics(tmp_path / "x.csv", [("sft-e5", A24, 64, 1.0, 2.0)])])
    with pytest.raises(ValueError, match="sft-e5/aime24-mini"):
        at_budget(extra, 128)


# --- T1: stage_table ----------------------------------------------------------------------------------


def test_stage_table_picks_the_stage_models_at_the_budget_in_stage_order(files):
    table = stage_table(files, 128, STAGES)
    assert list(table.columns) == ["model", "stage"] + TABLE_COLUMNS
    # Benchmarks sorted; within each, the stages dict's order (original, rl-only, sft, recipe).
    order = list(STAGES)
    assert list(table["model"]) == order + order
    assert list(table["stage"]) == list(STAGES.values()) * 2
    assert list(table["benchmark"]) == [A24] * 4 + [A25] * 4
    keys = [(m, b, 128) for b in (A24, A25) for m in order]
    assert table[TABLE_COLUMNS].values.tolist() == expected_rows(keys)
    # e.g. the recipe on aime25-mini at 128 tokens: 29.5 [27.5, 31.5] and 530 [510, 550] tokens.
    recipe = table[(table["model"] == "grpo-recipe") & (table["benchmark"] == A25)].iloc[0]
    assert (recipe["pass@1"], recipe["pass@1_lo"], recipe["pass@1_hi"]) == (29.5, 27.5, 31.5)
    assert (recipe["tokens"], recipe["tokens_lo"], recipe["tokens_hi"]) == (530.0, 510.0, 550.0)


def test_stage_table_other_budget_and_other_order(files):
    stages = {"grpo-recipe": "R", "original": "O", "sft-e10": "S", "grpo-rl-only": "G"}
    table = stage_table(files, 64, stages)
    assert list(table["model"]) == list(stages) * 2
    assert list(table["stage"]) == ["R", "O", "S", "G"] * 2
    assert set(table["budget"]) == {64}
    # original at 64 tokens: 5.0 on aime24-mini, 0.5 on aime25-mini.
    assert table.loc[table["model"] == "original", "pass@1"].tolist() == [5.0, 0.5]


def test_stage_table_raises_naming_a_missing_stage_model(files):
    with pytest.raises(ValueError, match="sft-e5"):
        stage_table(files, 128, {**STAGES, "sft-e5": "+ SFT 5 epochs"})


def test_stage_table_wide_markdown_keeps_stage_order(files):
    md = wide_markdown(stage_table(files, 128, STAGES), ["model", "stage"], ["pass@1", "tokens"])
    lines = md.splitlines()
    header = [c.strip() for c in lines[0].strip("|").split("|")]
    assert header == ["model", "stage", f"{A24} pass@1", f"{A24} tokens", f"{A25} pass@1", f"{A25} tokens"]
    body = lines[2:]
    assert [line.strip("|").split("|")[0].strip() for line in body] == list(STAGES)
    # grpo-rl-only: 17.5 [15.5, 19.5] and 650 [630, 670] on aime24; 7.5 [5.5, 9.5] and 680 [660, 700] on aime25.
    cells = [c.strip() for c in body[1].strip("|").split("|")]
    assert cells == [
        "grpo-rl-only",
        "original + GRPO only",
        "17.5 [15.5, 19.5]",
        "650 [630, 670]",
        "7.5 [5.5, 9.5]",
        "680 [660, 700]",
    ]


# --- T1 by model size: size_table and the sizes command -------------------------------------------------------


def test_size_table_is_each_size_s_stage_table_in_size_order(files, tmp_path):
    smaller = [(m, b, budget, p / 2, t) for m, b, budget, p, t in METRICS_A24 + METRICS_A25]
    small_files = [write_metrics(tmp_path / "small.csv", smaller)]
    stages = {m: STAGES[m] for m in ("original", "sft-e10", "grpo-recipe")}
    table = size_table({"1.5B": small_files, "14B": files}, 128, stages)
    assert list(table.columns) == ["size", "model", "stage"] + TABLE_COLUMNS
    assert list(table["size"]) == ["1.5B"] * 6 + ["14B"] * 6
    assert list(table["model"]) == list(stages) * 4
    large = table[table["size"] == "14B"].drop(columns="size").reset_index(drop=True)
    assert large.equals(stage_table(files, 128, stages))
    small = table[table["size"] == "1.5B"]
    assert small["pass@1"].tolist() == [ALL[m, b, 128][0] / 2 for b in (A24, A25) for m in stages]


def test_the_sizes_command_writes_the_table_and_the_figure(files, tmp_path):
    from fastmath_r1 import cli

    stages = '[["original", "original"], ["sft-e10", "+ SFT"], ["grpo-recipe", "+ SFT + GRPO"]]'
    out = {ext: tmp_path / f"sizes.{ext}" for ext in ("csv", "md", "png")}
    metrics = [f"{size}={f}" for size in ("1.5B", "7B") for f in files]
    cli.main(["sizes", "--metrics", *metrics, "--stages", stages, "--budget", "128",
              *(x for ext, path in out.items() for x in (f"--out-{ext}", str(path)))])  # fmt: skip
    assert pd.read_csv(out["csv"])["size"].tolist() == ["1.5B"] * 6 + ["7B"] * 6
    md = out["md"].read_text()
    assert md.startswith("# Recipe stages by model size (paper T1)") and "| 7B     | + SFT + GRPO |" in md
    assert out["png"].stat().st_size > 10_000


# --- T3: budget_sweep_table ---------------------------------------------------------------------------


def test_budget_sweep_keeps_every_budget_of_the_requested_models_in_order(files):
    models = ["original", "sft-e10", "grpo-recipe"]
    table = budget_sweep_table(files, models)
    assert list(table.columns) == ["model"] + TABLE_COLUMNS
    # model in the requested order, then benchmark, then budget ascending: 3 x 2 x 2 rows.
    keys = [(m, b, budget) for m in models for b in (A24, A25) for budget in (64, 128)]
    assert list(zip(table["model"], table["benchmark"], table["budget"])) == keys
    assert table[TABLE_COLUMNS].values.tolist() == expected_rows(keys)
    # sft-e10 on aime24-mini: 12.0 at 64 tokens, 41.0 at 128.
    assert table.loc[(table["model"] == "sft-e10") & (table["benchmark"] == A24), "pass@1"].tolist() == [12.0, 41.0]


def test_budget_sweep_reversed_model_order(files):
    table = budget_sweep_table(files, ["grpo-recipe", "original"])
    assert list(table["model"]) == ["grpo-recipe"] * 4 + ["original"] * 4
    assert set(table["model"]) == {"grpo-recipe", "original"}


# --- F2: reward_ablation_table ------------------------------------------------------------------------


def test_reward_ablation_labels_rewards_and_picks_the_budget(files):
    table = reward_ablation_table(files, 128, ARMS)
    assert list(table.columns) == ["model", "rewards"] + TABLE_COLUMNS
    assert len(table) == 8 and set(table["budget"]) == {128}
    labels = dict(zip(table["model"], table["rewards"]))
    assert labels == {
        "grpo-recipe": "format + cosine + length",
        "grpo-cosine": "format + cosine",
        "grpo-accuracy": "format + accuracy",
        "grpo-accuracy-length": "format + accuracy + length",
    }
    # Sorted by benchmark, then model name.
    models = sorted(ARMS)
    keys = [(m, b, 128) for b in (A24, A25) for m in models]
    assert list(zip(table["model"], table["benchmark"])) == [(m, b) for m, b, _ in keys]
    assert table[TABLE_COLUMNS].values.tolist() == expected_rows(keys)
    # The length reward on top of accuracy on aime24-mini: 480 tokens against 620 without it.
    a24 = table[table["benchmark"] == A24].set_index("model")["tokens"]
    assert (a24["grpo-accuracy-length"], a24["grpo-accuracy"]) == (480.0, 620.0)


# --- F3: per_problem / per_problem_changes ------------------------------------------------------------


def grades_frame(rows, model="m", benchmark=A24):
    """rows: (problem_id, sample_index, answer, correct, n_tokens, budget)."""
    return pd.DataFrame(
        [
            {
                "model": model,
                "benchmark": benchmark,
                "problem_id": p,
                "sample_index": s,
                "answer": a,
                "correct": c,
                "n_tokens": n,
                "budget": b,
            }
            for p, s, a, c, n, b in rows
        ]
    )


# Base model, 4 samples per problem at budget 128, plus a budget-64 copy that must be ignored.
BASE_128 = [
    # p1: 1 of 4 correct -> 25%, tokens (100+120+140+160)/4 = 130
    ("p1", 0, "3", True, 100, 128),
    ("p1", 1, "4", False, 120, 128),
    ("p1", 2, None, False, 140, 128),
    ("p1", 3, "5", False, 160, 128),
    # p2: 4 of 4 -> 100%, tokens 50
    ("p2", 0, "7", True, 50, 128),
    ("p2", 1, "7", True, 50, 128),
    ("p2", 2, "7", True, 50, 128),
    ("p2", 3, "7", True, 50, 128),
    # p3: 0 of 4 -> 0%, tokens (128*4)/4 = 128
    ("p3", 0, None, False, 128, 128),
    ("p3", 1, None, False, 128, 128),
    ("p3", 2, "1", False, 128, 128),
    ("p3", 3, "2", False, 128, 128),
]
FINAL_128 = [
    # p1: 3 of 4 -> 75%, tokens (60+80+70+90)/4 = 75
    ("p1", 0, "3", True, 60, 128),
    ("p1", 1, "3", True, 80, 128),
    ("p1", 2, "3", True, 70, 128),
    ("p1", 3, "9", False, 90, 128),
    # p2: 2 of 4 -> 50%, tokens (30+40+50+60)/4 = 45
    ("p2", 0, "7", True, 30, 128),
    ("p2", 1, "8", False, 40, 128),
    ("p2", 2, "7", True, 50, 128),
    ("p2", 3, "1", False, 60, 128),
    # p3: 1 of 4 -> 25%, tokens 100
    ("p3", 0, "4", True, 100, 128),
    ("p3", 1, None, False, 100, 128),
    ("p3", 2, None, False, 100, 128),
    ("p3", 3, "2", False, 100, 128),
]


def at_64(rows):
    """The same samples truncated at 64 tokens: all wrong, 64 tokens (must not leak into budget 128)."""
    return [(p, s, None, False, 64, 64) for p, s, *_ in rows]


def test_per_problem_pass1_percent_and_mean_tokens_at_one_budget():
    grades = grades_frame(BASE_128 + at_64(BASE_128))
    table = per_problem(grades, 128)
    assert list(table.columns) == ["benchmark", "problem_id", "pass1", "tokens"]
    assert table["problem_id"].tolist() == ["p1", "p2", "p3"]
    assert table["pass1"].tolist() == [25.0, 100.0, 0.0]
    assert table["tokens"].tolist() == [130.0, 50.0, 128.0]
    at64 = per_problem(grades, 64)
    assert at64["pass1"].tolist() == [0.0, 0.0, 0.0] and at64["tokens"].tolist() == [64.0] * 3


def test_per_problem_keeps_benchmarks_apart():
    grades = pd.concat([grades_frame(BASE_128, benchmark=A24), grades_frame(FINAL_128, benchmark=A25)])
    table = per_problem(grades, 128)
    assert list(zip(table["benchmark"], table["problem_id"])) == [
        (A24, "p1"),
        (A24, "p2"),
        (A24, "p3"),
        (A25, "p1"),
        (A25, "p2"),
        (A25, "p3"),
    ]
    assert table["pass1"].tolist() == [25.0, 100.0, 0.0, 75.0, 50.0, 25.0]


def test_per_problem_changes_gives_the_deltas():
    base = grades_frame(BASE_128 + at_64(BASE_128), model="original")
    final = grades_frame(FINAL_128 + at_64(FINAL_128), model="grpo-recipe")
    changes = per_problem_changes(base, final, 128).set_index("problem_id")
    # p1: 25 -> 75 (+50), 130 -> 75 tokens (-55); p2: 100 -> 50 (-50), 50 -> 45 (-5);
    # p3: 0 -> 25 (+25), 128 -> 100 (-28)
    assert changes.loc[["p1", "p2", "p3"], "pass1_base"].tolist() == [25.0, 100.0, 0.0]
    assert changes.loc[["p1", "p2", "p3"], "pass1_final"].tolist() == [75.0, 50.0, 25.0]
    assert changes.loc[["p1", "p2", "p3"], "delta_pass1"].tolist() == [50.0, -50.0, 25.0]
    assert changes.loc[["p1", "p2", "p3"], "tokens_base"].tolist() == [130.0, 50.0, 128.0]
    assert changes.loc[["p1", "p2", "p3"], "tokens_final"].tolist() == [75.0, 45.0, 100.0]
    assert changes.loc[["p1", "p2", "p3"], "delta_tokens"].tolist() == [-55.0, -5.0, -28.0]


def test_per_problem_changes_pairs_only_shared_problems():
    final = [r for r in FINAL_128 if r[0] != "p2"]
    changes = per_problem_changes(grades_frame(BASE_128), grades_frame(final), 128)
    assert changes["problem_id"].tolist() == ["p1", "p3"]
    assert changes["delta_pass1"].tolist() == [50.0, 25.0]


# --- T5: aimo_table -----------------------------------------------------------------------------------

# Gold answers: a1 7, a2 12, a3 500, a4 1 (the `correct` flags below follow them).
# model "m", budget 100, 4 samples per problem; rows deliberately not in sample order.
AIMO_M_100 = [
    # a1: answers 7, 7, 3, None -> majority 7 (right); one right sample -> pass; 3 answers
    ("a1", 2, "3", False, 30, 100),
    ("a1", 0, "7", True, 10, 100),
    ("a1", 3, None, False, 100, 100),
    ("a1", 1, "7", True, 20, 100),
    # a2: answers 5, 5, 12, None -> majority 5 (wrong) though sample 2 is right -> maj 0, pass 1; 3 answers
    ("a2", 0, "5", False, 40, 100),
    ("a2", 1, "5", False, 40, 100),
    ("a2", 2, "12", True, 40, 100),
    ("a2", 3, None, False, 100, 100),
    # a3: in sample order 500, 499, 499, 500: a 2-2 tie that goes to the first in sample order, 500 (right);
    #     in row order the first answer is 499, so only sorting by sample_index gets this right. 4 answers
    ("a3", 1, "499", False, 50, 100),
    ("a3", 2, "499", False, 50, 100),
    ("a3", 0, "500", True, 50, 100),
    ("a3", 3, "500", True, 50, 100),
    # a4: no answer at all -> majority None (wrong), no right sample -> pass 0; 0 answers
    ("a4", 0, None, False, 100, 100),
    ("a4", 1, None, False, 100, 100),
    ("a4", 2, None, False, 100, 100),
    ("a4", 3, None, False, 100, 100),
]
# maj@4 = (1 + 0 + 1 + 0) / 4 = 0.5; pass@4 = (1 + 1 + 1 + 0) / 4 = 0.75
# answers collected = (3 + 3 + 4 + 0) / 4 = 2.5
# mean length = (10+20+30+100 + 40*3+100 + 50*4 + 100*4) / 16 = (160 + 220 + 200 + 400) / 16 = 980 / 16 = 61.25

# Same model at budget 50: the truncation loses answers.
AIMO_M_50 = [
    # a1: 7, None, None, None -> majority 7 (right), pass 1, 1 answer
    ("a1", 0, "7", True, 10, 50),
    ("a1", 1, None, False, 50, 50),
    ("a1", 2, None, False, 50, 50),
    ("a1", 3, None, False, 50, 50),
    # a2: None, None, 12, 5 -> 1-1 tie, first in sample order is 12 (right), pass 1, 2 answers
    ("a2", 3, "5", False, 40, 50),
    ("a2", 2, "12", True, 40, 50),
    ("a2", 1, None, False, 50, 50),
    ("a2", 0, None, False, 50, 50),
    # a3: all None -> 0, 0, 0 answers
    ("a3", 0, None, False, 50, 50),
    ("a3", 1, None, False, 50, 50),
    ("a3", 2, None, False, 50, 50),
    ("a3", 3, None, False, 50, 50),
    # a4: 1, 2, 2, 1 -> tie, first in sample order is 1 (right), pass 1, 4 answers
    ("a4", 0, "1", True, 20, 50),
    ("a4", 1, "2", False, 20, 50),
    ("a4", 2, "2", False, 20, 50),
    ("a4", 3, "1", True, 20, 50),
]
# maj@4 = (1 + 1 + 0 + 1) / 4 = 0.75; pass@4 = 3 / 4 = 0.75; answers = (1 + 2 + 0 + 4) / 4 = 1.75
# mean length = (10+150 + 80+100 + 200 + 80) / 16 = 620 / 16 = 38.75

# Another model, 2 samples per problem at budget 100: only 2 problems.
AIMO_N_100 = [
    # a1: 7, 7 -> maj 1, pass 1, 2 answers ; a2: 12, 13 -> tie to 12 (right), pass 1, 2 answers
    ("a1", 0, "7", True, 8, 100),
    ("a1", 1, "7", True, 12, 100),
    ("a2", 1, "13", False, 30, 100),
    ("a2", 0, "12", True, 10, 100),
]
# maj@2 = 1.0, pass@2 = 1.0, answers 2.0, mean length (8+12+30+10)/4 = 15


def aimo_grades():
    return pd.concat(
        [
            grades_frame(AIMO_M_100, model="m", benchmark="aimo"),
            grades_frame(AIMO_M_50, model="m", benchmark="aimo"),
            grades_frame(AIMO_N_100, model="n", benchmark="aimo"),
        ],
        ignore_index=True,
    )


def test_aimo_table_maj_pass_answers_and_length_per_model_and_budget():
    table = aimo_table(aimo_grades(), 200, 0)
    assert len(table) == 3
    rows = {(r["model"], r["budget"]): r for _, r in table.iterrows()}
    assert set(rows) == {("m", 100), ("m", 50), ("n", 100)}

    m100 = rows["m", 100]
    assert m100["n_samples"] == 4
    assert m100["maj@4"] == pytest.approx(50.0)
    assert m100["pass@4"] == pytest.approx(75.0)
    assert m100["answers_collected"] == pytest.approx(2.5)
    assert m100["tokens"] == pytest.approx(61.25)

    m50 = rows["m", 50]
    assert m50["n_samples"] == 4
    assert m50["maj@4"] == pytest.approx(75.0)
    assert m50["pass@4"] == pytest.approx(75.0)
    assert m50["answers_collected"] == pytest.approx(1.75)
    assert m50["tokens"] == pytest.approx(38.75)

    n100 = rows["n", 100]
    assert n100["n_samples"] == 2
    assert n100["maj@2"] == pytest.approx(100.0)
    assert n100["pass@2"] == pytest.approx(100.0)
    assert n100["answers_collected"] == pytest.approx(2.0)
    assert n100["tokens"] == pytest.approx(15.0)


def test_aimo_table_has_bootstrap_cis_around_every_value():
    table = aimo_table(aimo_grades(), 200, 0)
    m100 = table[(table["model"] == "m") & (table["budget"] == 100)].iloc[0]
    for metric in ("maj@4", "pass@4", "answers_collected", "tokens", "pass@1"):
        assert m100[f"{metric}_lo"] <= m100[metric] <= m100[f"{metric}_hi"], metric
    # 4 problems with maj 1, 0, 1, 0: resamples range over 0..100, so the CI is wide.
    assert m100["maj@4_lo"] < 50.0 < m100["maj@4_hi"]
    md = aimo_markdown(table, 1000)
    assert md.startswith("# AIMO-2 local-validation protocol (paper T5)\n\nAnswers taken modulo 1000;")
    assert f"| m       |      100 |             4 | 50.0 [{m100['maj@4_lo']:.1f}, {m100['maj@4_hi']:.1f}]" in md


def test_aimo_table_majority_wrong_while_one_sample_right():
    # a2 alone at budget 100: majority 5 is wrong, sample 2 says 12 and is right.
    only_a2 = grades_frame([r for r in AIMO_M_100 if r[0] == "a2"], model="m", benchmark="aimo")
    row = aimo_table(only_a2, 50, 0).iloc[0]
    assert row["maj@4"] == 0.0 and row["pass@4"] == 100.0
    assert row["answers_collected"] == 3.0 and row["tokens"] == 55.0  # (40*3 + 100) / 4


def test_aimo_table_tie_follows_sample_order_not_row_order():
    # a3 alone: in sample order 500, 499, 499, 500 -> 500 (gold) wins the tie, whatever the row order.
    only_a3 = grades_frame([r for r in AIMO_M_100 if r[0] == "a3"], model="m", benchmark="aimo")
    assert aimo_table(only_a3, 50, 0).iloc[0]["maj@4"] == 100.0
    assert aimo_table(only_a3.iloc[::-1], 50, 0).iloc[0]["maj@4"] == 100.0
    # Renumbered so that 499 comes first: 499 wins the tie, which is wrong.
    flipped = only_a3.assign(sample_index=only_a3["sample_index"].map({0: 1, 1: 0, 2: 2, 3: 3}))
    assert aimo_table(flipped, 50, 0).iloc[0]["maj@4"] == 0.0


def test_aimo_table_no_answers_at_all():
    only_a4 = grades_frame([r for r in AIMO_M_100 if r[0] == "a4"], model="m", benchmark="aimo")
    row = aimo_table(only_a4, 50, 0).iloc[0]
    assert (row["maj@4"], row["pass@4"], row["answers_collected"], row["tokens"]) == (0.0, 0.0, 0.0, 100.0)
