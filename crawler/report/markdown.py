"""The Markdown report: the HTML report's content as tables and text bars, for a README or a wiki."""

from __future__ import annotations

from crawler.report.model import Bar, Report
from crawler.tables import how_many, markdown_table, md_cell

BAR_WIDTH = 20


def text_bar(share: float, width: int = BAR_WIDTH) -> str:
    """``share`` (0..1) as a bar of block characters, eighths included."""
    eighths = round(share * width * 8)
    full, rest = divmod(eighths, 8)
    return "█" * full + ("" if rest == 0 else "▏▎▍▌▋▊▉"[rest - 1])


def _num(n: int | None) -> str:
    return "" if n is None else f"{n:,}"


def _bar_table(bar: Bar, *, code: bool = False) -> list[str]:
    if bar.empty:
        return ["_no counted files_", ""]
    header = ["language", "share", "", "bytes", "files"] + (["lines of code"] if code else [])
    rows = [[s.language, f"{s.share * 100:.1f}%", f"`{text_bar(s.share)}`", f"{s.bytes:,}", f"{s.files:,}"]
            + ([_num(s.code)] if code else []) for s in bar.segments]
    right = [False, True, False, True, True] + ([True] if code else [])
    return [markdown_table(header, rows, right=right)]


def _summary(bar: Bar) -> str:
    return " · ".join(f"{s.language} {s.percent}" for s in bar.segments) or "no counted files"


def render_markdown(report: Report) -> str:
    out = [f"# census report `{report.snapshot_id}`", ""]
    t = report.totals
    out += [f"{report.created_at} · {how_many(t['projects'], 'project', 'projects')} · "
            f"{how_many(t['repos'], 'repository', 'repositories')} · {how_many(t['files'], 'file', 'files')} · "
            f"census {report.tool_version} · " + " · ".join(f"{k}: {v}" for k, v in report.language_data.items()), ""]
    if report.counted < t["repos"]:
        out += [f"> **Partial figures:** {report.counted:,} of {t['repos']:,} repositories counted; "
                f"{t['repos'] - report.counted:,} could not be and are in no figure below (see *Not counted*).", ""]
    if report.claims:
        out += ["## Claims", "", markdown_table(["verdict", "claim", "figures"],
                                                ([f"**{c['verdict']}**", c["text"], c["figures"]]
                                                 for c in report.claims))]
    if report.population is not None:
        pop = report.population
        out += ["## Population: repositories by top language", "",
                f"Each repository counts once, for the language with the most counted bytes: {pop.repos:,} "
                f"repositories" + (f", {pop.without_code:,} without counted code" if pop.without_code else "")
                + (f"; {pop.left_out:,} not counted are left out" if pop.left_out else "") + ".", ""]
        out.append(markdown_table(["top language", "repositories", "share", ""],
                                  ([s.language, f"{s.bytes:,}", s.percent, f"`{text_bar(s.share)}`"]
                                   for s in pop.bar.segments), right=[False, True, True, False]))
        if len(pop.cohorts) > 1:
            languages = [s.language for s in pop.bar.segments]
            rows = []
            for cohort in pop.cohorts:
                per = {lang: n for lang, n, _ in cohort.parts}
                total = sum(per.values())
                rows.append([cohort.label, f"{total:,}", *(f"{per.get(lang, 0):,}" for lang in languages)])
            right = [False, *(True for _ in range(len(languages) + 1))]
            out += ["### By year created", "", markdown_table(["year", "repositories", *languages], rows, right=right)]
        if pop.trend is not None:
            out += ["### Share of repositories topped, over time", ""]
            out.append(markdown_table(["language", *pop.trend.dates],
                                      ([s.language, *("–" if v is None else f"{v * 100:.1f}%" for _, v in s.points)]
                                       for s in pop.trend.series), right=[False, *(True for _ in pop.trend.dates)]))
    for project in report.projects:
        out += [f"## {md_cell(project.name)}", "", md_cell(_summary(project.bar)), ""]
        out += _bar_table(project.bar)
        for repo in project.repos:
            name = f"[{md_cell(repo.name)}]({repo.commit_url})" if repo.commit_url else md_cell(repo.name)
            facts = f"commit `{(repo.commit or '')[:10]}` · {repo.files:,} files · {repo.status}"
            out += [f"### {name}", "", facts, ""]
            out += _bar_table(repo.bar, code=any(s.code is not None for s in repo.bar.segments))
            if len(repo.components) > 1 or (repo.components and repo.components[0].name != "."):
                out.append(markdown_table(["component", "languages"],
                                          ([f"`{c.name}`", _summary(c.bar)] for c in repo.components)))
        if report.hidden_repos.get(project.name):
            out += [f"_and {report.hidden_repos[project.name]:,} more repositories (the largest are shown)_", ""]
    if report.against:
        out += [f"## What moved since `{report.against}`", ""]
        out += [f"> **Note:** {md_cell(n)}" for n in report.diff_notes]
        if report.diff_notes:
            out.append("")
        if report.movers:
            rows = []
            for m in report.movers:
                share_old = "–" if m["share_old"] is None else f"{m['share_old'] * 100:.1f}%"
                share_new = "–" if m["share_new"] is None else f"{m['share_new'] * 100:.1f}%"
                bytes_old = "–" if m["bytes_old"] is None else f"{m['bytes_old']:,}"
                bytes_new = "–" if m["bytes_new"] is None else f"{m['bytes_new']:,}"
                rows.append([f"{m['project']} / {m['repo']}", m["language"], m["change"],
                             f"{bytes_old} → {bytes_new}", f"{share_old} → {share_new}",
                             f"{m['share_delta_pp']:+.1f} pp"])
            out.append(markdown_table(["where", "language", "change", "bytes", "share", "Δ share"], rows,
                                      right=[False, False, False, True, True, True]))
            if report.more.get("movers"):
                out += [f"_and {report.more['movers']:,} smaller moves_", ""]
        else:
            out += ["_nothing moved within the repositories compared on both sides_", ""]
        if report.not_compared:
            out += ["**Not compared** (failed or not scanned on one side): "
                    + "; ".join(f"{md_cell(n['project'])} / {md_cell(n['repo'])} ({n['statuses']})"
                                for n in report.not_compared), ""]
        for title, key, items in (("Repositories that appeared", "appeared", report.appeared),
                                  ("Repositories that disappeared", "disappeared", report.disappeared)):
            if items:
                more = report.more.get(key, 0)
                out += [f"**{title}:** " + "; ".join(md_cell(a["name"]) for a in items)
                        + (f"; and {more:,} more" if more else ""), ""]
    if report.trends or report.trend_note:
        out += ["## Trend: share of each language over time", ""]
        if report.trend_note:
            out += [f"_{report.trend_note}_", ""]
        for trend in report.trends:
            out += [f"### {md_cell(trend.project)}", ""]
            rows = [[series.language, *("–" if s is None else f"{s * 100:.1f}%" for _, s in series.points)]
                    for series in trend.series]
            out.append(markdown_table(["language", *trend.dates], rows,
                                      right=[False, *(True for _ in trend.dates)]))
    if report.problems:
        out += ["## Not counted", "", markdown_table(["project", "repository", "status", "why"],
                                                      ([p.project, p.name, p.status, p.error or ""]
                                                       for p in report.problems))]
        if report.more.get("problems"):
            out += [f"_and {report.more['problems']:,} more (repos.parquet lists them all)_", ""]
    return "\n".join(out).rstrip() + "\n"
