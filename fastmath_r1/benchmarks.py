"""Evaluation benchmarks from local files or the Hugging Face Hub, normalised to one schema.

Every benchmark becomes a frame with `problem_id` (unique str), `problem` (str) and `answer`: int64
for integer-answer contests (AIME, AIMO), str for LaTeX expressions (MATH-500). Public copies differ
in column names, answer types ("025", "25", 25) and even in broken JSON escapes, so everything that
reads a benchmark goes through `normalise`, and evaluation never sees a source's own layout.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import numpy as np
import pandas as pd

from fastmath_r1.errors import InputError
from fastmath_r1.table_files import read_table

log = logging.getLogger("fastmath_r1")


class BenchmarkError(InputError):
    pass


# JSON escapes that eat a LaTeX backslash: an unescaped "\frac" in JSON is read as form feed + "rac".
# "\n" is left out on purpose: newlines are legitimate in problem text, and a line may well start with
# "ne", "nu" or "not", so a newline is never taken for a broken "\neq", "\nu" or "\not".
_ESCAPE_LETTER = {"\b": "b", "\f": "f", "\r": "r", "\t": "t"}

# LaTeX commands a broken escape is repaired into; only names starting with b, f, r or t can occur.
# "\tan" is left out: MATH-500 separates words with real TABs, and a TAB before the word "an" is
# far likelier than a broken "\tan".
LATEX_MACROS = frozenset(
    {
        # \b
        "backslash",
        "bar",
        "because",
        "beta",
        "big",
        "bigcap",
        "bigcup",
        "bigg",
        "biggl",
        "biggr",
        "bigl",
        "bigr",
        "binom",
        "bmod",
        "boldsymbol",
        "bot",
        "boxed",
        "bullet",
        # \f
        "forall",
        "frac",
        # \r
        "rangle",
        "rbrace",
        "rceil",
        "rfloor",
        "rho",
        "right",
        "rightarrow",
        "rVert",
        "rvert",
        # \t
        "tau",
        "tbinom",
        "text",
        "textbf",
        "textit",
        "textrm",
        "tfrac",
        "therefore",
        "theta",
        "tilde",
        "times",
        "to",
        "top",
        "triangle",
    }
)

# A LaTeX command name is a run of ASCII letters; it ends at the first non-letter ("\frac12").
_BROKEN_ESCAPE = re.compile(f"([{''.join(_ESCAPE_LETTER)}])([A-Za-z]+)")
# Newline and TAB are legitimate whitespace in problem text (MATH-500 has both).
_UNEXPECTED_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_INTEGER = re.compile(r"[+-]?\d+")


def repair_broken_escapes(text: str) -> tuple[str, int]:
    """`text` with each control character that stands for a backslash + letter of a known LaTeX
    command (see LATEX_MACROS) turned back into that command, and the number of repairs."""
    repairs = 0

    def repair(match: re.Match) -> str:
        nonlocal repairs
        command = _ESCAPE_LETTER[match[1]] + match[2]
        if command not in LATEX_MACROS:
            return match[0]
        repairs += 1
        return "\\" + command

    return _BROKEN_ESCAPE.sub(repair, text), repairs


def load_benchmark(spec: dict, name: str) -> pd.DataFrame:
    """The benchmark `spec` describes (source `file` or `hub`), normalised, its first `max_problems` problems
    when that is set; `name` is its config name."""
    if spec["source"] == "file":
        table = load_files(spec, name)
    elif spec["source"] == "hub":
        table = load_hub(spec, name)
    else:
        raise BenchmarkError(f"benchmark {name!r}: unknown source {spec['source']!r} (expected 'file' or 'hub')")
    return table.iloc[: spec["max_problems"]] if spec["max_problems"] else table


def load_files(spec: dict, name: str) -> pd.DataFrame:
    """One or several local tables; with several, ids become `<file stem>/<id>` so files cannot collide."""
    paths = [Path(p) for p in ([spec["path"]] if isinstance(spec["path"], str) else spec["path"])]
    tables = [normalise(_read_file(path, name), spec, f"benchmark {name!r}, {path}") for path in paths]
    if len(paths) == 1:
        return tables[0]
    for path, table in zip(paths, tables):
        table["problem_id"] = path.stem + "/" + table["problem_id"]
    combined = pd.concat(tables, ignore_index=True)
    files = pd.Series([str(path) for path, table in zip(paths, tables) for _ in range(len(table))])
    _require_unique(combined["problem_id"], files, f"benchmark {name!r}")
    return combined


def _read_file(path: Path, name: str) -> pd.DataFrame:
    if not path.is_file():
        raise BenchmarkError(f"benchmark {name!r}: {path}: no such file")
    try:
        return read_table(path)
    except InputError as error:  # an unsupported extension, an empty or malformed table
        raise BenchmarkError(f"benchmark {name!r}: {error}") from error


def load_hub(spec: dict, name: str) -> pd.DataFrame:
    """A Hub dataset split at the pinned revision, normalised like a local file."""
    from fastmath_r1.hub import describe, load_hub_table

    return normalise(load_hub_table(spec), spec, f"benchmark {name!r}, {describe(spec)}")


def normalise(frame: pd.DataFrame, spec: dict, origin: str) -> pd.DataFrame:
    """`problem_id`, `problem`, `answer` of one source table, checked row by row.

    `origin` names the source (file or repo@revision) in errors. Without `fields.id` the id is the
    0-based row index.
    """
    fields = spec["fields"]
    _require_columns(frame, fields, origin)
    if frame.empty:
        raise BenchmarkError(f"{origin}: the table has no rows")
    ids = frame[fields["id"]] if "id" in fields else range(len(frame))
    columns = zip(ids, frame[fields["problem"]], frame[fields["answer"]])
    rows = [_normalise_row(row, values, spec, origin) for row, values in enumerate(columns)]
    table = pd.DataFrame(rows, columns=["problem_id", "problem", "answer"])
    _require_unique(table["problem_id"], "row " + table.index.astype(str), origin)
    if spec["answer_type"] == "integer":
        table["answer"] = table["answer"].astype("int64")
    return table


def _normalise_row(row: int, values: tuple, spec: dict, origin: str) -> dict:
    raw_id, problem, answer = values
    fields = spec["fields"]
    problem_id = _problem_id(raw_id, f"{origin}, row {row}, field 'id' (column {fields.get('id')!r})")
    where = f"{origin}, row {row} (id {problem_id!r})"
    return {
        "problem_id": problem_id,
        "problem": _text(problem, f"{where}, field 'problem' (column {fields['problem']!r})"),
        "answer": _answer(answer, spec, f"{where}, field 'answer' (column {fields['answer']!r})"),
    }


def _require_columns(frame: pd.DataFrame, fields: dict, origin: str) -> None:
    for field, column in fields.items():
        if column not in frame.columns:
            raise BenchmarkError(
                f"{origin}: field {field!r} maps to column {column!r}, which the table lacks; "
                f"its columns are {list(frame.columns)}"
            )


def _problem_id(value, where: str) -> str:
    if _is_missing(value) or not str(value).strip():
        raise BenchmarkError(f"{where}: empty id")
    return str(value)


def _text(value, where: str) -> str:
    """A problem (or expression answer) with its broken escapes repaired; empty or still broken text is an error."""
    if not isinstance(value, str) or not value.strip():
        raise BenchmarkError(f"{where}: empty or not text ({value!r})")
    text, repairs = repair_broken_escapes(value)
    if repairs:
        log.warning("%s: repaired %d broken JSON escape(s) of LaTeX commands", where, repairs)
    leftover = _UNEXPECTED_CONTROL.search(text)
    if leftover:
        raise BenchmarkError(
            f"{where}: control character U+{ord(leftover[0]):04X} at character {leftover.start()}: "
            "the file has a broken escape that is not a known LaTeX command"
        )
    return text


def _answer(value, spec: dict, where: str) -> int | str:
    if spec["answer_type"] == "expression":
        if _is_missing(value):
            raise BenchmarkError(f"{where}: empty answer")
        return _text(str(value), where).strip()
    answer = _integer(value)
    if answer is None:
        raise BenchmarkError(f"{where}: {value!r} is not an integer")
    answer_range = spec.get("answer_range")
    if answer_range is not None and not answer_range[0] <= answer <= answer_range[1]:
        raise BenchmarkError(f"{where}: {answer} is outside the answer range {list(answer_range)}")
    return answer


def _integer(value) -> int | None:
    """The int of an int or of a decimal string ("025" → 25); None for anything else."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
        return int(value)
    if isinstance(value, str) and _INTEGER.fullmatch(value.strip()):
        return int(value)
    return None


def _is_missing(value) -> bool:
    return pd.api.types.is_scalar(value) and pd.isna(value)


def _require_unique(problem_ids: pd.Series, locations: pd.Series, origin: str) -> None:
    """Error on the first repeated id, naming every location (row or file) that holds it."""
    repeated = problem_ids[problem_ids.duplicated()]
    if not repeated.empty:
        problem_id = repeated.iloc[0]
        holders = ", ".join(dict.fromkeys(locations[problem_ids == problem_id]))
        raise BenchmarkError(f"{origin}: problem_id {problem_id!r} occurs more than once, in {holders}")
