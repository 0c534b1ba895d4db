"""Config files: the contract's example, components settings, and errors naming file, line and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.config import load_config, parse_config
from crawler.errors import ConfigError

CONTRACT_EXAMPLE = '''
[[project]]
name = "Hugging Face"
repos = ["huggingface/tokenizers", "huggingface/candle"]

[[project.repo]]                     # optional: one table per repository that needs settings
source = "huggingface/tokenizers"
ref = "main"
components = { core = "tokenizers/", python = "bindings/python/", node = "bindings/node/" }
'''


def test_contract_example() -> None:
    config = parse_config(CONTRACT_EXAMPLE)
    (project,) = config.projects
    assert project.name == "Hugging Face"
    tokenizers, candle = project.repos
    assert tokenizers.spec.ref == "main" and tokenizers.name == "huggingface/tokenizers"
    assert tokenizers.components == {"core": "tokenizers/", "python": "bindings/python/", "node": "bindings/node/"}
    assert candle.components == "auto" and candle.spec.ref is None
    assert [t.name for t in config.targets()] == ["huggingface/tokenizers", "huggingface/candle"]


def test_project_default_components_and_local_paths(tmp_path: Path) -> None:
    (tmp_path / "config").mkdir()
    path = tmp_path / "config" / "x.toml"
    path.write_text('[[project]]\nname = "p"\ncomponents = "top-level"\nrepos = ["../a", "./b"]\n'
                    '[[project.repo]]\nsource = "../c"\nname = "see"\ncomponents = "none"\n'
                    '[[claim]]\ntext = "x"\nscope = "p"\nexpect = "Rust present"\n')
    config = load_config(path)
    repos = config.projects[0].repos
    assert [r.spec.location for r in repos] == [str(tmp_path / "a"), str(tmp_path / "config" / "b"),
                                                str(tmp_path / "c")]
    assert [r.components for r in repos] == ["top-level", "top-level", "none"]
    assert repos[2].name == "see" and config.claims == ({"text": "x", "scope": "p", "expect": "Rust present"},)


@pytest.mark.parametrize(("text", "line", "key", "words"), [
    ('[[project]]\nname = "p"\nrepos = ["x/y"]\ncolour = 1\n', 4, "project[0].colour", "unknown key"),
    ('[[project]]\nname = "p"\n\n[[project]]\nrepos = ["a/b"]\n', 4, "project[1]", "needs a name"),
    ('[[project]]\nname = "p"\nrepos = ["not a spec"]\n', 3, "project[0].repos", "cannot understand"),
    ('[[project]]\nname = "p"\n[[project.repo]]\nsource = "a/b"\ncomponents = "all"\n', 5,
     "project[0].repo[0].components", "components must be one of"),
    ('[[project]]\nname = "p"\n[[project.repo]]\nref = "main"\n', 3, "project[0].repo[0]", "needs a source"),
    ('[[project]]\nname = "p"\n[[project]]\nname = "p"\n', 4, "project[1].name", "named twice"),
    ('[[project]]\nname = "p"\nrepos = ["/x/app", "/y/app"]\n', 3, "project[0].repos", "two repositories"),
    ('project = 3\n', 1, "project", "must be [[project]] tables"),
    ('[[project]]\nname = "p"\n[[project.repo]]\nsource = "a/b"\nref = 3\n', 5, "project[0].repo[0].ref",
     "non-empty string"),
    ('[options]\nx = 1\n', 1, "options", "unknown key"),
])
def test_errors_name_file_line_and_key(text: str, line: int, key: str, words: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(text, name="c.toml")
    error = info.value
    assert (error.file, error.line, error.key) == ("c.toml", line, key)
    assert words in str(error) and str(error).startswith(f"c.toml:{line}: {key}: ")
    assert "\n" not in str(error)


def test_invalid_toml_names_line() -> None:
    with pytest.raises(ConfigError) as info:
        parse_config('[[project]]\nname = "p\n', name="c.toml")
    assert info.value.line == 2 and "invalid TOML" in str(info.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such config file"):
        load_config(tmp_path / "nope.toml")


def test_repo_listed_twice_is_scanned_once() -> None:
    config = parse_config('[[project]]\nname = "p"\nrepos = ["a/b", "github:a/b"]\n')
    assert len(config.projects[0].repos) == 1


def test_owner_filters() -> None:
    config = parse_config('[[project]]\nname = "OpenAI"\n[[project.repo]]\nsource = "github:openai"\nforks = true\n'
                          'include = ["codex*", "tiktoken"]\nexclude = "*-old"\nmin_stars = 10\n'
                          'pushed_since = 2024-06-30\n')
    (entry,) = config.projects[0].repos
    assert entry.filters is not None and entry.filters.forks and not entry.filters.archived
    assert entry.filters.include == ("codex*", "tiktoken") and entry.filters.exclude == ("*-old",)
    assert entry.filters.min_stars == 10 and str(entry.filters.pushed_since) == "2024-06-30"
    assert config.targets()[0].filters == entry.filters


@pytest.mark.parametrize(("body", "key", "words"), [
    ('source = "a/b"\nforks = true\n', "forks", "github:OWNER and github-search: sources only"),
    ('source = "github:o"\nmin_stars = -1\n', "min_stars", "0 or more"),
    ('source = "github:o"\npushed_since = "last year"\n', "pushed_since", "a date"),
    ('source = "github:o"\ninclude = [1]\n', "include", "name patterns"),
])
def test_owner_filter_errors(body: str, key: str, words: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config('[[project]]\nname = "p"\n[[project.repo]]\n' + body, name="c.toml")
    assert info.value.key == f"project[0].repo[0].{key}" and words in str(info.value)
