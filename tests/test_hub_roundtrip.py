"""Publishing a checkpoint and reading it back through the Hub's protocol, against the loopback Hub of
tests/hub_server.py: a pushed model scores exactly as before once downloaded; a push is refused without a
token or over a published revision; transient failures are retried and client errors are not; a download
that differs from the repo is caught; huggingface_hub's own clients read what was pushed."""

import logging
import os
import shutil
import subprocess
import sys
import traceback
from pathlib import Path

import pandas as pd
import pytest
import torch
from conftest import TINY_ARCH, TINY_WORLD
from hub_server import DROP, FakeHub
from huggingface_hub import (
    CommitOperationAdd,
    HfApi,
    ModelCard,
    constants,
    hf_hub_download,
    snapshot_download,
)
from huggingface_hub.errors import HfHubHTTPError
from transformers import AutoModelForCausalLM

from fastmath_r1.evaluate import generate_completions, prompt_token_ids, sampling_from_config, score
from fastmath_r1.generation import TransformersBackend
from fastmath_r1.hub import DownloadMismatch, download_model, verify_model_files
from fastmath_r1.model import init_model
from fastmath_r1.push import PushRefused, model_card, push_checkpoint
from fastmath_r1.tokenizer import train_tokenizer
from fastmath_r1.world import world_rows

TOKEN = "hf_loopbackTestToken0123456789"
REPO = "fast-math-repro/mini-r1"
RECIPE = {"preset": "mini", "sft": {"epochs": 10}, "grpo": {"max_steps": 50}}
DATASETS = ["fast-math-repro/world-mini"]
PROMPTS = {"system": "Please reason step by step.", "user": "Solve: {problem}"}
EVAL = {
    "samples": 2,
    "budgets": [8, 16],
    "temperature": 1.0,
    "top_p": 0.9,
    "min_p": 0.05,
    "seed": 3,
    "stop_at_think_end": False,
}


@pytest.fixture
def hub(monkeypatch, tmp_path):
    """The loopback Hub, with huggingface_hub (here and in child processes) pointed at it, a fresh cache
    and a token. Our functions are given the endpoint explicitly; HF_ENDPOINT is for the `hf` CLI."""
    home = tmp_path / "hf-home"
    server = FakeHub(token=TOKEN)
    env = {"HF_ENDPOINT": server.url, "HF_HUB_OFFLINE": "0", "HF_HOME": str(home), "HF_HUB_CACHE": str(home / "hub"),
           "HF_TOKEN": TOKEN, "HF_HUB_DISABLE_UPDATE_CHECK": "1"}  # fmt: skip
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    # huggingface_hub read these when it was imported (offline, as the test command sets it).
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(home / "hub"))
    monkeypatch.setattr(constants, "HF_TOKEN_PATH", str(home / "token"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def benchmark():
    return pd.DataFrame(world_rows("w", 0, 6, [2, 3], **TINY_WORLD))


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory, benchmark):
    texts = [PROMPTS["system"], PROMPTS["user"], *benchmark["problem"], *benchmark["generations"].explode()]
    out = tmp_path_factory.mktemp("checkpoint")
    init_model(train_tokenizer(texts, 300), TINY_ARCH, seed=0, out_dir=out)
    return out


def evaluate(model_dir: Path, benchmark: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    backend = TransformersBackend(str(model_dir), batch_size=4, device="cpu")
    ids = prompt_token_ids(backend.tokenizer, benchmark["problem"].tolist(), PROMPTS["system"], PROMPTS["user"])
    completions = generate_completions(backend, ids, benchmark, sampling_from_config(EVAL))
    metrics, _ = score(completions, benchmark, EVAL["budgets"], backend.tokenizer, [2], n_resamples=20, seed=0)
    metrics.insert(0, "benchmark", "world-mini")
    return completions, metrics


def push(model_dir: Path, hub: FakeHub, revision: str = "main", **kwargs) -> str:
    defaults = {"recipe_config": RECIPE, "metrics": None, "base_model": None, "datasets": DATASETS, "endpoint": hub.url,
                "backoff_s": 0.01}  # fmt: skip
    return push_checkpoint(model_dir, REPO, revision, **(defaults | kwargs))


def without(model_dir: Path, name: str, out: Path) -> Path:
    shutil.copytree(model_dir, out)
    (out / name).unlink()
    return out


def test_a_pushed_checkpoint_downloads_and_scores_exactly_as_before(hub, model_dir, benchmark, tmp_path):
    completions_a, metrics_a = evaluate(model_dir, benchmark)
    sha = push(model_dir, hub, revision="run-1", metrics=metrics_a)

    out = download_model({"repo_id": REPO, "revision": "run-1"}, tmp_path / "download", endpoint=hub.url)
    assert sorted(p.name for p in out.iterdir() if p.is_file()) == sorted(p.name for p in model_dir.iterdir())
    original, loaded = (AutoModelForCausalLM.from_pretrained(d).state_dict() for d in (model_dir, out))
    assert original.keys() == loaded.keys() and all(torch.equal(original[k], loaded[k]) for k in original)
    completions_b, metrics_b = evaluate(out, benchmark)
    pd.testing.assert_frame_equal(completions_b, completions_a, check_exact=True)
    pd.testing.assert_frame_equal(metrics_b, metrics_a, check_exact=True)

    card = ModelCard(Path(hf_hub_download(REPO, "README.md", revision=sha, endpoint=hub.url)).read_text())
    published = {
        (r.dataset_name, r.metric_args["max_tokens"], r.metric_type): r.metric_value for r in card.data.eval_results
    }
    assert published == {
        ("world-mini", row.budget, metric): row[metric]
        for _, row in metrics_a.iterrows()
        for metric in ("pass@1", "tokens")
    }
    recipe = Path(hf_hub_download(REPO, "recipe.yaml", revision=sha, endpoint=hub.url)).read_text()
    assert "max_steps: 50" in recipe
    assert {b.name for b in HfApi(endpoint=hub.url).list_repo_refs(REPO).branches} == {"main", "run-1"}


def test_model_card_metadata_and_body():
    metrics = pd.DataFrame({"model": "m", "benchmark": "aime24-mini", "budget": [8, 16], "pass@1": [12.5, 25.0],
                            "pass@1_lo": [0.0, 5.0], "tokens": [7.25, 13.5]})  # fmt: skip
    card = ModelCard(model_card("org/mini-r1", RECIPE, metrics, "Qwen/Qwen2.5-0.5B", ["open-r1/OpenR1-Math-220k"]))
    assert card.data.base_model == "Qwen/Qwen2.5-0.5B" and card.data.datasets == ["open-r1/OpenR1-Math-220k"]
    assert card.data.library_name == "transformers" and "fast-math-r1-repro" in card.data.tags
    assert card.data.model_name == "mini-r1"
    assert [(r.dataset_name, r.metric_type, r.metric_args, r.metric_value) for r in card.data.eval_results] == [
        ("aime24-mini", "pass@1", {"max_tokens": 8}, 12.5), ("aime24-mini", "tokens", {"max_tokens": 8}, 7.25),
        ("aime24-mini", "pass@1", {"max_tokens": 16}, 25.0), ("aime24-mini", "tokens", {"max_tokens": 16}, 13.5),
    ]  # fmt: skip
    assert "preset `mini`" in card.text and "from [Qwen/Qwen2.5-0.5B]" in card.text
    assert "| aime24-mini |" in card.text and "2507.08267" in card.text

    bare = ModelCard(model_card("org/mini-r1", RECIPE, None, None, []))
    assert bare.data.eval_results is None and bare.data.base_model is None and "## Evaluation" not in bare.text


def test_no_token_is_refused_before_any_request(hub, model_dir, monkeypatch):
    monkeypatch.delenv("HF_TOKEN")
    monkeypatch.delenv("HUGGING_FACE_HUB_TOKEN", raising=False)
    with pytest.raises(PushRefused, match="set HF_TOKEN"):
        push(model_dir, hub)
    assert hub.calls == []


def test_the_token_never_reaches_logs_or_errors(hub, model_dir, caplog, capfd):
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="huggingface_hub")
    wrong = "hf_someoneElsesToken987654321"
    hub.fail("commit", 503, 403)
    errors = []
    for token in (wrong, TOKEN):  # a rejected token; then a server error, retried, and a client error
        with pytest.raises(HfHubHTTPError) as failed:
            push(model_dir, hub, token=token)
        errors.append("".join(traceback.format_exception(failed.value)) + repr(failed.value))
    assert "401" in errors[0] and "403" in errors[1]
    assert "retry 1/3" in caplog.text and hub.count("commit") == 2
    captured = caplog.text + "".join(capfd.readouterr()) + "".join(errors)
    assert TOKEN not in captured and wrong not in captured


def test_a_published_revision_is_replaced_only_when_asked(hub, model_dir, tmp_path):
    api = HfApi(endpoint=hub.url)
    first = push(model_dir, hub)  # main holds only the Hub's .gitattributes until then
    with pytest.raises(PushRefused, match=rf"{REPO}@main is already published .*overwrite=True"):
        push(model_dir, hub)
    assert hub.count("commit") == 1 and api.model_info(REPO).sha == first

    smaller = without(model_dir, "generation_config.json", tmp_path / "smaller")
    expected = sorted([".gitattributes", "README.md", "recipe.yaml", *os.listdir(smaller)])
    push(smaller, hub, revision="run-2")  # a new branch starts from main, but holds only this checkpoint
    assert sorted(api.list_repo_files(REPO, revision="run-2")) == expected
    second = push(smaller, hub, overwrite=True, recipe_config=RECIPE | {"preset": "smoke"})
    assert second != first and sorted(api.list_repo_files(REPO)) == expected
    assert "generation_config.json" in api.list_repo_files(REPO, revision=first)


def test_transient_failures_are_retried(hub, model_dir):
    hub.fail("commit", 503, DROP)  # a server error, then a connection closed without an answer
    sha = push(model_dir, hub)
    assert hub.count("commit") == 3 and HfApi(endpoint=hub.url).model_info(REPO).sha == sha


def test_client_errors_are_not_retried_and_retries_run_out(hub, model_dir):
    hub.fail("create", 403)
    with pytest.raises(HfHubHTTPError) as forbidden:
        push(model_dir, hub)
    assert forbidden.value.response.status_code == 403 and hub.count("create") == 1
    hub.fail("commit", 502, 502, 502)
    with pytest.raises(HfHubHTTPError) as unavailable:
        push(model_dir, hub, retries=2)
    assert unavailable.value.response.status_code == 502 and hub.count("commit") == 3


def test_an_incomplete_checkpoint_is_not_pushed(hub, model_dir, tmp_path):
    with pytest.raises(PushRefused, match=r"lacks a tokenizer file"):
        push(without(model_dir, "tokenizer.json", tmp_path / "no-tokenizer"), hub)
    assert hub.calls == []


def test_download_catches_a_file_that_differs_from_the_repo(hub, model_dir, tmp_path):
    sha = push(model_dir, hub)
    weights = (model_dir / "model.safetensors").read_bytes()
    hub.serve_instead(REPO, "model.safetensors", weights[: len(weights) // 2])
    with pytest.raises(DownloadMismatch, match=rf"{REPO}@main \(commit {sha}\) .*model\.safetensors differs"):
        download_model({"repo_id": REPO, "revision": "main"}, tmp_path / "out", endpoint=hub.url)


def test_download_catches_a_missing_file(hub, model_dir, tmp_path):
    sha = push(model_dir, hub)
    spec = {"repo_id": REPO, "revision": "main"}
    out = download_model(spec, tmp_path / "out", endpoint=hub.url)
    (out / "tokenizer_config.json").unlink()
    with pytest.raises(DownloadMismatch, match="missing tokenizer_config.json"):
        verify_model_files(spec, sha, out, endpoint=hub.url)


def test_download_refuses_a_repo_that_is_not_a_checkpoint(hub, model_dir, tmp_path):
    api = HfApi(endpoint=hub.url, token=TOKEN)
    api.create_repo(REPO)
    weights_only = [CommitOperationAdd(name, str(model_dir / name)) for name in ("config.json", "model.safetensors")]
    api.create_commit(REPO, operations=weights_only, commit_message="weights only")
    with pytest.raises(DownloadMismatch, match="lacks a tokenizer file"):
        download_model({"repo_id": REPO, "revision": "main"}, tmp_path / "out", endpoint=hub.url)


def hf_cli(*args: str) -> None:
    """The `hf` CLI in a fresh process, which knows the stand-in only by HF_ENDPOINT (set by `hub`)."""
    cli = Path(sys.executable).parent / "hf"
    done = subprocess.run([str(cli), *args], check=False, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_huggingface_hubs_own_clients_read_what_was_pushed(hub, model_dir, tmp_path):
    """The stand-in speaks the protocol, not only what our functions ask: the library's cache layout
    through its own snapshot_download, and the `hf` CLI."""
    sha = push(model_dir, hub, revision="run-1")
    snapshot = Path(snapshot_download(REPO, revision="run-1", endpoint=hub.url))
    assert snapshot.name == sha
    hf_cli("download", REPO, "--revision", "run-1", "--local-dir", str(tmp_path / "cli"))
    for name in os.listdir(model_dir):
        assert (
            (snapshot / name).read_bytes() == (tmp_path / "cli" / name).read_bytes() == (model_dir / name).read_bytes()
        )


def test_a_checkpoint_uploaded_by_the_hf_cli_downloads_and_verifies(hub, model_dir, tmp_path):
    hf_cli("upload", REPO, str(model_dir), ".", "--revision", "cli")
    out = download_model({"repo_id": REPO, "revision": "cli"}, tmp_path / "out", endpoint=hub.url)
    assert sorted(os.listdir(model_dir)) == sorted(p.name for p in out.iterdir() if p.is_file())


def fastmath_cli(*args: str) -> subprocess.CompletedProcess:
    """The CLI as the push and download rules run it: a fresh process that finds the Hub by HF_ENDPOINT
    and the token by HF_TOKEN (both set by `hub`)."""
    cli = Path(sys.executable).parent / "fastmath-r1"
    return subprocess.run([str(cli), *args], capture_output=True, text=True, timeout=120)


def test_the_push_and_download_rules_commands(hub, model_dir, benchmark, tmp_path):
    metrics = tmp_path / "metrics.csv"
    evaluate(model_dir, benchmark)[1].to_csv(metrics, index=False)
    out = tmp_path / "push.txt"
    args = ["push", "--model-dir", str(model_dir), "--repo-id", REPO, "--revision", "run-2", "--recipe",
            '{"preset": "mini"}', "--metrics", str(metrics), "--dataset", *DATASETS, "--retries", "3",
            "--out", str(out)]  # fmt: skip
    done = fastmath_cli(*args)
    assert done.returncode == 0, done.stderr
    repo_revision, sha = out.read_text().split()
    assert repo_revision == f"{REPO}@run-2" and TOKEN not in done.stderr + done.stdout
    again = fastmath_cli(*args)
    refusal = again.stderr.strip().splitlines()[-1]
    assert again.returncode != 0 and refusal.startswith("fastmath-r1 push: ") and "overwrite" in refusal
    spec = f'{{"repo_id": "{REPO}", "revision": "{sha}"}}'
    done = fastmath_cli("download-model", "--spec", spec, "--out", str(tmp_path / "model"))
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "model" / "config.json").read_bytes() == (model_dir / "config.json").read_bytes()
