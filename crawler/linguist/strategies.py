"""Linguist's strategy chain (``Linguist.detect``, 9.6.0) for the files where go-enry's own chain goes wrong.

``languages.detect`` asks go-enry's ``GetLanguage`` for almost every file. A file concerned by a
rule go-enry gets wrong — a script whose ``#!`` line Linguist reads otherwise (``shebang``), a name
ending with an extension whose heuristics go-enry cannot run (``heuristics``) — is detected here
instead, with Linguist's chain: modeline, filename, shebang, extension, XML, manpage, heuristics,
classifier, each strategy given the previous one's candidates; the first to return exactly one
language decides; one returning several passes them on; one returning none leaves the previous
candidates. go-enry supplies the strategies it gets right (its modeline, filename and extension
tables and its heuristics for other extensions). Where go-enry's chain differs from Linguist's:

* go-enry's shebang, extension, manpage and heuristics strategies ignore earlier candidates;
  Linguist keeps only the candidates both name (``candidates & languages``) for the filename,
  shebang and extension strategies, and its XML and manpage strategies pass earlier candidates on;
* the classifier: census has no data for Linguist's (see docs/linguist.md), so go-enry's whole
  answer stands when it is one of Linguist's candidates. Two cases need no data: with no candidates
  Linguist's classifier returns nothing (no language), and on content with no token at all (only
  blanks) it ranks nothing, so Linguist keeps its first candidate where go-enry's naive Bayes
  picks its likeliest language a priori (a blank ``.rs`` file is RenderScript, not XML).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

# enry-python's public API has no list-returning extension or heuristics strategy: its C library
# and helpers are used as its own wrappers use them (enry-python 0.2.0; tests/test_rules.py covers).
from enry.definitions import lib as _lib
from enry.utils import go_str_slice_to_py as _to_list
from enry.utils import prepare_candidates as _candidates

from crawler.linguist import heuristics, shebang

# Linguist's XML strategy: ``<?xml version=`` (the ``<`` optional) in the first two lines.
_XML = re.compile(rb"<?xml version=")
# Linguist's manpage strategy (strategy/manpage.rb).
_MANPAGE = re.compile(r"\.(?:[1-9](?![0-9])[a-z_0-9]*|0p|n|man|mdoc)(?:\.in)?$", re.IGNORECASE)


def _enry(function: Callable[..., object], path: str, content: bytes = b"") -> list[str]:
    """One of go-enry's strategies (``GetLanguagesByX``), with no earlier candidates."""
    no_filter, _ = _candidates(None)
    result: list[str] = _to_list(_lib, function(path.encode("utf-8", "surrogateescape"), content, len(content),
                                                no_filter))
    return result


def by_modeline(content: bytes) -> list[str]:
    return _enry(_lib.GetLanguagesByModeline, "", content)


def by_filename(path: str) -> list[str]:
    return _enry(_lib.GetLanguagesByFilename, path)


def by_extension(path: str) -> list[str]:
    return _enry(_lib.GetLanguagesByExtension, path)


def by_enry_shebang(content: bytes) -> list[str]:
    return _enry(_lib.GetLanguagesByShebang, "", content)


def by_enry_heuristics(path: str, content: bytes) -> list[str]:
    return _enry(_lib.GetLanguagesByContent, path, content)


def _keep(candidates: list[str], found: Sequence[str]) -> list[str]:
    """Linguist's ``candidates.any? ? candidates & languages : languages``."""
    return [c for c in candidates if c in found] if candidates else list(found)


def detect(path: str, content: bytes, enry_answer: Callable[[], str | None]) -> str | None:
    """Linguist's ``detect`` on ``content`` (at most 50 KiB, text), go-enry's strategies where they are right.

    ``enry_answer`` gives go-enry's whole answer, asked only if the classifier decides.
    """
    name = path.rsplit("/", 1)[-1]
    steps: tuple[Callable[[list[str]], list[str]], ...] = (
        lambda c: _keep(c, by_modeline(content)),
        lambda c: _keep(c, by_filename(name)),
        lambda c: _keep(c, shebang.languages(content)),
        lambda c: _keep(c, by_extension(name)),
        lambda c: c or (["XML"] if _XML.search(b"\n".join(content.split(b"\n", 2)[:2])) else []),
        lambda c: c or (["Roff Manpage", "Roff"] if _MANPAGE.search(name) else []),
        lambda c: list(_heuristics(path, content)),
    )
    candidates: list[str] = []
    for step in steps:
        found = step(candidates)
        if len(found) == 1:
            return found[0]
        if found:
            candidates = found
    if not candidates:
        return None  # Linguist's classifier returns nothing without candidates
    if is_blank(content):
        return candidates[0]  # no token: Linguist's classifier ranks nothing, the first candidate stays
    answer = enry_answer()
    return answer if answer in candidates else candidates[0]


def _heuristics(path: str, content: bytes) -> Sequence[str]:
    ours = heuristics.languages(path, content)
    return ours if ours is not None else by_enry_heuristics(path, content)


def is_blank(content: bytes) -> bool:
    """True for content of blanks only, in which Linguist's tokenizer finds no token (one byte
    tested for most files)."""
    return content[:1].isspace() and not content.strip()


def shebang_differs(content: bytes) -> bool:
    """True when go-enry's chain goes wrong on a script's ``#!`` line: Linguist's shebang strategy
    names other languages than go-enry's, or several (``perl``: Perl and Pod), which Linguist's
    extension strategy narrows down (``.pl``: Perl) and go-enry's ignores (Perl, Prolog, Raku)."""
    if not content.startswith(b"#!"):
        return False
    ours = shebang.languages(content)
    return len(ours) > 1 or sorted(ours) != sorted(by_enry_shebang(content))


def heuristics_differ(path: str, content: bytes) -> bool:
    """True when Linguist's heuristics for ``path`` (one ``heuristics`` concerns) differ from go-enry's."""
    ours = heuristics.languages(path, content)
    return ours is not None and sorted(ours) != sorted(by_enry_heuristics(path, content))
