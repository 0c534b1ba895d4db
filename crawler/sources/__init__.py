"""Where files come from. Every kind of source — a local repository, a work tree, a plain folder,
a local clone, GitHub, any git remote — resolves to a ``Resolution`` and opens as a ``Source``
(``interface.Source``: entries, then their content, streamed) the same way (``resolve.py``)."""

from __future__ import annotations

from crawler.sources.folder import FolderSource, WorktreeSource
from crawler.sources.git import GitSource, RemoteGitSource, run_git
from crawler.sources.interface import Content, Entry, Source
from crawler.sources.resolve import clone_path, open_resolution, resolve

__all__ = ["Content", "Entry", "FolderSource", "GitSource", "RemoteGitSource", "Source", "WorktreeSource",
           "clone_path", "open_resolution", "resolve", "run_git"]
