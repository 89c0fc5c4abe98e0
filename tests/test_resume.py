"""Crash safety: a step killed with SIGKILL and run again ends with the outputs of an uninterrupted run.

Evaluation writes its samples shard by shard and a rerun draws only the missing shards (fastmath_r1.evaluate);
SFT and GRPO save checkpoints at the configured interval and a rerun continues from the last complete one
(fastmath_r1.training)."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import torch
from conftest import TINY_ARCH, TINY_WORLD

from fastmath_r1.model import init_model
from fastmath_r1.tokenizer import train_tokenizer
from fastmath_r1.world import world_rows

PROMPTS = {"system": "Please reason step by step.", "user": "Solve: {problem}"}
# 40 problems x 2 samples in shards of 2: 40 shards.
EVAL = {"backend": "transformers", "batch_size": 2, "shard_size": 2, "dtype": "float32", "samples": 2,
        "budgets": [16, 24], "temperature": 1.0, "top_p": 0.9, "min_p": 0.05, "stop_at_think_end": False, "seed": 0,
        "pass_k": [2], "bootstrap_resamples": 50}  # fmt: skip


@pytest.fixture(scope="module")
def model_and_benchmark(tmp_path_factory):
    rows = world_rows("r", 0, 40, [2, 3], **TINY_WORLD)
    out = tmp_path_factory.mktemp("resume")
    texts = [PROMPTS["system"], PROMPTS["user"], *(r["problem"] for r in rows)]
    texts += [g for r in rows for g in r["generations"]]
    init_model(train_tokenizer(texts, 320), TINY_ARCH, seed=0, out_dir=out / "model")
    pd.DataFrame(rows)[["problem_id", "problem", "answer"]].to_parquet(out / "set.parquet", index=False)
    return out / "model", out / "set.parquet"


def evaluate_command(model: Path, benchmark: Path, out_dir: Path) -> list[str]:
    return [sys.executable, "-m", "fastmath_r1.cli", "evaluate", "--model", str(model), "--model-name", "m",
            "--benchmark", f"set={benchmark}", "--prompts", json.dumps(PROMPTS), "--eval", json.dumps(EVAL),
            "--out-dir", str(out_dir), "--threads", "1"]  # fmt: skip


def outputs(out_dir: Path) -> dict[str, pd.DataFrame]:
    return {name: (pd.read_csv if name.endswith(".csv") else pd.read_parquet)(out_dir / "set" / name)
            for name in ("completions.parquet", "metrics.csv", "grades.parquet")}  # fmt: skip


def test_an_evaluation_killed_halfway_keeps_its_shards_and_resumes_to_the_same_outputs(model_and_benchmark, tmp_path):
    model, benchmark = model_and_benchmark
    start = time.time()
    clean = subprocess.run(evaluate_command(model, benchmark, tmp_path / "clean"), capture_output=True, text=True)
    clean_s = time.time() - start
    assert clean.returncode == 0, clean.stderr[-2000:]
    assert "set: shard 40/40, 80 samples drawn at" in clean.stderr

    shards = tmp_path / "killed" / "set" / "shards"
    run = subprocess.Popen(evaluate_command(model, benchmark, tmp_path / "killed"), stderr=subprocess.DEVNULL,
                           start_new_session=True)  # fmt: skip
    deadline = time.time() + 300
    while len(list(shards.glob("*.parquet"))) < 20:
        assert run.poll() is None and time.time() < deadline, "the evaluation ended before it could be killed"
        time.sleep(0.005)
    os.killpg(run.pid, signal.SIGKILL)
    run.wait()
    kept = len(list(shards.glob("*.parquet")))
    assert 20 <= kept < 40  # a shard cut off mid-write is a hidden temporary file, never a shard
    assert not (tmp_path / "killed" / "set" / "metrics.csv").exists()

    start = time.time()
    resumed = subprocess.run(evaluate_command(model, benchmark, tmp_path / "killed"), capture_output=True, text=True)
    rerun_s = time.time() - start
    print(f"evaluation killed with {kept} of 40 shards written: clean run {clean_s:.1f} s, rerun {rerun_s:.1f} s")
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert f"set: shard 40/40 ({kept} kept from an earlier run), {2 * (40 - kept)} samples drawn" in resumed.stderr
    for name, frame in outputs(tmp_path / "killed").items():
        pd.testing.assert_frame_equal(frame, outputs(tmp_path / "clean")[name], obj=name)
    assert not shards.exists()  # removed once the results are written


def test_shards_of_another_run_are_not_reused(model_and_benchmark, tmp_path):
    model, benchmark = model_and_benchmark
    first = subprocess.run(evaluate_command(model, benchmark, tmp_path), capture_output=True, text=True)
    assert first.returncode == 0, first.stderr[-2000:]
    shards = tmp_path / "set" / "shards"
    shards.mkdir()
    (shards / "run.json").write_text(json.dumps({"key": "another model"}))
    pd.read_parquet(tmp_path / "set" / "completions.parquet").head(2).to_parquet(shards / "00000.parquet")
    again = subprocess.run(evaluate_command(model, benchmark, tmp_path), capture_output=True, text=True)
    assert again.returncode == 0, again.stderr[-2000:]
    assert "shards of another run (model, prompts or sampling changed): removed" in again.stderr
    assert "kept from an earlier run" not in again.stderr


# ---- training: killed after a checkpoint, resumed, the same final weights ----

SFT_TRAINER = {"learning_rate": 1e-3, "lr_scheduler_type": "cosine", "warmup_steps": 0,
               "per_device_train_batch_size": 4, "gradient_accumulation_steps": 1, "max_length": 128,
               "packing": False, "gradient_checkpointing": False, "bf16": False, "optim": "adamw_torch", "seed": 2025,
               "save_strategy": "steps", "save_steps": 2}  # fmt: skip
GRPO_TRAINER = {"learning_rate": 1e-4, "lr_scheduler_type": "cosine", "warmup_steps": 0, "max_steps": 6,
                "per_device_train_batch_size": 8, "gradient_accumulation_steps": 1, "num_generations": 4,
                "max_completion_length": 16, "temperature": 1.0, "top_p": 0.9, "min_p": 0.05, "beta": 0.04,
                "loss_type": "bnpo", "scale_rewards": "group", "use_vllm": False, "bf16": False, "seed": 2025,
                "save_strategy": "steps", "save_steps": 2}  # fmt: skip


def training_command(stage: str, model: Path, data: Path, out: Path) -> list[str]:
    common = ["--out", str(out / "model"), "--log-csv", str(out / "curve.csv"), "--checkpoint-dir", str(out / "ckpt"),
              "--threads", "1"]  # fmt: skip
    if stage == "sft":
        return [sys.executable, "-m", "fastmath_r1.cli", "sft", "--model", str(model), "--data", str(data),
                "--prompts", json.dumps(PROMPTS), "--trainer", json.dumps(SFT_TRAINER), "--epochs", "3",
                *common]  # fmt: skip
    return [sys.executable, "-m", "fastmath_r1.cli", "grpo", "--model", str(model), "--prompts-table", str(data),
            "--prompts", json.dumps(PROMPTS), "--rewards", "format", "cosine", "length", "--reward-params",
            json.dumps({"cosine": {"max_len": 100}}), "--trainer", json.dumps(GRPO_TRAINER), *common]  # fmt: skip


def weights(model_dir: Path) -> dict:
    from safetensors.torch import load_file

    return load_file(model_dir / "model.safetensors")


@pytest.mark.parametrize("stage", ["sft", "grpo"])
def test_training_killed_after_a_checkpoint_resumes_to_the_same_weights(stage, model_and_benchmark, tmp_path):
    model, _ = model_and_benchmark
    rows = world_rows("t", 1, 24, [2, 3], **TINY_WORLD)
    data = tmp_path / "data.parquet"
    pd.DataFrame({"problem": [r["problem"] for r in rows], "generation": [r["generations"][0] for r in rows],
                  "answer": [str(r["answer"]) for r in rows]}).to_parquet(data, index=False)  # fmt: skip
    start = time.time()
    clean = subprocess.run(training_command(stage, model, data, tmp_path / "clean"), capture_output=True, text=True)
    clean_s = time.time() - start
    assert clean.returncode == 0, clean.stderr[-3000:]

    killed = tmp_path / "killed"
    run = subprocess.Popen(training_command(stage, model, data, killed), stderr=subprocess.DEVNULL,
                           start_new_session=True)  # fmt: skip
    deadline = time.time() + 600
    while not (killed / "ckpt" / "checkpoint-4" / "trainer_state.json").exists():
        assert run.poll() is None and time.time() < deadline, "the run ended before it could be killed"
        time.sleep(0.01)
    os.killpg(run.pid, signal.SIGKILL)
    run.wait()
    assert not (killed / "model").exists()
    # A checkpoint cut off while it was written (its trainer state is written last) is skipped.
    cut = killed / "ckpt" / "checkpoint-6"
    cut.mkdir(exist_ok=True)
    (cut / "trainer_state.json").write_text('{"global_step": ')

    start = time.time()
    resumed = subprocess.run(training_command(stage, model, data, killed), capture_output=True, text=True)
    print(f"{stage} killed after checkpoint-4: clean run {clean_s:.1f} s, rerun {time.time() - start:.1f} s")
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert "checkpoint-6 was cut off while it was saved: skipped" in resumed.stderr
    assert f"resuming from {killed / 'ckpt' / 'checkpoint-4'}" in resumed.stderr
    expected, actual = weights(tmp_path / "clean" / "model"), weights(killed / "model")
    assert expected.keys() == actual.keys()
    for name in expected:
        assert torch.equal(expected[name], actual[name]), name  # bit for bit on the CPU
    # Every logged value but wall-clock times and TRL's running token count, which its checkpoints do not keep (it
    # counts again from the resumed step).
    unsaved = ["step_time", "num_tokens"]
    pd.testing.assert_frame_equal(
        pd.read_csv(killed / "curve.csv").drop(columns=unsaved, errors="ignore"),
        pd.read_csv(tmp_path / "clean" / "curve.csv").drop(columns=unsaved, errors="ignore"),
    )
