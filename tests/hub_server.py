"""A stand-in for the Hugging Face Hub on a loopback port: the HTTP endpoints that huggingface_hub and datasets
call to create a model or dataset repo and a branch, commit files, describe a revision, list and download files,
with the headers and error codes the libraries read. Repos live in memory.

    hub = FakeHub(token="hf_test")  # FakeHub(token=..., port=8765) for a fixed port
    hub.start()
    HfApi(endpoint=hub.url, token="hf_test").create_repo("org/data", repo_type="dataset")
    hub.add_files("org/model", {"model.safetensors": Path("model.safetensors")})  # no HTTP: for big files
    hub.stop()

or, in the foreground until SIGTERM or SIGINT: `python tests/hub_server.py --port 8765 --token hf_test`. In a test,
`point_clients_at(hub, monkeypatch, home)` points huggingface_hub and datasets (here and in child processes) at it.

Endpoints ({kind} is `models` or `datasets`; a dataset's files are under /datasets/{repo}, a model's under /{repo};
a revision is a branch name or a commit sha):
    POST /api/repos/create                              create a repo (`type` model or dataset), `main` holding
                                                        `.gitattributes`
    POST /api/validate-yaml                             check a README's metadata block
    GET  /api/{kind}/{repo}[/revision/{rev}]            repo info: sha, siblings (sizes, blob ids, lfs with ?blobs=1)
    GET  /api/{kind}/{repo}/tree/{rev}[/{path}]         the folder's entries (files and folders; the whole subtree
                                                        with ?recursive=true, each entry's last commit with
                                                        ?expand=true); 404 EntryNotFound unless `path` is a folder
    POST /api/{kind}/{repo}/paths-info/{rev}            entries of the form's `paths` that exist (?expand as tree)
    GET  /api/{kind}/{repo}/refs                        branches
    POST /api/{kind}/{repo}/branch/{branch}             create a branch at `startingPoint` (default main)
    POST /api/{kind}/{repo}/preupload/{rev}             upload mode ("regular") and current oid of each file
    POST /api/{kind}/{repo}/commit/{rev}                an ndjson commit: header, file (base64), deletedFile/Folder
    GET|HEAD [/datasets]/{repo}/resolve/{rev}/{path}    a file, with ETag, X-Repo-Commit, Content-Length and
                                                        Accept-Ranges; a `Range: bytes=...` request gets 206
Writes need `Authorization: Bearer <token>` (401 otherwise); reads are public. Any other request gets a 404 and a
warning on the `hub_server` logger.

Every HTTP commit is inline ("regular" upload mode: hf_xet's storage protocol is not served), so a file of hundreds
of MB travels base64-encoded in one request; `add_files` commits from Python instead. A file that the commit's
`.gitattributes` tracks with LFS (GITATTRIBUTES: *.safetensors, *.parquet) is stored as if it had been uploaded
through LFS: the tree reports the git id of its pointer file as `oid` and `lfs` {oid: sha256, size, pointerSize},
and resolve answers with X-Linked-Etag (the sha256) and X-Linked-Size. It is served directly, not redirected to a
CDN as the Hub does.

Faults for tests: `fail(endpoint, *statuses)` answers the next requests to an endpoint with these statuses
(DROP closes the connection without an answer); `serve_instead(repo_id, path, content)` serves other bytes (and
their length) for a file than the ones its metadata describes, as a corrupted store would.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import logging
import posixpath
import re
import signal
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from fnmatch import fnmatch
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import yaml

log = logging.getLogger("hub_server")

DROP = 0  # a "status" for `fail`: close the connection without answering
DEFAULT_USER = "test-user"  # the namespace of a repo created without an organization
GITATTRIBUTES = b"*.parquet filter=lfs diff=lfs merge=lfs -text\n*.safetensors filter=lfs diff=lfs merge=lfs -text\n"

REPO = r"(?P<repo>[^/]+/[^/]+)"
API = rf"/api/(?P<kind>models|datasets)/{REPO}"
FILE = rf"(?:/(?P<kind>datasets))?/{REPO}/resolve/(?P<rev>[^/]+)/(?P<path>.+)"
# (method, endpoint name, path pattern, needs a token); the patterns match the raw (still quoted) path.
ROUTES = [
    ("POST", "create", r"/api/repos/create", True),
    ("POST", "validate-yaml", r"/api/validate-yaml", False),
    ("GET", "info", rf"{API}(?:/revision/(?P<rev>[^/]+))?", False),
    ("GET", "tree", rf"{API}/tree/(?P<rev>[^/]+)(?:/(?P<path>.+))?", False),
    ("POST", "paths-info", rf"{API}/paths-info/(?P<rev>[^/]+)", False),
    ("GET", "refs", rf"{API}/refs", False),
    ("POST", "branch", rf"{API}/branch/(?P<branch>[^/]+)", True),
    ("POST", "preupload", rf"{API}/preupload/(?P<rev>[^/]+)", True),
    ("POST", "commit", rf"{API}/commit/(?P<rev>[^/]+)", True),
    ("GET", "resolve", FILE, False),
    ("HEAD", "resolve", FILE, False),
]


def git_blob_oid(content: bytes) -> str:
    """The git object id of a file, which the Hub reports as a regular file's oid and ETag."""
    return hashlib.sha1(b"blob %d\0" % len(content) + content).hexdigest()


def lfs_tracked(path: str, gitattributes: bytes) -> bool:
    patterns = [words[0] for words in map(str.split, gitattributes.decode().splitlines()) if "filter=lfs" in words[1:]]
    # As in git, a pattern without a slash matches the file's name in any folder.
    return any(fnmatch(path if "/" in pattern else posixpath.basename(path), pattern) for pattern in patterns)


@dataclass(frozen=True)
class Blob:
    content: bytes
    oid: str  # the git id of the file, or of its pointer file if it is in LFS
    lfs: dict | None = None  # {oid: sha256, size, pointerSize}, as the tree endpoint reports it


def make_blob(path: str, content: bytes, gitattributes: bytes) -> Blob:
    if not lfs_tracked(path, gitattributes):
        return Blob(content, git_blob_oid(content))
    sha256 = hashlib.sha256(content).hexdigest()
    pointer = f"version https://git-lfs.github.com/spec/v1\noid sha256:{sha256}\nsize {len(content)}\n".encode()
    return Blob(content, git_blob_oid(pointer), {"oid": sha256, "size": len(content), "pointerSize": len(pointer)})


@dataclass(frozen=True)
class Commit:
    sha: str
    files: dict[str, Blob]  # the whole tree at this commit
    title: str
    date: str


def make_commit(parent: Commit | None, files: dict[str, Blob | bytes], message: str, sha: str | None = None) -> Commit:
    """A commit of the tree `files`, where bytes are new contents (put in LFS if the tree's .gitattributes says so)
    and a Blob is a file kept as it was; its id is `sha` when given (a real repo's commit id), else derived."""
    attributes = files.get(".gitattributes", b"")
    attributes = attributes.content if isinstance(attributes, Blob) else attributes
    blobs = {path: c if isinstance(c, Blob) else make_blob(path, c, attributes) for path, c in files.items()}
    tree = "".join(f"{path}\0{blob.oid}\n" for path, blob in sorted(blobs.items()))
    sha = sha or hashlib.sha1(f"{parent.sha if parent else ''}\n{tree}\n{message}".encode()).hexdigest()
    return Commit(sha, blobs, message, datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"))


def tree_entry(files: dict[str, Blob], path: str) -> dict | None:
    """`path` as the tree and paths-info endpoints describe it; None if the tree has no such file or folder."""
    if path in files:
        blob = files[path]
        return {"type": "file", "oid": blob.oid, "size": len(blob.content), "path": path,
                **({"lfs": blob.lfs} if blob.lfs else {})}  # fmt: skip
    inside = sorted((name, blob.oid) for name, blob in files.items() if name.startswith(f"{path}/"))
    if not inside:
        return None
    return {"type": "directory", "oid": hashlib.sha1(repr(inside).encode()).hexdigest(), "size": 0, "path": path}


def flag(value: str | None) -> bool:
    return value in ("1", "true", "True")


@dataclass
class Reply:
    status: int
    body: bytes | memoryview = b""
    headers: dict[str, str] = field(default_factory=dict)


def json_reply(value, status: int = 200, headers: dict[str, str] | None = None) -> Reply:
    return Reply(status, json.dumps(value).encode(), {"Content-Type": "application/json", **(headers or {})})


def error_reply(status: int, message: str, code: str | None = None, headers: dict[str, str] | None = None) -> Reply:
    """An error as the Hub sends it: huggingface_hub picks its exception class from X-Error-Code."""
    extra = {"X-Error-Message": message, **({"X-Error-Code": code} if code else {}), **(headers or {})}
    return json_reply({"error": message}, status, extra)


class Refused(Exception):
    """Raised by an endpoint to answer with an error."""

    def __init__(self, status: int, message: str, code: str | None = None, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.reply = error_reply(status, message, code, headers)


def byte_range(header: str, size: int) -> tuple[int, int]:
    """The [start, end) that a `Range: bytes=a-b`, `bytes=a-` or `bytes=-n` header asks for."""
    match = re.fullmatch(r"bytes=(\d*)-(\d*)", header.strip())
    if match and match[1]:
        start, end = int(match[1]), min(int(match[2]) + 1 if match[2] else size, size)
    elif match and match[2]:
        start, end = max(size - int(match[2]), 0), size
    else:
        start = end = 0
    if start >= end:
        raise Refused(416, f"{header} is not a range of {size} bytes", headers={"Content-Range": f"bytes */{size}"})
    return start, end


class FakeHub:
    def __init__(self, token: str, port: int = 0):
        self.token = token
        # (repo type, repo id) -> branch -> its commits, oldest first
        self.repos: dict[tuple[str, str], dict[str, list[Commit]]] = {}
        self.calls: list[tuple[str, str]] = []  # (method, endpoint name) of every request, in order
        self._failures: dict[str, list[int]] = {}
        self._substitutes: dict[tuple[str, str, str], bytes] = {}
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", port), _Handler)
        self._server.hub = self
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> None:
        # A short poll keeps `stop` (which waits for the next poll) from slowing every test down.
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True).start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def add_files(
        self, repo_id: str, files: dict[str, bytes | Path], repo_type: str = "model", branch: str = "main",
        message: str = "add files", sha: str | None = None,
    ) -> str:  # fmt: skip
        """Commit `files` (contents, or paths to read them from) to `branch` without going through HTTP, and return
        the commit's sha (`sha`, to serve a repo at a real commit id, or one derived from the tree). A missing repo
        is created, and a missing branch starts from main."""
        contents = {path: c if isinstance(c, bytes) else Path(c).read_bytes() for path, c in files.items()}
        with self._lock:
            branches = self.repos.setdefault((repo_type, repo_id), {"main": [self._initial_commit()]})
            commits = branches.setdefault(branch, list(branches["main"]))
            commits.append(make_commit(commits[-1], {**commits[-1].files, **contents}, message, sha))
            return commits[-1].sha

    # ---- faults ----

    def fail(self, endpoint: str, *statuses: int) -> None:
        with self._lock:
            self._failures.setdefault(endpoint, []).extend(statuses)

    def serve_instead(self, repo_id: str, path: str, content: bytes, repo_type: str = "model") -> None:
        with self._lock:
            self._substitutes[repo_type, repo_id, path] = content

    def count(self, endpoint: str) -> int:
        return sum(name == endpoint for _, name in self.calls)

    # ---- dispatch ----

    def handle(self, method: str, target: str, headers, body: bytes) -> Reply | None:
        url = urlsplit(target)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        for route_method, name, pattern, needs_token in ROUTES:
            match = re.fullmatch(pattern, url.path)
            if route_method != method or not match:
                continue
            with self._lock:
                self.calls.append((method, name))
                if self._failures.get(name):
                    status = self._failures[name].pop(0)
                    return None if status == DROP else error_reply(status, f"injected failure of {name}")
                if needs_token and headers.get("Authorization") != f"Bearer {self.token}":
                    return error_reply(401, "Invalid credentials in Authorization header")
                args = {k: unquote(v) for k, v in match.groupdict().items() if v is not None}
                if "repo" in args:
                    args["repo"] = ("dataset" if args.pop("kind", None) == "datasets" else "model", args["repo"])
                try:
                    return getattr(self, "_" + name.replace("-", "_"))(body=body, query=query, headers=headers, **args)
                except Refused as refused:
                    return refused.reply
        log.warning("no such endpoint: %s %s", method, target)
        return error_reply(404, f"no such endpoint: {method} {url.path}")

    # ---- state ----

    @staticmethod
    def _initial_commit() -> Commit:
        return make_commit(None, {".gitattributes": GITATTRIBUTES}, "initial commit")

    def _branches(self, repo: tuple[str, str]) -> dict[str, list[Commit]]:
        if repo not in self.repos:
            raise Refused(404, "Repository not found", "RepoNotFound")
        return self.repos[repo]

    def _commits(self, repo: tuple[str, str], rev: str) -> list[Commit]:
        """The commits up to `rev`, a branch or a commit sha."""
        branches = self._branches(repo)
        if rev in branches:
            return branches[rev]
        for commits in branches.values():
            shas = [c.sha for c in commits]
            if rev in shas:
                return commits[: shas.index(rev) + 1]
        raise Refused(404, f"Invalid rev id: {rev}", "RevisionNotFound")

    @staticmethod
    def _entries(commits: list[Commit], paths, expand: bool) -> list[dict]:
        """The tree entries of `paths` at the last of `commits`, with the commit that last changed each if `expand`."""
        entries = [e for e in (tree_entry(commits[-1].files, path) for path in paths) if e]
        for entry in entries if expand else []:
            since = commits[-1]
            for commit in reversed(commits[:-1]):
                if (tree_entry(commit.files, entry["path"]) or {}).get("oid") != entry["oid"]:
                    break
                since = commit
            entry["lastCommit"] = {"id": since.sha, "title": since.title, "date": since.date}
        return entries

    # ---- endpoints ----

    def _create(self, body: bytes, **_) -> Reply:
        payload = json.loads(body)
        repo_id = f"{payload.get('organization') or DEFAULT_USER}/{payload['name']}"
        repo = (payload.get("type") or "model", repo_id)
        if repo in self.repos:
            return json_reply({"error": f"You already created this {repo[0]} repo", "url": self._repo_url(repo)}, 409)
        self.repos[repo] = {"main": [self._initial_commit()]}
        return json_reply({"url": self._repo_url(repo), "name": repo_id, "id": repo_id})

    def _repo_url(self, repo: tuple[str, str]) -> str:
        return f"{self.url}/{'datasets/' if repo[0] == 'dataset' else ''}{repo[1]}"

    def _validate_yaml(self, body: bytes, **_) -> Reply:
        content = json.loads(body)["content"]
        front = re.match(r"---\n(.*?)\n---\n", content, re.DOTALL)
        try:
            metadata = yaml.safe_load(front[1]) if front else {}
        except yaml.YAMLError as error:
            return json_reply({"errors": [{"message": str(error)}]}, 400)
        if not isinstance(metadata, dict):
            return json_reply({"errors": [{"message": "the metadata block is not a mapping"}]}, 400)
        return json_reply({"errors": [], "warnings": []})

    def _info(self, repo: tuple[str, str], query: dict, rev: str = "main", **_) -> Reply:
        head = self._commits(repo, rev)[-1]
        siblings = [{"rfilename": path} for path in sorted(head.files)]
        if flag(query.get("blobs")):
            for sibling in siblings:
                blob = head.files[sibling["rfilename"]]
                sibling.update(size=len(blob.content), blobId=blob.oid)
                if blob.lfs:
                    sibling["lfs"] = {"sha256": blob.lfs["oid"], "size": blob.lfs["size"],
                                      "pointerSize": blob.lfs["pointerSize"]}  # fmt: skip
        ids = {"id": repo[1], **({"modelId": repo[1]} if repo[0] == "model" else {})}
        return json_reply({**ids, "sha": head.sha, "private": False, "siblings": siblings})

    def _tree(self, repo: tuple[str, str], rev: str, query: dict, path: str = "", **_) -> Reply:
        commits = self._commits(repo, rev)
        prefix = f"{path.strip('/')}/" if path.strip("/") else ""
        names = [name[len(prefix) :].split("/") for name in commits[-1].files if name.startswith(prefix)]
        if prefix and not names:
            raise Refused(404, f"{path} is not a folder at {rev}", "EntryNotFound")
        depths = (lambda parts: range(1, len(parts) + 1)) if flag(query.get("recursive")) else (lambda _: [1])
        children = {prefix + "/".join(parts[:depth]) for parts in names for depth in depths(parts)}
        return json_reply(self._entries(commits, sorted(children), flag(query.get("expand"))))

    def _paths_info(self, repo: tuple[str, str], rev: str, body: bytes, **_) -> Reply:
        form = parse_qs(body.decode())
        paths = dict.fromkeys(path.strip("/") for path in form.get("paths", []))
        return json_reply(self._entries(self._commits(repo, rev), paths, flag(form.get("expand", [""])[-1])))

    def _refs(self, repo: tuple[str, str], **_) -> Reply:
        branches = [
            {"name": name, "ref": f"refs/heads/{name}", "targetCommit": commits[-1].sha}
            for name, commits in self._branches(repo).items()
        ]
        return json_reply({"branches": branches, "converts": [], "tags": [], "pullRequests": []})

    def _branch(self, repo: tuple[str, str], branch: str, body: bytes, **_) -> Reply:
        start = (json.loads(body) if body else {}).get("startingPoint", "main")
        commits = self._commits(repo, start)
        if branch in self.repos[repo]:
            raise Refused(409, f"Reference refs/heads/{branch} already exists")
        self.repos[repo][branch] = list(commits)
        return json_reply({})

    def _preupload(self, repo: tuple[str, str], rev: str, body: bytes, **_) -> Reply:
        commits = self._commits(repo, rev)
        current = commits[-1].files
        # The oid of a "regular" upload is compared with the git id of the local file, even for an LFS one.
        files = [
            {"path": f["path"], "uploadMode": "regular", "shouldIgnore": False,
             "oid": git_blob_oid(current[f["path"]].content) if f["path"] in current else None}
            for f in json.loads(body)["files"]
        ]  # fmt: skip
        return json_reply({"files": files, "commitOid": commits[-1].sha})

    def _commit(self, repo: tuple[str, str], rev: str, body: bytes, **_) -> Reply:
        if rev not in self._branches(repo):
            raise Refused(404, f"Invalid rev id: {rev} is not a branch", "RevisionNotFound")
        commits = self.repos[repo][rev]
        files, message = dict(commits[-1].files), ""
        for line in body.splitlines():
            item = json.loads(line)
            key, value = item["key"], item["value"]
            if key == "header":
                message = value["summary"]
            elif key == "file":
                files[value["path"]] = base64.b64decode(value["content"])
            elif key == "deletedFile":
                files.pop(value["path"], None)
            elif key == "deletedFolder":
                files = {p: c for p, c in files.items() if not p.startswith(value["path"].rstrip("/") + "/")}
            else:  # lfsFile: never asked for, since preupload answers "regular" for every file
                raise Refused(400, f"this stand-in takes inline files only, not {key}")
        commit = make_commit(commits[-1], files, message)
        commits.append(commit)
        return json_reply({"commitUrl": f"{self._repo_url(repo)}/commit/{commit.sha}", "commitOid": commit.sha,
                           "success": True, "pullRequestUrl": None})  # fmt: skip

    def _resolve(self, repo: tuple[str, str], rev: str, path: str, headers, **_) -> Reply:
        head = self._commits(repo, rev)[-1]
        if path not in head.files:
            raise Refused(404, "Entry not found", "EntryNotFound", {"X-Repo-Commit": head.sha})
        blob = head.files[path]
        content = self._substitutes.get((*repo, path), blob.content)
        meta = {"ETag": f'"{blob.oid}"', "X-Repo-Commit": head.sha, "Accept-Ranges": "bytes",
                "Content-Type": "application/octet-stream"}  # fmt: skip
        if blob.lfs:
            meta |= {"X-Linked-Etag": f'"{blob.lfs["oid"]}"', "X-Linked-Size": str(len(content))}
        if not headers.get("Range"):
            return Reply(200, content, meta)
        start, end = byte_range(headers["Range"], len(content))
        meta["Content-Range"] = f"bytes {start}-{end - 1}/{len(content)}"
        return Reply(206, memoryview(content)[start:end], meta)  # a view: no copy of a large file


def point_clients_at(hub: FakeHub, monkeypatch, home: Path) -> None:
    """Point huggingface_hub and datasets at `hub`, with its token and fresh caches under `home`: child processes
    through the environment, this process also through the settings that both libraries read when imported (so
    calls without an explicit endpoint, such as `datasets.load_dataset`, reach `hub` too). `monkeypatch` is
    pytest's, which undoes it all after the test."""
    import datasets.config
    from huggingface_hub import constants

    env = {"HF_ENDPOINT": hub.url, "HF_HUB_OFFLINE": "0", "HF_HOME": str(home), "HF_HUB_CACHE": str(home / "hub"),
           "HF_TOKEN": hub.token, "HF_HUB_DISABLE_UPDATE_CHECK": "1", "HF_UPDATE_DOWNLOAD_COUNTS": "0"}  # fmt: skip
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    read_at_import = {
        constants: {
            "ENDPOINT": hub.url,
            "HUGGINGFACE_CO_URL_TEMPLATE": hub.url + "/{repo_id}/resolve/{revision}/{filename}",
            "HF_HUB_OFFLINE": False,
            "HF_HUB_CACHE": str(home / "hub"),
            "HF_TOKEN_PATH": str(home / "token"),
        },
        datasets.config: {
            "HF_ENDPOINT": hub.url,
            "HUB_DATASETS_URL": hub.url + "/datasets/{repo_id}/resolve/{revision}/{path}",
            "HF_HUB_OFFLINE": False,
            "HF_UPDATE_DOWNLOAD_COUNTS": False,
            "HF_DATASETS_CACHE": home / "datasets",
        },
    }
    for module, settings in read_at_import.items():
        for name, value in settings.items():
            monkeypatch.setattr(module, name, value)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as huggingface_hub's connection pool expects

    def do_GET(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        reply = self.server.hub.handle(self.command, self.path, self.headers, body)
        if reply is None:
            self.close_connection = True
            return
        self.send_response(reply.status)
        for name, value in {**reply.headers, "Content-Length": str(len(reply.body))}.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(reply.body)

    do_HEAD = do_POST = do_GET

    def log_message(self, *args) -> None:  # quiet: the tests read `FakeHub.calls` instead
        pass


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve an empty FakeHub on 127.0.0.1 until SIGTERM or SIGINT.")
    parser.add_argument("--port", type=int, default=0, help="the port to listen on (default: any free one)")
    parser.add_argument("--token", required=True, help="the token that writes must present")
    args = parser.parse_args(argv)
    serve_until_stopped(FakeHub(token=args.token, port=args.port))


def serve_until_stopped(hub: FakeHub) -> None:
    """Serve `hub`, print its URL, and stop at SIGTERM or SIGINT."""
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    # Blocked before the server thread starts, so that it inherits the mask and only `sigwait` receives them.
    signals = {signal.SIGTERM, signal.SIGINT}
    signal.pthread_sigmask(signal.SIG_BLOCK, signals)
    hub.start()
    print(hub.url, flush=True)
    signal.sigwait(signals)
    hub.stop()


if __name__ == "__main__":
    main()
