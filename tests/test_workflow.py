"""The Snakemake workflow: planning, lint, config errors before any job, and the smoke run end to end."""

import glob
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
SMOKE = ROOT / "config" / "presets" / "smoke.yaml"
# The rules of the paper's tables and figures (what `figures` replans), and those only the miniature has.
TABLE_RULES = {
    "sft_epochs",
    "stages",
    "budget_sweep",
    "reward_ablation",
    "per_problem",
    "grpo_curves",
    "aimo",
    "claims",
}
MINIATURE_RULES = {"world", "original_set", "sft_set", "init_model", "original"}


def snakemake(
    workdir: Path, *args: str, timeout: int = 600, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """Snakemake on this workflow in `workdir`, offline unless `env` (added to this environment) says otherwise."""
    command = [sys.executable, "-m", "snakemake", "-s", str(ROOT / "Snakefile"), "-d", str(workdir), *args]
    path = f"{Path(sys.executable).parent}:{os.environ['PATH']}"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PATH": path, **(env or {})}
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env)


@pytest.mark.parametrize("preset", [None, SMOKE], ids=["default", "smoke"])
def test_reproduce_plans(tmp_path, preset):
    args = ["-n", "reproduce"] + (["--configfile", str(preset)] if preset else [])
    result = snakemake(tmp_path, *args)
    assert result.returncode == 0, result.stderr[-2000:]
    for rule in MINIATURE_RULES | TABLE_RULES:
        assert f"rule {rule}:" in result.stdout, rule


def test_lint_is_clean(tmp_path):
    result = snakemake(tmp_path, "--lint")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-2000:]
    assert "Lints for" not in output and "your workflow is in a good condition" in output, output[-2000:]


@pytest.mark.parametrize(
    "override, message",
    [
        (
            {"sft": {"trainer": {"learnin_rate": 1e-3}}},
            "config error: config key sft.trainer: unknown key 'learnin_rate'",
        ),
        ({"sft": {"epochs": "ten"}}, "config error: config key sft.epochs: expected array, got 'ten'"),
        ({"colour": "red"}, "config error: config key (top level): unknown key 'colour'"),
    ],
)
def test_bad_config_stops_before_any_job(tmp_path, override, message):
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(override))
    result = snakemake(tmp_path / "run", "--cores", "1", "reproduce", "--configfile", str(bad))
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.startswith("config error:")]
    assert len(lines) == 1 and lines[0].startswith(message), result.stderr[-2000:]
    assert not (tmp_path / "run" / "results").exists()


@pytest.fixture(scope="module")
def smoke_run(tmp_path_factory) -> tuple[Path, float]:
    """The smoke preset's `reproduce` from an empty folder: its working directory and wall time."""
    workdir = tmp_path_factory.mktemp("smoke")
    start = time.time()
    result = snakemake(workdir, "--cores", "2", "reproduce", "--configfile", str(SMOKE))
    assert result.returncode == 0, result.stderr[-4000:]
    return workdir, time.time() - start


@pytest.mark.slow
def test_smoke_preset_runs_the_whole_dag(smoke_run):
    workdir, elapsed = smoke_run
    results = workdir / "results" / "smoke"
    table = pd.read_csv(results / "tables" / "sft_epochs.csv")
    assert sorted(table["sft_epochs"].unique()) == [0, 1, 2]
    assert set(table["benchmark"]) == {"aime24-mini", "aime25-mini"}
    assert (results / "figures" / "sft_epochs.png").stat().st_size > 10_000
    assert "| original |" in (results / "tables" / "sft_epochs.md").read_text()
    completions = pd.read_parquet(results / "eval" / "sft-e2" / "aime24-mini" / "completions.parquet")
    assert len(completions) == 12 * 2 and completions["n_tokens"].max() <= 64
    curve = pd.read_csv(results / "curves" / "sft-e2.csv")
    assert {"loss", "mean_token_accuracy", "learning_rate"} <= set(curve.columns)
    assert curve["epoch"].iloc[-1] == pytest.approx(2.0)
    assert not (results / "checkpoints" / "sft-e2").exists()
    for rule_log in ("world.log", "train/original.log", "train/grpo-recipe.log", "eval/original.log"):
        assert (results / "logs" / rule_log).exists()
    assert (results / "timings" / "train" / "sft-e1.tsv").exists()
    for name in ("stages", "budget_sweep", "reward_ablation", "aimo", "claims", "per_problem"):
        assert len(pd.read_csv(results / "tables" / f"{name}.csv")) > 0, name
    for name in ("budget_sweep", "reward_ablation", "per_problem", "grpo_curves"):
        assert (results / "figures" / f"{name}.png").stat().st_size > 10_000, name
    grpo_curve = pd.read_csv(results / "curves" / "grpo-recipe.csv")
    assert len(grpo_curve) == 2 and {"reward", "kl", "completions/mean_length", "completions/clipped_ratio"} <= set(
        grpo_curve.columns
    )
    report = (results / "report.md").read_text()
    assert report.count("| GRPO after SFT cuts tokens |") == 2
    # Speed is reported, not asserted: these machines are shared and noisy.
    print(f"smoke preset: {elapsed:.0f} s")


def run_outputs(results: Path) -> dict[str, pd.DataFrame]:
    """Every table, metric, grade and training curve of a run, by path; wall-clock columns and TRL's running token
    count (which a checkpoint does not keep) left out."""
    frames = {}
    for path in sorted(results.rglob("*")):
        if path.suffix == ".csv" and "timings" not in path.parts:
            frame = pd.read_csv(path)
        elif path.suffix == ".parquet" and "data" not in path.parts:
            frame = pd.read_parquet(path)
        else:
            continue
        frames[str(path.relative_to(results))] = frame.drop(columns=["step_time", "num_tokens"], errors="ignore")
    return frames


@pytest.mark.slow
def test_killed_inside_sft_grpo_and_evaluation_the_reruns_end_with_the_clean_outputs(smoke_run, tmp_path):
    """The kill harness: Snakemake's whole process group SIGKILLed inside an SFT job (after its first epoch's
    checkpoint), a GRPO job (after its first step's) and an evaluation (after its first shard), at jobs drawn with a
    fixed seed; each time `snakemake --unlock` and a rerun with --rerun-incomplete; the last rerun finishes. Every
    table, metric, grade and curve then equals the clean run's."""
    clean_dir, clean_s = smoke_run
    rng = random.Random(2025)
    smoke = f"{tmp_path}/results/smoke"
    # Each kill point is a job that cannot have run before the previous kill: an arm that starts from sft-e2, then
    # the evaluation of that arm's model.
    arm = rng.choice(["recipe", "cosine", "accuracy", "accuracy-length"])
    kill_points = [
        ("SFT sft-e2", f"{smoke}/checkpoints/sft-e2/checkpoint-*/trainer_state.json"),
        (f"GRPO {arm}", f"{smoke}/checkpoints/grpo-{arm}/checkpoint-1/trainer_state.json"),
        (f"evaluation of grpo-{arm}", f"{smoke}/eval/grpo-{arm}/aime24-mini/shards/00000.parquet"),
    ]
    command = [sys.executable, "-m", "snakemake", "-s", str(ROOT / "Snakefile"), "-d", str(tmp_path), "--cores", "2",
               "reproduce", "--configfile", str(SMOKE), "--rerun-incomplete"]  # fmt: skip
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    start = time.time()
    for where, pattern in kill_points:
        run = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)  # fmt: skip
        deadline = time.time() + 600
        while not glob.glob(pattern):
            assert run.poll() is None and time.time() < deadline, f"the run ended before the kill {where}"
            time.sleep(0.02)
        os.killpg(run.pid, signal.SIGKILL)
        run.wait()
        print(f"killed {where} after {time.time() - start:.0f} s")
        unlocked = snakemake(tmp_path, "--unlock", "reproduce", "--configfile", str(SMOKE))
        assert unlocked.returncode == 0, unlocked.stderr[-2000:]
    final = subprocess.run(command, env=env, capture_output=True, text=True, timeout=1200)
    assert final.returncode == 0, final.stderr[-4000:]
    print(f"kill harness: clean run {clean_s:.0f} s; killed 3 times and rerun: {time.time() - start:.0f} s in all")
    expected, actual = run_outputs(clean_dir / "results" / "smoke"), run_outputs(Path(smoke))
    assert actual.keys() == expected.keys()
    for name, frame in expected.items():
        pd.testing.assert_frame_equal(actual[name], frame, obj=name)


@pytest.mark.slow
def test_seeds_runs_the_recipe_again_under_another_seed_and_pools_the_claims(smoke_run):
    """`snakemake seeds` beside a finished run: only the other seed's recipe runs (in its own folder, from another
    world), then the claims report over both seeds."""
    workdir, _ = smoke_run
    start = time.time()
    two_seeds = workdir / "two-seeds.yaml"
    two_seeds.write_text("seeds: [0, 1]\n")
    result = snakemake(workdir, "--cores", "2", "seeds", "--configfile", str(SMOKE), str(two_seeds))
    assert result.returncode == 0, result.stderr[-4000:]
    own, other = workdir / "results" / "smoke", workdir / "results" / "smoke-seed1"
    log = result.stdout + result.stderr
    assert "rule seed1_world:" in log and "rule world:" not in log, "seed 0 is the finished run"
    corpus = {d: pd.read_parquet(d / "data" / "world" / "corpus.parquet")["problem"] for d in (own, other)}
    assert len(set(corpus[own]) & set(corpus[other])) < len(corpus[own]) // 2
    assert (other / "report.md").exists() and (other / "models" / "grpo-recipe").is_dir()
    table = pd.read_csv(own / "seeds" / "claims.csv")
    claims = pd.read_csv(own / "tables" / "claims.csv")
    assert table[["id", "benchmark"]].values.tolist() == claims[["id", "benchmark"]].values.tolist()
    assert table["seed0_verdict"].tolist() == claims["verdict"].tolist()
    assert table["seed1_verdict"].tolist() == pd.read_csv(other / "tables" / "claims.csv")["verdict"].tolist()
    assert ((table["reproduced_in"] + table["not_reproduced_in"] + table["inconclusive_in"]) == 2).all()
    assert "**Seed majority: " in (own / "seeds" / "report.md").read_text()
    print(f"seeds (one more smoke run and the report): {time.time() - start:.0f} s")


@pytest.mark.slow
def test_sizes_runs_the_recipe_at_the_other_size_and_tabulates_both(smoke_run):
    """`snakemake sizes` beside a finished run: only the other size's stages run (its own preset, its own folder),
    then paper T1 by size, its figure and the claims across sizes."""
    workdir, _ = smoke_run
    start = time.time()
    result = snakemake(workdir, "--cores", "2", "sizes", "--configfile", str(SMOKE))
    assert result.returncode == 0, result.stderr[-4000:]
    log = result.stdout + result.stderr
    assert "rule size_smoke_small_original:" in log and "rule original:" not in log, "this size is the finished run"
    assert "rule size_smoke_small_grpo:" in log and "rule size_smoke_small_evaluate:" in log
    other, own = workdir / "results" / "smoke-small", workdir / "results" / "smoke"
    assert (other / "models" / "grpo-recipe").is_dir() and not (other / "models" / "grpo-cosine").exists()
    table = pd.read_csv(own / "sizes" / "stages.csv")
    assert table["size"].drop_duplicates().tolist() == ["smaller", "smoke"]
    assert table["model"].drop_duplicates().tolist() == ["original", "sft-e2", "grpo-recipe"]
    stages = pd.read_csv(own / "tables" / "stages.csv")
    mine = table[table["size"] == "smoke"].drop(columns="size").reset_index(drop=True)
    assert mine.equals(stages[stages["model"].isin(mine["model"])].reset_index(drop=True))
    claims = pd.read_csv(own / "sizes" / "claims.csv")
    assert claims["id"].tolist() == ["size-recipe-gain-grows", "size-sft-helps-smallest-least"] * 2  # 2 sizes, 2 sets
    assert (own / "sizes" / "stages.png").stat().st_size > 10_000
    assert "# Claims across model sizes, preset smoke" in (own / "sizes" / "report.md").read_text()
    print(f"sizes (one smaller smoke run and the tables): {time.time() - start:.0f} s")
