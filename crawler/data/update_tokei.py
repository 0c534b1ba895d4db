"""Regenerate ``tokei.json``: which tokei language counts the lines of each Linguist language.

For each language of ``languages.json`` this asks tokei itself (pytokei), by writing one probe
file per extension go-enry knows for the language and reading back which tokei language counted
it. A tokei language whose name matches wins; otherwise the first extension tokei recognises,
unless that tokei language is another Linguist language's own namesake (``.m`` is MATLAB's and
Objective-C's: MATLAB must not be counted as Objective-C). The result maps a Linguist name to the
tokei name and the extension that makes tokei use it. Developer tool::

    python -m crawler.data.update_tokei
"""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

import enry
import pytokei

# Languages tokei 12.1 (pytokei's engine) does not know, counted with a tokei language of the same
# comment and string syntax. Newer tokei defines CUDA and Metal exactly as C++ (// and /* */,
# "…" strings), Cython and Starlark as Python (# comments, quotes, doc strings), SCSS as Sass,
# Gradle as Groovy, WGSL as Rust (// and nested /* */). Data, reviewed by hand: keep it short.
SAME_SYNTAX = {
    "Cuda": "C++", "Metal": "C++", "OpenCL": "C", "Cython": "Python", "Starlark": "Python", "SCSS": "Sass",
    "Gradle": "Groovy", "Gradle Kotlin DSL": "Kotlin", "WGSL": "Rust", "Slang": "HLSL", "Mojo": "Python",
    # Linguist's specialisations of a format tokei knows under the format's name
    "OASv2-yaml": "YAML", "OASv3-yaml": "YAML", "OASv2-json": "JSON", "OASv3-json": "JSON",
    "JSON with Comments": "JavaScript", "MDX": "Markdown",
}


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9+#]", "", name.lower())


def main() -> None:
    table = json.loads(Path(__file__).with_name("languages.json").read_text())["languages"]
    tokei_names = {_norm(n): n for n in pytokei.LanguageType.list()}  # type: ignore[attr-defined]
    probes: dict[str, list[str]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        index = 0
        files: dict[str, tuple[str, str]] = {}
        for name in table:
            for ext in enry.get_language_extensions(name):
                path = Path(tmp) / f"p{index}{ext}"
                path.write_text("x\n")
                files[str(path)] = (name, ext)
                index += 1
        langs = pytokei.Languages()
        langs.get_statistics([tmp], [], pytokei.Config())
        for tokei_type, language in langs.get_languages().items():
            tokei_name = tokei_type.name()  # the display name (``C++``), not the variant (``Cpp``)
            for report in language.reports:
                linguist, ext = files[report.name]
                probes.setdefault(linguist, []).append(f"{tokei_name}\t{ext}")
    mapping: dict[str, dict[str, str]] = {}
    claimed = {tokei_names[_norm(n)] for n in table if _norm(n) in tokei_names}
    for linguist in sorted(table):
        found = [p.split("\t") for p in probes.get(linguist, [])]
        same = [(t, e) for t, e in found if _norm(t) == _norm(linguist)]
        other = [(t, e) for t, e in found if t not in claimed or _norm(t) == _norm(linguist)]
        candidates = same or other
        if candidates:
            mapping[linguist] = {"tokei": candidates[0][0], "ext": candidates[0][1]}
    for linguist, tokei_like in SAME_SYNTAX.items():
        if linguist in table and linguist not in mapping and tokei_like in mapping:
            mapping[linguist] = {**mapping[tokei_like], "same_syntax_as": tokei_like}
    mapping = dict(sorted(mapping.items()))
    out = Path(__file__).with_name("tokei.json")
    lines = [f"{json.dumps(k)}: {json.dumps(v, sort_keys=True)}" for k, v in mapping.items()]
    text = '{"source": "pytokei (tokei) language detection, probed per extension",\n"languages": {\n' \
        + ",\n".join(lines) + "\n}}\n"
    json.loads(text)
    out.write_text(text, encoding="utf-8")
    print(f"{len(mapping)} of {len(table)} Linguist languages map to a tokei language")


if __name__ == "__main__":
    main()
