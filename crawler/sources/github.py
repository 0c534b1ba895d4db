"""GitHub repositories: metadata through the REST API (PyGithub), content through git.

Per repository, three small REST requests, all conditional (``If-None-Match``) so that a re-scan
of an unchanged list costs no rate limit: the repository (canonical name and id, following
renames and transfers; default branch; stars, archived, fork, pushed_at), the commit of the
wanted ref (``sha`` media type), and GitHub's own ``/languages`` figures for a cross-check.

Content comes from a shallow ``git fetch`` of that one commit into a temporary bare repository,
then the very reader a local scan uses (``GitSource``): the rows are identical to a scan of a
clone at that commit by construction (the same blob ids, symlinks, submodules, ``.gitattributes``),
no tree is ever truncated, ``export-ignore`` cannot hide files (it would from a tarball), Git LFS
pointers stay pointers, and git traffic does not count against the REST rate limit. The token
reaches git through the environment (``GIT_CONFIG_*``), never a command line, URL or config file.
"""

from __future__ import annotations

import base64
import fnmatch
import json
import logging
import os
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from crawler import __version__
from crawler.errors import (
    BlockedError,
    EmptyRepositoryError,
    InputError,
    NotFoundError,
    SourceError,
)
from crawler.ratelimit import RateGate, RetryPolicy, Transient, rate_limit_wait
from crawler.sources.git import GitSource, git_env, scrub, with_config

if TYPE_CHECKING:
    from github import GithubException

DEFAULT_API_URL = "https://api.github.com"

# PyGithub and urllib3 log every request at DEBUG; census's own messages say what matters.
for _name in ("github", "urllib3"):
    logging.getLogger(_name).setLevel(logging.WARNING)


def token_from_env(env: Mapping[str, str] | None = None) -> str | None:
    env = os.environ if env is None else env
    return env.get("GITHUB_TOKEN") or env.get("GH_TOKEN") or None


def api_url_from_env(env: Mapping[str, str] | None = None) -> str:
    env = os.environ if env is None else env
    return (env.get("GITHUB_API_URL") or DEFAULT_API_URL).rstrip("/")


@dataclass(frozen=True)
class GitHubOptions:
    """Where GitHub is and how patient to be. The token is never shown (``repr`` hides it)."""

    api_url: str = DEFAULT_API_URL
    token: str | None = field(default=None, repr=False)
    max_wait: float = 900.0
    timeout: float = 30.0


@dataclass(frozen=True)
class RepoMeta:
    """A repository as GitHub describes it."""

    full_name: str
    id: int
    default_branch: str
    stars: int
    archived: bool
    fork: bool
    pushed_at: str | None
    clone_url: str

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RepoMeta:
        return cls(str(data["full_name"]), int(data["id"]), str(data.get("default_branch") or "main"),
                   int(data.get("stargazers_count") or 0), bool(data.get("archived")), bool(data.get("fork")),
                   data.get("pushed_at"), str(data["clone_url"]))


@dataclass(frozen=True)
class OwnerFilters:
    """Which repositories of an organisation or user to scan (``github:OWNER`` specs)."""

    forks: bool = False
    archived: bool = False
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    min_stars: int = 0
    pushed_since: date | None = None

    def accepts(self, meta: RepoMeta) -> bool:
        name = meta.full_name.split("/", 1)[1]
        if (meta.fork and not self.forks) or (meta.archived and not self.archived):
            return False
        if self.include and not any(fnmatch.fnmatchcase(name.lower(), p.lower()) for p in self.include):
            return False
        if any(fnmatch.fnmatchcase(name.lower(), p.lower()) for p in self.exclude):
            return False
        if meta.stars < self.min_stars:
            return False
        if self.pushed_since and meta.pushed_at:
            pushed = datetime.fromisoformat(meta.pushed_at.replace("Z", "+00:00")).date()
            if pushed < self.pushed_since:
                return False
        return True


class GitHubClient:
    """The REST API through PyGithub, with census's own rate-limit waits and bounded retries
    (PyGithub's are turned off: they are either unbounded or instant). PyGithub is imported
    here, not at module level: local scans should not pay for it at start-up."""

    def __init__(self, options: GitHubOptions, *, gate: RateGate | None = None,
                 jitter: Callable[[], float] | None = None) -> None:
        self.options = options
        self.gate = gate or RateGate(max_wait=options.max_wait)
        # One PyGithub instance per thread: its connection object keeps the request being sent
        # (verb, url, headers) in attributes, so threads sharing one would swap answers.
        self._local = threading.local()
        self.policy = RetryPolicy(self.gate, _classify)
        if jitter is not None:
            self.policy.jitter = jitter
        self.requests = 0  # counted across threads; approximate under contention

    @property
    def gh(self) -> Any:
        gh = getattr(self._local, "gh", None)
        if gh is None:
            import github

            options = self.options
            gh = github.Github(
                base_url=options.api_url, auth=github.Auth.Token(options.token) if options.token else None,
                retry=None, timeout=int(options.timeout), per_page=100, seconds_between_requests=None,
                seconds_between_writes=None, user_agent=f"census/{__version__}", lazy=True,
            )
            self._local.gh = gh
        return gh

    def _get(self, path: str, *, accept: str | None = None, etag: str | None = None) -> tuple[dict[str, Any], Any]:
        headers = {"Accept": accept or "application/vnd.github+json"}
        if etag:
            headers["If-None-Match"] = etag

        def request() -> tuple[dict[str, Any], Any]:
            self.requests += 1
            answer: tuple[dict[str, Any], Any] = self.gh.requester.requestJsonAndCheck("GET", path, headers=headers)
            return answer

        return self.policy.call(request)

    def _api(self, path: str, name: str, ref: str | None, *, accept: str | None = None,
             etag: str | None = None) -> tuple[dict[str, Any], Any]:
        """One GET with census's errors: GitHub's statuses and unreachable servers become ``SourceError``s."""
        import github
        import requests

        try:
            return self._get(path, accept=accept, etag=etag)
        except github.GithubException as exc:
            raise _source_error(exc, name, ref) from None
        except requests.exceptions.RequestException as exc:
            raise SourceError(f"cannot reach GitHub at {scrub(self.options.api_url)}: {type(exc).__name__}") from None

    def repository(self, full_name: str, etag: str | None = None) -> tuple[RepoMeta | None, str | None]:
        """The repository (following renames), or None when not modified since ``etag``; and its ETag."""
        headers, data = self._api(f"/repos/{full_name}", full_name, None, etag=etag)
        return (RepoMeta.from_json(data) if data else None), headers.get("etag") or etag

    def commit(self, full_name: str, ref: str, etag: str | None = None) -> tuple[str | None, str | None]:
        """The commit ``ref`` names (None: not modified since ``etag``), and the ETag."""
        headers, data = self._api(f"/repos/{full_name}/commits/{ref}", full_name, ref,
                                  accept="application/vnd.github.sha", etag=etag)
        sha = data["data"].strip() if isinstance(data, dict) and "data" in data else None
        return sha, headers.get("etag") or etag

    def commit_at(self, full_name: str, ref: str, when: datetime | None) -> str | None:
        """The newest commit of ``ref`` at or before ``when`` (one request), None if there was none yet."""
        until = (when or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        _, data = self._api(f"/repos/{full_name}/commits?sha={ref}&until={until}&per_page=1", full_name, ref)
        if isinstance(data, list) and data:
            return str(data[0]["sha"])
        return None

    def languages(self, full_name: str, etag: str | None = None) -> tuple[dict[str, int] | None, str | None]:
        """GitHub's own language figures (None: not modified since ``etag``), and the ETag."""
        headers, data = self._api(f"/repos/{full_name}/languages", full_name, None, etag=etag)
        figures = {str(k): int(v) for k, v in data.items() if k != "url"} if data is not None else None
        return figures, headers.get("etag") or etag

    def owner_repos(self, owner: str, filters: OwnerFilters | None = None) -> list[RepoMeta]:
        """Every public repository of an organisation or user that ``filters`` accepts, by name."""
        import github
        import requests

        filters = filters or OwnerFilters()
        try:
            _, user = self._get(f"/users/{owner}")
            kind = "orgs" if user.get("type") == "Organization" else "users"
            params = "type=public" if kind == "orgs" else "type=owner"
            metas: list[RepoMeta] = []
            url: str | None = f"/{kind}/{owner}/repos?{params}&per_page=100"
            pages = 0
            while url and pages < 1000:  # GitHub's Link header says where the next page is
                headers, data = self._get(url)
                metas.extend(RepoMeta.from_json(item) for item in data or [] if not item.get("private"))
                url = _next_link(headers.get("link", ""))
                pages += 1
        except github.GithubException as exc:
            if exc.status == 404:
                raise NotFoundError(f"no such GitHub organisation or user: {owner}") from None
            raise _source_error(exc, owner, None) from None
        except requests.exceptions.RequestException as exc:
            raise SourceError(f"cannot reach GitHub at {scrub(self.options.api_url)}: {type(exc).__name__}") from None
        unique = {m.id: m for m in metas}
        return sorted((m for m in unique.values() if filters.accepts(m)), key=lambda m: m.full_name.lower())

    def fetch(self, clone_url: str, commit: str) -> FetchedRepository:
        """The commit's tree and blobs, fetched shallowly into a temporary bare repository."""
        return self.policy.call(lambda: FetchedRepository(clone_url, commit, self.options.token,
                                                          self.options.timeout))


def _next_link(link_header: str) -> str | None:
    """The ``rel="next"`` URL of a ``Link`` header, as a path PyGithub accepts."""
    for part in link_header.split(","):
        url, _, rel = part.partition(";")
        if 'rel="next"' in rel:
            return url.strip().strip("<>")
    return None


def _classify(error: BaseException, attempt: int) -> BaseException | None:
    import github
    import requests

    if isinstance(error, github.GithubException):
        signal = rate_limit_wait(error.status, error.headers or {}, attempt)
        if signal is not None:
            return signal
        if error.status >= 500:
            return Transient(f"GitHub answered {error.status}")
        return None
    if isinstance(error, requests.exceptions.Timeout | requests.exceptions.ConnectionError | _FetchTransient):
        return Transient(str(error))
    return None


def _source_error(exc: GithubException, name: str, ref: str | None) -> SourceError:
    message = ""
    if isinstance(exc.data, dict):
        message = str(exc.data.get("message") or "")
    if exc.status == 404:
        return NotFoundError(f"no such repository on GitHub (or not visible with this token): {name}")
    if exc.status == 409:
        return EmptyRepositoryError(f"empty repository (no commits): {name}")
    if exc.status == 451:
        return BlockedError(f"access to {name} is blocked by GitHub (451 {message or 'Unavailable For Legal Reasons'})")
    if exc.status == 422 and ref:
        return SourceError(f"unknown ref {ref!r} in {name}")
    if exc.status == 401:
        return SourceError("GitHub rejected the credentials (401); check GITHUB_TOKEN")
    detail = f": {message}" if message and not message.lstrip().startswith("<") else ""
    return SourceError(f"GitHub answered {exc.status} for {name}{detail}")


class _FetchTransient(SourceError):
    """A fetch that failed for a passing reason (5xx, timeout, dropped connection): retried."""


class FetchedRepository(GitSource):
    """A shallow fetch of one commit, read like any local repository, removed on ``close``."""

    kind = "github"

    def __init__(self, clone_url: str, commit: str, token: str | None, timeout: float) -> None:
        self._tmp = tempfile.mkdtemp(prefix="census-github-")
        env = git_env(network=True)
        if token:
            # http.extraHeader through the environment: not on the command line, not in any config file.
            basic = base64.b64encode(f"x-access-token:{token}".encode()).decode()
            env = with_config(env, {"http.extraHeader": f"Authorization: Basic {basic}"})
        env["GIT_HTTP_LOW_SPEED_LIMIT"], env["GIT_HTTP_LOW_SPEED_TIME"] = "1000", str(int(max(timeout, 5)))
        try:
            for args in (["init", "--quiet", "--bare", self._tmp],
                         ["-C", self._tmp, "fetch", "--quiet", "--depth=1", "--no-tags", "--", clone_url, commit]):
                done = subprocess.run(["git", *args], env=env, capture_output=True, check=False)
                if done.returncode != 0:
                    text = scrub(done.stderr.decode("utf-8", "replace")).strip().splitlines()
                    reason = text[-1] if text else "git fetch failed"
                    if token:
                        reason = reason.replace(token, "***")
                    if any(s in reason for s in ("returned error: 5", "timed out", "Could not resolve",
                                                 "Connection refused", "transfer closed", "early EOF")):
                        raise _FetchTransient(f"cannot fetch {scrub(clone_url)}: {reason}")
                    raise SourceError(f"cannot fetch {scrub(clone_url)} at {commit[:12]}: {reason}")
            super().__init__(self._tmp, commit, trusted_commit=commit)
        except BaseException:
            shutil.rmtree(self._tmp, ignore_errors=True)
            raise
        self.kind = "github"

    def close(self) -> None:
        shutil.rmtree(self._tmp, ignore_errors=True)


def languages_json(languages: Mapping[str, int] | None) -> str | None:
    return json.dumps(dict(sorted(languages.items(), key=lambda kv: -kv[1]))) if languages is not None else None


def parse_since(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(f"pushed_since must be a date like 2024-01-31, not {text!r}") from None


