"""Progress on a terminal: repositories done / total and files per second (quiet when piped)."""

from __future__ import annotations

import time
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from crawler.values import RepoResult, Target


class ScanProgress:
    """A ``census.run`` progress hook drawing a rich progress bar on stderr."""

    def __init__(self, total: int, console: Console | None = None) -> None:
        self.console = console or Console(stderr=True)
        self.enabled = self.console.is_terminal
        self.files = 0
        self.started = time.monotonic()
        self.progress = Progress(
            TextColumn("[bold]census[/] {task.description}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("repos · {task.fields[files]:,} files · {task.fields[rate]:,.0f} files/s"),
            TimeElapsedColumn(), console=self.console, transient=True, disable=not self.enabled,
        )
        self.task = self.progress.add_task("scanning", total=total, files=0, rate=0.0)

    def __enter__(self) -> ScanProgress:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def __call__(self, event: str, payload: Any) -> None:
        if event == "total":
            self.progress.update(self.task, total=int(payload))
        elif event == "files":
            self.files += int(payload)
            rate = self.files / max(time.monotonic() - self.started, 1e-6)
            self.progress.update(self.task, files=self.files, rate=rate)
        elif event == "start" and isinstance(payload, Target):
            self.progress.update(self.task, description=payload.name)
        elif event == "done" and isinstance(payload, RepoResult):
            self.progress.advance(self.task)
