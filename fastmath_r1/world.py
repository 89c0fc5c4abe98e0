"""The miniature's math world: generated competition-style problems and an R1-like teacher.

A problem is a chain of arithmetic steps on named quantities; its level is the number of steps, so a
harder problem needs more reasoning. Every answer is an integer in 0..999, as in AIME and AIMO-2.

The teacher writes traces shaped like DeepSeek-R1's: the steps inside `<think>...</think>`, each step
followed now and then by a reflection that redoes it (`Wait, c=b-2=15-2=13. Yes.`), the answer in
`\\boxed{}` before `</think>`, then a short final statement. A step may slip; a reflection on a slipped
step catches it and carries the right value on (`Wait, c=b-2=15-2=13. So c=13.`), so that, as in R1's
reasoning, reflection costs tokens and sometimes rescues a wrong step. Several traces per problem give
rows shaped like OpenR1-Math-220k (`problem`, `answer`, `generations`, `correctness_math_verify`), so the
paper's dataset construction applies to them unchanged.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

VARIABLES = "abcdefghjkmnpqrstuvwxyz"
ANSWER_RANGE = 1000


@dataclass(frozen=True)
class Step:
    name: str
    source: str  # the quantity this step starts from
    op: str  # "+", "-" or "*"
    operand: int


@dataclass(frozen=True)
class Problem:
    start: int
    steps: tuple[Step, ...]

    @property
    def level(self) -> int:
        return len(self.steps)

    @property
    def target(self) -> str:
        return self.steps[-1].name

    def text(self) -> str:
        lines = [f"a={self.start}."] + [f"{s.name}={s.source}{s.op}{s.operand}." for s in self.steps]
        # One assignment a line, as the trace writes its steps: a step copies its operands from the same tokens.
        return "\n".join(lines) + f"\nFind {self.target}."

    def values(self) -> dict[str, int]:
        values = {"a": self.start}
        for s in self.steps:
            values[s.name] = apply(values[s.source], s.op, s.operand)
        return values

    @property
    def answer(self) -> int:
        return self.values()[self.target]


def apply(x: int, op: str, operand: int) -> int:
    return {"+": x + operand, "-": x - operand, "*": x * operand}[op]


def make_problem(
    rng: random.Random,
    level: int,
    max_start: int,
    max_value: int,
    max_operand: int,
    max_multiplier: int,
    reuse_rate: float,
) -> Problem:
    """A chain of `level` steps whose every intermediate value stays in 0..max_value (at most 999).

    Each step reads the previous quantity or, with probability `reuse_rate`, an earlier one, which
    makes the model look further back for a value (harder for a small model).
    """
    start = rng.randint(1, min(max_start, max_value))
    values = {"a": start}
    names = list(VARIABLES[: level + 1])
    steps = []
    for name in names[1:]:
        source = rng.choice(names[: len(steps) + 1]) if rng.random() < reuse_rate else names[len(steps)]
        x = values[source]
        choices = []
        if x < max_value:
            choices.append(("+", rng.randint(1, min(max_operand, max_value - x))))
        if x >= 1:
            choices.append(("-", rng.randint(1, min(max_operand, x))))
        if max_multiplier >= 2 and 1 <= x <= max_value // 2:
            choices.append(("*", rng.randint(2, min(max_multiplier, max_value // x))))
        op, operand = rng.choice(choices)
        steps.append(Step(name, source, op, operand))
        values[name] = apply(x, op, operand)
    return Problem(start, tuple(steps))


def teacher_trace(problem: Problem, rng: random.Random, reflection_rate: float, slip_rate: float) -> tuple[str, int]:
    """One R1-like trace and the answer it boxes.

    Each step slips with probability `slip_rate` (a wrong value, carried on confidently, as a wrong trace in
    the OpenR1 data looks) and is reflected on with probability `reflection_rate`. A reflection redoes the
    step's arithmetic; on a slipped step it writes the right value and the trace goes on from it.
    """
    values = {"a": problem.start}
    lines = ["<think>"]
    for s in problem.steps:
        x = values[s.source]
        y = right = apply(x, s.op, s.operand)
        if rng.random() < slip_rate:
            y = (right + rng.choice([-10, -2, -1, 1, 2, 10])) % ANSWER_RANGE
        step = f"{s.name}={s.source}{s.op}{s.operand}={x}{s.op}{s.operand}="
        lines.append(f"{step}{y}")
        if rng.random() < reflection_rate:
            # The step restated, as R1 rereads its own line: the next step finds its place in the problem from it.
            verdict = "Yes." if y == right else f"So {s.name}={right}."
            lines.append(f"Wait, {step}{right}. {verdict}")
            y = right
        values[s.name] = y
    answer = values[problem.target]
    lines.append(f"So {problem.target}=\\boxed{{{answer}}}.")
    lines.append("</think>")
    lines.append(f"Answer: \\boxed{{{answer}}}")
    return "\n".join(lines), answer


def world_rows(
    id_prefix: str,
    seed: int,
    n_problems: int,
    levels: list[int],
    max_start: int,
    max_value: int,
    max_operand: int,
    max_multiplier: int,
    reuse_rate: float,
    traces_per_problem: int,
    max_reflection_rate: float,
    slip_rate_per_step: float,
    exclude: set[str] = frozenset(),
) -> list[dict]:
    """`n_problems` distinct problems spread evenly over `levels`, each with several teacher traces.

    Problems whose text is in `exclude` are skipped, so held-out sets never share a problem with a
    training set. Each problem draws how reflective the teacher is on it (a reflection rate uniform in
    0..max_reflection_rate, not predictable from the text): the traces of one problem differ in length and
    correctness by chance, so "shortest correct" is a real choice, and problems differ in how long their
    traces are, so a length floor selects among them.
    """
    rng = random.Random(seed)
    seen = set(exclude)
    rows = []
    attempts = 0
    while len(rows) < n_problems:
        attempts += 1
        if attempts > 100 * n_problems:
            raise ValueError(
                f"only {len(rows)} of {n_problems} distinct problems found at levels {levels}: "
                "the world is too small (raise max_start, max_value or max_operand, or ask for fewer problems)"
            )
        level = levels[len(rows) % len(levels)]
        problem = make_problem(rng, level, max_start, max_value, max_operand, max_multiplier, reuse_rate)
        text = problem.text()
        if text in seen:
            continue
        seen.add(text)
        reflection_rate = rng.uniform(0.0, max_reflection_rate)
        generations, correctness = [], []
        for _ in range(traces_per_problem):
            trace, boxed = teacher_trace(problem, rng, reflection_rate, slip_rate_per_step)
            generations.append(trace)
            correctness.append(boxed == problem.answer)
        rows.append(
            {
                "problem_id": f"{id_prefix}-{len(rows):05d}",
                "problem": text,
                "answer": str(problem.answer),
                "level": level,
                "generations": generations,
                "correctness_math_verify": correctness,
            }
        )
    return rows


def write_world(spec: dict, benchmarks: dict[str, dict], out_dir: Path) -> None:
    """The miniature's raw data, each set excluding the problems of the sets before it.

    - corpus.parquet: all levels, OpenR1-shaped; what the stand-in original model learned from;
    - sft_pool.parquet: hard levels, OpenR1-shaped; the stage-1 set is selected from it;
    - grpo_prompts.parquet: hard levels, problem and answer only (stage 2 samples its own traces);
    - benchmarks/<name>.parquet: hard levels, problem and answer; held out from all of the above.
    """
    world = {
        k: spec[k]
        for k in (
            "max_start",
            "max_value",
            "max_operand",
            "max_multiplier",
            "reuse_rate",
            "traces_per_problem",
            "max_reflection_rate",
            "slip_rate_per_step",
        )
    }
    seen: set[str] = set()
    sets = [
        ("corpus", spec["seed"], spec["corpus_problems"], spec["levels"]),
        ("sft_pool", spec["seed"] + 1, spec["sft_pool_problems"], spec["hard_levels"]),
        ("grpo_prompts", spec["seed"] + 2, spec["grpo_problems"], spec["hard_levels"]),
    ] + [
        (f"benchmarks/{name}", b["seed"], spec["heldout_problems"], spec["hard_levels"])
        for name, b in benchmarks.items()
    ]
    (out_dir / "benchmarks").mkdir(parents=True, exist_ok=True)
    for name, seed, n, levels in sets:
        frame = pd.DataFrame(world_rows(name.split("/")[-1], seed, n, levels, exclude=seen, **world))
        seen |= set(frame["problem"])
        if name not in ("corpus", "sft_pool"):
            frame = frame[["problem_id", "problem", "answer", "level"]]
        frame.to_parquet(out_dir / f"{name}.parquet", index=False)
