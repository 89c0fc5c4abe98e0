"""What the SFT and GRPO stages share: device choice, resumable checkpoints and per-step CSV logs."""

from __future__ import annotations

import csv
import json
import logging
import shutil
from pathlib import Path

import torch
from transformers import TrainerCallback

log = logging.getLogger("fastmath_r1")

# Keys TRL puts in the last log record only (a run summary, not a step).
SUMMARY_KEYS = {"train_runtime", "train_samples_per_second", "train_steps_per_second", "train_loss"}


def device_args(bf16: bool) -> dict:
    """The device, and bf16 as the config says (TRL turns it on by default): on a machine without CUDA the
    run is on the CPU, where bf16 trains too (transformers 5.17 and newer)."""
    return {"use_cpu": not torch.cuda.is_available(), "bf16": bf16}


def load_for_training(model_dir: str, bf16: bool, attn_implementation: str | None = None):
    """The model in the precision the run trains in: bfloat16 with bf16 (DeepSpeed keeps float32 master weights in
    its optimizer), float32 without. transformers 5 would load the checkpoint's own dtype: SmolLM2's and
    R1-Distill's are bfloat16, which a run with bf16 off would then train as bfloat16 weights (and, on a CPU
    without bfloat16 units, about 4 times slower: measured in config/presets/paper-cpu.yaml)."""
    from transformers import AutoModelForCausalLM

    return AutoModelForCausalLM.from_pretrained(
        model_dir,
        dtype=torch.bfloat16 if bf16 else torch.float32,
        use_safetensors=True,
        **({"attn_implementation": attn_implementation} if attn_implementation else {}),
    )


def run_args(trainer_args: dict, checkpoint_dir: Path) -> dict:
    """The config's trainer section plus what every stage's run adds: where checkpoints go, the device,
    and one log line per step (to the rule log and the CSV; progress bars would only garble the log)."""
    args = dict(trainer_args)
    bf16 = args.pop("bf16", False)
    return {
        "output_dir": str(checkpoint_dir),
        "save_total_limit": 1,
        "logging_steps": 1,
        "disable_tqdm": True,
        "report_to": "none",
        **device_args(bf16),
        **args,
    }


def last_checkpoint(checkpoint_dir: Path) -> str | None:
    """The newest complete `checkpoint-N` folder, so a rerun continues where an interrupted one stopped.

    The Trainer writes a checkpoint's `trainer_state.json` after everything else in it: a checkpoint without a
    whole one (the run was killed while saving it) is skipped."""
    done = []
    for folder in checkpoint_dir.glob("checkpoint-*"):
        try:
            json.loads((folder / "trainer_state.json").read_text())["global_step"]
        except (OSError, ValueError, KeyError):
            log.warning("%s was cut off while it was saved: skipped", folder)
            continue
        done.append(folder)
    return str(max(done, key=lambda p: int(p.name.split("-")[1]))) if done else None


def input_stamps(paths: list[Path]) -> dict[str, list[int]]:
    """Size and modification time of every file under `paths`: what a run's checkpoints were made from."""
    files = [f for p in map(Path, paths) for f in ([p] if p.is_file() else sorted(p.rglob("*"))) if f.is_file()]
    return {str(f): [f.stat().st_size, f.stat().st_mtime_ns] for f in files}


def keep_matching_checkpoints(checkpoint_dir: Path, run: dict, inputs: list[Path]) -> None:
    """Resume only a run with the same arguments and inputs: checkpoints of any other run (the config
    or an input changed since) are dropped, so a rerun never continues a stale schedule.

    `run` holds the run's arguments (JSON-serialisable). The main process decides before any process
    starts training; the others wait for it."""
    from accelerate import PartialState

    state = PartialState()
    if state.is_main_process:
        _drop_stale_checkpoints(Path(checkpoint_dir), {"args": run, "inputs": input_stamps(inputs)})
    state.wait_for_everyone()


def _drop_stale_checkpoints(checkpoint_dir: Path, run: dict) -> None:
    stamp = checkpoint_dir / "run.json"
    text = json.dumps(run, sort_keys=True, indent=1, default=str)
    if stamp.exists() and stamp.read_text() != text:
        log.warning("%s holds checkpoints of a run with other arguments or inputs; starting afresh", checkpoint_dir)
        shutil.rmtree(checkpoint_dir)
    checkpoint_dir.mkdir(parents=True, exist_ok=True)
    stamp.write_text(text)


def step_records(log_history: list[dict]) -> list[dict]:
    return [r for r in log_history if "step" in r and not SUMMARY_KEYS & r.keys()]


def write_step_csv(records: list[dict], path: Path) -> None:
    columns = ["step", "epoch"] + sorted({k for r in records for k in r} - {"step", "epoch"})
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        writer.writerows(records)


class StepCSVLogger(TrainerCallback):
    """Rewrites the step log after every logging step: progress is visible while a run goes, and the
    file never holds steps that a resumed run has replayed."""

    def __init__(self, path: Path):
        self.path = path

    def on_log(self, args, state, control, logs=None, **kwargs):
        if state.is_world_process_zero:
            write_step_csv(step_records(state.log_history), self.path)


def train_and_save(trainer, tokenizer, checkpoint_dir: Path, log_csv: Path, out_dir: Path) -> None:
    """Train (resuming from the last complete checkpoint), save model and tokenizer, write the step log,
    and only then drop the checkpoints.

    Under a launcher every process takes part in the save (ZeRO-3 gathers the weights), then the main one
    writes the rest; no process leaves before the others are done: a process that exits while its peers
    still write the model kills them (torchrun aborts the group), leaving a partial file."""
    checkpoint = last_checkpoint(checkpoint_dir)
    if checkpoint:
        log.info("resuming from %s", checkpoint)
    trainer.train(resume_from_checkpoint=checkpoint)
    trainer.save_model(str(out_dir))
    if trainer.is_world_process_zero():
        tokenizer.save_pretrained(out_dir)
        write_step_csv(step_records(trainer.state.log_history), log_csv)
    trainer.accelerator.wait_for_everyone()
    if trainer.is_world_process_zero():
        shutil.rmtree(checkpoint_dir, ignore_errors=True)
    if torch.distributed.is_initialized():
        torch.distributed.destroy_process_group()
