"""GitHub's REST API, used by the planner in the driver only: metadata, listings, searches,
commits, and the rate limits that come with them (``api.py``, ``search.py``, ``ratelimit.py``).
Where GitHub is and which token to use are read here, without loading the HTTP client."""

from __future__ import annotations

import os
from collections.abc import Mapping

DEFAULT_API_URL = "https://api.github.com"


def token_from_env(env: Mapping[str, str] | None = None) -> str | None:
    """The token census uses: ``GITHUB_TOKEN``, else ``GH_TOKEN``."""
    env = os.environ if env is None else env
    return env.get("GITHUB_TOKEN") or env.get("GH_TOKEN") or None


def api_url_from_env(env: Mapping[str, str] | None = None) -> str:
    env = os.environ if env is None else env
    return (env.get("GITHUB_API_URL") or DEFAULT_API_URL).rstrip("/")
