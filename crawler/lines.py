"""Lines of code, comments and blanks, counted by tokei's own engine (pytokei).

pytokei counts files on disk, not bytes in memory, so content is written in batches into a
scratch folder (in RAM, ``/dev/shm``, where there is one), each file under a name whose extension
makes tokei use the tokei language of the file's *Linguist* language (``data/tokei.json``: C++
headers detected by Linguist are counted as C++, not as tokei's "C Header" guess). A batch is
counted in one parallel tokei pass and removed: memory and disk stay bounded.

Per file, tokei's summarised statistics: embedded languages (code blocks in Markdown, scripts in
HTML) count as code, or as comments in literate languages; doc strings count as code (tokei's
default). Files of a language tokei does not know, and binary files, get ``lines`` and ``blanks``
only (``code`` and ``comments`` stay null: no one knows their comment syntax).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

# Content above this size is not counted (lines stay null, with a note); it is streamed past.
LINES_LIMIT = 32 * 1024 * 1024
_BATCH_BYTES = 64 * 1024 * 1024
_BATCH_FILES = 4000


@dataclass(frozen=True)
class LineCounts:
    lines: int
    code: int | None
    comments: int | None
    blanks: int


@lru_cache(maxsize=1)
def tokei_map() -> dict[str, dict[str, str]]:
    """Linguist language → {"tokei": name, "ext": extension} (``data/tokei.json``)."""
    text = resources.files("crawler.data").joinpath("tokei.json").read_text(encoding="utf-8")
    mapping: dict[str, dict[str, str]] = json.loads(text)["languages"]
    return mapping


def tokei_language(linguist: str | None) -> str | None:
    entry = tokei_map().get(linguist or "")
    return entry["tokei"] if entry else None


def physical(content: bytes) -> LineCounts:
    """Lines and blank lines as tokei counts them (``\\n``-separated; a last line without a newline counts)."""
    if not content:
        return LineCounts(0, None, None, 0)
    lines = content.split(b"\n")
    if lines[-1] == b"":
        lines.pop()
    blanks = sum(1 for line in lines if not line.strip())
    return LineCounts(len(lines), None, None, blanks)


def _scratch_root() -> str:
    shm = "/dev/shm"
    return shm if os.path.isdir(shm) and os.access(shm, os.W_OK) else tempfile.gettempdir()


class LineCounter:
    """Collects files (by key) and counts them with tokei in batches. Use as a context manager."""

    def __init__(self) -> None:
        self._dir: str | None = None
        self._pending: dict[str, Any] = {}
        self._bytes = 0
        self.results: dict[Any, LineCounts] = {}

    def __enter__(self) -> LineCounter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def add(self, key: Any, content: bytes, language: str | None, *, binary: bool = False) -> None:
        entry = None if binary else tokei_map().get(language or "")
        if entry is None:
            self.results[key] = physical(content)
            return
        if not content:
            self.results[key] = LineCounts(0, 0, 0, 0)
            return
        if self._dir is None:
            self._dir = tempfile.mkdtemp(prefix="census-lines-", dir=_scratch_root())
        name = os.path.join(self._dir, f"f{len(self._pending)}{entry['ext']}")
        with open(name, "wb") as fh:
            fh.write(content)
        self._pending[name] = key
        self._bytes += len(content)
        if self._bytes >= _BATCH_BYTES or len(self._pending) >= _BATCH_FILES:
            self.flush()

    def flush(self) -> None:
        if not self._pending or self._dir is None:
            return
        import pytokei

        languages = pytokei.Languages()
        languages.get_statistics([self._dir], [], pytokei.Config())
        for language in languages.get_languages().values():
            for report in language.reports:
                key = self._pending.pop(report.name, None)
                if key is None:
                    continue
                stats = report.stats.summarise()
                self.results[key] = LineCounts(stats.lines(), stats.code, stats.comments, stats.blanks)
        for name, key in self._pending.items():  # tokei skipped it (it should not): count what we can
            with open(name, "rb") as fh:
                self.results[key] = physical(fh.read())
        self._pending.clear()
        self._bytes = 0
        shutil.rmtree(self._dir, ignore_errors=True)
        self._dir = None

    def close(self) -> None:
        self.flush()
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None
