"""Shared fixtures: synthetic git repositories built with real git commands in tmp_path."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

# Commits must not depend on the machine's git configuration.
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Census Test", "GIT_AUTHOR_EMAIL": "test@census.invalid",
    "GIT_COMMITTER_NAME": "Census Test", "GIT_COMMITTER_EMAIL": "test@census.invalid",
    "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z", "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z",
    "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull,
}


@dataclass(frozen=True)
class Symlink:
    target: str


@dataclass(frozen=True)
class Submodule:
    commit: str = "0123456789abcdef0123456789abcdef01234567"


@dataclass(frozen=True)
class Executable:
    content: bytes


FileSpec = str | bytes | Symlink | Submodule | Executable


def git(repo: Path, *args: str, env: Mapping[str, str] | None = None) -> str:
    result = subprocess.run(["git", *args], cwd=repo, env={**os.environ, **GIT_ENV, **(env or {})},
                            capture_output=True, check=True)
    return result.stdout.decode("utf-8", "surrogateescape").strip()


def write_tree(root: Path, files: Mapping[str | bytes, FileSpec]) -> list[str]:
    """Write files under root; returns the gitlinks (submodules) to add with their commits."""
    gitlinks = []
    for name, spec in files.items():
        raw = name if isinstance(name, bytes) else name.encode()
        path = os.path.join(os.fsencode(root), raw)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if isinstance(spec, Symlink):
            if os.path.lexists(path):
                os.unlink(path)
            os.symlink(spec.target, path)
        elif isinstance(spec, Submodule):
            gitlinks.append(f"160000,{spec.commit},{raw.decode()}")
        else:
            data = spec.content if isinstance(spec, Executable) else spec
            with open(path, "wb") as fh:
                fh.write(data.encode() if isinstance(data, str) else data)
            if isinstance(spec, Executable):
                os.chmod(path, 0o755)
    return gitlinks


def commit(repo: Path, files: Mapping[str | bytes, FileSpec], message: str = "commit",
           *, date: str = "2026-01-01T00:00:00Z", remove: tuple[str, ...] = ()) -> str:
    for name in remove:
        git(repo, "rm", "-q", "-r", "--", name)
    gitlinks = write_tree(repo, files)
    git(repo, "add", "-A")
    for link in gitlinks:
        git(repo, "update-index", "--add", "--cacheinfo", link)
    git(repo, "commit", "-q", "--allow-empty", "-m", message,
        env={"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date})
    return git(repo, "rev-parse", "HEAD")


MakeRepo = Callable[..., Path]


@pytest.fixture
def make_repo(tmp_path: Path) -> MakeRepo:
    """``make_repo(files, name="repo", bare=False)``: a git repository with one commit of ``files``."""
    def make(files: Mapping[str | bytes, FileSpec], name: str = "repo", *, bare: bool = False) -> Path:
        work = tmp_path / (name + "-work" if bare else name)
        work.mkdir(parents=True)
        git(work, "init", "-q", "-b", "main")
        commit(work, files)
        if not bare:
            return work
        target = tmp_path / f"{name}.git"
        git(tmp_path, "clone", "-q", "--bare", str(work), str(target))
        return target
    return make


@pytest.fixture(autouse=True)
def no_traceback(capsys: pytest.CaptureFixture[str]) -> Iterator[None]:
    """Test-wide guard: nothing census prints — read by the test or left unread — holds a traceback."""
    seen: list[str] = []
    original = capsys.readouterr

    def reading() -> Any:
        captured = original()
        seen.append(captured.out + captured.err)
        return captured

    capsys.readouterr = reading  # type: ignore[method-assign]
    yield
    rest = original()
    text = "".join(seen) + rest.out + rest.err
    assert "Traceback (most recent call last)" not in text, text[-2000:]
    print(rest.out, end="")
    print(rest.err, end="", file=sys.stderr)
