"""Secrets and remote code: a push run leaves its token in no file; no model code from a repo ever runs
(`trust_remote_code` is never enabled); weights load as safetensors only, never as pickles."""

import ast
import re
from pathlib import Path

import pytest
from hub_server import FakeHub
from test_workflow import ROOT, SMOKE, snakemake

SENTINEL = "hf_sentinelTokenThatMustNotLeak0123"


@pytest.mark.slow
def test_a_push_run_leaves_its_token_in_no_file(tmp_path):
    hub = FakeHub(token=SENTINEL)
    hub.start()
    configfile = tmp_path / "push.yaml"
    configfile.write_text("push: {enabled: true, models: {original: {repo_id: me/smoke-original, revision: run-1}}}\n")
    env = {"HF_ENDPOINT": hub.url, "HF_HUB_OFFLINE": "0", "HF_TOKEN": SENTINEL, "HF_HOME": str(tmp_path / "hf-home"),
           "HF_HUB_DISABLE_UPDATE_CHECK": "1"}  # fmt: skip
    try:
        result = snakemake(tmp_path, "--cores", "2", "results/smoke/push/original.txt", "--configfile", str(SMOKE),
                           str(configfile), env=env)  # fmt: skip
    finally:
        hub.stop()
    assert result.returncode == 0, result.stderr[-3000:]
    assert hub.count("commit") == 1
    assert SENTINEL not in result.stdout + result.stderr
    written = [p for p in tmp_path.rglob("*") if p.is_file() and "hf-home" not in p.parts]
    assert any(".snakemake" in p.parts for p in written) and any("logs" in p.parts for p in written)
    leaks = [str(p) for p in written if SENTINEL.encode() in p.read_bytes()]
    assert not leaks


def package_sources() -> list[Path]:
    return sorted((ROOT / "fastmath_r1").rglob("*.py"))


def test_remote_code_is_never_trusted():
    places = [*package_sources(), ROOT / "Snakefile", *(ROOT / "workflow").rglob("*.smk")]
    places += list((ROOT / "config").rglob("*"))
    assert not [str(p) for p in places if p.is_file() and "trust_remote_code" in p.read_text()]


def test_every_model_load_asks_for_safetensors():
    """Every `...ForCausalLM.from_pretrained` call passes use_safetensors=True (a pickle checkpoint is refused, not
    unpickled), and vLLM's engine loads safetensors only."""
    loads, engines = [], []
    for path in package_sources():
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            keywords = {k.arg: k.value for k in node.keywords}
            name = ast.unparse(node.func)
            if re.search(r"ForCausalLM\.from_pretrained$", name):
                safe = keywords.get("use_safetensors")
                loads.append((f"{path.name}:{node.lineno}", isinstance(safe, ast.Constant) and safe.value is True))
            if name == "LLM":
                fmt = keywords.get("load_format")
                safe = isinstance(fmt, ast.Constant) and fmt.value == "safetensors"
                engines.append((f"{path.name}:{node.lineno}", safe))
    assert len(loads) >= 2 and engines  # training (sft, grpo), the transformers backend; the vLLM backend
    assert [where for where, safe in loads + engines if not safe] == []
