"""Reading datasets and models from the Hugging Face Hub, always at a pinned revision, and a user's own model
directory, checked as a download is.

Thin wrappers: `datasets.load_dataset` for tables and `huggingface_hub.snapshot_download` for models.
The default (miniature) preset never calls them; a test that does must stub them or serve them from
the loopback Hub of tests/hub_server.py (the real Hub is offline).

`endpoint` (where a function takes it) is the Hub's URL; None means huggingface_hub's own default
(HF_ENDPOINT, read when huggingface_hub is imported, else https://huggingface.co).
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Iterable
from fnmatch import fnmatch
from pathlib import Path

import pandas as pd

from fastmath_r1.data import grpo_prompts, sample_rows, select_hard, to_openr1_shape, trace_length
from fastmath_r1.errors import InputError
from fastmath_r1.table_files import require_columns

log = logging.getLogger("fastmath_r1")

# What a checkpoint is made of: weights, configs and tokenizer files (not READMEs, logs or optimizer state).
MODEL_FILE_PATTERNS = ["*.json", "*.safetensors", "*.model", "*.txt", "*.jinja"]
WEIGHTS_PATTERN = "*.safetensors"
TOKENIZER_FILES = ("tokenizer.json", "tokenizer.model", "vocab.json")
# Weights that unpickle (and so can run code) when loaded: never read; safetensors only.
PICKLE_WEIGHTS = ("*.bin", "*.pt", "*.pth", "*.ckpt", "*.pkl")


class DownloadMismatch(InputError):
    """The files on disk are not the repo's files at the pinned revision, or not a loadable checkpoint."""


def describe(spec: dict) -> str:
    """`repo@revision[:config/split]`, the origin named in log lines and error messages."""
    where = f"{spec['repo_id']}@{spec['revision']}"
    parts = [p for p in (spec.get("config"), spec.get("split")) if p]
    return f"{where}:{'/'.join(parts)}" if parts else where


def load_hub_table(spec: dict) -> pd.DataFrame:
    """One split of a Hub dataset as a frame (`spec`: repo_id, revision, config, split, data_files)."""
    from datasets import load_dataset

    log.info("loading %s", describe(spec))
    dataset = load_dataset(
        spec["repo_id"],
        name=spec["config"],
        split=spec["split"],
        revision=spec["revision"],
        data_files=spec["data_files"],
    )
    return dataset.to_pandas()


def source_pool(
    dataset: dict, fmt: str, selection: dict, sample: int | None, seed: int, tokenizer_dir: Path | None
) -> pd.DataFrame:
    """One source of the paper's stage-1 set: the Hub dataset, OpenR1-shaped, selected (`data.select_hard`)
    and sampled; trace lengths in tokens of `tokenizer_dir`'s tokenizer, or in characters without one."""
    origin = describe(dataset)
    shaped = to_openr1_shape(load_hub_table(dataset), fmt, origin)
    selected = select_hard(shaped, **selection, length=trace_length(tokenizer_dir))
    pool = sample_rows(selected, sample, seed)
    log.info("%s: %d rows, %d pass the selection %s, %d kept", origin, len(shaped), len(selected), selection, len(pool))
    return pool


def grpo_prompt_set(dataset: dict, fmt: str) -> pd.DataFrame:
    """Stage-2 prompts (problem_id, problem, answer) from a Hub dataset; `prompts`: its problem and answer
    columns as they are (the authors' published set), else a source format of `data.to_openr1_shape`."""
    table = load_hub_table(dataset)
    shaped = table if fmt == "prompts" else to_openr1_shape(table, fmt, describe(dataset))
    prompts = grpo_prompts(shaped)
    log.info("%s: %d GRPO prompts", describe(dataset), len(prompts))
    return prompts


def published_sft_set(dataset: dict) -> pd.DataFrame:
    """The authors' published stage-1 set, as it is, once it is known to hold a problem and a trace per row."""
    table = load_hub_table(dataset)
    require_columns(table, ["generation", "problem"], describe(dataset))
    log.info("%s: %d SFT rows", describe(dataset), len(table))
    return table


def missing_model_files(names: Iterable[str]) -> list[str]:
    """What a loadable checkpoint made of the files `names` lacks: config.json, a tokenizer file, weights."""
    names = set(names)
    missing = [] if "config.json" in names else ["config.json"]
    if not names & set(TOKENIZER_FILES):
        missing.append(f"a tokenizer file ({' or '.join(TOKENIZER_FILES)})")
    if not any(fnmatch(name, WEIGHTS_PATTERN) for name in names):
        missing.append(f"a weights file ({WEIGHTS_PATTERN})")
    return missing


def require_readable_safetensors(file: Path) -> None:
    """A safetensors file whose header reads (a file cut off or overwritten does not)."""
    from safetensors import SafetensorError, safe_open

    try:
        with safe_open(str(file), "np"):
            pass
    except SafetensorError as error:
        raise InputError(f"{file}: not a readable safetensors file ({str(error).splitlines()[0]})") from error


def import_model(path: Path, out_dir: Path) -> Path:
    """A local Hugging Face-format model directory as the run's model: its config, tokenizer and safetensors
    files linked (or copied, across file systems) into `out_dir`, after the checks a download gets. A model
    with pickle weights only is refused; beside safetensors, they are left out."""
    path = Path(path)
    if not path.is_dir():
        raise InputError(f"original.path {path}: no such model directory")
    names = [p.name for p in path.iterdir() if p.is_file()]
    pickles = sorted(n for n in names if any(fnmatch(n, pattern) for pattern in PICKLE_WEIGHTS))
    missing = missing_model_files(names)
    if missing:
        hint = f" (it has pickle weights, {', '.join(pickles)}: save them as safetensors)" if pickles else ""
        raise InputError(f"original.path {path}: lacks {'; '.join(missing)}{hint}")
    for name in sorted(n for n in names if n.endswith(".safetensors")):
        require_readable_safetensors(path / name)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True)
    for name in sorted(n for n in names if any(fnmatch(n, pattern) for pattern in MODEL_FILE_PATTERNS)):
        try:
            os.link(path / name, out_dir / name)
        except OSError:
            shutil.copy2(path / name, out_dir / name)
    log.info("%s: %s linked into %s%s", path, ", ".join(sorted(os.listdir(out_dir))), out_dir,
             f"; pickle weights left out: {', '.join(pickles)}" if pickles else "")  # fmt: skip
    return out_dir


def download_model(spec: dict, out_dir: Path, endpoint: str | None = None) -> Path:
    """Model weights, config and tokenizer files at the pinned revision, into `out_dir`, checked file by
    file against the repo (see `verify_model_files`)."""
    from huggingface_hub import HfApi, snapshot_download

    # A branch can move during the download: fetch and check the one commit it names now.
    commit = HfApi(endpoint=endpoint).model_info(spec["repo_id"], revision=spec["revision"]).sha
    log.info("downloading %s (commit %s) to %s", describe(spec), commit, out_dir)
    snapshot_download(
        repo_id=spec["repo_id"],
        revision=commit,
        local_dir=out_dir,
        allow_patterns=MODEL_FILE_PATTERNS,
        endpoint=endpoint,
    )
    verify_model_files(spec, commit, Path(out_dir), endpoint)
    return Path(out_dir)


def verify_model_files(spec: dict, commit: str, local_dir: Path, endpoint: str | None = None) -> None:
    """Raise DownloadMismatch unless `local_dir` holds every model file of the repo at `commit`, each
    with the repo's checksum (git-sha1, or sha256 for LFS files), and they make a loadable checkpoint."""
    from huggingface_hub import HfApi
    from huggingface_hub.utils import filter_repo_objects

    check = HfApi(endpoint=endpoint).verify_repo_checksums(spec["repo_id"], revision=commit, local_dir=local_dir)
    problems = [
        f"missing {path}" for path in filter_repo_objects(check.missing_paths, allow_patterns=MODEL_FILE_PATTERNS)
    ]
    problems += [
        f"{m['path']} differs ({m['algorithm']} {m['actual']}, the repo has {m['expected']})" for m in check.mismatches
    ]
    problems += [f"lacks {what}" for what in missing_model_files(p.name for p in local_dir.iterdir() if p.is_file())]
    if problems:
        raise DownloadMismatch(f"{describe(spec)} (commit {commit}) in {local_dir}: " + "; ".join(problems))
    log.info("%s: %d files match the repo", describe(spec), check.checked_count)
