"""Model names, the one place they are built: `original`, `sft-e<epochs>`, `grpo-<arm>`.

They name the Snakemake targets, the folders under results/<preset>/models/ and the rows of every table.
"""

from __future__ import annotations

import re

ORIGINAL = "original"
_SFT = re.compile(r"sft-e(\d+)")


def sft_model(epochs: int) -> str:
    return f"sft-e{epochs}"


def grpo_model(arm: str) -> str:
    return f"grpo-{arm}"


def sft_epochs_of(model: str) -> int:
    """Epochs of stage-1 SFT behind a model name; the original model has had none."""
    if model == ORIGINAL:
        return 0
    match = _SFT.fullmatch(model)
    if not match:
        raise ValueError(f"model {model!r} is neither {ORIGINAL!r} nor an SFT model named like {sft_model(10)!r}")
    return int(match.group(1))


def stage_labels(sft: str) -> dict[str, str]:
    """Paper T1's rows: model name -> the paper's label, in the paper's order."""
    return {
        ORIGINAL: "original",
        grpo_model("rl-only"): "original + GRPO",
        sft: "+ SFT",
        grpo_model("recipe"): "+ SFT + GRPO",
    }
