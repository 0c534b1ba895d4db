"""Tables for people and for other tools: rich table, CSV, JSON, Markdown.

Every command that prints a table goes through ``render`` so formats behave the same everywhere.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterable, Sequence
from typing import Any

import polars as pl
from rich.console import Console
from rich.table import Table
from rich.text import Text

FORMATS = ("table", "csv", "json", "md")


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def how_many(n: int, one: str, many: str) -> str:
    """``1 repository``, ``2 repositories``: a count with its noun in the right number."""
    return f"{n:,} {one if n == 1 else many}"


def printable(text: str) -> str:
    """``text`` safe for a terminal: control characters (ESC sequences that could move the cursor or
    clear the screen, from a hostile repository's names) shown as ``\\x1b``-style escapes."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def _cell(value: Any, column: str) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if column.startswith("share") or column.endswith("_pp"):
            return f"{value * 100:.2f}%" if column.startswith("share") and not column.endswith("_pp") \
                else f"{value:+.2f}"
        return f"{value:.3f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def md_cell(value: object) -> str:
    """One Markdown table cell: ``|`` escaped, line breaks and control characters as spaces."""
    text = "" if value is None else str(value)
    return "".join(" " if ch in "\r\n\t" or ord(ch) < 32 or ord(ch) == 127 else ch for ch in text).replace("|", "\\|")


def markdown_table(header: Sequence[str], rows: Iterable[Sequence[object]], *,
                   right: Sequence[bool] | None = None) -> str:
    """A GitHub-flavoured Markdown table; ``right`` marks right-aligned (numeric) columns. The one
    Markdown table writer of census: every cell goes through ``md_cell``."""
    aligns = right or [False] * len(header)
    lines = ["| " + " | ".join(md_cell(h) for h in header) + " |",
             "| " + " | ".join("---:" if r else "---" for r in aligns) + " |"]
    lines += ["| " + " | ".join(md_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def to_markdown(frame: pl.DataFrame) -> str:
    """A data frame as a Markdown table, numbers formatted as in the terminal."""
    columns = frame.columns
    return markdown_table(columns, ([_cell(v, c) for v, c in zip(row, columns, strict=True)]
                                    for row in frame.iter_rows()),
                          right=[frame[c].dtype.is_numeric() for c in columns])


def render(frame: pl.DataFrame, fmt: str, *, title: str | None = None, console: Console | None = None) -> str:
    """``frame`` as text in ``fmt``; ``table`` renders with rich for the given console's width."""
    if fmt == "csv":
        return frame.write_csv()
    if fmt == "json":
        return json.dumps(frame.to_dicts(), indent=1, default=str, ensure_ascii=False) + "\n"
    if fmt == "md":
        return (f"### {title}\n\n" if title else "") + to_markdown(frame)
    # Cells as rich ``Text``, never markup: a name like ``[red]x`` or ``[/]`` is shown as it is.
    table = Table(title=Text(printable(title)) if title else None, show_lines=False, header_style="bold")
    cells = [[printable(_cell(v, c)) for v, c in zip(row, frame.columns, strict=True)] for row in frame.iter_rows()]
    for k, column in enumerate(frame.columns):
        if frame[column].dtype.is_numeric():  # numbers are never wrapped or cut: text columns give way
            widest = max([len(column), *(len(r[k]) for r in cells)])
            table.add_column(Text(printable(column)), justify="right", no_wrap=True, min_width=widest)
        else:
            table.add_column(Text(printable(column)), justify="left", overflow="fold")
    for row in cells:
        table.add_row(*[Text(cell) for cell in row])
    buffer = io.StringIO()
    width = console.width if console is not None and console.is_terminal else 200  # piped: do not wrap
    Console(file=buffer, width=width, force_terminal=False, color_system=None).print(table)
    return buffer.getvalue()
