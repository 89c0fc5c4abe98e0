"""Reading datasets and models from the Hugging Face Hub, always at a pinned revision.

Thin wrappers: `datasets.load_dataset` for tables and `huggingface_hub.snapshot_download` for models.
The default (miniature) preset never calls them; a test that does must stub them (the Hub is offline).
"""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

log = logging.getLogger("fastmath_r1")


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
        name=spec.get("config"),
        split=spec.get("split", "train"),
        revision=spec["revision"],
        data_files=spec.get("data_files"),
    )
    return dataset.to_pandas()


def download_model(spec: dict, out_dir: Path) -> Path:
    """Model weights, config and tokenizer files at the pinned revision, into `out_dir`."""
    from huggingface_hub import snapshot_download

    log.info("downloading %s to %s", describe(spec), out_dir)
    path = snapshot_download(
        repo_id=spec["repo_id"],
        revision=spec["revision"],
        local_dir=out_dir,
        allow_patterns=["*.json", "*.safetensors", "*.model", "*.txt", "*.jinja"],
    )
    return Path(path)
