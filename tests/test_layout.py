"""The package's shape: no import cycles, plain values at the bottom, a step that pickles."""

from __future__ import annotations

import ast
import pickle
from pathlib import Path

from crawler.specs import parse_spec
from crawler.values import At, Resolution, ScanOptions, Target

PACKAGE = Path(__file__).resolve().parents[1] / "crawler"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in PACKAGE.rglob("*.py")}


def module_imports() -> dict[str, set[str]]:
    """Each crawler module → the crawler modules it imports at module level (not inside functions,
    not under ``if TYPE_CHECKING``)."""
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        found: set[str] = set()
        for node in tree.body:
            if isinstance(node, ast.Import):
                found.update(a.name for a in node.names if a.name.startswith("crawler"))
            elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("crawler"):
                for alias in node.names:
                    sub = f"{node.module}.{alias.name}"
                    found.add(sub if sub in modules else node.module)
        graph[name] = {m for m in found if m in modules and m != name}
    return graph


def test_no_import_cycles() -> None:
    graph = module_imports()
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append([*stack[stack.index(nxt):], nxt])
            elif nxt not in state:
                visit(nxt, [*stack, nxt])
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert not cycles, cycles


def test_no_submodule_imports_the_package_itself() -> None:
    for module, imports in module_imports().items():
        if module not in ("crawler", "crawler.__main__"):
            assert "crawler" not in imports, module


def test_values_are_at_the_bottom() -> None:
    graph = module_imports()
    assert graph["crawler.values"] <= {"crawler.schema", "crawler.status"}
    assert graph["crawler.schema"] == graph["crawler.status"] == set()
    assert graph["crawler.__version__"] == set()
    assert graph["crawler.errors"] <= {"crawler.status"}
    assert graph["crawler.cli"] <= {"crawler.__version__", "crawler.errors"}  # census --help imports nothing heavy
    assert graph["crawler.config"] <= {"crawler.values", "crawler.specs", "crawler.errors"}
    assert graph["crawler.specs"] <= {"crawler.values", "crawler.errors", "crawler.redact"}


def test_tasks_pickle_and_hold_no_token(monkeypatch: object) -> None:
    target = Target("p", parse_spec("org/repo"), "org/repo", {"core": "src/"},
                    resolved=Resolution("github", "https://example.invalid/org/repo.git", "main", "a" * 40))
    options = ScanOptions(jobs=2, at=At("2024-01-01"))
    for value in (target, options):
        assert pickle.loads(pickle.dumps(value)) == value


def test_light_commands_import_no_http_client_templates_or_ray(tmp_path: Path) -> None:
    """census --help, show, snapshots and a local scan never load httpx, jinja2, matplotlib or Ray."""
    import subprocess
    import sys

    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "a.py").write_text("x = 1\n")
    probe = ("import sys\nfrom crawler.cli import main\ntry:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
             "heavy = sorted(m for m in ('httpx', 'jinja2', 'matplotlib', 'ray', 'github') if m in sys.modules)\n"
             "print('LOADED', ','.join(heavy))")
    out = str(tmp_path / "out")
    for argv in (["--help"], ["scan", "--repo", str(repo), "--out", out], ["show", "--out", out],
                 ["snapshots", "--out", out]):
        done = subprocess.run([sys.executable, "-c", probe, *argv], capture_output=True, text=True, check=True)
        assert done.stdout.strip().splitlines()[-1] == "LOADED", (argv, done.stdout[-300:])
