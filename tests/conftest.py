"""What every test module shares: the shared reference files, and skipping (failing in CI) without a prerequisite."""

import os
from pathlib import Path

import pytest

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
