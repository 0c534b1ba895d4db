"""Linguist's shebang strategy: the interpreter a script's ``#!`` line names (``Linguist::Shebang``, 9.6.0).

go-enry reads the interpreter its own way, and differs from Linguist on:

* the ``exec`` trick of ``sh`` scripts that re-run themselves with another interpreter: Linguist
  (since 9.1) only accepts ``exec NAME`` followed by ``$0`` and ``$@`` separated by nothing but
  blanks and quotes, in one of the first five lines; go-enry accepts anything in between
  (``exec (\\w+).+\\$0.+\\$@``), so ``#!/bin/sh`` + ``exec jq -nef "$0" "$@"`` is jq for go-enry
  and Shell for Linguist;
* ``/usr/bin/env`` options: Linguist skips only ``-[i0uCSv]*`` and ``--long`` options followed by
  blanks, and ``NAME=VALUE`` assignments, from the left; go-enry skips any word with a dash;
* versions: Linguist strips the last ``.N`` of any interpreter (``perl5.30`` is ``perl5``),
  go-enry only those of ``pythonN.N``;
* ``#!perl`` (no path, no blank): Linguist strips the ``#!``, go-enry keeps the word as it is.

The interpreter → languages table is go-enry's (``languages.yml``'s ``interpreters``), asked one
interpreter at a time through go-enry's own shebang strategy on a one-line script.
"""

from __future__ import annotations

import re
from functools import lru_cache

import enry

# Linguist's multiline ``exec`` trick (shebang.rb), searched in each of the first five lines.
_EXEC_TRICK = re.compile(rb"""exec (\w+)[\s"']+\$0[\s"']+\$@""")
_PATH = re.compile(rb"#!\s*\S+")
_BLANKS = re.compile(rb"\s+")
_ENV_OPTIONS = re.compile(rb"((-[i0uCSv]*|--\S+)\s+)+")
_ENV_ASSIGNMENTS = re.compile(rb"(\S+=\S+\s+)+")
_WORD = re.compile(rb"\S+")
_VERSION = re.compile(rb"\.\d+\Z")
_HASHBANG = re.compile(rb"\A#!\s*")
_OSASCRIPT_LANGUAGE = re.compile(rb"-l\s?")
# go-enry rewrites ``pythonN.N…`` itself: such a name cannot be asked of its table as it is.
_ENRY_PYTHON_VERSION = re.compile(rb"python\d\.\d")


def interpreter(data: bytes) -> str | None:
    """``Linguist::Shebang.interpreter``: the interpreter of a script starting with ``#!``, or ``None``.

    Works on bytes, as Linguist does on a blob read from git (a binary Ruby string, so ``\\w`` and
    ``\\s`` are ASCII); returns the name decoded as UTF-8 (undecodable bytes escaped).
    """
    if not data.startswith(b"#!"):
        return None
    end = data.find(b"\n")
    line = data if end < 0 else data[:end]
    found = _PATH.match(line)
    if found is None:  # nothing after the #!
        return None
    pos = found.end()
    parts = [part for part in found.group().split(b"/")]
    while len(parts) > 1 and not parts[-1]:  # Ruby's split drops trailing empty fields
        parts.pop()
    script: bytes | None = parts[-1]
    if script == b"env":
        blanks = _BLANKS.match(line, pos)
        pos = blanks.end() if blanks else pos
        while skipped := _ENV_OPTIONS.match(line, pos) or _ENV_ASSIGNMENTS.match(line, pos):
            pos = skipped.end()
        word = _WORD.match(line, pos)
        script, pos = (word.group(), word.end()) if word else (None, pos)
    if not script:
        return None
    script = _VERSION.sub(b"", script, count=1)
    script = _HASHBANG.sub(b"", script, count=1)
    if script == b"sh":
        for candidate in data.split(b"\n", 5)[:5]:
            trick = _EXEC_TRICK.search(candidate)
            if trick:
                script = trick.group(1)
                break
    if script == b"osascript" and _OSASCRIPT_LANGUAGE.search(line, pos):
        return None  # ``osascript -l LANG``: the language is not the interpreter's
    return _basename(script).decode("utf-8", "surrogateescape")


def _basename(path: bytes) -> bytes:
    """Ruby's ``File.basename``: the last non-empty component (``/`` for a path of slashes)."""
    stripped = path.rstrip(b"/")
    if not stripped:
        return b"/" if path else b""
    return stripped.rsplit(b"/", 1)[-1]


@lru_cache(maxsize=1024)
def languages_for(name: str) -> tuple[str, ...]:
    """The languages whose ``interpreters`` list ``name`` (``Language.find_by_interpreter``)."""
    raw = name.encode("utf-8", "surrogateescape")
    if not raw or _ENRY_PYTHON_VERSION.search(raw) or any(c in raw for c in b" \t\r\n\0"):
        return ()
    # go-enry's shebang strategy on ``#!NAME`` reads NAME back unchanged (its basename, no env, no
    # ``sh`` trick in a one-line script) and looks it up in its interpreter table.
    return tuple(enry.get_languages_by_shebang("", b"#!" + raw + b"\n"))


def languages(data: bytes) -> tuple[str, ...]:
    """Linguist's shebang strategy with no earlier candidates: the interpreter's languages."""
    name = interpreter(data)
    return languages_for(name) if name else ()
