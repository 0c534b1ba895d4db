"""A GitHub repository's content, read through git: a shallow fetch of one commit.

The planner (in the driver) learnt the repository's clone URL and commit from the REST API; the
task fetches that commit into a temporary bare repository and reads it with the very reader a
local scan uses (``GitSource``): the rows are identical to a scan of a clone at that commit by
construction (the same blob ids, symlinks, submodules, ``.gitattributes``), no tree is ever
truncated, ``export-ignore`` cannot hide files, Git LFS pointers stay pointers, and git traffic
does not count against the REST rate limit.

The token is read here, where the task runs (``GITHUB_TOKEN``/``GH_TOKEN``), and reaches git
through the environment (``GIT_CONFIG_*``), never a command line, URL or config file.
"""

from __future__ import annotations

import base64
import re
import shutil
import subprocess
from collections.abc import Callable
from datetime import datetime

from crawler.errors import EmptyRepositoryError, SourceError
from crawler.github import token_from_env
from crawler.redact import scrub
from crawler.scratch import make_dir
from crawler.sources.git import GitSource, commit_at, git_env, run_git, with_config

_TRANSIENT = ("returned error: 5", "timed out", "Could not resolve", "Connection refused", "transfer closed",
              "early EOF", "Connection reset")
FETCH_ATTEMPTS = 3


def authenticated_env(token: str | None, *, timeout: float = 30.0) -> dict[str, str]:
    """git's environment for a network command, with ``token`` as an HTTP header when given."""
    env = git_env(network=True)
    if token:
        # http.extraHeader through the environment: not on the command line, not in any config file.
        basic = base64.b64encode(f"x-access-token:{token}".encode()).decode()
        env = with_config(env, {"http.extraHeader": f"Authorization: Basic {basic}"})
    env["GIT_HTTP_LOW_SPEED_LIMIT"], env["GIT_HTTP_LOW_SPEED_TIME"] = "1000", str(int(max(timeout, 5)))
    return env


def git_network(args: list[str], *, token: str | None, timeout: float, what: str) -> subprocess.CompletedProcess[bytes]:
    """One networked git command, retried a few times when it fails for a passing reason."""
    env = authenticated_env(token, timeout=timeout)
    for attempt in range(1, FETCH_ATTEMPTS + 1):
        done = subprocess.run(["git", *args], env=env, capture_output=True, check=False, process_group=0)
        if done.returncode == 0:
            return done
        text = scrub(done.stderr.decode("utf-8", "replace")).strip().splitlines()
        reason = text[-1] if text else "git failed"
        if token:
            reason = reason.replace(token, "***")
        if attempt == FETCH_ATTEMPTS or not any(s in reason for s in _TRANSIENT):
            raise SourceError(f"cannot fetch {what}: {reason}")
    raise AssertionError("unreachable")


class FetchedRepository(GitSource):
    """A shallow fetch of one commit — given, or the one a branch or tag names, learnt from the fetch
    itself (one round trip fewer than asking ``ls-remote`` first) — read like any local repository,
    removed on ``close``."""

    kind = "github"

    def __init__(self, clone_url: str, commit: str | None, *, ref: str | None = None, timeout: float = 30.0) -> None:
        self._tmp = make_dir("github-")
        token = token_from_env()
        try:
            run_git(["init", "--quiet", "--bare", self._tmp])
            if commit is None:
                commit = self._fetch_ref(clone_url, ref or "HEAD", token, timeout)
            else:
                git_network(["-C", self._tmp, "fetch", "--quiet", "--depth=1", "--no-tags", "--", clone_url, commit],
                            token=token, timeout=timeout, what=f"{scrub(clone_url)} at {commit[:12]}")
            super().__init__(self._tmp, ref, trusted_commit=commit)
        except BaseException:
            shutil.rmtree(self._tmp, ignore_errors=True)
            raise
        self.kind = "github"

    def _fetch_ref(self, clone_url: str, ref: str, token: str | None, timeout: float) -> str:
        names = ["HEAD"] if ref == "HEAD" else [f"refs/heads/{ref}", f"refs/tags/{ref}"]
        for name in names:
            try:
                git_network(["-C", self._tmp, "fetch", "--quiet", "--depth=1", "--no-tags", "--", clone_url, name],
                            token=token, timeout=timeout, what=scrub(clone_url))
            except SourceError as exc:
                if "couldn't find remote ref" in str(exc) and name != names[-1]:
                    continue  # not a branch: a tag?
                if "couldn't find remote ref" in str(exc):
                    remote_commit(clone_url, ref, timeout=timeout)  # says whether the repository is empty
                raise
            resolved = run_git(["rev-parse", "--verify", "FETCH_HEAD^{commit}"], cwd=self._tmp)
            return resolved.stdout.decode().strip()
        raise SourceError(f"unknown ref {ref!r} in {scrub(clone_url)}")

    def close(self) -> None:
        shutil.rmtree(self._tmp, ignore_errors=True)


_FULL_SHA = re.compile(r"^[0-9a-f]{40}$|^[0-9a-f]{64}$")


def remote_commit(clone_url: str, ref: str, *, timeout: float = 30.0) -> str:
    """The commit ``ref`` (a branch, a tag, ``HEAD``, or a full commit id) names on the remote, by
    ``git ls-remote`` with the exact ref names (protocol v2 asks the server for those only): no
    REST request, nothing downloaded. ``EmptyRepositoryError`` for a repository without commits."""
    if _FULL_SHA.match(ref):
        return ref
    patterns = ["HEAD"] if ref == "HEAD" else [f"refs/heads/{ref}", f"refs/tags/{ref}", f"refs/tags/{ref}^{{}}"]
    done = git_network(["ls-remote", "--", clone_url, *patterns], token=token_from_env(), timeout=timeout,
                       what=scrub(clone_url))
    found: dict[str, str] = {}
    for line in done.stdout.decode("utf-8", "replace").splitlines():
        sha, _, name = line.partition("\t")
        if _FULL_SHA.match(sha):
            found[name] = sha
    for name in patterns[:1] + patterns[2:] + patterns[1:2]:  # a branch, then a tag's commit, then the tag
        if name in found:
            return found[name]
    # Nothing of that name: an empty repository has no refs at all (GitHub still names a default branch).
    heads = git_network(["ls-remote", "--heads", "--", clone_url], token=token_from_env(), timeout=timeout,
                        what=scrub(clone_url))
    if not heads.stdout.strip():
        raise EmptyRepositoryError(f"empty repository (no commits): {scrub(clone_url)}")
    raise SourceError(f"unknown ref {ref!r} in {scrub(clone_url)}")


class GitHubHistory:
    """One repository's history, fetched once for any number of dates (``--at``, backfills).

    A partial clone without trees or blobs (``--filter=tree:0``: commit objects only, a few hundred
    bytes per commit) chooses each date's commit locally by the first-parent rule of local clones
    (``git rev-list -1 --first-parent --before``). For a chosen commit, its trees are fetched (by
    the root tree's id, without blobs), then only the blobs that date needs — those whose (path,
    blob) rows are not already known from an earlier date — in batches of ids, never one lazy round
    trip per blob. A blob already here is not fetched again. The clone lives in this process's
    scratch folder and is removed on ``close``.
    """

    BATCH = 2000

    def __init__(self, clone_url: str, ref: str, *, timeout: float = 30.0) -> None:
        self.clone_url, self.ref, self.timeout = clone_url, ref, timeout
        self.git_dir = make_dir("history-")
        self.token = token_from_env()
        try:
            run_git(["init", "--quiet", "--bare", self.git_dir])
            for key, value in (("remote.origin.url", clone_url), ("remote.origin.promisor", "true"),
                               ("remote.origin.partialclonefilter", "tree:0"), ("extensions.partialclone", "origin")):
                run_git(["config", key, value], cwd=self.git_dir)
            if _FULL_SHA.match(ref):
                spec = ref
            else:
                commit = remote_commit(clone_url, ref, timeout=timeout)
                spec = commit
            self._fetch(["--filter=tree:0", spec])
            self.tip = spec
        except BaseException:
            shutil.rmtree(self.git_dir, ignore_errors=True)
            raise

    def _fetch(self, args: list[str]) -> None:
        git_network(["-C", self.git_dir, "fetch", "--quiet", "--no-tags", "--no-write-fetch-head",
                     "--recurse-submodules=no", "origin", *args], token=self.token, timeout=self.timeout,
                    what=scrub(self.clone_url))

    def commit_at(self, when: datetime) -> str | None:
        """The last first-parent commit of the ref at or before ``when`` (read locally)."""
        return commit_at(self.git_dir, self.tip, when)

    def _present(self, oids: list[str]) -> set[str]:
        if not oids:
            return set()
        checked = run_git(["cat-file", "--batch-check=%(objectname) %(objecttype)"], cwd=self.git_dir,
                          check=False, input="\n".join(oids).encode() + b"\n")
        return {line.split()[0] for line in checked.stdout.decode().splitlines()
                if len(line.split()) == 2 and line.split()[1] != "missing"}

    def prepare(self, commit: str, needed: Callable[[list[tuple[str, str]]], list[str]]) -> GitSource:
        """``commit`` ready to read: its trees, and the blobs ``needed(entries)`` names among its
        (path, blob id) entries. Returns the source (objects left out are read from earlier rows)."""
        body = run_git(["cat-file", "commit", commit], cwd=self.git_dir).stdout.decode("utf-8", "replace")
        tree = body.split("\n", 1)[0].split()[-1]
        if not self._present([tree]):
            self._fetch(["--filter=blob:none", tree])
        listed = run_git(["ls-tree", "-r", "-z", "--full-tree", commit], cwd=self.git_dir).stdout
        entries = []
        for record in listed.split(b"\0"):
            meta, _, path = record.partition(b"\t")
            fields = meta.split()
            if len(fields) == 3 and fields[1] == b"blob" and fields[0] != b"120000":  # not symlinks: never read
                entries.append((path.decode("utf-8", "backslashreplace"), fields[2].decode()))
        wanted = sorted(set(needed(entries)))
        missing = [oid for oid in wanted if oid not in self._present(wanted)]
        for start in range(0, len(missing), self.BATCH):
            self._fetch(missing[start:start + self.BATCH])
        return GitSource(self.git_dir, self.ref, trusted_commit=commit)

    def close(self) -> None:
        shutil.rmtree(self.git_dir, ignore_errors=True)

    def __enter__(self) -> GitHubHistory:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
