"""Linguist's language data and go-enry's detection, behind one small interface.

go-enry (``enry-python``) carries Linguist's detection strategies and data. It does not expose
Linguist's ``group`` (the language a file counts as on GitHub's bar) nor aliases (what
``linguist-language=`` accepts); those come from ``data/languages.json`` (see ``data/update.py``).

Where go-enry and Linguist differ, this module follows Linguist (7.22 observed, current rules):

* binary content: Linguist asks charlock_holmes, which treats known magic numbers (PNG, GIF,
  PDF, JPEG) as binary, a UTF-16/32 byte-order mark or ``%!PS-Adobe-`` as text, and otherwise
  any NUL byte as binary. go-enry only looks for a NUL in the first 8,000 bytes and calls
  UTF-16 files binary. ``is_binary`` reproduces charlock's rule; UTF-16/32 text is decoded to
  UTF-8 before go-enry sees it.
* empty files have no language in Linguist; go-enry may still guess from the name.
* Linguist reads at most 128 KiB of a blob (``LazyBlob::MAX_SIZE``): the binary test, the
  modeline search (first and last five lines of those 128 KiB) and ``generated`` see that much,
  but the heuristics and the classifier only the first 50 KiB (``HEURISTICS_CONSIDER_BYTES``,
  ``CLASSIFIER_CONSIDER_BYTES``). go-enry applies every strategy to whatever it is given, so
  ``detect`` asks for the modeline on 128 KiB first, then runs the chain on 50 KiB.
* Files over 1 MiB are not "viewable" to Linguist: it looks for no modeline in them.

Rules go-enry gets wrong are census's own, after current Linguist (9.6.0): the generated-code test
(``generated``), the shebang (``shebang``), heuristics RE2 cannot run (``heuristics``), and
Linguist's strategy chain for the files those concern (``strategies``); see docs/linguist.md.
"""

from __future__ import annotations

import codecs
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata, resources
from typing import Any

import enry

from crawler.linguist import generated, heuristics, heuristics_data, path_rules, path_rules_data, strategies

# Linguist reads this much of a blob for every content-based rule (LazyBlob::MAX_SIZE).
CONTENT_PREFIX = 128 * 1024
# Its heuristics and classifier look at this much of it (HEURISTICS_/CLASSIFIER_CONSIDER_BYTES).
CONSIDER_BYTES = 50 * 1024
# Above this size a blob is not "viewable": no modeline is searched (BlobHelper#large?).
VIEWABLE_SIZE = 1024 * 1024
# The language types that count on the language bar (BlobHelper::DETECTABLE_TYPES).
DETECTABLE_TYPES = frozenset({"programming", "markup"})

_BINARY_MAGIC = (b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a", b"%PDF-", b"\xff\xd8\xff")
_UTF32_BOMS = (codecs.BOM_UTF32_BE, codecs.BOM_UTF32_LE)
_UTF16_BOMS = (codecs.BOM_UTF16_BE, codecs.BOM_UTF16_LE)


@dataclass(frozen=True)
class Language:
    """A Linguist language: its name, type, colour and the group it counts as."""

    name: str
    type: str | None
    color: str | None
    group: str


@lru_cache(maxsize=1)
def _table() -> dict[str, Any]:
    text = resources.files("crawler.data").joinpath("languages.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


@lru_cache(maxsize=1)
def _alias_index() -> dict[str, str]:
    """Linguist's alias index: lower-cased name, default alias (spaces → dashes) and aliases."""
    index: dict[str, str] = {}
    for name, info in _table()["languages"].items():
        for alias in [name.lower(), name.lower().replace(" ", "-"), *info["aliases"]]:
            index.setdefault(alias.lower(), name)
    return index


def data_version() -> dict[str, str]:
    """What the language figures depend on, for the snapshot manifest."""
    try:
        enry_version = metadata.version("enry-python")
    except metadata.PackageNotFoundError:  # pragma: no cover - enry is a hard dependency
        enry_version = "unknown"
    return {
        "detector": f"go-enry (enry-python {enry_version})",
        "groups": _table()["source"],
        "linguist": f"~{_table()['version']}",
        # census's own rules (rows of a snapshot made before them must not be reused).
        "rules": f"Linguist 9.6.0 generated?, shebang, chain; heuristics from {heuristics_data.SOURCE}; "
                 f"paths from {path_rules_data.SOURCE}",
    }


@lru_cache(maxsize=4096)
def language(name: str) -> Language:
    """The language called ``name`` (as go-enry names it)."""
    info = _table()["languages"].get(name)
    if info is None:  # a language go-enry knows and our table does not: it is its own group
        kind = enry.get_language_type(name)
        return Language(name, None if kind == "unknown" else kind, enry.get_color(name) or None, name)
    return Language(name, info["type"], info["color"], info["group"] or name)


def find_by_alias(value: str) -> Language | None:
    """Linguist's ``Language.find_by_alias``, as ``linguist-language=VALUE`` uses it."""
    if not value:
        return None
    index = _alias_index()
    name = index.get(value.lower()) or index.get(value.split(",", 1)[0].lower())
    return language(name) if name else None


def is_binary(prefix: bytes) -> bool:
    """charlock_holmes' binary test, which Linguist applies to a blob's first 128 KiB."""
    if prefix.startswith(b"%!PS-Adobe-"):
        return False
    if prefix.startswith(_BINARY_MAGIC):
        return True
    if prefix.startswith(_UTF32_BOMS) or prefix.startswith(_UTF16_BOMS):
        return False
    return b"\0" in prefix


def _as_utf8(prefix: bytes) -> bytes:
    """UTF-16/32 text (with a byte-order mark) as UTF-8, so go-enry does not call it binary."""
    for boms, codec in ((_UTF32_BOMS, "utf-32"), (_UTF16_BOMS, "utf-16")):
        if prefix.startswith(boms):
            return prefix.decode(codec, errors="replace").encode("utf-8")
    return prefix


def detect(path: str, prefix: bytes, size: int | None = None) -> str | None:
    """Linguist's ``Language.detect`` for a blob of ``size`` bytes whose first 128 KiB is ``prefix``.

    ``None`` for binary and empty blobs, as in Linguist. The strategies (modeline, filename,
    shebang, extension, XML, manpage, heuristics, classifier) run in Linguist's order inside
    go-enry; each sees as much of the blob as Linguist lets it see.
    """
    if not prefix or is_binary(prefix):
        return None
    text = _as_utf8(prefix)
    if b"\0" in text:  # text to charlock (``%!PS-Adobe-``), binary to go-enry: hide the NULs
        text = text.replace(b"\0", b" ")
    # Under 50 KiB go-enry's own modeline step sees what Linguist's does; past it, the modeline
    # search must see the ends of the 128 KiB prefix, which the 50 KiB chain below would not.
    if len(text) > CONSIDER_BYTES and (size if size is not None else len(prefix)) <= VIEWABLE_SIZE \
            and b"UseVimball" not in text[:4096]:
        by_modeline = enry.get_language_by_modeline(text).language
        if by_modeline:
            return str(by_modeline)
    head = text[:CONSIDER_BYTES]
    # Linguist's own chain, only for the few files a rule go-enry gets wrong concerns: a ``#!`` line
    # read otherwise, heuristics RE2 cannot run, blank content (one test of the first byte and one
    # ``endswith`` for the others).
    if (head.startswith(b"#!") and strategies.shebang_differs(head)) or strategies.is_blank(head) or \
            (heuristics.concerns(path) and strategies.heuristics_differ(path, head)):
        return strategies.detect(path, head, lambda: enry.get_language(path, head) or None)
    return _go_enry_chain(path, head)


# A hint of an Emacs or Vim modeline (``-*- mode: x -*-``, ``vim: ft=x``, ``vi:``, ``ex:``, ``Vim600:``),
# looked for in lower-cased text: wider than go-enry's patterns, so that a file without one surely
# has no modeline. ``vi``/``ex`` are found by ``bytes.find`` and what follows them checked: a regular
# expression searching every position costs 15 ns a byte.
_MODELINE_AFTER_WORD = re.compile(rb"m?[<=>]?[0-9]*:")
_MODELINE_LINES = 6  # go-enry reads 5 lines at each end (all of a file of fewer than 10)


def _hint_in(lowered: bytes) -> bool:
    if b"-*-" in lowered:
        return True
    for word in (b"vi", b"ex"):
        at = lowered.find(word)
        while at != -1:
            if _MODELINE_AFTER_WORD.match(lowered, at + 2):
                return True
            at = lowered.find(word, at + 1)
    return False


def _modeline_hint(head: bytes) -> bool:
    """Whether go-enry's modeline strategy could find something in ``head`` (its first and last lines)."""
    ends = [-1]
    for _ in range(2 * _MODELINE_LINES):
        ends.append(head.find(b"\n", ends[-1] + 1))
        if ends[-1] == -1:
            return _hint_in(head.lower())  # a short file: all of it
    first = ends[_MODELINE_LINES]  # the end of the first lines
    last = len(head)
    for _ in range(_MODELINE_LINES + 1):
        last = head.rfind(b"\n", 0, last)
    return _hint_in(head[:first].lower()) or _hint_in(head[last:].lower())


def _go_enry_chain(path: str, head: bytes) -> str | None:
    """go-enry's ``GetLanguage`` (modeline, filename, shebang, extension, XML, manpage, heuristics,
    classifier) on a text ``head``. Most files are decided by their extension alone; for them the
    answer is the extension's one language (looked up once per extension) once the strategies
    before it surely say nothing — no modeline hint, no file name go-enry knows, no ``#!`` — instead
    of the whole chain, whose modeline regular expressions alone cost 45-70 µs a file."""
    lowered = path.lower()
    dot = lowered.find(".")
    if dot != -1 and not head.startswith(b"#!"):
        only = _only_language_by_extension(lowered[dot:])
        if only is not None and not _modeline_hint(head) and not enry.get_language_by_filename(path).language:
            return only
    return enry.get_language(path, head) or None


@lru_cache(maxsize=1)
def _extension_map() -> dict[str, list[str]]:
    """go-enry's extensions (lower-cased) → its languages, for every language of our table."""
    found: dict[str, list[str]] = {}
    for name in _table()["languages"]:
        for ext in enry.get_language_extensions(name) or []:
            found.setdefault(ext.lower(), []).append(name)
    return found


@lru_cache(maxsize=8192)
def _only_language_by_extension(suffix: str) -> str | None:
    """The one language go-enry's extension strategy gives a name whose lower-cased text from its
    first dot is ``suffix``, or None when it gives none or several (or we cannot be sure). As
    go-enry: the longest extension it knows wins (``.min.js`` before ``.js``)."""
    first = enry.get_language_by_extension("x" + suffix).language
    if not first:
        return None
    extensions = _extension_map()
    start = 0
    while start != -1:
        languages = extensions.get(suffix[start:])
        if languages is not None:
            # go-enry's own answers must agree: its first language, and its whole chain on no
            # content naming that one alone (a second language our table lacks would show there).
            if len(languages) == 1 and languages[0] == first and enry.get_languages("x" + suffix, b"") == [first]:
                return str(first)
            return None
        start = suffix.find(".", start + 1)
    return None


@lru_cache(maxsize=1)
def _name_index() -> tuple[dict[str, list[str]], dict[str, set[str]]]:
    """Linguist's filename index (exact names) and extension index (lower-cased extension → languages)."""
    filenames: dict[str, list[str]] = {}
    extensions: dict[str, set[str]] = {}
    for name, info in _table()["languages"].items():
        for filename in info.get("filenames") or []:
            filenames.setdefault(filename, []).append(name)
        for ext in info.get("extensions") or []:
            extensions.setdefault(ext.lower(), set()).add(name)
    return filenames, extensions


def by_name(path: str) -> str | None:
    """The language a path's name alone says — Linguist's filename strategy, then its extension
    strategy, when either names exactly one language — no content read. For files already
    excluded by their path, which Linguist never detects."""
    filenames, extensions = _name_index()
    base = path.rsplit("/", 1)[-1]
    named = filenames.get(base, [])
    if len(named) == 1:
        return named[0]
    if named:
        return None
    lowered = base.lower()
    candidates: set[str] = set()
    start = lowered.find(".")
    while start != -1:  # every extension the name ends with: ".min.js", then ".js"
        candidates |= extensions.get(lowered[start:], set())
        start = lowered.find(".", start + 1)
    return candidates.pop() if len(candidates) == 1 else None


def is_vendored(path: str) -> bool:
    """Linguist's vendor.yml paths (``path_rules``: go-enry's answers, a cgo call fewer per file)."""
    return path_rules.VENDOR(path)


def is_documentation(path: str) -> bool:
    """Linguist's documentation.yml paths (``path_rules``)."""
    return path_rules.DOCUMENTATION(path)


def is_generated(path: str, prefix: bytes) -> bool:
    """Linguist's ``Generated.generated?`` on the path and the first 128 KiB (``generated``, not go-enry's)."""
    return generated.is_generated(path, prefix)


def color(name: str) -> str | None:
    """The language's colour on GitHub's bar."""
    return language(name).color
