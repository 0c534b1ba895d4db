"""Repository specs: what ``--repo`` and config entries name, parsed into values.

=====================================  ==================================================
``OWNER/NAME``, ``github:OWNER/NAME``  a GitHub repository (``@REF``: branch, tag, commit)
``github:OWNER``                       every public repository of an organisation or user
``github-search:QUERY``                every repository a GitHub search matches (past its 1,000 cap)
``/abs``, ``./rel``, ``../rel``, ``~``  a local git repository (bare or not) or plain folder
``git+URL``                            any git remote (``git+file:///…`` reads in place)
=====================================  ==================================================
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

from crawler.errors import SpecError
from crawler.redact import scrub
from crawler.values import RepoSpec

_NAME = r"[A-Za-z0-9_.-]+"
_OWNER = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})"
_GITHUB_REPO = re.compile(rf"^(?P<owner>{_OWNER})/(?P<name>{_NAME})$")
_GITHUB_OWNER = re.compile(rf"^(?P<owner>{_OWNER})$")


def _split_ref(text: str) -> tuple[str, str | None]:
    """``base@REF`` → (base, REF) when the ``@`` comes after the last ``/``."""
    at = text.rfind("@")
    if at > text.rfind("/") and at > 0:
        ref = text[at + 1:]
        if not ref:
            raise SpecError(f"empty ref after '@' in repository spec {text!r}")
        return text[:at], ref
    return text, None


def _expand(text: str) -> Path:
    """``~`` and ``~user`` expanded; a user that does not exist is bad input, not a crash."""
    try:
        return Path(text).expanduser()
    except RuntimeError:
        raise SpecError(f"cannot expand {text.split('/', 1)[0]!r} in {text!r}: no such user") from None


def _local_name(path: Path) -> str:
    name = path.name or str(path)
    return name[:-4] if name.endswith(".git") and len(name) > 4 else name


def parse_spec(text: str, *, base_dir: Path | None = None) -> RepoSpec:
    """Parse one repository spec; relative paths resolve against ``base_dir`` (default: cwd)."""
    raw = text.strip()
    if not raw:
        raise SpecError("empty repository spec")
    if raw.startswith(("/", "./", "../", "~")) or raw in (".", ".."):
        path_text, ref = raw, None
        expanded = _expand(raw)
        if not expanded.exists():
            path_text, ref = _split_ref(raw)
            expanded = _expand(path_text)
        if not expanded.is_absolute():
            expanded = (base_dir or Path.cwd()) / expanded
        location = Path(os.path.normpath(expanded))
        return RepoSpec(raw, "local", str(location), ref, _local_name(location))
    if raw.startswith("github-search:"):
        query = " ".join(raw[len("github-search:"):].split())
        if not query:
            raise SpecError("github-search: needs a query, e.g. github-search:topic:llm stars:>=100")
        if len(query) > 256:
            raise SpecError("a GitHub search query is at most 256 characters (GitHub's limit)")
        return RepoSpec(f"github-search:{query}", "github-search", query, None, f"github-search:{query}")
    if raw.startswith("git+"):
        url, ref = _split_ref(raw[4:])
        parts = urlsplit(url)
        if not parts.scheme or (parts.scheme != "file" and not parts.netloc):
            raise SpecError(f"not a git URL: {scrub(raw)!r} (expected git+https://…, git+ssh://… or git+file:///…)")
        if parts.scheme == "file":
            if not parts.path.strip("/"):
                raise SpecError(f"git+file:// needs a path: {scrub(raw)!r} (e.g. git+file:///srv/repo.git)")
            location = Path(unquote(parts.path))
            return RepoSpec(scrub(raw), "local", str(location), ref, _local_name(location))
        name = _local_name(Path(unquote(parts.path.rstrip("/")) or parts.netloc))
        return RepoSpec(scrub(raw), "remote", url, ref, name)
    body = raw[len("github:"):] if raw.startswith("github:") else raw
    body, ref = _split_ref(body)
    match = _GITHUB_REPO.match(body)
    if match:
        return RepoSpec(raw, "github", f"{match['owner']}/{match['name']}", ref, f"{match['owner']}/{match['name']}")
    if raw.startswith("github:") and _GITHUB_OWNER.match(body):
        if ref:
            raise SpecError(f"a ref cannot be given for a whole owner: {raw!r}")
        return RepoSpec(raw, "github-owner", body, None, body)
    raise SpecError(
        f"cannot understand repository spec {raw!r}: expected OWNER/NAME, github:OWNER[/NAME][@REF], "
        "a path starting with /, ./, ../ or ~, or git+URL")
