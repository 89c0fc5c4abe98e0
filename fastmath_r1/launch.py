"""How a training step starts: in-process on a CPU, or `accelerate launch` over the job's GPUs.

GRPO with `vllm_mode: server` also needs a `trl vllm-serve` process on GPUs of its own for the whole
run: `run` starts it on the last `vllm_server_gpus` GPUs, waits until it answers, trains on the others
and stops it however training ends.
"""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("fastmath_r1")


@dataclass(frozen=True)
class Plan:
    train: list[str]
    train_env: dict[str, str]
    server: list[str] | None = None
    server_env: dict[str, str] | None = None
    server_url: str | None = None


def plan(
    launch: dict,
    step_args: list[str],
    vllm_server: dict | None = None,
    visible_devices: str | None = None,
    port: int | None = None,
) -> Plan:
    """The command lines (and CUDA_VISIBLE_DEVICES) for one training step.

    `launch` is the config's launch section (gpus, accelerate_config, vllm_server_gpus); `step_args`
    the fastmath-r1 subcommand and its arguments; `vllm_server` the model, port, tensor-parallel size
    and memory share of a vLLM server (GRPO in server mode only); `visible_devices` the job's own
    CUDA_VISIBLE_DEVICES (Slurm sets it to the GPUs it allocated), split between training and server;
    `port` the processes' rendezvous port (accelerate's default, 29500, clashes when two launches share a
    machine; `free_port` gives one).
    """
    gpus, server_gpus, cpu_processes = launch["gpus"], launch["vllm_server_gpus"], launch["cpu_processes"]
    if not launch["accelerate_config"]:
        if gpus > 1 or server_gpus or cpu_processes > 1:
            raise ValueError(
                f"launch: {max(gpus, cpu_processes)} processes need an accelerate_config (config/accelerate/)"
            )
        # One process on the CPU or on the job's one GPU.
        return Plan([sys.executable, "-m", "fastmath_r1.cli", *step_args], {})
    if not gpus:
        # DeepSpeed over gloo between processes on the CPU (DS_ACCELERATOR: it would look for a GPU).
        return Plan(_accelerate(launch, max(cpu_processes, 1), step_args, port), {"DS_ACCELERATOR": "cpu"})
    train_gpus = gpus - server_gpus
    if train_gpus < 1:
        raise ValueError(f"launch: vllm_server_gpus ({server_gpus}) leaves no GPU for training out of {gpus}")
    devices = visible_devices.split(",") if visible_devices else [str(i) for i in range(gpus)]
    if len(devices) < gpus:
        raise ValueError(f"launch: {gpus} GPUs asked for, but the job sees only {visible_devices!r}")
    train = _accelerate(launch, train_gpus, step_args, port)
    train_env = {"CUDA_VISIBLE_DEVICES": ",".join(devices[:train_gpus])}
    if not server_gpus:
        return Plan(train, train_env)
    if vllm_server is None:
        raise ValueError("launch: vllm_server_gpus > 0 needs the vLLM server settings (trainer.vllm_mode: server)")
    server = [
        sys.executable, "-m", "trl.cli.main", "vllm-serve",
        "--model", str(vllm_server["model"]),
        "--tensor_parallel_size", str(server_gpus),
        "--port", str(vllm_server["port"]),
        "--gpu_memory_utilization", str(vllm_server["gpu_memory_utilization"]),
    ]  # fmt: skip
    if vllm_server["max_model_len"]:
        server += ["--max_model_len", str(vllm_server["max_model_len"])]
    return Plan(
        train,
        train_env,
        server=server,
        server_env={"CUDA_VISIBLE_DEVICES": ",".join(devices[train_gpus:])},
        server_url=f"http://127.0.0.1:{vllm_server['port']}/health",
    )


def _accelerate(launch: dict, processes: int, step_args: list[str], port: int | None) -> list[str]:
    # The step's own interpreter: a step env's accelerate and TRL, not whichever are first on PATH.
    return [
        sys.executable, "-m", "accelerate.commands.launch",
        "--config_file", str(launch["accelerate_config"]),
        "--num_processes", str(processes),
        *(["--main_process_port", str(port)] if port else []),
        "-m", "fastmath_r1.cli", *step_args,
    ]  # fmt: skip


def free_port() -> int:
    """A TCP port that nothing listens on now (the kernel's pick)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_up(url: str, timeout: float, server: subprocess.Popen, poll: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the vLLM server exited with status {server.returncode} before answering {url}")
        try:
            with urllib.request.urlopen(url, timeout=poll) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(poll)
    raise TimeoutError(f"the vLLM server did not answer {url} within {timeout:.0f} s")


def run(p: Plan, server_timeout: float = 600.0, server_log: Path | None = None) -> int:
    """Run the plan; the training command's exit status is the result."""
    if p.server is None:
        log.info("launching: %s", " ".join(p.train))
        return subprocess.call(p.train, env={**os.environ, **p.train_env})
    log.info("starting the vLLM server: %s", " ".join(p.server))
    with open(server_log or os.devnull, "a") as out:
        server = subprocess.Popen(p.server, env={**os.environ, **p.server_env}, stdout=out, stderr=subprocess.STDOUT)
        try:
            wait_until_up(p.server_url, server_timeout, server)
            log.info("launching: %s", " ".join(p.train))
            return subprocess.call(p.train, env={**os.environ, **p.train_env})
        finally:
            server.terminate()
            try:
                server.wait(timeout=60)
            except subprocess.TimeoutExpired:
                server.kill()
