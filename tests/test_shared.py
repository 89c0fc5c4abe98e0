"""conftest.shared_path: a missing shared file skips a test locally and fails it in CI."""

import conftest
import pytest
from _pytest.outcomes import Failed, Skipped


def test_a_present_file_is_returned(monkeypatch, tmp_path):
    (tmp_path / "reference").mkdir()
    (tmp_path / "reference" / "recipe.md").write_text("facts")
    monkeypatch.setattr(conftest, "SHARED", tmp_path)
    monkeypatch.setenv("CI", "true")
    assert conftest.shared_path("reference/recipe.md").read_text() == "facts"


@pytest.mark.parametrize("ci, outcome", [("true", Failed), ("", Skipped)])
def test_a_missing_file_fails_in_ci_and_skips_elsewhere(monkeypatch, tmp_path, ci, outcome):
    monkeypatch.setattr(conftest, "SHARED", tmp_path)
    monkeypatch.setenv("CI", ci)
    with pytest.raises(outcome, match="reference/recipe.md is missing"):
        conftest.shared_path("reference/recipe.md")
