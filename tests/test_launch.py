"""fastmath_r1.launch: in-process on a CPU, `accelerate launch` over GPUs, and GRPO's vLLM server split."""

import socket
import sys

import pytest

from fastmath_r1.launch import free_port, plan

STEP = ["sft", "--model", "m"]


def launch(gpus: int, accelerate_config: str | None = None, vllm_server_gpus: int = 0, cpu_processes: int = 0) -> dict:
    """A launch section as the validated config holds it."""
    return {"gpus": gpus, "accelerate_config": accelerate_config, "vllm_server_gpus": vllm_server_gpus,
            "cpu_processes": cpu_processes}  # fmt: skip


def server(port: int = 8000, **settings) -> dict:
    return {"model": "m", "port": port, "gpu_memory_utilization": 0.9, "max_model_len": None, **settings}


def test_cpu_runs_one_process_of_the_cli():
    p = plan(launch(0), STEP)
    assert p.train == [sys.executable, "-m", "fastmath_r1.cli", *STEP] and p.server is None


def test_gpus_launch_accelerate_with_the_rules_process_count():
    p = plan(launch(8, "/w/config/accelerate/zero3.yaml"), STEP)
    assert p.train == [
        sys.executable,
        "-m",
        "accelerate.commands.launch",
        "--config_file",
        "/w/config/accelerate/zero3.yaml",
        "--num_processes",
        "8",
        "-m",
        "fastmath_r1.cli",
        *STEP,
    ]
    assert p.train_env == {"CUDA_VISIBLE_DEVICES": "0,1,2,3,4,5,6,7"} and p.server is None


def test_server_mode_gives_the_last_gpus_to_trl_vllm_serve():
    p = plan(launch(8, "z2.yaml", 4), ["grpo"], server(model="results/paper/models/sft-e10", max_model_len=16896))
    assert p.train[p.train.index("--num_processes") + 1] == "4"
    assert p.train_env == {"CUDA_VISIBLE_DEVICES": "0,1,2,3"}
    assert p.server_env == {"CUDA_VISIBLE_DEVICES": "4,5,6,7"}
    assert p.server[:4] == [sys.executable, "-m", "trl.cli.main", "vllm-serve"]
    assert p.server[p.server.index("--tensor_parallel_size") + 1] == "4"
    assert p.server[p.server.index("--model") + 1] == "results/paper/models/sft-e10"
    assert p.server[p.server.index("--max_model_len") + 1] == "16896"
    assert p.server_url == "http://127.0.0.1:8000/health"


@pytest.mark.parametrize(
    "launch, server, message",
    [
        (launch(8), None, "need an accelerate_config"),
        (
            launch(4, "z2.yaml", 4),
            server(port=1),
            "leaves no GPU",
        ),
        (launch(8, "z2.yaml", 4), None, "needs the vLLM server settings"),
    ],
)
def test_impossible_layouts_are_refused(launch, server, message):
    with pytest.raises(ValueError, match=message):
        plan(launch, ["grpo"], server)


def test_one_gpu_without_accelerate_runs_in_process():
    assert plan(launch(1), STEP).train[1:3] == ["-m", "fastmath_r1.cli"]


def test_the_jobs_own_gpus_are_split_not_renumbered():
    """Under Slurm the job sees the GPUs it was given (CUDA_VISIBLE_DEVICES=3,5,6,7): training and the
    vLLM server split those, rather than taking GPUs 0..n-1 of the node."""
    p = plan(launch(4, "z2.yaml", 2), ["grpo"], server(), visible_devices="3,5,6,7")
    assert p.train_env == {"CUDA_VISIBLE_DEVICES": "3,5"} and p.server_env == {"CUDA_VISIBLE_DEVICES": "6,7"}
    with pytest.raises(ValueError, match="sees only '3'"):
        plan(launch(4, "z2.yaml"), ["sft"], visible_devices="3")


def test_cpu_processes_launch_deepspeed_over_gloo():
    p = plan(launch(0, "zero3-cpu.yaml", cpu_processes=2), STEP)
    assert p.train[:3] == [sys.executable, "-m", "accelerate.commands.launch"]
    assert p.train[p.train.index("--num_processes") + 1] == "2"
    assert p.train_env == {"DS_ACCELERATOR": "cpu"} and p.server is None
    with pytest.raises(ValueError, match="2 processes need an accelerate_config"):
        plan(launch(0, cpu_processes=2), STEP)


def test_a_launch_rendezvouses_on_the_port_it_is_given():
    p = plan(launch(0, "zero2-cpu.yaml", cpu_processes=2), STEP, port=free_port())
    port = int(p.train[p.train.index("--main_process_port") + 1])
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", port))  # free when handed out
