"""``.gitattributes`` rules, checked against the readers themselves: ``git check-attr`` for
``mode="git"``, libgit2 through rugged (what Linguist uses at GitHub) for ``mode="github"``."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import tracemalloc
from collections.abc import Mapping
from pathlib import Path

import pytest

import crawler.linguist.gitattributes as gitattributes
from crawler.linguist.gitattributes import (
    MAX_FILE_SIZE,
    MAX_LINE_LENGTH,
    PARSE_CACHE,
    AttrValue,
    GitAttributes,
    Mode,
    parse,
    wildmatch,
)
from tests.conftest import GIT_ENV, git

MODES: list[Mode] = ["github", "git"]

# --- the oracles ---------------------------------------------------------------------------------


def make_attr_repo(root: Path, files: Mapping[str, str | bytes]) -> Path:
    repo = root / "work"
    repo.mkdir()
    git(repo, "init", "-q")
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_bytes(text.encode() if isinstance(text, str) else text)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "attributes")
    return repo


def git_check_attr(repo: Path, paths: list[str], attrs: list[str]) -> list[dict[str, AttrValue]]:
    """``git check-attr --cached``: the attributes read from the index, as from a tree."""
    out = subprocess.run(["git", "check-attr", "--cached", "-z", "--stdin", *attrs], cwd=repo,
                         input="\0".join(paths).encode() + b"\0", capture_output=True, check=True,
                         env={**os.environ, **GIT_ENV}).stdout.decode()
    fields = out.split("\0")
    found: dict[str, dict[str, AttrValue]] = {p: {} for p in paths}
    for i in range(0, len(fields) - 2, 3):
        path, attr, value = fields[i:i + 3]
        if value != "unspecified":
            found[path][attr] = True if value == "set" else False if value == "unset" else value
    return [found[p] for p in paths]


RUGGED = """
require 'rugged'
require 'json'
repo = Rugged::Repository.new(ARGV[0])
index = Rugged::Index.new
index.read_tree(repo.head.target.tree)
repo.index = index
flags = Rugged::Repository::Attributes.parse_opts({:priority => [:index], :skip_system => true})
names = ARGV[1].split(",")
out = STDIN.read.split("\\0").map do |path|
  found = {}
  names.each_slice(32) { |some| found.merge!(repo.fetch_attributes(path, some, flags)) }  # rugged's limit
  found.reject { |_, v| v.nil? }
end
puts JSON.generate(out)
"""


def rugged_available() -> bool:
    if shutil.which("ruby") is None:
        return False
    return subprocess.run(["ruby", "-e", "require 'rugged'"], capture_output=True).returncode == 0


needs_rugged = pytest.mark.skipif(not rugged_available(), reason="ruby with rugged (libgit2) is not installed")


def libgit2_attributes(tmp_path: Path, repo: Path, paths: list[str], attrs: list[str]) -> list[dict[str, AttrValue]]:
    """As Linguist asks at GitHub (``LazyBlob#git_attributes``): a bare repository, the commit's
    tree read into an index, index only, no system file."""
    bare = tmp_path / "bare.git"
    git(tmp_path, "clone", "-q", "--bare", str(repo), str(bare))
    script = tmp_path / "attributes.rb"
    script.write_text(RUGGED)
    out = subprocess.run(["ruby", str(script), str(bare), ",".join(attrs)], input="\0".join(paths).encode(),
                         capture_output=True, check=True).stdout
    result: list[dict[str, AttrValue]] = json.loads(out)
    return result


def oracle(tmp_path: Path, mode: Mode, files: Mapping[str, str | bytes], paths: list[str],
           attrs: list[str]) -> list[dict[str, AttrValue]]:
    repo = make_attr_repo(tmp_path, files)
    if mode == "git":
        return git_check_attr(repo, paths, attrs)
    return libgit2_attributes(tmp_path, repo, paths, attrs)


def ours(files: Mapping[str, str | bytes], paths: list[str], attrs: list[str],
         mode: Mode) -> list[dict[str, AttrValue]]:
    raw = {k: (None, v.encode() if isinstance(v, str) else v) for k, v in files.items()}
    attributes = GitAttributes.from_files(raw, mode=mode)
    return [{k: v for k, v in attributes.lookup(p).items() if k in attrs} for p in paths]


def oracle_param(mode: Mode) -> object:
    return pytest.param(mode, marks=needs_rugged) if mode == "github" else mode


BOTH = [oracle_param(mode) for mode in MODES]

# --- a fixture of the usual rules ----------------------------------------------------------------

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
        '"with space.md" linguist-language=Text',  # git unquotes; libgit2 does not
        "!neg.c linguist-generated",              # git ignores it; libgit2 applies it to every other path
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
    "notes.txt", "sub/notes.txt", "ext/lib/x.c", "bin/tool", "with space.md", '"with', "neg.c", "x1.py",
    "x12.py", "Gemfile.rb", "gem.rb", "reset.c", "sub/a.c", "sub/deeper/a.c", "sub/macro.c",
    "sub/anchored.py", "sub/x/anchored.py",
]
ATTRIBUTES = ["linguist-vendored", "linguist-generated", "linguist-documentation",
              "linguist-language", "linguist-detectable", "diff", "text", "merge", "crlf"]


@pytest.mark.parametrize("mode", BOTH)
def test_lookup_agrees_with_the_reader(tmp_path: Path, mode: Mode) -> None:
    expected = oracle(tmp_path, mode, ATTRIBUTE_FILES, PATHS, ATTRIBUTES)
    assert ours(ATTRIBUTE_FILES, PATHS, ATTRIBUTES, mode) == expected


def test_where_github_and_git_differ() -> None:
    """The differences, spelled out (the oracle tests check them where ruby and rugged exist)."""
    text = ('!neg/*.py linguist-vendored\n"with space/*.py" linguist-generated\n'
            "a\\ b.txt linguist-language=Text\n*.v -linguist-language=C linguist-detectable=\n"
            "*.c linguist-documentation #linguist-generated\n")
    github, git_ = (GitAttributes({".gitattributes": text}, mode=mode) for mode in MODES)
    # a negated pattern applies to the paths it does not match
    assert github.lookup("x.py") == {"linguist-vendored": True} and github.lookup("neg/x.py") == {}
    assert git_.lookup("x.py") == {} and git_.lookup("neg/x.py") == {}
    # quoted patterns are taken literally ('"with', with the attributes 'space/*.py"' and linguist-generated)
    assert github.lookup("with space/a.py") == {"linguist-vendored": True}
    assert github.lookup('"with')["linguist-generated"] is True
    assert git_.lookup("with space/a.py") == {"linguist-generated": True}
    # "\ " keeps a space in a libgit2 pattern; git splits there (and "b.txt" is no attribute name)
    assert github.lookup("a b.txt")["linguist-language"] == "Text" and git_.lookup("a b.txt") == {}
    # -attr=value and attr= ; "#" comments out the rest of an attribute list
    assert github.lookup("x.v") == {"linguist-vendored": True, "linguist-language": "C", "linguist-detectable": True}
    assert git_.lookup("x.v") == {"linguist-language": False, "linguist-detectable": ""}
    assert github.lookup("x.c") == {"linguist-vendored": True, "linguist-documentation": True}
    assert git_.lookup("x.c") == {}  # "#linguist-generated" is not a valid name: git drops the line
    assert any("negative pattern" in w for w in github.warnings)
    assert any("negative pattern" in w for w in git_.warnings)


def test_macro_order_in_the_top_level_file() -> None:
    """libgit2 expands a macro of the top-level file only below its definition (GitHub's
    repositories are bare: the file is read once); git expands at lookup, wherever it is."""
    text = "*.c m\n[attr]m linguist-vendored\n*.h m\n"
    assert GitAttributes({".gitattributes": text}).lookup("x.c") == {"m": True}
    assert GitAttributes({".gitattributes": text}).lookup("x.h") == {"m": True, "linguist-vendored": True}
    assert GitAttributes({".gitattributes": text}, mode="git").lookup("x.c") == {"m": True, "linguist-vendored": True}
    nested = GitAttributes({".gitattributes": text, "d/.gitattributes": "*.c m\n"})
    assert nested.lookup("d/x.c") == {"m": True, "linguist-vendored": True}


def test_libgit2_takes_a_leading_character_and_colon_for_a_drive() -> None:
    """libgit2's ``git_fs_path_root`` sees "X:/" as a DOS drive on every platform: "b:/d/x.c" is
    matched as "d/x.c", and the files below "b:" lose their directory."""
    files = {".gitattributes": "d/*.c linguist-vendored\n", "b:/.gitattributes": "d/x.c linguist-generated\n"}
    github, git_ = (GitAttributes(files, mode=mode) for mode in MODES)
    assert github.lookup("b:/d/x.c") == {"linguist-vendored": True, "linguist-generated": True}
    assert git_.lookup("b:/d/x.c") == {"linguist-generated": True}
    assert github.lookup("ab:/d/x.c") == {} and github.lookup("b:x/d/x.c") == {}


@needs_rugged
def test_drive_paths_agree_with_libgit2(tmp_path: Path) -> None:
    files = {".gitattributes": "d/*.c linguist-vendored\nx.c linguist-language=C\n",
             "b:/.gitattributes": "d/x.c linguist-generated\n!d/* linguist-documentation\n",
             "é:/d/.gitattributes": "d/x.c linguist-generated\n"}
    paths = ["b:/d/x.c", "b:/x.c", "b:/d/y.c", "é:/d/x.c", "é:/d/d/x.c", "ab:/d/x.c", ":/d/x.c", "b:x/d/x.c"]
    assert ours(files, paths, ATTRIBUTES, "github") == oracle(tmp_path, "github", files, paths, ATTRIBUTES)


def test_wanted_filter_keeps_only_relevant_rules() -> None:
    attrs = GitAttributes({".gitattributes": "*.c diff\n*.c linguist-vendored\n"}, wanted={"linguist-vendored"})
    assert attrs.lookup("a.c") == {"linguist-vendored": True}
    assert not GitAttributes({".gitattributes": "*.c diff\n"}, wanted={"linguist-vendored"})


@pytest.mark.parametrize("mode", MODES)
def test_wanted_filter_keeps_what_macros_need(mode: Mode) -> None:
    text = "[attr]b c linguist-vendored\n[attr]a b\n*.c a\n*.h a\nx.h -b\n"
    attrs = GitAttributes({".gitattributes": text}, wanted={"linguist-vendored"}, mode=mode)
    assert attrs.lookup("y.c") == {"linguist-vendored": True}
    # git: "-b" decides b, so the "a" of the line before cannot expand it; libgit2 expanded "a" already
    assert attrs.lookup("x.h") == ({} if mode == "git" else {"linguist-vendored": True})


# --- wildmatch -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("pattern", "path", "matches"), [
    ("*.c", "a.c", True), ("*.c", "a/b.c", False), ("a/*", "a/b", True), ("a/*", "a/b/c", False),
    ("a/**", "a/b/c", True), ("**/b", "b", True), ("**/b", "x/y/b", True), ("a/**/b", "a/b", True),
    ("a/**/b", "a/x/y/b", True), ("a?c", "a/c", False), ("[!a]b", "xb", True), ("[!a]b", "ab", False),
    ("[^a]b", "ab", False), ("a**b", "axxb", True), ("a**b", "ax/xb", False), (r"\*x", "*x", True),
    (r"\*x", "ax", False), ("[z-a].c", "a.c", False), ("[z-ab].c", "b.c", True), ("[]a]", "]", True),
    ("[[:alpha:]]", "é", False), ("??", "é", True), ("[[:digit:]x]", "x", True), ("[[:nope:]]", "n", False),
    ("[a", "[a", False), ("a\\", "a\\", False), ("[a-]", "-", True), ("[\\]]", "]", True),
    ("**\\/b", "b", False), ("**\\/b", "x/b", True), ("/**/", "x/", False), ("a/**/", "a/x/", True),
    ("*a*a*a*a*a*a*a*a*a*a*a*a*z", "a" * 40 + ".c", False), ("[[:]", ":", True), ("[[:]", "[", True),
])
def test_wildmatch(pattern: str, path: str, matches: bool) -> None:
    assert wildmatch(pattern.encode(), path.encode(), pathname=True) is matches
    assert gitattributes._matcher(pattern.encode(), True, "git")(path.encode()) is matches


def test_quoted_pattern_with_octal_escape() -> None:
    parsed = parse('"caf\\303\\251.c" linguist-vendored\n', allow_macros=False, mode="git")
    assert parsed.rules[0].matches("café.c") and not parsed.rules[0].matches("cafe.c")


# --- hostile input -------------------------------------------------------------------------------

@pytest.mark.parametrize("mode", BOTH)
def test_the_lines_that_used_to_abort_the_run(tmp_path: Path, mode: Mode) -> None:
    """An empty range, a bad octal escape and a macro naming itself: read as the reader does."""
    files = {".gitattributes": '[z-a].c linguist-vendored\n"a\\18b" linguist-generated\n'
                               "[attr]m m linguist-documentation\n*.c m\n"}
    paths = ["a.c", "z.c", "-.c", '"a\\18b"', '"a18b"', "a18b", "x.py"]
    attrs = ["linguist-vendored", "linguist-generated", "linguist-documentation", "m"]
    assert ours(files, paths, attrs, mode) == oracle(tmp_path, mode, files, paths, attrs)
    warnings = GitAttributes(files, mode=mode).warnings  # type: ignore[arg-type]
    assert warnings[0] == "line 1 of .gitattributes: pattern [z-a].c: empty range z-a"
    assert warnings[1].startswith("line 2 of .gitattributes: ")


HOSTILE = [
    b"[", b"[!", b"[[:", b"[[:foo:]] a", b"\\", b"a\\ ", b'"unterminated x', b'"\\777" x', b'"\\" x', b'"" x',
    b"! x", b"/ x", b"[attr] x", b"[attr]-bad x", b"[attr]m m\n*.c m", b"[attr]a b\n[attr]b a\n* a",
    b"*.c \x00 x", b"\xff\xfe* x", b"\xef\xbb\xbf*.c x", b"* " + b"x " * 3000, b"*" * 5000 + b" x",
    b"[" * 3000 + b" x", b"[a-" * 1000 + b" x", b"**/" * 2000 + b" x", b"a\\\nb x", b"\r\r\n*.c x\r",
    b"*.c -=x =y - ! # x", b"\x0b\x0c*.c\x0bx", b"#" * 3000, b"[[:alpha:]-z] x", b"*.c builtin_x y",
    b"x" * MAX_LINE_LENGTH + b" y\n*.c z", b"[attr]" + b"m" * 300 + b" x\n* " + b"m" * 300,
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("data", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_lines_never_raise(mode: Mode, data: bytes) -> None:
    files = {".gitattributes": (None, data), "d/.gitattributes": ("blob", data)}
    for wanted in (None, ["x", "linguist-vendored"]):
        attributes = GitAttributes.from_files(files, mode=mode, wanted=wanted)
        for path in ("a.c", "d/a.c", "d/e/[", "\\", "b:/x", "é/x.c", "x" * 3000):
            assert isinstance(attributes.lookup(path), dict)
        assert all(isinstance(w, str) and "\n" not in w for w in attributes.warnings)


@pytest.mark.parametrize("mode", MODES)
def test_pathological_pattern_is_fast(mode: Mode) -> None:
    """It took the regular expression translation 114 s; wildmatch itself gives up at once."""
    files = {".gitattributes": "*a*a*a*a*a*a*a*a*a*a*a*a*z linguist-vendored\n"
                               "**/*a*a*a*a*/**/*a*a*a*a*/**/*z linguist-generated\n"
                               + "*a" * 1000 + "*z linguist-documentation\n"}
    attributes = GitAttributes(files, mode=mode)
    started = time.perf_counter()
    assert attributes.lookup("a" * 40 + ".c") == {}
    assert attributes.lookup("a" * 4000 + ".c") == {}
    assert attributes.lookup("/".join(["a" * 30] * 100) + "/x.c") == {}
    assert attributes.lookup("/".join(["aaaa"] * 1000) + "/a.z") == {"linguist-generated": True}
    assert time.perf_counter() - started < 0.5


def test_megabyte_patterns_cost_nothing_until_a_path_that_long_comes() -> None:
    """libgit2 has no line limit; Python's ``re`` would take seconds to compile such a pattern."""
    started = time.perf_counter()
    attributes = GitAttributes.from_files({".gitattributes": (None, b"?" * 1_000_000 + b" linguist-vendored\n"
                                                              + b"*a" * 400_000 + b" linguist-generated\n"
                                                              + b"*b" * 300 + b" linguist-documentation\n")})
    assert attributes.lookup("a" * 4096) == {} and attributes.lookup("/".join(["a"] * 2000)) == {}
    assert time.perf_counter() - started < 5
    assert attributes.lookup("b" * 299) == {} and attributes.lookup("xb" * 300) == {"linguist-documentation": True}


@pytest.mark.parametrize("mode", BOTH)
def test_macro_cycles(tmp_path: Path, mode: Mode) -> None:
    files = {".gitattributes": "[attr]a b linguist-vendored\n[attr]b a -linguist-generated c\n[attr]c c\n"
                               "*.c a\n*.h b\n*.m c\nx.c -b\n"}
    paths = ["y.c", "x.c", "y.h", "y.m"]
    attrs = ["a", "b", "c", "linguist-vendored", "linguist-generated"]
    assert ours(files, paths, attrs, mode) == oracle(tmp_path, mode, files, paths, attrs)


@pytest.mark.parametrize("mode", MODES)
def test_a_long_chain_of_macros_is_no_recursion(mode: Mode) -> None:
    chain = "".join(f"[attr]m{i} m{i - 1} t{i}\n" for i in range(1, 20001))
    text = "[attr]m0 linguist-vendored\n" + chain + "*.c m20000\n"
    started = time.perf_counter()
    for wanted in (["linguist-vendored"], None):
        attributes = GitAttributes({".gitattributes": text}, mode=mode, wanted=wanted)
        for i in range(200):
            found = attributes.lookup(f"d/x{i}.c")
        if wanted is not None or mode == "git":
            assert found["linguist-vendored"] is True
        else:  # without ``wanted``, github mode expands up to a budget (libgit2 would go on)
            assert any("macros left unexpanded" in w for w in attributes.warnings)
    assert time.perf_counter() - started < 10


@pytest.mark.parametrize("mode", BOTH)
def test_long_lines(tmp_path: Path, mode: Mode) -> None:
    """git ignores a line of MAX_LINE_LENGTH bytes or more (and says so); libgit2 reads it."""
    longest = "*.c " + " ".join(["linguist-vendored"] * 200)
    files = {".gitattributes": f"{longest[:MAX_LINE_LENGTH - 1]}\n*.h {'x' * MAX_LINE_LENGTH} linguist-generated\n"
                               f"*.m linguist-documentation {'y' * MAX_LINE_LENGTH}\n"}
    paths = ["a.c", "a.h", "a.m"]
    assert ours(files, paths, ATTRIBUTES, mode) == oracle(tmp_path, mode, files, paths, ATTRIBUTES)
    warnings = GitAttributes(files, mode=mode).warnings
    if mode == "git":
        assert warnings == [f"line 2 of .gitattributes: ignored: {MAX_LINE_LENGTH + 23} bytes, git reads lines "
                            f"of less than {MAX_LINE_LENGTH}",
                            f"line 3 of .gitattributes: ignored: {MAX_LINE_LENGTH + 27} bytes, git reads lines "
                            f"of less than {MAX_LINE_LENGTH}"]


@pytest.mark.parametrize("mode", BOTH)
def test_bom_nul_and_line_ends(tmp_path: Path, mode: Mode) -> None:
    """libgit2 skips a UTF-8 BOM, git's blob reader does not; both stop at a NUL byte."""
    files = {".gitattributes": b"\xef\xbb\xbf*.c linguist-vendored\r\n*.h linguist-generated\r\r\n"
                               b"*.m linguist-detectable\x00\n*.py linguist-documentation\n"}
    paths = ["a.c", "\ufeff*.c", "a.h", "a.m", "a.py"]
    assert ours(files, paths, ATTRIBUTES, mode) == oracle(tmp_path, mode, files, paths, ATTRIBUTES)


def test_files_of_the_size_limit_are_ignored() -> None:
    big = b"*.c linguist-vendored\n" + b"#" * (MAX_FILE_SIZE - 22)
    for mode in MODES:
        attributes = GitAttributes.from_files({".gitattributes": ("big", big), "d/.gitattributes": ("small", big[:22])},
                                              mode=mode)
        assert attributes.lookup("a.c") == {} and attributes.lookup("d/a.c") == {"linguist-vendored": True}
        assert attributes.warnings == [f".gitattributes: ignored: {MAX_FILE_SIZE} bytes or more, the limit is "
                                       f"{MAX_FILE_SIZE}"]


def test_warnings_are_capped() -> None:
    text = "".join(f"!x{i} y\n" for i in range(50))
    attributes = GitAttributes({f"d{i}/.gitattributes": text for i in range(20)}, mode="git")
    assert attributes.warnings[0] == "line 1 of d0/.gitattributes: ignored: negative pattern !x0 (git ignores them)"
    assert attributes.warnings[10] == "d0/.gitattributes: 40 more lines ignored or suspect"
    assert len(attributes.warnings) == gitattributes.MAX_WARNINGS


# --- many copies of one large file -----------------------------------------------------------------

def large_text(lines: int = 18_100) -> bytes:
    """About 1 MiB of the rules a generator writes: mostly literal paths, some globs."""
    out = []
    for i in range(lines):
        kind = i % 50
        if kind < 40:
            out.append(f"generated/module{i % 700}/part{i}/file_{i}.pb.go linguist-generated")
        elif kind < 46:
            out.append(f"*.ext{i} linguist-vendored")
        elif kind < 49:
            out.append(f"dir{i}/**/*.py -linguist-detectable")
        else:
            out.append(f"**/cache{i}/** linguist-vendored")
    return ("\n".join(out) + "\n").encode()


def test_identical_blobs_are_parsed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    text = large_text()
    assert len(text) > 1 << 20
    calls: list[int] = []
    real_parse = gitattributes.parse

    def counting_parse(data: str | bytes, **kwargs: object) -> gitattributes.ParsedFile:
        calls.append(len(data))
        return real_parse(data, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(gitattributes, "parse", counting_parse)
    PARSE_CACHE.clear()
    files = {f"d{i}/.gitattributes": ("0123abcd" * 5, text) for i in range(200)}
    tracemalloc.start()
    started = time.perf_counter()
    attributes = GitAttributes.from_files(files, wanted=["linguist-generated", "linguist-vendored"])
    found = [attributes.lookup(f"d{i}/generated/module{j % 700}/part{j}/file_{j}.pb.go")
             for i in range(0, 200, 20) for j in range(0, 18_000, 150)]
    others = [attributes.lookup(f"d{i}/x/cache{j}/y.c") for i in range(0, 200, 20) for j in range(49, 18_000, 500)]
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert calls == [len(text)]
    assert all(f == {"linguist-generated": True} for f in found)
    assert all(o == {"linguist-vendored": True} for o in others)
    assert peak < 200 << 20, peak
    assert elapsed < 20, elapsed
    # again: from the cache; and the text constructor finds the same content by its digest
    GitAttributes.from_files(files, wanted=["linguist-generated", "linguist-vendored"])
    GitAttributes({path: text.decode() for path in list(files)[:3]}, wanted=["linguist-generated", "linguist-vendored"])
    assert calls == [len(text), len(text)]
