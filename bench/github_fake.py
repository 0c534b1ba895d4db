"""Scan many repositories from the fake GitHub (tests/fake_github.py) with latency on every request.

Builds ``--repos`` synthetic repositories (a few dozen files each, several languages and
components), serves them from the fake GitHub on loopback with ``--latency`` seconds added to
every HTTP request (REST and git alike), then runs ``census scan`` twice into the same output
folder through the real command-line entry point: a first scan, and a re-scan with nothing
changed. For each it prints wall time, REST requests per repository, git requests per
repository, bytes sent by the server, and the number of content downloads (git upload-pack POSTs).

    python bench/github_fake.py --repos 200 --latency 0.05 --jobs 16

Targets (issue 3): under 20 s for the first scan at --jobs 16; no content download on the re-scan.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crawler.cli import main as census  # noqa: E402
from tests.fake_github import FakeGitHub  # noqa: E402

GIT_ENV = {**os.environ, "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@census.invalid",
           "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@census.invalid",
           "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}


def make_repo(base: Path, i: int) -> Path:
    work = base / f"w{i}"
    (work / "src").mkdir(parents=True)
    (work / "py" / "pkg").mkdir(parents=True)
    (work / "Cargo.toml").write_text(f"[package]\nname = 'r{i}'\n")
    for k in range(20):
        (work / "src" / f"m{k}.rs").write_text(f"pub fn f{k}() -> u32 {{ {k + i} }}\n" * (5 + k))
    (work / "py" / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    for k in range(10):
        (work / "py" / "pkg" / f"m{k}.py").write_text(f"def f{k}():\n    return {k}\n" * (3 + k))
    (work / "README.md").write_text(f"# repo {i}\n")
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=work, check=True, env=GIT_ENV)
    subprocess.run(["git", "add", "-A"], cwd=work, check=True, env=GIT_ENV)
    subprocess.run(["git", "commit", "-q", "-m", "x"], cwd=work, check=True, env=GIT_ENV)
    bare = base / f"r{i}.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(work), str(bare)], check=True, env=GIT_ENV)
    return bare


def run_scan(fake: FakeGitHub, out: Path, repos: int, jobs: int) -> tuple[float, int, str]:
    argv = ["scan", "--out", str(out), "--jobs", str(jobs), "--api-url", fake.api_url]
    for i in range(repos):
        argv += ["--repo", f"bench/r{i}"]
    fake.log.clear()
    buffer = io.StringIO()
    started = time.perf_counter()
    with contextlib.redirect_stdout(buffer):
        code = census(argv)
    return time.perf_counter() - started, code, buffer.getvalue().strip().splitlines()[-2]


def report(label: str, seconds: float, fake: FakeGitHub, repos: int, summary: str) -> None:
    rest = fake.requests("^/api/v3/")
    git = fake.requests(r"\.git/")
    downloads = fake.requests(r"git-upload-pack$", "POST")
    sent = sum(r.bytes_out for r in fake.log)
    not_modified = sum(1 for r in rest if r.status == 304)
    print(f"{label:10} {seconds:8.2f} s  REST/repo {len(rest) / repos:4.1f} ({not_modified} answered 304)  "
          f"git/repo {len(git) / repos:4.1f}  content downloads {len(downloads):4d}  "
          f"bytes sent {sent / 1e6:7.2f} MB   [{summary}]")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repos", type=int, default=200, help="repositories to serve (default 200)")
    parser.add_argument("--latency", type=float, default=0.05, help="seconds added to every request (0.05)")
    parser.add_argument("--jobs", type=int, default=16, help="census --jobs (default 16)")
    args = parser.parse_args()
    os.environ.pop("GITHUB_TOKEN", None)
    os.environ.pop("GH_TOKEN", None)
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        started = time.perf_counter()
        bares = [make_repo(base, i) for i in range(args.repos)]
        print(f"built {len(bares)} repositories in {time.perf_counter() - started:.1f} s; "
              f"latency {args.latency * 1000:.0f} ms per request, --jobs {args.jobs}")
        with FakeGitHub(latency=args.latency) as fake:
            for i, bare in enumerate(bares):
                fake.add_repo(f"bench/r{i}", bare, languages={"Rust": 1000, "Python": 100})
            out = base / "out"
            seconds, code, summary = run_scan(fake, out, args.repos, args.jobs)
            report("first", seconds, fake, args.repos, summary)
            first_ok = code == 0
            seconds, code, summary = run_scan(fake, out, args.repos, args.jobs)
            report("re-scan", seconds, fake, args.repos, summary)
            downloads = len(fake.requests(r"git-upload-pack$", "POST"))
    return 0 if first_ok and code == 0 and downloads == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
