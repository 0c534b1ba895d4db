"""Plain values that flow through census: what to scan, how, and what came out.

At the bottom of the import graph: this module imports nothing of census but the table schemas,
so every other module may use these values without import cycles. Every value pickles and none
holds a credential: a ``Target`` with its ``ScanOptions`` is a task any engine can run (the
token is read where the task runs, from the environment).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

import polars as pl

from crawler.schema import FILES_SCHEMA
from crawler.status import COUNTED, FAILURES, Status

__all__ = ["COUNTED", "FAILURES", "Status"]  # re-exported: values are where callers look for them


SpecKind = Literal["github", "github-owner", "github-search", "local", "remote"]
SourceKind = Literal["git", "worktree", "folder", "clone", "github", "remote"]
#: ``"auto"``, ``"top-level"``, ``"none"``, or a table of component name → path prefix.
ComponentSetting = str | Mapping[str, str]
COMPONENT_MODES = ("auto", "top-level", "none")


@dataclass(frozen=True)
class RepoSpec:
    """A parsed repository spec.

    ``text`` is the spec as the user wrote it (credentials scrubbed); ``location`` is an absolute
    path (local), a URL (remote), ``OWNER/NAME`` (GitHub), an owner or a search query; ``name`` is
    how census names the repository in its output.
    """

    text: str
    kind: SpecKind
    location: str
    ref: str | None
    name: str

    def with_ref(self, ref: str | None) -> RepoSpec:
        return RepoSpec(self.text, self.kind, self.location, ref, self.name)


@dataclass(frozen=True)
class At:
    """Where in history to scan (``--at``): ``when`` (a moment, UTC) or ``ref``."""

    text: str
    when: datetime | None = None
    ref: str | None = None

    @property
    def day(self) -> str | None:
        return self.when.date().isoformat() if self.when else None


@dataclass(frozen=True)
class GitHubMeta:
    """A repository as GitHub describes it (from its own page, a listing or a search)."""

    full_name: str
    id: int
    default_branch: str
    stars: int
    archived: bool
    fork: bool
    pushed_at: str | None
    clone_url: str
    created_at: str | None = None
    topics: tuple[str, ...] = ()
    language: str | None = None      # GitHub's primary language
    private: bool = False


@dataclass(frozen=True)
class OwnerFilters:
    """Which repositories of an owner listing or a search to scan."""

    forks: bool = False
    archived: bool = False
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    min_stars: int = 0
    pushed_since: date | None = None

    def accepts(self, meta: GitHubMeta) -> bool:
        name = meta.full_name.split("/", 1)[-1].lower()
        if (meta.fork and not self.forks) or (meta.archived and not self.archived) or meta.private:
            return False
        if self.include and not any(fnmatch.fnmatchcase(name, p.lower()) for p in self.include):
            return False
        if any(fnmatch.fnmatchcase(name, p.lower()) for p in self.exclude):
            return False
        if meta.stars < self.min_stars:
            return False
        if self.pushed_since and meta.pushed_at:
            try:
                pushed = datetime.fromisoformat(meta.pushed_at.replace("Z", "+00:00")).date()
            except ValueError:
                return True
            if pushed < self.pushed_since:
                return False
        return True


@dataclass(frozen=True)
class GitHubOptions:
    """Where GitHub is and how patient to be. No token: it is read where it is used."""

    api_url: str = "https://api.github.com"
    max_wait: float = 900.0
    timeout: float = 30.0


@dataclass(frozen=True)
class Resolution:
    """Where one repository's files come from, resolved: the typed result every source gives.

    ``kind`` is ``git`` (a local repository), ``worktree``, ``folder``, ``clone`` (a local clone of
    a GitHub repository), ``github`` or ``remote`` (any git URL). ``location`` is the path or the
    clone URL; ``commit`` is None where there is no history (folders) or where the task asks git
    for it. ``github``, ``languages`` (GitHub's own ``/languages`` as JSON), ``etags`` (JSON) and
    ``found_by`` come from GitHub's API, read by the planner.
    """

    kind: SourceKind
    location: str
    ref: str | None = None
    commit: str | None = None
    github: GitHubMeta | None = None
    languages: str | None = None
    etags: str | None = None
    note: str | None = None
    clone_path: str | None = None
    found_by: str | None = None
    listed: bool = False    # only what a listing or search said: local clones, refs, cross-checks still to settle


@dataclass(frozen=True)
class Target:
    """One repository to scan, as a project list names it; ``resolved`` once the planner has
    found where its files come from (a task given an unresolved target resolves it itself)."""

    project: str
    spec: RepoSpec
    name: str
    components: ComponentSetting = "auto"
    filters: OwnerFilters | None = None
    resolved: Resolution | None = None


@dataclass(frozen=True)
class ScanOptions:
    """How to scan: ``worktree`` reads files on disk instead of the committed tree; ``reuse``
    takes the rows of a repository whose commit has not moved from the previous snapshot;
    ``clones`` is a template for local clones of GitHub repositories (``~/src/{owner}/{name}``);
    ``at`` a point in history; ``jobs`` how many repositories at once; ``cross_check`` asks GitHub
    for its own language figures too."""

    worktree: bool = False
    jobs: int = 4
    github: GitHubOptions = field(default_factory=GitHubOptions)
    reuse: bool = True
    lines: bool = True
    clones: str | None = None
    at: At | None = None
    cross_check: bool = False    # GitHub's own /languages beside census's figures (one request each)


@dataclass(frozen=True)
class RepoResult:
    """The census of one repository: its ``repos.parquet`` row and its ``files.parquet`` rows."""

    repo: dict[str, Any]
    files: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=FILES_SCHEMA))

    @property
    def status(self) -> Status:
        return Status(self.repo["status"])


@dataclass(frozen=True)
class Previous:
    """A repository's row and files in an earlier snapshot, offered for reuse."""

    repo: Mapping[str, Any]
    files: pl.DataFrame


@dataclass(frozen=True)
class Task:
    """One repository's census as a unit of work: what ``crawler.step.run_task`` receives.
    ``index`` is the repository's place in the plan; ``key`` names its checkpoint."""

    index: int
    key: str
    target: Target
    options: ScanOptions
    previous: Previous | None = None


@dataclass(frozen=True)
class HistoryTask:
    """One repository at several dates (a backfill), so that its history is fetched once:
    what ``crawler.step.run_history_task`` receives. ``previous``: its rows at the date before."""

    index: int
    key: str
    target: Target
    options: ScanOptions
    ats: tuple[At, ...]
    previous: Previous | None = None
