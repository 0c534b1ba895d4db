"""Where files come from. Every source gives entries and their content the same way
(``interface.Source``); ``open_source`` picks one for a repository spec."""

from __future__ import annotations

from pathlib import Path

from crawler.errors import SourceError
from crawler.sources.folder import FolderSource, WorktreeSource
from crawler.sources.git import GitSource, RemoteGitSource, run_git
from crawler.sources.interface import Content, Entry, Source
from crawler.specs import RepoSpec

__all__ = ["Content", "Entry", "FolderSource", "GitSource", "RemoteGitSource", "Source",
           "WorktreeSource", "open_source"]


def _git_root(path: Path) -> str | None:
    """``bare`` or ``worktree`` when ``path`` is the top of a git repository, else None.

    A folder inside a repository is not the repository: it is scanned as a plain folder.
    """
    out = run_git(["rev-parse", "--is-bare-repository", "--absolute-git-dir"], cwd=path, check=False)
    if out.returncode != 0:
        if b"dubious ownership" in out.stderr:  # a repository git will not read: say so, never scan it as a folder
            raise SourceError(f"git refuses to read {path}: it belongs to another user "
                              f"(git config --global --add safe.directory {path})")
        return None
    bare, git_dir = out.stdout.decode("utf-8", "surrogateescape").splitlines()[:2]
    here = path.resolve()
    if bare == "true":
        return "bare" if Path(git_dir).resolve() == here else None
    top = run_git(["rev-parse", "--show-toplevel"], cwd=path, check=False)
    found = top.stdout.decode("utf-8", "surrogateescape").strip()
    return "worktree" if top.returncode == 0 and Path(found).resolve() == here else None


def open_source(spec: RepoSpec, *, worktree: bool = False) -> Source:
    """The source for ``spec``: a commit of a git repository, its work tree, or a plain folder."""
    if spec.kind == "local":
        path = Path(spec.location)
        if not path.exists():
            raise SourceError(f"no such path: {path}")
        if not path.is_dir():
            raise SourceError(f"not a folder or git repository: {path}")
        layout = _git_root(path)
        if layout is not None:
            if not worktree:
                return GitSource(path, spec.ref)
            if spec.ref:
                raise SourceError("--worktree scans files on disk; it cannot be combined with @REF")
            if layout == "bare":
                raise SourceError(f"--worktree needs a work tree; {path} is a bare repository")
            return WorktreeSource(path)
        if spec.ref:
            raise SourceError(f"@{spec.ref} given but {path} is not a git repository")
        return FolderSource(path)
    if spec.kind == "remote":
        return RemoteGitSource(spec.location, spec.ref)
    raise SourceError(f"{spec.kind} sources are not supported yet (GitHub scanning is a later issue): {spec.text}")
