"""`snakemake figures`: every table and figure of the default preset redrawn from the committed metrics,
grades and training curves (results/mini/), with no training, generation or data input."""

import re
import shutil
import subprocess
import time

import pytest
from test_workflow import ROOT, TABLE_RULES, snakemake


def committed_results() -> list[str]:
    listed = subprocess.run(["git", "ls-files", "results/mini"], cwd=ROOT, capture_output=True, text=True, check=False)
    if listed.returncode != 0:
        pytest.skip("not a git checkout: the committed results cannot be listed")
    return listed.stdout.split()


@pytest.fixture
def workdir(tmp_path):
    """A working directory holding only what git holds under results/mini."""
    files = committed_results()
    assert files, "no committed results under results/mini"
    for name in files:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, tmp_path / name)
    return tmp_path


def test_committed_results_are_small_and_hold_no_model_or_completion():
    files = committed_results()
    assert not [f for f in files if re.search(r"/(models|checkpoints|data)/|completions", f)]
    assert sum((ROOT / f).stat().st_size for f in files) < 2_000_000
    assert {f.split("/")[-1] for f in files} >= {"metrics.csv", "grades.parquet", "grpo-recipe.csv"}


def test_figures_plan_only_table_rules(workdir):
    result = snakemake(workdir, "-n", "figures")
    assert result.returncode == 0, result.stderr[-3000:]
    planned = set(re.findall(r"^rule (\w+):", result.stdout, flags=re.MULTILINE)) - {"figures"}
    assert planned == TABLE_RULES


@pytest.mark.slow
def test_figures_redraw_every_table_and_figure_in_seconds(workdir):
    start = time.time()
    result = snakemake(workdir, "--cores", "1", "figures")
    elapsed = time.time() - start
    assert result.returncode == 0, result.stderr[-3000:]
    out = workdir / "results" / "mini"
    for figure in ("sft_epochs", "budget_sweep", "reward_ablation", "per_problem", "grpo_curves"):
        assert (out / "figures" / f"{figure}.png").stat().st_size > 10_000, figure
    for table in ("sft_epochs", "stages", "budget_sweep", "reward_ablation", "aimo", "claims"):
        assert (out / "tables" / f"{table}.csv").stat().st_size > 0, table
    assert (out / "report.md").read_text().startswith("# Claims report, preset mini")
    print(f"figures: {elapsed:.0f} s")


@pytest.mark.slow
def test_report_holds_every_table_and_figure_with_the_claims_as_front_page(workdir):
    assert snakemake(workdir, "--cores", "1", "figures").returncode == 0
    result = snakemake(workdir, "--report", "report.html", "figures")
    assert result.returncode == 0, result.stderr[-3000:]
    html = (workdir / "report.html").read_text()
    for name in (
        "figures/sft_epochs.png",
        "figures/budget_sweep.png",
        "figures/reward_ablation.png",
        "figures/per_problem.png",
        "figures/grpo_curves.png",
        "tables/sft_epochs.md",
        "tables/stages.md",
        "tables/budget_sweep.md",
        "tables/reward_ablation.md",
        "tables/aimo.md",
        "report.md",
    ):
        assert f'"results/mini/{name}"' in html, name
    assert html.count("data:image/png;charset=utf8;filename=") >= 5  # the figures are embedded
    for paper_object in (
        "paper figure F1",
        "paper table T1",
        "paper table T3",
        "paper figure F2",
        "paper figure F3",
        "paper figure F4",
        "paper table T5",
    ):
        assert paper_object in html, paper_object
    assert "Fast-Math-R1 reproduction, preset mini: " in html  # the claims verdicts are the front page
