"""Which component of a repository a path belongs to.

Settings (per repository, from config; ``auto`` by default):

* ``"auto"``: every folder holding a package manifest is a component root; a file belongs to
  its deepest root; the repository root is the component ``.``. A Cargo workspace therefore
  gives one component per crate, and tokenizers' bindings come out apart from its core.
  Manifests that are vendored (Linguist's vendor rules or ``linguist-vendored``) make no root:
  ``node_modules/x/package.json`` is not a part of the project.
* ``"top-level"``: each top-level folder; files at the root are ``.``.
* ``"none"``: one component, ``.``.
* a table ``{name = "path/prefix/"}``: a file belongs to the name with the longest prefix that
  contains it; files under no prefix are ``.``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from crawler.values import COMPONENT_MODES, ComponentSetting

ROOT = "."

#: Files whose presence makes their folder a component root (``auto``).
MANIFEST_NAMES = frozenset({
    "Cargo.toml",                                   # Rust
    "pyproject.toml", "setup.py", "setup.cfg",      # Python
    "package.json", "deno.json", "deno.jsonc",      # JavaScript / TypeScript
    "go.mod",                                       # Go
    "pom.xml", "build.gradle", "build.gradle.kts",  # JVM
    "build.sbt", "project.clj", "deps.edn",
    "CMakeLists.txt", "meson.build",                # C / C++
    "composer.json",                                # PHP
    "Gemfile",                                      # Ruby (also *.gemspec)
    "mix.exs", "rebar.config",                      # Elixir / Erlang
    "Package.swift",                                # Swift
    "pubspec.yaml",                                 # Dart
    "stack.yaml", "cabal.project",                  # Haskell (also *.cabal)
    "dune-project",                                 # OCaml
    "Project.toml",                                 # Julia
    "DESCRIPTION",                                  # R packages
    "build.zig",                                    # Zig
    "shard.yml",                                    # Crystal
    "elm.json",
    "Makefile.PL", "cpanfile",                      # Perl
    "flake.nix",
})
MANIFEST_SUFFIXES = (".gemspec", ".cabal", ".csproj", ".fsproj", ".vbproj", ".nimble")

MODES = COMPONENT_MODES


def is_manifest(path: str) -> bool:
    name = path.rsplit("/", 1)[-1]
    return name in MANIFEST_NAMES or name.endswith(MANIFEST_SUFFIXES)


def _parent(path: str) -> str:
    return path.rsplit("/", 1)[0] if "/" in path else ROOT


def normalize_prefix(prefix: str) -> str:
    """``./bindings/python/`` → ``bindings/python``; ``""``, ``.`` and ``/`` → ``.``."""
    text = prefix.strip()
    while text.startswith("./"):
        text = text[2:]
    text = text.strip("/")
    return text or ROOT


@dataclass(frozen=True)
class Components:
    """A component assignment for one repository: call it with a path."""

    setting: ComponentSetting
    roots: frozenset[str] = field(default_factory=frozenset)
    prefixes: tuple[tuple[str, str], ...] = ()  # (prefix, name), explicit tables only
    _cache: dict[str, str] = field(default_factory=dict, compare=False, repr=False)  # folder → its root

    @classmethod
    def build(cls, setting: ComponentSetting, paths: Iterable[str],
              excluded: Callable[[str], bool] = lambda _p: False) -> Components:
        """Components for a tree whose file paths are ``paths``; ``excluded(path)`` tells
        which manifests make no root (vendored ones)."""
        if isinstance(setting, Mapping):
            prefixes = tuple(sorted(((normalize_prefix(p), name) for name, p in setting.items()),
                                    key=lambda item: -len(item[0])))
            return cls(setting, prefixes=prefixes)
        if setting == "auto":
            roots = {_parent(p) for p in paths if is_manifest(p) and not excluded(p)}
            roots.add(ROOT)
            return cls(setting, roots=frozenset(roots))
        if setting in ("top-level", "none"):
            return cls(setting)
        raise ValueError(f"unknown components setting {setting!r}")

    def unmatched(self, paths: Iterable[str]) -> list[tuple[str, str]]:
        """The (name, prefix) of an explicit table that no path falls under: a typo, or a folder that
        does not exist (yet) at this commit."""
        if not self.prefixes:
            return []
        remaining = {prefix: name for prefix, name in self.prefixes if prefix != ROOT}
        for path in paths:
            if not remaining:
                break
            for prefix in [p for p in remaining if path == p or path.startswith(p + "/")]:
                del remaining[prefix]
        return sorted((name, prefix) for prefix, name in remaining.items())

    def __call__(self, path: str) -> str:
        if isinstance(self.setting, Mapping):
            for prefix, name in self.prefixes:
                if prefix == ROOT or path == prefix or path.startswith(prefix + "/"):
                    return name
            return ROOT
        if self.setting == "top-level":
            return path.split("/", 1)[0] if "/" in path else ROOT
        if self.setting == "none":
            return ROOT
        return self._root_of(_parent(path))

    def _root_of(self, directory: str) -> str:
        cache = self._cache
        if directory in cache:
            return cache[directory]
        found, walked = ROOT, []
        while directory != ROOT:
            if directory in cache:
                found = cache[directory]
                break
            walked.append(directory)
            if directory in self.roots:
                found = directory
                break
            directory = _parent(directory)
        for seen in walked:  # every folder on the way up belongs to the same root
            cache[seen] = found
        return found
