"""Repository specs as the contract lists them."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.errors import SpecError
from crawler.specs import parse_spec


@pytest.mark.parametrize(("text", "kind", "location", "ref", "name"), [
    ("huggingface/tokenizers", "github", "huggingface/tokenizers", None, "huggingface/tokenizers"),
    ("github:huggingface/tokenizers@v0.21.0", "github", "huggingface/tokenizers", "v0.21.0", "huggingface/tokenizers"),
    ("huggingface/candle@main", "github", "huggingface/candle", "main", "huggingface/candle"),
    ("github:openai", "github-owner", "openai", None, "openai"),
    ("/srv/git/app.git", "local", "/srv/git/app.git", None, "app"),
    ("/srv/git/app.git@v1.2", "local", "/srv/git/app.git", "v1.2", "app"),
    ("git+file:///srv/git/app.git", "local", "/srv/git/app.git", None, "app"),
    ("git+file:///srv/git/app.git@main", "local", "/srv/git/app.git", "main", "app"),
    ("git+https://example.com/team/app.git", "remote", "https://example.com/team/app.git", None, "app"),
    ("git+ssh://git@example.com/team/app.git@dev", "remote", "ssh://git@example.com/team/app.git", "dev", "app"),
])
def test_parse(text: str, kind: str, location: str, ref: str | None, name: str) -> None:
    spec = parse_spec(text)
    assert (spec.kind, spec.location, spec.ref, spec.name) == (kind, location, ref, name)


def test_relative_and_home_paths(tmp_path: Path) -> None:
    spec = parse_spec("./repo", base_dir=tmp_path)
    assert spec.location == str(tmp_path / "repo") and spec.kind == "local"
    assert parse_spec("../x", base_dir=tmp_path / "a").location == str(tmp_path / "x")
    assert parse_spec("~/src/x").location == str(Path("~/src/x").expanduser())


def test_existing_path_with_at_sign_is_not_split(tmp_path: Path) -> None:
    folder = tmp_path / "name@2"
    folder.mkdir()
    spec = parse_spec(str(folder))
    assert spec.location == str(folder) and spec.ref is None


@pytest.mark.parametrize("text", ["", "   ", "not a spec", "a/b/c", "github:", "git+nourl", "/x@", "github:org@v1"])
def test_bad_specs_name_the_problem(text: str) -> None:
    with pytest.raises(SpecError) as info:
        parse_spec(text)
    assert "\n" not in str(info.value)


def test_credentials_never_kept_in_spec_text() -> None:
    spec = parse_spec("git+https://user:s3cret@example.com/a/b.git")
    assert "s3cret" not in spec.text
