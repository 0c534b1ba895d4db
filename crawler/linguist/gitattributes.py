"""``.gitattributes`` as GitHub reads them (through libgit2), or as git does.

Linguist asks libgit2 (rugged) for the attributes of each path with the ``.gitattributes`` files of
the commit's tree (``GIT_ATTR_CHECK_INDEX_ONLY``, system file skipped) in GitHub's bare repositories.
We implement the same rules here rather than asking git, because census also reads trees that are
not git repositories (plain folders, GitHub tarballs) and must give them the same answer. Two modes:
``"github"`` (the default: libgit2's rules, so the census follows GitHub) and ``"git"`` (``git
check-attr``'s rules, which the tests check against git itself).

Common rules:

* a pattern without ``/`` matches the file's name at any depth below its ``.gitattributes``; one
  with ``/`` is matched against the path relative to that directory (a leading ``/`` anchors);
* patterns are git's wildmatch, byte by byte: ``*`` and ``?`` and ``[...]`` do not cross ``/`` in
  a path pattern; ``**/``, ``/**/`` and a trailing ``/**`` span directories (``**`` elsewhere is
  ``*``); classes take ``!`` or ``^`` for negation, ranges (``[z-a]`` is empty, not an error) and
  the POSIX classes ``[:alpha:]`` …; ``\\`` escapes; a pattern with an unterminated class, an
  unknown ``[:class:]`` or a trailing backslash never matches (wildmatch aborts on it);
* a pattern ending in ``/`` names directories and so never matches a file; attributes of a
  directory are not inherited by the files in it (``vendor/**``, not ``vendor/``);
* a deeper ``.gitattributes`` overrides a shallower one; within a file a later line wins;
* macros (``[attr]name …``) are read from the top-level file only; ``binary`` is built in;
* values: ``True`` (set), ``False`` (``-attr``), a string (``attr=value``); an attribute that is
  unspecified (never named, or reset with ``!attr``) is absent from the result.

``"git"`` mode (git's ``attr.c``, the blob reader that ``--cached`` and ``--source`` use):

* the file is split at ``\\n``; a line is ``pattern attr1 -attr2 !attr3 attr4=value`` separated
  by blanks (space, tab, CR); ``#`` starts a comment line; a pattern may be C-quoted
  (``"a b.c"``; a malformed quote is taken literally);
* a line of ``MAX_LINE_LENGTH`` bytes or more is ignored (git 2.39.1+), as is a line naming an
  invalid attribute (``[-._A-Za-z0-9]``, not starting with ``-``, not ``builtin_*``) and a
  negative pattern (``!pattern``: "Negative patterns are ignored in git attributes");
* ``attr=`` is the empty string; ``-attr=x`` is unset (False); ``!attr=x`` unspecified;
* macros expand when the path is looked up: the last definition wins wherever it is, and an
  attribute once decided is never decided again, so a macro naming itself (``[attr]m m x``)
  simply stops there — the expansion is iterative and bounded by the number of attributes, like
  git's own (never a recursion);
* ``binary`` is ``-diff -merge -text``. git < 2.52 had a quirk in ``match_pathname`` (``a/b**``
  acting like ``a/b**/``); we follow git 2.52+ and libgit2, which match the whole pattern.

``"github"`` mode (libgit2 1.5–1.9 ``attr_file.c``, verified against rugged 1.5.1):

* the file is scanned, not split: a UTF-8 BOM is skipped; a pattern runs to the first unescaped
  whitespace (space, tab, CR, LF, VT, FF) — ``\\ `` keeps a space in it, and a backslash before a
  newline joins the next line; an empty pattern (``/``, ``!``, ``[attr]`` followed by a blank)
  makes libgit2 read the rest of the line as a new line, and so do we;
* a pattern starting with ``!`` is negated (``GIT_ATTR_FNMATCH_NEGATIVE``): the line applies to
  every path that does NOT match the rest (``git_attr_rule__match`` inverts the match), and a
  negated directory pattern (``!dir/``) applies to every file;
* quoted patterns are not unquoted (libgit2 issue #5781): ``"a b.c" x`` is the pattern ``"a``
  with the attributes ``b.c"`` and ``x``, which matches only a file named ``"a``;
* attribute names are not checked; ``#`` starts a comment anywhere in the attribute list;
  ``attr=`` is True; ``-attr=x`` and ``!attr=x`` are ``"x"``; a line has no length limit;
* macros expand while the file is parsed: a rule of the top-level file sees the macros defined
  above it (GitHub's repositories are bare, so libgit2 reads that file once; a checkout makes
  libgit2 read it twice and see every definition), a nested file sees them all; a definition
  holds its own expansion, so ``[attr]m m x`` is just ``m x``. We expand only the ``wanted``
  attributes (the same values, without libgit2's quadratic growth on a chain of macros each
  naming the one before); without ``wanted``, a file's expansions stop at ``MAX_EXPANSION``;
* a path whose first component is one character and a colon (``b:/x.c``) is a DOS drive to
  libgit2's ``git_fs_path_root``, on every platform: it is matched as ``x.c``, and the
  ``.gitattributes`` files below ``b:`` match against that too, as if they were at the top;
* ``binary`` is ``-diff -merge -text -crlf``; ``[:space:]`` includes VT and FF.

Size: ``.gitattributes`` files of ``MAX_FILE_SIZE`` bytes or more are ignored (git ignores them,
libgit2 ignores those above it); callers read each file whole up to ``MAX_FILE_SIZE`` bytes, so a
file they had to cut is recognised and ignored rather than half-read. Lines that cannot be used
(and, in github mode, lines GitHub reads otherwise than git) are reported in
``GitAttributes.warnings``, at most ``MAX_WARNINGS_PER_FILE`` a file and ``MAX_WARNINGS`` in
all; the parser never raises on any input.

Matching is linear-ish: patterns compile to regular expressions whose only backtracking is
bounded (``*`` segments of a path component are placed leftmost inside atomic groups, ``**``
blocks likewise), so a pattern matches a path in O(len(pattern) × len(path)) at worst;
``wildmatch`` is the plain automaton those expressions are tested against. A pattern of more than
``LONG_PATTERN`` tokens is compiled only when a path long enough to match it comes. Parsed files
are cached by blob id in ``PARSE_CACHE`` (``GitAttributes.from_files``; without an id, by
digest), so a blob present at many paths, or in many commits, is parsed once; a lookup tries
only the rules that can match (literal names and paths, ``*.ext``, ``dir/…`` and ``**/dir/…``
are indexed).
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from operator import itemgetter
from typing import Literal

AttrValue = bool | str
Mode = Literal["github", "git"]
States = tuple[tuple[str, AttrValue | None], ...]  # (name, value); None: reset to unspecified

MAX_FILE_SIZE = 100 * 1024 * 1024  # git's ATTR_MAX_FILE_SIZE, libgit2's GIT_ATTR_MAX_FILE_SIZE
MAX_LINE_LENGTH = 2048             # git's ATTR_MAX_LINE_LENGTH ("git" mode only)
MAX_WARNINGS_PER_FILE = 10
MAX_WARNINGS = 100
MAX_EXPANSION = 1_000_000          # attributes a file may set through macros in all (only reached
                                   # without ``wanted``, by a chain of macros each naming the one before)

_BUILTIN_MACROS: dict[Mode, dict[str, States]] = {
    "git": {"binary": (("diff", False), ("merge", False), ("text", False))},
    "github": {"binary": (("diff", False), ("merge", False), ("text", False), ("crlf", False))},
}


# --- wildmatch ----------------------------------------------------------------------------------

_LIT, _SET, _STAR, _DSTAR, _DIRS = range(5)  # _DSTAR: "**" crossing "/"; _DIRS: "**/", i.e. (.*/)?
Token = tuple[int, bytes]                      # (kind, the byte for _LIT / the members for _SET)
_SLASH = 0x2F
_ALL_BYTES = frozenset(range(256))


def _ctype(test: Callable[[int], bool]) -> bytes:
    return bytes(c for c in range(128) if test(c))


_POSIX_GIT: dict[bytes, bytes] = {  # git's sane_ctype: ASCII only, isspace without VT and FF
    b"alnum": _ctype(lambda c: chr(c).isalnum()), b"alpha": _ctype(lambda c: chr(c).isalpha()),
    b"blank": b"\t ", b"cntrl": _ctype(lambda c: c < 32 or c == 127),
    b"digit": _ctype(lambda c: chr(c).isdigit()), b"graph": bytes(range(0x21, 0x7F)),
    b"lower": _ctype(lambda c: chr(c).islower()), b"print": bytes(range(0x20, 0x7F)),
    b"punct": _ctype(lambda c: 0x21 <= c < 0x7F and not chr(c).isalnum()),
    b"space": b"\t\n\r ", b"upper": _ctype(lambda c: chr(c).isupper()),
    b"xdigit": b"0123456789ABCDEFabcdef",
}
_POSIX: dict[Mode, dict[bytes, bytes]] = {
    "git": _POSIX_GIT,
    "github": {**_POSIX_GIT, b"space": b"\t\n\x0b\x0c\r "},  # libgit2 uses the C library's isspace
}


def _parse_class(p: bytes, i: int, pathname: bool, classes: Mapping[bytes, bytes],
                 notes: list[str] | None = None) -> tuple[bytes, int] | str:
    """``[...]`` at ``p[i]``, read exactly as wildmatch's ``dowild`` reads it: (members, index after
    the ``]``), or why wildmatch would abort on it."""
    n = len(p)

    def at(k: int) -> int:
        return p[k] if k < n else 0

    j = i + 1
    ch = at(j)
    negated = ch in (0x21, 0x5E)  # "!" or "^"
    if negated:
        j += 1
        ch = at(j)
    members: set[int] = set()
    prev = 0
    while True:  # dowild's do { ... } while (prev_ch = p_ch, (p_ch = *++p) != ']')
        if not ch:
            return "unterminated [...]"
        if ch == 0x5C:  # backslash: the next byte, literally
            j += 1
            ch = at(j)
            if not ch:
                return "unterminated [...]"
            members.add(ch)
        elif ch == 0x2D and prev and at(j + 1) and at(j + 1) != 0x5D:  # a range prev-hi
            j += 1
            ch = at(j)
            if ch == 0x5C:
                j += 1
                ch = at(j)
                if not ch:
                    return "unterminated [...]"
            if prev > ch and notes is not None:
                notes.append(f"empty range {chr(prev)}-{chr(ch)}" if max(prev, ch) < 0x7F else "an empty range")
            members.update(range(prev, ch + 1))
            ch = 0
        elif ch == 0x5B and at(j + 1) == 0x3A:  # "[:"
            start = j + 2
            end = p.find(b"]", start)
            if end < 0:
                return "unterminated [:class:]"
            if end - start - 1 < 0 or p[end - 1] != 0x3A:
                members.add(0x5B)  # no ":]": "[" is a plain member
            else:
                name = p[start:end - 1]
                if name not in classes:
                    return f"unknown class [:{name.decode('ascii', 'replace')}:]"
                members.update(classes[name])
                j = end
                ch = 0
        else:
            members.add(ch)
        prev = ch
        j += 1
        ch = at(j)
        if ch == 0x5D:
            break
    if negated:
        members = set(_ALL_BYTES.difference(members))
    if pathname:
        members.discard(_SLASH)
    return bytes(sorted(members)), j + 1


def _tokenize(p: bytes, pathname: bool, classes: Mapping[bytes, bytes],
              notes: list[str] | None = None) -> list[Token] | str:
    """wildmatch's reading of a pattern (``WM_PATHNAME`` when ``pathname``), or why it never matches;
    ``notes`` collects what is legal but surely a mistake."""
    tokens: list[Token] = []
    any_byte = bytes(c for c in range(256) if not (pathname and c == _SLASH))
    i, n = 0, len(p)
    while i < n:
        ch = p[i]
        if ch == 0x5C:  # backslash
            if i + 1 >= n:
                return "ends with a backslash"
            tokens.append((_LIT, p[i + 1:i + 2]))
            i += 2
        elif ch == 0x3F:  # "?"
            tokens.append((_SET, any_byte))
            i += 1
        elif ch == 0x2A:  # "*"
            j = i
            while j < n and p[j] == 0x2A:
                j += 1
            # "**" crosses "/" only between slashes (or the ends): dowild's prev_p / *p test
            boundary = (pathname and j - i >= 2 and (i == 0 or p[i - 1] == _SLASH)
                        and (j == n or p[j] == _SLASH or (p[j] == 0x5C and j + 1 < n and p[j + 1] == _SLASH)))
            if boundary and j < n and p[j] == _SLASH:
                if not tokens or tokens[-1][0] != _DIRS:  # "**/**/" is "**/"
                    tokens.append((_DIRS, b""))
                j += 1
            elif boundary and tokens and tokens[-1][0] == _DIRS:  # "**/**" is "**"
                tokens[-1] = (_DSTAR, b"")
            else:
                tokens.append((_DSTAR if boundary else _STAR, b""))
            i = j
        elif ch == 0x5B:  # "["
            parsed = _parse_class(p, i, pathname, classes, notes)
            if isinstance(parsed, str):
                return parsed
            tokens.append((_SET, parsed[0]))
            i = parsed[1]
        else:
            tokens.append((_LIT, p[i:i + 1]))
            i += 1
    return tokens


def wildmatch(pattern: bytes, text: bytes, *, pathname: bool, mode: Mode = "git") -> bool:
    """git's ``wildmatch(pattern, text, pathname ? WM_PATHNAME : 0)``, as a set-of-states automaton:
    O(len(pattern) × len(text)), whatever the pattern. The reference the compiled rules are tested
    against; lookups use the compiled form."""
    tokens = _tokenize(pattern, pathname, _POSIX[mode])
    if isinstance(tokens, str):
        return False
    end = len(tokens)
    skippable = [kind in (_STAR, _DSTAR, _DIRS) for kind, _ in tokens]

    def closure(states: set[int]) -> set[int]:
        for i in sorted(s for s in states if s >= 0):  # a star may match nothing: step over it
            k = i
            while k < end and skippable[k]:
                k += 1
                states.add(k)
        return states

    # State i: before token i; state ~i: inside the "**/" at i, which must end with a slash.
    current = closure({0})
    for c in text:
        following: set[int] = set()
        for i in current:
            if i == end:
                continue
            kind, arg = tokens[i if i >= 0 else ~i]
            if kind == _LIT:
                if c == arg[0]:
                    following.add(i + 1)
            elif kind == _SET:
                if c in arg:
                    following.add(i + 1)
            elif kind == _STAR:
                if not (pathname and c == _SLASH):
                    following.add(i)
            elif kind == _DSTAR:
                following.add(i)
            else:  # _DIRS: any run of bytes that ends with "/"
                following.add(i if i < 0 else ~i)
                if c == _SLASH:
                    following.add((i if i >= 0 else ~i) + 1)
        current = closure(following)
        if not current:
            return False
    return end in current


@lru_cache(maxsize=1024)
def _set_regex(members: bytes) -> bytes:
    if not members:
        return b"(?!)"
    if len(members) == 1:
        return re.escape(members)
    parts: list[bytes] = []
    start = prev = members[0]
    for c in [*members[1:], -1]:
        if c == prev + 1:
            prev = c
            continue
        parts.append(b"\\x%02x" % start if start == prev else b"\\x%02x-\\x%02x" % (start, prev))
        start = prev = c
    return b"[" + b"".join(parts) + b"]"


def _fixed_regex(tokens: list[Token]) -> bytes:
    return b"".join(re.escape(arg) if kind == _LIT else _set_regex(arg) for kind, arg in tokens)


def _component_regex(tokens: list[Token], star: bytes) -> bytes:
    """``S0*S1*…*Sk`` over text that none of its tokens can leave (one path component, or a name).
    Each middle segment is fixed-width, so its leftmost occurrence is as good as any (the stars
    around it absorb the rest): an atomic lazy search finds it and never backtracks into it."""
    segments: list[list[Token]] = [[]]
    for token in tokens:
        if token[0] == _STAR:
            segments.append([])
        else:
            segments[-1].append(token)
    if len(segments) <= 2:
        return star.join(_fixed_regex(segment) for segment in segments)
    middle = b"".join(b"(?>" + star + b"?" + _fixed_regex(segment) + b")" for segment in segments[1:-1])
    return _fixed_regex(segments[0]) + middle + star + _fixed_regex(segments[-1])


def _block_regex(tokens: list[Token]) -> bytes:
    """Tokens between two ``**``: components separated by literal slashes, each matched whole."""
    components: list[list[Token]] = [[]]
    for token in tokens:
        if token == (_LIT, b"/"):
            components.append([])
        else:
            components[-1].append(token)
    return b"/".join(_component_regex(component, rb"[^/]*") for component in components)


def _regex_source(tokens: list[Token], pathname: bool) -> bytes:
    """A regular expression for the tokens, with bounded backtracking.

    A path pattern is blocks separated by ``**``. Each ``**`` follows a slash (or starts the
    pattern), so every block but the first starts at a component boundary (or, after ``**\\/``,
    with a literal slash) and spans a fixed number of components from there: its match ends where
    its start says. A middle block is therefore best placed at its leftmost possible start (the
    ``**`` after it absorbs the rest), which an atomic lazy search finds; the last block is
    anchored at the end, tried from the right. Each component is matched whole (see
    ``_component_regex``), so no attempt reads more than its block's components."""
    if not pathname:
        return _component_regex(tokens, b".*") + rb"\Z"
    blocks: list[list[Token]] = [[]]
    gaps: list[int] = []
    for token in tokens:
        if token[0] in (_DSTAR, _DIRS):
            gaps.append(token[0])
            blocks.append([])
        else:
            blocks[-1].append(token)
    out = [_block_regex(blocks[0])]
    for i, gap in enumerate(gaps, 1):
        body = _block_regex(blocks[i])
        if i < len(gaps):
            out.append(b"(?>" + (b"(?:.*?/)??" if gap == _DIRS else b".*?") + body + b")")
        else:
            out.append((b"(?:.*/)?" if gap == _DIRS else b".*") + body)
    return b"".join(out) + rb"\Z"


# --- compiled patterns ---------------------------------------------------------------------------

_NEVER, _ALL, _LITERAL, _SUFFIX, _REGEX = range(5)


RegexMatch = Callable[[bytes], "re.Match[bytes] | None"]
LONG_PATTERN = 256  # tokens: a longer pattern is compiled when a path long enough to match it comes


class _LongPattern:
    """The expression of a long pattern, written and compiled on first need: Python's ``re``
    compiles some 15 µs a token, and a pattern can match no path shorter than the bytes it must
    consume, so a hostile megabyte-long pattern costs nothing until a path that long comes."""

    __slots__ = ("_regex", "min_length", "mode", "pathname", "pattern")

    def __init__(self, pattern: bytes, pathname: bool, mode: Mode, min_length: int) -> None:
        self.pattern, self.pathname, self.mode, self.min_length = pattern, pathname, mode, min_length
        self._regex: re.Pattern[bytes] | None = None

    def __call__(self, subject: bytes) -> re.Match[bytes] | None:
        if len(subject) < self.min_length:
            return None
        if self._regex is None:  # two threads may both compile: harmless
            tokens = _tokenize(self.pattern, self.pathname, _POSIX[self.mode])
            assert not isinstance(tokens, str)  # it tokenized once already
            self._regex = re.compile(_regex_source(tokens, self.pathname), re.DOTALL)
        return self._regex.match(subject)


@dataclass(frozen=True, slots=True)
class Matcher:
    """A compiled pattern: ``kind`` says how ``literal`` or ``match`` decides a match."""

    kind: int                           # _NEVER, _ALL, _LITERAL (==), _SUFFIX (endswith), _REGEX
    literal: bytes = b""
    match: RegexMatch | None = None     # _REGEX: the expression's match (None: no match)
    first: bytes | None = None          # a path pattern's literal first component, for indexing
    anywhere: bytes | None = None       # "**/name/…": a literal component the path must have
    problem: str | None = None          # why it never matches (wildmatch aborts)
    note: str | None = None             # legal but surely a mistake (an empty range)

    def __call__(self, subject: bytes) -> bool:
        if self.kind == _LITERAL:
            return subject == self.literal
        if self.kind == _SUFFIX:
            return subject.endswith(self.literal)
        if self.match is not None:
            return self.match(subject) is not None
        return self.kind == _ALL


@lru_cache(maxsize=4096)
def _matcher(pattern: bytes, pathname: bool, mode: Mode) -> Matcher:
    notes: list[str] = []
    tokens = _tokenize(pattern, pathname, _POSIX[mode], notes)
    if isinstance(tokens, str):
        return Matcher(_NEVER, problem=tokens)
    if len(tokens) > LONG_PATTERN:
        min_length = sum(kind in (_LIT, _SET) for kind, _ in tokens)
        compiled = _compiled(tokens, pathname, _LongPattern(pattern, pathname, mode, min_length))
    else:
        compiled = _compiled(tokens, pathname)
    return replace(compiled, note=", ".join(notes)) if notes else compiled


def _compiled(tokens: list[Token], pathname: bool, long: RegexMatch | None = None) -> Matcher:
    if all(kind == _LIT for kind, _ in tokens):
        return Matcher(_LITERAL, b"".join(arg for _, arg in tokens))
    if not pathname and tokens[0][0] == _STAR and all(kind == _LIT for kind, _ in tokens[1:]):
        suffix = b"".join(arg for _, arg in tokens[1:])
        return Matcher(_SUFFIX, suffix) if suffix else Matcher(_ALL)
    if pathname and tokens == [(_DSTAR, b"")]:
        return Matcher(_ALL)
    first = anywhere = None
    if pathname and (_LIT, b"/") in tokens:
        head = tokens[:tokens.index((_LIT, b"/"))]
        if head and all(kind == _LIT for kind, _ in head):
            first = b"".join(arg for _, arg in head)
    if pathname and tokens[0][0] == _DIRS:  # then a whole component: up to a slash or the end
        rest = tokens[1:]
        end = rest.index((_LIT, b"/")) if (_LIT, b"/") in rest else len(rest)
        if end and all(kind == _LIT for kind, _ in rest[:end]):
            anywhere = b"".join(arg for _, arg in rest[:end])
    match = long or re.compile(_regex_source(tokens, pathname), re.DOTALL).match
    return Matcher(_REGEX, match=match, first=first, anywhere=anywhere)


# --- parsing -------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Rule:
    """One pattern line of a ``.gitattributes`` file, compiled."""

    position: int                 # order in the file
    line: int
    pattern: str                  # as read (decoded, for messages)
    basename_only: bool
    negated: bool                 # libgit2's "!pattern": applies where the pattern does not match
    matcher: Matcher
    states: States                # in line order (git: macros expand at lookup; github: expanded)

    def matches(self, path: str | bytes) -> bool:
        """Whether the rule applies to ``path``, relative to its ``.gitattributes``."""
        raw = _raw(path) if isinstance(path, str) else path
        return self.matcher(raw.rpartition(b"/")[2] if self.basename_only else raw) != self.negated


@dataclass(frozen=True, slots=True)
class ParsedFile:
    """One ``.gitattributes`` file: its rules, its macro definitions (in order), its problems."""

    rules: tuple[Rule, ...]
    macros: tuple[tuple[str, States], ...]
    warnings: tuple[tuple[int, str], ...]  # (line, message)


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


def _raw(text: str) -> bytes:
    """A path or text back to its bytes (``surrogateescape`` undoes how census decodes them)."""
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a surrogate that no decoding produced: keep it, somehow
        return text.encode("utf-8", "surrogatepass")


def _show(raw: bytes, limit: int = 60) -> str:
    """A short, printable excerpt for a warning."""
    text = raw[:limit].decode("utf-8", "replace")
    shown = "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text)
    return shown + ("…" if len(raw) > limit else "")


class _Parser:
    def __init__(self, mode: Mode) -> None:
        self.mode = mode
        self.rules: list[Rule] = []
        self.macros: list[tuple[str, States]] = []
        self.warnings: list[tuple[int, str]] = []
        self._interned: dict[States, States] = {}  # many lines share their states: keep one copy

    def warn(self, line: int, message: str) -> None:
        self.warnings.append((line, message))

    def add_rule(self, line: int, pattern: bytes, states: States, *, pathname: bool, negated: bool = False,
                 directory: bool = False, shown: bytes | None = None) -> None:
        matcher = Matcher(_NEVER) if directory else _matcher(pattern, pathname, self.mode)
        if matcher.problem is not None:
            self.warn(line, f"pattern {_show(shown or pattern)} never matches: {matcher.problem}")
        elif matcher.note is not None:
            self.warn(line, f"pattern {_show(shown or pattern)}: {matcher.note}")
        if matcher.kind == _NEVER and not negated:
            return
        if matcher.kind == _NEVER:  # a negated pattern that never matches applies everywhere
            matcher, negated = Matcher(_ALL), False
        states = self._interned.setdefault(states, states)
        self.rules.append(Rule(len(self.rules), line, _text(shown or pattern), not pathname, negated, matcher, states))

    def result(self) -> ParsedFile:
        return ParsedFile(tuple(self.rules), tuple(self.macros), tuple(self.warnings))


_GIT_BLANKS = b" \t\r\n"
_GIT_SPLIT = re.compile(rb"[ \t\r\n]+")
_ATTR_NAME = re.compile(rb"[A-Za-z0-9_.][-A-Za-z0-9_.]*\Z")
_C_ESCAPES = {ord("a"): 7, ord("b"): 8, ord("f"): 12, ord("n"): 10, ord("r"): 13, ord("t"): 9, ord("v"): 11,
              ord("\\"): ord("\\"), ord('"'): ord('"')}


def _unquote_c(text: bytes) -> tuple[bytes, bytes] | None:
    """git's ``unquote_c_style`` of ``text`` (which starts with ``"``): (unquoted, rest) or None."""
    out = bytearray()
    i, n = 1, len(text)
    while i < n:
        ch = text[i]
        if ch == 0x22:
            return bytes(out), text[i + 1:]
        if ch != 0x5C:
            out.append(ch)
            i += 1
            continue
        code = text[i + 1] if i + 1 < n else -1
        if code in _C_ESCAPES:
            out.append(_C_ESCAPES[code])
            i += 2
        elif 0x30 <= code <= 0x33 and all(0x30 <= d <= 0x37 for d in text[i + 2:i + 4]) and i + 3 < n:
            out.append(int(text[i + 1:i + 4], 8))
            i += 4
        else:
            return None
    return None


def _git_name_ok(name: bytes) -> bool:
    return _ATTR_NAME.match(name) is not None and not name.startswith(b"builtin_")


def _parse_git(data: bytes, allow_macros: bool) -> ParsedFile:
    parser = _Parser("git")
    for number, line in enumerate(data.split(b"\n"), 1):
        head = line.lstrip(_GIT_BLANKS)
        if not head or head[0] == 0x23:  # "#"
            continue
        if len(line) >= MAX_LINE_LENGTH:
            parser.warn(number, f"ignored: {len(line)} bytes, git reads lines of less than {MAX_LINE_LENGTH}")
            continue
        unquoted = _unquote_c(head) if head[0] == 0x22 else None
        if head[0] == 0x22 and unquoted is None:
            parser.warn(number, "badly quoted pattern taken literally, as git does")
        if unquoted is not None:
            name, rest = unquoted
            name = name.partition(b"\0")[0]  # git keeps it in a C string
        else:
            end = next((k for k, c in enumerate(head) if c in _GIT_BLANKS), len(head))
            name, rest = head[:end], head[end:]
        macro: str | None = None
        if len(name) > 6 and name.startswith(b"[attr]"):
            if not allow_macros:
                parser.warn(number, f"ignored: macro {_show(name)} outside the top-level .gitattributes")
                continue
            macro_name = _GIT_SPLIT.split(name[6:].lstrip(_GIT_BLANKS), maxsplit=1)[0]
            if not _git_name_ok(macro_name):
                parser.warn(number, f"ignored: {_show(macro_name)} is not a valid attribute name")
                continue
            macro = macro_name.decode("ascii")
        states: list[tuple[str, AttrValue | None]] = []
        for token in _GIT_SPLIT.split(rest):
            if not token:
                continue
            key, equals, value = token.partition(b"=")
            prefix = key[:1] if key[:1] in (b"-", b"!") else b""
            if not _git_name_ok(key[len(prefix):]):
                parser.warn(number, f"ignored: {_show(key[len(prefix):])} is not a valid attribute name")
                break
            setting: AttrValue | None = (False if prefix == b"-" else None if prefix == b"!"
                                         else _text(value) if equals else True)
            states.append((key[len(prefix):].decode("ascii"), setting))
        else:
            if macro is not None:
                parser.macros.append((macro, tuple(states)))
            elif name.startswith(b"!"):
                parser.warn(number, f"ignored: negative pattern {_show(name)} (git ignores them)")
            elif name.endswith(b"/") or not name:
                pass  # a directory pattern never matches a file
            else:
                pathname = b"/" in name
                pattern = name[1:] if name.startswith(b"/") else name
                parser.add_rule(number, pattern, tuple(states), pathname=pathname, shown=name)
    return parser.result()


_SPACE = b" \t\n\x0b\x0c\r"                      # libgit2's git__isspace (the C library's isspace)
_SKIP_SPACE = re.compile(rb"[ \t\n\x0b\x0c\r]*")
_PATTERN_SCAN = re.compile(rb"(?:\\[\x00-\xff]|\\\Z|[^\\ \t\n\x0b\x0c\r])*+")
_ATTR_SPLIT = re.compile(rb"[ \t\x0b\x0c\r]+")


def _trailing_space_length(p: bytes) -> int:
    n = len(p)
    while n and p[n - 1] in b" \t":
        i = n
        while i > 1 and p[i - 2] == 0x5C:
            i -= 1
        if (n - i) % 2:
            break  # an escaped space belongs to the pattern
        n -= 1
    return len(p) - n


def _unescape_spaces(p: bytes) -> bytes:
    """libgit2 keeps every backslash for wildmatch except one before whitespace (and a trailing one)."""
    if b"\\" not in p:
        return p
    out = bytearray()
    escaped = False
    for c in p:
        if not escaped and c == 0x5C:
            escaped = True
            continue
        if escaped and c not in _SPACE:
            out.append(0x5C)
        out.append(c)
        escaped = False
    return bytes(out)


def _github_states(rest: bytes, macros: Mapping[str, States], keep: frozenset[str] | None,
                   budget: list[int]) -> tuple[States, bool, bool]:
    """libgit2's ``git_attr_assignment__parse``: macros expanded, later names replacing earlier
    ones; only the ``keep`` names are kept (the others cannot change them). Also: whether the line
    named anything at all (libgit2 skips lines that do not), and whether an expansion was left out
    because the file's ``budget`` of expanded attributes ran out."""
    assigned: dict[str, AttrValue | None] = {}
    named = cut = False
    for token in _ATTR_SPLIT.split(rest):
        if not token:
            continue
        value: AttrValue | None = True
        if token[0] == 0x2D:  # "-"
            value, token = False, token[1:]
        elif token[0] == 0x21:  # "!"
            value, token = None, token[1:]
        elif token[0] == 0x23:  # "#": the rest of the line is a comment
            break
        key, equals, text = token.partition(b"=")
        if not key:
            continue  # a lone prefix or "=value": skipped
        named = True
        if equals and text:
            value = _text(text)
        name = _text(key)
        if value is True and (expansion := macros.get(name)):
            if len(expansion) > budget[0]:
                cut = True
            else:
                budget[0] -= len(expansion)
                assigned.update(expansion)
        if keep is None or name in keep:
            assigned[name] = value
    return tuple(assigned.items()), named, cut


def _next_line(data: bytes, pos: int) -> int:
    """libgit2's ``git__next_line``: past the end of the line and any blank lines' CR and LF."""
    end = data.find(b"\n", pos)
    if end < 0:
        return len(data)
    end += 1
    while end < len(data) and data[end] in b"\r\n":
        end += 1
    return end


def _parse_github(data: bytes, allow_macros: bool, known: Mapping[str, States],
                  keep: frozenset[str] | None) -> ParsedFile:
    parser = _Parser("github")
    macros = dict(known)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    pos, n = 0, len(data)
    counted, number = 0, 1
    budget = [MAX_EXPANSION]

    def line_at(offset: int) -> int:
        nonlocal counted, number
        number += data.count(b"\n", counted, offset)
        counted = offset
        return number

    while pos < n:
        if n - pos == 1 and data[pos] in b"*.":  # parse_optimized_patterns: the attribute is the byte
            parser.add_rule(line_at(pos), data[pos:], ((_text(data[pos:]), True),), pathname=False)
            break
        skipped = _SKIP_SPACE.match(data, pos)
        pos = skipped.end() if skipped else pos
        if pos >= n:
            break
        if data[pos] == 0x23:  # "#"
            pos = _next_line(data, pos)
            continue
        start = pos
        is_macro = data.startswith(b"[attr]", pos)
        pos += 6 if is_macro else 0
        negated = data.startswith(b"!", pos)
        pos += 1 if negated else 0
        scanned = _PATTERN_SCAN.match(data, pos)
        scan_end = scanned.end() if scanned else pos
        raw, pos = data[pos:scan_end], scan_end
        pathname, slashes = b"/" in raw, raw.count(b"/")
        pattern = raw[1:] if raw.startswith(b"/") else raw
        if pattern.endswith(b"\r"):
            pattern = pattern[:-1]
        pattern = pattern[:len(pattern) - _trailing_space_length(pattern)]
        if not pattern:
            continue  # libgit2 reads on from here: the rest of the line as a line of its own
        directory = pattern.endswith(b"/")
        if directory:
            pattern = pattern[:-1]
            pathname = pathname and slashes > 1
        pattern = _unescape_spaces(pattern)
        line_end = data.find(b"\n", pos)
        states, named, cut = _github_states(data[pos:n if line_end < 0 else line_end], macros, keep, budget)
        pos = _next_line(data, pos)
        if not named:
            continue
        here = line_at(start)
        if cut:
            parser.warn(here, f"macros left unexpanded: the file's macros set over {MAX_EXPANSION} attributes")
        if is_macro:
            if allow_macros:
                name = _text(pattern)
                macros[name] = states
                parser.macros.append((name, states))
            else:
                parser.warn(here, f"ignored: macro {_show(pattern)} outside the top-level .gitattributes")
            continue
        if raw.startswith(b'"'):
            parser.warn(here, f"quoted pattern taken literally, as GitHub does: {_show(raw)}")
        if negated:
            parser.warn(here, f"negative pattern !{_show(raw)}: GitHub applies it to the paths it does not match "
                              "(git ignores the line)")
        parser.add_rule(here, pattern, states, pathname=pathname, negated=negated, directory=directory,
                        shown=(b"!" if negated else b"") + raw)
    return parser.result()


def parse(text: str | bytes, *, allow_macros: bool, mode: Mode = "github",
          macros: Mapping[str, States] | None = None, wanted: Iterable[str] | None = None) -> ParsedFile:
    """The rules of one ``.gitattributes`` file (its bytes, or its text). In ``"github"`` mode,
    ``macros`` are the (expanded) definitions known before the file is read (default: the built-in
    ones), and expansions keep only the ``wanted`` attributes if given: a chain of macros each
    naming the one before stays linear that way (libgit2 would expand it whole)."""
    data = _raw(text) if isinstance(text, str) else text
    data = data.partition(b"\0")[0]  # git and libgit2 both read the file as a C string
    if mode == "git":
        return _parse_git(data, allow_macros)
    keep = frozenset(wanted) if wanted is not None else None
    return _parse_github(data, allow_macros, _BUILTIN_MACROS["github"] if macros is None else macros, keep)


# --- the parse cache -----------------------------------------------------------------------------

class _ParseCache:
    """Parsed files by (blob, mode, role, known macros): least recently used go first once the
    files they came from add up to more than ``budget`` bytes."""

    def __init__(self, budget: int = 64 << 20, entries: int = 1024) -> None:
        self.budget, self.max_entries = budget, entries
        self._lock = threading.Lock()
        self._items: OrderedDict[tuple[str, ...], tuple[ParsedFile, int]] = OrderedDict()
        self._size = 0

    def get(self, key: tuple[str, ...]) -> ParsedFile | None:
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            self._items.move_to_end(key)
            return item[0]

    def put(self, key: tuple[str, ...], parsed: ParsedFile, size: int) -> None:
        if size > self.budget:
            return
        with self._lock:
            if key in self._items:
                return
            self._items[key] = (parsed, size)
            self._size += size
            while self._size > self.budget or len(self._items) > self.max_entries:
                _, (_, dropped) = self._items.popitem(last=False)
                self._size -= dropped

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._size = 0


PARSE_CACHE = _ParseCache()


# --- lookups -------------------------------------------------------------------------------------

# (position, kind, literal, regex match, on basename, negated, states last first)
Item = tuple[int, int, bytes, RegexMatch, bool, bool, States]
_by_position = itemgetter(0)


def _no_regex(subject: bytes) -> None:
    return None


@dataclass(frozen=True, slots=True)
class _RuleSet:
    """The rules of one file that touch the wanted attributes, bucketed so that a lookup only tries
    those that can match: literal names and paths by value, ``*.ext`` by extension, ``dir/…`` by
    first component, ``**/dir/…`` by any component; the rest (``general``) one by one."""

    general: tuple[Item, ...]
    by_name: dict[bytes, tuple[Item, ...]]
    by_path: dict[bytes, tuple[Item, ...]]
    by_ext: dict[bytes, tuple[Item, ...]]
    by_first: dict[bytes, tuple[Item, ...]]
    by_component: dict[bytes, tuple[Item, ...]]

    @staticmethod
    def build(rules: Iterable[Rule], keep: frozenset[str] | None) -> _RuleSet | None:
        general: list[Item] = []
        buckets: tuple[dict[bytes, list[Item]], ...] = ({}, {}, {}, {}, {})
        for rule in rules:
            states = rule.states if keep is None else tuple(s for s in rule.states if s[0] in keep)
            if not states:
                continue
            m = rule.matcher
            item: Item = (rule.position, m.kind, m.literal, m.match or _no_regex, rule.basename_only, rule.negated,
                          states[::-1])
            if rule.negated or m.kind == _ALL:
                general.append(item)
            elif m.kind == _LITERAL:
                buckets[0 if rule.basename_only else 1].setdefault(m.literal, []).append(item)
            elif m.kind == _SUFFIX and b"." in m.literal:
                buckets[2].setdefault(m.literal[m.literal.rfind(b"."):], []).append(item)
            elif m.first is not None:
                buckets[3].setdefault(m.first, []).append(item)
            elif m.anywhere is not None:
                buckets[4].setdefault(m.anywhere, []).append(item)
            else:
                general.append(item)
        if not general and not any(buckets):
            return None
        by_name, by_path, by_ext, by_first, by_component = ({k: tuple(v) for k, v in b.items()} for b in buckets)
        return _RuleSet(tuple(general), by_name, by_path, by_ext, by_first, by_component)

    def matching(self, rel: bytes, base: bytes, ext: bytes) -> list[Item]:
        """The rules that apply to the path (``rel`` to this directory), last line first."""
        hits: list[Item] = []
        for item in self.general:
            _, kind, literal, match, on_base, negated, _ = item
            subject = base if on_base else rel
            if kind == _REGEX:
                hit = match(subject) is not None
            elif kind == _SUFFIX:
                hit = subject.endswith(literal)
            elif kind == _LITERAL:
                hit = subject == literal
            else:
                hit = True
            if hit != negated:
                hits.append(item)
        if self.by_ext and (found := self.by_ext.get(ext)):
            hits.extend(item for item in found if base.endswith(item[2]))
        if self.by_name and (found := self.by_name.get(base)):
            hits.extend(found)
        if self.by_path and (found := self.by_path.get(rel)):
            hits.extend(found)
        if self.by_first and (cut := rel.find(b"/")) > 0 and (found := self.by_first.get(rel[:cut])):
            hits.extend(item for item in found if item[3](rel) is not None)
        if self.by_component:
            tried: set[int] = set()  # a rule's component may occur more than once in the path
            for component in rel.split(b"/"):
                for item in self.by_component.get(component, ()):
                    if item[0] not in tried:
                        tried.add(item[0])
                        if item[3](rel) is not None:
                            hits.append(item)
        if len(hits) > 1:
            hits.sort(key=_by_position, reverse=True)
        return hits


def _drive_root(raw: bytes) -> int:
    """Where libgit2 (``git_fs_path_root``, on every platform) thinks a path is rooted after a DOS
    drive: ``X:/`` with X one character (one UTF-8 sequence); 0 if it does not."""
    if raw[:1] < b"\x80":
        end = 2 if raw[1:2] == b":" else 0
    else:
        end = 1
        while end < 4 and raw[end:end + 1] >= b"\x80":
            end += 1
        end = end + 1 if raw[end:end + 1] == b":" else 0
    return end if end and raw[end:end + 1] == b"/" else 0


def _closure(wanted: frozenset[str], macros: Mapping[str, States]) -> frozenset[str]:
    """The wanted attributes and every macro whose expansion reaches one of them (a walk up the
    "named by" edges: linear, however the macros chain)."""
    named_by: dict[str, list[str]] = {}
    for macro, states in macros.items():
        for name, _ in states:
            named_by.setdefault(name, []).append(macro)
    keep = set(wanted)
    todo = list(wanted)
    while todo:
        for macro in named_by.get(todo.pop(), ()):
            if macro not in keep:
                keep.add(macro)
                todo.append(macro)
    return frozenset(keep)


def _fill_git(result: dict[str, AttrValue | None], states: States, macros: Mapping[str, States]) -> None:
    """git's ``fill_one``: each attribute is decided once; a macro decided True pushes its own
    states, which are read before the rest of the line. ``states`` (and the macros') are last first."""
    stack = [iter(states)]
    while stack:
        for name, value in stack[-1]:
            if name in result:
                continue
            result[name] = value
            if value is True and (expansion := macros.get(name)):
                stack.append(iter(expansion))
                break
        else:
            stack.pop()


class GitAttributes:
    """The attributes of every path of one tree, from its ``.gitattributes`` files.

    ``files`` maps the path of each ``.gitattributes`` (``".gitattributes"``,
    ``"src/.gitattributes"``…) to its text; ``from_files`` takes (blob id, bytes) instead and parses
    each blob once. ``wanted`` limits the rules kept, and the result, to those attributes.
    ``warnings`` lists the lines that could not be used (or that git and GitHub read differently),
    one short line each.
    """

    def __init__(self, files: Mapping[str, str], *, wanted: Iterable[str] | None = None,
                 mode: Mode = "github") -> None:
        encoded: dict[int, bytes] = {}  # one text at many paths is encoded (and digested) once
        blobs: dict[str, tuple[str | None, bytes]] = {}
        for path, text in files.items():
            if id(text) not in encoded:
                encoded[id(text)] = _raw(text)
            blobs[path] = (None, encoded[id(text)])
        self._setup(blobs, wanted, mode)

    @classmethod
    def from_files(cls, files: Mapping[str, tuple[str | None, bytes]], *, wanted: Iterable[str] | None = None,
                   mode: Mode = "github") -> GitAttributes:
        """From path → (blob id or None, raw bytes). A blob is parsed once, however many paths hold
        it (and once across calls while it stays in ``PARSE_CACHE``); without a blob id, the bytes'
        digest stands for it."""
        attributes = cls.__new__(cls)
        attributes._setup(files, wanted, mode)
        return attributes

    def _setup(self, files: Mapping[str, tuple[str | None, bytes]], wanted: Iterable[str] | None,
               mode: Mode) -> None:
        if mode not in ("github", "git"):
            raise ValueError(f"unknown mode {mode!r}")
        self.mode: Mode = mode
        self.warnings: list[str] = []
        self._wanted = frozenset(wanted) if wanted is not None else None
        seen: dict[tuple[str, ...], ParsedFile] = {}
        digests: dict[int, str] = {}  # of blobs without an id, by id of the bytes (``files`` holds them)
        builtin = _BUILTIN_MACROS[mode]

        # github mode expands macros while parsing, so what a parse keeps depends on the wanted
        self._parse_wanted = self._wanted if mode == "github" else None
        self._wanted_key = "*" if self._parse_wanted is None else repr(sorted(self._parse_wanted))
        root = self._load(".gitattributes", files.get(".gitattributes"), seen, digests, root=True, known=builtin)
        macros = dict(builtin)
        macros.update(root.macros if root else ())
        context = "builtin"  # what a nested file's parse depends on (github mode: the macros known)
        if mode == "github" and macros != builtin:
            context = hashlib.sha256(repr(sorted(macros.items())).encode()).hexdigest()
        by_dir: dict[bytes, ParsedFile] = {b"": root} if root else {}
        for path, blob in files.items():
            if path != ".gitattributes" and path.endswith("/.gitattributes"):
                parsed = self._load(path, blob, seen, digests, root=False, known=macros, context=context)
                if parsed is not None:
                    by_dir[_raw(path[: -len("/.gitattributes")])] = parsed

        # Keep only what can touch a wanted attribute. In git mode macros expand at lookup, so a
        # rule that sets (or blocks, with -m or !m) a macro leading to a wanted attribute counts too.
        keep = self._wanted
        self._macros: dict[str, States] = {}
        if mode == "git":
            keep = _closure(keep, macros) if keep is not None else None
            for name, states in macros.items():
                kept = states if keep is None else tuple(s for s in states if s[0] in keep)
                if kept and (keep is None or name in keep):
                    self._macros[name] = kept[::-1]
        sets: dict[int, _RuleSet | None] = {}  # one per distinct parsed file: identical blobs share it
        self._dirs: dict[bytes, _RuleSet] = {}
        for directory, parsed in by_dir.items():
            if id(parsed) not in sets:
                sets[id(parsed)] = _RuleSet.build(parsed.rules, keep)
            if (rule_set := sets[id(parsed)]) is not None:
                self._dirs[directory] = rule_set
        self._root_only = self._dirs.keys() <= {b""}
        self._fresh_fills: dict[int, dict[str, AttrValue | None]] = {}  # git mode: by id of a rule item
        # Every attribute a rule may decide is wanted (no macro in between): counting them tells
        # when the wanted are all decided.
        self._count_done = len(keep) if keep is not None and keep == self._wanted else None

    def _load(self, path: str, blob: tuple[str | None, bytes] | None, seen: dict[tuple[str, ...], ParsedFile],
              digests: dict[int, str], *, root: bool, known: Mapping[str, States],
              context: str = "builtin") -> ParsedFile | None:
        if blob is None:
            return None
        blob_id, data = blob
        if len(data) >= MAX_FILE_SIZE:
            self._warn(path, [(0, f"ignored: {len(data)} bytes or more, the limit is {MAX_FILE_SIZE}")])
            return None
        identity = blob_id if blob_id is not None else digests.get(id(data))
        if identity is None:
            identity = digests[id(data)] = "sha256:" + hashlib.sha256(data).hexdigest()
        key = (self.mode, "root" if root else "nested", context, self._wanted_key, identity)
        parsed = seen.get(key) or PARSE_CACHE.get(key)
        if parsed is None:
            parsed = parse(data, allow_macros=root, mode=self.mode, macros=known, wanted=self._parse_wanted)
            PARSE_CACHE.put(key, parsed, len(data))
        seen[key] = parsed
        self._warn(path, parsed.warnings)
        return parsed

    def _warn(self, path: str, problems: Iterable[tuple[int, str]]) -> None:
        problems = list(problems)
        for line, message in problems[:MAX_WARNINGS_PER_FILE]:
            if len(self.warnings) >= MAX_WARNINGS:
                return
            self.warnings.append(f"line {line} of {path}: {message}" if line else f"{path}: {message}")
        if len(problems) > MAX_WARNINGS_PER_FILE and len(self.warnings) < MAX_WARNINGS:
            self.warnings.append(f"{path}: {len(problems) - MAX_WARNINGS_PER_FILE} more lines ignored or suspect")

    def __bool__(self) -> bool:
        return bool(self._dirs)

    def lookup(self, path: str) -> dict[str, AttrValue]:
        """The specified attributes of the file at ``path`` (relative, ``/``-separated)."""
        if not self._dirs:
            return {}
        raw = _raw(path)
        cut = raw.rfind(b"/")
        base = raw[cut + 1:]
        dot = base.rfind(b".")
        ext = base[dot:] if dot >= 0 else b""
        # libgit2 matches "X:/rest" as "rest", and the files below X: as if they were at the top.
        drive = _drive_root(raw) if self.mode == "github" and (raw[1:2] == b":" or raw[:1] >= b"\x80") else 0
        result: dict[str, AttrValue | None] = {}
        if self._root_only:
            self._apply(result, self._dirs[b""], raw[drive:].lstrip(b"/") if drive else raw, base, ext)
        else:
            while True:  # the deepest .gitattributes first: the first to decide an attribute wins
                rule_set = self._dirs.get(raw[:cut] if cut > 0 else b"")
                rel = raw[drive:].lstrip(b"/") if drive else raw[cut + 1:]
                if rule_set is not None and self._apply(result, rule_set, rel, base, ext):
                    break
                if cut <= 0:
                    break
                cut = raw.rfind(b"/", 0, cut)
        if (wanted := self._wanted) is not None:
            return {k: v for k in wanted if (v := result.get(k)) is not None}
        return {k: v for k, v in result.items() if v is not None}

    def _apply(self, result: dict[str, AttrValue | None], rule_set: _RuleSet, rel: bytes, base: bytes,
               ext: bytes) -> bool:
        """Decide what the rules of one file decide; True once every wanted attribute is decided."""
        wanted, macros, count_done = self._wanted, self._macros, self._count_done
        for item in rule_set.matching(rel, base, ext):
            if macros and not result:  # from nothing decided, a line always decides the same
                if (decided := self._fresh_fills.get(id(item))) is None:
                    decided = self._fresh_fills[id(item)] = {}
                    _fill_git(decided, item[6], macros)
                result.update(decided)
            elif macros:
                _fill_git(result, item[6], macros)
            else:
                for name, value in item[6]:
                    result.setdefault(name, value)
            if count_done is not None:
                if len(result) == count_done:
                    return True
            elif wanted is not None and all(name in result for name in wanted):
                return True
        return False
