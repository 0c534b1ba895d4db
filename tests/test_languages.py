"""Language data and detection: Linguist's rules on top of go-enry."""

from __future__ import annotations

import codecs
import json
from importlib import resources

import enry
import pytest

from crawler.linguist import languages


def test_table_matches_go_enry_data() -> None:
    """Every language of our table that go-enry knows has go-enry's type and colour: the group
    data (from linguist-languages) and the detector (go-enry) are of the same Linguist data."""
    table = json.loads(resources.files("crawler.data").joinpath("languages.json").read_text())["languages"]
    unknown = [name for name in table if enry.get_language_type(name) == "unknown"]
    assert len(unknown) <= 2, unknown  # ArkTS is in linguist-languages 9.2.0 but not in go-enry
    for name, info in table.items():
        if name in unknown:
            continue
        assert enry.get_language_type(name) == info["type"], name
        if info["color"]:
            assert enry.get_color(name).lower() == info["color"].lower(), name


@pytest.mark.parametrize(("name", "group"), [
    ("TSX", "TypeScript"), ("Python", "Python"), ("HTML+ERB", "HTML"), ("Jupyter Notebook", "Jupyter Notebook"),
])
def test_groups(name: str, group: str) -> None:
    assert languages.language(name).group == group


@pytest.mark.parametrize(("alias", "name"), [
    ("python", "Python"), ("C++", "C++"), ("cpp", "C++"), ("objective-c", "Objective-C"),
    ("Jupyter Notebook", "Jupyter Notebook"), ("jupyter-notebook", "Jupyter Notebook"),
    ("python,extra", "Python"), ("", None), ("no-such-language", None),
])
def test_find_by_alias(alias: str, name: str | None) -> None:
    found = languages.find_by_alias(alias)
    assert (found.name if found else None) == name


@pytest.mark.parametrize(("prefix", "binary"), [
    (b"int x;\n", False), (b"int x;\0", True), (b"", False), (b"\0", True),
    (b"\x89PNG\r\n\x1a\nint", True), (b"GIF89a text", True), (b"%PDF- text", True), (b"\xff\xd8\xff x", True),
    (b"%!PS-Adobe-3.0\0", False), ("int x;".encode("utf-16"), False), ("int x;".encode("utf-32"), False),
    ("int x;".encode("utf-16-le"), True), (b"caf\xe9 latin-1\n", False),
])
def test_is_binary_follows_charlock(prefix: bytes, binary: bool) -> None:
    assert languages.is_binary(prefix) is binary


@pytest.mark.parametrize(("path", "content", "expected"), [
    ("a.h", b"#include <stdio.h>\nint main(void) { return 0; }\n", "C"),
    ("a.h", b"#include <iostream>\nnamespace x { class A { public: A(); }; }\ntemplate<typename T> T f();\n", "C++"),
    ("a.h", b"#import <Foundation/Foundation.h>\n@interface Foo : NSObject\n@end\n", "Objective-C"),
    ("script", b"#!/usr/bin/env python3\nprint(1)\n", "Python"),
    ("x.txt", b"# vim: set ft=ruby:\nputs 1\n", "Ruby"),
    ("Makefile", b"all:\n\ttrue\n", "Makefile"),
    ("u.c", "int x; // é\n".encode("utf-16"), "C"),
    ("ps.c", b"%!PS-Adobe- int x;\0\n", "C"),
    ("e.c", b"", None),
    ("b.c", b"int\0x", None),
])
def test_detect(path: str, content: bytes, expected: str | None) -> None:
    assert languages.detect(path, content) == expected


def test_heuristics_see_50_kib_and_the_modeline_128_kib() -> None:
    late_cpp = b"int f(int x);\n" * 4000 + b"class Foo { public: int x; };\n"  # C++ only after 50 KiB
    assert languages.detect("a.h", late_cpp) == "C"
    assert languages.detect("a.h", b"int f(int x);\n" * 2000 + b"class Foo { public: int x; };\n") == "C++"
    footer = b"words\n" * 15_000 + b"# vim: set ft=ruby:\n"  # modeline in the last lines of 90 KB
    assert languages.detect("notes.txt", footer) == "Ruby"
    assert languages.detect("notes.txt", footer, size=2 * 1024 * 1024) != "Ruby"  # not viewable: no modeline


def test_bom_constants_cover_both_endians() -> None:
    assert languages.is_binary(codecs.BOM_UTF16_BE + "a".encode("utf-16-be")) is False


def test_data_version_names_detector_and_groups() -> None:
    version = languages.data_version()
    assert "go-enry" in version["detector"] and "linguist-languages" in version["groups"]


# --- go-enry's chain, with its extension step taken first where it surely decides ---------------

CHAIN_CASES = [
    ("a.py", b"import os\n"), ("src/x/y.go", b"package main\n"), ("A.PY", b"x = 1\n"), ("a.c", b"int x;\n"),
    ("a.h", b"#import <Foundation/Foundation.h>\n@interface X\n@end\n"), ("a.h", b"class A {};\n"),
    ("a.rs", b"fn main() {}\n"), ("a.rs", b"<?xml version='1.0'?><x/>\n"), ("a.md", b"# title\n"),
    ("a.py", b"# vim: set ft=ruby:\nputs 1\n"), ("a.py", b"# -*- mode: ruby -*-\nputs 1\n"),
    ("a.py", b"x = 1\n" * 30 + b"# vim: ft=perl\n"), ("a.py", b"# Vim600: ft=c\n"),
    ("a.py", b"#!/usr/bin/env ruby\nputs 1\n"),
    ("Makefile", b"all:\n\techo\n"), ("x/Dockerfile", b"FROM x\n"), ("dir.v2/file.go", b"package x\n"),
    ("a.min.js", b"var a=1;\n"), ("x/.bashrc", b"export A=1\n"), ("a.unknownext", b"hello\n"), ("noext", b"hi\n"),
    ("a.d.ts", b"declare const x: number;\n"), ("a.json", b"{}\n"), ("a.yml", b"a: 1\n"), ("a.toml", b"a = 1\n"),
    ("a.py", b"provide = 'vi' + 'ex' + 'vim'\n"), ("a.js", b"/* ex: set ft=python: */\n"),
]


@pytest.mark.parametrize(("path", "head"), CHAIN_CASES)
def test_go_enry_chain_answers_as_go_enry(path: str, head: bytes) -> None:
    assert languages._go_enry_chain(path, head) == (enry.get_language(path, head) or None)


def test_the_extension_step_is_taken_only_when_go_enry_gives_one_language() -> None:
    assert languages._only_language_by_extension(".py") == "Python"
    assert languages._only_language_by_extension(".rs") is None  # Rust, RenderScript, XML
    assert languages._only_language_by_extension(".h") is None
    assert languages._only_language_by_extension(".nosuchext") is None
