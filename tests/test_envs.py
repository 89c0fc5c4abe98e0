"""The step environments (envs/*.yaml) that `snakemake --use-conda` builds on a cluster: every pin exact,
every rule pointing at one, each step's imports covered by its env, and (slow) each env resolving with pip."""

from __future__ import annotations

import ast
import functools
import importlib.metadata
import json
import os
import platform
import re
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
import tomllib
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
ENVS = sorted((ROOT / "envs").glob("*.yaml"))
RULE_FILES = [ROOT / "Snakefile", *sorted((ROOT / "workflow" / "rules").glob("*.smk"))]
CLI = ROOT / "fastmath_r1" / "cli.py"
# What `-e ..` brings into every env.
CORE_DEPS = [Requirement(r) for r in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]]
# A rule's step: the CLI subcommand its shell runs, directly or through a launcher param (`fastmath-r1`
# or `accelerate launch ... -m fastmath_r1.cli`); `fastmath-r1 launch ... -- SUB` is read in subcommands().
SUBCOMMAND = re.compile(r"(?:fastmath-r1|\{params\.cli\})\s+([a-z][a-z-]*)")
# Programs a step starts besides the CLI (fastmath_r1/launch.py), by what in its shell asks for them,
# and the distributions that install them.
PROGRAMS = {
    r"(?:fastmath-r1|\{params\.cli\})\s+launch": ("accelerate launch", {"accelerate"}),
    r"vllm[-_]server": ("trl vllm-serve", {"trl", "vllm"}),
}
ACTIONS = {"shell", "run", "script", "notebook", "wrapper", "cwl"}

# conda-forge packages whose PyPI distribution has another name.
CONDA_TO_PYPI = {"matplotlib-base": "matplotlib"}
# Modules whose distribution is not installed here (GPU-only) or is named otherwise.
MODULE_DIST = {
    "vllm": "vllm",
    "deepspeed": "deepspeed",
    "bitsandbytes": "bitsandbytes",
    "yaml": "pyyaml",
    "math_verify": "math-verify",
    "sklearn": "scikit-learn",
    "PIL": "pillow",
}

# Requires-Dist of the pinned PyPI wheels, read from each wheel's METADATA (pypi.org serves no PEP 658
# .metadata files for them, so they were read with HTTP range requests). Only the constraints between
# the packages the envs pin; the slow test below resolves everything else with pip.
REQUIRES = {
    ("trl", "1.16.0"): {
        "vllm": ">=0.22.0,<=0.31.0",  # extra "vllm"
        "deepspeed": ">=0.18.6",  # extra "deepspeed"
        "transformers": ">=4.56.2",
        "accelerate": ">=1.10.1",
        "datasets": ">=4.7.0",
        "huggingface-hub": ">=0.34.0",
    },
    ("vllm", "0.31.0"): {
        "torch": "==2.13.0",
        "transformers": ">=5.10.4,<5.18.0",
        "tokenizers": ">=0.21.1",
        "huggingface-hub": ">=1.31.0",
        "numpy": "<2.4",  # via mistral_common[image]>=1.11.6: numpy<2.4 on Python <= 3.12
    },
    ("vllm", "0.32.0"): {
        "torch": "==2.13.0",
        "transformers": ">=5.16.1,<5.20.0",
        "tokenizers": ">=0.23.2",
        "huggingface-hub": ">=1.31.0",
        "numpy": "<2.4",  # via mistral_common, as above
    },
    ("transformers", "5.17.0"): {"tokenizers": ">=0.23.1,<0.24.0", "huggingface-hub": ">=1.5.0,<2.0"},
    ("transformers", "5.24.0"): {"tokenizers": ">=0.23.1,<0.24.0", "huggingface-hub": ">=1.31.0,<3.0"},
    ("datasets", "5.2.0"): {"huggingface-hub": ">=1.31.0,<3.0", "pyarrow": ">=24.0.0"},
    ("bitsandbytes", "0.50.2"): {"torch": ">=2.4,<3"},
    ("accelerate", "1.15.0"): {"torch": ">=2.0.0"},
}


# ---- env files ----


def load_env(path: Path) -> dict:
    return yaml.safe_load(path.read_text())


def conda_deps(env: dict) -> list[str]:
    return [d for d in env.get("dependencies", []) if isinstance(d, str)]


def pip_reqs(env: dict) -> list[str]:
    return next((d["pip"] for d in env.get("dependencies", []) if isinstance(d, dict) and "pip" in d), [])


def conda_pin(dep: str) -> tuple[str, str] | None:
    """(name, version) of a conda dependency pinned as `name=version` or `name==version`, else None."""
    m = re.fullmatch(r"([A-Za-z0-9_.-]+)\s*==?\s*([0-9][^=<>!,*\s]*)", dep)
    return (m[1], m[2]) if m else None


def pip_pin(line: str) -> Requirement | None:
    req = Requirement(line)
    specs = list(req.specifier)
    return req if len(specs) == 1 and specs[0].operator == "==" else None


def pins(env: dict) -> dict[str, str]:
    """Canonical distribution name -> pinned version, conda and pip sections together."""
    out = {}
    for dep in conda_deps(env):
        if pin := conda_pin(dep):
            out[canonicalize_name(CONDA_TO_PYPI.get(pin[0], pin[0]))] = pin[1]
    for line in pip_reqs(env):
        if line != "-e .." and (req := pip_pin(line)):
            out[canonicalize_name(req.name)] = next(iter(req.specifier)).version
    return out


def provided(env: dict) -> set[str]:
    """Distributions the env installs on purpose: its pins, and the core dependencies `-e ..` brings."""
    names = set(pins(env))
    if "-e .." in pip_reqs(env):
        names |= {canonicalize_name(r.name) for r in CORE_DEPS}
    return names


@pytest.mark.parametrize("path", ENVS, ids=lambda p: p.name)
def test_env_file_is_pinned(path):
    env = load_env(path)
    problems = []
    if not path.read_text().startswith("#"):
        problems.append("no header comment saying which step it serves and why these pins")
    if not env.get("name"):
        problems.append("no name")
    if "conda-forge" not in env.get("channels", []):
        problems.append("conda-forge is not a channel")
    if not any((conda_pin(d) or ("",))[0] == "python" for d in conda_deps(env)):
        problems.append("python is not pinned")
    problems += [
        f"conda dependency {d!r} is not pinned (name=version)"
        for d in conda_deps(env)
        if d != "pip" and not conda_pin(d)
    ]
    problems += [
        f"pip requirement {r!r} is not pinned with ==" for r in pip_reqs(env) if r != "-e .." and not pip_pin(r)
    ]
    if pip_reqs(env) and "pip" not in conda_deps(env):
        problems.append("a pip section without pip among the conda dependencies")
    assert not problems, f"{path.relative_to(ROOT)}: " + "; ".join(problems)


@pytest.mark.parametrize("path", ENVS, ids=lambda p: p.name)
def test_pins_meet_each_others_requirements(path):
    """Each pin's Requires-Dist (REQUIRES) holds for the other pins of the env; an env with vLLM pins the
    torch and transformers it needs, at a vLLM version whose constraints were checked."""
    env = pins(load_env(path))
    problems = []
    if "vllm" in env:
        if ("vllm", env["vllm"]) not in REQUIRES:
            problems.append(f"vllm {env['vllm']}: read its Requires-Dist from PyPI and add them to REQUIRES")
        problems += [f"vllm needs {name} pinned" for name in ("torch", "transformers") if name not in env]
    for (name, version), needs in REQUIRES.items():
        if env.get(name) != version:
            continue
        for dep, spec in needs.items():
            if dep in env and env[dep] not in SpecifierSet(spec):
                problems.append(f"{name} {version} needs {dep}{spec}, the env pins {dep}=={env[dep]}")
    assert not problems, f"{path.relative_to(ROOT)}: " + "; ".join(problems)


@pytest.mark.parametrize(
    "other, shared",
    [
        # A checkpoint written by SFT is loaded and trained further by GRPO with the same libraries.
        (
            "grpo",
            [
                "torch",
                "transformers",
                "tokenizers",
                "huggingface-hub",
                "accelerate",
                "datasets",
                "trl",
                "deepspeed",
                "numpy",
            ],
        ),
        # Traces are selected by their length in the tokens that SFT trains on.
        ("data", ["transformers", "tokenizers"]),
        ("hub", ["transformers", "tokenizers"]),
    ],
)
def test_envs_share_the_training_stack(other, shared):
    sft, env = (pins(load_env(ROOT / "envs" / f"{name}.yaml")) for name in ("sft", other))
    assert {n: env.get(n) for n in shared} == {n: sft.get(n) for n in shared}, f"envs/{other}.yaml vs envs/sft.yaml"


# ---- rules ----


@dataclass
class Rule:
    name: str
    file: Path
    directives: dict[str, str]

    @property
    def env(self) -> Path | None:
        m = re.search(r"['\"]([^'\"]+)['\"]", self.directives.get("conda", ""))
        return (self.file.parent / m[1]).resolve() if m else None

    @property
    def command(self) -> str:
        """The shell command as Snakemake gets it: the shell directive's string literals joined."""
        text = self.directives.get("shell", "")
        try:
            return ast.literal_eval(f"({text})")
        except (ValueError, SyntaxError):
            return text

    @property
    def where(self) -> str:
        return f"rule {self.name} ({self.file.relative_to(ROOT)})"


def parse_rules(path: Path) -> list[Rule]:
    """The rules of a Snakefile, also those inside `if` blocks, each with its directives' text (`conda:`,
    `shell:`, ...), read from the indentation, so that the check needs neither Snakemake nor a config."""
    rules, lines = [], path.read_text().splitlines()
    for i, line in enumerate(lines):
        header = re.fullmatch(r"( *)(?:rule|checkpoint) +(\w+) *:\s*", line)
        if not header:
            continue
        directive = re.compile(" " * (len(header[1]) + 4) + r"(\w+):(.*)")
        directives, current = {}, None
        for body in lines[i + 1 :]:
            if body.strip() and len(body) - len(body.lstrip()) <= len(header[1]):
                break
            if d := directive.fullmatch(body):
                current = d[1]
                directives[current] = d[2]
            elif current:
                directives[current] += "\n" + body
        rules.append(Rule(header[2], path, directives))
    return rules


def subcommands(command: str) -> list[str]:
    """The CLI steps a shell command runs: `fastmath-r1 SUB`, and the step that `fastmath-r1 launch`
    starts (after its `--`)."""
    found = SUBCOMMAND.findall(command)
    if "launch" in found:
        found += re.findall(r"\s--\s+([a-z][a-z-]*)", command)
    return found


RULES = [rule for path in RULE_FILES for rule in parse_rules(path)]
STEPS = [rule for rule in RULES if ACTIONS & set(rule.directives)]


def test_rules_are_found():
    assert len(STEPS) >= 10, [r.name for r in STEPS]


@pytest.mark.parametrize("rule", STEPS, ids=lambda r: r.name)
def test_rule_has_a_conda_env(rule):
    assert rule.env, f"{rule.where} has no conda: directive"
    assert rule.env.is_file(), f"{rule.where}: conda env {rule.directives['conda'].strip()} does not exist ({rule.env})"
    assert rule.env.parent == ROOT / "envs", f"{rule.where}: its env {rule.env} is not in envs/"


@pytest.mark.parametrize("rule", STEPS, ids=lambda r: r.name)
def test_rule_runs_the_cli_of_its_own_env(rule):
    """With `step_venvs`, a step runs its own venv's fastmath-r1 (PLAN.cli): the env it names is its conda env."""
    assert re.search(r'^\s*"\{params\.cli\} ', rule.directives.get("shell", ""), re.M), (
        f"{rule.where}: not {{params.cli}}"
    )
    named = re.search(r'cli=PLAN\.cli\("(\w+)"\)', rule.directives.get("params", ""))
    assert named and named[1] == rule.env.stem, f"{rule.where}: cli env {named and named[1]} vs conda {rule.env.stem}"


# ---- imports of each step ----


def module_file(module: str) -> Path | None:
    base = ROOT.joinpath(*module.split("."))
    return next((p for p in (base.with_suffix(".py"), base / "__init__.py") if p.is_file()), None)


def imported_modules(nodes) -> set[str]:
    """Absolute module names imported by these AST nodes; `from fastmath_r1 import data` names the
    submodule too, and relative imports are resolved inside the package."""
    out = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            out |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # only the package's own modules import relatively
                base = ".".join(["fastmath_r1", *([base] if base else [])])
            out.add(base)
            out |= {f"{base}.{alias.name}" for alias in node.names if module_file(f"{base}.{alias.name}")}
    return out


def step_imports(subcommand: str) -> set[str]:
    """Top-level third-party modules that `fastmath-r1 SUBCOMMAND` can import: those of its cmd_ function
    and the cli.py helpers it uses, then every import (lazy ones included) of each fastmath_r1 module
    reached, transitively."""
    tree = ast.parse(CLI.read_text())
    functions = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    name = f"cmd_{subcommand.replace('-', '_')}"
    assert name in functions, f"fastmath_r1/cli.py has no {name} for the subcommand {subcommand!r}"
    nodes = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
    todo, used = [name], set()
    while todo:
        function = todo.pop()
        used.add(function)
        for node in ast.walk(functions[function]):
            nodes.append(node)
            if isinstance(node, ast.Name) and node.id in functions and node.id not in used:
                todo.append(node.id)
    modules, seen, third_party = imported_modules(nodes) | {"fastmath_r1"}, set(), set()
    while modules:
        module = modules.pop()
        seen.add(module)
        top = module.split(".")[0]
        if top == "fastmath_r1":
            if path := module_file(module):
                modules |= imported_modules(ast.walk(ast.parse(path.read_text()))) - seen
        elif top not in sys.stdlib_module_names:
            third_party.add(top)
    return third_party


@functools.cache
def installed_distributions() -> dict[str, list[str]]:
    return importlib.metadata.packages_distributions()


def distribution(module: str) -> set[str]:
    if module in MODULE_DIST:
        return {canonicalize_name(MODULE_DIST[module])}
    return {canonicalize_name(d) for d in installed_distributions().get(module, [])}


@pytest.mark.parametrize("rule", STEPS, ids=lambda r: r.name)
def test_step_imports_are_covered_by_its_env(rule):
    steps = subcommands(rule.command)
    assert steps, f"{rule.where} runs no `fastmath-r1 SUBCOMMAND`, so its imports cannot be checked"
    assert rule.env and rule.env.is_file(), f"{rule.where} has no conda env (see test_rule_has_a_conda_env)"
    env = load_env(rule.env)
    env_name = rule.env.relative_to(ROOT)
    have = provided(env)
    problems = []
    for step in steps:
        for module in sorted(step_imports(step)):
            dists = distribution(module)
            if not dists:
                problems.append(f"module {module!r} belongs to no known distribution: add it to MODULE_DIST")
            elif not dists & have:
                problems.append(
                    f"`fastmath-r1 {step}` imports {module}, but {env_name} pins no {'/'.join(sorted(dists))}"
                )
    for pattern, (program, dists) in PROGRAMS.items():
        if re.search(pattern, rule.command) and (missing := dists - set(pins(env))):
            problems.append(f"it runs `{program}`, but {env_name} pins no {', '.join(sorted(missing))}")
    assert not problems, f"{rule.where}: " + "; ".join(problems)


# ---- resolution (slow: asks PyPI) ----

# Where pip looks for packages is set by these; the dry run asks PyPI alone, as the cluster does,
# not a local wheel folder or mirror of this machine (whose torch is the CPU build).
PIP_SOURCE_SETTINGS = ("PIP_FIND_LINKS", "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_NO_INDEX", "PIP_CONSTRAINT")


def dry_run_requirements(env: dict) -> list[str]:
    """The env as one pip requirement list: conda pins as PyPI pins (pip must resolve against them, as it
    finds them installed), and `-e ..` as the package's core dependencies."""
    reqs = []
    for dep in conda_deps(env):
        if (pin := conda_pin(dep)) and pin[0] not in ("python", "pip"):
            reqs.append(f"{CONDA_TO_PYPI.get(pin[0], pin[0])}=={pin[1]}")
    for line in pip_reqs(env):
        reqs += [str(r) for r in CORE_DEPS] if line == "-e .." else [line]
    return reqs


def dry_run(path: Path, workdir: Path) -> dict:
    env = load_env(path)
    requirements = workdir / f"{path.stem}.txt"
    requirements.write_text("\n".join(dry_run_requirements(env)) + "\n")
    report = workdir / f"{path.stem}.json"
    command = [
        sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--quiet",
        "--report", str(report),
        # Metadata by HTTP range requests: PyPI has no PEP 658 metadata for these wheels, and without
        # this pip downloads each whole wheel (torch 0.5 GB, vLLM 0.3 GB, the CUDA libraries GBs more).
        "--use-feature=fast-deps",
        "-r", str(requirements),
    ]  # fmt: skip
    pip_env = {k: v for k, v in os.environ.items() if k not in PIP_SOURCE_SETTINGS}
    pip_env["PIP_CONFIG_FILE"] = os.devnull
    start = time.monotonic()
    result = subprocess.run(command, check=False, capture_output=True, text=True, env=pip_env, timeout=600)
    seconds = time.monotonic() - start
    installed = {}
    if result.returncode == 0:
        items = json.loads(report.read_text())["install"]
        installed = {canonicalize_name(i["metadata"]["name"]): i["metadata"]["version"] for i in items}
    return {"returncode": result.returncode, "stderr": result.stderr, "seconds": seconds, "installed": installed}


def pypi_reachable() -> bool:
    try:
        urllib.request.urlopen("https://pypi.org/simple/pip/", timeout=15).close()
        return True
    except OSError:
        return False


@pytest.fixture(scope="module")
def dry_runs(tmp_path_factory):
    """Every env resolved at once, in parallel: each run mostly waits on the network."""
    if not pypi_reachable():
        pytest.skip("PyPI is unreachable: the environments cannot be resolved")
    # pip resolves for the interpreter it runs on: --python-version and --platform would need
    # --only-binary=:all:, and DeepSpeed publishes only an sdist.
    pythons = {pin[1] for p in ENVS for d in conda_deps(load_env(p)) if (pin := conda_pin(d)) and pin[0] == "python"}
    here = f"{sys.version_info.major}.{sys.version_info.minor}"
    if pythons != {here} or sys.platform != "linux" or platform.machine() != "x86_64":
        pytest.skip(
            f"the envs are for Python {', '.join(sorted(pythons))} on Linux x86_64, "
            f"this is Python {here} on {sys.platform} {platform.machine()}"
        )
    workdir = tmp_path_factory.mktemp("envs")
    start = time.monotonic()
    with ThreadPoolExecutor(len(ENVS)) as pool:
        runs = dict(zip(ENVS, pool.map(lambda p: dry_run(p, workdir), ENVS)))
    print(f"\nresolved {len(ENVS)} envs in {time.monotonic() - start:.0f} s:")
    for path, run in runs.items():
        print(f"  {path.name}: {len(run['installed'])} distributions, {run['seconds']:.0f} s, exit {run['returncode']}")
    return runs


@pytest.mark.slow
@pytest.mark.parametrize("path", ENVS, ids=lambda p: p.name)
def test_env_resolves(dry_runs, path):
    run = dry_runs[path]
    assert run["returncode"] == 0, f"{path.relative_to(ROOT)} does not resolve:\n{run['stderr'][-3000:]}"
    wanted = pins(load_env(path))
    # pip settles every pin as written (python is the interpreter, not a distribution)
    wanted.pop("python", None)
    got = {name: run["installed"].get(name) for name in wanted}
    assert got == wanted, f"{path.relative_to(ROOT)}: pip chose other versions than the pins"
