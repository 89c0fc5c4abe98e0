"""The loopback Hub of tests/hub_server.py read by the libraries' own clients, as the workflow will read it: dataset
repos through datasets.load_dataset (by branch or commit sha, by config or `data_files`, here and in a child process
that knows the Hub only by HF_ENDPOINT), the libraries' errors for a missing repo, revision or file, a large LFS file
downloaded and verified, ranged reads, and the `serve` entry point."""

import hashlib
import io
import json
import os
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import datasets
import pandas as pd
import pytest
from datasets.exceptions import DatasetNotFoundError
from hub_server import FakeHub, point_clients_at
from huggingface_hub import HfApi, HfFileSystem, constants, hf_hub_download, snapshot_download
from huggingface_hub.errors import EntryNotFoundError, HfHubHTTPError, RepositoryNotFoundError, RevisionNotFoundError

TOKEN = "hf_loopbackTestToken0123456789"
DATASET = "fast-math-repro/tables"
ROWS = [{"problem": "1+1", "answer": "2"}, {"problem": "2+3", "answer": "5"}]
EXTRA = [{"problem": "7*6", "answer": "42"}, {"problem": "9-1", "answer": "8"}]
CONVERSATIONS = [{"conversations": [{"from": "user", "value": "P1"}, {"from": "assistant", "value": r"\boxed{3}"}]}]
SCORES = [{"model": "a", "score": 1.5}, {"model": "b", "score": 2.0}]
# As OpenR1-Math-220k's card declares its configs (datasets reads every config of a repo with one builder, here
# parquet: a file of another format is read through `data_files`).
CARD = """---
configs:
- config_name: default
  data_files:
  - split: train
    path: data/train-*
- config_name: extra
  data_files:
  - split: train
    path: extra/train-*
---
# Tables
"""
# What the workflow's rules will run: a fresh process that finds the Hub by HF_ENDPOINT (set by `hub`).
READ_IN_A_CHILD = """import datasets, json, sys
for revision, data_files in json.loads(sys.argv[2]):
    rows = datasets.load_dataset(sys.argv[1], split="train", revision=revision, data_files=data_files).to_list()
    print(json.dumps(rows))
"""


@pytest.fixture
def hub(monkeypatch, tmp_path):
    """The loopback Hub, with both libraries (here and in child processes) pointed at it."""
    server = FakeHub(token=TOKEN)
    point_clients_at(server, monkeypatch, tmp_path / "hf-home")
    server.start()
    yield server
    server.stop()


def parquet(rows: list[dict]) -> bytes:
    out = io.BytesIO()
    pd.DataFrame(rows).to_parquet(out, index=False)
    return out.getvalue()


@pytest.fixture
def dataset(hub, tmp_path) -> str:
    """DATASET committed over HTTP, as huggingface_hub uploads a folder; the commit's sha."""
    folder = tmp_path / "tables"
    (folder / "data").mkdir(parents=True)
    (folder / "data" / "train-00000-of-00001.parquet").write_bytes(parquet(ROWS))
    (folder / "extra").mkdir()
    (folder / "extra" / "train-00000-of-00001.parquet").write_bytes(parquet(EXTRA))
    (folder / "extra.jsonl").write_text("".join(json.dumps(row) + "\n" for row in EXTRA[::-1]))
    (folder / "stage2-3k.json").write_text(json.dumps(CONVERSATIONS))
    pd.DataFrame(SCORES).to_csv(folder / "scores.csv", index=False)
    (folder / "README.md").write_text(CARD)
    api = HfApi(endpoint=hub.url, token=TOKEN)
    api.create_repo(DATASET, repo_type="dataset")
    return api.upload_folder(repo_id=DATASET, folder_path=folder, repo_type="dataset", commit_message="tables").oid


def load(**kwargs) -> list[dict]:
    return datasets.load_dataset(DATASET, split="train", **kwargs).to_list()


def test_load_dataset_by_branch_and_by_commit(hub, dataset):
    info = HfApi(endpoint=hub.url).dataset_info(DATASET, revision="main", files_metadata=True)
    assert info.sha == dataset
    parquet_file = next(s for s in info.siblings if s.rfilename == "data/train-00000-of-00001.parquet")
    assert parquet_file.lfs.sha256 == hashlib.sha256(parquet(ROWS)).hexdigest()
    for revision in ("main", dataset):
        assert load(revision=revision) == load(name="default", revision=revision) == ROWS
        assert load(name="extra", revision=revision) == EXTRA
        assert load(revision=revision, data_files="extra.jsonl") == EXTRA[::-1]
        assert load(revision=revision, data_files="stage2-3k.json") == CONVERSATIONS
        assert load(revision=revision, data_files="scores.csv") == SCORES


def test_a_commit_pinned_read_keeps_the_old_rows(hub, dataset):
    newer = HfApi(endpoint=hub.url, token=TOKEN).upload_file(
        path_or_fileobj=parquet(EXTRA), path_in_repo="data/train-00000-of-00001.parquet", repo_id=DATASET,
        repo_type="dataset",
    ).oid  # fmt: skip
    assert newer != dataset
    HfApi(endpoint=hub.url, token=TOKEN).create_branch(DATASET, branch="v1", revision=dataset, repo_type="dataset")
    assert load(revision=dataset) == load(revision="v1") == ROWS
    assert load(revision="main") == load(revision=newer) == EXTRA


def test_a_child_process_finds_the_hub_by_hf_endpoint(hub, dataset):
    reads = [["main", None], [dataset, "stage2-3k.json"]]
    command = [sys.executable, "-c", READ_IN_A_CHILD, DATASET, json.dumps(reads)]
    done = subprocess.run(command, check=False, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert [json.loads(line) for line in done.stdout.splitlines()] == [ROWS, CONVERSATIONS]


def test_missing_repos_revisions_and_files_raise_the_libraries_errors(hub, dataset):
    api = HfApi(endpoint=hub.url)
    with pytest.raises(DatasetNotFoundError, match="doesn't exist on the Hub"):
        datasets.load_dataset("fast-math-repro/absent", split="train")
    with pytest.raises(DatasetNotFoundError, match="Revision 'no-such-branch' doesn't exist"):
        load(revision="no-such-branch")
    with pytest.raises(RepositoryNotFoundError):
        api.dataset_info("fast-math-repro/absent")
    with pytest.raises(RepositoryNotFoundError):  # a dataset repo is not a model repo of the same name
        api.model_info(DATASET)
    with pytest.raises(RevisionNotFoundError):
        api.dataset_info(DATASET, revision="0" * 40)
    with pytest.raises(EntryNotFoundError):
        hf_hub_download(DATASET, "absent.json", repo_type="dataset", revision=dataset, endpoint=hub.url)


def test_trees_paths_info_and_snapshots_of_a_dataset(hub, dataset, tmp_path):
    api = HfApi(endpoint=hub.url)
    top = {entry.path: type(entry).__name__ for entry in api.list_repo_tree(DATASET, repo_type="dataset")}
    assert top == {".gitattributes": "RepoFile", "README.md": "RepoFile", "data": "RepoFolder", "extra": "RepoFolder",
                   "extra.jsonl": "RepoFile", "scores.csv": "RepoFile", "stage2-3k.json": "RepoFile"}  # fmt: skip
    everything = [entry.path for entry in api.list_repo_tree(DATASET, repo_type="dataset", recursive=True)]
    assert "data" in everything and "data/train-00000-of-00001.parquet" in everything
    [data] = api.get_paths_info(DATASET, ["data", "absent.csv"], repo_type="dataset", expand=True)
    assert data.last_commit.title == "tables" and data.last_commit.oid == dataset
    fs = HfFileSystem(endpoint=hub.url)
    assert fs.ls(f"datasets/{DATASET}@{dataset}/data", detail=False) == [
        f"datasets/{DATASET}@{dataset}/data/train-00000-of-00001.parquet"
    ]
    assert fs.info(f"datasets/{DATASET}/scores.csv")["size"] == (tmp_path / "tables" / "scores.csv").stat().st_size
    with pytest.raises(FileNotFoundError):
        fs.ls(f"datasets/{DATASET}/absent")

    snapshot = Path(snapshot_download(DATASET, repo_type="dataset", revision=dataset, endpoint=hub.url))
    assert snapshot.name == dataset
    for path in ("README.md", "stage2-3k.json", "data/train-00000-of-00001.parquet"):
        assert (snapshot / path).read_bytes() == (tmp_path / "tables" / path).read_bytes()


@pytest.mark.parametrize("upload", ["add_files", "http"])
def test_a_large_lfs_file_downloads_and_verifies(hub, tmp_path, upload):
    weights = tmp_path / "model.safetensors"
    weights.write_bytes(os.urandom(20 * 2**20))
    files = {"model.safetensors": weights, "config.json": b'{"model_type": "llama"}'}
    if upload == "add_files":
        sha = hub.add_files("org/big", files, message="weights")
    else:
        api = HfApi(endpoint=hub.url, token=TOKEN)
        api.create_repo("org/big")
        sha = api.upload_folder(repo_id="org/big", folder_path=write_folder(tmp_path / "upload", files)).oid
    sha256 = hashlib.sha256(weights.read_bytes()).hexdigest()
    [entry] = HfApi(endpoint=hub.url).get_paths_info("org/big", ["model.safetensors"], revision=sha)
    assert (entry.lfs.sha256, entry.size) == (sha256, weights.stat().st_size)

    cached = Path(snapshot_download("org/big", revision=sha, endpoint=hub.url))
    assert (cached / "model.safetensors").read_bytes() == weights.read_bytes()
    assert (cached / "model.safetensors").resolve().name == sha256  # the blob is named by X-Linked-Etag
    out = Path(snapshot_download("org/big", revision=sha, endpoint=hub.url, local_dir=tmp_path / "out"))
    check = HfApi(endpoint=hub.url).verify_repo_checksums("org/big", revision=sha, local_dir=out)
    assert (check.checked_count, check.mismatches, check.missing_paths) == (3, [], [])
    with (out / "model.safetensors").open("r+b") as f:
        f.write(b"\0" * 8)
    [mismatch] = HfApi(endpoint=hub.url).verify_repo_checksums("org/big", revision=sha, local_dir=out).mismatches
    assert (mismatch["path"], mismatch["algorithm"], mismatch["expected"]) == ("model.safetensors", "sha256", sha256)


def write_folder(folder: Path, files: dict[str, bytes | Path]) -> Path:
    folder.mkdir()
    for name, content in files.items():
        (folder / name).write_bytes(content if isinstance(content, bytes) else content.read_bytes())
    return folder


def test_ranged_reads(hub):
    content = os.urandom(3 * 2**20)
    sha = hub.add_files("org/big", {"model.safetensors": content})
    url = f"{hub.url}/org/big/resolve/{sha}/model.safetensors"
    for header, start, end in [("bytes=10-19", 10, 20), ("bytes=3145000-", 3145000, None), ("bytes=-5", -5, None)]:
        with urllib.request.urlopen(urllib.request.Request(url, headers={"Range": header})) as response:
            assert response.status == 206 and response.read() == content[start:end]
            assert response.headers["Content-Range"].endswith(f"/{len(content)}")
    with pytest.raises(urllib.error.HTTPError, match="416"):
        urllib.request.urlopen(urllib.request.Request(url, headers={"Range": f"bytes={len(content)}-"}))
    with HfFileSystem(endpoint=hub.url).open(f"org/big@{sha}/model.safetensors", block_size=2**16) as f:
        f.seek(2**20)
        assert f.read(1000) == content[2**20 : 2**20 + 1000]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_serve_entry_point(monkeypatch):
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)  # read from the test command's HF_HUB_OFFLINE=1
    port = free_port()
    script = Path(__file__).with_name("hub_server.py")
    command = [sys.executable, str(script), "--port", str(port), "--token", TOKEN]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        url = server.stdout.readline().strip()
        assert url == f"http://127.0.0.1:{port}"
        with pytest.raises(HfHubHTTPError, match="401"):
            HfApi(endpoint=url, token="hf_wrong").create_repo(DATASET, repo_type="dataset")
        api = HfApi(endpoint=url, token=TOKEN)
        api.create_repo(DATASET, repo_type="dataset")
        api.upload_file(path_or_fileobj=b"a,b\n1,2\n", path_in_repo="t.csv", repo_id=DATASET, repo_type="dataset")
        assert api.list_repo_files(DATASET, repo_type="dataset") == [".gitattributes", "t.csv"]
    finally:
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=10) == 0


def test_files_added_at_a_real_commit_id_are_read_at_it(hub):
    """The paper's datasets are pinned at real commit ids: the loopback Hub serves its rows at the same ids."""
    sha = "e4e141ec9dea9f8326f4d347be56105859b2bd68"
    assert hub.add_files(DATASET, {"data/train-00000-of-00001.parquet": parquet(ROWS)}, "dataset", sha=sha) == sha
    assert HfApi(endpoint=hub.url).dataset_info(DATASET, revision=sha).sha == sha
    assert load(revision=sha) == ROWS
