"""What every test module shares: the shared reference files, and skipping (failing in CI) without a prerequisite."""

import os
from pathlib import Path

import pytest

# A model and a math world small enough for a unit test (fastmath_r1.model.init_model, fastmath_r1.world.world_rows).
TINY_ARCH = {"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 1, "num_attention_heads": 2,
             "num_key_value_heads": 1, "max_position_embeddings": 256, "attn_implementation": "eager"}  # fmt: skip
TINY_WORLD = {"max_start": 99, "max_value": 99, "max_operand": 9, "max_multiplier": 1, "reuse_rate": 0.0,
              "traces_per_problem": 2, "max_reflection_rate": 1.0, "slip_rate_per_step": 0.0}  # fmt: skip

# ../shared from the repository root: reference facts and public benchmark copies, never committed here.
SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def shared_path(relative: str) -> Path:
    """A file or folder under ../shared. Missing, the test is skipped, except in CI (CI=true), where every
    shared file must be present and a missing one fails the test instead of hiding it."""
    path = SHARED / relative
    require([path], "../shared from the repository root")
    return path


def require(paths, where: str) -> None:
    """Skip the test when any of `paths` is missing, saying `where` they come from; in CI (CI=true) fail it."""
    missing = [str(p) for p in paths if not Path(p).exists()]
    if missing:
        message = f"{', '.join(missing)} is missing ({where})"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
