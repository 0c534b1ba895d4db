"""Progress: drawn on a terminal, silent when piped."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console

from crawler.progress import ScanProgress
from crawler.run import run
from crawler.specs import parse_spec
from crawler.values import ScanOptions, Target
from tests.conftest import MakeRepo


def test_progress_on_a_terminal_and_quiet_when_piped(make_repo: MakeRepo, tmp_path: Path) -> None:
    repo = make_repo({f"f{i}.py": f"x = {i}\n" for i in range(250)})
    targets = [Target("p", parse_spec(str(repo)), "r")]
    terminal = io.StringIO()
    with ScanProgress(1, Console(file=terminal, force_terminal=True, width=120)) as progress:
        run(targets, ScanOptions(jobs=1), progress=progress)
    assert progress.files == 250 and progress.progress.tasks[0].completed == 1
    assert "repos" in terminal.getvalue() and "files/s" in terminal.getvalue()
    piped = io.StringIO()
    with ScanProgress(1, Console(file=piped, force_terminal=False)) as progress:
        run(targets, ScanOptions(jobs=1), progress=progress)
    assert piped.getvalue() == ""
