"""Dataset construction (the paper's selection step) and the chat format every stage trains on.

The selection functions take frames shaped like OpenR1-Math-220k (`problem`, `answer`, `generations`,
`correctness_math_verify`), so the same code builds the miniature's stage-1 set from the generated
world and the paper's set from the Hub. Other sources are first brought to that shape
(`to_openr1_shape`): Light-R1's ShareGPT conversations become one verified trace per problem.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from fastmath_r1.errors import InputError
from fastmath_r1.grading import last_boxed
from fastmath_r1.table_files import read_table, require_columns

log = logging.getLogger("fastmath_r1")
OPENR1_COLUMNS = ["problem", "answer", "generations", "correctness_math_verify"]


def read_pool(path: Path) -> pd.DataFrame:
    """An OpenR1-shaped pool (problem, answer, generations, correctness_math_verify), one flag per trace."""
    table = read_table(path, OPENR1_COLUMNS)
    for row, (traces, flags) in enumerate(zip(table["generations"], table["correctness_math_verify"])):
        if len(traces) != len(flags):
            raise InputError(f"{path}: row {row} has {len(traces)} generation(s) and {len(flags)} correctness flag(s)")
    return table


def trace_length(tokenizer_dir: Path | None) -> Callable[[str], int]:
    """How a trace's length is measured: characters, or tokens of the given model's tokenizer (the
    paper's 12,800-token floor)."""
    if tokenizer_dir is None:
        return len
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tokenizer_dir)
    return lambda text: len(tokenizer(text, add_special_tokens=False)["input_ids"])


def generation_accuracy(df: pd.DataFrame) -> pd.Series:
    """Fraction of a row's generations that are correct: the paper's 'R1 accuracy'."""
    return df["correctness_math_verify"].map(lambda flags: sum(flags) / len(flags) if len(flags) else 0.0)


def mean_generation_length(df: pd.DataFrame, length: Callable[[str], int] = len) -> pd.Series:
    return df["generations"].map(lambda gens: sum(map(length, gens)) / len(gens) if len(gens) else 0.0)


def select_hard(
    df: pd.DataFrame,
    min_generation_length: int,
    min_accuracy: float,
    max_accuracy: float,
    length_unit: str = "chars",
    length: Callable[[str], int] = len,
) -> pd.DataFrame:
    """Rows whose traces are long (the paper: R1 trace over 12,800 tokens) and whose teacher accuracy
    lies in a band (the paper: above 50%, or between 50% and 75%): hard but solvable problems.

    `length` measures one trace in `length_unit` (characters by default; a tokenizer's count for tokens).
    The paper does not say whether "the trace" is each trace or their mean; this takes the mean.
    """
    if length_unit == "tokens" and length is len:
        raise ValueError("a length floor in tokens needs a tokenizer's `length` function")
    accuracy = generation_accuracy(df)
    in_band = df[(accuracy >= min_accuracy) & (accuracy <= max_accuracy)]
    # Lengths only of the rows in the band: with a tokenizer, measuring every trace of the source
    # would cost far more than the selection itself.
    if min_generation_length:
        in_band = in_band[mean_generation_length(in_band, length) >= min_generation_length]
    return in_band.reset_index(drop=True)


def to_openr1_shape(df: pd.DataFrame, fmt: str, origin: str) -> pd.DataFrame:
    """A source table in the OpenR1-Math-220k shape that the selection functions read.

    `light-r1`: qihoo360/Light-R1-SFTData rows hold ShareGPT `conversations` (user problem, assistant
    trace), every trace verified correct by its authors; where no `answer` column gives the ground
    truth, the answer is the trace's last \\boxed{} (rows without one are dropped).
    """
    if fmt == "openr1":
        require_columns(df, OPENR1_COLUMNS, origin, " for the openr1 format")
        return df[OPENR1_COLUMNS].assign(
            generations=df["generations"].map(list),
            correctness_math_verify=df["correctness_math_verify"].map(lambda f: [bool(x) for x in f]),
        )
    if fmt != "light-r1":
        raise InputError(f"{origin}: unknown source format {fmt!r} (expected openr1 or light-r1)")
    if "conversations" not in df.columns:
        raise InputError(
            f"{origin}: missing column conversations for the light-r1 format (has: {', '.join(map(str, df.columns))})"
        )
    rows = []
    for index, turns in enumerate(df["conversations"]):
        by_role = {turn["from"]: turn["value"] for turn in turns}
        if "user" not in by_role or "assistant" not in by_role:
            raise InputError(f"{origin}: row {index} has no user and assistant turn (roles: {', '.join(by_role)})")
        given = (
            str(df["answer"].iloc[index]).strip()
            if "answer" in df.columns and pd.notna(df["answer"].iloc[index])
            else ""
        )
        answer = given or last_boxed(by_role["assistant"]) or ""
        rows.append(
            {
                "problem": by_role["user"],
                "answer": answer,
                "generations": [by_role["assistant"]],
                "correctness_math_verify": [True],
            }
        )
    shaped = pd.DataFrame(rows, columns=OPENR1_COLUMNS)
    unanswered = shaped["answer"] == ""
    if unanswered.any():
        log.warning(
            "%s: %d of %d rows have neither an answer nor a \\boxed{} answer in the trace; dropped",
            origin,
            unanswered.sum(),
            len(shaped),
        )
    return shaped[~unanswered].reset_index(drop=True)


def sample_rows(df: pd.DataFrame, n: int | None, seed: int) -> pd.DataFrame:
    """`n` random rows (all of them when n is None or not smaller), in a seed-determined order."""
    if n is None or n >= len(df):
        return df.reset_index(drop=True)
    return df.sample(n=n, random_state=seed).reset_index(drop=True)


def grpo_prompts(df: pd.DataFrame) -> pd.DataFrame:
    """Stage-2 prompts: one row per problem with its answer (the first one where sources repeat it)."""
    prompts = df[["problem", "answer"]].drop_duplicates("problem").reset_index(drop=True)
    return prompts.assign(problem_id=[f"grpo-{i}" for i in range(len(prompts))])[["problem_id", "problem", "answer"]]


def shortest_correct_generation(df: pd.DataFrame) -> pd.DataFrame:
    """One row per problem with its shortest correct trace in `generation`; problems with none are dropped.

    Rows are deduplicated by problem text first, pooling their traces, as the paper does when it
    merges several sources.
    """
    pooled: dict[str, dict] = {}
    for row in df.to_dict("records"):
        entry = pooled.setdefault(row["problem"], {"row": row, "correct": []})
        entry["correct"] += [g for g, ok in zip(row["generations"], row["correctness_math_verify"]) if ok]
    out = []
    for entry in pooled.values():
        if entry["correct"]:
            row = {k: v for k, v in entry["row"].items() if k not in ("generations", "correctness_math_verify")}
            out.append({**row, "generation": min(entry["correct"], key=len)})
    return pd.DataFrame(out)


def all_correct_generations(df: pd.DataFrame) -> pd.DataFrame:
    """One row per correct trace: the broad, long-trace corpus a distilled reasoner is trained on."""
    rows = []
    for row in df.to_dict("records"):
        traces = zip(row.pop("generations"), row.pop("correctness_math_verify"))
        rows += [{**row, "generation": g} for g, ok in traces if ok]
    return pd.DataFrame(rows)


def prompt_messages(problem: str, system: str, user_template: str) -> list[dict[str, str]]:
    messages = [{"role": "system", "content": system}] if system else []
    return messages + [{"role": "user", "content": user_template.format(problem=problem)}]


def to_prompt_completion(df: pd.DataFrame, system: str, user_template: str) -> pd.DataFrame:
    """TRL's conversational prompt-completion format, so SFTTrainer masks the prompt out of the loss."""
    return pd.DataFrame(
        {
            "prompt": [prompt_messages(p, system, user_template) for p in df["problem"]],
            "completion": [[{"role": "assistant", "content": g}] for g in df["generation"]],
        }
    )


def write_training_set(
    pools: list[Path], selection: dict, keep: str, out: Path, length: Callable[[str], int] = len
) -> pd.DataFrame:
    """Select rows of OpenR1-shaped pools, merge them, and keep one trace per problem
    (`shortest-correct`, the paper's stage-1 rule: deduplicated across pools) or every correct trace
    (`all-correct`, the broad corpus of a distilled reasoner)."""
    selected = pd.concat(
        [select_hard(read_pool(pool), **selection, length=length) for pool in pools], ignore_index=True
    )
    if keep == "shortest-correct":
        table = shortest_correct_generation(selected)
    elif keep == "all-correct":
        table = all_correct_generations(selected)
    else:
        raise ValueError(f"keep must be 'shortest-correct' or 'all-correct', not {keep!r}")
    if table.empty:
        raise InputError(f"{', '.join(map(str, pools))}: no row passes the selection {selection} with a correct trace")
    table.to_parquet(out, index=False)
    return table


def _length_stats(texts: pd.Series) -> str:
    lengths = texts.str.len()
    return f"{lengths.mean():.0f} / {lengths.median():.0f} / {lengths.min()} / {lengths.max()}"


def data_card(tables: dict[str, pd.DataFrame]) -> str:
    """Markdown card: rows, problems, levels and length statistics (characters) of each table."""
    lines = [
        "| table | rows | problems | levels | problem chars (mean / median / min / max) "
        "| trace chars (mean / median / min / max) | traces per row | correct traces |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, t in tables.items():
        levels = ", ".join(f"{k}: {v}" for k, v in sorted(t["level"].value_counts().items())) if "level" in t else "-"
        if "generations" in t:
            traces = t["generations"].explode().dropna()
            per_row = f"{t['generations'].map(len).mean():.1f}"
            correct = f"{t['correctness_math_verify'].explode().dropna().astype(bool).mean():.1%}"
        elif "generation" in t:
            traces, per_row, correct = t["generation"], "1", "100%"
        else:
            traces, per_row, correct = None, "-", "-"
        trace_stats = _length_stats(traces.astype(str)) if traces is not None else "-"
        cells = [
            name,
            len(t),
            t["problem"].nunique(),
            levels,
            _length_stats(t["problem"]),
            trace_stats,
            per_row,
            correct,
        ]
        lines.append("| " + " | ".join(map(str, cells)) + " |")
    return "\n".join(lines) + "\n"
