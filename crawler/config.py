"""Project lists: TOML → frozen values, with errors that name file, line and key.

::

    [[project]]
    name = "Hugging Face"
    repos = ["huggingface/tokenizers", "huggingface/candle"]
    components = "auto"                    # optional default for the project's repositories

    [[project.repo]]                       # optional: settings for one repository
    source = "huggingface/tokenizers"
    ref = "main"
    components = { core = "tokenizers/", python = "bindings/python/" }

A ``[[project.repo]]`` table whose source is ``github:OWNER`` may filter the owner's repositories:
``forks`` and ``archived`` (default false: left out), ``include`` / ``exclude`` (name patterns,
``*`` and ``?``), ``min_stars``, ``pushed_since`` (a date). Relative paths in a config resolve
against the config file's folder. ``[[claim]]`` tables are kept as given (checked by ``census claims``).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from crawler.errors import ConfigError, InputError
from crawler.specs import parse_spec
from crawler.values import COMPONENT_MODES as MODES
from crawler.values import ComponentSetting, OwnerFilters, RepoSpec, Target

_TOP_KEYS = {"project", "claim"}
_PROJECT_KEYS = {"name", "repos", "repo", "components", "description"}
_REPO_KEYS = {"source", "ref", "components", "name"}
#: Filters for ``github:OWNER`` sources: which of the owner's repositories to scan.
_OWNER_KEYS = {"forks", "archived", "include", "exclude", "min_stars", "pushed_since"}


@dataclass(frozen=True)
class RepoEntry:
    """One repository of a project (or, for ``github:OWNER``, all of an owner's), with its settings."""

    spec: RepoSpec
    name: str
    components: ComponentSetting
    filters: OwnerFilters | None = None


@dataclass(frozen=True)
class Project:
    name: str
    repos: tuple[RepoEntry, ...]
    description: str | None = None


@dataclass(frozen=True)
class Config:
    """A parsed project list. ``raw`` is the TOML as given (kept in the snapshot manifest)."""

    path: str | None
    projects: tuple[Project, ...]
    claims: tuple[Mapping[str, Any], ...]
    raw: Mapping[str, Any]

    def targets(self) -> list[Target]:
        return [Target(p.name, r.spec, r.name, r.components, r.filters) for p in self.projects for r in p.repos]


class _Locator:
    """Finds the line of a key in a TOML text, by table and array-of-tables index."""

    # No nested or lazy quantifiers: a long line of ``[`` and spaces (in a multi-line string) must
    # cost linear time, not cubic.
    _HEADER = re.compile(r"^\s*\[\[?([^\[\]\n]*)\]")
    _NAME = re.compile(r"[A-Za-z0-9_.\"' -]+")

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()

    def line(self, section: tuple[str, ...], key: str | None = None) -> int | None:
        """``section`` like ("project", "2", "repo", "0"): the line of ``key`` there (1-based)."""
        counters: dict[tuple[str, ...], int] = {}
        current: tuple[str, ...] = ()
        header_line: int | None = 1 if not section else None
        for number, text in enumerate(self.lines, start=1):
            match = self._HEADER.match(text)
            if match and not self._NAME.fullmatch(match.group(1).strip()):
                match = None
            if match and not text.lstrip().startswith("#"):
                names = tuple(n.strip().strip("\"'") for n in match.group(1).split("."))
                if text.lstrip().startswith("[["):
                    parent = current[: 2 * (len(names) - 1)] if len(names) > 1 else ()
                    counter_key = (*parent, names[-1])
                    index = counters.get(counter_key, -1) + 1
                    counters[counter_key] = index
                    for deeper in [k for k in counters if len(k) > len(counter_key)
                                   and k[:len(counter_key)] == counter_key]:
                        del counters[deeper]
                    current = (*parent, names[-1], str(index))
                else:
                    current = names
                if current == section:
                    header_line = number
                    if key is None:
                        return number
                continue
            if current == section and key is not None and \
                    re.match(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=", text):
                return number
        return header_line


def load_config(path: str | Path) -> Config:
    """Read and validate a config file."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError("no such config file", file=str(file)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config: {exc}", file=str(file)) from None
    return parse_config(text, name=str(file), base_dir=file.resolve().parent)


def parse_config(text: str, *, name: str = "<config>", base_dir: Path | None = None) -> Config:
    """Validate a config given as TOML text."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        at = re.search(r"\(at line (\d+), column \d+\)", message)
        raise ConfigError("invalid TOML: " + re.sub(r"\s*\(at line.*\)", "", message),
                          file=name, line=int(at.group(1)) if at else None) from None
    where = _Locator(text)

    def fail(message: str, section: tuple[str, ...], key: str | None) -> ConfigError:
        label = ".".join(_human(section) + ([key] if key else [])) or None
        return ConfigError(message, file=name, line=where.line(section, key), key=label)

    for key in raw:
        if key not in _TOP_KEYS:
            raise fail(f"unknown key (expected one of: {', '.join(sorted(_TOP_KEYS))})", (), key)
    projects_raw = raw.get("project", [])
    if not isinstance(projects_raw, list) or not all(isinstance(p, dict) for p in projects_raw):
        raise fail("must be [[project]] tables", (), "project")
    claims = raw.get("claim", [])
    if not isinstance(claims, list) or not all(isinstance(c, dict) for c in claims):
        raise fail("must be [[claim]] tables", (), "claim")

    from crawler.claims import ClaimError, parse_claims

    for index, table in enumerate(claims):
        try:
            parse_claims([table])
        except ClaimError as exc:
            named = next((k for k in ("expect", "by", "scope", "text") if k in str(exc) and k in table), None)
            raise fail(str(exc), ("claim", str(index)), named) from None

    projects: list[Project] = []
    seen_projects: set[str] = set()
    for i, proj in enumerate(projects_raw):
        section = ("project", str(i))
        for key in proj:
            if key not in _PROJECT_KEYS:
                raise fail(f"unknown key (expected one of: {', '.join(sorted(_PROJECT_KEYS))})", section, key)
        pname = proj.get("name")
        if not isinstance(pname, str) or not pname.strip():
            raise fail("a project needs a name (a non-empty string)", section, "name" if "name" in proj else None)
        if pname in seen_projects:
            raise fail(f"project {pname!r} is named twice", section, "name")
        seen_projects.add(pname)
        default_components = _components(proj.get("components", "auto"),
                                         lambda m, s=section: fail(m, s, "components"))
        entries: dict[str, RepoEntry] = {}
        order: list[str] = []

        def add(spec_text: Any, sect: tuple[str, ...], key: str, settings: Mapping[str, Any],
                entries: dict[str, RepoEntry] = entries, order: list[str] = order,
                default_components: ComponentSetting = default_components) -> None:
            if not isinstance(spec_text, str):
                raise fail("a repository spec must be a string", sect, key)
            try:
                spec = parse_spec(spec_text, base_dir=base_dir)
            except InputError as exc:
                raise fail(str(exc), sect, key) from None
            if "ref" in settings:
                if not isinstance(settings["ref"], str) or not settings["ref"]:
                    raise fail("ref must be a non-empty string", sect, "ref")
                spec = spec.with_ref(settings["ref"])
            components = _components(settings.get("components", default_components),
                                     lambda m: fail(m, sect, "components"))
            filters = None
            owner_settings = {k: v for k, v in settings.items() if k in _OWNER_KEYS}
            if owner_settings and spec.kind not in ("github-owner", "github-search"):
                raise fail("is a filter for github:OWNER and github-search: sources only", sect,
                           next(iter(owner_settings)))
            if spec.kind in ("github-owner", "github-search"):
                filters = _filters(owner_settings, lambda m, k: fail(m, sect, k))
            display = settings.get("name", spec.name)
            if not isinstance(display, str) or not display:
                raise fail("name must be a non-empty string", sect, "name")
            ident = f"{spec.kind}:{spec.location}"
            if ident in entries and not settings:
                return  # listed twice: once is enough
            if ident not in entries:
                order.append(ident)
            entries[ident] = RepoEntry(spec, display, components, filters)

        repos_list = proj.get("repos", [])
        if not isinstance(repos_list, list):
            raise fail("repos must be a list of repository specs", section, "repos")
        for spec_text in repos_list:
            add(spec_text, section, "repos", {})
        tables = proj.get("repo", [])
        if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
            raise fail("must be [[project.repo]] tables", section, "repo")
        for j, table in enumerate(tables):
            sect = (*section, "repo", str(j))
            for key in table:
                if key not in _REPO_KEYS | _OWNER_KEYS:
                    raise fail(f"unknown key (expected one of: {', '.join(sorted(_REPO_KEYS | _OWNER_KEYS))})",
                               sect, key)
            if "source" not in table:
                raise fail("a [[project.repo]] table needs a source", sect, None)
            add(table["source"], sect, "source", {k: v for k, v in table.items() if k != "source"})
        names: dict[str, str] = {}
        for ident in order:
            entry = entries[ident]
            if entry.name in names:
                raise fail(f"two repositories are named {entry.name!r} in project {pname!r}; "
                           "give one a name in a [[project.repo]] table", section, "repos")
            names[entry.name] = ident
        description = proj.get("description")
        if description is not None and not isinstance(description, str):
            raise fail("description must be a string", section, "description")
        projects.append(Project(pname, tuple(entries[i] for i in order), description))
    return Config(name, tuple(projects), tuple(claims), raw)


def _human(section: tuple[str, ...]) -> list[str]:
    """("project", "2", "repo", "0") → ["project[2]", "repo[0]"]."""
    out: list[str] = []
    for k in range(0, len(section), 2):
        out.append(f"{section[k]}[{section[k + 1]}]" if k + 1 < len(section) else section[k])
    return out


def _filters(settings: Mapping[str, Any], fail: Any) -> OwnerFilters:
    values: dict[str, Any] = {}
    for key in ("forks", "archived"):
        if key in settings:
            if not isinstance(settings[key], bool):
                raise fail(f"{key} must be true or false", key)
            values[key] = settings[key]
    for key in ("include", "exclude"):
        if key in settings:
            patterns = settings[key]
            if isinstance(patterns, str):
                patterns = [patterns]
            if not isinstance(patterns, list) or not all(isinstance(p, str) and p for p in patterns):
                raise fail(f"{key} must be a list of name patterns such as \"llama*\"", key)
            values[key] = tuple(patterns)
    if "min_stars" in settings:
        if not isinstance(settings["min_stars"], int) or isinstance(settings["min_stars"], bool) \
                or settings["min_stars"] < 0:
            raise fail("min_stars must be a whole number, 0 or more", "min_stars")
        values["min_stars"] = settings["min_stars"]
    if "pushed_since" in settings:
        since = settings["pushed_since"]
        if isinstance(since, datetime):
            since = since.date()
        if isinstance(since, str):
            try:
                since = date.fromisoformat(since)
            except ValueError:
                raise fail(f"pushed_since must be a date like 2024-01-31, not {since!r}", "pushed_since") from None
        if not isinstance(since, date):
            raise fail("pushed_since must be a date such as 2024-01-31", "pushed_since")
        values["pushed_since"] = since
    return OwnerFilters(**values)


def _components(value: Any, fail: Any) -> ComponentSetting:
    if isinstance(value, str):
        if value not in MODES:
            raise fail(f"components must be one of {', '.join(repr(m) for m in MODES)} "
                       f"or a table of name = \"path/\", not {value!r}")
        return value
    if isinstance(value, dict):
        if not value:
            raise fail("components table is empty")
        for cname, prefix in value.items():
            if not isinstance(prefix, str):
                raise fail(f"component {cname!r} must map to a path prefix string")
        return dict(value)
    raise fail("components must be a string or a table")
