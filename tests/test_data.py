"""Tests for fastmath_r1.data: the paper's selection step and the chat format, on hand-made frames."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from fastmath_r1.data import (
    all_correct_generations,
    data_card,
    read_table,
    select_hard,
    shortest_correct_generation,
    to_prompt_completion,
    write_training_set,
)

T, F = True, False


def openr1(rows: list[tuple]) -> pd.DataFrame:
    """An OpenR1-shaped frame from (problem_id, problem, answer, level, generations, flags) tuples."""
    return pd.DataFrame(
        rows, columns=["problem_id", "problem", "answer", "level", "generations", "correctness_math_verify"]
    )


# Mean trace length (characters) and teacher accuracy of each row are chosen to sit on the thresholds.
#   id   mean chars  accuracy
#   p1   10          1.00
#   p2   20          0.50   (lengths 14, 26, 20, 20: the mean, not the longest, decides)
#   p3   30          0.75
#   p4   40          0.00
#   p5    5          0.25
POOL = openr1(
    [
        ("p1", "problem one", "1", 1, ["a" * 10] * 4, [T, T, T, T]),
        ("p2", "problem two", "2", 2, ["b" * 14, "b" * 26, "b" * 20, "b" * 20], [T, F, T, F]),
        ("p3", "problem three", "3", 3, ["c" * 30] * 4, [T, T, T, F]),
        ("p4", "problem four", "4", 4, ["d" * 40] * 4, [F, F, F, F]),
        ("p5", "problem five", "5", 5, ["e" * 5] * 4, [F, T, F, F]),
    ]
)


@pytest.mark.parametrize(
    ("min_chars", "min_acc", "max_acc", "expected"),
    [
        (0, 0.5, 1.0, ["p1", "p2", "p3"]),  # the default band: inclusive at 0.5 and 1.0
        (0, 0.5, 0.75, ["p2", "p3"]),  # the paper's 50%..75% band, both ends inclusive
        (0, 0.51, 0.74, []),
        (0, 0.0, 1.0, ["p1", "p2", "p3", "p4", "p5"]),
        (0, 0.0, 0.0, ["p4"]),
        (0, 0.25, 0.5, ["p2", "p5"]),
        (20, 0.0, 1.0, ["p2", "p3", "p4"]),  # length bound inclusive
        (21, 0.0, 1.0, ["p3", "p4"]),  # p2's longest trace (26) does not count, its mean (20) does
        (30, 0.5, 1.0, ["p3"]),
        (41, 0.0, 1.0, []),
    ],
)
def test_select_hard_thresholds(min_chars, min_acc, max_acc, expected):
    out = select_hard(POOL, min_generation_length=min_chars, min_accuracy=min_acc, max_accuracy=max_acc)
    assert out["problem_id"].tolist() == expected
    assert list(out.columns) == list(POOL.columns)
    assert out.index.tolist() == list(range(len(expected)))


def test_select_hard_does_not_modify_its_input():
    before = POOL.copy(deep=True)
    select_hard(POOL, 25, 0.5, 1.0)
    pd.testing.assert_frame_equal(POOL, before)


# q1: the shortest trace is wrong and must be ignored; q2: no correct trace; q3: two rows to be merged,
# the shortest correct trace of the pooled set lying in the second row (whose shortest trace is wrong).
TRACES = openr1(
    [
        ("q1", "problem q1", "11", 4, ["wrong", "right-mid", "right-but-longest"], [F, T, T]),
        ("q2", "problem q2", "22", 5, ["w1", "w2"], [F, F]),
        ("q3", "problem q3", "33", 6, ["long correct trace"], [T]),
        ("q3-dup", "problem q3", "33", 6, ["x", "tiny", "another correct one"], [F, T, T]),
    ]
)


def test_shortest_correct_generation_picks_shortest_correct_and_merges_duplicates():
    out = shortest_correct_generation(TRACES)
    assert out["problem"].tolist() == ["problem q1", "problem q3"]
    assert out["generation"].tolist() == ["right-mid", "tiny"]
    # The merged problem keeps its first row's other columns; the trace columns are gone.
    assert out["problem_id"].tolist() == ["q1", "q3"]
    assert out["answer"].tolist() == ["11", "33"]
    assert out["level"].tolist() == [4, 6]
    assert set(out.columns) == {"problem_id", "problem", "answer", "level", "generation"}


def test_shortest_correct_generation_drops_problems_without_a_correct_trace():
    out = shortest_correct_generation(TRACES[TRACES["problem_id"] == "q2"])
    assert out.empty


def test_all_correct_generations_one_row_per_correct_trace():
    out = all_correct_generations(TRACES)
    assert list(zip(out["problem_id"], out["generation"])) == [
        ("q1", "right-mid"),
        ("q1", "right-but-longest"),
        ("q3", "long correct trace"),
        ("q3-dup", "tiny"),
        ("q3-dup", "another correct one"),
    ]
    assert out["answer"].tolist() == ["11", "11", "33", "33", "33"]
    assert out["level"].tolist() == [4, 4, 6, 6, 6]
    assert set(out.columns) == {"problem_id", "problem", "answer", "level", "generation"}
    # The input frame is left alone.
    assert list(TRACES.columns) == [
        "problem_id",
        "problem",
        "answer",
        "level",
        "generations",
        "correctness_math_verify",
    ]


# --- write_training_set ------------------------------------------------------------------------

ALL = {"min_generation_length": 0, "min_accuracy": 0.0, "max_accuracy": 1.0}


@pytest.fixture
def pool_file(tmp_path):
    path = tmp_path / "pool.parquet"
    TRACES.to_parquet(path, index=False)  # lists come back as numpy arrays, as in the workflow
    return path


def test_write_training_set_shortest_correct(pool_file, tmp_path):
    out = tmp_path / "sft.parquet"
    table = write_training_set([pool_file], ALL, "shortest-correct", out)
    assert table["generation"].tolist() == ["right-mid", "tiny"]
    pd.testing.assert_frame_equal(pd.read_parquet(out), table)


def test_write_training_set_all_correct_applies_selection(pool_file, tmp_path):
    out = tmp_path / "all.parquet"
    # Accuracies q1: 2/3, q2: 0, q3: 1, q3-dup: 2/3; a band [0.5, 0.9] keeps q1 and q3-dup.
    table = write_training_set([pool_file], {**ALL, "min_accuracy": 0.5, "max_accuracy": 0.9}, "all-correct", out)
    assert table["generation"].tolist() == ["right-mid", "right-but-longest", "tiny", "another correct one"]
    assert read_table(out)["generation"].tolist() == table["generation"].tolist()


@pytest.mark.parametrize(
    "selection",
    [
        {**ALL, "min_generation_length": 10_000},  # nothing selected
        {**ALL, "max_accuracy": 0.0},  # only q2 selected, which has no correct trace
    ],
    ids=["nothing-selected", "no-correct-trace"],
)
def test_write_training_set_raises_naming_the_pool_when_nothing_survives(pool_file, tmp_path, selection):
    out = tmp_path / "empty.parquet"
    with pytest.raises(ValueError, match=re.escape(str(pool_file))):
        write_training_set([pool_file], selection, "shortest-correct", out)
    assert not out.exists()


def test_write_training_set_rejects_unknown_keep(pool_file, tmp_path):
    out = tmp_path / "x.parquet"
    with pytest.raises(ValueError, match="shortest-everything"):
        write_training_set([pool_file], ALL, "shortest-everything", out)
    assert not out.exists()


# --- read_table --------------------------------------------------------------------------------


def test_read_table_round_trips_parquet(tmp_path):
    path = tmp_path / "t.parquet"
    TRACES.to_parquet(path, index=False)
    back = read_table(path)
    assert back[["problem_id", "problem", "answer", "level"]].equals(
        TRACES[["problem_id", "problem", "answer", "level"]]
    )
    assert [list(g) for g in back["generations"]] == TRACES["generations"].tolist()
    assert [list(map(bool, c)) for c in back["correctness_math_verify"]] == TRACES["correctness_math_verify"].tolist()


def test_read_table_round_trips_jsonl_without_coercing_answers(tmp_path):
    frame = openr1([("r1", "p", "007", 2, ["g"], [T]), ("r2", "q", "NA", 3, ["h", "i"], [F, T])])
    path = tmp_path / "t.jsonl"
    frame.to_json(path, orient="records", lines=True)
    back = read_table(path)
    assert back["answer"].tolist() == ["007", "NA"]
    assert back["level"].tolist() == [2, 3]
    assert back["generations"].tolist() == [["g"], ["h", "i"]]
    assert back["correctness_math_verify"].tolist() == [[T], [F, T]]
    assert back["problem_id"].tolist() == ["r1", "r2"]


def test_read_table_round_trips_csv_as_strings(tmp_path):
    frame = pd.DataFrame(
        {"problem_id": ["c1", "c2", "c3"], "problem": ["x, y", "z", ""], "answer": ["007", "NA", "12"]}
    )
    path = tmp_path / "t.csv"
    frame.to_csv(path, index=False)
    back = read_table(path)
    assert back.to_dict("list") == frame.to_dict("list")


@pytest.mark.parametrize("name", ["t.tsv", "t.json", "t"])
def test_read_table_names_the_file_on_unknown_suffix(tmp_path, name):
    path = tmp_path / name
    path.write_text("whatever\n")
    with pytest.raises(ValueError, match=re.escape(name)):
        read_table(path)


# --- chat format -------------------------------------------------------------------------------


def test_to_prompt_completion_with_system_message():
    frame = pd.DataFrame(
        {"problem": ["a=1. b=a+2. Find b.", "a=5. Find a."], "generation": ["<think>3</think>", "five"]}
    )
    out = to_prompt_completion(frame, "Be brief.", "Solve, put it in \\boxed{{}}. {problem}")
    assert list(out.columns) == ["prompt", "completion"]
    assert out["prompt"][0] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Solve, put it in \\boxed{}. a=1. b=a+2. Find b."},
    ]
    assert out["completion"].tolist() == [
        [{"role": "assistant", "content": "<think>3</think>"}],
        [{"role": "assistant", "content": "five"}],
    ]
    assert out["prompt"][1][1]["content"] == "Solve, put it in \\boxed{}. a=5. Find a."


def test_to_prompt_completion_without_system_message():
    frame = pd.DataFrame({"problem": ["P {x}"], "generation": ["G"]})
    out = to_prompt_completion(frame, "", "Q: {problem}")
    # The problem text itself is not a template: its braces survive.
    assert out["prompt"][0] == [{"role": "user", "content": "Q: P {x}"}]


# --- data card ---------------------------------------------------------------------------------


def card_rows(card: str) -> dict[str, list[str]]:
    lines = card.strip().split("\n")
    header = [c.strip() for c in lines[0].strip("|").split("|")]
    assert header[:3] == ["table", "rows", "problems"]
    assert set(lines[1].replace("|", "").replace("-", "")) == set()
    return {cells[0]: cells for cells in ([c.strip() for c in line.strip("|").split("|")] for line in lines[2:])}


def test_data_card_has_one_row_per_table_with_counts():
    tables = {
        "pool": TRACES,
        "sft": shortest_correct_generation(TRACES),
        "bench": pd.DataFrame(
            {
                "problem_id": ["b1", "b2", "b3"],
                "problem": ["x", "yy", "zzz"],
                "answer": ["1", "2", "3"],
                "level": [4, 4, 5],
            }
        ),
    }
    rows = card_rows(data_card(tables))
    assert list(rows) == ["pool", "sft", "bench"]
    # table | rows | problems | levels | problem chars | trace chars | traces per row | correct traces
    pool, sft, bench = rows["pool"], rows["sft"], rows["bench"]
    assert pool[1:4] == ["4", "3", "4: 1, 5: 1, 6: 2"]
    assert pool[6] == "2.2"  # 9 traces over 4 rows (2.25, formatted to one decimal)
    assert pool[7] == "55.6%"  # 5 of 9 traces correct
    assert sft[1:4] == ["2", "2", "4: 1, 6: 1"]
    assert sft[5].split(" / ")[2:] == ["4", "9"]  # shortest "tiny", longest "right-mid"
    assert sft[6:] == ["1", "100%"]
    assert bench[1:4] == ["3", "3", "4: 2, 5: 1"]
    assert bench[4] == "2 / 2 / 1 / 3"
    assert bench[5:] == ["-", "-", "-"]


def test_data_card_counts_correct_traces_with_a_traceless_row():
    frame = openr1([("e1", "p", "1", 1, ["a", "bb"], [T, F]), ("e2", "q", "2", 1, [], [])])
    assert card_rows(data_card({"pool": frame}))["pool"][7] == "50.0%"
