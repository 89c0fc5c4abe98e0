"""Every bad input a one-line error: each case below gives a step a malformed input through its command line and
asserts that it exits non-zero with one line, `fastmath-r1 <step>: ...`, naming the file, key or row, and writes
no output a rerun could take for finished. The config cases go through Snakemake, which refuses the run before any
job starts. README's "Bad input" table lists them."""

import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from test_workflow import snakemake

from fastmath_r1.cli import main

BENCHMARK = {"source": "file", "fields": {"id": "id", "problem": "problem", "answer": "answer"},
             "answer_type": "integer", "max_problems": None}  # fmt: skip
GOOD_ROWS = [{"id": "a", "problem": "What is 1+1?", "answer": "2"}, {"id": "b", "problem": "2+2?", "answer": "4"}]
OPENR1_ROW = {"problem": "1+1?", "answer": "2", "generations": ["<think>2</think> \\boxed{2}"],
              "correctness_math_verify": [True]}  # fmt: skip


def refusal(argv: list[str]) -> str:
    """The one line a refused command exits with."""
    with pytest.raises(SystemExit) as refused:
        main(argv)
    message = refused.value.code
    assert isinstance(message, str), f"exit status {message!r}, not a message"
    assert "\n" not in message.strip(), message
    assert message.startswith(f"fastmath-r1 {argv[0]}: "), message
    return message


def jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def benchmark_refusal(path: Path, tmp_path: Path, **spec) -> str:
    out = tmp_path / "out.parquet"
    message = refusal(["benchmark", "--spec", json.dumps(BENCHMARK | {"path": str(path)} | spec), "--name", "b",
                       "--out", str(out)])  # fmt: skip
    assert not out.exists()
    return message


# ---- benchmark files ----


def test_a_benchmark_without_its_answer_column(tmp_path):
    path = jsonl(tmp_path / "set.jsonl", [{"id": "a", "problem": "1+1?", "solution": "2"}])
    assert "field 'answer' maps to column 'answer', which the table lacks" in benchmark_refusal(path, tmp_path)


def test_a_benchmark_with_a_duplicate_id(tmp_path):
    path = jsonl(tmp_path / "set.jsonl", [GOOD_ROWS[0], GOOD_ROWS[0] | {"problem": "3+3?"}])
    assert "problem_id 'a' occurs more than once, in row 0, row 1" in benchmark_refusal(path, tmp_path)


def test_a_benchmark_with_a_non_integer_answer_where_integers_are_declared(tmp_path):
    path = jsonl(tmp_path / "set.jsonl", [GOOD_ROWS[0], GOOD_ROWS[1] | {"answer": "\\frac{1}{2}"}])
    assert "row 1 (id 'b'), field 'answer' (column 'answer'): '\\\\frac{1}{2}' is not an integer" in benchmark_refusal(
        path, tmp_path
    )


def test_an_empty_benchmark_file(tmp_path):
    path = tmp_path / "set.jsonl"
    path.write_text("")
    assert f"benchmark 'b': {path}: the file is empty" in benchmark_refusal(path, tmp_path)


def test_a_benchmark_file_with_a_header_and_no_rows(tmp_path):
    path = tmp_path / "set.csv"
    path.write_text("id,problem,answer\n")
    assert "the table has no rows" in benchmark_refusal(path, tmp_path)


def test_a_benchmark_file_in_another_encoding(tmp_path):
    path = tmp_path / "set.csv"
    path.write_bytes("id,problem,answer\na,Combien font 2×3 ?,6\n".encode("utf-16"))
    assert f"cannot read {path}" in benchmark_refusal(path, tmp_path)


def test_a_benchmark_file_that_is_not_there(tmp_path):
    assert "no such file" in benchmark_refusal(tmp_path / "nowhere.jsonl", tmp_path)


def test_a_benchmark_file_of_an_unknown_format(tmp_path):
    path = tmp_path / "set.xlsx"
    path.write_bytes(b"PK\x03\x04")
    assert "unsupported table format '.xlsx'" in benchmark_refusal(path, tmp_path)


def test_a_corrupt_parquet_benchmark(tmp_path):
    path = tmp_path / "set.parquet"
    path.write_bytes(b"PAR1" + b"\x00" * 64)
    assert f"cannot read {path}" in benchmark_refusal(path, tmp_path)


def test_a_benchmark_answer_outside_its_range(tmp_path):
    path = jsonl(tmp_path / "set.jsonl", [GOOD_ROWS[0] | {"answer": "1234"}])
    assert "1234 is outside the answer range [0, 999]" in benchmark_refusal(path, tmp_path, answer_range=[0, 999])


def test_a_benchmark_with_an_empty_problem(tmp_path):
    path = jsonl(tmp_path / "set.jsonl", [GOOD_ROWS[0] | {"problem": "  "}])
    assert "row 0 (id 'a'), field 'problem' (column 'problem'): empty or not text" in benchmark_refusal(path, tmp_path)


# ---- source datasets of the stage-1 set ----


def build_set_refusal(pool: Path, tmp_path: Path) -> str:
    out = tmp_path / "sft.parquet"
    selection = json.dumps(
        {"min_generation_length": 0, "length_unit": "chars", "min_accuracy": 0.0, "max_accuracy": 1.0}
    )
    message = refusal(["build-set", "--pool", str(pool), "--selection", selection, "--keep", "shortest-correct",
                       "--out", str(out)])  # fmt: skip
    assert not out.exists()
    return message


@pytest.mark.parametrize("column", ["generations", "correctness_math_verify"])
def test_a_source_without_traces_or_their_correctness(column, tmp_path):
    pool = tmp_path / "pool.parquet"
    pd.DataFrame([{k: v for k, v in OPENR1_ROW.items() if k != column}]).to_parquet(pool)
    assert f"{pool}: missing column(s) {column}" in build_set_refusal(pool, tmp_path)


def test_a_source_whose_correctness_does_not_match_its_traces(tmp_path):
    pool = tmp_path / "pool.parquet"
    pd.DataFrame([OPENR1_ROW | {"correctness_math_verify": [True, False]}]).to_parquet(pool)
    assert f"{pool}: row 0 has 1 generation(s) and 2 correctness flag(s)" in build_set_refusal(pool, tmp_path)


def test_a_source_that_is_not_a_table(tmp_path):
    pool = tmp_path / "pool.parquet"
    pool.write_text("this is not parquet")
    assert f"cannot read {pool}" in build_set_refusal(pool, tmp_path)


# ---- model directories and checkpoints ----


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    from fastmath_r1.model import init_model
    from fastmath_r1.tokenizer import train_tokenizer

    out = tmp_path_factory.mktemp("model")
    arch = dict(hidden_size=16, intermediate_size=32, num_hidden_layers=1, num_attention_heads=2, num_key_value_heads=1,
                max_position_embeddings=64, attn_implementation="eager")  # fmt: skip
    init_model(train_tokenizer(["1+1=2", "2+2=4", "What is 3+3?"] * 20, 300), arch, seed=0, out_dir=out)
    return out


def model_copy(model_dir: Path, tmp_path: Path, drop: tuple[str, ...] = ()) -> Path:
    copy = tmp_path / "mine"
    shutil.copytree(model_dir, copy, ignore=shutil.ignore_patterns(*drop))
    return copy


def import_refusal(path: Path, tmp_path: Path) -> str:
    out = tmp_path / "run-model"
    message = refusal(["import-model", "--path", str(path), "--out", str(out)])
    assert not out.exists()
    return message


def test_a_model_directory_without_a_tokenizer(model_dir, tmp_path):
    path = model_copy(model_dir, tmp_path, drop=("tokenizer*", "special_tokens_map.json"))
    assert f"original.path {path}: lacks a tokenizer file" in import_refusal(path, tmp_path)


def test_a_model_directory_with_pickle_weights_only(model_dir, tmp_path):
    path = model_copy(model_dir, tmp_path, drop=("*.safetensors",))
    (path / "pytorch_model.bin").write_bytes(b"\x80\x04pickle")
    message = import_refusal(path, tmp_path)
    assert "lacks a weights file (*.safetensors)" in message and "pickle weights, pytorch_model.bin" in message


def test_a_model_directory_without_its_config(model_dir, tmp_path):
    path = model_copy(model_dir, tmp_path, drop=("config.json",))
    assert f"original.path {path}: lacks config.json" in import_refusal(path, tmp_path)


def test_a_model_directory_that_is_not_there(tmp_path):
    assert "no such model directory" in import_refusal(tmp_path / "nowhere", tmp_path)


def test_a_checkpoint_with_cut_off_weights(model_dir, tmp_path):
    path = model_copy(model_dir, tmp_path)
    weights = path / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:200])
    assert f"{weights}: not a readable safetensors file" in import_refusal(path, tmp_path)


# ---- what a step writes ----


def test_a_results_folder_that_cannot_be_written(tmp_path):
    path = jsonl(tmp_path / "set.jsonl", GOOD_ROWS)
    blocker = tmp_path / "results"
    blocker.write_text("a file where the results folder should be")
    message = refusal(["benchmark", "--spec", json.dumps(BENCHMARK | {"path": str(path)}), "--name", "b",
                       "--out", str(blocker / "b.parquet")])  # fmt: skip
    assert f"Cannot save file into a non-existent directory: '{blocker}'" in message


def test_an_evaluation_benchmark_without_a_problem_column(model_dir, tmp_path):
    table = tmp_path / "set.parquet"
    pd.DataFrame({"problem_id": ["a"], "question": ["1+1?"], "answer": [2]}).to_parquet(table)
    eval_config = {"backend": "transformers", "batch_size": 2, "shard_size": 2, "dtype": "float32", "samples": 1,
                   "budgets": [8], "temperature": 1.0, "top_p": 1.0, "min_p": 0.0, "stop_at_think_end": False,
                   "seed": 0, "pass_k": [1], "bootstrap_resamples": 10}  # fmt: skip
    message = refusal(["evaluate", "--model", str(model_dir), "--model-name", "m", "--benchmark", f"s={table}",
                       "--prompts", '{"system": "", "user": "{problem}"}', "--eval", json.dumps(eval_config),
                       "--out-dir", str(tmp_path / "eval"), "--threads", "1"])  # fmt: skip
    assert f"{table}: missing column(s) problem" in message
    assert not (tmp_path / "eval" / "s" / "completions.parquet").exists()


def test_an_evaluation_with_a_protocol_short_of_its_prompts(model_dir, tmp_path):
    table = tmp_path / "set.parquet"
    pd.DataFrame({"problem_id": ["a"], "problem": ["1+1?"], "answer": [2]}).to_parquet(table)
    message = refusal(["evaluate", "--model", str(model_dir), "--model-name", "m", "--benchmark", f"s={table}",
                       "--benchmark", f"t={table}", "--prompts", '{"system": "", "user": "{problem}"}', "--eval", "{}",
                       "--eval", "{}", "--out-dir", str(tmp_path / "a"), "--out-dir", str(tmp_path / "b"),
                       "--threads", "1"])  # fmt: skip
    assert "--benchmark, --prompts, --eval and --out-dir: one of each per protocol" in message


# ---- config: keys, types and cross-key contradictions, refused by Snakemake before any job ----

CONFIG_CASES = [
    ("an unknown key", "eval: {sampels: 2}", r"config key eval: unknown key 'sampels' \(expected one of: backend,"),
    ("a wrong type", "eval: {samples: two}", r"config key eval\.samples: expected integer, got 'two'"),
    ("pass@k beyond the samples", "eval: {pass_k: [8, 16]}", r"config key eval\.pass_k: pass@16 needs 16 samples"),
    ("a report budget not among the budgets", "eval: {report_budget: 100}", r"config key eval\.report_budget: 100"),
    ("a shard of part of a batch", "eval: {shard_size: 100}", r"config key eval\.shard_size: 100 samples"),
    ("an unknown benchmark", "eval: {benchmarks: [aime26]}", r"config key eval\.benchmarks: 'aime26'"),
    ("push without models", "push: {enabled: true}", r"config key push\.models: push is enabled but names no model"),
    ("an arm from an unknown model", "grpo: {arms: {recipe: {start: sft-e3, rewards: [format]}}}",
     r"config key grpo\.arms\.recipe\.start: 'sft-e3'"),
]  # fmt: skip


@pytest.mark.parametrize(("case", "override", "message"), CONFIG_CASES, ids=[c[0] for c in CONFIG_CASES])
def test_a_bad_config_is_refused_before_any_job(case, override, message, tmp_path):
    configfile = tmp_path / "bad.yaml"
    configfile.write_text(override + "\n")
    result = snakemake(tmp_path, "-n", "reproduce", "--configfile", str(configfile))
    assert result.returncode != 0
    assert re.search(message, result.stderr) and result.stderr.startswith("config error: "), result.stderr[-1500:]
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr[-1500:]
    assert not (tmp_path / "results").exists()
