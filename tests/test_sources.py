"""Sources: a commit of a git repository (bare or not, any ref), a work tree, a plain folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from crawler.errors import SourceError
from crawler.sources import FolderSource, GitSource, Source, WorktreeSource, open_resolution, resolve
from crawler.sources import git as gitsource
from crawler.specs import parse_spec
from crawler.values import ScanOptions, Target
from tests.conftest import MakeRepo, Submodule, Symlink, commit, git


def listing(source: GitSource | FolderSource) -> dict[str, tuple[str, int | None]]:
    return {e.path: (e.kind, e.size) for e in source.entries()}


def test_git_source_reads_the_commit_not_the_work_tree(make_repo: MakeRepo) -> None:
    repo = make_repo({"a.py": "print(1)\n", "lib/b.rs": "fn main() {}\n"})
    (repo / "a.py").write_text("changed on disk but not committed\n")
    (repo / "untracked.c").write_text("int x;\n")
    source = GitSource(repo)
    assert listing(source) == {"a.py": ("file", 9), "lib/b.rs": ("file", 13)}
    contents = {c.entry.path: c.prefix for c in source.read(source.entries(), 1024)}
    assert contents["a.py"] == b"print(1)\n"
    assert source.commit == git(repo, "rev-parse", "HEAD")


def test_bare_repository_and_refs(make_repo: MakeRepo, tmp_path: Path) -> None:
    work = make_repo({"a.py": "x = 1\n"}, name="proj")
    first = git(work, "rev-parse", "HEAD")
    git(work, "tag", "v1")
    commit(work, {"b.py": "y = 2\n"})
    bare = tmp_path / "proj.git"
    git(tmp_path, "clone", "-q", "--bare", str(work), str(bare))
    assert set(listing(GitSource(bare))) == {"a.py", "b.py"}
    assert set(listing(GitSource(bare, "v1"))) == {"a.py"}
    assert GitSource(bare, "v1").commit == first
    assert set(listing(GitSource(bare, first[:10]))) == {"a.py"}
    with pytest.raises(SourceError, match="unknown ref 'nope'"):
        GitSource(bare, "nope")


def test_not_a_repository_and_missing_path(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="no such path"):
        GitSource(tmp_path / "missing")
    with pytest.raises(SourceError, match="not a git repository"):
        GitSource(tmp_path)


def test_empty_repository(tmp_path: Path) -> None:
    repo = tmp_path / "empty"
    repo.mkdir()
    git(repo, "init", "-q")
    source = GitSource(repo)
    assert source.empty and list(source.entries()) == []


def test_hazards_are_listed_not_followed(make_repo: MakeRepo) -> None:
    repo = make_repo({
        "a.c": "int a;\n", "link-out": Symlink("/etc/passwd"), "link-random": Symlink("/dev/random"),
        "link-in": Symlink("a.c"), "sub": Submodule(), b"caf\xe9.c": b"int c;\n", "new\nline.c": "int n;\n",
    })
    entries = {e.path: e for e in GitSource(repo).entries()}
    assert entries["link-out"].kind == "symlink" and entries["link-random"].kind == "symlink"
    assert entries["sub"].kind == "submodule" and entries["sub"].size is None
    assert entries["caf\\xe9.c"].raw_path == b"caf\xe9.c" and not entries["caf\\xe9.c"].utf8_path
    assert entries["new\nline.c"].size == 7
    source = GitSource(repo)
    read = {c.entry.path: c.prefix for c in source.read(source.entries(), 100)}
    assert set(read) == {"a.c", "caf\\xe9.c", "new\nline.c"}  # symlinks and submodules are never read


def test_large_blob_read_is_capped(make_repo: MakeRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = make_repo({"big.txt": b"x" * 300_000, "small.txt": b"y" * 10})
    monkeypatch.setattr(gitsource, "STREAM_LIMIT", 100_000)  # so the test's blob takes the large-blob path
    source = GitSource(repo)
    read = {c.entry.path: c.prefix for c in source.read(source.entries(), 1000)}
    assert read["big.txt"] == b"x" * 1000 and read["small.txt"] == b"y" * 10


def test_prefix_limit_on_batch_reads(make_repo: MakeRepo) -> None:
    repo = make_repo({f"f{i}.txt": bytes([65 + i]) * (5000 + i) for i in range(5)})
    source = GitSource(repo)
    read = {c.entry.path: c.prefix for c in source.read(source.entries(), 4096)}
    assert all(len(v or b"") == 4096 for v in read.values())
    assert read["f3.txt"] == b"D" * 4096


def test_missing_object_is_recorded_and_the_rest_still_reads(make_repo: MakeRepo) -> None:
    repo = make_repo({"a.py": "a = 1\n", "b.py": "b = 2\n"})
    oid = git(repo, "rev-parse", "HEAD:b.py")
    os.remove(repo / ".git" / "objects" / oid[:2] / oid[2:])
    source = GitSource(repo)
    entries = {e.path: e for e in source.entries()}
    assert entries["b.py"].size is None and entries["b.py"].note == "missing object"
    read = {c.entry.path: (c.prefix, c.error) for c in source.read(entries.values(), 100)}
    assert read["a.py"] == (b"a = 1\n", None)
    assert read["b.py"] == (None, "missing object")


def test_missing_tree_object_loses_only_that_tree(make_repo: MakeRepo) -> None:
    repo = make_repo({"a.py": "a = 1\n", "sub/b.py": "b = 2\n"})
    oid = git(repo, "rev-parse", "HEAD:sub")
    os.remove(repo / ".git" / "objects" / oid[:2] / oid[2:])
    entries = {e.path: e for e in GitSource(repo).entries()}
    assert entries["a.py"].size == 6
    assert entries["sub"].note is not None and "missing tree" in entries["sub"].note


def test_worktree_source_sees_uncommitted_and_untracked_not_ignored(make_repo: MakeRepo) -> None:
    repo = make_repo({"a.py": "x = 1\n", ".gitignore": "build/\n", "gone.py": "1\n", "sub": Submodule()})
    (repo / "a.py").write_text("x = 1000\n")
    (repo / "new.py").write_text("y = 2\n")
    (repo / "build").mkdir()
    (repo / "build" / "out.py").write_text("z = 3\n")
    (repo / "gone.py").unlink()
    source = WorktreeSource(repo)
    assert listing(source) == {".gitignore": ("file", 7), "a.py": ("file", 9), "new.py": ("file", 6),
                               "sub": ("submodule", None)}
    assert source.commit == git(repo, "rev-parse", "HEAD")


def test_folder_source(tmp_path: Path) -> None:
    root = tmp_path / "folder"
    (root / "src").mkdir(parents=True)
    (root / "src" / "a.py").write_text("a = 1\n")
    (root / ".git").mkdir()
    (root / ".git" / "config").write_text("not scanned")
    (root / "out").symlink_to("/etc")
    (root / "f").symlink_to("/etc/hostname")
    os.mkfifo(root / "pipe")
    source = FolderSource(root)
    assert listing(source) == {"src/a.py": ("file", 6), "out": ("symlink", None), "f": ("symlink", None)}
    assert [c.prefix for c in source.read(source.entries(), 100)] == [b"a = 1\n"]


def open_source(text: str, *, worktree: bool = False) -> Source:
    options = ScanOptions(worktree=worktree)
    return open_resolution(resolve(Target("p", parse_spec(text), "r"), options), options)


def test_every_source_resolves_then_opens_by_layout(make_repo: MakeRepo, tmp_path: Path) -> None:
    repo = make_repo({"a.py": "1\n", "inner/b.py": "2\n"})
    assert isinstance(open_source(str(repo)), GitSource)
    assert isinstance(open_source(str(repo), worktree=True), WorktreeSource)
    assert isinstance(open_source(str(repo / "inner")), FolderSource)  # a folder in a repo
    assert isinstance(open_source(f"git+file://{repo}"), GitSource)
    resolution = resolve(Target("p", parse_spec(str(repo)), "r"), ScanOptions())
    assert (resolution.kind, resolution.ref, resolution.commit) == ("git", "HEAD", git(repo, "rev-parse", "HEAD"))
    with pytest.raises(SourceError, match="not a git repository"):
        open_source(f"{tmp_path}@main")
    with pytest.raises(SourceError, match="names many repositories"):
        open_source("github:octo")


def test_remote_source_fetches_shallowly(make_repo: MakeRepo) -> None:
    repo = make_repo({"a.py": "1\n"})
    git(repo, "tag", "v1")
    commit(repo, {"b.py": "2\n"})
    source = gitsource.RemoteGitSource(f"file://{repo}", "v1")
    try:
        assert set(listing(source)) == {"a.py"} and source.ref == "v1"
    finally:
        source.close()
    with pytest.raises(SourceError, match="cannot fetch"):
        gitsource.RemoteGitSource(f"file://{repo}/nope")


def test_scrub_removes_credentials() -> None:
    assert gitsource.scrub("fatal: https://user:tok@github.com/x failed") == "fatal: https://github.com/x failed"


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to give a repository to another user")
def test_repository_of_another_user_is_a_clear_failure(make_repo: MakeRepo) -> None:
    repo = make_repo({"a.py": "1\n"})
    for root, dirs, files in os.walk(repo):
        for name in [*dirs, *files]:
            os.lchown(os.path.join(root, name), 65534, 65534)
    os.lchown(repo, 65534, 65534)
    with pytest.raises(SourceError, match="belongs to another user"):
        open_source(str(repo))
