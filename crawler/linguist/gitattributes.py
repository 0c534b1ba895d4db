"""``.gitattributes`` as git (and so Linguist, through libgit2) reads them.

Linguist asks libgit2 for the attributes of each path with the ``.gitattributes`` files of the
commit's tree (``GIT_ATTR_CHECK_INDEX_ONLY``): nested files included, system files skipped. We
implement the same rules here rather than asking git, because census also reads trees that are
not git repositories (plain folders, GitHub tarballs) and must give them the same answer:

* a line is ``pattern attr1 -attr2 !attr3 attr4=value``; ``#`` starts a comment; a pattern may
  be C-quoted (``"a b.c"``);
* a pattern without ``/`` matches the file's name at any depth below its ``.gitattributes``;
  one with ``/`` is matched against the path relative to that directory (a leading ``/``
  anchors; ``*`` and ``?`` do not cross ``/``; ``**/``, ``/**/`` and ``/**`` span directories);
* a pattern ending in ``/`` names directories and so never matches a file, and attributes of a
  directory are not inherited by the files in it (``vendor/**``, not ``vendor/``);
* negative patterns (``!pattern``) are not allowed and are ignored, as git does;
* a deeper ``.gitattributes`` overrides a shallower one; within a file a later line wins;
* macros (``[attr]name …``) may be defined in the top-level file only; ``binary`` is built in
  (``-diff -merge -text``).

Values: ``True`` (set), ``False`` (unset, ``-attr``), a string (``attr=value``); an attribute
that is unspecified (never named, or reset with ``!attr``) is absent from the result.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

AttrValue = bool | str

_BUILTIN_MACROS: dict[str, tuple[tuple[str, AttrValue | None], ...]] = {
    "binary": (("diff", False), ("merge", False), ("text", False)),
}
_POSIX_CLASSES = {
    "alnum": r"a-zA-Z0-9", "alpha": r"a-zA-Z", "blank": r" \t", "cntrl": r"\x00-\x1f\x7f",
    "digit": r"0-9", "graph": r"!-~", "lower": r"a-z", "print": r" -~",
    "punct": r"!-/:-@\[-`{-~", "space": r" \t\n\r\f\v", "upper": r"A-Z", "xdigit": r"0-9A-Fa-f",
}
_C_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v",
              '"': '"', "\\": "\\"}


@dataclass(frozen=True)
class Rule:
    """One line of a ``.gitattributes`` file, compiled."""

    pattern: str
    regex: re.Pattern[str]
    basename_only: bool
    assignments: tuple[tuple[str, AttrValue | None], ...]  # None: reset to unspecified


def _unquote(text: str) -> tuple[str, str] | None:
    """A C-quoted pattern at the start of ``text``: (pattern, rest), or None if malformed."""
    out: list[str] = []
    raw = bytearray()
    i = 1
    while i < len(text):
        ch = text[i]
        if ch == '"':
            out.append(raw.decode("utf-8", "surrogateescape"))
            return "".join(out), text[i + 1:]
        if ch == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            if nxt in "01234567" and i + 3 < len(text):
                raw.append(int(text[i + 1:i + 4], 8) & 0xFF)
                i += 4
                continue
            if nxt in _C_ESCAPES:
                raw.extend(_C_ESCAPES[nxt].encode())
                i += 2
                continue
            return None
        raw.extend(ch.encode("utf-8", "surrogateescape"))
        i += 1
    return None


def _class_to_regex(pattern: str, i: int) -> tuple[str, int] | None:
    """Translate ``[...]`` starting at ``pattern[i] == '['``; None when it is not a class."""
    j = i + 1
    negate = False
    if j < len(pattern) and pattern[j] in "!^":
        negate, j = True, j + 1
    parts: list[str] = []
    first = True
    while j < len(pattern):
        ch = pattern[j]
        if ch == "]" and not first:
            body = "".join(parts) or r"\x00"
            return ("[^/" if negate else "(?!/)[") + body + "]", j + 1
        first = False
        if ch == "[" and pattern.startswith("[:", j):
            end = pattern.find(":]", j + 2)
            if end != -1 and pattern[j + 2:end] in _POSIX_CLASSES:
                parts.append(_POSIX_CLASSES[pattern[j + 2:end]])
                j = end + 2
                continue
        if ch == "\\" and j + 1 < len(pattern):
            j += 1
            ch = pattern[j]
        if j + 2 < len(pattern) and pattern[j + 1] == "-" and pattern[j + 2] != "]":
            hi = pattern[j + 2]
            if hi == "\\" and j + 3 < len(pattern):
                hi, j = pattern[j + 3], j + 1
            parts.append(re.escape(ch) + "-" + re.escape(hi))
            j += 3
            continue
        parts.append(re.escape(ch))
        j += 1
    return None


def wildmatch_regex(pattern: str, *, pathname: bool = True) -> str:
    """git's wildmatch (``WM_PATHNAME`` when ``pathname``) as a regular expression."""
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "*":
            j = i
            while j < n and pattern[j] == "*":
                j += 1
            stars = j - i
            at_start = i == 0 or pattern[i - 1] == "/"
            at_end = j == n or pattern[j] == "/"
            if stars >= 2 and at_start and at_end and pathname:
                if j == n:            # "**" at the end (or alone): anything, slashes included
                    out.append(".*")
                else:                 # "**/": zero or more directories
                    out.append("(?:.*/)?")
                    j += 1
            else:
                out.append("[^/]*" if pathname else ".*")
            i = j
            continue
        if ch == "?":
            out.append("[^/]" if pathname else ".")
        elif ch == "[":
            translated = _class_to_regex(pattern, i)
            if translated is None:
                out.append(re.escape(ch))
            else:
                out.append(translated[0])
                i = translated[1]
                continue
        elif ch == "\\" and i + 1 < n:
            i += 1
            out.append(re.escape(pattern[i]))
        else:
            out.append(re.escape(ch))
        i += 1
    return "".join(out)


def parse(text: str, *, allow_macros: bool,
          macros: dict[str, tuple[tuple[str, AttrValue | None], ...]] | None = None) -> list[Rule]:
    """The rules of one ``.gitattributes`` file. Macro definitions go into ``macros``."""
    rules: list[Rule] = []
    for raw_line in text.splitlines():
        line = raw_line.strip(" \t\r")
        if not line or line.startswith("#"):
            continue
        if line.startswith('"'):
            unquoted = _unquote(line)
            if unquoted is None:
                continue
            pattern, rest = unquoted
        else:
            pattern, _, rest = line.partition(" ")
            if "\t" in pattern:
                pattern, _, more = pattern.partition("\t")
                rest = more + " " + rest
        assignments = tuple(_assignments(rest.split()))
        if pattern.startswith("[attr]"):
            if allow_macros and macros is not None:
                macros[pattern[len("[attr]"):]] = assignments
            continue
        if pattern.startswith("!") or pattern.endswith("/") or not pattern:
            continue  # negative patterns are forbidden; directory patterns never match files
        basename_only = "/" not in pattern
        body = pattern[1:] if pattern.startswith("/") else pattern
        regex = re.compile(wildmatch_regex(body, pathname=not basename_only) + r"\Z", re.DOTALL)
        rules.append(Rule(pattern, regex, basename_only, assignments))
    return rules


def _assignments(tokens: Iterable[str]) -> Iterable[tuple[str, AttrValue | None]]:
    for token in tokens:
        if token.startswith("-"):
            yield token[1:], False
        elif token.startswith("!"):
            yield token[1:], None
        elif "=" in token:
            name, _, value = token.partition("=")
            yield name, value
        else:
            yield token, True


class GitAttributes:
    """The attributes of every path of one tree, from its ``.gitattributes`` files.

    ``files`` maps the path of each ``.gitattributes`` (``".gitattributes"``,
    ``"src/.gitattributes"``…) to its text.
    """

    def __init__(self, files: Mapping[str, str], *, wanted: Iterable[str] | None = None) -> None:
        self.macros = dict(_BUILTIN_MACROS)
        root = files.get(".gitattributes")
        by_dir: dict[str, list[Rule]] = {}
        if root is not None:
            by_dir[""] = parse(root, allow_macros=True, macros=self.macros)
        for path, text in files.items():
            if path == ".gitattributes" or not path.endswith("/.gitattributes"):
                continue
            by_dir[path[: -len("/.gitattributes")]] = parse(text, allow_macros=False)
        self._wanted = frozenset(wanted) if wanted is not None else None
        # Keep only the rules that can touch a wanted attribute (after macro expansion).
        self._by_dir = {d: [r for r in rules if self._relevant(r)] for d, rules in by_dir.items()}
        self._by_dir = {d: rules for d, rules in self._by_dir.items() if rules}

    def _relevant(self, rule: Rule) -> bool:
        if self._wanted is None:
            return True
        for name, _ in rule.assignments:
            if name in self._wanted:
                return True
            if any(inner in self._wanted for inner, _ in self.macros.get(name, ())):
                return True
        return False

    def __bool__(self) -> bool:
        return bool(self._by_dir)

    def lookup(self, path: str) -> dict[str, AttrValue]:
        """The specified attributes of the file at ``path`` (relative, ``/``-separated)."""
        state: dict[str, AttrValue | None] = {}
        if not self._by_dir:
            return {}
        basename = path.rsplit("/", 1)[-1]
        dirs = [""]
        parts = path.split("/")[:-1]
        for k in range(1, len(parts) + 1):
            dirs.append("/".join(parts[:k]))
        for directory in dirs:  # shallow to deep: deeper files override
            rules = self._by_dir.get(directory)
            if not rules:
                continue
            relative = path[len(directory) + 1:] if directory else path
            for rule in rules:
                subject = basename if rule.basename_only else relative
                if rule.regex.match(subject):
                    self._apply(state, rule.assignments)
        return {k: v for k, v in state.items() if v is not None}

    def _apply(self, state: dict[str, AttrValue | None],
               assignments: tuple[tuple[str, AttrValue | None], ...]) -> None:
        for name, value in assignments:
            if value is True and name in self.macros:
                self._apply(state, self.macros[name])
            state[name] = value
