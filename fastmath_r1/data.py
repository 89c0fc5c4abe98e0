"""Dataset construction (the paper's selection step) and the chat format every stage trains on.

The selection functions take frames shaped like OpenR1-Math-220k (`problem`, `answer`, `generations`,
`correctness_math_verify`), so the same code builds the miniature's stage-1 set from the generated
world and the paper's set from the Hub.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd


def read_table(path: str | Path) -> pd.DataFrame:
    path = Path(path)
    if path.suffix == ".parquet":
        return pd.read_parquet(path)
    if path.suffix == ".jsonl":
        return pd.read_json(path, lines=True, dtype=False)
    if path.suffix == ".csv":
        return pd.read_csv(path, dtype=str, keep_default_na=False)
    raise ValueError(f"{path}: unsupported table format {path.suffix!r} (expected .parquet, .jsonl or .csv)")


def generation_accuracy(df: pd.DataFrame) -> pd.Series:
    """Fraction of a row's generations that are correct: the paper's 'R1 accuracy'."""
    return df["correctness_math_verify"].map(lambda flags: sum(flags) / len(flags) if len(flags) else 0.0)


def mean_generation_chars(df: pd.DataFrame) -> pd.Series:
    return df["generations"].map(lambda gens: sum(map(len, gens)) / len(gens) if len(gens) else 0.0)


def select_hard(df: pd.DataFrame, min_generation_chars: int, min_accuracy: float, max_accuracy: float) -> pd.DataFrame:
    """Rows whose traces are long (the paper: R1 trace over 12,800 tokens) and whose teacher accuracy
    lies in a band (the paper: above 50%, or between 50% and 75%): hard but solvable problems."""
    accuracy = generation_accuracy(df)
    keep = (mean_generation_chars(df) >= min_generation_chars) & (accuracy >= min_accuracy) & (accuracy <= max_accuracy)
    return df[keep].reset_index(drop=True)


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


def write_training_set(pool: Path, selection: dict, keep: str, out: Path) -> pd.DataFrame:
    """Select rows of an OpenR1-shaped pool and keep one trace per row (`shortest-correct`, the paper's
    stage-1 rule) or every correct trace (`all-correct`, the broad corpus of a distilled reasoner)."""
    selected = select_hard(read_table(pool), **selection)
    if keep == "shortest-correct":
        table = shortest_correct_generation(selected)
    elif keep == "all-correct":
        table = all_correct_generations(selected)
    else:
        raise ValueError(f"keep must be 'shortest-correct' or 'all-correct', not {keep!r}")
    if table.empty:
        raise ValueError(f"{pool}: no row passes the selection {selection} with a correct trace")
    table.to_parquet(out, index=False)
    return table


def _length_stats(texts: pd.Series) -> str:
    lengths = texts.str.len()
    return f"{lengths.mean():.0f} / {lengths.median():.0f} / {lengths.min()} / {lengths.max()}"


def data_card(tables: dict[str, pd.DataFrame]) -> str:
    """Markdown card: rows, problems, levels and length statistics (characters) of each table."""
    lines = [
        "| table | rows | problems | levels | problem chars (mean / median / min / max) | trace chars (mean / median / min / max) | traces per row | correct traces |",
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
        lines.append(
            f"| {name} | {len(t)} | {t['problem'].nunique()} | {levels} | {_length_stats(t['problem'])} | {trace_stats} | {per_row} | {correct} |"
        )
    return "\n".join(lines) + "\n"
