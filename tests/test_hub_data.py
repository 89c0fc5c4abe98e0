"""The paper's dataset construction from the Hub, on hand-made frames with the real column names.

The Hub is offline here, so `load_hub_table` is replaced by fixtures shaped like OpenR1-Math-220k
(its 14 columns) and Light-R1-SFTData's stage2-3k.json (ShareGPT conversations); everything after the
download runs the same code as the miniature: data.select_hard, shortest_correct_generation, grpo_prompts.
"""

from pathlib import Path

import pandas as pd
import pytest

from fastmath_r1 import cli, hub
from fastmath_r1.data import grpo_prompts, sample_rows, select_hard, to_openr1_shape
from fastmath_r1.training import keep_matching_checkpoints


def openr1_row(problem, answer, generations, correct):
    return {
        "problem": problem, "solution": "s", "answer": answer, "problem_type": "Algebra",
        "question_type": "math-word-problem",
        "source": "olympiads", "uuid": problem, "is_reasoning_complete": [True] * len(generations),
        "generations": generations, "correctness_math_verify": correct, "correctness_llama": None,
        "finish_reasons": None, "correctness_count": sum(correct), "messages": [],
    }  # fmt: skip


OPENR1 = pd.DataFrame([
    openr1_row("P1", "3", ["long one " * 20 + r"\boxed{3}", r"a shorter correct trace \boxed{3}", r"wrong \boxed{4}"],
               [True, True, False]),
    openr1_row("P2", "7", ["a " * 50 + r"\boxed{7}", r"b \boxed{1}"], [True, False]),
    openr1_row("P3", "9", [r"x \boxed{2}", r"y \boxed{2}"], [False, False]),
])  # fmt: skip


def conversation(problem, trace):
    return [{"from": "user", "value": problem}, {"from": "assistant", "value": trace}]


LIGHT_R1 = pd.DataFrame({"conversations": [
    conversation("P1", r"<think>t</think> \boxed{3}"),  # shorter than OpenR1's traces of P1
    conversation("L2", r"<think>u</think> so \boxed{\frac{1}{2}}"),
    conversation("L3", "<think>no box</think> 12"),
]})  # fmt: skip


def test_openr1_rows_keep_the_selection_columns():
    shaped = to_openr1_shape(OPENR1, "openr1", "open-r1/OpenR1-Math-220k@x")
    assert list(shaped.columns) == ["problem", "answer", "generations", "correctness_math_verify"]
    assert shaped["generations"].map(len).tolist() == [3, 2, 2]


def test_missing_columns_are_named_with_the_source():
    with pytest.raises(ValueError, match=r"repo@rev: missing column\(s\) correctness_math_verify"):
        to_openr1_shape(OPENR1.drop(columns="correctness_math_verify"), "openr1", "repo@rev")


def test_light_r1_answers_come_from_the_trace_and_unanswerable_rows_are_dropped():
    shaped = to_openr1_shape(LIGHT_R1, "light-r1", "qihoo360/Light-R1-SFTData@x")
    assert shaped["problem"].tolist() == ["P1", "L2"]
    assert shaped["answer"].tolist() == ["3", r"\frac{1}{2}"]
    assert shaped["correctness_math_verify"].tolist() == [[True], [True]]


def test_a_given_light_r1_answer_wins_over_the_trace():
    shaped = to_openr1_shape(LIGHT_R1.assign(answer=["5", None, "12"]), "light-r1", "x")
    assert shaped["answer"].tolist() == ["5", r"\frac{1}{2}", "12"]


def test_token_length_floor_needs_a_tokenizer_and_uses_it():
    shaped = to_openr1_shape(OPENR1, "openr1", "x")
    with pytest.raises(ValueError, match="needs a tokenizer"):
        select_hard(shaped, 10, 0.0, 1.0, length_unit="tokens")

    def words(text):
        return len(text.split())

    # Mean words per trace: P1 (41 + 5 + 2) / 3 = 16, P2 (51 + 2) / 2 = 26.5.
    kept = select_hard(shaped, 16, 0.5, 1.0, length_unit="tokens", length=words)
    assert kept["problem"].tolist() == ["P1", "P2"]
    assert select_hard(shaped, 20, 0.5, 1.0, length_unit="tokens", length=words)["problem"].tolist() == ["P2"]


def test_sample_rows_is_seeded_and_keeps_everything_when_asked_for_more():
    frame = pd.DataFrame({"problem": list("abcdefgh")})
    assert sample_rows(frame, 3, 1).equals(sample_rows(frame, 3, 1))
    assert (
        len(sample_rows(frame, 3, 1)) == 3
        and len(sample_rows(frame, None, 1)) == 8
        and len(sample_rows(frame, 99, 1)) == 8
    )


def test_grpo_prompts_are_one_per_problem():
    prompts = grpo_prompts(pd.DataFrame({"problem": ["a", "b", "a"], "answer": ["1", "2", "3"]}))
    assert prompts.to_dict("records") == [
        {"problem_id": "grpo-0", "problem": "a", "answer": "1"},
        {"problem_id": "grpo-1", "problem": "b", "answer": "2"},
    ]  # fmt: skip


@pytest.fixture
def fake_hub(monkeypatch):
    tables = {"open-r1/OpenR1-Math-220k": OPENR1, "qihoo360/Light-R1-SFTData": LIGHT_R1,
              "RabotniKuma/Fast-Math-R1-SFT": pd.DataFrame({"problem": ["a"], "answer": ["1"]})}  # fmt: skip
    calls = []

    def load(spec):
        calls.append(spec)
        return tables[spec["repo_id"]].copy()

    monkeypatch.setattr(hub, "load_hub_table", load)
    return calls


def test_the_paper_construction_end_to_end_through_the_cli(fake_hub, tmp_path):
    """Sources selected one by one (rule hub_source), merged and deduplicated with each problem's
    shortest correct trace (rule sft_set), GRPO prompts from Light-R1 (rule grpo_set)."""
    openr1 = '{"repo_id": "open-r1/OpenR1-Math-220k", "revision": "e4e1", "config": "default", "split": "train"}'
    light = '{"repo_id": "qihoo360/Light-R1-SFTData", "revision": "main", "data_files": "stage2-3k.json"}'
    band = '{"min_generation_length": 0, "length_unit": "chars", "min_accuracy": 0.5, "max_accuracy": 1.0}'
    everything = '{"min_generation_length": 0, "length_unit": "chars", "min_accuracy": 0.0, "max_accuracy": 1.0}'
    cli.main(["hub-source", "--dataset", openr1, "--format", "openr1", "--selection", band, "--seed", "2025",
              "--out", str(tmp_path / "a.parquet")])  # fmt: skip
    cli.main(["hub-source", "--dataset", light, "--format", "light-r1", "--selection", everything, "--sample", "5",
              "--seed", "2025", "--out", str(tmp_path / "b.parquet")])  # fmt: skip
    assert fake_hub[0]["revision"] == "e4e1" and fake_hub[1]["data_files"] == "stage2-3k.json"
    pools = [str(tmp_path / "a.parquet"), str(tmp_path / "b.parquet")]
    cli.main(["build-set", "--pool", *pools, "--selection", everything, "--keep", "shortest-correct",
              "--out", str(tmp_path / "sft.parquet")])  # fmt: skip
    sft = pd.read_parquet(tmp_path / "sft.parquet").set_index("problem")
    assert sorted(sft.index) == ["L2", "P1", "P2"]  # P3 has no correct trace; P1 appears in both sources once
    assert sft.loc["P1", "generation"] == r"<think>t</think> \boxed{3}"  # the shortest correct over both sources
    cli.main(["grpo-set", "--dataset", light, "--format", "light-r1", "--out", str(tmp_path / "grpo.parquet")])
    assert pd.read_parquet(tmp_path / "grpo.parquet")["answer"].tolist() == ["3", r"\frac{1}{2}"]


def test_a_published_set_without_its_columns_is_refused(fake_hub, tmp_path):
    with pytest.raises(SystemExit, match=r"RabotniKuma/Fast-Math-R1-SFT@main:train: missing column\(s\) generation"):
        spec = '{"repo_id": "RabotniKuma/Fast-Math-R1-SFT", "revision": "main", "split": "train"}'
        cli.main(["published-sft", "--dataset", spec, "--out", str(tmp_path / "x.parquet")])


def test_checkpoints_of_another_run_are_dropped_and_of_the_same_run_kept(tmp_path):
    data = tmp_path / "data.parquet"
    data.write_bytes(b"rows")
    run = {"epochs": 10, "data": data}
    keep_matching_checkpoints(tmp_path / "ck", run, [data])
    (tmp_path / "ck" / "checkpoint-5").mkdir()
    keep_matching_checkpoints(tmp_path / "ck", run, [data])
    assert (tmp_path / "ck" / "checkpoint-5").exists()
    keep_matching_checkpoints(tmp_path / "ck", {**run, "epochs": 5}, [data])
    assert not (tmp_path / "ck" / "checkpoint-5").exists() and (tmp_path / "ck" / "run.json").exists()
    (tmp_path / "ck" / "checkpoint-6").mkdir()
    data.write_bytes(b"other rows")  # an input changed: its size and time no longer match
    keep_matching_checkpoints(tmp_path / "ck", {**run, "epochs": 5}, [data])
    assert not (tmp_path / "ck" / "checkpoint-6").exists()


ROOT = Path(__file__).resolve().parents[1]
BUILT_SETS = sorted((ROOT / "results").glob("*/data/sft.parquet"))
PAPER_SCALE = [p for p in BUILT_SETS if p.parts[-3] in {"paper", "paper-7b", "paper-1.5b", "single-gpu"}]


@pytest.mark.skipif(
    not PAPER_SCALE, reason="no paper-scale data built here (results/<paper preset>/data/ needs the Hub)"
)
@pytest.mark.parametrize("sft_set", PAPER_SCALE, ids=lambda p: p.parts[-3])
def test_paper_counts_when_the_real_data_is_present(sft_set):
    """The paper: 7,900 SFT rows and about 3.26k GRPO prompts. The published sets must match exactly;
    a rebuild draws its own random rows, so it may differ by a few percent."""
    sft, grpo = pd.read_parquet(sft_set), pd.read_parquet(sft_set.parent / "grpo_prompts.parquet")
    if sft_set.parts[-3] == "single-gpu":  # the published sets
        assert len(sft) == 7900
    else:
        assert 0.9 * 7900 <= len(sft) <= 1.1 * 7900
    assert 0.95 * 3260 <= len(grpo) <= 1.05 * 3260
    assert sft["problem"].is_unique
