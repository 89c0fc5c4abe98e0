"""Grading of model completions by their last ``\\boxed{...}`` answer, in bounded time on any text.

A completion is model output (or a dataset's text), so grading must stay fast and finish on whatever it is given: a
1 MB text, thousands of boxes, ``9^{9^{9^{9}}}``, ``1000000!``. Three guards, each tested on tests/adversarial.py's
hostile set (perf/grading.py times it):

- the last box is found in linear time (the brace depth of the text, computed once with numpy), among at most the
  last ``MAX_BOXES`` boxes;
- answers that sympy would take seconds or forever on (``hopeless``: very long, deeply nested, power towers,
  huge exponents or factorials) are compared as strings and never reach math-verify;
- math-verify itself runs in a child process that is killed when one call takes longer than ``VERIFY_TIMEOUT_S``.
  math-verify's own timeout is ``signal.alarm``, which works only in the main thread; this bound holds in any
  thread or process, a reward function in a trainer's thread included.
"""

from __future__ import annotations

import functools
import json
import logging
import math
import os
import re
import select
import subprocess
import sys
import threading
import time

import numpy as np

log = logging.getLogger(__name__)

_BOX_OPEN = re.compile(r"\\boxed\s*\{")
_INTEGER = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)")
_CANONICAL_INTEGER = re.compile(r"-?\d+")
MAX_BOXES = 1000  # boxes looked at, from the end: a real completion has a handful
MAX_INTEGER_DIGITS = 4000  # int() refuses more than 4,300 digits (and is quadratic below that)
MAX_VERIFIED_LENGTH = 300  # characters of an answer math-verify is given; the longest MATH-500 answer has 53
MAX_VERIFIED_DEPTH = 20  # brace or parenthesis nesting
# An ordinary math-verify call takes 1-50 ms here; the bound leaves room for a loaded machine, where a verdict that
# depends on the load would make a run irreproducible.
VERIFY_TIMEOUT_S = 1.0
# What sympy evaluates exactly, in seconds or never: a power of a power of a number (9^{9^9}), a power three high
# (a^{b^{c^d}}), an exponent of 5 digits or more, a factorial or binomial of a number of 4 digits or more.
_HOPELESS = re.compile(
    r"\d\s*\^\s*\{?\s*[\d.]+\s*\^"
    r"|\^\s*\{[^{}]*\^\s*\{[^{}]*\^"
    r"|\^\s*\{?\s*[+-]?\d{5,}"
    r"|\d{4,}\s*\)?\s*!"
    r"|\\(?:d|t)?binom\s*\{\s*\d{4,}"
)


def last_boxed(text: str) -> str | None:
    """Content of the last complete ``\\boxed{...}`` in ``text`` (among its last ``MAX_BOXES``), or None."""
    start = len(text)
    for _ in range(MAX_BOXES):
        found = text.rfind("\\boxed", 0, start)
        if found < 0:
            break
        start = found
    if start == len(text):
        return None
    opens = [m.end() for m in _BOX_OPEN.finditer(text, start)]
    if not opens:
        return None
    # depth[i]: brace depth after character offset + i. The brace opening at i closes where the depth first falls
    # back to depth[i] - 1, if it ever does (the lowest depth after i, from the end, says whether).
    offset = opens[0] - 1
    codes = np.frombuffer(text[offset:].encode("utf-32-le"), dtype=np.uint32)
    depth = np.cumsum((codes == ord("{")).astype(np.int64) - (codes == ord("}")))
    lowest_after = np.minimum.accumulate(depth[::-1])[::-1]
    # Walk backwards: a completion cut off by the token budget may end inside a box.
    for end in reversed(opens):
        i = end - 1 - offset
        if i + 1 < len(depth) and lowest_after[i + 1] < depth[i]:
            close = i + 1 + int(np.argmax(depth[i + 1 :] == depth[i] - 1))
            return text[end : offset + close]
    return None


def normalize_answer(answer: str, modulo: int | None = None) -> str:
    """Strip decoration; integers become canonical decimals, reduced modulo ``modulo``."""
    stripped = answer.strip().strip("$").strip()
    # The period may sit inside or outside the dollars: "$42.$" or "$42$.".
    if stripped.endswith("."):
        stripped = stripped[:-1].strip().strip("$").strip()
    if len(stripped) > MAX_INTEGER_DIGITS or not _INTEGER.fullmatch(stripped):
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
    if len(answer) > MAX_INTEGER_DIGITS or not _CANONICAL_INTEGER.fullmatch(answer):
        return None
    return int(answer)


def hopeless(answer: str) -> bool:
    """Whether sympy could take seconds or forever on ``answer`` (then it is compared as a string)."""
    if len(answer) > MAX_VERIFIED_LENGTH or _HOPELESS.search(answer):
        return True
    depth = deepest = 0
    for char in answer:
        if char in "{(":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "})":
            depth -= 1
    return deepest > MAX_VERIFIED_DEPTH


@functools.lru_cache(maxsize=65536)
def _math_verify(pred: str, gold: str) -> bool:
    """math-verify's verdict on two normalised answers, in bounded time; string equality for hopeless ones."""
    if hopeless(pred) or hopeless(gold):
        return "".join(pred.split()) == "".join(gold.split())
    verdict = _VERIFIER.call("verify", pred, gold)
    if verdict is None:
        log.warning("math-verify took over %.1f s on %.80r against %.80r: counted as wrong", VERIFY_TIMEOUT_S, pred,
                    gold)  # fmt: skip
    return bool(verdict)


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
    garbage (``"???"`` would otherwise count as parsable). A missing value (None, NaN) is not parsable, nor is a
    hopeless one.
    """
    if gold is None or (isinstance(gold, float) and math.isnan(gold)):
        return False
    answer = normalize_answer(str(gold))
    if _as_int(answer) is not None:
        return True
    return not hopeless(answer) and bool(_VERIFIER.call("parsable", answer, ""))


class _Verifier:
    """math-verify in a child process of this one, one call at a time; a call that overruns kills the child (the
    next call starts another). A forked process starts its own."""

    def __init__(self, timeout_s: float):
        self.timeout_s = timeout_s
        self._lock = threading.Lock()
        self._process: subprocess.Popen | None = None
        self._owner = 0

    def call(self, op: str, a: str, b: str) -> bool | None:
        """The child's answer, or None when it took longer than the timeout (or died)."""
        with self._lock:
            if self._process is None or self._owner != os.getpid() or self._process.poll() is not None:
                self._start()
            self._process.stdin.write((json.dumps([op, a, b]) + "\n").encode())
            self._process.stdin.flush()
            line = self._read_line(self.timeout_s)
            if line is None:
                self._stop()
                return None
            return json.loads(line)

    def _start(self) -> None:
        command = [sys.executable, "-c", "from fastmath_r1.grading import serve; serve()"]
        self._process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self._owner = os.getpid()
        if self._read_line(120) != b"ready\n":  # importing sympy takes a second or two
            self._stop()
            raise RuntimeError("the math-verify child process did not start")

    def _read_line(self, timeout_s: float) -> bytes | None:
        fd, line = self._process.stdout.fileno(), b""
        deadline = time.monotonic() + timeout_s
        while not line.endswith(b"\n"):
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
                return None
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                return None
            line += chunk
        return line

    def _stop(self) -> None:
        self._process.kill()
        self._process.wait()
        self._process = None


_VERIFIER = _Verifier(VERIFY_TIMEOUT_S)


def serve() -> None:
    """The child of ``_Verifier``: one JSON request per line on stdin, one verdict per line on stdout."""
    from math_verify import LatexExtractionConfig, parse, verify

    # This process's lifetime is the timeout (the parent kills it); math-verify's warning that its own is off is noise.
    for name in ("math_verify.grader", "math_verify.parser"):
        logging.getLogger(name).addFilter(lambda record: not record.getMessage().startswith("Timeout is disabled"))
    protocol = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)  # whatever math-verify or sympy prints goes to stderr, not into the protocol
    # Boxed-first, so a prediction is read from its box rather than from other LaTeX.
    pred_config = (LatexExtractionConfig(boxed_match_priority=0),)
    # math-verify and sympy import most of what they use on the first call: make it before the first timed one.
    verify(
        parse("\\boxed{\\frac{1}{2}}", parsing_timeout=None),
        parse("\\boxed{0.5}", parsing_timeout=None),
        timeout_seconds=None,
    )
    protocol.write("ready\n")
    protocol.flush()
    for line in sys.stdin:
        op, a, b = json.loads(line)
        if op == "verify":
            gold_parsed = parse(f"\\boxed{{{b}}}", parsing_timeout=None)
            pred_parsed = parse(f"\\boxed{{{a}}}", extraction_config=pred_config, parsing_timeout=None)
            result = verify(gold_parsed, pred_parsed, timeout_seconds=None)
        else:
            result = bool(parse(f"\\boxed{{{a}}}", fallback_mode="no_fallback", parsing_timeout=None))
        protocol.write(json.dumps(bool(result)) + "\n")
        protocol.flush()
