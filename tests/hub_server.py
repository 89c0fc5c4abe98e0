"""A stand-in for the Hugging Face Hub on a loopback port: the HTTP endpoints that huggingface_hub calls to
create a repo and a branch, commit files, describe a revision and download files, with the headers and
error codes the library reads. Repos live in memory; every file is committed inline ("regular" upload
mode), so no LFS or Xet storage is needed.

    hub = FakeHub(token="hf_test")
    hub.start()
    HfApi(endpoint=hub.url, token="hf_test").create_repo("org/model")
    hub.stop()

Endpoints (model repos; a revision is a branch name or a commit sha):
    POST /api/repos/create                              create a repo, its `main` holding `.gitattributes`
    POST /api/validate-yaml                             check a README's metadata block
    GET  /api/models/{repo}[/revision/{rev}]            model info: sha, siblings (sizes and blob ids with ?blobs=1)
    GET  /api/models/{repo}/tree/{rev}[/{path}]         every file under `path` (no directory entries)
    GET  /api/models/{repo}/refs                        branches
    POST /api/models/{repo}/branch/{branch}             create a branch at `startingPoint` (default main)
    POST /api/models/{repo}/preupload/{rev}             upload mode ("regular") and current oid of each file
    POST /api/models/{repo}/commit/{rev}                an ndjson commit: header, file (base64), deletedFile/Folder
    GET|HEAD /{repo}/resolve/{rev}/{path}               a file, with ETag, X-Repo-Commit and Content-Length
Writes need `Authorization: Bearer <token>` (401 otherwise); reads are public.

Faults for tests: `fail(endpoint, *statuses)` answers the next requests to an endpoint with these statuses
(DROP closes the connection without an answer); `serve_instead(repo_id, path, content)` serves other bytes
for a file than the ones its metadata describes, as a corrupted store or transfer would.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

import yaml

DROP = 0  # a "status" for `fail`: close the connection without answering
DEFAULT_USER = "test-user"  # the namespace of a repo created without an organization
GITATTRIBUTES = b"*.safetensors filter=lfs diff=lfs merge=lfs -text\n"

REPO = r"(?P<repo>[^/]+/[^/]+)"
# (method, endpoint name, path pattern, needs a token); the patterns match the raw (still quoted) path.
ROUTES = [
    ("POST", "create", r"/api/repos/create", True),
    ("POST", "validate-yaml", r"/api/validate-yaml", False),
    ("GET", "info", rf"/api/models/{REPO}(?:/revision/(?P<rev>[^/]+))?", False),
    ("GET", "tree", rf"/api/models/{REPO}/tree/(?P<rev>[^/]+)(?:/(?P<path>.+))?", False),
    ("GET", "refs", rf"/api/models/{REPO}/refs", False),
    ("POST", "branch", rf"/api/models/{REPO}/branch/(?P<branch>[^/]+)", True),
    ("POST", "preupload", rf"/api/models/{REPO}/preupload/(?P<rev>[^/]+)", True),
    ("POST", "commit", rf"/api/models/{REPO}/commit/(?P<rev>[^/]+)", True),
    ("GET", "resolve", rf"/{REPO}/resolve/(?P<rev>[^/]+)/(?P<path>.+)", False),
    ("HEAD", "resolve", rf"/{REPO}/resolve/(?P<rev>[^/]+)/(?P<path>.+)", False),
]


def git_blob_oid(content: bytes) -> str:
    """The git object id of a file, which the Hub reports as a regular file's oid and ETag."""
    return hashlib.sha1(b"blob %d\0" % len(content) + content).hexdigest()


@dataclass(frozen=True)
class Commit:
    sha: str
    files: dict[str, bytes]  # the whole tree at this commit


def make_commit(parent: Commit | None, files: dict[str, bytes], message: str) -> Commit:
    tree = "".join(f"{path}\0{git_blob_oid(content)}\n" for path, content in sorted(files.items()))
    sha = hashlib.sha1(f"{parent.sha if parent else ''}\n{tree}\n{message}".encode()).hexdigest()
    return Commit(sha, dict(files))


@dataclass
class Reply:
    status: int
    body: bytes = b""
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


class FakeHub:
    def __init__(self, token: str):
        self.token = token
        self.repos: dict[str, dict[str, list[Commit]]] = {}  # repo id -> branch -> its commits, oldest first
        self.calls: list[tuple[str, str]] = []  # (method, endpoint name) of every request, in order
        self._failures: dict[str, list[int]] = {}
        self._substitutes: dict[tuple[str, str], bytes] = {}
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.hub = self
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> None:
        # A short poll keeps `stop` (which waits for the next poll) from slowing every test down.
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True).start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # ---- faults ----

    def fail(self, endpoint: str, *statuses: int) -> None:
        with self._lock:
            self._failures.setdefault(endpoint, []).extend(statuses)

    def serve_instead(self, repo_id: str, path: str, content: bytes) -> None:
        with self._lock:
            self._substitutes[repo_id, path] = content

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
                try:
                    return getattr(self, "_" + name.replace("-", "_"))(body=body, query=query, **args)
                except Refused as refused:
                    return refused.reply
        return error_reply(404, f"no such endpoint: {method} {url.path}")

    # ---- state ----

    def _branches(self, repo: str) -> dict[str, list[Commit]]:
        if repo not in self.repos:
            raise Refused(404, "Repository not found", "RepoNotFound")
        return self.repos[repo]

    def _commits(self, repo: str, rev: str) -> list[Commit]:
        """The commits up to `rev`, a branch or a commit sha."""
        branches = self._branches(repo)
        if rev in branches:
            return branches[rev]
        for commits in branches.values():
            shas = [c.sha for c in commits]
            if rev in shas:
                return commits[: shas.index(rev) + 1]
        raise Refused(404, f"Invalid rev id: {rev}", "RevisionNotFound")

    # ---- endpoints ----

    def _create(self, body: bytes, **_) -> Reply:
        payload = json.loads(body)
        repo = f"{payload.get('organization') or DEFAULT_USER}/{payload['name']}"
        if repo in self.repos:
            return json_reply({"error": "You already created this model repo", "url": f"{self.url}/{repo}"}, 409)
        self.repos[repo] = {"main": [make_commit(None, {".gitattributes": GITATTRIBUTES}, "initial commit")]}
        return json_reply({"url": f"{self.url}/{repo}", "name": repo, "id": repo})

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

    def _info(self, repo: str, query: dict, rev: str = "main", **_) -> Reply:
        head = self._commits(repo, rev)[-1]
        blobs = query.get("blobs") in ("1", "True", "true")
        siblings = [
            {"rfilename": path, **({"size": len(content), "blobId": git_blob_oid(content)} if blobs else {})}
            for path, content in sorted(head.files.items())
        ]
        return json_reply({"id": repo, "modelId": repo, "sha": head.sha, "private": False, "siblings": siblings})

    def _tree(self, repo: str, rev: str, path: str = "", **_) -> Reply:
        head = self._commits(repo, rev)[-1]
        prefix = f"{path.rstrip('/')}/" if path else ""
        return json_reply([
            {"type": "file", "path": name, "size": len(content), "oid": git_blob_oid(content)}
            for name, content in sorted(head.files.items()) if name.startswith(prefix)
        ])  # fmt: skip

    def _refs(self, repo: str, **_) -> Reply:
        branches = [
            {"name": name, "ref": f"refs/heads/{name}", "targetCommit": commits[-1].sha}
            for name, commits in self._branches(repo).items()
        ]
        return json_reply({"branches": branches, "converts": [], "tags": [], "pullRequests": []})

    def _branch(self, repo: str, branch: str, body: bytes, **_) -> Reply:
        start = (json.loads(body) if body else {}).get("startingPoint", "main")
        commits = self._commits(repo, start)
        if branch in self.repos[repo]:
            raise Refused(409, f"Reference refs/heads/{branch} already exists")
        self.repos[repo][branch] = list(commits)
        return json_reply({})

    def _preupload(self, repo: str, rev: str, body: bytes, **_) -> Reply:
        commits = self._commits(repo, rev)
        current = commits[-1].files
        files = [
            {"path": f["path"], "uploadMode": "regular", "shouldIgnore": False,
             "oid": git_blob_oid(current[f["path"]]) if f["path"] in current else None}
            for f in json.loads(body)["files"]
        ]  # fmt: skip
        return json_reply({"files": files, "commitOid": commits[-1].sha})

    def _commit(self, repo: str, rev: str, body: bytes, **_) -> Reply:
        if rev not in self._branches(repo):
            raise Refused(404, f"Invalid rev id: {rev} is not a branch", "RevisionNotFound")
        commits = self.repos[repo][rev]
        files, message = dict(commits[-1].files), ""
        for line in body.decode().splitlines():
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
        return json_reply({"commitUrl": f"{self.url}/{repo}/commit/{commit.sha}", "commitOid": commit.sha, "success": True,
                           "pullRequestUrl": None})  # fmt: skip

    def _resolve(self, repo: str, rev: str, path: str, **_) -> Reply:
        head = self._commits(repo, rev)[-1]
        if path not in head.files:
            raise Refused(404, "Entry not found", "EntryNotFound", {"X-Repo-Commit": head.sha})
        # A regular file is answered directly (200, no redirect): only LFS files redirect to a CDN.
        content = self._substitutes.get((repo, path), head.files[path])
        return Reply(200, content, {
            "ETag": f'"{git_blob_oid(head.files[path])}"', "X-Repo-Commit": head.sha,
            "Content-Type": "application/octet-stream",
        })  # fmt: skip


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
