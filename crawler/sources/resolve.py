"""Every kind of source resolves the same way: a ``Target`` → a ``Resolution`` (kind, ref, commit,
metadata) → a ``Source`` that lists and reads the files.

Resolution is where history and names are settled: the commit of a ref or of a date (``--at``),
the local clone to use instead of GitHub (``--clones``), GitHub's metadata and the commit of a
GitHub repository (REST, in the planner). Opening is where content is reached (a shallow fetch
for GitHub and remotes) and happens in the task that reads it.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from crawler.errors import AbsentError, EmptyRepositoryError, SourceError
from crawler.rows import meta_of_row
from crawler.sources.folder import FolderSource, WorktreeSource
from crawler.sources.git import GitSource, RemoteGitSource, commit_at, run_git
from crawler.sources.interface import Source
from crawler.values import At, Previous, Resolution, ScanOptions, Target

if TYPE_CHECKING:
    from crawler.github.api import GitHubAPI


def git_layout(path: Path) -> str | None:
    """``bare`` or ``worktree`` when ``path`` is the top of a git repository, else None.

    A folder inside a repository is not the repository: it is scanned as a plain folder.
    """
    out = run_git(["rev-parse", "--is-bare-repository", "--absolute-git-dir"], cwd=path, check=False)
    if out.returncode != 0:
        if b"dubious ownership" in out.stderr:  # a repository git will not read: say so, never scan it as a folder
            raise SourceError(f"git refuses to read {path}: it belongs to another user")
        return None
    bare, git_dir = [*out.stdout.decode("utf-8", "surrogateescape").splitlines(), "", ""][:2]
    here = path.resolve()
    if bare == "true":
        return "bare" if Path(git_dir).resolve() == here else None
    top = run_git(["rev-parse", "--show-toplevel"], cwd=path, check=False)
    found = top.stdout.decode("utf-8", "surrogateescape").strip()
    return "worktree" if top.returncode == 0 and Path(found).resolve() == here else None


_SHORT_SHA = re.compile(r"^[0-9a-f]{7,39}$")


def clone_path(template: str, full_name: str) -> Path:
    """Where ``--clones TEMPLATE`` puts the clone of ``OWNER/NAME`` (``{owner}``, ``{name}``, ``{repo}``)."""
    owner, name = full_name.split("/", 1)
    return Path(template.format(owner=owner, name=name, repo=full_name)).expanduser()


def _at_commit(git_dir: str, tip: str, ref: str | None, at: At | None) -> tuple[str | None, str]:
    """(ref, commit) of ``--at`` in a local repository: the ref it names, or the last first-parent
    commit of ``tip`` at or before its date. ``AbsentError`` when there is none."""
    if at is None:
        return ref, tip
    if at.ref is not None:
        try:
            return at.ref, GitSource(git_dir, at.ref).commit or ""
        except SourceError:
            raise AbsentError(f"no {at.ref!r} in this repository") from None
    assert at.when is not None
    found = commit_at(git_dir, tip, at.when)
    if found is None:
        raise AbsentError(f"no commit on or before {at.text}")
    return ref, found


def _local(target: Target, options: ScanOptions) -> Resolution:
    spec = target.spec
    path = Path(spec.location)
    if not path.exists():
        raise SourceError(f"no such path: {path}")
    if not path.is_dir():
        raise SourceError(f"not a folder or git repository: {path}")
    layout = git_layout(path)
    if layout is None:
        if spec.ref:
            raise SourceError(f"@{spec.ref} given but {path} is not a git repository")
        if options.at is not None:
            raise SourceError(f"--at needs history: {spec.text} is a folder, not a git repository")
        return Resolution("folder", str(path))
    if options.worktree:
        if spec.ref:
            raise SourceError("--worktree scans files on disk; it cannot be combined with @REF")
        if layout == "bare":
            raise SourceError(f"--worktree needs a work tree; {path} is a bare repository")
        if options.at is not None:
            raise SourceError("--worktree scans files on disk; it cannot be combined with --at")
        tree = WorktreeSource(path)
        return Resolution("worktree", str(tree.root), "WORKTREE", tree.commit)
    source = GitSource(path, spec.ref)
    if source.commit is None:
        raise EmptyRepositoryError("empty repository (no commits)")
    ref, commit = _at_commit(source.git_dir, source.commit, source.ref, options.at)
    return Resolution("git", source.git_dir, ref, commit)


def _clone(target: Target, options: ScanOptions) -> tuple[Resolution | None, str | None]:
    """The local clone of a GitHub repository at the wanted ref (and date), when ``--clones`` has
    one; else (None, why not) and GitHub is asked instead."""
    if not options.clones:
        return None, None
    path = clone_path(options.clones, target.spec.location)
    if not path.exists():
        return None, None
    at = options.at
    try:
        source = GitSource(path, target.spec.ref)
    except SourceError as exc:
        return None, f"local clone {path} not used ({exc}): scanned from GitHub"
    if source.commit is None:
        return None, f"local clone {path} is empty: scanned from GitHub"
    ref = target.spec.ref
    if ref is None:
        branch = run_git(["symbolic-ref", "--quiet", "--short", "HEAD"], cwd=source.git_dir, check=False)
        ref = branch.stdout.decode().strip() or "HEAD"
    try:
        ref, commit = _at_commit(source.git_dir, source.commit, ref, at)
    except AbsentError as exc:
        if at is not None and at.ref is not None:  # the clone may lag behind GitHub: ask it
            return None, f"local clone {path} has no {at.ref!r}: scanned from GitHub"
        raise AbsentError(str(exc), resolution=Resolution("clone", source.git_dir, ref, None,
                                                          clone_path=str(path))) from None
    return Resolution("clone", source.git_dir, ref, commit, clone_path=str(path)), None


def _github(target: Target, options: ScanOptions, api: GitHubAPI | None, previous: Previous | None,
            note: str | None) -> Resolution:
    """GitHub's metadata of a named repository, in one conditional request (following renames).
    The commit is not asked of the REST API: the task asks git (``ls-remote``, or the history for
    ``--at DATE``), which costs no rate limit — but for a short commit id, which only the API can
    expand. GitHub's own language figures are asked only with ``cross_check``."""
    old = dict(previous.repo) if previous else {}
    try:
        etags: dict[str, str] = json.loads(old["etags"]) if old.get("etags") else {}
    except (ValueError, TypeError):
        etags = {}
    meta = target.resolved.github if target.resolved is not None else None
    found: dict[str, str | None] = {}
    if meta is None:
        assert api is not None, "a repository named, not listed, is asked of the API"
        meta, found["repo"] = api.repository(target.spec.location, etags.get("repo"))
        if meta is None:  # not modified since the previous snapshot: its metadata still holds
            meta = meta_of_row(old)
        if meta is None:
            raise SourceError(f"GitHub answered 'not modified' for {target.spec.location} but census has no "
                              "earlier answer: scan again with --fresh")
    at = options.at
    ref = (at.ref if at and at.ref else None) or target.spec.ref or meta.default_branch or "HEAD"
    partial = Resolution("github", meta.clone_url, ref, None, github=meta, note=note,
                         found_by=target.resolved.found_by if target.resolved else None)
    commit = None
    languages = None
    try:
        if _SHORT_SHA.match(ref) and not (at is not None and at.when is not None) and api is not None:
            commit, _ = api.commit(meta.full_name, ref)  # git cannot expand a short id remotely
        if options.cross_check and at is None and api is not None:  # GitHub's figures describe today
            figures, found["languages"] = api.languages(meta.full_name, etags.get("languages"))
            languages = _languages_json(figures) if figures is not None else old.get("github_languages")
    except SourceError as exc:
        exc.resolution = exc.resolution or partial
        raise
    return replace(partial, commit=commit, languages=languages,
                   etags=json.dumps({k: v for k, v in found.items() if v}, sort_keys=True) if found else None)


def _languages_json(languages: dict[str, int]) -> str:
    return json.dumps(dict(sorted(languages.items(), key=lambda kv: -kv[1])))


def resolve(target: Target, options: ScanOptions, *, api: GitHubAPI | None = None,
            previous: Previous | None = None) -> Resolution:
    """Where ``target``'s files come from, at the commit the options ask for. GitHub repositories
    need ``api`` (the planner's); without it one is made from the environment for this call."""
    if target.resolved is not None and not target.resolved.listed:
        return target.resolved
    kind = target.spec.kind
    if kind in ("github-owner", "github-search"):
        raise SourceError(f"{target.spec.text} names many repositories: the planner expands it first")
    if kind == "local":
        return _local(target, options)
    if kind == "remote":
        return Resolution("remote", target.spec.location, target.spec.ref)
    clone, note = _clone(target, options)
    if clone is not None:
        return clone
    if target.resolved is not None and not options.cross_check \
            and not _SHORT_SHA.match(options.at.ref if options.at and options.at.ref else target.spec.ref or ""):
        return _github(target, options, None, previous, note)  # listed: nothing to ask GitHub
    if api is not None:
        return _github(target, options, api, previous, note)
    from crawler.github.api import GitHubAPI

    with GitHubAPI(options.github) as own:
        return _github(target, options, own, previous, note)


def open_resolution(resolution: Resolution, options: ScanOptions) -> Source:
    """The files of a resolved repository; content is fetched here (GitHub, remotes), in the task."""
    kind = resolution.kind
    if kind == "folder":
        return FolderSource(resolution.location)
    if kind == "worktree":
        return WorktreeSource(resolution.location)
    if kind in ("git", "clone"):
        return GitSource(resolution.location, resolution.ref, trusted_commit=resolution.commit)
    if kind == "remote":
        remote = RemoteGitSource(resolution.location, resolution.ref)
        if options.at is not None:
            try:
                ref, commit = _at_commit(remote.git_dir, remote.commit or "HEAD", remote.ref, options.at)
            except BaseException:
                remote.close()
                raise
            remote.ref, remote.commit = ref or remote.ref, commit
        return remote
    if kind == "github":
        from crawler.sources.github import FetchedRepository

        return FetchedRepository(resolution.location, resolution.commit, ref=resolution.ref,
                                 timeout=options.github.timeout)
    raise SourceError(f"unknown source kind {kind!r}")
