"""A fake GitHub for the tests: a real HTTP server on 127.0.0.1 speaking GitHub's REST shapes.

It serves repositories built from synthetic git repositories: the REST endpoints census uses
(repository metadata, commits by ref with the ``sha`` media type and ETags, languages, owner
listings with ``Link`` pagination, ``/repositories/ID`` for renamed repositories, repository
search) and git's smart HTTP protocol for content (through ``git http-backend``). Every answer
carries rate-limit headers and a ``Date`` from the server's clock, which tests may replace with a
fake one.

Search (``/search/repositories``) behaves as GitHub's does where census depends on it: only the
first 1,000 results of a query are served (a page past them answers 422), it has its own rate
limit (``search_limit`` a minute with a token, ``search_limit_anonymous`` without; a window opens
with its first request and resets a minute later, as GitHub's does), and forks are left out unless
``fork:true`` or ``fork:only`` asks for them. The qualifiers understood are listed at
``_search_matcher``; an unknown qualifier is a free word (GitHub roughly does the same: it searches
for the text), and a malformed value of a known one answers 422. "Best match" is by id, for
determinism; ``sort=stars|forks|updated`` and ``order`` are honoured.

Faults are scripted per request path: ``server.fault("/repos/a/b", status=502, times=3)``.
Every request is logged (method, path, headers) so tests can count requests and check that the
token never travels where it should not.
"""

from __future__ import annotations

import base64
import email.utils
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit


@dataclass
class FakeRepo:
    """One repository the fake serves."""

    owner: str
    name: str
    git_dir: Path | None          # None: an empty repository (409 on commits)
    id: int
    default_branch: str = "main"
    stars: int = 0
    archived: bool = False
    fork: bool = False
    pushed_at: str = "2026-11-01T00:00:00Z"
    languages: dict[str, int] = field(default_factory=dict)
    private: bool = False
    created_at: str = "2020-01-01T00:00:00Z"
    topics: list[str] = field(default_factory=list)
    language: str | None = None   # GitHub's primary language
    description: str | None = None
    forks: int = 0

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"


@dataclass
class Fault:
    """A scripted answer for requests whose path matches ``pattern`` (a regex), ``times`` times."""

    pattern: str
    status: int
    times: int = 1
    headers: dict[str, str] = field(default_factory=dict)
    body: str | None = None
    delay: float = 0.0


@dataclass
class LoggedRequest:
    method: str
    path: str
    headers: dict[str, str]
    at: float = 0.0
    status: int = 0
    bytes_out: int = 0


class Clock:
    """The server's clock; tests replace ``now`` to control ``Date`` and rate-limit resets."""

    def __init__(self, now: Callable[[], float] = time.time) -> None:
        self.now = now


@dataclass
class SearchWindow:
    """One search rate-limit window: opened by its first request, it resets at ``reset`` (epoch seconds)."""

    reset: int
    used: int = 0


class FakeTime:
    """One clock for the server's ``Date`` and the client's waits; sleeping advances it (tests pass
    ``Clock(fake_time.time)`` to the server and ``fake_time.sleep`` to the client's gate)."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 3))
        self.now += seconds


class FakeGitHub:
    """The server. Use as a context manager; ``api_url`` is the base URL to give census."""

    def __init__(self, *, clock: Clock | None = None, latency: float = 0.0, per_page_max: int = 100,
                 rate_limit: int = 5000, search_limit: int = 30, search_limit_anonymous: int = 10) -> None:
        self.clock = clock or Clock()
        self.latency = latency
        self.per_page_max = per_page_max
        self.repos: dict[str, FakeRepo] = {}
        self.renamed: dict[str, str] = {}          # old full name (lower) → new full name
        self.owner_types: dict[str, str] = {}      # login (lower) → "Organization" | "User"
        self.faults: list[Fault] = []
        self.log: list[LoggedRequest] = []
        self.rate_limit = rate_limit
        self.truncate_trees_over: int | None = None  # GitHub truncates at 100,000 entries (or 7 MB)
        self.remaining = rate_limit
        self.reset_at = int(self.clock.now()) + 3600
        self.search_limit = search_limit                      # a minute, with a token
        self.search_limit_anonymous = search_limit_anonymous  # a minute, without
        self.search_windows: dict[bool, SearchWindow] = {}    # authenticated? → its current window
        self._lock = threading.Lock()
        self._next_id = 1000
        self._server: ThreadingHTTPServer | None = None
        self._empty: Path | None = None
        self._thread: threading.Thread | None = None

    # --- setup ---------------------------------------------------------------------------------

    def add_repo(self, full_name: str, git_dir: Path | None, **meta: Any) -> FakeRepo:
        owner, name = full_name.split("/")
        self._next_id += 1
        repo = FakeRepo(owner, name, git_dir, meta.pop("id", self._next_id), **meta)
        self.repos[full_name.lower()] = repo
        self.owner_types.setdefault(owner.lower(), "Organization")
        return repo

    def rename(self, old: str, new: str) -> None:
        """``old`` was renamed (or transferred) to ``new``: the old name answers 301."""
        repo = self.repos.pop(old.lower())
        repo.owner, repo.name = new.split("/")
        self.repos[new.lower()] = repo
        self.renamed[old.lower()] = new
        self.owner_types.setdefault(repo.owner.lower(), "Organization")

    def fault(self, pattern: str, status: int, *, times: int = 1, headers: dict[str, str] | None = None,
              body: str | None = None, delay: float = 0.0) -> None:
        self.faults.append(Fault(pattern, status, times, headers or {}, body, delay))

    def empty_git_dir(self) -> Path:
        """A bare repository without commits, served for an empty repository's git endpoint."""
        with self._lock:
            if self._empty is None:
                self._empty = Path(tempfile.mkdtemp(prefix="fake-github-empty-")) / "empty.git"
                subprocess.run(["git", "init", "-q", "--bare", str(self._empty)], check=True, capture_output=True)
            return self._empty

    # --- lifecycle -----------------------------------------------------------------------------

    def __enter__(self) -> FakeGitHub:
        handler = type("Handler", (_Handler,), {"fake": self})
        self._server = _QuietServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,), daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
        if self._empty is not None:
            shutil.rmtree(self._empty.parent, ignore_errors=True)

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def api_url(self) -> str:
        return self.url + "/api/v3"

    def requests(self, pattern: str = "", method: str | None = None) -> list[LoggedRequest]:
        return [r for r in self.log if re.search(pattern, r.path) and (method is None or r.method == method)]

    def searches(self) -> list[tuple[LoggedRequest, dict[str, str]]]:
        """Every search request with its decoded query parameters (``q``, ``page`` …), in order."""
        return [(r, {k: v[-1] for k, v in parse_qs(urlsplit(r.path).query).items()})
                for r in self.requests(r"^/api/v3/search/repositories")]

    # --- search's own rate limit -----------------------------------------------------------------

    def search_budget(self, authenticated: bool, *, spend: int = 1) -> tuple[bool, dict[str, str]]:
        """Spend ``spend`` requests of the search budget: whether they were allowed, and the headers to send."""
        with self._lock:
            now = self.clock.now()
            limit = self.search_limit if authenticated else self.search_limit_anonymous
            window = self.search_windows.get(authenticated)
            if window is None or now >= window.reset:
                window = SearchWindow(int(now) + 60)
                if spend:  # only a request opens a window, not a look at the budget
                    self.search_windows[authenticated] = window
            allowed = window.used + spend <= limit
            if allowed:
                window.used += spend
            return allowed, {
                "X-RateLimit-Limit": str(limit), "X-RateLimit-Remaining": str(limit - window.used),
                "X-RateLimit-Reset": str(window.reset), "X-RateLimit-Used": str(window.used),
                "X-RateLimit-Resource": "search",
            }

    # --- JSON shapes ---------------------------------------------------------------------------

    def repo_json(self, repo: FakeRepo) -> dict[str, Any]:
        api = self.api_url
        return {
            "id": repo.id, "node_id": f"R_{repo.id}", "name": repo.name, "full_name": repo.full_name,
            "private": repo.private, "owner": {"login": repo.owner, "id": hash(repo.owner) % 10**6,
                                                "type": self.owner_types.get(repo.owner.lower(), "User")},
            "html_url": f"{self.url}/{repo.full_name}", "description": repo.description, "fork": repo.fork,
            "url": f"{api}/repos/{repo.full_name}", "clone_url": f"{self.url}/{repo.full_name}.git",
            "default_branch": repo.default_branch, "stargazers_count": repo.stars,
            "watchers_count": repo.stars, "archived": repo.archived, "disabled": False,
            "pushed_at": repo.pushed_at, "created_at": repo.created_at, "updated_at": repo.pushed_at,
            "size": 1, "visibility": "private" if repo.private else "public",
            "topics": list(repo.topics), "language": repo.language, "forks_count": repo.forks,
        }


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up (a timeout test) is not an error of the server."""
        error = sys.exc_info()[1]
        if not isinstance(error, BrokenPipeError | ConnectionResetError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    fake: FakeGitHub
    protocol_version = "HTTP/1.1"
    # headers and a small body go out as two writes: without TCP_NODELAY the body waits for the
    # client's delayed ACK (some 40 ms an answer on Linux), which made every small answer slow
    disable_nagle_algorithm = True

    def date_time_string(self, timestamp: float | None = None) -> str:
        """The ``Date`` header (sent by ``send_response``), from the fake's clock."""
        return email.utils.formatdate(self.fake.clock.now() if timestamp is None else timestamp, usegmt=True)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the fake's own log records every request

    # --- plumbing -----------------------------------------------------------------------------

    def _entry(self) -> LoggedRequest:
        entry = LoggedRequest(self.command, self.path, {k.lower(): v for k, v in self.headers.items()},
                              self.fake.clock.now())
        with self.fake._lock:
            self.fake.log.append(entry)
        return entry

    def _send(self, entry: LoggedRequest, status: int, body: bytes, headers: dict[str, str] | None = None,
              *, api: bool = True) -> None:
        fake = self.fake
        all_headers = {"Content-Length": str(len(body))}
        if api:
            with fake._lock:
                all_headers.update({
                    "X-RateLimit-Limit": str(fake.rate_limit), "X-RateLimit-Remaining": str(max(fake.remaining, 0)),
                    "X-RateLimit-Reset": str(fake.reset_at), "X-RateLimit-Used": str(fake.rate_limit - fake.remaining),
                    "X-RateLimit-Resource": "core",
                })
            all_headers.setdefault("Content-Type", "application/json; charset=utf-8")
        all_headers.update(headers or {})
        # logged before it is sent: a client that has its answer may read the log at once
        entry.status, entry.bytes_out = status, len(body)
        self.send_response(status)
        for k, v in all_headers.items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, entry: LoggedRequest, status: int, data: Any, headers: dict[str, str] | None = None) -> None:
        body = json.dumps(data).encode()
        if status == 200 and self.command == "GET":  # GitHub's ETags: a 304 costs no rate limit
            etag = '"' + hashlib.sha1(body).hexdigest() + '"'
            headers = {"ETag": etag, **(headers or {})}
            if self.headers.get("If-None-Match") == etag:
                with self.fake._lock:
                    self.fake.remaining += 1
                self._send(entry, 304, b"", headers)
                return
        self._send(entry, status, body, headers)

    def _error(self, entry: LoggedRequest, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        self._json(entry, status, {"message": message, "documentation_url": "https://docs.github.com/rest"}, headers)

    def _scripted(self, entry: LoggedRequest) -> bool:
        fake = self.fake
        with fake._lock:
            fault = next((f for f in fake.faults if f.times > 0 and re.search(f.pattern, self.path)), None)
            if fault:
                fault.times -= 1
        if fault is None:
            return False
        if fault.delay:
            time.sleep(fault.delay)
        body = fault.body if fault.body is not None else json.dumps({"message": _REASONS.get(fault.status, "error")})
        headers = dict(fault.headers)
        if fault.body is not None and not fault.body.startswith("{"):
            headers.setdefault("Content-Type", "text/html")
        self._send(entry, fault.status, body.encode(), headers)
        return True

    # --- routes --------------------------------------------------------------------------------

    def do_GET(self) -> None:
        self._route()

    def do_POST(self) -> None:
        self._route()

    def _route(self) -> None:
        entry = self._entry()
        fake = self.fake
        if fake.latency:
            time.sleep(fake.latency)
        if self._scripted(entry):
            return
        parts = urlsplit(self.path)
        path = parts.path
        if not path.startswith("/api/v3/"):
            self._git(entry, path, parts.query)
            return
        route = path[len("/api/v3"):]
        if route != "/search/repositories":  # search spends its own budget (``search_budget``), not core's
            with fake._lock:
                fake.remaining -= 1
        if self.headers.get("Authorization", "").endswith("bad-token"):
            self._error(entry, 401, "Bad credentials")
            return
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        for pattern, method in _ROUTES:
            match = re.fullmatch(pattern, route)
            if match:
                getattr(self, method)(entry, query, *match.groups())
                return
        self._error(entry, 404, "Not Found")

    def _find(self, entry: LoggedRequest, owner: str, name: str) -> FakeRepo | None:
        fake = self.fake
        full = f"{owner}/{name}".lower()
        if full in fake.renamed:
            repo = fake.repos[fake.renamed[full].lower()]
            rest = self.path.split(f"/repos/{owner}/{name}", 1)[1]
            self._json(entry, 301, {"message": "Moved Permanently", "url": f"{fake.api_url}/repositories/{repo.id}"},
                       {"Location": f"{fake.api_url}/repositories/{repo.id}{rest}"})
            return None
        repo = fake.repos.get(full)
        if repo is None or repo.private:
            self._error(entry, 404, "Not Found")
            return None
        return repo

    def repo(self, entry: LoggedRequest, query: dict[str, str], owner: str, name: str) -> None:
        repo = self._find(entry, owner, name)
        if repo is not None:
            self._json(entry, 200, self.fake.repo_json(repo))

    def repo_by_id(self, entry: LoggedRequest, query: dict[str, str], repo_id: str, rest: str) -> None:
        repo = next((r for r in self.fake.repos.values() if r.id == int(repo_id)), None)
        if repo is None:
            self._error(entry, 404, "Not Found")
            return
        if not rest:
            self._json(entry, 200, self.fake.repo_json(repo))
        elif rest.startswith("/commits/"):
            self._commit(entry, repo, rest[len("/commits/"):])
        elif rest == "/languages":
            self._json(entry, 200, repo.languages)
        else:
            self._error(entry, 404, "Not Found")

    def commit(self, entry: LoggedRequest, query: dict[str, str], owner: str, name: str, ref: str) -> None:
        repo = self._find(entry, owner, name)
        if repo is not None:
            self._commit(entry, repo, ref)

    def _commit(self, entry: LoggedRequest, repo: FakeRepo, ref: str) -> None:
        if repo.git_dir is None:
            self._error(entry, 409, "Git Repository is empty.")
            return
        out = subprocess.run(["git", "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], cwd=repo.git_dir,
                             capture_output=True, check=False)
        if out.returncode != 0:
            self._error(entry, 422, f"No commit found for SHA: {ref}")
            return
        sha = out.stdout.decode().strip()
        etag = '"' + hashlib.sha1(sha.encode()).hexdigest() + '"'
        if self.headers.get("If-None-Match") == etag:
            with self.fake._lock:
                self.fake.remaining += 1  # 304s do not count against the rate limit
            self._send(entry, 304, b"", {"ETag": etag})
            return
        if "application/vnd.github.sha" in self.headers.get("Accept", ""):
            self._send(entry, 200, sha.encode(), {"ETag": etag, "Content-Type": "application/vnd.github.sha"})
        else:
            self._json(entry, 200, {"sha": sha, "commit": {"message": "x"}}, {"ETag": etag})

    def tree(self, entry: LoggedRequest, query: dict[str, str], owner: str, name: str, sha: str) -> None:
        """``git/trees`` as GitHub serves it, truncated past ``truncate_trees_over`` entries."""
        repo = self._find(entry, owner, name)
        if repo is None or repo.git_dir is None:
            return
        args = ["git", "ls-tree", "-l", "-z", *(["-r", "-t"] if query.get("recursive") else []), sha]
        out = subprocess.run(args, cwd=repo.git_dir, capture_output=True, check=False).stdout
        items = []
        for record in filter(None, out.split(b"\0")):
            meta, _, path = record.partition(b"\t")
            mode, kind, oid, size = meta.decode().split()
            item = {"path": path.decode(), "mode": mode, "type": kind, "sha": oid}
            if kind == "blob":
                item["size"] = int(size)
            items.append(item)
        limit = self.fake.truncate_trees_over
        truncated = limit is not None and len(items) > limit
        self._json(entry, 200, {"sha": sha, "tree": items[:limit] if truncated else items, "truncated": truncated})

    def commits(self, entry: LoggedRequest, query: dict[str, str], owner: str, name: str) -> None:
        """List commits (``sha``, ``until``, ``per_page``), newest first, as GitHub does."""
        repo = self._find(entry, owner, name)
        if repo is None:
            return
        if repo.git_dir is None:
            self._error(entry, 409, "Git Repository is empty.")
            return
        args = ["git", "rev-list", f"--max-count={query.get('per_page', '30')}"]
        if "until" in query:
            args.append(f"--before={query['until']}")
        out = subprocess.run([*args, query.get("sha", "HEAD"), "--"], cwd=repo.git_dir, capture_output=True,
                             check=False)
        if out.returncode != 0:
            self._error(entry, 404, "Not Found")
            return
        self._json(entry, 200, [{"sha": sha} for sha in out.stdout.decode().split()])

    def languages(self, entry: LoggedRequest, query: dict[str, str], owner: str, name: str) -> None:
        repo = self._find(entry, owner, name)
        if repo is not None:
            self._json(entry, 200, repo.languages)

    def user(self, entry: LoggedRequest, query: dict[str, str], login: str) -> None:
        kind = self.fake.owner_types.get(login.lower())
        if kind is None:
            self._error(entry, 404, "Not Found")
            return
        self._json(entry, 200, {"login": login, "id": hash(login) % 10**6, "type": kind})

    def owner_repos(self, entry: LoggedRequest, query: dict[str, str], kind: str, login: str) -> None:
        fake = self.fake
        if login.lower() not in fake.owner_types:
            self._error(entry, 404, "Not Found")
            return
        repos = sorted((r for r in fake.repos.values() if r.owner.lower() == login.lower() and not r.private),
                       key=lambda r: r.id)
        per_page = min(int(query.get("per_page", 30)), fake.per_page_max)
        page = int(query.get("page", 1))
        chunk = repos[(page - 1) * per_page: page * per_page]
        last = max(1, -(-len(repos) // per_page))
        base = f"{fake.api_url}/{kind}/{login}/repos"
        links = []
        if page < last:
            links.append(f'<{base}?per_page={per_page}&page={page + 1}>; rel="next"')
            links.append(f'<{base}?per_page={per_page}&page={last}>; rel="last"')
        if page > 1:
            links.append(f'<{base}?per_page={per_page}&page={page - 1}>; rel="prev"')
            links.append(f'<{base}?per_page={per_page}&page=1>; rel="first"')
        self._json(entry, 200, [fake.repo_json(r) for r in chunk], {"Link": ", ".join(links)} if links else None)

    def rate_limit(self, entry: LoggedRequest, query: dict[str, str]) -> None:
        fake = self.fake
        core = {"limit": fake.rate_limit, "remaining": fake.remaining, "reset": fake.reset_at,
                "used": fake.rate_limit - fake.remaining}
        authenticated = bool(self.headers.get("Authorization"))
        _, headers = fake.search_budget(authenticated, spend=0)
        search = {"limit": int(headers["X-RateLimit-Limit"]), "remaining": int(headers["X-RateLimit-Remaining"]),
                  "reset": int(headers["X-RateLimit-Reset"]), "used": int(headers["X-RateLimit-Used"])}
        self._json(entry, 200, {"resources": {"core": core, "search": search}, "rate": core})

    def search(self, entry: LoggedRequest, query: dict[str, str]) -> None:
        """``/search/repositories``: GitHub's shapes, its 1,000-result cap and its own rate limit."""
        fake = self.fake
        allowed, limits = fake.search_budget(bool(self.headers.get("Authorization")))
        if not allowed:
            self._error(entry, 403, "API rate limit exceeded for search.", limits)
            return
        q = query.get("q", "").strip()
        if not q:
            self._search_invalid(entry, limits, "q", "missing")
            return
        try:
            matches = _search_matcher(q)
        except ValueError as exc:
            self._search_invalid(entry, limits, "q", str(exc))
            return
        try:
            per_page = min(int(query.get("per_page", 30)), 100, fake.per_page_max)
            page = int(query.get("page", 1))
        except ValueError:
            self._search_invalid(entry, limits, "page", "invalid")
            return
        if per_page < 1 or page < 1:
            self._search_invalid(entry, limits, "page", "invalid")
            return
        if (page - 1) * per_page >= _SEARCH_CAP:
            self._error(entry, 422, f"Only the first {_SEARCH_CAP} search results are available", limits)
            return
        found = [r for r in list(fake.repos.values()) if not r.private and matches(r)]
        sort, descending = query.get("sort", ""), query.get("order", "desc") != "asc"
        if sort in _SEARCH_SORTS:
            found.sort(key=lambda r: r.id)  # ties in id order whichever the direction
            found.sort(key=_SEARCH_SORTS[sort], reverse=descending)
        else:  # "best match": by id, so that answers are reproducible
            found.sort(key=lambda r: r.id)
        chunk = found[(page - 1) * per_page: min(page * per_page, _SEARCH_CAP)]
        last = max(1, -(-min(len(found), _SEARCH_CAP) // per_page))
        extra = {k: query[k] for k in ("sort", "order") if k in query}

        def link(to: int) -> str:
            params = urlencode({"q": q, **extra, "per_page": per_page, "page": to})
            return f"{fake.api_url}/search/repositories?{params}"

        links = []
        if page < last:
            links += [f'<{link(page + 1)}>; rel="next"', f'<{link(last)}>; rel="last"']
        if page > 1:
            links += [f'<{link(page - 1)}>; rel="prev"', f'<{link(1)}>; rel="first"']
        data = {"total_count": len(found), "incomplete_results": False,
                "items": [{**fake.repo_json(r), "score": 1.0} for r in chunk]}
        headers = {**limits, **({"Link": ", ".join(links)} if links else {})}
        self._send(entry, 200, json.dumps(data).encode(), headers)  # no ETag: census never revalidates a search

    def _search_invalid(self, entry: LoggedRequest, limits: dict[str, str], field_name: str, code: str) -> None:
        self._json(entry, 422, {"message": "Validation Failed", "errors": [
            {"resource": "Search", "field": field_name, "code": code}], "documentation_url": "https://docs.github.com/rest"},
            limits)

    # --- git smart HTTP ------------------------------------------------------------------------

    def _git(self, entry: LoggedRequest, path: str, query: str) -> None:
        match = re.fullmatch(r"/([^/]+)/([^/]+?)\.git(/.*)", path)
        repo = self.fake.repos.get(f"{match.group(1)}/{match.group(2)}".lower()) if match else None
        if match is None or repo is None or repo.private:
            self._send(entry, 404, b"not found", api=False)
            return
        git_dir = repo.git_dir if repo.git_dir is not None else self.fake.empty_git_dir()  # GitHub: no refs
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        env = {
            **os.environ, "GIT_PROJECT_ROOT": str(git_dir), "GIT_HTTP_EXPORT_ALL": "1",
            "PATH_INFO": match.group(3), "REQUEST_METHOD": self.command, "QUERY_STRING": query,
            "CONTENT_TYPE": self.headers.get("Content-Type", ""), "CONTENT_LENGTH": str(len(body)),
            "GIT_PROTOCOL": self.headers.get("Git-Protocol", ""), "REMOTE_ADDR": "127.0.0.1",
            "GIT_CONFIG_COUNT": "2",
            "GIT_CONFIG_KEY_0": "uploadpack.allowAnySHA1InWant", "GIT_CONFIG_VALUE_0": "true",
            "GIT_CONFIG_KEY_1": "uploadpack.allowFilter", "GIT_CONFIG_VALUE_1": "true",
        }
        if self.headers.get("Content-Encoding") == "gzip":
            env["HTTP_CONTENT_ENCODING"] = "gzip"
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Basic ") and base64.b64decode(auth[6:]).decode().endswith(":bad-token"):
            self._send(entry, 401, b"bad credentials", {"WWW-Authenticate": 'Basic realm="GitHub"'}, api=False)
            return
        out = subprocess.run(["git", "http-backend"], input=body, env=env, capture_output=True, check=False)
        head, _, payload = out.stdout.partition(b"\r\n\r\n")
        status, headers = 200, {}
        for line in head.decode("latin-1").split("\r\n"):
            if ":" in line:
                key, value = line.split(":", 1)
                if key.lower() == "status":
                    status = int(value.strip().split()[0])
                else:
                    headers[key.strip()] = value.strip()
        self._send(entry, status, payload, headers, api=False)


_REASONS = {403: "API rate limit exceeded", 404: "Not Found", 409: "Git Repository is empty.",
            429: "You have exceeded a secondary rate limit", 451: "Repository access blocked",
            500: "Server Error", 502: "Server Error", 503: "Service Unavailable"}

# --- search: the query language, as much of it as census uses ---------------------------------------

_SEARCH_CAP = 1000
_SEARCH_TOKEN = re.compile(r'(?:[^\s"]+|"[^"]*"?)+')
_SEARCH_SORTS: dict[str, Callable[[FakeRepo], Any]] = {
    "stars": lambda r: r.stars, "forks": lambda r: r.forks, "updated": lambda r: r.pushed_at,
}


def _epoch(text: str) -> float:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def _time_span(text: str) -> tuple[float, float]:
    """The seconds a date (a whole day) or a moment (one second) stands for: [start, end)."""
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        start = _epoch(text)
        return start, start + 86400
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?", text):
        raise ValueError(f"not a date: {text!r}")
    start = float(int(_epoch(text)))
    return start, start + 1


def _number_span(text: str) -> tuple[float, float]:
    if not re.fullmatch(r"\d+", text):
        raise ValueError(f"not a number: {text!r}")
    return float(text), float(text) + 1


def _range(value: str, span: Callable[[str], tuple[float, float]]) -> tuple[float, float]:
    """``>=X``, ``>X``, ``<X``, ``<=X``, ``X..Y`` (``*`` open), ``X``: the interval [lo, hi) it means."""
    inf = float("inf")
    if ".." in value:
        first, _, second = value.partition("..")
        return (-inf if first == "*" else span(first)[0]), (inf if second == "*" else span(second)[1])
    for op, pick in ((">=", lambda s: (s[0], inf)), ("<=", lambda s: (-inf, s[1])),
                     (">", lambda s: (s[1], inf)), ("<", lambda s: (-inf, s[0]))):
        if value.startswith(op):
            result: tuple[float, float] = pick(span(value[len(op):]))
            return result
    return span(value)


def _search_matcher(q: str) -> Callable[[FakeRepo], bool]:
    """What ``q`` matches. Qualifiers: ``topic:`` (each one must match), ``stars:``, ``created:``,
    ``pushed:`` (ranges as ``_range`` reads them; dates ``YYYY-MM-DD`` or ISO moments), ``language:``,
    ``org:``, ``user:``, ``fork:true|only|false``, ``archived:true|false``, ``is:public|private``,
    ``in:name,description``; everything else is a free word (a substring of the name or the
    description, case-insensitive; ``"a phrase"`` too), and every part must match."""
    tests: list[Callable[[FakeRepo], bool]] = []
    words: list[str] = []
    where = ("name", "description")
    forks = "false"
    for token in _SEARCH_TOKEN.findall(q):
        key, sep, raw = token.partition(":")
        key, value = key.lower(), raw.strip('"')
        low = value.lower()
        if not sep or not value:
            words.append(token.strip('"').lower())
        elif key == "topic":
            tests.append(lambda r, v=low: v in (t.lower() for t in r.topics))
        elif key == "stars":
            lo, hi = _range(value, _number_span)
            tests.append(lambda r, lo=lo, hi=hi: lo <= r.stars < hi)
        elif key in ("created", "pushed"):
            lo, hi = _range(value, _time_span)
            tests.append(lambda r, lo=lo, hi=hi, k=key: lo <= _epoch(getattr(r, f"{k}_at")) < hi)
        elif key == "language":
            tests.append(lambda r, v=low: (r.language or "").lower() == v)
        elif key in ("org", "user"):
            tests.append(lambda r, v=low: r.owner.lower() == v)
        elif key == "fork" and low in ("true", "only", "false"):
            forks = low
        elif key == "archived" and low in ("true", "false"):
            tests.append(lambda r, v=low == "true": r.archived == v)
        elif key == "is" and low in ("public", "private"):
            tests.append(lambda r, v=low == "private": r.private == v)
        elif key == "in":
            where = tuple(low.split(","))
        elif key in ("fork", "archived"):
            raise ValueError(f"invalid value for {key}: {value!r}")
        else:  # an unknown qualifier: GitHub searches for its text
            words.append(token.strip('"').lower())
    if forks == "false":
        tests.append(lambda r: not r.fork)
    elif forks == "only":
        tests.append(lambda r: r.fork)

    def matches(repo: FakeRepo) -> bool:
        if not all(test(repo) for test in tests):
            return False
        fields = {"name": repo.name.lower(), "description": (repo.description or "").lower(),
                  "topics": " ".join(repo.topics).lower()}
        return all(any(word in fields.get(w, "") for w in where) for word in words)

    return matches


_ROUTES = [
    (r"/repos/([^/]+)/([^/]+)", "repo"),
    (r"/repos/([^/]+)/([^/]+)/commits/(.+)", "commit"),
    (r"/repos/([^/]+)/([^/]+)/commits", "commits"),
    (r"/repos/([^/]+)/([^/]+)/languages", "languages"),
    (r"/repos/([^/]+)/([^/]+)/git/trees/([^/]+)", "tree"),
    (r"/repositories/(\d+)(/.*)?", "repo_by_id"),
    (r"/users/([^/]+)", "user"),
    (r"/orgs/([^/]+)", "user"),
    (r"/(orgs|users)/([^/]+)/repos", "owner_repos"),
    (r"/rate_limit", "rate_limit"),
    (r"/search/repositories", "search"),
]
