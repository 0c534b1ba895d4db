"""Grammar-generated ``.gitattributes`` against the real readers: ``git check-attr`` for ``mode="git"``,
libgit2 through rugged (what Linguist uses at GitHub) for ``mode="github"``, and the compiled
patterns against the plain wildmatch automaton. Fixed seeds: a failure is reproducible."""

from __future__ import annotations

import random
import re
import subprocess
import time
from pathlib import Path

import pytest

from crawler.linguist.gitattributes import AttrValue, GitAttributes, Mode, _matcher, wildmatch
from tests.test_gitattributes import git_check_attr, libgit2_attributes, make_attr_repo, needs_rugged

QUERY = ["x", "y", "z", "w", "m1", "m2", "m3", "m4", "m5", "diff", "text", "merge", "crlf"]
NESTED = ["a", "a/b", "c", "a/b/c", "b:", "é:/d"]  # libgit2 takes "b:/" for a DOS drive

PIECES = ["a", "b", "c", ".", "a", "b", "*", "*", "?", "/", "/", "**", "**/", "/**/", "/**", "[a-c]", "[!a]",
          "[^.]", "[[:alpha:]]", "[[:digit:][:punct:]]", "[]a]", "[z-a]", "[", "]", "!", "^", "-", ":", "\\",
          "\\*", "\\?", "[:", ":]", "[[:bogus:]]", "[a-]", "[\\]]", "[[:space:]]", "[[:upper:]]", "A", "é", "??",
          "[é]", "[\x80-\xff]", "\v"]
COMPONENT_CHARS = "abc.ab.c-!^:[]*?\\AéA \v"


def git_version() -> tuple[int, ...]:
    out = subprocess.run(["git", "--version"], capture_output=True, check=True, text=True).stdout
    found = re.search(r"(\d+)\.(\d+)", out)
    return (int(found[1]), int(found[2])) if found else (0, 0)


def old_git_prefix_quirk(pattern: str) -> bool:
    """git < 2.52 matched a path pattern's literal prefix apart and handed fnmatch the rest, so a
    ``**`` right after the prefix counted as starting the pattern (``a/b**`` acting like
    ``a/b/**``). We follow git 2.52 and libgit2; lines that hit the old quirk are not generated."""
    body = pattern.rstrip("/") if pattern.endswith("/") else pattern
    if "/" not in body:
        return False
    body = body[1:] if body.startswith("/") else body
    prefix = next((i for i, c in enumerate(body) if c in "*?[\\"), len(body))
    if not prefix or not body.startswith("**", prefix) or body[prefix - 1] == "/":
        return False
    rest = body[prefix:].lstrip("*")
    return rest == "" or rest.startswith(("/", "\\/"))


def random_pattern(rnd: random.Random) -> str:
    pattern = "".join(rnd.choice(PIECES) for _ in range(rnd.randint(1, 6)))
    return pattern.lstrip("#") or "a"


def random_path(rnd: random.Random) -> str:
    def component() -> str:
        while True:
            name = "".join(rnd.choice(COMPONENT_CHARS) for _ in range(rnd.randint(1, 4)))
            if name not in (".", ".."):
                return name
    head = rnd.choice(["", "", "a/", "a/b/", "c/", "a/b/c/", "b:/", "é:/d/", "é:/"])
    return head + "/".join(component() for _ in range(rnd.randint(1, 3)))


def random_attributes(rnd: random.Random, *, github: bool) -> str:
    names = ["x", "y", "z", "w", "m1", "m2", "m3", "m4", "m5", "binary", "diff", "text"]
    tokens = []
    for _ in range(rnd.randint(0, 3)):
        name = rnd.choice(names)
        form = rnd.random()
        tokens.append(name if form < 0.4 else "-" + name if form < 0.55 else "!" + name if form < 0.65
                      else f"{name}=v{rnd.randint(0, 2)}" if form < 0.8 else f"{name}=" if form < 0.85
                      else f"-{name}=v" if form < 0.9 else f"{name}=a=b")
    if rnd.random() < 0.04:  # git ignores the whole line; libgit2 takes the names as they come
        tokens.append(rnd.choice(["bad@", "=v", "-", "#w", "a/b"]))
    separator = rnd.choice([" ", " ", "\t", "  "] + (["\v", "\f"] if github else []))
    return separator.join(tokens)


MACROS = ["[attr]m1 x -y", "[attr]m2 m1 z=v", "[attr]m3 m3 w", "[attr]m4 m5 x", "[attr]m5 m4 y=m5",
          "[attr]m1 -x z", "[attr]m2 !z m3", "[attr]bad@ x", "[attr]m5 -m1", "[attr]binary x"]


def random_file(rnd: random.Random, lines: int, tags: list[str], *, github: bool) -> str:
    """Each line also sets an attribute of its own (``t<n>``): whether it matched a path shows on
    its own, not only through whichever line decided the shared attributes last."""
    out = []
    quirky = git_version() < (2, 52) and not github
    while len(out) < lines:
        roll = rnd.random()
        tag = f"t{len(tags)}"
        if roll < 0.03:
            out.append(rnd.choice(["", "# comment", "   ", "\t# indented comment"]))
            continue
        if roll < 0.10:
            out.append(rnd.choice(MACROS) + " " + tag)  # ignored (and reported) in nested files
            tags.append(tag)
            continue
        pattern = random_pattern(rnd)
        if quirky and old_git_prefix_quirk(pattern):
            continue
        if roll < 0.14:
            pattern = "!" + pattern
        elif roll < 0.18:  # C-quoted: git unquotes (or takes a bad quote literally), libgit2 does not
            pattern = '"' + pattern.replace("\\", rnd.choice(["\\\\", "\\"])).replace("a", rnd.choice(["a", "\\141"]))
            pattern += rnd.choice([" b", "", "\\t"]) + '"'
        elif github and roll < 0.22:
            pattern = pattern.replace("a", "a\\ ", 1)
        elif github and roll < 0.24:
            pattern = rnd.choice(["/", "!", "[attr]"]) + " " + pattern  # libgit2 reads on after an empty pattern
        attributes = random_attributes(rnd, github=github)
        attributes = rnd.choice([tag + " " + attributes, attributes + " " + tag])
        tags.append(tag)
        end = rnd.choice(["", "", "", "", "\r"] + ([" \\"] if github else []))  # libgit2 joins "\\\n"
        out.append(rnd.choice(["", "", " "]) + pattern + rnd.choice([" ", "\t"]) + attributes + end)
    return "\n".join(out) + rnd.choice(["\n", "", "\r\n"])


def random_files(rnd: random.Random, *, github: bool, lines: int = 150) -> tuple[dict[str, str], list[str]]:
    """The files, and the attributes worth asking about."""
    tags: list[str] = []
    files = {".gitattributes": random_file(rnd, lines, tags, github=github)}
    for directory in NESTED:
        files[f"{directory}/.gitattributes"] = random_file(rnd, lines // 3, tags, github=github)
    return files, QUERY + tags


def compare(files: dict[str, str], paths: list[str], expected: list[dict[str, AttrValue]], mode: Mode,
            query: list[str]) -> None:
    """Ours against theirs, asking for everything, and for a few attributes (which our rule filter
    must not get wrong, macros included)."""
    for wanted in (query, ["x", "y", "diff", "t3"]):
        attributes = GitAttributes(files, mode=mode, wanted=wanted)
        for path, theirs in zip(paths, expected, strict=True):
            mine = {k: v for k, v in attributes.lookup(path).items() if k in query}
            assert mine == {k: v for k, v in theirs.items() if k in wanted}, (path, wanted, files)


@pytest.mark.parametrize("seed", range(6))
def test_fuzz_against_git_check_attr(tmp_path: Path, seed: int) -> None:
    rnd = random.Random(seed)
    files, query = random_files(rnd, github=False)
    paths = sorted({random_path(rnd) for _ in range(500)})
    repo = make_attr_repo(tmp_path, files)
    compare(files, paths, git_check_attr(repo, paths, query), "git", query)


@needs_rugged
@pytest.mark.parametrize("seed", range(4))
def test_fuzz_against_libgit2(tmp_path: Path, seed: int) -> None:
    rnd = random.Random(1000 + seed)
    files, query = random_files(rnd, github=True)
    paths = sorted({random_path(rnd) for _ in range(500)})
    repo = make_attr_repo(tmp_path, files)
    compare(files, paths, libgit2_attributes(tmp_path, repo, paths, query), "github", query)


def test_compiled_patterns_agree_with_the_automaton() -> None:
    rnd = random.Random(7)
    started = time.monotonic()
    for _ in range(3000):
        pattern = random_pattern(rnd).encode()
        for pathname in (True, False):
            matcher = _matcher(pattern, pathname, "git")
            for _ in range(8):
                text = random_path(rnd).encode()
                if not pathname:
                    text = text.rpartition(b"/")[2]
                assert matcher(text) == wildmatch(pattern, text, pathname=pathname), (pattern, text, pathname)
    assert time.monotonic() - started < 10
