"""The Markdown report: the HTML report's content as tables and text bars, for a README or a wiki."""

from __future__ import annotations

from crawler.report.model import Bar, Report

BAR_WIDTH = 20


def text_bar(share: float, width: int = BAR_WIDTH) -> str:
    """``share`` (0..1) as a bar of block characters, eighths included."""
    eighths = round(share * width * 8)
    full, rest = divmod(eighths, 8)
    return "█" * full + ("" if rest == 0 else "▏▎▍▌▋▊▉"[rest - 1])


def _esc(text: object) -> str:
    return str(text if text is not None else "").replace("|", "\\|").replace("\n", " ")


def _bar_table(bar: Bar, *, code: bool = False) -> list[str]:
    if bar.empty:
        return ["_no counted files_", ""]
    head = "| language | share | | bytes | files |" + (" lines of code |" if code else "")
    rule = "| --- | ---: | --- | ---: | ---: |" + (" ---: |" if code else "")
    lines = [head, rule]
    for s in bar.segments:
        row = f"| {_esc(s.language)} | {s.share * 100:.1f}% | `{text_bar(s.share)}` | {s.bytes:,} | {s.files:,} |"
        if code:
            row += f" {'' if s.code is None else f'{s.code:,}'} |"
        lines.append(row)
    return [*lines, ""]


def _summary(bar: Bar) -> str:
    return " · ".join(f"{s.language} {s.percent}" for s in bar.segments) or "no counted files"


def render_markdown(report: Report) -> str:
    out = [f"# census report `{report.snapshot_id}`", ""]
    t = report.totals
    out += [f"{report.created_at} · {t['projects']} projects · {t['repos']} repositories · {t['files']:,} files · "
            f"census {report.tool_version} · " + " · ".join(f"{k}: {v}" for k, v in report.language_data.items()), ""]
    if report.claims:
        out += ["## Claims", "", "| verdict | claim | figures |", "| --- | --- | --- |"]
        out += [f"| **{_esc(c['verdict'])}** | {_esc(c['text'])} | {_esc(c['figures'])} |" for c in report.claims]
        out.append("")
    for project in report.projects:
        out += [f"## {_esc(project.name)}", "", _summary(project.bar), ""]
        out += _bar_table(project.bar)
        for repo in project.repos:
            name = f"[{_esc(repo.name)}]({repo.commit_url})" if repo.commit_url else _esc(repo.name)
            facts = f"commit `{(repo.commit or '')[:10]}` · {repo.files:,} files · {repo.status}"
            out += [f"### {name}", "", facts, ""]
            out += _bar_table(repo.bar, code=any(s.code is not None for s in repo.bar.segments))
            if len(repo.components) > 1 or (repo.components and repo.components[0].name != "."):
                out += ["| component | languages |", "| --- | --- |"]
                out += [f"| `{_esc(c.name)}` | {_esc(_summary(c.bar))} |" for c in repo.components]
                out.append("")
    if report.against:
        out += [f"## What moved since `{report.against}`", ""]
        out += [f"> **Note:** {n}" for n in report.diff_notes]
        if report.diff_notes:
            out.append("")
        if report.movers:
            out += ["| where | language | change | bytes | share | Δ share |",
                    "| --- | --- | --- | ---: | ---: | ---: |"]
            for m in report.movers:
                share_old = "–" if m["share_old"] is None else f"{m['share_old'] * 100:.1f}%"
                share_new = "–" if m["share_new"] is None else f"{m['share_new'] * 100:.1f}%"
                bytes_old = "–" if m["bytes_old"] is None else f"{m['bytes_old']:,}"
                bytes_new = "–" if m["bytes_new"] is None else f"{m['bytes_new']:,}"
                out.append(f"| {_esc(m['project'])} / {_esc(m['repo'])} / `{_esc(m['component'])}` | "
                           f"{_esc(m['language'])} | {m['change']} | {bytes_old} → {bytes_new} | "
                           f"{share_old} → {share_new} | {m['share_delta_pp']:+.1f} pp |")
            out.append("")
        else:
            out += ["_nothing moved_", ""]
        for title, items in (("Appeared", report.appeared), ("Disappeared", report.disappeared)):
            if items:
                out += [f"**{title}:** " + "; ".join(f"{a['what']} {_esc(a['name'])}" for a in items), ""]
    if report.trends or report.trend_note:
        out += ["## Trend: share of each language over time", ""]
        if report.trend_note:
            out += [f"_{report.trend_note}_", ""]
        for trend in report.trends:
            out += [f"### {_esc(trend.project)}", "", "| language | " + " | ".join(trend.dates) + " |",
                    "| --- | " + " | ".join("---:" for _ in trend.dates) + " |"]
            for series in trend.series:
                cells = ["–" if s is None else f"{s * 100:.1f}%" for _, s in series.points]
                out.append(f"| {_esc(series.language)} | " + " | ".join(cells) + " |")
            out.append("")
    if report.problems:
        out += ["## Not counted", "", "| project | repository | status | why |", "| --- | --- | --- | --- |"]
        out += [f"| {_esc(p.project)} | {_esc(p.name)} | {p.status} | {_esc(p.error)} |" for p in report.problems]
        out.append("")
    return "\n".join(out).rstrip() + "\n"
