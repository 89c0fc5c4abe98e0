"""Grading of model completions by their last ``\\boxed{...}`` answer."""

from __future__ import annotations

import functools
import math
import re

from math_verify import LatexExtractionConfig, parse, verify

_BOX_OPEN = re.compile(r"\\boxed\s*\{")
_INTEGER = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)")
_CANONICAL_INTEGER = re.compile(r"-?\d+")
# Boxed-first, so a prediction is read from its box rather than from other LaTeX.
_PRED_CONFIG = (LatexExtractionConfig(boxed_match_priority=0),)


def _box_content(text: str, start: int) -> str | None:
    """Content of the brace group opening just before ``start``, or None if unterminated."""
    depth = 1
    for i in range(start, len(text)):
        if text[i] == "{":
            depth += 1
        elif text[i] == "}":
            depth -= 1
            if depth == 0:
                return text[start:i]
    return None


def last_boxed(text: str) -> str | None:
    """Content of the last complete ``\\boxed{...}`` in ``text``, or None."""
    # Walk backwards: a completion cut off by the token budget may end inside a box.
    for match in reversed(list(_BOX_OPEN.finditer(text))):
        content = _box_content(text, match.end())
        if content is not None:
            return content
    return None


def normalize_answer(answer: str, modulo: int | None = None) -> str:
    """Strip decoration; integers become canonical decimals, reduced modulo ``modulo``."""
    stripped = answer.strip().strip("$").strip()
    # The period may sit inside or outside the dollars: "$42.$" or "$42$.".
    if stripped.endswith("."):
        stripped = stripped[:-1].strip().strip("$").strip()
    if not _INTEGER.fullmatch(stripped):
        return stripped
    value = int(stripped.replace(",", ""))
    if modulo is not None:
        value %= modulo
    return str(value)


def parse_answer(text: str, modulo: int | None = None) -> str | None:
    """Normalised last boxed answer of a completion; None when there is none (or it is empty)."""
    boxed = last_boxed(text)
    if boxed is None:
        return None
    return normalize_answer(boxed, modulo) or None


def _as_int(answer: str) -> int | None:
    """The integer of a normalised answer, or None if it is not one."""
    return int(answer) if _CANONICAL_INTEGER.fullmatch(answer) else None


@functools.lru_cache(maxsize=65536)
def _math_verify(pred: str, gold: str) -> bool:
    """math-verify's verdict on two normalised answers."""
    gold_parsed = parse(f"\\boxed{{{gold}}}")
    pred_parsed = parse(f"\\boxed{{{pred}}}", extraction_config=_PRED_CONFIG)
    return verify(gold_parsed, pred_parsed)


def is_correct(text: str, gold: str | int, modulo: int | None = None) -> bool:
    """Whether the completion's last boxed answer equals ``gold``."""
    return answer_matches(parse_answer(text, modulo), gold, modulo)


def answer_matches(pred: str | None, gold: str | int, modulo: int | None = None) -> bool:
    """Whether an answer already taken out of a completion (``parse_answer``) equals ``gold``."""
    if pred is None:
        return False
    gold_answer = normalize_answer(str(gold), modulo)
    pred_int, gold_int = _as_int(pred), _as_int(gold_answer)
    # math-verify reaches the same verdict on integers, ~1000x slower.
    if pred_int is not None and gold_int is not None:
        return pred_int == gold_int
    return _math_verify(pred, gold_answer)


def gold_is_parsable(gold) -> bool:
    """Whether math-verify reads ``gold`` as math; rows where it cannot must be dropped, not scored.

    The parse must succeed without math-verify's default fallback, which returns the raw string for
    garbage (``"???"`` would otherwise count as parsable). A missing value (None, NaN) is not parsable.
    """
    if gold is None or (isinstance(gold, float) and math.isnan(gold)):
        return False
    answer = normalize_answer(str(gold))
    if _as_int(answer) is not None:
        return True
    return bool(parse(f"\\boxed{{{answer}}}", fallback_mode="no_fallback"))
