"""The paper's GRPO rewards (format, accuracy, cosine, length), as TRL reward functions, by name.

Every reward has TRL's GRPOTrainer signature ``f(completions, answer, **kwargs) -> list[float]``:
TRL calls it with keyword arguments only, ``prompts``, ``completions`` and ``completion_ids`` (one per
rollout), every other dataset column (here the gold ``answer``, one per rollout), and ``trainer_state``,
``log_extra`` and ``log_metric``; hence the ``**kwargs``. TRL logs each reward under the callable's name
(a ``functools.partial`` is unwrapped to its function's name), so the configurable rewards are partials
of module-level functions named ``cosine`` and ``length``, which also keeps them picklable.

Lengths are counted in characters of the completion text, as in the authors' code. Correctness is
``grading.is_correct``: the completion's last ``\\boxed{}`` against the gold answer.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd

from fastmath_r1.grading import gold_is_parsable, is_correct

RewardFunc = Callable[..., list[float]]

# The recipe's format check: a box (any "...oxed{...}") somewhere before a "</think>".
_FORMAT = re.compile(r"^.*?oxed{(.*?)}.*?</think>.*?$", re.DOTALL)
# Keys under which a response parser may put the reasoning it split off from the content.
_REASONING_KEYS = ("reasoning_content", "reasoning", "thinking")
GROUP_BY = ("prompt", "batch")


# ---------------------------------------------------------------------------------------------
# Completion text
# ---------------------------------------------------------------------------------------------
def _content_text(content: Any) -> str:
    """A message's content as text: a string, or the text parts of a list of typed parts."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(part.get("text", "") for part in content if isinstance(part, dict))
    return str(content)


def _message_text(message: dict) -> str:
    text = _content_text(message.get("content"))
    for key in _REASONING_KEYS:
        reasoning = message.get(key)
        if reasoning:
            # A parser split the thinking off; put it back where the model wrote it.
            return f"<think>{_content_text(reasoning)}</think>{text}"
    return text


def completion_text(completion: str | Sequence[dict] | dict) -> str:
    """The text of one completion, plain (``"..."``) or conversational (``[{"role": ..., "content": ...}]``).

    A conversational completion is the concatenation of its assistant messages (TRL gives one, or
    several around tool results, which are not the model's text).
    """
    if isinstance(completion, str):
        return completion
    if isinstance(completion, dict):
        return _message_text(completion)
    return "".join(_message_text(message) for message in completion if message.get("role", "assistant") == "assistant")


def _texts(completions: Sequence) -> list[str]:
    return [completion_text(c) for c in completions]


def _check_lengths(completions: Sequence, answer: Sequence) -> None:
    if len(completions) != len(answer):
        raise ValueError(f"{len(completions)} completions but {len(answer)} gold answers")


# ---------------------------------------------------------------------------------------------
# Format and accuracy
# ---------------------------------------------------------------------------------------------
def format_reward(completions, answer=None, **kwargs) -> list[float]:
    """1.0 when a ``\\boxed{...}`` comes before ``</think>``, else 0.0. ``answer`` is unused."""
    return [1.0 if _FORMAT.match(text) else 0.0 for text in _texts(completions)]


def accuracy_reward(completions, answer, **kwargs) -> list[float]:
    """1.0 when the last boxed answer equals the gold answer, else 0.0."""
    _check_lengths(completions, answer)
    return [1.0 if is_correct(text, gold) else 0.0 for text, gold in zip(_texts(completions), answer)]


# ---------------------------------------------------------------------------------------------
# Cosine: length-scaled correctness
# ---------------------------------------------------------------------------------------------
def cosine_value(
    length: int,
    correct: bool,
    *,
    max_len: int,
    min_value_correct: float,
    max_value_correct: float,
    min_value_wrong: float,
    max_value_wrong: float,
) -> float:
    """The cosine reward of one completion of ``length`` characters.

    p = min(1, length / max_len); a correct answer earns from max_value_correct (p=0) down to
    min_value_correct (p=1), a wrong one from max_value_wrong (p=0) up to min_value_wrong (p=1).
    """
    progress = min(1.0, length / max_len)
    cos_p = math.cos(math.pi * progress)
    if correct:
        lo, hi = min_value_correct, max_value_correct
    else:
        lo, hi = min_value_wrong, max_value_wrong
    return lo + 0.5 * (hi - lo) * (1.0 + cos_p)


def cosine(completions, answer, *, scale: dict, **kwargs) -> list[float]:
    """Cosine reward of each completion (see ``cosine_value``; ``scale`` holds its parameters); build it
    with ``make_cosine_reward``."""
    _check_lengths(completions, answer)
    return [cosine_value(len(text), is_correct(text, gold), **scale) for text, gold in zip(_texts(completions), answer)]


def _named_partial(func: Callable, **params) -> RewardFunc:
    """A picklable partial that carries ``func``'s name, which is what TRL logs it under."""
    bound = functools.partial(func, **params)
    functools.update_wrapper(bound, func)
    return bound


def make_cosine_reward(
    max_len: int = 30000,
    min_value_correct: float = 0.1,
    max_value_correct: float = 1.0,
    min_value_wrong: float = -0.1,
    max_value_wrong: float = -1.0,
) -> RewardFunc:
    """The cosine reward with these parameters; the defaults are the paper's (the one place they are
    written). Its ``__name__`` is "cosine"."""
    if not max_len > 0:
        raise ValueError(f"cosine reward: max_len must be positive, got {max_len!r}")
    scale = {
        "max_len": max_len,
        "min_value_correct": float(min_value_correct),
        "max_value_correct": float(max_value_correct),
        "min_value_wrong": float(min_value_wrong),
        "max_value_wrong": float(max_value_wrong),
    }
    return _named_partial(cosine, scale=scale)


# ---------------------------------------------------------------------------------------------
# Length: Kimi k1.5 length penalty
# ---------------------------------------------------------------------------------------------
def length_values(lengths: Sequence[int], correct: Sequence[bool]) -> list[float]:
    """Kimi k1.5 length reward over one group of completions.

    lambda = 0.5 - (len - min_len) / (max_len - min_len); a correct completion earns lambda, a wrong
    one min(0, lambda); every reward is 0 when all lengths are equal.
    """
    if not lengths:
        return []
    shortest, longest = min(lengths), max(lengths)
    if shortest == longest:
        return [0.0] * len(lengths)
    rewards = []
    for n, ok in zip(lengths, correct, strict=True):
        lam = 0.5 - (n - shortest) / (longest - shortest)
        rewards.append(lam if ok else min(0.0, lam))
    return rewards


def _prompt_key(prompt: Any) -> str:
    """A hashable key for a prompt, plain or conversational."""
    if isinstance(prompt, str):
        return prompt
    return json.dumps(prompt, sort_keys=True, default=str)


def length(completions, answer, prompts=None, *, group_by: str = "prompt", **kwargs) -> list[float]:
    """Length reward of each completion; build it with ``make_length_reward``.

    ``group_by="prompt"``: min/max over the completions of the same prompt (equal prompt values,
    wherever they sit in the batch). ``group_by="batch"``: min/max over every completion of this call,
    as the authors' code did (on one device, that spans several prompts).
    """
    _check_lengths(completions, answer)
    texts = _texts(completions)
    lengths = [len(t) for t in texts]
    correct = [is_correct(t, gold) for t, gold in zip(texts, answer)]
    if group_by == "batch":
        return length_values(lengths, correct)
    if group_by != "prompt":
        raise ValueError(f"length reward: group_by must be one of {GROUP_BY}, got {group_by!r}")
    if prompts is None or len(prompts) != len(texts):
        raise ValueError("length reward grouped by prompt needs `prompts`, one per completion")
    groups: dict[str, list[int]] = {}
    for i, prompt in enumerate(prompts):
        groups.setdefault(_prompt_key(prompt), []).append(i)
    rewards = [0.0] * len(texts)
    for members in groups.values():
        values = length_values([lengths[i] for i in members], [correct[i] for i in members])
        for i, value in zip(members, values):
            rewards[i] = value
    return rewards


def make_length_reward(group_by: str = "prompt") -> RewardFunc:
    """The length reward grouped per prompt (the paper's intent) or per batch (the authors' code)."""
    if group_by not in GROUP_BY:
        raise ValueError(f"length reward: group_by must be one of {GROUP_BY}, got {group_by!r}")
    return _named_partial(length, group_by=group_by)


# ---------------------------------------------------------------------------------------------
# Registry
# ---------------------------------------------------------------------------------------------
def _make_format_reward() -> RewardFunc:
    return format_reward


def _make_accuracy_reward() -> RewardFunc:
    return accuracy_reward


REWARDS: dict[str, Callable[..., RewardFunc]] = {
    "format": _make_format_reward,
    "accuracy": _make_accuracy_reward,
    "cosine": make_cosine_reward,
    "length": make_length_reward,
}


def build_rewards(names: Sequence[str], params: dict[str, dict]) -> list[RewardFunc]:
    """The reward functions of an arm (TRL sums them with weight 1 each, as the paper does); ``params``
    holds the keyword arguments of each configurable reward's factory (``grpo.reward_params``)."""
    unknown = sorted(set(names) - set(REWARDS))
    if unknown:
        raise ValueError(f"unknown reward(s) {unknown}; known rewards: {sorted(REWARDS)}")
    if len(set(names)) < len(names):
        # TRL logs rewards by function name: two of one kind would share a log column.
        raise ValueError(f"a reward is listed twice in {list(names)}")
    return [REWARDS[name](**params.get(name, {})) for name in names]


# ---------------------------------------------------------------------------------------------
# Gold answers
# ---------------------------------------------------------------------------------------------
def reject_unparsable_gold(df: pd.DataFrame, answer_column: str = "answer") -> pd.DataFrame:
    """``df`` unchanged if every gold answer parses; else ValueError naming the first bad row.

    The authors' code scored a completion as correct when the gold could not be parsed; such a row
    would reward any answer, so it is refused at load time instead.
    """
    if answer_column not in df.columns:
        raise ValueError(f"no gold answer column {answer_column!r}; columns: {list(df.columns)}")
    for index, gold in df[answer_column].items():
        if not gold_is_parsable(gold):
            raise ValueError(f"unparsable gold answer in row {index!r} (column {answer_column!r}): {gold!r}")
    return df
