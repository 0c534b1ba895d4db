"""Charts for reports, drawn by matplotlib as SVG and inlined (no script, no external resource).

Every chart has a real time axis (dates at their true distance, labels thinned by matplotlib's
``ConciseDateFormatter``), lines labelled directly at their last point (nudged apart so that labels
never overlap), colours from Linguist with a dashed line where two colours are too close to tell
apart, and text drawn as text at sizes that stay readable when the chart is scaled to a phone.
matplotlib is imported here only: a scan never pays for it.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

WIDTH_IN = 6.4           # scaled to the page's width: at 390 px (a phone) 12 pt text is still ~10 px
FONT = 12
MIN_LABEL_GAP = 0.055    # of the y range, between two direct labels


@dataclass(frozen=True)
class Line:
    label: str
    color: str
    points: tuple[tuple[datetime, float | None], ...]   # (moment, value 0..1; None: no data then)


@dataclass(frozen=True)
class Mark:
    """A vertical mark on a time axis (the set of repositories changed there)."""

    when: datetime
    text: str


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("svg", force=True)
    import matplotlib.pyplot as plt

    plt.rcParams.update({"svg.fonttype": "none", "font.size": FONT, "axes.spines.top": False,
                         "axes.spines.right": False, "svg.hashsalt": "census"})
    return plt


def _svg(fig: Any, label: str) -> str:
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": None})
    _pyplot().close(fig)
    text = buffer.getvalue()
    text = text[text.index("<svg"):]
    # Scales with the page; the accessible name says what it shows.
    text = re.sub(r'<svg ([^>]*?)width="[^"]*" height="[^"]*"', r'<svg \1', text, count=1)
    return text.replace("<svg ", f'<svg class="chart" role="img" aria-label="{_escape(label)}" ', 1)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")


def _rgb(color: str) -> tuple[float, float, float]:
    c = color.lstrip("#")
    if len(c) != 6:
        return (0.5, 0.5, 0.5)
    return (int(c[0:2], 16) / 255, int(c[2:4], 16) / 255, int(c[4:6], 16) / 255)


def _close(a: str, b: str) -> bool:
    distance: float = sum((x - y) ** 2 for x, y in zip(_rgb(a), _rgb(b), strict=True)) ** 0.5
    return distance < 0.22


def _spread(positions: list[float], gap: float) -> list[float]:
    """Label heights moved apart by at least ``gap``, as little as possible, kept in order."""
    order = sorted(range(len(positions)), key=lambda i: positions[i])
    placed = [positions[i] for i in order]
    for k in range(1, len(placed)):
        placed[k] = max(placed[k], placed[k - 1] + gap)
    overflow = placed[-1] - 1.0 if placed else 0
    if overflow > 0:
        placed = [p - overflow for p in placed]
        for k in range(len(placed) - 2, -1, -1):
            placed[k] = min(placed[k], placed[k + 1] - gap)
    out = [0.0] * len(positions)
    for k, i in enumerate(order):
        out[i] = placed[k]
    return out


def time_lines(lines: Sequence[Line], *, title: str, marks: Sequence[Mark] = (), percent: bool = True) -> str:
    """Lines over a real time axis, labelled at their last point; ``marks`` as dotted verticals."""
    plt = _pyplot()
    import matplotlib.dates as mdates

    fig, ax = plt.subplots(figsize=(WIDTH_IN, 3.6), dpi=72)
    styles: list[str] = []
    ends: list[tuple[float, str, str, str]] = []
    moments = sorted({w for line in lines for w, _ in line.points})
    for line in lines:
        style = "--" if any(_close(line.color, other.color) for other in lines[:len(styles)]) else "-"
        styles.append(style)
        xs = [w for w, v in line.points if v is not None]
        ys = [v for _, v in line.points if v is not None]
        if not xs:
            continue
        ax.plot(xs, ys, linestyle=style, linewidth=2.2, color=line.color, marker="o", markersize=4,
                label=line.label)
        ends.append((ys[-1], line.label, line.color, style))
    for mark in marks:
        ax.axvline(mark.when, color="#59636e", linestyle=":", linewidth=1.2)
        ax.annotate(mark.text, xy=(mark.when, 1.0), xycoords=("data", "axes fraction"), xytext=(3, -2),
                    textcoords="offset points", fontsize=FONT - 2, color="#59636e", va="top")
    top = max([v for line in lines for _, v in line.points if v is not None] + [0.05])
    ceiling = min(1.0, top * 1.1) if percent else top * 1.1
    ax.set_ylim(0, ceiling)
    if ends:
        import matplotlib.transforms as mtransforms

        beside = mtransforms.offset_copy(ax.transData, fig=fig, x=8, y=0, units="points")
        heights = _spread([e[0] / ceiling for e in ends], MIN_LABEL_GAP)
        last = mdates.date2num(moments[-1])
        for (value, label, color, _style), height in zip(ends, heights, strict=True):
            text = f"{label} {value * 100:.0f}%" if percent else f"{label} {value:,.0f}"
            ax.text(last, height * ceiling, text, transform=beside, fontsize=FONT, color=color, va="center",
                    fontweight="bold", clip_on=False)
    locator = mdates.AutoDateLocator(minticks=3, maxticks=6)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    if len(moments) == 1:
        ax.set_xlim(mdates.date2num(moments[0]) - 30, mdates.date2num(moments[0]) + 30)
    if percent:
        ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _p: f"{v * 100:.0f}%"))
    ax.grid(axis="y", color="#d1d9e0", linewidth=0.8)
    ax.set_title(title, loc="left", fontsize=FONT + 1)
    return _svg(fig, title)


@dataclass(frozen=True)
class Stack:
    """One stacked bar: its label and (language, count, colour) parts."""

    label: str
    parts: tuple[tuple[str, int, str], ...]


def stacked_bars(stacks: Sequence[Stack], *, title: str) -> str:
    """Horizontal stacked bars of shares (each bar sums to 100%), with counts on each bar; parts in
    the order of the first stack's legend, hatched where a colour is close to another's."""
    plt = _pyplot()
    height = 0.9 + 0.42 * max(1, len(stacks))
    fig, ax = plt.subplots(figsize=(WIDTH_IN, height), dpi=72)
    colors: dict[str, str] = {}
    totals: dict[str, int] = {}
    for stack in stacks:
        for language, count, color in stack.parts:
            colors[language] = color
            totals[language] = totals.get(language, 0) + count
    order = sorted(totals, key=lambda lang: (lang == "Other", -totals[lang], lang))  # as the bar above
    hatch = {lang: "//" if any(_close(colors[lang], colors[other]) for other in order[:k]) else ""
             for k, lang in enumerate(order)}
    for row, stack in enumerate(stacks):
        total = sum(n for _, n, _ in stack.parts) or 1
        left = 0.0
        for language, count, color in sorted(stack.parts, key=lambda p: order.index(p[0])):
            width = count / total
            ax.barh(row, width, left=left, color=color, edgecolor="white", linewidth=1, height=0.7,
                    hatch=hatch[language])
            if width >= 0.09:
                ax.text(left + width / 2, row, f"{count:,}", ha="center", va="center", fontsize=FONT - 2,
                        color="white" if sum(_rgb(color)) < 1.6 else "#1f2328")
            left += width
        ax.text(1.01, row, f"{total:,}", va="center", fontsize=FONT - 2, color="#59636e")
    from matplotlib.patches import Patch

    handles = [Patch(facecolor=colors[lang], edgecolor="white", hatch=hatch[lang], label=lang) for lang in order]
    ax.set_yticks(range(len(stacks)), [s.label for s in stacks])
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _p: f"{v * 100:.0f}%"))
    ax.set_title(title, loc="left", fontsize=FONT + 1)
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=min(5, len(handles)),
              frameon=False, fontsize=FONT - 1)
    return _svg(fig, title)
