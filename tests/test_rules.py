"""The rules census reproduces where go-enry differs from current GitHub Linguist (9.6.0).

Every expected value here is what current Linguist says (checked with its own code while writing
these tests); ``AGREED`` cases are ones Debian's Linguist 7.22 says too, and the repository test
checks them against ``github-linguist``. The repository test against current Linguist runs where
its build is present (``CENSUS_CURRENT_LINGUIST``, default ``/work/linguist-current/census-linguist``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import enry
import polars as pl
import pytest

from crawler.linguist import generated, heuristics, heuristics_data, languages, shebang, strategies
from crawler.linguist.update_heuristics import not_re2, to_python
from crawler.specs import parse_spec
from crawler.step import scan_repo
from crawler.values import Target
from tests.conftest import MakeRepo

LINGUIST = shutil.which("github-linguist")
CURRENT_LINGUIST = os.environ.get("CENSUS_CURRENT_LINGUIST", "/work/linguist-current/census-linguist")

JQ_TRICK = b'#!/bin/sh\nexec jq -nef "$0" "$@"\n.foo\n'
LINE_200 = b"var a=" + b"1" * 194 + b";"


# --- 1. the shebang -------------------------------------------------------------------------------

@pytest.mark.parametrize(("script", "interpreter", "langs"), [
    (JQ_TRICK, "sh", ["Shell"]),                                       # go-enry: jq
    (b'#!/bin/sh\nexec guile -s "$0" "$@"\n', "sh", ["Shell"]),        # go-enry: Scheme
    (b'#!/usr/bin/env sh\nexec jq "$0" "$@"\n', "jq", ["jq"]),        # the trick as Linguist wants it
    (b"#!/bin/sh\r\nexec wish \"$0\" \"$@\"\r\n", "wish", ["Tcl"]),
    (b"#!/bin/sh\n:\n:\n:\n:\nexec tclsh \"$0\" \"$@\"\n", "sh", ["Shell"]),  # sixth line: too late
    (b"#!/usr/bin/env python3.11\n", "python3", ["Python"]),
    (b"#!/usr/local/bin/python3.11.2\n", "python3.11", []),             # go-enry: Python
    (b"#!/usr/bin/env -x python\n", "-x", []),                          # go-enry: Python
    (b"#!/usr/bin/env FOO=bar ruby\n", "ruby", ["Ruby"]),
    (b"#!/usr/bin/env -S deno run --allow-net\n", "deno", None),
    (b"#! /usr/bin/perl -w\n", "perl", ["Perl", "Pod"]),
    (b"#!perl\nuse strict;\n", "perl", ["Perl", "Pod"]),
    (b"#!/usr/bin/osascript -l JavaScript\n", None, []),
    (b"#!/usr/bin/env osascript\n", "osascript", ["AppleScript"]),
    (b"#!/usr/bin/env\n", None, []), (b"#!\n", None, []), (b"#!/\n", "", []), (b"#!/usr/bin/\n", "bin", []),
    (b"no shebang\n", None, []),
])
def test_shebang_interpreter(script: bytes, interpreter: str | None, langs: list[str] | None) -> None:
    assert shebang.interpreter(script) == interpreter
    if langs is not None:  # deno: TypeScript in go-enry's data, also JavaScript in Linguist 9.6's
        assert sorted(shebang.languages(script)) == langs


def test_exec_trick_is_shell_as_in_linguist() -> None:
    assert enry.get_language("x", JQ_TRICK) == "jq"  # what go-enry alone says
    assert languages.detect("tests/jq-f-test.sh", JQ_TRICK) == "Shell"
    assert languages.detect("bin/jq-filter", JQ_TRICK) == "Shell"
    assert languages.detect("bin/filter", b'#!/bin/sh\nexec jq "$0" "$@"\n') == "jq"


def test_shebang_candidates_narrowed_by_the_extension() -> None:
    """``perl`` names Perl and Pod; Linguist keeps what ``.pl`` also names (Perl) and stops there,
    go-enry forgets the shebang and runs the ``.pl`` heuristics (Prolog's ``:-``)."""
    script = b"#!/usr/bin/perl\nfoo(X) :- bar(X).\n"
    assert enry.get_language("t.pl", script) == "Prolog"
    assert languages.detect("t.pl", script) == "Perl"


def test_shebangs_go_enry_reads_alike_take_the_fast_path() -> None:
    assert not strategies.shebang_differs(b"#!/usr/bin/env python3\nprint(1)\n")
    assert strategies.shebang_differs(JQ_TRICK)
    assert languages.detect("tool", b"#!/usr/bin/env python3\nprint(1)\n") == "Python"


# --- 2. heuristics RE2 cannot run ----------------------------------------------------------------

@pytest.mark.parametrize(("path", "content", "expected"), [
    ("page.tpl", b"<html>{$title}</html>\n", "Smarty"),               # go-enry: Go Template (classifier)
    ("page.tpl", b"{* comment *}\n<p>{if $x}y{/if}</p>\n", "Smarty"),
    ("page.tpl", b"<html>{{ .Title }}</html>\n", "Go Template"),
    ("page.TPL", b"<p>{$x}</p>\n", "Smarty"),
    ("hosts.txt", b"127.0.0.1 localhost\n", "Hosts File"),              # go-enry: Text
    ("blocklist.txt", b"0.0.0.0 ads.example.com tracker.example.net\n", "Hosts File"),
    ("filters.txt", b"[Adblock Plus 2.0]\n! Title: x\n||ads.example.com^\n", "Adblock Filter List"),
    ("filters.txt", b"[uBlock Origin; AdGuard 1.2]\n", "Adblock Filter List"),
    ("help.txt", b"*help.txt*\n vim:tw=78:ts=8:ft=help:norl:\n", "Vim Help File"),
    ("notes.txt", b"just words\n", "Text"),
])
def test_heuristics_go_enry_cannot_run(path: str, content: bytes, expected: str) -> None:
    assert languages.detect(path, content) == expected


def test_heuristics_table_is_the_rules_re2_lacks() -> None:
    blocks = heuristics.table()
    assert {ext for block in blocks for ext in block.extensions} == {".tpl", ".txt"}
    for raw in heuristics_data.DISAMBIGUATIONS:  # each block kept has a pattern go-enry cannot run
        patterns = [p for rule in raw["rules"] for c in rule["conditions"] for p in c["any"]]
        assert any(not_re2(p) for p in patterns)
    known = {lang for block in blocks for rule in block.rules for lang in rule.languages}
    assert all(languages.language(name).type for name in known)
    assert heuristics.languages("a.c", b"x") is None and not heuristics.concerns("a.c")


def test_ruby_patterns_in_python() -> None:
    assert to_python(r"(?<v>a|b)(?:;\g<v>)*\z") == r"(?P<v>a|b)(?:;(?:a|b))*\Z"
    assert to_python(r"x\Z") == r"x(?=\n?\Z)"
    assert to_python(r"\h+") == r"[0-9a-fA-F]+"
    assert re.compile(to_python(r"a b", free_spacing=True).encode()).match(b"ab")


# --- blank content: Linguist's classifier finds no token ------------------------------------------

@pytest.mark.parametrize(("path", "expected"), [
    ("blank.rs", "RenderScript"), ("blank.v", "Rocq Prover"), ("blank.m", "Limbo"), ("blank.d", "D"),
    ("blank.py", "Python"), ("blank", None),
])
def test_blank_content_takes_the_first_candidate(path: str, expected: str | None) -> None:
    assert languages.detect(path, b"  \n\t\n") == expected


# --- 3. generated code -----------------------------------------------------------------------------

# (path, content, generated for current Linguist, the same for Linguist 7.22)
GENERATED: list[tuple[str, bytes, bool, bool]] = [
    ("min.js", LINE_200 + b"\n", False, True),            # average over split("\n", -1): 100; go-enry: 200
    ("min.js", LINE_200, True, True),
    ("min.js", LINE_200 + b"\n" + LINE_200 + b"\n", True, True),
    ("MIN.JS", LINE_200, True, True),
    ("a.js", b"x\n" * 3 + b"//# sourceMappingURL=a.js.map\n", True, True),
    ("a.js", b"x\n//# sourceMappingURL=a.js.map\n\n", False, True),  # lines.last(2) = ["", ""]; go-enry: yes
    ("a.js", b"//# sourceMappingURL=a.js.map\nx\n", False, True),
    ("a.js", b"// Generated by CoffeeScript 1.12.7\nvar x;\n", True, True),  # go-enry: no
    ("a.js", b"// Generated by ReScript, PLEASE EDIT WITH CARE\n", True, True),
    ("a.JS", b"// Generated by CoffeeScript 1.12.7\nvar x;\n", False, True),
    ("x.js", b"(function() {\n  var _i, _len, _ref;\n\n}).call(this);\n", True, True),
    ("a.ts", b"// Code generated by protoc-gen-ts_proto. DO NOT EDIT.\n// versions:\n"
             b"//   protoc-gen-ts_proto  v1.181.1\n/* eslint-disable */\nexport const x = 1;\n", True, False),
    ("a.ts", b"// Code generated by protoc-gen-ts_proto. DO NOT EDIT.\nexport const x = 1;\n", False, False),
    ("a.rbi", b"# typed: true\n\n# DO NOT EDIT MANUALLY\n# This is an autogenerated file for types exported from "
              b"the `foo` gem.\n# Please instead update this file by running `bin/tapioca gem foo`.\n", True, False),
    ("a.rbi", b"# typed: strict\n\n# DO NOT EDIT MANUALLY\n# x\n# Please run `bin/tapioca dsl Foo`.\n", True, False),
    ("a.rbi", b"# typed: true\n# hand written\n", False, False),
    ("a.go", b"// Code generated from foo.y. DO NOT EDIT.\npackage a\n", True, False),  # go-enry: no
    ("a.go", b"/* Code generated by x. */\npackage a\n", False, True),                 # go-enry: yes
    ("a.go", b"package a\n// Code generated by stringer; DO NOT EDIT.\n", True, True),
    ("a.go", b"// Code generated by x. DO NOT EDIT.", False, False),  # one line only
    ("x.rb", b"# Code generated by protoc-gen-twirp_ruby 1.10.0, DO NOT EDIT.\nrequire 'twirp'\n", True, False),
    ("a.frm", b"TYPE=VIEW\nquery=select 1\n", True, False),
    ("bun.lock", b"{}\n", True, False), ("sub/gradlew", b"#!/bin/sh\n", True, False),
    ("mvnw.cmd", b"@echo off\n", True, False), ("pixi.lock", b"version: 5\n", True, False),
    ("mise.lock", b"[tools]\n", True, False), ("x/.secrets.baseline", b"{}\n", True, False),
    ("Manifest.toml", b"x\n", True, False), ("JuliaManifest-v1.10.toml", b"x\n", True, False),
    ("vendor/github.com/a/b.go", b"package b\n", True, True),
    ("vendor/a-.com/a.go", b"package b\n", False, False),  # go-enry: yes
    ("Gopkg.lock.bak", b"x\n", True, True),
    ("x.yml", b"a: 1\nrecorded_with: VCR 6.0.0\n", True, True),  # lines[-2]; go-enry: no
    ("x.ps", b"%!PS\n/sfnts [ <00>\n", True, False), ("x.ps", b"/sfnts [<00>\n", False, False),
    ("x.ps", b"%!PS\n%%Creator: Bob\n", False, False), ("x.ps", b"%!PS\n%%Creator: dvips 5.9\n", True, True),
    ("x.html", b"<html>\n<meta content='Org mode' name=generator/>\n", True, True),  # go-enry: no
    ("x.html", b"<html>\n<meta name=\"generator\" content=\"Hugo 0.1\">\n", False, False),
    ("x.htm", b"<!-- Generated by pkgdown: do not edit by hand -->\n<html>\n", True, True),
    ("x.xml", b"<?xml?>\n<doc>\n<assembly>\n</doc>\n", True, True),
    ("x.map", b"{\"version\":3,\"x\":1}", True, True), ("a.JS.MAP", b"x", True, True),
    ("x.dart", b"// GENERATED CODE - DO NOT MODIFY BY HAND\npart of x;\n", True, True),
    ("x.h", b"/* DO NOT EDIT THIS FILE - it is machine generated */\n#include <jni.h>\n", True, True),
    ("ppport.h", b"\n" * 8 + b"Automatically created by Devel::PPPort running under perl 5.030000.\n\n\n", True, True),
    ("a.yy", b"{\n \"x\": 1,\n \"y\": 2\n}\n", True, False),
    ("a.Rd", b"% Generated by roxygen2: do not edit by hand\n\\name{x}\n", True, True),
    ("a.rd", b"% Generated by roxygen2: do not edit by hand\n\\name{x}\n", False, False),  # go-enry: yes
    ("x.pb.h", b"// Generated by the protocol buffer compiler.  DO NOT EDIT!\n#x\n", True, True),
    ("x.java", b"/*\n * This file is generated by jOOQ.\n */\n", True, True),
    ("a.js", b"", False, False), (".bashrc", b"x\n", False, False), ("foo.", b"x\n", False, False),
    ("x.min.js", "é".encode() * 60 + b"\n" + "é".encode() * 60, True, True),  # bytes, not characters
    ("x/.sqlx/query-" + "a" * 64 + ".json", b"{}", True, False), ("x.designer.CS", b"x", True, True),
    ("Pods/x.m", b"x", True, True), ("a/.idea/x.xml", b"x", True, True), ("x_TLB.pas", b"x", True, True),
    ("a.pnp.cjs", b"x", False, False), ("a/.pnp.loader.mjs", b"x", True, True), ("my.esy.lock", b"x", True, True),
    ("node_modules/x/index.js", b"x", True, True),
]


@pytest.mark.parametrize(("path", "content", "expected", "_old"), GENERATED)
def test_generated_as_current_linguist(path: str, content: bytes, expected: bool, _old: bool) -> None:
    assert generated.is_generated(path, content) is expected
    assert languages.is_generated(path, content) is expected


def test_generated_ignores_other_extensions_cheaply() -> None:
    assert generated.extname("a/b.tar.gz") == ".gz" and generated.extname("a/.profile") == ""
    assert not generated.is_generated("src/main.rs", b"// Generated by hand\n" * 1000)


# --- against the Linguists, on a repository -----------------------------------------------------

REPOSITORY: dict[str | bytes, bytes] = {
    "bin/jq-test.sh": JQ_TRICK,                                          # Shell (go-enry: jq)
    "templates/page.tpl": b"<html><h1>{$title}</h1>{include file='x.tpl'}</html>\n",  # Smarty
    "static/one_line.js": LINE_200 + b"\n",                              # not minified (go-enry: generated)
    "static/two_lines.js": (b"x" * 200 + b"\n") * 2,                     # minified
    "static/map_ref.js": b"var x = 1;\n//# sourceMappingURL=a.js.map\n\n",  # no source map (go-enry: one)
    "lib/compiled.js": b"// Generated by CoffeeScript 1.12.7\nvar x = 1;\n",  # generated (go-enry: not)
    "src/main.py": b"print('hello')\n",
    "tools/rules.pl": b"#!/usr/bin/perl\nfoo(X) :- bar(X).\n",         # Perl (go-enry: Prolog)
}
CURRENT_ONLY: dict[str | bytes, bytes] = {
    "api/types.ts": GENERATED[11][1],                                    # ts-proto: generated
    "sorbet/rbi/gems/foo.rbi": GENERATED[13][1],                         # tapioca: generated
    "src/blank.rs": b"\n",                                               # RenderScript (go-enry: XML)
    "gen/parser.go": b"// Code generated from parser.y. DO NOT EDIT.\npackage gen\n",
}


def _breakdown(command: list[str], repo: Path) -> dict[str, str]:
    out = subprocess.run([*command, str(repo), "--breakdown", "--json"], capture_output=True, check=True,
                         timeout=600).stdout
    return {path: group for group, info in json.loads(out).items() for path in info["files"]}


def _census(repo: Path) -> dict[str, str]:
    result = scan_repo(Target("p", parse_spec(str(repo)), "r"))
    counted = result.files.filter(pl.col("counted"))
    return dict(zip(counted["path"], counted["group"], strict=True))


@pytest.mark.linguist
@pytest.mark.skipif(LINGUIST is None and os.environ.get("CENSUS_REQUIRE_LINGUIST") != "1",
                    reason="github-linguist is not installed")
def test_rules_agree_with_linguist_7_22(make_repo: MakeRepo) -> None:
    repo = make_repo(REPOSITORY)
    ours = _census(repo)
    assert ours == _breakdown([LINGUIST or "github-linguist"], repo)
    assert ours["bin/jq-test.sh"] == "Shell" and ours["templates/page.tpl"] == "Smarty"
    assert ours["tools/rules.pl"] == "Perl"
    assert "static/one_line.js" in ours and "lib/compiled.js" not in ours


@pytest.mark.linguist
@pytest.mark.skipif(not os.access(CURRENT_LINGUIST, os.X_OK), reason="no build of current Linguist")
def test_rules_agree_with_current_linguist(make_repo: MakeRepo) -> None:
    repo = make_repo({**REPOSITORY, **CURRENT_ONLY})
    ours = _census(repo)
    assert ours == _breakdown([CURRENT_LINGUIST], repo)
    assert ours["src/blank.rs"] == "RenderScript" and "api/types.ts" not in ours
