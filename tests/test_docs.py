"""Documentation stays true: every command has help, the README names every command."""

from __future__ import annotations

import argparse
from pathlib import Path

from crawler.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def test_every_command_and_option_has_help() -> None:
    build_parser()
    for name, sub in _subcommands().items():
        assert sub.description, name
        for action in sub._actions:
            if action.dest != "help":
                assert action.help, f"{name} {action.dest}"


def test_readme_documents_every_command() -> None:
    readme = (ROOT / "README.md").read_text()
    for name in _subcommands():
        assert f"census {name}" in readme, name


def test_changelog_has_unreleased_section() -> None:
    assert "## [Unreleased]" in (ROOT / "CHANGELOG.md").read_text()


def test_readme_documents_every_option() -> None:
    readme = (ROOT / "README.md").read_text()
    missing = [f"{name} {option}" for name, sub in _subcommands().items() for action in sub._actions
               for option in action.option_strings if option.startswith("--") and option != "--help"
               and option not in readme]
    assert not missing, missing
