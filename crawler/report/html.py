"""The HTML report: one self-contained file (inline CSS and SVG, no script, no network)."""

from __future__ import annotations

from importlib import resources

from jinja2 import Environment, select_autoescape
from markupsafe import Markup

from crawler.report import charts
from crawler.report.model import Population, Report, Trend


def _bytes(n: int | None) -> str:
    if n is None:
        return ""
    value = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{n} B"


def _environment() -> Environment:
    env = Environment(autoescape=select_autoescape(default=True, default_for_string=True),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["bytes"] = _bytes
    env.filters["num"] = lambda n: "" if n is None else f"{n:,}"
    env.filters["pct"] = lambda f: "" if f is None else f"{f * 100:.1f}%"
    env.filters["pp"] = lambda f: "" if f is None else f"{f:+.1f} pp"
    env.filters["short"] = lambda sha: (sha or "")[:10]
    env.globals["trend_chart"] = lambda trend: Markup(trend_chart(trend))
    env.globals["cohort_chart"] = lambda population: Markup(cohort_chart(population))
    return env


def trend_chart(trend: Trend, *, percent: bool = True) -> str:
    """A trend as an SVG line chart over a real time axis, marks where the repositories changed."""
    lines = [charts.Line(s.language, s.color, tuple((m, share) for m, (_, share) in
                                                    zip(trend.moments, s.points, strict=True)))
             for s in trend.series]
    marks = [charts.Mark(when, text) for when, text in trend.marks]
    title = (f"Share of bytes by language — {trend.project}" if trend.kind == "bytes" else
             "Share of repositories topped by each language, over time")
    return charts.time_lines(lines, title=title, marks=marks, percent=percent)


def cohort_chart(population: Population) -> str:
    stacks = [charts.Stack(c.label, c.parts) for c in population.cohorts]
    return charts.stacked_bars(stacks, title="Repositories by top language, per year created")


def render_html(report: Report) -> str:
    template = resources.files("crawler.report").joinpath("templates/report.html.j2").read_text(encoding="utf-8")
    return _environment().from_string(template).render(r=report)
