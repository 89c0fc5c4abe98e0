"""What every test module shares: where the project's shared reference files are."""

import os
from pathlib import Path

import pytest

# ../shared from the repository root: reference facts and public benchmark copies, never committed here.
SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def shared_path(relative: str) -> Path:
    """A file or folder under ../shared. Missing, the test is skipped, except in CI (CI=true), where every
    shared file must be present and a missing one fails the test instead of hiding it."""
    path = SHARED / relative
    if not path.exists():
        message = f"{path} is missing (../shared from the repository root)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path
