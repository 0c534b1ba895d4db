"""``.gitattributes`` rules, checked against git itself (``git check-attr``) as the oracle."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from crawler.linguist.gitattributes import GitAttributes, parse, wildmatch_regex
from tests.conftest import GIT_ENV, git

ATTRIBUTE_FILES = {
    ".gitattributes": "\n".join([
        "# comment line",
        "[attr]thirdparty linguist-vendored -linguist-documentation",
        "*.gen.go linguist-generated",
        "docs/** linguist-documentation",
        "docs/keep.md -linguist-documentation",
        "/root-only.txt linguist-language=Python",
        "vendor/ linguist-vendored",              # directory pattern: never matches a file
        "lib/*.js linguist-vendored",             # one level only
        "**/fixtures/** linguist-vendored=false",
        "a/**/b.c linguist-language=C++",
        "*.[ch] linguist-detectable",
        "data/*.json linguist-detectable=true",
        "*.txt -linguist-detectable",
        "ext/** thirdparty",
        "bin/* binary",
        '"with space.md" linguist-language=Text',
        "!neg.c linguist-vendored",               # negative patterns are ignored
        "x?.py linguist-generated",
        "[[:upper:]]*.rb linguist-generated",
        "reset.c !linguist-detectable",
        "",
    ]),
    "sub/.gitattributes": "*.c linguist-language=Objective-C\n*.txt linguist-detectable\n"
                          "[attr]ignored linguist-vendored\nmacro.c ignored\n/anchored.py linguist-vendored\n",
    "sub/deeper/.gitattributes": "*.c -linguist-language\n",
}

PATHS = [
    "x.gen.go", "pkg/x.gen.go", "docs/a.md", "docs/deep/b.md", "docs/keep.md", "root-only.txt",
    "sub/root-only.txt", "vendor/x.js", "vendor", "lib/a.js", "lib/deep/b.js", "src/fixtures/f.js",
    "fixtures/f.js", "a/b.c", "a/x/y/b.c", "ab.c", "main.c", "main.h", "data/a.json", "data/x/a.json",
    "notes.txt", "sub/notes.txt", "ext/lib/x.c", "bin/tool", "with space.md", "neg.c", "x1.py",
    "x12.py", "Gemfile.rb", "gem.rb", "reset.c", "sub/a.c", "sub/deeper/a.c", "sub/macro.c",
    "sub/anchored.py", "sub/x/anchored.py",
]
ATTRIBUTES = ["linguist-vendored", "linguist-generated", "linguist-documentation",
              "linguist-language", "linguist-detectable", "diff", "text"]


def git_check_attr(repo: Path, paths: list[str]) -> dict[str, dict[str, bool | str]]:
    out = subprocess.run(["git", "check-attr", "--cached", "-z", "--stdin", *ATTRIBUTES], cwd=repo,
                         input="\0".join(paths).encode() + b"\0", capture_output=True, check=True,
                         env={**os.environ, **GIT_ENV}).stdout.decode()
    fields = out.split("\0")
    result: dict[str, dict[str, bool | str]] = {p: {} for p in paths}
    for i in range(0, len(fields) - 2, 3):
        path, attr, value = fields[i], fields[i + 1], fields[i + 2]
        if value == "unspecified":
            continue
        result[path][attr] = True if value == "set" else False if value == "unset" else value
    return result


def test_lookup_agrees_with_git_check_attr(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    for name, text in ATTRIBUTE_FILES.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text)
    git(repo, "add", "-A")
    expected = git_check_attr(repo, PATHS)
    ours = GitAttributes(ATTRIBUTE_FILES)
    for path in PATHS:
        got = {k: v for k, v in ours.lookup(path).items() if k in ATTRIBUTES}
        assert got == expected[path], path


def test_wanted_filter_keeps_only_relevant_rules() -> None:
    attrs = GitAttributes({".gitattributes": "*.c diff\n*.c linguist-vendored\n"}, wanted={"linguist-vendored"})
    assert attrs.lookup("a.c") == {"linguist-vendored": True}
    assert not GitAttributes({".gitattributes": "*.c diff\n"}, wanted={"linguist-vendored"})


@pytest.mark.parametrize(("pattern", "path", "matches"), [
    ("*.c", "a.c", True), ("*.c", "a/b.c", False), ("a/*", "a/b", True), ("a/*", "a/b/c", False),
    ("a/**", "a/b/c", True), ("**/b", "b", True), ("**/b", "x/y/b", True), ("a/**/b", "a/b", True),
    ("a/**/b", "a/x/y/b", True), ("a?c", "a/c", False), ("[!a]b", "xb", True), ("[!a]b", "ab", False),
    ("a**b", "axxb", True), ("a**b", "ax/xb", False), (r"\*x", "*x", True), (r"\*x", "ax", False),
])
def test_wildmatch(pattern: str, path: str, matches: bool) -> None:
    import re

    assert bool(re.fullmatch(wildmatch_regex(pattern), path)) is matches


def test_quoted_pattern_with_octal_escape() -> None:
    rules = parse('"caf\\303\\251.c" linguist-vendored\n', allow_macros=False)
    assert rules[0].regex.match("café.c")
