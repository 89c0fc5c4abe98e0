"""Tests for fastmath_r1.claims: verdicts at their boundaries, the paired bootstrap, and the claims
table and report computed from hand-made grades whose every value is worked out in the comments."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from fastmath_r1.claims import (
    CLAIMS,
    INCONCLUSIVE,
    KEEP_MARGIN,
    MIDDLE_DIFFICULTY,
    NOT_REPRODUCED,
    REPRODUCED,
    claims_table,
    computable,
    difference,
    of_means,
    read_claims_table,
    relative_change,
    seeds_table,
    size_claims_table,
    verdict,
    write_front_page,
    write_report,
    write_seeds_report,
)
from fastmath_r1.errors import InputError
from fastmath_r1.metrics import bootstrap

# --- verdict ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "lo, hi, expect, result",
    [
        # increase: the CI must lie strictly above 0
        (0.5, 4.0, "increase", REPRODUCED),
        (0.0, 4.0, "increase", INCONCLUSIVE),  # CI touching 0
        (-1.0, 4.0, "increase", INCONCLUSIVE),
        (-4.0, 0.0, "increase", INCONCLUSIVE),  # touching 0 from below
        (-4.0, -0.5, "increase", NOT_REPRODUCED),
        (0.0, 0.0, "increase", INCONCLUSIVE),  # zero-width CI at 0
        # decrease: the CI must lie strictly below 0
        (-4.0, -0.5, "decrease", REPRODUCED),
        (-4.0, 0.0, "decrease", INCONCLUSIVE),  # CI touching 0
        (-1.0, 4.0, "decrease", INCONCLUSIVE),
        (0.0, 4.0, "decrease", INCONCLUSIVE),
        (0.5, 4.0, "decrease", NOT_REPRODUCED),
        (0.0, 0.0, "decrease", INCONCLUSIVE),
        # within +-3 points
        (-2.0, 2.5, "within", REPRODUCED),  # CI inside +-3
        (-3.0, 3.0, "within", REPRODUCED),  # CI exactly +-3: |change| <= 3
        (0.0, 0.0, "within", REPRODUCED),
        (1.0, 4.0, "within", INCONCLUSIVE),  # CI straddling 3
        (-4.0, -1.0, "within", INCONCLUSIVE),  # CI straddling -3
        (-5.0, 5.0, "within", INCONCLUSIVE),  # wider than the margin on both sides
        (-6.0, -3.5, "within", NOT_REPRODUCED),  # CI beyond -3
        (3.5, 6.0, "within", NOT_REPRODUCED),  # CI beyond 3
        (-4.0, -3.0, "within", INCONCLUSIVE),  # touching -3 from outside
        # not below: no loss of more than 3 points
        (-3.0, 1.0, "not-below", REPRODUCED),  # a loss of at most 3 points
        (5.0, 9.0, "not-below", REPRODUCED),  # a gain, however large
        (-4.0, 2.0, "not-below", INCONCLUSIVE),
        (-6.0, -3.5, "not-below", NOT_REPRODUCED),
    ],
)
def test_verdict_boundaries(lo, hi, expect, result):
    assert verdict(lo, hi, expect) == result


def test_keep_margin_is_three_points():
    assert KEEP_MARGIN == 3.0


def test_verdict_rejects_unknown_expectation():
    with pytest.raises(ValueError, match="unknown expectation 'same'"):
        verdict(0.0, 1.0, "same")


# --- statistics and the paired bootstrap --------------------------------------------------------------


def test_difference_and_relative_change():
    assert difference(40.0, 55.0) == 15.0  # final minus base
    assert relative_change(200.0, 150.0) == pytest.approx(-25.0)  # percent
    assert relative_change(100.0, 150.0) == pytest.approx(50.0)
    assert relative_change(80.0, 80.0) == 0.0
    np.testing.assert_allclose(relative_change(np.array([100.0, 50.0]), np.array([60.0, 100.0])), [-40.0, 100.0])


def random_pair(seed=1, n=30):
    rng = np.random.default_rng(seed)
    a = rng.uniform(200, 400, n)
    return a, a * rng.uniform(0.6, 0.9, n)


@pytest.mark.parametrize("statistic", [difference, relative_change])
def test_bootstrap_of_two_models_point_estimate_ci_and_determinism(statistic):
    a, b = random_pair()
    value, lo, hi = bootstrap(of_means(statistic), [a, b], n_resamples=500, seed=7)
    assert value == statistic(a.mean(), b.mean())
    assert lo <= value <= hi and lo < hi
    assert bootstrap(of_means(statistic), [a, b], n_resamples=500, seed=7) == (value, lo, hi)
    other = bootstrap(of_means(statistic), [a, b], n_resamples=500, seed=8)
    assert other[0] == value and other[1:] != (lo, hi)
    assert all(isinstance(x, float) for x in (value, lo, hi))


def test_bootstrap_resamples_problems_in_pairs():
    # b = a + 5 on every problem: every resample's difference of means is 5, so the CI is [5, 5];
    # resampling a and b independently would give a wide CI.
    a = np.array([0.0, 25.0, 50.0, 100.0])
    assert bootstrap(of_means(difference), [a, a + 5.0], n_resamples=300, seed=0) == (5.0, 5.0, 5.0)
    # b = a / 2 on every problem: -50% in every resample.
    value, lo, hi = bootstrap(of_means(relative_change), [a + 100.0, (a + 100.0) / 2], n_resamples=300, seed=0)
    assert (value, lo, hi) == (-50.0, -50.0, -50.0)


# --- claims_table on hand-made grades -----------------------------------------------------------------

BENCH, BUDGET, SAMPLES = "aime24-mini", 128, 4
PROBLEMS = ["p1", "p2", "p3", "p4"]
# Per problem (p1..p4): Pass@1 in percent (a multiple of 25 with 4 samples) and mean tokens.
# Each comparison below has the same difference (or ratio) on every problem, so every bootstrap
# resample gives the same value and the CI has zero width, equal to that value.
PASS1 = {
    "original": [0, 25, 50, 75],
    "sft-e1": [25, 50, 75, 100],  # +25 over the original on every problem
    "sft-e10": [25, 50, 75, 100],  # +25 over the original, 0 over sft-e1
    "grpo-recipe": [25, 50, 75, 100],  # 0 against sft-e10
    "grpo-rl-only": [0, 25, 50, 75],  # 0 against the original
    "grpo-cosine": [75, 75, 75, 75],  # +25 over grpo-accuracy
    "grpo-accuracy": [50, 50, 50, 50],
    "grpo-accuracy-length": [50, 50, 50, 50],
}
TOKENS = {
    "original": [100, 200, 300, 400],
    "sft-e1": [150, 300, 450, 600],  # 1.5 x the original: +50%
    "sft-e10": [1000, 2000, 3000, 4000],
    "grpo-recipe": [600, 1200, 1800, 2400],  # 0.6 x sft-e10: 40% fewer tokens on every problem
    "grpo-rl-only": [80, 160, 240, 320],  # 0.8 x the original: -20%
    "grpo-cosine": [300, 600, 900, 1200],  # half of grpo-recipe: the recipe has +100% against it
    "grpo-accuracy": [500, 500, 500, 500],
    "grpo-accuracy-length": [500, 500, 500, 500],  # 0% against grpo-accuracy
}
# Expected rows: (claim, comparison, value, unit, verdict); value is the CI's lo and hi too.
EXPECTED = [
    ("Longer SFT raises accuracy (10 vs 1 epoch)", "sft-e10 vs sft-e1", 0.0, "points", INCONCLUSIVE),
    ("SFT raises accuracy over the original", "sft-e10 vs original", 25.0, "points", REPRODUCED),
    ("1 epoch of SFT lowers accuracy", "sft-e1 vs original", 25.0, "points", NOT_REPRODUCED),
    ("1 epoch of SFT lengthens outputs", "sft-e1 vs original", 50.0, "%", REPRODUCED),
    ("GRPO after SFT keeps accuracy (within 3 points)", "grpo-recipe vs sft-e10", 0.0, "points", REPRODUCED),
    ("GRPO after SFT cuts tokens", "grpo-recipe vs sft-e10", -40.0, "%", REPRODUCED),
    ("GRPO alone cuts tokens", "grpo-rl-only vs original", -20.0, "%", REPRODUCED),
    ("GRPO alone loses accuracy", "grpo-rl-only vs original", 0.0, "points", INCONCLUSIVE),
    (
        "The length reward lowers tokens (cosine + length vs cosine)",
        "grpo-recipe vs grpo-cosine",
        100.0,
        "%",
        NOT_REPRODUCED,
    ),
    (
        "The length reward lowers tokens (accuracy + length vs accuracy)",
        "grpo-accuracy-length vs grpo-accuracy",
        0.0,
        "%",
        INCONCLUSIVE,
    ),
    ("Cosine gives higher accuracy than binary accuracy", "grpo-cosine vs grpo-accuracy", 25.0, "points", REPRODUCED),
    # The budget claims: the tight budget is the noise's 64 (every model 0%), the loose and the report budget 128.
    (
        "The recipe's accuracy gain over the original grows as the budget tightens (smallest vs largest budget)",
        "grpo-recipe vs original, gain at 64 minus gain at 128 tokens",  # 0 - 25 on every problem
        -25.0,
        "points",
        NOT_REPRODUCED,
    ),
    (
        "The recipe at the reported budget is as accurate as the original at the largest (within 3 points or above)",
        "grpo-recipe vs original, at 128 vs 128 tokens",
        25.0,
        "points",
        REPRODUCED,
    ),
]
# Middle difficulty: the original's Pass@1 is 0 (p1, not middle), 25, 50, 75 (p2-p4, middle: 10 < x < 80).
# grpo-recipe gains +25 on every problem, so middle minus the others is 0 in every resample: inconclusive.


def hand_grades(pass1=PASS1, tokens=TOKENS, budget=BUDGET, benchmark=BENCH):
    """4 samples per problem: the first pass1/25 correct; token counts mean - 10, mean + 10, mean, mean."""
    rows = []
    for model in pass1:
        for p, pid in enumerate(PROBLEMS):
            n_correct = pass1[model][p] // 25
            mean = tokens[model][p]
            for s, n_tokens in enumerate([mean - 10, mean + 10, mean, mean]):
                rows.append(
                    {
                        "model": model,
                        "benchmark": benchmark,
                        "problem_id": pid,
                        "sample_index": s,
                        "answer": "1" if s < n_correct else None,
                        "correct": s < n_correct,
                        "n_tokens": n_tokens,
                        "budget": budget,
                    }
                )
    return pd.DataFrame(rows)


def noise_at_64():
    """Every model again at budget 64, all wrong and 64 tokens: would change every value if it leaked in."""
    g = hand_grades(budget=64)
    return g.assign(correct=False, answer=None, n_tokens=64)


def test_hand_grades_cover_every_model_named_in_the_claims():
    named = {m.format(sft="sft-e10") for c in CLAIMS for m in (c.base, c.final)}
    assert named == set(PASS1) == set(TOKENS)


@pytest.fixture(scope="module")
def table():
    grades = pd.concat([noise_at_64(), hand_grades()], ignore_index=True).sample(frac=1.0, random_state=3)
    return claims_table(grades, BUDGET, "sft-e10", n_resamples=400, seed=0)


def test_claims_table_has_a_row_per_claim_the_middle_difficulty_row_last(table):
    assert len(table) == len(CLAIMS) == 14
    assert table["claim"].tolist() == [c.claim for c in CLAIMS]
    assert table["claim"].iloc[-1] == MIDDLE_DIFFICULTY
    assert set(table["benchmark"]) == {BENCH}
    assert {"claim", "benchmark", "comparison", "paper", "value", "lo", "hi", "unit", "verdict"} <= set(table.columns)


@pytest.mark.parametrize("i", range(len(EXPECTED)))
def test_claims_table_values_and_verdicts(table, i):
    claim, comparison, value, unit, result = EXPECTED[i]
    row = table.iloc[i]
    assert row["claim"] == claim
    assert row["comparison"] == comparison
    assert row["unit"] == unit
    # Constant per-problem differences: a zero-width CI at the value (relative ones up to rounding).
    for key in ("value", "lo", "hi"):
        assert row[key] == pytest.approx(value, abs=1e-9), key
    assert row["verdict"] == result


def test_claims_table_clear_cases_exactly(table):
    rows = table.set_index("claim")
    # grpo-recipe has 40% fewer tokens than sft-e10 on every problem: reproduced.
    cut = rows.loc["GRPO after SFT cuts tokens"]
    assert cut["verdict"] == REPRODUCED and cut["value"] == pytest.approx(-40.0) and cut["hi"] < 0
    # sft-e1 is 25 points more accurate than the original on every problem: "lowers accuracy" is not reproduced.
    lowers = rows.loc["1 epoch of SFT lowers accuracy"]
    assert lowers["verdict"] == NOT_REPRODUCED
    assert (lowers["value"], lowers["lo"], lowers["hi"]) == (25.0, 25.0, 25.0)
    # Accuracy unchanged by GRPO after SFT: a CI of [0, 0] keeps accuracy.
    keeps = rows.loc["GRPO after SFT keeps accuracy (within 3 points)"]
    assert (keeps["value"], keeps["lo"], keeps["hi"], keeps["verdict"]) == (0.0, 0.0, 0.0, REPRODUCED)


def test_claims_table_middle_difficulty_row_no_contrast(table):
    row = table.iloc[-1]
    assert row["claim"] == MIDDLE_DIFFICULTY
    assert row["comparison"] == "grpo-recipe vs original, 3 middle problems"
    assert row["unit"] == "points"
    assert (row["value"], row["lo"], row["hi"]) == (0.0, 0.0, 0.0)
    assert row["verdict"] == INCONCLUSIVE


def test_claims_table_middle_difficulty_gain():
    # Original 0, 25, 50, 75 and grpo-recipe 0, 50, 75, 100: gains 0 on p1 (not middle), +25 on p2-p4
    # (middle). Middle mean gain 25 minus the others' 0 = 25 in every resample holding both kinds
    # (resamples of one kind only give NaN and are left out).
    pass1 = {**PASS1, "grpo-recipe": [0, 50, 75, 100]}
    t = claims_table(hand_grades(pass1=pass1), BUDGET, "sft-e10", n_resamples=400, seed=0)
    row = t.iloc[-1]
    assert row["comparison"] == "grpo-recipe vs original, 3 middle problems"
    assert (row["value"], row["lo"], row["hi"], row["verdict"]) == (25.0, 25.0, 25.0, REPRODUCED)


def test_claims_table_middle_difficulty_undefined_without_other_problems():
    # Every original problem at middle difficulty (25 or 50): no contrast can be formed.
    pass1 = {**PASS1, "original": [25, 50, 25, 50]}
    t = claims_table(hand_grades(pass1=pass1), BUDGET, "sft-e10", n_resamples=200, seed=0)
    row = t.iloc[-1]
    assert row["comparison"] == "grpo-recipe vs original, 4 middle problems"
    assert math.isnan(row["value"]) and math.isnan(row["lo"]) and math.isnan(row["hi"])
    assert row["verdict"] == INCONCLUSIVE


def test_claims_table_uses_the_given_sft_model():
    # With sft-e1 as the recipe's SFT model, "GRPO after SFT cuts tokens" compares grpo-recipe with sft-e1:
    # 600/150 = 4x on every problem -> +300%, not reproduced.
    t = claims_table(hand_grades(), BUDGET, "sft-e1", n_resamples=200, seed=0).set_index("claim")
    row = t.loc["GRPO after SFT cuts tokens"]
    assert row["comparison"] == "grpo-recipe vs sft-e1"
    assert row["value"] == pytest.approx(300.0) and row["verdict"] == NOT_REPRODUCED


def test_claims_table_names_a_missing_model():
    grades = hand_grades()
    with pytest.raises(ValueError, match="grpo-cosine"):
        claims_table(grades[grades["model"] != "grpo-cosine"], BUDGET, "sft-e10", n_resamples=50, seed=0)


def test_claims_table_is_deterministic_for_a_seed():
    # A noisier recipe (per-problem token ratios differ) so the CI has width.
    tokens = {**TOKENS, "grpo-recipe": [500, 1400, 1500, 2600]}
    grades = hand_grades(tokens=tokens)
    first = claims_table(grades, BUDGET, "sft-e10", n_resamples=300, seed=5)
    again = claims_table(grades, BUDGET, "sft-e10", n_resamples=300, seed=5)
    pd.testing.assert_frame_equal(first, again)
    row = first.set_index("claim").loc["GRPO after SFT cuts tokens"]
    # (500+1400+1500+2600) / (1000+2000+3000+4000) = 6000 / 10000 -> -40%; per-problem ratios 0.5 .. 0.7
    assert row["value"] == pytest.approx(-40.0)
    assert -50.0 <= row["lo"] < row["value"] < row["hi"] <= -30.0
    assert row["verdict"] == REPRODUCED


# --- write_report -------------------------------------------------------------------------------------


def test_write_report_has_one_row_per_claim_and_the_verdict_counts(table, tmp_path):
    out = tmp_path / "claims.md"
    write_report(table, out, "Claims report, preset mini", BUDGET, {})
    text = out.read_text()
    lines = text.splitlines()
    assert lines[0] == "# Claims report, preset mini"
    assert f"at a budget of {BUDGET} tokens" in text
    header = lines.index("| claim | held-out set | comparison | paper | this run [95% CI] | verdict |")
    assert lines[header + 1] == "|---|---|---|---|---|---|"
    body = [line for line in lines[header + 2 :] if line.startswith("|")]
    assert len(body) == len(table) == 14
    for line, (_, r) in zip(body, table.iterrows()):
        assert line.startswith(f"| {r['claim']} | {BENCH} | {r['comparison']} |")
        assert line.endswith(f"| **{r['verdict']}** |")
    # 6 reproduced (claims 2, 4, 5, 6, 7, 11), 2 not (3, 9), 4 inconclusive (1, 8, 10 and the middle row).
    assert lines[-1] == "7 reproduced, 3 not reproduced, 4 inconclusive."
    assert "| +25.0 points [+25.0, +25.0] | **not reproduced** |" in body[2]
    assert "| -40.0 % [-40.0, -40.0] | **reproduced** |" in body[5]


def test_write_report_shows_nan_values_as_na(tmp_path):
    table = pd.DataFrame(
        [
            {
                "claim": "A",
                "benchmark": "b",
                "comparison": "x vs y",
                "paper": "T1",
                "value": 1.25,
                "lo": 0.5,
                "hi": 2.0,
                "unit": "points",
                "verdict": REPRODUCED,
            },
            {
                "claim": MIDDLE_DIFFICULTY,
                "benchmark": "b",
                "comparison": "x vs y, 0 middle problems",
                "paper": "F3",
                "value": float("nan"),
                "lo": float("nan"),
                "hi": float("nan"),
                "unit": "points",
                "verdict": INCONCLUSIVE,
            },
        ]
    )
    out = tmp_path / "r.md"
    write_report(table, out, "Claims report, preset smoke", 64, {})
    lines = out.read_text().splitlines()
    assert "| A | b | x vs y | T1 | +1.2 points [+0.5, +2.0] | **reproduced** |" in lines
    assert f"| {MIDDLE_DIFFICULTY} | b | x vs y, 0 middle problems | F3 | n/a | **inconclusive** |" in lines
    assert lines[-1] == "1 reproduced, 0 not reproduced, 1 inconclusive."


def test_front_page_is_valid_restructuredtext_with_every_claim(table, tmp_path):
    from docutils.core import publish_parts

    out = tmp_path / "front.rst"
    write_front_page(table, out, "mini", BUDGET, {})
    html = publish_parts(out.read_text(), writer="html", settings_overrides={"halt_level": 2})["html_body"]
    assert "preset mini: 7 reproduced, 3 not reproduced, 4 inconclusive." in html
    assert html.count("<tr>") == table["claim"].nunique() + 1  # one row per claim, a column per held-out set


def test_middle_difficulty_loses_to_hard_problems_that_gain_more():
    """Base Pass@1 0 (hard), 50 (middle), 100 (easy), 20 problems each; gains +100, +50, 0: the hard
    problems gain most, so middle minus the best other bin is 50 - 100 = -50 in every resample that
    holds a hard problem (all of them, at 20 of 60): not reproduced."""
    from fastmath_r1.claims import BY_ID, _middle_difficulty_row

    ids = [f"p{i:02d}" for i in range(60)]
    base = pd.Series([0.0] * 20 + [50.0] * 20 + [100.0] * 20, index=ids)
    final = pd.Series(100.0, index=ids)
    claim = BY_ID["middle-difficulty-gains"]
    row = _middle_difficulty_row(claim, base, final, "b", "grpo-recipe vs original", n_resamples=200, seed=0)
    assert row["value"] == pytest.approx(-50.0)
    assert row["lo"] == pytest.approx(-50.0) and row["hi"] == pytest.approx(-50.0)
    assert row["verdict"] == "not reproduced"
    assert row["comparison"] == "grpo-recipe vs original, 20 middle problems"


# --- claims a preset cannot compute -----------------------------------------------------------------


def test_every_model_present_computes_every_claim():
    kept, dropped = computable(list(PASS1), "sft-e10", [64, 96, 128], 96)
    assert kept == [c.id for c in CLAIMS] and dropped == {}


def test_the_budget_claims_need_two_budgets_and_one_above_the_reported():
    _, dropped = computable(list(PASS1), "sft-e10", [128], 128)
    assert dropped == {"gain-grows-as-budget-tightens": "needs two evaluation budgets, this preset has one",
                       "faster-at-equal-accuracy": "needs an evaluation budget above the reported one"}  # fmt: skip
    _, dropped = computable(list(PASS1), "sft-e10", [64, 128], 128)
    assert dropped == {"faster-at-equal-accuracy": "needs an evaluation budget above the reported one"}


def budget_grades(recipe_at_96):
    """The original and the recipe at 64, 96 and 128 tokens (Pass@1 per problem p1..p4)."""
    pass1 = {64: {"original": [0, 0, 25, 25], "grpo-recipe": [50, 50, 75, 75]},  # gains of 50
             96: {"original": [0, 25, 25, 50], "grpo-recipe": recipe_at_96},
             128: {"original": [25, 25, 50, 75], "grpo-recipe": [50, 50, 75, 100]}}  # gains of 25  # fmt: skip
    tokens = {"original": [100] * 4, "grpo-recipe": [100] * 4}
    return pd.concat([hand_grades(p, tokens, budget=b) for b, p in pass1.items()], ignore_index=True)


@pytest.mark.parametrize(
    "recipe_at_96, equal",
    [([50, 50, 75, 100], (25.0, REPRODUCED)), ([0, 0, 25, 50], (-25.0, NOT_REPRODUCED))],
)
def test_the_budget_claims_compare_the_smallest_the_reported_and_the_largest_budget(recipe_at_96, equal):
    ids = ["gain-grows-as-budget-tightens", "faster-at-equal-accuracy"]
    gain, faster = claims_table(budget_grades(recipe_at_96), 96, "sft-e10", 200, 0, ids).itertuples(index=False)
    # The recipe gains 50 points at 64 tokens and 25 at 128 on every problem: 25 more when tight.
    assert gain.comparison == "grpo-recipe vs original, gain at 64 minus gain at 128 tokens"
    assert (gain.value, gain.lo, gain.hi, gain.verdict) == (25.0, 25.0, 25.0, REPRODUCED)
    # The recipe at 96 tokens against the original at 128 (25, 25, 50, 75): 25 points above it, or below.
    assert faster.comparison == "grpo-recipe vs original, at 96 vs 128 tokens"
    assert (faster.value, faster.lo, faster.hi, faster.verdict) == (equal[0], equal[0], equal[0], equal[1])


def test_a_preset_without_one_epoch_of_sft_drops_the_claims_that_need_it():
    models = [m for m in PASS1 if m != "sft-e1"]
    kept, dropped = computable(models, "sft-e10", [64, 96, 128], 96)
    assert set(dropped) == {"sft-longer-raises-accuracy", "sft-1-epoch-lowers-accuracy", "sft-1-epoch-lengthens"}
    assert all(why == "needs sft-e1, which this preset does not train" for why in dropped.values())
    assert kept == [c.id for c in CLAIMS if c.id not in dropped]
    grades = hand_grades()
    table = claims_table(grades[grades["model"] != "sft-e1"], BUDGET, "sft-e10", 100, 0, kept)
    assert len(table) == len(kept) and not any("sft-e1 " in f"{c} " for c in table["comparison"])


def test_report_and_front_page_say_which_claims_were_dropped(table, tmp_path):
    dropped = {"sft-1-epoch-lengthens": "needs sft-e1, which this preset does not train"}
    write_report(table, tmp_path / "r.md", "Claims report, preset p", BUDGET, dropped)
    write_front_page(table, tmp_path / "f.rst", "p", BUDGET, dropped)
    line = "- 1 epoch of SFT lengthens outputs: needs sft-e1, which this preset does not train"
    for name in ("r.md", "f.rst"):
        lines = (tmp_path / name).read_text().splitlines()
        assert "Not computed in this preset:" in lines and line in lines, name


def test_the_papers_t1_values_where_it_has_them_and_none_for_math500():
    """T1 reports AIME 2024 and 2025 only: a MATH-500 held-out set gets the claim without a paper value (the
    `paper` preset evaluates MATH-500 too; its claims report once failed on it after every evaluation)."""
    reported = pd.read_csv(Path(__file__).resolve().parents[1] / "paper" / "reported.csv")
    grades = pd.concat([hand_grades(), hand_grades(benchmark="math500-mini")], ignore_index=True)
    stands_for = {BENCH: "AIME 2024", "math500-mini": "MATH-500"}
    table = claims_table(grades, BUDGET, "sft-e10", 50, 0, ["grpo-cuts-tokens"], reported, stands_for)
    papers = dict(zip(table["benchmark"], table["paper"]))
    assert papers[BENCH].startswith("T1 aime24: ") and papers[BENCH].endswith("%")
    assert papers["math500-mini"] == "T1 (no math500 value)"


def test_the_papers_t3_values_of_the_budget_claims():
    reported = pd.read_csv(Path(__file__).resolve().parents[1] / "paper" / "reported.csv")
    grades = pd.concat([budget_grades([50, 50, 75, 100]).assign(benchmark=b) for b in ("a", "b", "c")])
    stands_for = {"a": "AIME 2024", "b": "AIME 2025", "c": "MATH-500"}
    ids = ["gain-grows-as-budget-tightens", "faster-at-equal-accuracy"]
    table = claims_table(grades, 96, "sft-e10", 50, 0, ids, reported, stands_for)
    # T3: Fast-Math-R1-14B minus the original, 51.4 - 41.8 at 8k and 68.0 - 66.9 at 32k (AIME 2024); 36.3 - 31.1
    # and 49.6 - 49.9 (AIME 2025). At 16k against the original at 32k: 66.7 - 66.9 and 48.4 - 49.9.
    assert table["paper"].tolist() == [
        "T3 aime24: +8.5 points (gains +9.6 at 8000, +1.1 at 32000)",
        "T3 aime24: -0.2 points (16000 vs 32000 tokens)",
        "T3 aime25: +5.5 points (gains +5.2 at 8000, -0.3 at 32000)",
        "T3 aime25: -1.5 points (16000 vs 32000 tokens)",
        "T3: larger at 8k than at 32k (no math500 value)",
        "T3: at 16k as at 32k (no math500 value)",
    ]


# --- the claims over seeds -------------------------------------------------------------------------


def seed_run(verdicts: list[str], values: list[float]) -> pd.DataFrame:
    """A claims table of one seed run: one row per claim of the list, on one held-out set."""
    rows = []
    for i, (result, value) in enumerate(zip(verdicts, values)):
        claim = CLAIMS[i]
        rows.append({"id": claim.id, "claim": claim.claim, "benchmark": BENCH, "comparison": "x vs y",
                     "paper": "T1", "value": value, "lo": value - 1, "hi": value + 1, "unit": "points",
                     "verdict": result})  # fmt: skip
    return pd.DataFrame(rows)


R, N, U = REPRODUCED, NOT_REPRODUCED, INCONCLUSIVE
SEED_VERDICTS = {0: [R, R, N, U, R], 1: [R, N, N, U, U], 2: [N, R, U, N, U]}
MAJORITIES = [R, R, N, U, U]  # 2 of 3 reproduce, 2 of 3, 2 of 3 not, 1 of each, 1 of 3 reproduce


@pytest.fixture()
def seed_tables() -> dict[int, pd.DataFrame]:
    return {s: seed_run(v, [float(s + i) for i in range(len(v))]) for s, v in SEED_VERDICTS.items()}


def test_seeds_table_counts_verdicts_and_takes_the_majority(seed_tables):
    table = seeds_table(seed_tables)
    assert table["id"].tolist() == [c.id for c in CLAIMS[:5]]
    assert table["majority"].tolist() == MAJORITIES
    assert table["reproduced_in"].tolist() == [2, 2, 0, 0, 1]
    assert table["not_reproduced_in"].tolist() == [1, 1, 2, 1, 0]
    assert table["inconclusive_in"].tolist() == [0, 0, 1, 2, 2]
    assert (table["seeds"] == 3).all()
    # Each seed's own value, CI and verdict.
    assert table["seed2_value"].tolist() == [2.0, 3.0, 4.0, 5.0, 6.0]
    assert table["seed1_lo"].iloc[0] == 0.0 and table["seed1_hi"].iloc[0] == 2.0
    assert table["seed0_verdict"].tolist() == SEED_VERDICTS[0]


def test_a_tie_between_seeds_is_no_majority():
    tables = {0: seed_run([R], [1.0]), 1: seed_run([N], [1.0])}
    assert seeds_table(tables)["majority"].tolist() == [INCONCLUSIVE]
    assert seeds_table({0: seed_run([R], [1.0])})["majority"].tolist() == [REPRODUCED]


def test_seeds_table_names_a_seed_that_lacks_a_claim(seed_tables):
    seed_tables[2] = seed_tables[2].iloc[:3]
    with pytest.raises(InputError, match=f"claims table of seed 2 has no row for claim {CLAIMS[3].id} on {BENCH}"):
        seeds_table(seed_tables)


def test_seeds_report_headline_counts_majorities_and_every_seed_is_shown(seed_tables, tmp_path):
    out = tmp_path / "report.md"
    write_seeds_report(seeds_table(seed_tables), out, "mini", BUDGET)
    text = out.read_text()
    assert "**Seed majority: 2 reproduced, 1 not reproduced, 2 inconclusive** (of 5 rows)" in text
    lines = text.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("| claim | held-out set | paper |"))
    assert lines[header].endswith("| seed 0 | seed 1 | seed 2 | reproduced in | majority |")
    body = lines[header + 2 :]
    assert len(body) == 5
    assert body[0] == (
        f"| {CLAIMS[0].claim} | {BENCH} | T1 | +0.0 [-1.0, +1.0] points, reproduced | +1.0 [+0.0, +2.0] points, "
        "reproduced | +2.0 [+1.0, +3.0] points, not reproduced | 2 of 3 | **reproduced** |"
    )


def test_claims_tables_round_trip_through_csv_and_bad_values_are_named(seed_tables, tmp_path):
    path = tmp_path / "claims.csv"
    table = seed_tables[0].assign(value=[1.5, float("nan"), 2.0, 3.0, 4.0])
    table.to_csv(path, index=False)
    back = read_claims_table(path)
    assert back["value"].iloc[0] == 1.5 and math.isnan(back["value"].iloc[1])
    table.assign(lo=["1", "2", "x", "4", "5"]).to_csv(path, index=False)
    with pytest.raises(InputError, match=r"claims.csv: row 2, column lo: 'x' is not a number"):
        read_claims_table(path)
    table.drop(columns="verdict").to_csv(path, index=False)
    with pytest.raises(InputError, match="missing column"):
        read_claims_table(path)


# --- claims across model sizes ----------------------------------------------------------------------------------


def size_grades(sft_gain: int, recipe_gain: int) -> pd.DataFrame:
    """One size's stages: the original's Pass@1 of PASS1, SFT and the recipe `sft_gain` / `recipe_gain` points
    above it on every problem (multiples of 25)."""
    base = PASS1["original"]
    pass1 = {
        "original": base,
        "sft-e10": [v + sft_gain for v in base],
        "grpo-recipe": [v + recipe_gain for v in base],
    }
    return hand_grades(pass1, {m: TOKENS["original"] for m in pass1})


def test_size_claims_compare_each_size_with_the_next_smaller_and_with_the_smallest():
    grades = {"1.5B": size_grades(0, 0), "7B": size_grades(0, 25), "14B": size_grades(25, 0)}
    table = size_claims_table(grades, BUDGET, "sft-e10", 200, 0)
    assert table["id"].tolist() == ["size-recipe-gain-grows"] * 2 + ["size-sft-helps-smallest-least"] * 2
    assert table["comparison"].tolist() == [
        "grpo-recipe vs original, gain at 7B (+25.0) minus gain at 1.5B (+0.0)",
        "grpo-recipe vs original, gain at 14B (+0.0) minus gain at 7B (+25.0)",
        "sft-e10 vs original, gain at 7B (+0.0) minus gain at 1.5B (+0.0)",
        "sft-e10 vs original, gain at 14B (+25.0) minus gain at 1.5B (+0.0)",
    ]
    # Every problem gains alike, so the CI is the value itself.
    assert table[["value", "lo", "hi"]].values.tolist() == [[25.0] * 3, [-25.0] * 3, [0.0] * 3, [25.0] * 3]
    assert table["verdict"].tolist() == [REPRODUCED, NOT_REPRODUCED, INCONCLUSIVE, REPRODUCED]
    assert (table["benchmark"] == BENCH).all() and (table["unit"] == "points").all()


def test_size_claims_need_two_sizes_graded_on_the_same_problems():
    assert size_claims_table({"14B": size_grades(25, 25)}, BUDGET, "sft-e10", 200, 0).empty
    other = size_grades(0, 0).replace({"problem_id": {"p4": "p5"}})
    with pytest.raises(InputError, match="aime24-mini: the sizes are not graded on the same problems"):
        size_claims_table({"1.5B": other, "14B": size_grades(25, 25)}, BUDGET, "sft-e10", 200, 0)
