"""GitHub's REST API through one thread-safe ``httpx.Client``, with census's waits and retries.

Used by the planner, in the driver only: one process, one token, one rate-limit gate, so GitHub's
limits are one process's concern however many workers scan. The client does not pickle: a task
never carries it.

Every answer is untrusted input: bodies are read up to ``MAX_ANSWER_BYTES`` (an endless body
cannot exhaust memory), JSON is checked for the shapes census reads, and anything else becomes a
``SourceError`` for the repository concerned, never an exception of the run. Conditional requests
(``If-None-Match``) make a re-scan of an unchanged list cost no rate limit.
"""

from __future__ import annotations

import json
import re
import threading
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from crawler.__version__ import __version__
from crawler.errors import BlockedError, EmptyRepositoryError, NotFoundError, SourceError
from crawler.github import token_from_env
from crawler.github.ratelimit import RateGate, RetryPolicy, Transient, rate_limit_wait
from crawler.redact import scrub
from crawler.values import GitHubMeta, GitHubOptions, OwnerFilters

MAX_ANSWER_BYTES = 32 * 1024 * 1024
MAX_PAGES = 1000
_FULL_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9_.-]{1,100}$")


class AnswerError(Exception):
    """An HTTP error status from GitHub, before census decides what it means."""

    def __init__(self, status: int, headers: Mapping[str, str], message: str) -> None:
        super().__init__(f"GitHub answered {status}")
        self.status, self.headers, self.message = status, dict(headers), message


class _AnswerTooLarge(SourceError):
    pass


@dataclass(frozen=True)
class Answer:
    """One answer: its status (200 or 304), headers, parsed body (None for 304) and next page."""

    status: int
    headers: httpx.Headers
    data: Any
    next_url: str | None

    @property
    def etag(self) -> str | None:
        etag: str | None = self.headers.get("etag")
        return etag


def meta_from_json(data: Any, what: str) -> GitHubMeta:
    """A repository's metadata from GitHub's JSON, checked: ``SourceError`` naming the first problem."""
    if not isinstance(data, dict):
        raise SourceError(f"unexpected answer from GitHub for {what}: not a repository object")

    def field(name: str, kind: type | tuple[type, ...], *, required: bool = True) -> Any:
        value = data.get(name)
        if value is None and not required:
            return None
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise SourceError(f"unexpected answer from GitHub for {what}: {name!r} is "
                              f"{'missing' if value is None else type(value).__name__}")
        return value

    full_name = field("full_name", str)
    if not _FULL_NAME.match(full_name):
        raise SourceError(f"unexpected answer from GitHub for {what}: {scrub(full_name)[:80]!r} is not OWNER/NAME")
    clone_url = field("clone_url", str)
    if not clone_url.startswith(("https://", "http://")):
        raise SourceError(f"unexpected answer from GitHub for {what}: clone_url is not an http(s) URL")
    topics = data.get("topics") or []
    if not isinstance(topics, list) or not all(isinstance(t, str) for t in topics):
        raise SourceError(f"unexpected answer from GitHub for {what}: 'topics' is not a list of names")
    return GitHubMeta(
        full_name=full_name, id=field("id", int), default_branch=field("default_branch", str, required=False) or "main",
        stars=field("stargazers_count", int, required=False) or 0,
        archived=bool(field("archived", bool, required=False)), fork=bool(field("fork", bool, required=False)),
        pushed_at=field("pushed_at", str, required=False), clone_url=clone_url,
        created_at=field("created_at", str, required=False), topics=tuple(topics),
        language=field("language", str, required=False), private=bool(field("private", bool, required=False)),
    )


class GitHubAPI:
    """GitHub's REST API for the planner. ``token`` defaults to the environment's; ``transport``
    lets tests answer without a server; ``gate`` is the one rate-limit gate of the run."""

    def __init__(self, options: GitHubOptions, *, token: str | bool | None = True, gate: RateGate | None = None,
                 jitter: Callable[[], float] | None = None, transport: httpx.BaseTransport | None = None) -> None:
        self.options = options
        self.gate = gate or RateGate(max_wait=options.max_wait)
        self.policy = RetryPolicy(self.gate, _classify)
        # The search budget is its own resource (30 a minute): waiting for it must not hold core
        # requests back, nor the other way round. Same clock, same patience.
        self.search_gate = RateGate(clock=self.gate.clock, sleep=self.gate.sleep, max_wait=self.gate.max_wait)
        self.search_policy = RetryPolicy(self.search_gate, _classify)
        if jitter is not None:
            self.policy.jitter = self.search_policy.jitter = jitter
        secret = token_from_env() if token is True else (token or None)
        headers = {"Accept": "application/vnd.github+json", "User-Agent": f"census/{__version__}",
                   "X-GitHub-Api-Version": "2022-11-28"}
        if secret:
            headers["Authorization"] = f"token {secret}"
        self._http = httpx.Client(base_url=options.api_url.rstrip("/") + "/", headers=headers,
                                  timeout=options.timeout, follow_redirects=True, transport=transport)
        self._lock = threading.Lock()
        #: requests sent, by kind (``repo``, ``commit``, ``languages``, ``list``, ``search`` …)
        self.requests: Counter[str] = Counter()

    def __repr__(self) -> str:
        return f"GitHubAPI({self.options.api_url!r})"

    def __reduce__(self) -> Any:
        raise TypeError("the GitHub API client stays in the driver: tasks never carry it (nor its token)")

    def close(self) -> None:
        self._http.close()

    def __del__(self) -> None:  # a client dropped without close() must not leak its connections
        http = getattr(self, "_http", None)
        if http is not None:
            http.close()

    def __enter__(self) -> GitHubAPI:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def total_requests(self) -> int:
        return sum(self.requests.values())

    # --- one request ------------------------------------------------------------------------------

    def get(self, url: str, *, kind: str, what: str, params: Mapping[str, str | int] | None = None,
            accept: str | None = None, etag: str | None = None, text: bool = False, ref: str | None = None) -> Answer:
        """One GET, retried and waited as ``RetryPolicy`` says; ``SourceError`` for ``what`` on failure
        (``ref``: the ref a 422 means is unknown)."""
        headers = {"Accept": accept} if accept else {}
        if etag:
            headers["If-None-Match"] = etag

        def request() -> Answer:
            with self._lock:
                self.requests[kind] += 1
            with self._http.stream("GET", url.lstrip("/") if not url.startswith("http") else url,
                                   params=params, headers=headers) as response:
                body = _read_capped(response)
                status = response.status_code
                if status == 304:
                    return Answer(304, response.headers, None, None)
                if status >= 400:
                    raise AnswerError(status, response.headers, _message(body))
                if text:
                    data: Any = body.decode("utf-8", "replace").strip()
                else:
                    try:
                        data = json.loads(body)
                    except ValueError:
                        raise SourceError(f"GitHub answered {status} for {what} with something that is not "
                                          "JSON") from None
                return Answer(status, response.headers, data, response.links.get("next", {}).get("url"))

        policy = self.search_policy if kind == "search" else self.policy
        try:
            return policy.call(request)
        except AnswerError as exc:
            raise _source_error(exc, what, ref) from None
        except httpx.InvalidURL:
            raise SourceError(f"not a usable GitHub API URL: {scrub(self.options.api_url)}") from None
        except httpx.HTTPError as exc:
            raise SourceError(f"cannot reach GitHub at {scrub(self.options.api_url)}: {type(exc).__name__}") from None

    # --- what census asks ----------------------------------------------------------------------------

    def repository(self, full_name: str, etag: str | None = None) -> tuple[GitHubMeta | None, str | None]:
        """The repository (following renames), or None when not modified since ``etag``; and its ETag."""
        answer = self.get(f"repos/{full_name}", kind="repo", what=full_name, etag=etag)
        meta = meta_from_json(answer.data, full_name) if answer.status != 304 else None
        return meta, answer.etag or etag

    def commit(self, full_name: str, ref: str, etag: str | None = None) -> tuple[str | None, str | None]:
        """The commit ``ref`` names (None: not modified since ``etag``), and the ETag."""
        answer = self.get(f"repos/{full_name}/commits/{ref}", kind="commit", what=full_name,
                          accept="application/vnd.github.sha", etag=etag, text=True, ref=ref)
        if answer.status == 304:
            return None, answer.etag or etag
        sha = str(answer.data)
        if not re.fullmatch(r"[0-9a-f]{40}|[0-9a-f]{64}", sha):
            raise SourceError(f"unexpected answer from GitHub for {full_name}@{ref}: not a commit id")
        return sha, answer.etag or etag

    def commit_at(self, full_name: str, ref: str, when: datetime | None) -> str | None:
        """The newest commit of ``ref`` at or before ``when`` (one request), None if there was none yet."""
        until = (when or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        answer = self.get(f"repos/{full_name}/commits", kind="commit", what=full_name,
                          params={"sha": ref, "until": until, "per_page": 1}, ref=ref)
        data = answer.data
        if not isinstance(data, list):
            raise SourceError(f"unexpected answer from GitHub for the commits of {full_name}: not a list")
        if not data:
            return None
        sha = data[0].get("sha") if isinstance(data[0], dict) else None
        if not isinstance(sha, str) or not re.fullmatch(r"[0-9a-f]{40}|[0-9a-f]{64}", sha):
            raise SourceError(f"unexpected answer from GitHub for the commits of {full_name}: no commit id")
        return sha

    def languages(self, full_name: str, etag: str | None = None) -> tuple[dict[str, int] | None, str | None]:
        """GitHub's own language figures (None: not modified since ``etag``), and the ETag."""
        answer = self.get(f"repos/{full_name}/languages", kind="languages", what=full_name, etag=etag)
        if answer.status == 304:
            return None, answer.etag or etag
        data = answer.data
        if not isinstance(data, dict) or not all(isinstance(v, int) and not isinstance(v, bool)
                                                 for k, v in data.items() if k != "url"):
            raise SourceError(f"unexpected answer from GitHub for the languages of {full_name}")
        return {str(k): int(v) for k, v in data.items() if k != "url"}, answer.etag or etag

    def pages(self, url: str, *, kind: str, what: str, params: Mapping[str, str | int] | None = None,
              items_key: str | None = None) -> list[Any]:
        """Every item of a paginated listing, following ``Link: rel="next"`` (at most ``MAX_PAGES``)."""
        items: list[Any] = []
        next_url: str | None = url
        query = params
        for _ in range(MAX_PAGES):
            if next_url is None:
                break
            answer = self.get(next_url, kind=kind, what=what, params=query)
            data = answer.data[items_key] if items_key and isinstance(answer.data, dict) else answer.data
            if not isinstance(data, list):
                raise SourceError(f"unexpected answer from GitHub for {what}: not a list")
            items.extend(data)
            next_url, query = answer.next_url, None  # the next link carries its own query
        return items

    def owner_repos(self, owner: str, filters: OwnerFilters | None = None) -> list[GitHubMeta]:
        """Every public repository of an organisation or user that ``filters`` accepts, by name."""
        filters = filters or OwnerFilters()
        try:
            user = self.get(f"users/{owner}", kind="list", what=owner).data
        except NotFoundError:
            raise NotFoundError(f"no such GitHub organisation or user: {owner}") from None
        kind = "orgs" if isinstance(user, dict) and user.get("type") == "Organization" else "users"
        params: dict[str, str | int] = {"type": "public" if kind == "orgs" else "owner", "per_page": 100}
        listed = self.pages(f"{kind}/{owner}/repos", kind="list", what=f"the repositories of {owner}", params=params)
        metas = {m.id: m for m in (meta_from_json(item, owner) for item in listed)}
        return sorted((m for m in metas.values() if filters.accepts(m)), key=lambda m: m.full_name.lower())


def _read_capped(response: httpx.Response) -> bytes:
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > MAX_ANSWER_BYTES:
            raise _AnswerTooLarge(f"GitHub's answer is larger than {MAX_ANSWER_BYTES // (1024 * 1024)} MiB: "
                                  "not read further")
        chunks.append(chunk)
    return b"".join(chunks)


def _message(body: bytes) -> str:
    try:
        data = json.loads(body)
    except ValueError:
        return ""
    message = data.get("message") if isinstance(data, dict) else None
    return " ".join(str(message).split())[:200] if message else ""


def _classify(error: BaseException, attempt: int) -> BaseException | None:
    if isinstance(error, AnswerError):
        signal = rate_limit_wait(error.status, error.headers, attempt)
        if signal is not None:
            return signal
        if error.status >= 500:
            return Transient(f"GitHub answered {error.status}")
        return None
    if isinstance(error, httpx.TimeoutException | httpx.NetworkError | httpx.RemoteProtocolError):
        return Transient(type(error).__name__)
    return None


def _source_error(exc: AnswerError, what: str, ref: str | None = None) -> SourceError:
    message = exc.message
    if exc.status == 404:
        return NotFoundError(f"no such repository on GitHub (or not visible with this token): {what}")
    if exc.status == 409:
        return EmptyRepositoryError(f"empty repository (no commits): {what}")
    if exc.status == 451:
        return BlockedError(f"access to {what} is blocked by GitHub (451 {message or 'Unavailable For Legal Reasons'})")
    if exc.status == 422 and ref is not None:
        return SourceError(f"unknown ref {ref!r} in {what}")
    if exc.status == 401:
        return SourceError("GitHub rejected the credentials (401); check GITHUB_TOKEN")
    detail = f": {message}" if message else ""
    return SourceError(f"GitHub answered {exc.status} for {what}{detail}")
