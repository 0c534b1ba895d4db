"""Planning, in the driver: from the targets a project list names to the tasks the executor runs.

Everything that talks to GitHub's REST API or decides what to scan happens here, in one process,
so that the rate limit has one gate and the token stays in the driver:

* owners (``github:OWNER``) are expanded into their repositories (the expansion is saved with the
  checkpoint, so a resume needs no listing);
* GitHub repositories are resolved (metadata, commit, GitHub's own languages), a few at a time,
  in the targets' order;
* a repository named twice (the same path, or the same GitHub id under an old and a new name) is
  scanned once; the other mention says so (``skipped``);
* a repository whose commit has not moved since the previous snapshot reuses its rows
  (``unchanged``) without a task; one already finished in an interrupted run is taken from the
  checkpoint.

What is left becomes a ``Task`` for the per-repository step; the rest is ``Done`` already.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING, Any

from crawler.checkpoint import Checkpoint, target_key
from crawler.errors import SourceError
from crawler.rows import repo_row, result_of
from crawler.sources.resolve import resolve
from crawler.step import reusable, reused_files
from crawler.values import (
    GitHubMeta,
    OwnerFilters,
    Previous,
    RepoResult,
    RepoSpec,
    Resolution,
    ScanOptions,
    Status,
    Target,
    Task,
)

if TYPE_CHECKING:
    from crawler.github.api import GitHubAPI


PreviousLookup = Callable[[Target], "Previous | None"]


@dataclass(frozen=True)
class Done:
    """A repository settled while planning: its result, and whether the checkpoint has it already."""

    index: int
    key: str
    target: Target
    result: RepoResult
    saved: bool = False


Planned = Task | Done


def key_of(target: Target) -> str:
    return target_key(target.project, target.spec.text, target.name)


def meta_to_json(meta: GitHubMeta) -> dict[str, Any]:
    return {**asdict(meta), "topics": list(meta.topics)}


def meta_from_saved(data: Any) -> GitHubMeta | None:
    """A listing's metadata as the checkpoint saved it (None when it is not of that shape)."""
    try:
        return GitHubMeta(**{**data, "topics": tuple(data.get("topics") or ())})
    except (TypeError, AttributeError):
        return None


def _listed(target: Target, meta: GitHubMeta) -> Target:
    """A repository found by listing an owner or by a search: its metadata is already known, so the
    planner sends no request for it."""
    spec = RepoSpec(f"github:{meta.full_name}", "github", meta.full_name, None, meta.full_name)
    found = Resolution("github", meta.clone_url, meta.default_branch, None, github=meta, found_by=target.spec.text,
                       listed=True)
    return Target(target.project, spec, meta.full_name, target.components, resolved=found)


def expand(targets: Sequence[Target], api: GitHubAPI | None, known: Mapping[str, Any] | None = None,
           warn: Callable[[str], None] | None = None) -> tuple[list[Target], list[RepoResult], dict[str, Any]]:
    """Each ``github:OWNER`` and ``github-search:QUERY`` target replaced by the repositories it
    lists (filtered, sorted by name), with their metadata; the listing of one already in ``known``
    (by target key) is not asked again. One that cannot be listed becomes one result row saying
    why. Returns the targets, those rows, and the listings (target key → metadata, JSON-able)."""
    out: list[Target] = []
    failures: list[RepoResult] = []
    listings: dict[str, Any] = {}
    for target in targets:
        if target.spec.kind not in ("github-owner", "github-search"):
            out.append(target)
            continue
        saved = (known or {}).get(key_of(target))
        metas = [m for m in map(meta_from_saved, saved) if m is not None] if isinstance(saved, list) else None
        if metas is None:
            assert api is not None, "owners and searches are listed through the GitHub API"
            filters = target.filters or OwnerFilters()
            try:
                if target.spec.kind == "github-owner":
                    metas = api.owner_repos(target.spec.location, filters)
                else:
                    from crawler.github.search import search_repositories

                    metas = [hit.meta for hit in search_repositories(api, target.spec.location, filters, warn=warn)]
            except SourceError as exc:
                failures.append(result_of(target, None, exc.status, str(exc)))
                continue
        listings[key_of(target)] = [meta_to_json(m) for m in metas]
        if not metas and warn is not None:
            warn(f"{target.spec.text} lists no repository (after its filters)")
        out.extend(_listed(target, meta) for meta in metas)
    return out, failures, listings


class Planner:
    """Turns targets into tasks, as described above. ``jobs`` bounds the REST requests in flight."""

    def __init__(self, options: ScanOptions, *, api: GitHubAPI | None, lookup: PreviousLookup | None,
                 checkpoint: Checkpoint | None, load_files: bool = True) -> None:
        self.options = options
        self.api = api
        self.lookup = lookup
        self.checkpoint = checkpoint
        self.load_files = load_files
        self.failures: list[RepoResult] = []
        self.targets: list[Target] = []
        self.warnings: list[str] = []

    def warn(self, message: str) -> None:
        self.warnings.append(message)

    def expand(self, targets: Sequence[Target]) -> int:
        """Expand owners (or take the listings saved with the checkpoint); the number of items to plan.
        Exact repetitions (the same project, spec and name) are one item."""
        saved = self.checkpoint.load_plan() if self.checkpoint else None
        known = saved.get("listings") if isinstance(saved, dict) and isinstance(saved.get("listings"), dict) else {}
        expanded, self.failures, listings = expand(targets, self.api, known, self.warn)
        if self.checkpoint and listings != known:
            self.checkpoint.save_plan({"listings": listings})
        seen: set[str] = set()
        self.targets = []
        for target in expanded:
            if key_of(target) not in seen:
                seen.add(key_of(target))
                self.targets.append(target)
        return len(self.failures) + len(self.targets)

    def _resolve(self, target: Target, previous: Previous | None) -> Resolution | SourceError:
        try:
            return resolve(target, self.options, api=self.api, previous=previous)
        except SourceError as exc:
            return exc

    def plan(self) -> Iterator[Planned]:
        """Tasks and settled results, in the targets' order (after ``expand``)."""
        for i, failure in enumerate(self.failures):  # owners that could not be listed: asked again next run
            yield Done(i, f"owner-{i}", Target(failure.repo["project"], RepoSpec(failure.repo["source"],
                                               "github-owner", failure.repo["repo"], None, failure.repo["repo"]),
                                               failure.repo["repo"]), failure, saved=True)
        offset = len(self.failures)
        window = max(4, 4 * self.options.jobs)
        github = any(t.spec.kind == "github" for t in self.targets)
        pool = ThreadPoolExecutor(max_workers=min(8, max(1, self.options.jobs)),
                                  thread_name_prefix="census-plan") if github else None
        ahead: deque[tuple[int, Target, Previous | None, Any]] = deque()
        seen_paths: dict[tuple[str, str, str | None], str] = {}
        seen_ids: dict[tuple[str, int], str] = {}
        pending = iter(enumerate(self.targets, start=offset))
        try:
            while True:
                while len(ahead) < window:
                    item = next(pending, None)
                    if item is None:
                        break
                    index, target = item
                    stored = self.checkpoint.load(key_of(target), files=self.load_files) if self.checkpoint else None
                    previous = self.lookup(target) if self.lookup and stored is None else None
                    work: Any = stored
                    if stored is None and pool is not None and target.spec.kind == "github":  # named or listed
                        work = pool.submit(self._resolve, target, previous)
                    ahead.append((index, target, previous, work))
                if not ahead:
                    return
                index, target, previous, work = ahead.popleft()
                key = key_of(target)
                if isinstance(work, tuple):  # finished in an interrupted run
                    result = RepoResult(*work)
                    self._remember(result, seen_ids)
                    yield Done(index, key, target, result, saved=True)
                    continue
                ident = (target.project, target.spec.location, target.spec.ref)
                if target.spec.kind in ("local", "remote"):
                    if ident in seen_paths:
                        yield Done(index, key, target, result_of(target, None, Status.SKIPPED,
                                                                 f"same repository as {seen_paths[ident]}"))
                        continue
                    seen_paths[ident] = target.name
                if isinstance(work, Future):
                    yield from self._github(index, key, target, previous, work.result(), seen_ids)
                    continue
                yield Task(index, key, target, self.options, previous)
        finally:
            if pool is not None:
                pool.shutdown(wait=False, cancel_futures=True)

    @staticmethod
    def _remember(result: RepoResult, seen_ids: dict[tuple[str, int], str]) -> None:
        github_id = result.repo.get("github_id")
        if github_id is not None and result.repo.get("status") != Status.SKIPPED:
            seen_ids.setdefault((result.repo["project"], int(github_id)), result.repo["repo"])

    def _github(self, index: int, key: str, target: Target, previous: Previous | None,
                resolved: Resolution | SourceError, seen_ids: dict[tuple[str, int], str]) -> Iterator[Planned]:
        if isinstance(resolved, SourceError):
            yield Done(index, key, target, result_of(target, resolved.resolution, resolved.status, str(resolved)))
            return
        meta = resolved.github
        if meta is not None:
            first = seen_ids.get((target.project, meta.id))
            if first is not None:
                yield Done(index, key, target, result_of(target, resolved, Status.SKIPPED,
                                                         f"same repository as {first}"))
                return
            seen_ids[(target.project, meta.id)] = target.name
        components = repo_row(target, None)["components"]
        if previous is not None and self.options.reuse:
            same = resolved if resolved.commit is not None else self._untouched(target, resolved, previous)
            if same is not None and reusable(previous, same, components):
                files = reused_files(previous, target)
                row = repo_row(target, same, status=Status.UNCHANGED, files=files)
                yield Done(index, key, target, RepoResult(row, files))
                return
        yield Task(index, key, replace(target, resolved=resolved), self.options, previous)

    def _untouched(self, target: Target, resolved: Resolution, previous: Previous) -> Resolution | None:
        """``resolved`` at the previous snapshot's commit, when GitHub says nothing was pushed since
        (the same ``pushed_at`` and default branch, the default branch scanned, no ``--at``): no
        request and no git traffic at all. None when that cannot be known without asking git."""
        old, meta = previous.repo, resolved.github
        if meta is None or self.options.at is not None or target.spec.ref is not None or not meta.pushed_at:
            return None
        if (old.get("pushed_at"), old.get("default_branch"), old.get("ref")) != \
                (meta.pushed_at, meta.default_branch, resolved.ref) or not old.get("commit"):
            return None
        return replace(resolved, commit=old["commit"])
