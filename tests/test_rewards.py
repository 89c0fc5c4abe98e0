"""Tests for fastmath_r1.rewards: exact values of the paper's GRPO rewards, worked by hand."""

import functools
import inspect
import math
import pickle
from pathlib import Path

import pandas as pd
import pytest
import yaml

from fastmath_r1.grading import gold_is_parsable
from fastmath_r1.rewards import (
    REWARDS,
    accuracy_reward,
    build_rewards,
    completion_text,
    cosine_value,
    format_reward,
    length_values,
    make_cosine_reward,
    make_length_reward,
    reject_unparsable_gold,
)

# The paper's cosine parameters: the defaults of the cosine reward's factory, where they are written once.
PAPER_COSINE = {name: p.default for name, p in inspect.signature(make_cosine_reward).parameters.items()}
cosine_reward = make_cosine_reward()
length_reward = make_length_reward()


def sized(n: int, answer: int | str = 7) -> str:
    """A completion of exactly ``n`` characters ending in ``\\boxed{answer}``."""
    box = f"\\boxed{{{answer}}}"
    assert n >= len(box)
    return "x" * (n - len(box)) + box


def conv(text: str) -> list[dict]:
    return [{"role": "assistant", "content": text}]


def trl_name(func) -> str:
    """The name TRL logs a reward under (trl.trainer.utils.get_callable_name, without importing TRL)."""
    while isinstance(func, functools.partial):
        func = func.func
    return getattr(func, "__name__", type(func).__name__)


def call(func, completions, answer, prompts=None):
    """Call a reward as TRL's GRPOTrainer does: keywords only, with its extra arguments."""
    if prompts is None:
        prompts = ["p"] * len(completions)
    return func(
        prompts=prompts,
        completions=completions,
        completion_ids=[[0]] * len(completions),
        answer=answer,
        trainer_state=None,
        log_extra=lambda *a, **k: None,
        log_metric=lambda *a, **k: None,
    )


# ---------------------------------------------------------------------------------------------
# completion_text
# ---------------------------------------------------------------------------------------------
def test_completion_text_plain_and_conversational():
    assert completion_text("abc") == "abc"
    assert completion_text(conv("abc")) == "abc"
    assert completion_text({"role": "assistant", "content": "abc"}) == "abc"
    # Tool results are not the model's text.
    msgs = [
        {"role": "assistant", "content": "a"},
        {"role": "tool", "content": "T"},
        {"role": "assistant", "content": "b"},
    ]
    assert completion_text(msgs) == "ab"
    # A response parser that split the reasoning off: it is put back before </think>.
    split = [{"role": "assistant", "reasoning_content": r"r \boxed{3}", "content": "c"}]
    assert completion_text(split) == r"<think>r \boxed{3}</think>c"
    assert format_reward([split]) == [1.0]


# ---------------------------------------------------------------------------------------------
# format
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, expected",
    [
        (r"think \boxed{3} check</think> so 3", 1.0),  # box before </think>
        ("a\n\\boxed{3}\nb\n</think>\nc", 1.0),  # DOTALL: newlines anywhere
        (r"\boxed{\frac{1}{2}}</think>", 1.0),  # nested braces
        (r"\boxed{\sqrt{\frac{a}{b}}} ok </think>", 1.0),
        (r"think</think> \boxed{3}", 0.0),  # box only after </think>
        (r"think \boxed{3}", 0.0),  # no </think>
        ("think</think>", 0.0),  # no box
        (r"\boxed{3</think>", 0.0),  # box not closed before </think>
        ("", 0.0),
    ],
)
def test_format_reward(text, expected):
    assert format_reward([text], answer=["3"]) == [expected]
    assert call(format_reward, [conv(text)], ["3"]) == [expected]


# ---------------------------------------------------------------------------------------------
# accuracy
# ---------------------------------------------------------------------------------------------
def test_accuracy_reward():
    completions = [
        r"\boxed{7}",  # correct
        r"\boxed{8}",  # wrong
        r"\boxed{7} no, \boxed{8}",  # the last box counts: wrong
        "7",  # no box: wrong
        r"\boxed{\frac{1}{2}}",  # math-verify: 1/2 == 0.5
    ]
    gold = ["7", "7", "7", "7", "0.5"]
    assert call(accuracy_reward, completions, gold) == [1.0, 0.0, 0.0, 0.0, 1.0]
    assert call(accuracy_reward, [r"\boxed{42}"], [42]) == [1.0]  # integer gold column


def test_mismatched_answer_length_is_an_error():
    with pytest.raises(ValueError, match="2 completions but 1"):
        accuracy_reward(["a", "b"], ["1"])


# ---------------------------------------------------------------------------------------------
# cosine
# ---------------------------------------------------------------------------------------------
# r = lo + 0.5 * (hi - lo) * (1 + cos(pi * p)),  p = min(1, len / max_len)
# correct: lo = 0.1, hi = 1.0  ->  r = 0.1 + 0.45 * (1 + cos(pi p))
# wrong:   lo = -0.1, hi = -1.0 -> r = -0.1 - 0.45 * (1 + cos(pi p))
COSINE_POINTS = [
    # (p, correct, expected)
    (0.0, True, 1.0),  # 0.1 + 0.45 * (1 + 1) = 1.0
    (0.25, True, 0.1 + 0.45 * (1 + math.sqrt(2) / 2)),  # cos(pi/4) = 0.7071...: 0.86820
    (0.5, True, 0.55),  # 0.1 + 0.45 * (1 + 0) = 0.55
    (1.0, True, 0.1),  # 0.1 + 0.45 * (1 - 1) = 0.1
    (1.5, True, 0.1),  # p clipped to 1 -> 0.1
    (0.0, False, -1.0),  # -0.1 - 0.45 * 2 = -1.0
    (0.5, False, -0.55),  # -0.1 + 0.5 * (-0.9) * (1 + 0) = -0.55
    (1.0, False, -0.1),  # -0.1 - 0.45 * 0 = -0.1
    (1.5, False, -0.1),  # clipped -> -0.1
]


@pytest.mark.parametrize("p, correct, expected", COSINE_POINTS)
def test_cosine_value_paper_parameters(p, correct, expected):
    assert PAPER_COSINE == {"max_len": 30000, "min_value_correct": 0.1, "max_value_correct": 1.0,
                            "min_value_wrong": -0.1, "max_value_wrong": -1.0}  # fmt: skip
    assert cosine_value(round(p * 30000), correct, **PAPER_COSINE) == pytest.approx(expected, abs=1e-12)


def test_cosine_reward_on_completions_of_known_length():
    reward = make_cosine_reward(max_len=100)
    # lengths 50, 100, 150 (correct and wrong answers); gold is 7.
    completions = [sized(50, 7), sized(100, 7), sized(150, 7), sized(50, 8), sized(100, 8), sized(150, 8)]
    expected = [0.55, 0.1, 0.1, -0.55, -0.1, -0.1]
    assert call(reward, completions, ["7"] * 6) == pytest.approx(expected, abs=1e-12)
    # An empty completion has no answer: wrong at p = 0 -> -1.0.
    assert call(reward, [""], ["7"]) == pytest.approx([-1.0])


def test_cosine_reward_defaults_and_custom_values():
    # Default max_len 30000: 15000 characters is p = 0.5.
    assert call(cosine_reward, [sized(15000, 7)], ["7"]) == pytest.approx([0.55])
    # Custom ends: correct 2.0 -> 0.0, at p = 0.5: 0.0 + 0.5 * 2.0 * (1 + 0) = 1.0.
    reward = make_cosine_reward(max_len=40, min_value_correct=0.0, max_value_correct=2.0)
    assert call(reward, [sized(20, 7)], ["7"]) == pytest.approx([1.0])
    with pytest.raises(ValueError, match="max_len"):
        make_cosine_reward(max_len=0)


# ---------------------------------------------------------------------------------------------
# length (Kimi k1.5)
# ---------------------------------------------------------------------------------------------
def test_length_values_by_hand():
    # lengths 10, 20, 30, 50: min 10, max 50, range 40; lambda = 0.5 - (len - 10) / 40
    #   10 -> 0.5, 20 -> 0.25, 30 -> 0.0, 50 -> -0.5
    # correct 10 -> 0.5; wrong 20 -> min(0, 0.25) = 0 (clipped); correct 30 -> 0.0;
    # wrong 50 -> min(0, -0.5) = -0.5
    assert length_values([10, 20, 30, 50], [True, False, True, False]) == pytest.approx([0.5, 0.0, 0.0, -0.5])
    # all correct: plain lambda, correct long ones are penalised
    assert length_values([10, 20, 30, 50], [True] * 4) == pytest.approx([0.5, 0.25, 0.0, -0.5])
    # equal lengths -> zeros whatever the correctness
    assert length_values([40, 40, 40], [True, False, True]) == [0.0, 0.0, 0.0]
    assert length_values([], []) == []


def test_length_reward_on_completions():
    completions = [sized(10, 7), sized(20, 8), sized(30, 7), sized(50, 8)]  # gold 7: T, F, T, F
    assert call(length_reward, completions, ["7"] * 4) == pytest.approx([0.5, 0.0, 0.0, -0.5])
    # three completions of one length -> all 0
    assert call(length_reward, [sized(25, 7), sized(25, 8), sized(25, 7)], ["7"] * 3) == [0.0, 0.0, 0.0]


def test_length_reward_per_prompt_versus_per_batch():
    # Two prompts, interleaved A, B, A, B; every answer correct.
    prompts = ["A", "B", "A", "B"]
    completions = [sized(10, 7), sized(30, 7), sized(20, 7), sized(50, 7)]
    gold = ["7"] * 4
    # per prompt: A has lengths 10, 20 -> 0.5 - 0/10 = 0.5, 0.5 - 10/10 = -0.5;
    #             B has lengths 30, 50 -> 0.5, -0.5
    per_prompt = call(make_length_reward("prompt"), completions, gold, prompts)
    assert per_prompt == pytest.approx([0.5, 0.5, -0.5, -0.5])
    # per batch: min 10, max 50, range 40 -> 10: 0.5, 30: 0.5 - 20/40 = 0.0, 20: 0.25, 50: -0.5
    per_batch = call(make_length_reward("batch"), completions, gold, prompts)
    assert per_batch == pytest.approx([0.5, 0.0, 0.25, -0.5])
    # Conversational prompts (lists of messages) group by value as well.
    conv_prompts = [[{"role": "user", "content": p}] for p in prompts]
    assert call(make_length_reward("prompt"), completions, gold, conv_prompts) == pytest.approx(per_prompt)


def test_length_reward_errors():
    with pytest.raises(ValueError, match="group_by"):
        make_length_reward("device")
    with pytest.raises(ValueError, match="prompts"):
        length_reward([sized(10)], ["7"])


# ---------------------------------------------------------------------------------------------
# plain vs conversational, TRL names, pickling
# ---------------------------------------------------------------------------------------------
def test_conversational_and_plain_completions_agree():
    texts = [
        sized(40, 7) + "</think>",
        r"a \boxed{7}</think> b",
        r"</think> \boxed{8}" + "y" * 30,
        "no answer here",
    ]
    gold = ["7"] * 4
    prompts = ["A", "A", "B", "B"]
    funcs = [format_reward, accuracy_reward, make_cosine_reward(max_len=60), make_length_reward("prompt")]
    for func in funcs:
        plain = call(func, texts, gold, prompts)
        chat = call(func, [conv(t) for t in texts], gold, prompts)
        assert plain == chat, trl_name(func)
        assert all(isinstance(v, float) for v in plain)


def test_names_trl_logs_and_pickling():
    assert trl_name(format_reward) == "format_reward"
    assert trl_name(accuracy_reward) == "accuracy_reward"
    assert trl_name(make_cosine_reward(max_len=600)) == "cosine"
    assert make_cosine_reward(max_len=600).__name__ == "cosine"
    assert trl_name(make_length_reward("batch")) == "length"
    assert make_length_reward("batch").__name__ == "length"
    reward = pickle.loads(pickle.dumps(make_cosine_reward(max_len=100)))
    assert call(reward, [sized(50, 7)], ["7"]) == pytest.approx([0.55])


# ---------------------------------------------------------------------------------------------
# build_rewards
# ---------------------------------------------------------------------------------------------
def test_build_rewards_functions_with_their_parameters():
    assert set(REWARDS) == {"format", "accuracy", "cosine", "length"}
    params = {"cosine": {"max_len": 600}, "length": {"group_by": "batch"}, "unused": {}}
    funcs = build_rewards(["format", "cosine", "length", "accuracy"], params)
    assert [trl_name(f) for f in funcs] == ["format_reward", "cosine", "length", "accuracy_reward"]
    # cosine got max_len 600: 300 characters, correct -> p = 0.5 -> 0.55
    assert call(funcs[1], [sized(300, 7)], ["7"]) == pytest.approx([0.55])
    # length got group_by batch: different prompts share one min/max (10 -> 0.5, 30 -> -0.5)
    assert call(funcs[2], [sized(10, 7), sized(30, 7)], ["7", "7"], ["A", "B"]) == pytest.approx([0.5, -0.5])
    # No parameters: the paper's (cosine at 15,000 of 30,000 characters -> 0.55).
    assert call(build_rewards(["cosine"], {})[0], [sized(15000, 7)], ["7"]) == pytest.approx([0.55])
    assert build_rewards([], {}) == []


@pytest.mark.parametrize(
    "names, params, message",
    [
        (["bogus"], {}, "bogus"),
        (["cosine"], {"cosine": {"max_length": 600}}, "max_length"),
        (["length"], {"length": {"group_by": "gpu"}}, "gpu"),
        (["format", "format"], {}, "twice"),
    ],
)
def test_build_rewards_errors(names, params, message):
    with pytest.raises((ValueError, TypeError), match=message):
        build_rewards(names, params)


# ---------------------------------------------------------------------------------------------
# gold answers
# ---------------------------------------------------------------------------------------------
def test_grading_accepts_garbage_gold_but_strict_check_does_not():
    # math-verify's default parse would fall back to the raw string; the gold check must not.
    assert not gold_is_parsable("???")
    assert not gold_is_parsable("!!!")
    assert not gold_is_parsable("")
    assert not gold_is_parsable(None)
    assert not gold_is_parsable(float("nan"))
    for good in ["7", 7, "-3", "1,000", r"\frac{1}{2}", r"\sqrt{2}", "x+1", "(1,2)"]:
        assert gold_is_parsable(good), good


def test_reject_unparsable_gold():
    good = pd.DataFrame({"problem": ["a", "b", "c"], "answer": ["7", r"\frac{1}{2}", "12"]})
    assert reject_unparsable_gold(good) is good
    bad = pd.DataFrame({"problem": list("abcd"), "answer": ["7", "8", "???", ""]}, index=[10, 11, 12, 13])
    with pytest.raises(ValueError, match=r"row 12 .*'\?\?\?'"):
        reject_unparsable_gold(bad)
    missing = pd.DataFrame({"answer": ["7", None]})  # pandas stores the missing value as NaN
    with pytest.raises(ValueError, match="row 1 .*(nan|None)"):
        reject_unparsable_gold(missing)
    other = pd.DataFrame({"gold": ["7", "x"]})
    assert reject_unparsable_gold(other, answer_column="gold") is other
    with pytest.raises(ValueError, match="'answer'"):
        reject_unparsable_gold(other)


# ---------------------------------------------------------------------------------------------
# the config schema against the registry
# ---------------------------------------------------------------------------------------------
SCHEMA = yaml.safe_load((Path(__file__).resolve().parents[1] / "workflow/schemas/config.schema.yaml").read_text())
GRPO_SCHEMA = SCHEMA["properties"]["grpo"]["properties"]


def test_schema_reward_names_are_the_registrys():
    arm = GRPO_SCHEMA["arms"]["additionalProperties"]["properties"]
    assert set(arm["rewards"]["items"]["enum"]) == set(REWARDS)


@pytest.mark.parametrize("name", sorted(REWARDS))
def test_each_reward_params_block_is_its_factorys_signature(name):
    blocks = GRPO_SCHEMA["reward_params"]["properties"]
    factory = set(inspect.signature(REWARDS[name]).parameters)
    assert set(blocks.get(name, {}).get("properties", {})) == factory
    assert set(blocks) <= set(REWARDS)
