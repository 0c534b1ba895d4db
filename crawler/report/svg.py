"""Inline SVG for reports: the language-share trend chart (no script, no external resource)."""

from __future__ import annotations

from html import escape

from crawler.report.model import Trend

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 44, 150, 14, 40


def trend_chart(trend: Trend) -> str:
    """Lines of each language's share (0–100%) over the snapshots, with a legend at the right."""
    n = len(trend.dates)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(i: int) -> float:
        return LEFT + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    def y(share: float) -> float:
        return TOP + plot_h * (1 - share)

    parts = [f'<svg class="trend" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
             f'aria-label="Share of each language over time, {escape(trend.project)}" '
             'xmlns="http://www.w3.org/2000/svg">']
    for pct in (0, 25, 50, 75, 100):
        yy = y(pct / 100)
        parts.append(f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{yy:.1f}" y2="{yy:.1f}" class="grid"/>'
                     f'<text x="{LEFT - 6}" y="{yy + 4:.1f}" text-anchor="end" class="axis">{pct}%</text>')
    step = max(1, n // 6)
    shown = [i for i in range(n) if i % step == 0]
    if shown and shown[-1] != n - 1:  # the last date always, in place of a neighbour it would overlap
        shown = [*shown[:-1], n - 1] if (n - 1) - shown[-1] < max(1, step // 2 + 1) else [*shown, n - 1]
    for i, day in enumerate(trend.dates):
        if i in shown:
            parts.append(f'<text x="{x(i):.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle" class="axis">'
                         f'{escape(day[:10])}</text>')
    for k, series in enumerate(trend.series):
        runs: list[list[str]] = [[]]  # a project absent from a snapshot breaks the line
        for i, (_, share) in enumerate(series.points):
            if share is None:
                runs.append([])
            else:
                runs[-1].append(f"{x(i):.1f},{y(share):.1f}")
        for run in runs:
            if len(run) > 1:
                parts.append(f'<polyline points="{" ".join(run)}" fill="none" stroke="{escape(series.color)}" '
                             f'stroke-width="2.5"><title>{escape(series.language)}</title></polyline>')
        for i, (day, share) in enumerate(series.points):
            if share is None:
                continue
            parts.append(f'<circle cx="{x(i):.1f}" cy="{y(share):.1f}" r="3" fill="{escape(series.color)}">'
                         f'<title>{escape(series.language)} {share * 100:.1f}% on {escape(day)}</title></circle>')
        ly = TOP + 8 + k * 18
        last = next((share for _, share in reversed(series.points) if share is not None), 0.0)
        parts.append(f'<rect x="{WIDTH - RIGHT + 12}" y="{ly - 8}" width="10" height="10" rx="2" '
                     f'fill="{escape(series.color)}"/><text x="{WIDTH - RIGHT + 28}" y="{ly + 1}" class="legend">'
                     f'{escape(series.language)} {last * 100:.0f}%</text>')
    parts.append("</svg>")
    return "".join(parts)
