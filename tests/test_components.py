"""Component assignment: auto (manifests), top-level, none, explicit prefixes."""

from __future__ import annotations

import pytest

from crawler.components import Components, normalize_prefix

CANDLE = [
    "Cargo.toml", "README.md", "candle-core/Cargo.toml", "candle-core/src/lib.rs", "candle-core/src/cpu/mod.rs",
    "candle-nn/Cargo.toml", "candle-nn/src/lib.rs", "candle-pyo3/Cargo.toml", "candle-pyo3/pyproject.toml",
    "candle-pyo3/py_src/candle/__init__.py", "candle-examples/examples/llama/main.rs",
    "candle-examples/Cargo.toml", "candle-wasm-examples/whisper/Cargo.toml", "candle-wasm-examples/whisper/src/app.rs",
    "candle-wasm-examples/whisper/node_modules/pkg/package.json", "scripts/tool.py",
]


def test_cargo_workspace_gives_one_component_per_crate() -> None:
    comps = Components.build("auto", CANDLE, lambda p: "node_modules/" in p)
    assert comps("candle-core/src/cpu/mod.rs") == "candle-core"
    assert comps("candle-nn/src/lib.rs") == "candle-nn"
    assert comps("candle-pyo3/py_src/candle/__init__.py") == "candle-pyo3"
    assert comps("candle-wasm-examples/whisper/src/app.rs") == "candle-wasm-examples/whisper"
    assert comps("scripts/tool.py") == "."
    assert comps("Cargo.toml") == "."
    assert comps("candle-core/Cargo.toml") == "candle-core"


def test_vendored_manifests_make_no_component() -> None:
    comps = Components.build("auto", CANDLE, lambda p: "node_modules/" in p)
    assert comps("candle-wasm-examples/whisper/node_modules/pkg/index.js") == "candle-wasm-examples/whisper"


def test_nested_components_deepest_root_wins() -> None:
    paths = ["package.json", "bindings/node/package.json", "bindings/node/src/x.ts", "bindings/node/lib/deep/y.js",
             "bindings/python/pyproject.toml", "bindings/python/py_src/t/__init__.py", "tokenizers/Cargo.toml",
             "tokenizers/src/lib.rs", "x.gemspec", "ruby/gem/y.gemspec", "ruby/gem/lib/z.rb"]
    comps = Components.build("auto", paths)
    assert comps("bindings/node/lib/deep/y.js") == "bindings/node"
    assert comps("bindings/python/py_src/t/__init__.py") == "bindings/python"
    assert comps("tokenizers/src/lib.rs") == "tokenizers"
    assert comps("ruby/gem/lib/z.rb") == "ruby/gem"
    assert comps("bindings/README.md") == "."


def test_top_level_and_none() -> None:
    top = Components.build("top-level", CANDLE)
    assert top("candle-core/src/lib.rs") == "candle-core"
    assert top("README.md") == "."
    none = Components.build("none", CANDLE)
    assert {none(p) for p in CANDLE} == {"."}


def test_explicit_prefixes_longest_wins() -> None:
    comps = Components.build({"core": "tokenizers/", "python": "./bindings/python/", "bindings": "bindings",
                              "one-file": "setup.py"}, [])
    assert comps("tokenizers/src/lib.rs") == "core"
    assert comps("bindings/python/x.py") == "python"
    assert comps("bindings/node/x.js") == "bindings"
    assert comps("bindingsx/y.js") == "."
    assert comps("setup.py") == "one-file"
    assert comps("other/z.c") == "."


def test_unknown_setting() -> None:
    with pytest.raises(ValueError, match="unknown components setting"):
        Components.build("everything", [])


@pytest.mark.parametrize(("raw", "norm"), [("./a/b/", "a/b"), ("/a", "a"), ("", "."), (".", "."), ("./", ".")])
def test_normalize_prefix(raw: str, norm: str) -> None:
    assert normalize_prefix(raw) == norm
