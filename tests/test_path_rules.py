"""Linguist's path rules in one pass (``crawler.linguist.path_rules``) answer what go-enry answers.

go-enry (``enry.is_vendor``, ``enry.is_documentation``) is the reference, but for the patterns
current Linguist has and go-enry's copy lacks (``NEWER``: there census says what current Linguist
says). The paths below reach
every kind of pattern (folder, component, whole-path; anchored by ``(^|/)``, by ``^``, or not at
all), with the cases where a cache or a shortcut could go wrong (the same folder seen twice with
different files, a newline before the end, a pattern's text across two components).
"""

from __future__ import annotations

import random

import enry
import pytest

from crawler.linguist import path_rules, path_rules_data
from crawler.linguist.path_rules import PathRules, classify_pattern

# vendor.yml patterns of current Linguist (9.6) that go-enry's data does not have yet.
NEWER = [r"(^|/)xvba_modules/"]
_NEWER = PathRules(NEWER)


def go_enry_vendor(path: str) -> bool:
    """go-enry's answer, with current Linguist's newer patterns."""
    return bool(enry.is_vendor(path)) or _NEWER(path)

# At least one path per pattern kind, then the traps.
PATHS = [
    # folder rules
    "node_modules/a.js", "x/node_modules/b/c.js", "a/node_modules", "cache/x.c", "x/cache/y.c", "xcache/y.c",
    "deps/a.c", "x/deps/a.c", "Dependencies/a.c", "dependencies/a.c", "vendor/x.go", "src/vendor/x.go",
    "third_party/a/b.py", "3rdparty/a.c", "a/b/c/d/e/f/vendor/g.rb", "dist/a.js", "distx/a.js",
    "docs/a.md", "doc/a.md", "x/docs/a.md", "Documentation/a.txt", "x/documentation/a.txt",
    "man/a.1", "x/man/a.1", "examples/a.py", "x/examples/a.py", "samples/a.rb", "sample/a.rb",
    "inst/doc/a.R", "x/inst/doc/a.R", "a.framework/b.h", "Carthage/Build/a", "Pods/a.m",
    # component rules: the file name, or any folder's name
    "configure", "a/configure", "configure.ac", "a/configure/b.c", "config.guess", "x/config.sub",
    "aclocal.m4", "x/aclocal.m4x/y", "cpplint.py", "a/cpplint.pyc", "rebar", "x/rebar", "erlang.mk",
    "a.min.js", "a-min.css", "x/a.min.js/b", "foo.d.ts", "x/y/foo.d.ts", "foo.d.tsx", "x.d.ts/y.c",
    "import.css", "a/bimport.scss", "a b/import.less", "a-vsdoc.js", "a.intellisense.js",
    "gradlew", "x/gradlew.bat", "mvnw", ".gitignore", "a/.gitattributes", ".gitmodules", "Vagrantfile",
    "x/.DS_Store", ".ds_store", "Jenkinsfile", "x/Jenkinsfile.groovy",
    "README", "README.md", "x/README", "READMEs/a.c", "readme.txt", "Readme", "CHANGELOG", "CHANGES.md",
    "CHANGE", "x/CHANGELOGS", "LICENSE", "LICENCE.txt", "license", "License.md", "COPYING", "COPYING.LIB",
    "CONTRIBUTING.md", "INSTALL", "INSTALL.sh", "CITATION.cff", "CITATION", "CITATIONS.bib",
    # whole-path rules: they may cross "/"
    "jquery.js", "x/jquery-1.7.2.js", "jquery/ui.js", "x/jquery/x/y.js", "jquery.ui.core.js",
    "bootstrap.css", "x/bootstrap-theme.min.css", "bootstrap/x.less", "font-awesome/x/y.scss",
    "extjs/a/b/c.js", "x/extjs/y.xml", "extjsx/a.js", "flow-typed/npm/a.js", "select2/a/b.css",
    "tiny_mce/plugins/x.js", "codemirror/lib/x.js", "CodeMirror/5.2/mode/y.js", "x/d3.v3.min.js",
    "react.js", "react-dom.js", "x/react/y.js", "angular.js", "x/angular-route.js", "prototype.js",
    "x/prototype/y/z.js", "foundation.js", "foundation/x.js", "fontello/x.css", "mootools-1.2.4.js",
    # ordinary files
    "xvba_modules/a.bas", "x/xvba_modules/b.cls",
    "src/main.rs", "lib/a/b.py", "a.c", "x/y/z/w.go", "Makefile", "setup.py", "test/a.rb", "",
    # anchors and odd names
    "configure\n", "a/configure\n", "x\nREADME", "README\nx", "docs", "docs/", "a//b/vendor/c",
    "/vendor/a", "ünïcödé/vendor/ñ.c", "日本/README", "a\\vendor\\b.c", "node_modules\n/a.js",
]


@pytest.mark.parametrize("path", PATHS)
def test_vendor_and_documentation_as_go_enry(path: str) -> None:
    assert path_rules.VENDOR(path) == go_enry_vendor(path)
    assert path_rules.DOCUMENTATION(path) == bool(enry.is_documentation(path))


def test_random_paths_built_from_the_patterns_own_words() -> None:
    """Paths put together from the words and punctuation of the patterns themselves, so that many
    come close to matching: thousands of them, each answered as go-enry answers (and again, with
    every folder cached)."""
    rng = random.Random(16)
    words = sorted({w for p in path_rules_data.VENDOR + path_rules_data.DOCUMENTATION
                    for w in "".join(c if c.isalnum() or c in "_-~" else " " for c in p).split()})
    glue = ["/", ".", "-", "", "_", "/", ".min.", ".d.", " "]
    paths = []
    for _ in range(4000):
        parts = [rng.choice(words) + rng.choice(glue) for _ in range(rng.randint(1, 6))]
        paths.append("".join(parts).rstrip("/") + rng.choice(["", ".js", ".css", ".md", "/x.c", "$"]))
    fresh_vendor = PathRules(path_rules_data.VENDOR)
    for path in paths + paths:
        assert fresh_vendor(path) == go_enry_vendor(path), path
        assert path_rules.DOCUMENTATION(path) == bool(enry.is_documentation(path)), path


@pytest.mark.parametrize(("pattern", "expected"), [
    ("(^|/)node_modules/", ("folder", "component", "node_modules/")),
    ("^deps/", ("folder", "start", "deps/")),
    ("(^|/)configure$", ("component", "component", r"configure\Z")),
    (r"(.*?)\.d\.ts$", ("component", "none", r"\.d\.ts\Z")),
    (r"([^\s]*)import\.(css|less)$", ("component", "none", r"import\.(css|less)\Z")),
    (r"(^|/)extjs/.*?\.js$", ("path", "component", r"extjs/.*?\.js\Z")),
    (r"(^|/)jquery([^.]*)\.js$", ("path", "component", r"jquery([^.]*)\.js\Z")),
    ("(^|/)a|b/", ("path", "none", "(^|/)a|b/")),  # the anchor binds "a" only: not split
    (r"[$]x\$$", ("component", "none", r"[$]x\$\Z")),  # only the anchor becomes \Z
])
def test_patterns_are_read_for_where_they_can_match(pattern: str, expected: tuple[str, str, str]) -> None:
    assert classify_pattern(pattern) == expected


def test_a_pattern_that_binds_its_anchor_to_one_branch_still_answers_right() -> None:
    rules = PathRules(["(^|/)a|b/"])
    assert rules("a") and rules("x/a") and rules("xb/y") and not rules("xa")


def test_the_folder_cache_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(path_rules, "_CACHE_LIMIT", 10)
    rules = PathRules(["(^|/)vendor/"])
    for i in range(25):
        assert not rules(f"d{i}/x.c")
        assert rules(f"d{i}/vendor/x.c")
    assert len(rules._folders) <= 10


def test_the_newer_patterns_are_current_linguists_and_go_enry_lacks_them() -> None:
    for pattern in NEWER:
        assert pattern in path_rules_data.VENDOR
    assert path_rules.VENDOR("xvba_modules/a.bas") and not enry.is_vendor("xvba_modules/a.bas")


def test_generated_name_rules_as_one_search() -> None:
    """Linguist's name rules of ``generated?`` run as path rules (ASCII, Python's ``$``): the answers
    of the one regular-expression search they replace, on paths made of their own words."""
    import re

    from crawler.linguist import generated

    search = re.compile("|".join(generated._NAME_RULES), re.ASCII).search
    rng = random.Random(9)
    words = sorted({w for p in generated._NAME_RULES
                    for w in "".join(c if c.isalnum() or c in "_-~" else " " for c in p).split()})
    glue = ["/", ".", "-", "", "_", "/", ".lock", "\n", "é", ".com/"]
    paths = ["".join(rng.choice(words) + rng.choice(glue) for _ in range(rng.randint(1, 5))) for _ in range(5000)]
    paths += ["vendor/github.com/x/y.go", "vendor/-bad.com/x.go", "a/Pods/b.m", "Pods/x", "xPods/y", "a.Designer.CS",
              "x/gradlew", "GRADLEW.BAT", "esy.lock", "a.b.esy.lock", "é.esy.lock", "flake.lock\n",
              ".sqlx/query-" + "a" * 64 + ".json"]
    for path in paths:
        assert generated._NAME(path) == bool(search(path)), path
