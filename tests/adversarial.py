"""Hostile completions for the grader: what a model under RL, a broken checkpoint or a pasted dataset can produce.

    adversarial_completions(n=1200, seed=0) -> [(kind, completion, gold), ...]

Each kind is a family that has made a grader hang, crash or take seconds somewhere: huge powers and power towers,
huge factorials, deep or unbalanced braces, 1 MB texts (with and without a box, with many opening boxes), many boxes,
unicode (combining marks, right-to-left, zero-width, emoji, full-width digits), matrices, huge integers (more digits
than Python's int() accepts by default), and ordinary answers hidden in them. Deterministic for a seed. Used by
tests/test_grading.py (every kind, a verdict in bounded time) and perf/grading.py (p50/p99/max per completion).
"""

from __future__ import annotations

import random

GOLDS = ["33", "204", r"\frac{1}{2}", r"\sqrt{2}", "x^2+1", r"\left( 3, \frac{\pi}{2} \right)", "0"]


def _power(rng: random.Random) -> str:
    base = rng.choice(["2", "9", "10", "99", "x", r"\pi", "1.0001"])
    kind = rng.randrange(4)
    if kind <= 1:  # a power tower, 3 to 7 high
        tower = rng.choice(["9", "10", "99"])
        for _ in range(rng.randint(2, 6)):
            tower = f"{rng.choice(['9', '10', '99', base])}^{{{tower}}}"
        return f"{base}^{{{tower}}}"
    if kind == 2:
        return f"{base}^{{{rng.randint(10**6, 10**12)}}}"
    return f"({base}^{{{rng.randint(1000, 99999)}}})^{{{rng.randint(1000, 99999)}}}"


def _factorial(rng: random.Random) -> str:
    n = rng.choice([rng.randint(1000, 10**6), rng.randint(10**6, 10**9)])
    return rng.choice([f"{n}!", f"({n})!", f"{n}!!", f"\\binom{{{n}}}{{{n // 2}}}", f"({n}!)^{{{n}}}", f"{n}!^{{2}}"])


def _deep(rng: random.Random) -> str:
    depth = rng.choice([50, 200, 1000, 5000])
    inner = rng.choice(["1", r"\frac{1}{2}", "x"])
    wrap = rng.choice([("{", "}"), (r"\frac{1}{", "}"), (r"\sqrt{", "}"), ("(", ")"), (r"\left(", r"\right)")])
    return wrap[0] * depth + inner + wrap[1] * depth


def _matrix(rng: random.Random) -> str:
    size = rng.choice([2, 10, 30, 60])
    rows = [" & ".join(str(rng.randint(-99, 99)) for _ in range(size)) for _ in range(size)]
    env = rng.choice(["pmatrix", "bmatrix", "matrix", "array}{" + "c" * size])
    closing = env.split("}")[0]
    return f"\\begin{{{env}}}" + r" \\ ".join(rows) + f"\\end{{{closing}}}"


def _unicode(rng: random.Random) -> str:
    return rng.choice(
        [
            "√2",
            "½",
            "３３",  # full-width digits
            "3\u200b3",  # zero-width space
            "\u202e33\u202c",  # right-to-left override
            "3\u03033",  # combining tilde
            "😀" * rng.randint(1, 5000),
            "∞",
            "π/2",
            "\ud7ff" * 100,
            "x\u0000y",
            "ﬁ" * 1000,
        ]
    )


def _garbage(rng: random.Random, size: int) -> str:
    alphabet = "abcdefghij{}\\^_ $()[]0123456789+-*/=\n"
    return "".join(rng.choice(alphabet) for _ in range(size))


def adversarial_completions(n: int = 1200, seed: int = 0) -> list[tuple[str, str, str]]:
    """`n` hostile (kind, completion, gold) triples; the kinds come in turn, so any n >= 13 has all of them."""
    rng = random.Random(seed)
    big_garbage = _garbage(rng, 1 << 20)  # one 1 MB text, cut differently each time (building many is slow)
    makers = {
        "huge power": lambda: rf"\boxed{{{_power(rng)}}}",
        "huge factorial": lambda: rf"\boxed{{{_factorial(rng)}}}",
        "deep braces": lambda: rf"\boxed{{{_deep(rng)}}}",
        "unbalanced braces": lambda: r"\boxed{" + "{" * rng.choice([10, 1000, 100_000]) + "1" + "}" * rng.randint(0, 9),
        "1 MB text, no box": lambda: big_garbage[rng.randrange(1000) :],
        "1 MB text, box at the end": lambda: big_garbage[rng.randrange(1000) :] + rf" \boxed{{{rng.choice(GOLDS)}}}",
        "1 MB of opening boxes": lambda: r"\boxed{" * ((1 << 20) // 7),
        "many boxes": lambda: " ".join(rf"\boxed{{{rng.randint(0, 999)}}}" for _ in range(rng.choice([100, 10_000]))),
        "unicode": lambda: rf"\boxed{{{_unicode(rng)}}}",
        "matrix": lambda: rf"\boxed{{{_matrix(rng)}}}",
        "huge integer": lambda: rf"\boxed{{{rng.randint(1, 9)}{'0' * rng.choice([5000, 100_000])}}}",
        "long expression": lambda: (
            r"\boxed{" + "+".join(f"x_{{{i}}}^{{{i}}}" for i in range(rng.choice([500, 5000]))) + "}"
        ),
        "ordinary": lambda: rf"so the answer is \boxed{{{rng.choice(GOLDS)}}}.",
    }
    kinds = list(makers)
    return [(kinds[i % len(kinds)], makers[kinds[i % len(kinds)]](), rng.choice(GOLDS)) for i in range(n)]
