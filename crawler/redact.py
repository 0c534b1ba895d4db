"""Secrets never leave census: credentials embedded in URLs are removed before any text is stored,
logged or shown."""

from __future__ import annotations

import re

# ``scheme://user:password@host`` (and ``user@host`` forms of URLs): everything between ``://``
# and the last ``@`` of the authority.
_USERINFO = re.compile(r"(?<=://)[^/?#\s]*@")


def scrub(text: str) -> str:
    """``text`` without credentials embedded in URLs (``https://user:token@host`` → ``https://host``)."""
    return _USERINFO.sub("", text)
