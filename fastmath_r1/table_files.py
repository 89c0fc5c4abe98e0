"""Reading a table file a step is given (.parquet, .jsonl or .csv): one that cannot be read, or lacks a column, is an
InputError naming the file (and the column). Without transformers, so that every step env can read tables."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from fastmath_r1.errors import InputError


def read_table(path: str | Path, columns: list[str] = ()) -> pd.DataFrame:
    """A .parquet, .jsonl or .csv table with (at least) `columns`; a file that is missing, empty, corrupt or not
    UTF-8, or lacks one of the columns, is an InputError. CSV cells are read as text, empty cells as ""."""
    path = Path(path)
    readers = {
        ".parquet": pd.read_parquet,
        ".jsonl": lambda p: pd.read_json(p, lines=True, dtype=False),
        ".csv": lambda p: pd.read_csv(p, dtype=str, keep_default_na=False),
    }
    if path.suffix not in readers:
        raise InputError(f"{path}: unsupported table format {path.suffix!r} (expected .parquet, .jsonl or .csv)")
    if path.is_file() and path.stat().st_size == 0:
        raise InputError(f"{path}: the file is empty")
    try:
        table = readers[path.suffix](path)
    except (OSError, ValueError, UnicodeError) as error:  # pyarrow's errors are OSError or ValueError subclasses
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise InputError(f"cannot read {path}: {reason}") from error
    require_columns(table, columns, str(path))
    return table


def require_columns(table: pd.DataFrame, columns: list[str], origin: str, purpose: str = "") -> None:
    """An InputError naming `origin` and the first missing of `columns` (`purpose` says what needs them)."""
    missing = [c for c in columns if c not in table.columns]
    if missing:
        has = ", ".join(map(str, table.columns))
        raise InputError(f"{origin}: missing column(s) {', '.join(missing)}{purpose} (has: {has})")
