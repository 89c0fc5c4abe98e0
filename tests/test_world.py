"""Tests for fastmath_r1.world: the generated problems and the R1-like teacher traces.

World keyword arguments are built from the `world` section of the default config (not hard-coded), so
that a renamed world parameter only needs the config and the schema to follow.
"""

from __future__ import annotations

import copy
import inspect
import random
import re
from itertools import combinations
from pathlib import Path

import pandas as pd
import pytest

from fastmath_r1.config import load_config
from fastmath_r1.grading import is_correct, last_boxed, parse_answer
from fastmath_r1.world import Problem, Step, teacher_trace, world_rows, write_world

ROOT = Path(__file__).resolve().parents[1]
CONFIG = load_config(ROOT / "config" / "config.yaml")
# Keys of the world section that describe the sets (write_world's business), not one call of world_rows.
SET_KEYS = {
    "seed",
    "levels",
    "hard_levels",
    "corpus_problems",
    "sft_pool_problems",
    "grpo_problems",
    "heldout_problems",
}
# world_rows's own per-call arguments, which the config does not carry.
CALL_ARGS = {"id_prefix", "seed", "n_problems", "levels", "exclude"}
LEVELS = CONFIG["world"]["levels"]
SMALL = {"corpus_problems": 60, "sft_pool_problems": 30, "grpo_problems": 20, "heldout_problems": 15}
BENCHMARKS = {name: CONFIG["benchmarks"][name] for name in CONFIG["eval"]["benchmarks"]}


def world_spec() -> dict:
    return copy.deepcopy(CONFIG["world"])


def world_kwargs(**overrides) -> dict:
    """world_rows keyword arguments from the default config, with some of them overridden."""
    kwargs = {k: v for k, v in world_spec().items() if k not in SET_KEYS}
    unknown = set(overrides) - set(kwargs)
    assert not unknown, f"test overrides world parameters the config does not have: {sorted(unknown)}"
    return {**kwargs, **overrides}


def rows(seed: int = 0, n: int = 120, levels=None, exclude=frozenset(), prefix: str = "t", **overrides) -> list[dict]:
    return world_rows(prefix, seed, n, list(levels or LEVELS), exclude=exclude, **world_kwargs(**overrides))


# A world where the teacher slips often and multiplication is on, so wrong traces and "*" steps occur.
SLIPPY = {"slip_rate_per_step": 0.3, "max_multiplier": 3}

ASSIGNMENT = re.compile(r"([a-z])=(?:([a-z])([+\-*])(\d+)|(\d+))\.")
STEP_LINE = re.compile(r"^[a-z]=[a-z][+\-*]\d+=-?\d+[+\-*]\d+=-?\d+$")


def solve(text: str) -> tuple[int, int]:
    """(answer, number of steps) of a problem text, computed independently of world.py."""
    values: dict[str, int] = {}
    n_steps = 0
    for name, source, op, operand, literal in ASSIGNMENT.findall(text):
        if literal:
            values[name] = int(literal)
            continue
        x, k = values[source], int(operand)
        values[name] = {"+": x + k, "-": x - k, "*": x * k}[op]
        n_steps += 1
    target = re.search(r"Find ([a-z])\.$", text).group(1)
    return values[target], n_steps


REFLECTION = re.compile(r"^Wait, ([a-z]=[a-z][+\-*]\d+=(-?\d+)([+\-*])(\d+)=)(-?\d+)\. (?:Yes\.|So ([a-z])=(-?\d+)\.)$")


def n_reflections(trace: str) -> int:
    return sum(line.startswith("Wait, ") for line in trace.split("\n"))


# --- the config and world_rows agree ---------------------------------------------------------------


def test_config_world_section_provides_every_world_rows_parameter():
    """write_world(config["world"], ...) must be able to call world_rows: the config's world section
    (less the set-level keys) names exactly world_rows's parameters."""
    parameters = set(inspect.signature(world_rows).parameters) - CALL_ARGS
    assert set(CONFIG["world"]) - SET_KEYS == parameters


def test_write_world_accepts_the_default_config_world_section(tmp_path):
    spec = copy.deepcopy(CONFIG["world"])
    spec.update(SMALL)
    write_world(spec, BENCHMARKS, tmp_path)
    assert (tmp_path / "corpus.parquet").exists()


# --- determinism ---------------------------------------------------------------------------------


def test_same_seed_gives_identical_rows():
    assert rows(seed=7, **SLIPPY) == rows(seed=7, **SLIPPY)


def test_different_seed_gives_different_rows():
    a, b = rows(seed=7), rows(seed=8)
    assert [r["problem"] for r in a] != [r["problem"] for r in b]
    # Not just a reordering: most problems differ.
    assert len({r["problem"] for r in a} & {r["problem"] for r in b}) < len(a) // 2


# --- problems -----------------------------------------------------------------------------------


@pytest.mark.parametrize("overrides", [{}, SLIPPY], ids=["default", "slippy"])
def test_answers_are_integers_in_range_and_solve_the_problem(overrides):
    max_value = world_kwargs(**overrides)["max_value"]
    for row in rows(**overrides):
        answer = row["answer"]
        assert isinstance(answer, str) and answer == str(int(answer)), answer
        assert 0 <= int(answer) <= min(max_value, 999)
        solved, n_steps = solve(row["problem"])
        assert answer == str(solved), row["problem"]
        assert row["level"] == n_steps


def test_levels_are_spread_evenly_and_level_is_number_of_steps():
    out = rows(n=60, levels=[2, 5, 9])
    assert [r["level"] for r in out] == [2, 5, 9] * 20
    for row in out:
        # a=start, then one assignment per step.
        assert len(ASSIGNMENT.findall(row["problem"])) == row["level"] + 1
        for trace in row["generations"]:
            assert sum(bool(STEP_LINE.match(line)) for line in trace.split("\n")) == row["level"]


def test_a_repeated_level_takes_a_proportionally_larger_share():
    # The default corpus weights its levels this way (config world.levels: level 4 one entry in seven).
    out = rows(n=70, levels=[2, 3, 2, 3, 2, 3, 4])
    counts = {level: sum(r["level"] == level for r in out) for level in (2, 3, 4)}
    assert counts == {2: 30, 3: 30, 4: 10}


def test_problems_within_a_call_are_distinct_and_ids_are_sequential():
    out = rows(n=300, levels=[1, 2])  # small levels: the generator must skip repeats
    assert len({r["problem"] for r in out}) == 300
    assert [r["problem_id"] for r in out] == [f"t-{i:05d}" for i in range(300)]


def test_exclude_really_excludes_and_is_not_mutated():
    first = rows(seed=3, n=100)
    exclude = {r["problem"] for r in first}
    frozen = set(exclude)
    second = rows(seed=3, n=100, exclude=exclude)  # same seed: it would redraw the same problems
    assert len(second) == 100
    assert not exclude & {r["problem"] for r in second}
    assert exclude == frozen


def test_intermediate_values_stay_within_max_value():
    max_value = world_kwargs(**SLIPPY)["max_value"]
    for row in rows(**SLIPPY):
        values: dict[str, int] = {}
        for name, source, op, operand, literal in ASSIGNMENT.findall(row["problem"]):
            x = (
                int(literal)
                if literal
                else {
                    "+": values[source] + int(operand),
                    "-": values[source] - int(operand),
                    "*": values[source] * int(operand),
                }[op]
            )
            values[name] = x
            assert 0 <= x <= max_value, row["problem"]


def test_answers_within_max_value_even_when_max_start_is_larger():
    out = rows(n=30, levels=[1], max_start=99, max_value=20, max_operand=3)
    assert all(0 <= int(r["answer"]) <= 20 for r in out)


def test_tiny_max_value_with_multiplication_does_not_crash():
    out = rows(n=1, levels=[3], max_start=1, max_value=1, max_operand=1, max_multiplier=2)
    assert all(r["answer"] in ("0", "1") for r in out)


def test_asking_for_more_problems_than_the_world_has_is_an_error():
    with pytest.raises(ValueError, match="only 1 of 4 distinct problems"):
        rows(n=4, levels=[3], max_start=1, max_value=1, max_operand=1, max_multiplier=2)


# --- teacher traces -----------------------------------------------------------------------------


@pytest.mark.parametrize("overrides", [{}, SLIPPY], ids=["default", "slippy"])
def test_boxed_answer_matches_correctness_flag(overrides):
    out = rows(**overrides)
    flags = []
    for row in out:
        assert (
            len(row["generations"])
            == len(row["correctness_math_verify"])
            == world_kwargs(**overrides)["traces_per_problem"]
        )
        for trace, ok in zip(row["generations"], row["correctness_math_verify"]):
            assert isinstance(ok, bool)
            assert (parse_answer(trace) == row["answer"]) is ok, (trace, row["answer"])
            assert is_correct(trace, row["answer"]) is ok
            flags.append(ok)
    assert any(flags)
    if overrides:
        assert not all(flags), "the slippy world should contain wrong traces"


@pytest.mark.parametrize("overrides", [{}, SLIPPY], ids=["default", "slippy"])
def test_trace_shape(overrides):
    for row in rows(**overrides):
        for trace in row["generations"]:
            lines = trace.split("\n")
            assert lines[0] == "<think>"
            assert trace.count("<think>") == 1 and trace.count("</think>") == 1
            thinking, final = trace.split("</think>")
            # The answer is boxed inside the thinking, before </think> ...
            inner = last_boxed(thinking)
            assert inner is not None
            # ... and a final statement follows it, boxing the same answer.
            assert final.strip()
            assert last_boxed(final) == inner == parse_answer(trace)
            # A reflection follows a step line and redoes its arithmetic; it corrects the step where the step slipped.
            for before, line in zip(lines, lines[1:]):
                if not line.startswith("Wait, "):
                    continue
                assert STEP_LINE.match(before), (before, line)
                step, x, op, k, right, fixed_name, fixed_value = REFLECTION.match(line).groups()
                name = before.split("=", 1)[0]
                assert before.startswith(step), "a reflection restates its step"
                assert int(right) == {"+": int(x) + int(k), "-": int(x) - int(k), "*": int(x) * int(k)}[op]
                slipped = int(before.rsplit("=", 1)[1]) != int(right)
                assert (fixed_name is not None) == slipped
                assert not slipped or (fixed_name, fixed_value) == (name, right)


def test_traces_of_one_problem_vary_in_length_and_problems_in_reflection():
    kwargs = world_kwargs()
    assert kwargs["max_reflection_rate"] > 0, "the default teacher should reflect"
    out = rows(n=100)
    varying = sum(len({len(t) for t in r["generations"]}) > 1 for r in out)
    assert varying > len(out) // 2
    for r in out:
        assert all(0 <= n_reflections(t) <= r["level"] for t in r["generations"])
    # How reflective the teacher is differs between problems: some reflect on most steps, some on few.
    rates = [sum(map(n_reflections, r["generations"])) / (r["level"] * len(r["generations"])) for r in out]
    assert min(rates) < 0.25 and max(rates) > 0.75


def test_no_reflection_no_slips_gives_identical_traces():
    out = rows(n=60, max_reflection_rate=0.0, slip_rate_per_step=0.0)
    for r in out:
        assert len(set(r["generations"])) == 1
        assert n_reflections(r["generations"][0]) == 0
        assert all(r["correctness_math_verify"])


PROBLEM = Problem(7, (Step("b", "a", "+", 3), Step("c", "b", "-", 4), Step("d", "c", "+", 5)))


def test_a_reflection_on_every_step_catches_every_slip():
    rng = random.Random(0)
    for _ in range(20):
        trace, answer = teacher_trace(PROBLEM, rng, reflection_rate=1.0, slip_rate=1.0)
        assert answer == PROBLEM.answer == 11
        assert trace.count("Wait, ") == 3 and trace.count(". So ") == 3
    trace, answer = teacher_trace(PROBLEM, rng, reflection_rate=0.0, slip_rate=1.0)
    assert answer != PROBLEM.answer and "Wait, " not in trace


def test_reflection_costs_length_and_buys_accuracy():
    """Over many traces of slippy steps, a trace that reflects more is longer and more often right."""
    rng = random.Random(1)
    by_reflections: dict[int, list[tuple[int, bool]]] = {}
    for _ in range(3000):
        trace, answer = teacher_trace(PROBLEM, rng, reflection_rate=0.5, slip_rate=0.2)
        by_reflections.setdefault(n_reflections(trace), []).append((len(trace), answer == PROBLEM.answer))
    accuracy = [sum(ok for _, ok in by_reflections[n]) / len(by_reflections[n]) for n in range(4)]
    length = [sum(n for n, _ in by_reflections[n]) / len(by_reflections[n]) for n in range(4)]
    assert accuracy == sorted(accuracy) and accuracy[3] == 1.0 and accuracy[0] < 0.6
    assert length == sorted(length) and length[3] > length[0] + 60


# --- write_world ---------------------------------------------------------------------------------


def small_spec() -> dict:
    spec = world_spec()
    spec.update(SMALL)
    return spec


def read_world(out_dir: Path) -> dict[str, pd.DataFrame]:
    names = ["corpus", "sft_pool", "grpo_prompts"] + [f"benchmarks/{b}" for b in BENCHMARKS]
    return {name: pd.read_parquet(out_dir / f"{name}.parquet") for name in names}


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> dict[str, pd.DataFrame]:
    out_dir = tmp_path_factory.mktemp("world")
    write_world(small_spec(), BENCHMARKS, out_dir)
    return read_world(out_dir)


def test_write_world_writes_every_set(world):
    spec = small_spec()
    assert len(BENCHMARKS) >= 2
    expected = {
        "corpus": spec["corpus_problems"],
        "sft_pool": spec["sft_pool_problems"],
        "grpo_prompts": spec["grpo_problems"],
    }
    expected |= {f"benchmarks/{b}": spec["heldout_problems"] for b in BENCHMARKS}
    assert {name: len(frame) for name, frame in world.items()} == expected
    for name in ("corpus", "sft_pool"):
        assert {"problem_id", "problem", "answer", "level", "generations", "correctness_math_verify"} <= set(
            world[name]
        )
    for name in ["grpo_prompts"] + [f"benchmarks/{b}" for b in BENCHMARKS]:
        assert list(world[name].columns) == ["problem_id", "problem", "answer", "level"]
    assert set(world["corpus"]["level"]) == set(spec["levels"])
    for name, frame in world.items():
        if name != "corpus":
            assert set(frame["level"]) <= set(spec["hard_levels"]), name


def test_write_world_sets_share_no_problem(world):
    for (a, fa), (b, fb) in combinations(world.items(), 2):
        shared = set(fa["problem"]) & set(fb["problem"])
        assert not shared, f"{a} and {b} share {sorted(shared)[:3]}"
    ids = pd.concat([f["problem_id"] for f in world.values()])
    assert ids.is_unique


def test_write_world_corpus_is_world_rows_of_the_seed(world):
    spec = small_spec()
    expected = world_rows("corpus", spec["seed"], spec["corpus_problems"], spec["levels"], **world_kwargs())
    corpus = world["corpus"]
    assert corpus["problem"].tolist() == [r["problem"] for r in expected]
    assert corpus["answer"].tolist() == [r["answer"] for r in expected]
    assert [list(g) for g in corpus["generations"]] == [r["generations"] for r in expected]


def test_write_world_is_deterministic(world, tmp_path):
    write_world(small_spec(), BENCHMARKS, tmp_path)
    again = read_world(tmp_path)
    for name, frame in world.items():
        pd.testing.assert_frame_equal(again[name], frame, obj=name)
