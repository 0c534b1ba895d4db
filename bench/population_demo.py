"""The population workflow end to end — scan, backfill, claims, report — on a synthetic LLM
population served by the fake GitHub (tests/fake_github.py), for the README and docs/population.png.

    python bench/population_demo.py [--repos 240] [--screenshot docs/population.png]

The population is made up (this machine cannot reach GitHub): ``--repos`` repositories with topic
``llm``, created 2020–2025, each from one of 24 templates whose history has commits in the years
after its creation, in proportions that drift from Python toward Rust and TypeScript in later
years. Every command is the real ``census`` command against the fake on loopback; its output is
printed unedited.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fake_github import FakeGitHub  # noqa: E402

ENV = {**os.environ, "GIT_AUTHOR_NAME": "demo", "GIT_AUTHOR_EMAIL": "demo@census.invalid",
       "GIT_COMMITTER_NAME": "demo", "GIT_COMMITTER_EMAIL": "demo@census.invalid",
       "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
PROFILES = {  # file name → a line of that language
    "Python": ("model.py", "def forward(x):\n    return x * 2\n"),
    "Rust": ("src/lib.rs", "pub fn forward(x: f32) -> f32 { x * 2.0 }\n"),
    "C++": ("src/kernel.cpp", "float forward(float x) { return x * 2.0f; }\n"),
    "TypeScript": ("src/index.ts", "export const forward = (x: number): number => x * 2;\n"),
    "Go": ("main.go", "func forward(x float64) float64 { return x * 2 }\n"),
}
MIX = {2020: ["Python"] * 6 + ["C++"] * 2, 2021: ["Python"] * 6 + ["C++", "Go"],
       2022: ["Python"] * 5 + ["C++", "Rust", "TypeScript"], 2023: ["Python"] * 5 + ["Rust", "TypeScript", "C++"],
       2024: ["Python"] * 4 + ["Rust"] * 2 + ["TypeScript"] * 2,
       2025: ["Python"] * 3 + ["Rust"] * 3 + ["TypeScript"] * 2}


def git(work: Path, *args: str, date: str | None = None) -> None:
    env = {**ENV, **({"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date} if date else {})}
    subprocess.run(["git", *args], cwd=work, env=env, check=True, capture_output=True)


def template(base: Path, k: int, year: int, main: str, rng: random.Random) -> Path:
    """A repository created in ``year`` whose main language is ``main``, growing a little each year."""
    work = base / f"t{k}"
    work.mkdir()
    git(work, "init", "-q", "-b", "main")
    for step, y in enumerate(range(year, 2026)):
        name, line = PROFILES[main]
        (work / name).parent.mkdir(parents=True, exist_ok=True)
        (work / name).write_text(line * (40 + 30 * step + rng.randrange(40)))
        side = "Python" if main != "Python" else rng.choice(["C++", "Rust", "Python"])
        side_name, side_line = PROFILES[side]
        target = work / ("bindings/" + side_name if side != main else side_name)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(side_line * (10 + 5 * step))
        git(work, "add", "-A")
        git(work, "commit", "-q", "-m", f"{y}", date=f"{y}-{1 + rng.randrange(11):02d}-15T12:00:00Z")
    bare = base / f"t{k}.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(work), str(bare)], env=ENV, check=True, capture_output=True)
    return bare


def census(*args: str, env: dict[str, str]) -> str:
    done = subprocess.run([sys.executable, "-m", "crawler", *args], cwd=ROOT, env=env, capture_output=True, text=True)
    shown = " ".join(a if " " not in a else repr(a) for a in args)
    print(f"$ census {shown}\n{done.stdout}{done.stderr}(exit {done.returncode})\n")
    return done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repos", type=int, default=240)
    parser.add_argument("--screenshot", help="save the report's population section as a PNG (needs chromium)")
    args = parser.parse_args()
    rng = random.Random(2026)
    with tempfile.TemporaryDirectory(prefix="census-demo-") as tmp:
        base = Path(tmp)
        templates = []
        for k in range(24):
            year = 2020 + k % 6
            templates.append((year, template(base, k, year, rng.choice(MIX[year]), rng)))
        with FakeGitHub(search_limit=1000, search_limit_anonymous=1000) as fake:
            for i in range(args.repos):
                year, bare = templates[i % len(templates)]
                topics = ["llm", "llm-inference"] if i % 5 == 0 else ["llm"]
                fake.add_repo(f"lab{i % 17}/llm-{i:04d}", bare, topics=topics, stars=100 + rng.randrange(20000),
                              created_at=f"{year}-{1 + rng.randrange(12):02d}-{1 + rng.randrange(28):02d}T00:00:00Z",
                              pushed_at="2025-12-01T00:00:00Z")
            config = base / "llm-demo.toml"
            config.write_text((ROOT / "config" / "llm-ecosystem.toml").read_text())
            env = {**os.environ, "GITHUB_API_URL": fake.api_url}
            out = str(base / "out")
            census("scan", str(config), "--out", out, "--jobs", "8", env=env)
            census("backfill", str(config), "--out", out, "--since", "2022-01-01", "--every", "year", "--jobs", "8",
                   env=env)
            census("show", "--by", "top-language", "--out", out, env=env)
            census("claims", "--out", out, env=env)
            report = base / "report.html"
            census("report", "--out", out, "-o", str(report), env=env)
            if args.screenshot:
                screenshot(report, Path(args.screenshot))
                shutil.copy(report, Path(args.screenshot).with_suffix(".html")) if os.environ.get("KEEP") else None


def screenshot(report: Path, target: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium") or "/usr/bin/chromium",
                                    args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        page = browser.new_page(viewport={"width": 900, "height": 900})
        page.goto(report.as_uri())
        page.locator("section", has_text="Population: repositories by top language").first.screenshot(path=str(target))
        browser.close()
    print(f"population section saved to {target}")


if __name__ == "__main__":
    main()
