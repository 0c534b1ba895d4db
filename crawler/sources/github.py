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
import shutil
import subprocess

from crawler.errors import SourceError
from crawler.github.api import token_from_env
from crawler.redact import scrub
from crawler.scratch import make_dir
from crawler.sources.git import GitSource, git_env, run_git, with_config

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
    """A shallow fetch of one commit, read like any local repository, removed on ``close``."""

    kind = "github"

    def __init__(self, clone_url: str, commit: str, *, timeout: float = 30.0) -> None:
        self._tmp = make_dir("github-")
        token = token_from_env()
        try:
            run_git(["init", "--quiet", "--bare", self._tmp])
            git_network(["-C", self._tmp, "fetch", "--quiet", "--depth=1", "--no-tags", "--", clone_url, commit],
                        token=token, timeout=timeout, what=f"{scrub(clone_url)} at {commit[:12]}")
            super().__init__(self._tmp, commit, trusted_commit=commit)
        except BaseException:
            shutil.rmtree(self._tmp, ignore_errors=True)
            raise
        self.kind = "github"

    def close(self) -> None:
        shutil.rmtree(self._tmp, ignore_errors=True)
