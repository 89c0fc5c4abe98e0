"""Tests for fastmath_r1.benchmarks: hand-made files in every format, each error, the repair of broken
JSON escapes, the Hub path (datasets.load_dataset faked), and the public copies in ../shared/benchmarks."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pandas as pd
import pytest
from conftest import shared_path

from fastmath_r1.benchmarks import BenchmarkError, load_benchmark, repair_broken_escapes
from fastmath_r1.table_files import read_table

FIELDS = {"id": "uid", "problem": "question", "answer": "final_answer"}


def write_table(path: Path, frame: pd.DataFrame) -> Path:
    if path.suffix == ".jsonl":
        frame.to_json(path, orient="records", lines=True)
    elif path.suffix == ".csv":
        frame.to_csv(path, index=False)
    else:
        frame.to_parquet(path, index=False)
    return path


def contest(uids: list, questions: list, answers: list) -> pd.DataFrame:
    return pd.DataFrame({"uid": uids, "question": questions, "final_answer": answers})


def file_spec(path: Path | list[Path], answer_type: str = "integer", **extra) -> dict:
    paths = [str(p) for p in path] if isinstance(path, list) else str(path)
    return {
        "source": "file",
        "path": paths,
        "fields": FIELDS,
        "answer_type": answer_type,
        "max_problems": None,
        **extra,
    }


@pytest.fixture
def aime_like() -> pd.DataFrame:
    return contest(["p1", "p2", "p3"], ["Find $x$.", "Find $y$.", "Find $z$."], ["025", "7", "999"])


# --- loading and normalising -------------------------------------------------------------------


def test_max_problems_keeps_the_first_problems(tmp_path, aime_like):
    path = tmp_path / "aime.csv"
    aime_like.to_csv(path, index=False)
    table = load_benchmark(file_spec(path, max_problems=2), "aime")
    assert table["problem_id"].tolist() == ["p1", "p2"] and table["answer"].tolist() == [25, 7]


@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".parquet"])
def test_each_format_is_normalised_to_one_schema(tmp_path, aime_like, suffix):
    path = write_table(tmp_path / f"aime{suffix}", aime_like)
    table = load_benchmark(file_spec(path, answer_range=[0, 999]), "aime")
    assert list(table.columns) == ["problem_id", "problem", "answer"]
    assert table["problem_id"].tolist() == ["p1", "p2", "p3"]
    assert table["problem"].tolist() == aime_like["question"].tolist()
    assert table["answer"].dtype == "int64"
    assert table["answer"].tolist() == [25, 7, 999]


def test_integer_answers_may_arrive_as_ints_and_ids_as_ints(tmp_path):
    path = write_table(tmp_path / "aime.jsonl", contest([60, 61], ["a", "b"], [204, 25]))
    table = load_benchmark(file_spec(path), "aime")
    assert table["problem_id"].tolist() == ["60", "61"]
    assert table["answer"].tolist() == [204, 25]


def test_without_an_id_field_the_id_is_the_row_index(tmp_path, aime_like):
    path = write_table(tmp_path / "aime.csv", aime_like)
    spec = {**file_spec(path), "fields": {"problem": "question", "answer": "final_answer"}}
    assert load_benchmark(spec, "aime")["problem_id"].tolist() == ["0", "1", "2"]


def test_several_files_prefix_ids_with_the_file_stem(tmp_path, aime_like):
    first = write_table(tmp_path / "aime_I.jsonl", aime_like)
    second = write_table(tmp_path / "aime_II.csv", aime_like)
    table = load_benchmark(file_spec([first, second]), "aime")
    assert table["problem_id"].tolist() == [f"{stem}/p{i}" for stem in ("aime_I", "aime_II") for i in (1, 2, 3)]
    assert table["answer"].tolist() == [25, 7, 999] * 2


def test_expression_answers_stay_text_without_surrounding_whitespace(tmp_path):
    path = write_table(tmp_path / "math.jsonl", contest(["a", "b"], ["p", "q"], [" \\frac{14}{3} ", "5"]))
    table = load_benchmark(file_spec(path, "expression"), "math500")
    assert table["answer"].tolist() == ["\\frac{14}{3}", "5"]
    assert pd.api.types.is_string_dtype(table["answer"])


# --- errors --------------------------------------------------------------------------------------


def load_error(spec: dict) -> str:
    with pytest.raises(BenchmarkError) as error:
        load_benchmark(spec, "aime")
    return str(error.value)


def test_missing_column_lists_the_columns_the_file_has(tmp_path, aime_like):
    path = write_table(tmp_path / "aime.jsonl", aime_like.rename(columns={"final_answer": "solution"}))
    message = load_error(file_spec(path))
    assert str(path) in message and "'aime'" in message
    assert "'answer'" in message and "'final_answer'" in message
    assert "['uid', 'question', 'solution']" in message


@pytest.mark.parametrize(
    ("column", "value", "field", "says"),
    [
        ("question", "  ", "problem", "empty"),
        ("final_answer", "12.5", "answer", "'12.5' is not an integer"),
        ("final_answer", "abc", "answer", "'abc' is not an integer"),
        ("final_answer", "1000", "answer", "1000 is outside the answer range [0, 999]"),
    ],
)
def test_bad_row_names_file_row_id_and_field(tmp_path, aime_like, column, value, field, says):
    aime_like.loc[1, column] = value
    path = write_table(tmp_path / "aime.csv", aime_like)
    message = load_error(file_spec(path, answer_range=[0, 999]))
    assert f"{path}, row 1 (id 'p2'), field '{field}' (column '{column}')" in message
    assert says in message


def test_missing_problem_in_jsonl_is_empty(tmp_path, aime_like):
    aime_like.loc[2, "question"] = None
    path = write_table(tmp_path / "aime.jsonl", aime_like)
    assert "row 2 (id 'p3'), field 'problem'" in load_error(file_spec(path))


def test_duplicate_id_in_one_file_names_the_rows(tmp_path, aime_like):
    aime_like.loc[2, "uid"] = "p1"
    path = write_table(tmp_path / "aime.jsonl", aime_like)
    message = load_error(file_spec(path))
    assert str(path) in message and "'p1'" in message and "row 0, row 2" in message


def test_files_with_the_same_stem_collide_and_both_are_named(tmp_path, aime_like):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = write_table(tmp_path / "a" / "test.jsonl", aime_like)
    second = write_table(tmp_path / "b" / "test.jsonl", aime_like)
    message = load_error(file_spec([first, second]))
    assert "'test/p1'" in message and str(first) in message and str(second) in message


def test_unsupported_extension_and_missing_file(tmp_path):
    text_file = tmp_path / "aime.txt"
    text_file.write_text("Find x.\n")
    assert "'.txt'" in load_error(file_spec(text_file)) and str(text_file) in load_error(file_spec(text_file))
    assert "no such file" in load_error(file_spec(tmp_path / "absent.jsonl"))


def test_unknown_source_is_an_error():
    assert "unknown source 'ftp'" in load_error({"source": "ftp"})


# --- broken JSON escapes -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("broken", "repaired", "repairs"),
    [
        ("\x0crac{1}{2}", "\\frac{1}{2}", 1),
        ("\x09riangle ABC", "\\triangle ABC", 1),
        ("$\x0crac12 + \x0crac{m}{n}$", "$\\frac12 + \\frac{m}{n}$", 2),
        ("$\x08ar{z}$, $\x0dight)$", "$\\bar{z}$, $\\right)$", 2),
        ("have\x09equal\x09perimeters", "have\x09equal\x09perimeters", 0),  # real TABs, as in MATH-500
        ("is\x09an integer", "is\x09an integer", 0),  # "\tan" is not repaired: "an" is a word
        ("\x09riangles", "\x09riangles", 0),  # the whole letter run must be a command name
        ("x\nneq y\nnot\nu", "x\nneq y\nnot\nu", 0),  # newlines are never repaired
    ],
)
def test_repair_broken_escapes(broken, repaired, repairs):
    assert repair_broken_escapes(broken) == (repaired, repairs)


def test_load_repairs_and_logs_each_repaired_row(tmp_path, aime_like, caplog):
    aime_like.loc[1, "question"] = "Find $\x0crac{1}{2} + \x0crac{x}{3}$ in $\x09riangle ABC$."
    path = write_table(tmp_path / "aime.jsonl", aime_like)
    with caplog.at_level(logging.WARNING, logger="fastmath_r1"):
        table = load_benchmark(file_spec(path), "aime")
    assert table["problem"][1] == "Find $\\frac{1}{2} + \\frac{x}{3}$ in $\\triangle ABC$."
    [record] = caplog.records
    assert str(path) in record.getMessage() and "row 1 (id 'p2')" in record.getMessage()
    assert "repaired 3" in record.getMessage()


def test_load_keeps_tabs_and_newlines_of_real_text(tmp_path, aime_like):
    aime_like.loc[0, "question"] = "A square\tand a triangle.\n\n[asy]\n\treturn 1;\n[/asy]"
    path = write_table(tmp_path / "aime.jsonl", aime_like)
    assert load_benchmark(file_spec(path), "aime")["problem"][0] == aime_like["question"][0]


@pytest.mark.parametrize("control", ["\x0c", "\x08", "\x0d"])
def test_load_rejects_a_broken_escape_that_is_no_known_command(tmp_path, aime_like, control):
    aime_like.loc[2, "question"] = f"Let $x = {control}oo$."
    path = write_table(tmp_path / "aime.jsonl", aime_like)
    message = load_error(file_spec(path))
    assert f"{path}, row 2 (id 'p3'), field 'problem'" in message
    assert f"U+{ord(control):04X}" in message and "broken escape" in message


# --- the Hub -------------------------------------------------------------------------------------


def test_hub_loads_the_pinned_revision_and_normalises_like_a_file(monkeypatch, aime_like):
    datasets = pytest.importorskip("datasets")
    calls = []

    def fake_load_dataset(repo_id, **kwargs):
        calls.append((repo_id, kwargs))
        return datasets.Dataset.from_pandas(aime_like)

    monkeypatch.setattr(datasets, "load_dataset", fake_load_dataset)
    spec = {
        "source": "hub",
        "repo_id": "HuggingFaceH4/aime_2024",
        "revision": "0123abc",
        "split": "train",
        "config": "default",
        "data_files": None,
        "max_problems": None,
        "fields": FIELDS,
        "answer_type": "integer",
        "answer_range": [0, 999],
    }
    table = load_benchmark(spec, "aime24")
    assert calls == [
        ("HuggingFaceH4/aime_2024", {"name": "default", "split": "train", "revision": "0123abc", "data_files": None})
    ]
    assert table["problem_id"].tolist() == ["p1", "p2", "p3"]
    assert table["answer"].tolist() == [25, 7, 999]

    spec["fields"] = {**FIELDS, "answer": "solution"}
    with pytest.raises(BenchmarkError, match=re.escape("HuggingFaceH4/aime_2024@0123abc")):
        load_benchmark(spec, "aime24")


# --- the public copies ---------------------------------------------------------------------------


@pytest.fixture
def shared() -> Path:
    return shared_path("benchmarks")


QWEN_AIME24 = "QwenLM__Qwen2.5-Math/evaluation/data/aime24/test.jsonl"
PREVIEW = "GAIR-NLP__AIME-Preview/eval/data/aime"
AREAL = "inclusionAI__AReaL/evaluation/data"
PLAIN_FIELDS = {"id": "id", "problem": "problem", "answer": "answer"}


def shared_spec(shared: Path, *paths: str, answer_type: str = "integer", fields: dict = PLAIN_FIELDS) -> dict:
    located = [str(shared / p) for p in paths]
    spec = {
        "source": "file",
        "path": located if len(located) > 1 else located[0],
        "fields": fields,
        "answer_type": answer_type,
        "max_problems": None,
    }
    if answer_type == "integer":
        spec["answer_range"] = [0, 999]
    return spec


def matharena_answers(shared: Path, year: int) -> dict[tuple[str, int], int]:
    """{(contest, problem number): answer} from MathArena, the reference for all 60 AIME answers."""
    answers = {}
    for contest_name in ("I", "II"):
        table = read_table(shared / f"eth-sri__matharena/data/aime/aime_{year}_{contest_name}/answers.csv")
        answers |= {(contest_name, int(i)): int(a) for i, a in zip(table["id"], table["answer"])}
    return answers


def problem_key(text: str) -> tuple[str, int]:
    """("II", 4) from an AoPS url ".../2024_AIME_II_Problems/Problem_4" or an id "II-4"."""
    contest_name, number = re.search(r"(?<!I)(I{1,2})(?:_Problems/Problem_|-)(\d+)$", text).groups()
    return contest_name, int(number)


def assert_same_answers(table: pd.DataFrame, keys: list[tuple[str, int]], reference: dict) -> None:
    assert sorted(table["answer"]) == sorted(reference.values())
    assert dict(zip(keys, table["answer"])) == reference


@pytest.mark.parametrize("path", [QWEN_AIME24, f"{PREVIEW}/test2024.jsonl"])
def test_aime_2024_copies_agree_with_matharena(shared, path):
    table = load_benchmark(shared_spec(shared, path), "aime24")
    assert len(table) == 30
    # Rows follow the AoPS url's lexicographic order (I-1, I-10, ...): align them by url.
    keys = [problem_key(url) for url in read_table(shared / path)["url"]]
    assert_same_answers(table, keys, matharena_answers(shared, 2024))


def test_areal_aime_2025_is_repaired_and_agrees_with_matharena(shared):
    table = load_benchmark(shared_spec(shared, f"{AREAL}/aime25/test.jsonl"), "aime25")
    assert len(table) == 30
    assert not table["problem"].str.contains(r"[\x00-\x09\x0b-\x1f]").any()
    assert table["problem"][18].count("\\frac") == 5
    assert "\\frac{m}{n}" in table["problem"][27]
    assert "$\\triangle DEF$" in table["problem"][19]
    # Ids "0".."29" are I-1..I-15 then II-1..II-15.
    keys = [("I", i + 1) if i < 15 else ("II", i - 14) for i in range(30)]
    assert_same_answers(table, keys, matharena_answers(shared, 2025))


def test_aime_preview_2025_two_files_are_one_benchmark(shared):
    spec = shared_spec(shared, f"{PREVIEW}/test2025-I.jsonl", f"{PREVIEW}/test2025-II.jsonl")
    table = load_benchmark(spec, "aime25")
    assert len(table) == 30
    assert table["problem_id"].iloc[[0, 15]].tolist() == ["test2025-I/I-1", "test2025-II/II-1"]
    keys = [problem_key(problem_id) for problem_id in table["problem_id"]]
    assert_same_answers(table, keys, matharena_answers(shared, 2025))


def test_math_500_keeps_expression_answers(shared):
    fields = {"id": "unique_id", "problem": "problem", "answer": "answer"}
    table = load_benchmark(
        shared_spec(shared, f"{AREAL}/math_500/test.jsonl", answer_type="expression", fields=fields), "math500"
    )
    assert len(table) == 500 and table["problem_id"].is_unique
    answers = dict(zip(table["problem_id"], table["answer"]))
    assert answers["test/algebra/2584.json"] == "\\frac{14}{3}"
    assert answers["test/precalculus/807.json"] == "\\left( 3, \\frac{\\pi}{2} \\right)"


def test_aimo2_reference_answers(shared):
    table = load_benchmark(shared_spec(shared, "tonghuikang__grpo_aimo2/reference.csv"), "aimo2")
    ids = ["057f8a", "192e23", "1acac0", "1fce4b", "349493", "480182", "71beb6", "88c219", "a1d40b", "bbd91e"]
    answers = [79, 250, 180, 143, 3, 751, 891, 810, 201, 902]
    assert dict(zip(table["problem_id"], table["answer"])) == dict(zip(ids, answers))
