"""Regenerate ``languages.json`` from the npm package ``linguist-languages``.

go-enry (through enry-python) detects languages but does not expose Linguist's ``group`` (the
language a file counts as on GitHub's bar) nor its aliases (what ``linguist-language=`` accepts).
Those come from Linguist's ``languages.yml`` as republished on npm by ``linguist-languages``.
Pick the version whose language list matches go-enry's data (``tests/test_languages.py``
checks that every language we list is known to go-enry with the same type and colour).

Developer tool, not used at run time::

    python -m crawler.data.update 9.2.0
"""

from __future__ import annotations

import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

_DUMP_JS = r"""
const fs = require('fs'); const path = require('path');
const dir = process.argv[1];
const out = {};
for (const f of fs.readdirSync(dir).sort()) {
  if (!f.endsWith('.js')) continue;
  const m = require(path.join(dir, f)); const x = m.default ?? m;
  out[x.name] = {type: x.type, group: x.group ?? null, color: x.color ?? null,
                 aliases: x.aliases ?? [], extensions: x.extensions ?? [], filenames: x.filenames ?? []};
}
process.stdout.write(JSON.stringify(out));
"""


KEPT = ("type", "group", "color", "aliases", "extensions", "filenames")


def main(version: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["npm", "pack", f"linguist-languages@{version}", "--silent"], cwd=tmp, check=True,
                       stdout=subprocess.DEVNULL)
        tgz = next(Path(tmp).glob("*.tgz"))
        with tarfile.open(tgz) as tar:
            tar.extractall(tmp, filter="data")
        data_dir = Path(tmp) / "package" / "data"
        dumped = subprocess.run(["node", "-e", _DUMP_JS, str(data_dir)], check=True, capture_output=True)
    languages = json.loads(dumped.stdout)
    out: dict[str, Any] = {
        "source": f"npm linguist-languages {version} (GitHub Linguist languages.yml, MIT licence)",
        "version": version,
        "languages": {
            name: {k: v for k, v in info.items() if k in KEPT}
            for name, info in sorted(languages.items())
        },
    }
    target = Path(__file__).with_name("languages.json")
    # One language per line: reviewable diffs when the data is updated.
    lines = [f"{json.dumps(name)}: {json.dumps(info, sort_keys=True, ensure_ascii=False)}"
             for name, info in out["languages"].items()]
    text = (f'{{"source": {json.dumps(out["source"])},\n"version": {json.dumps(version)},\n'
            f'"languages": {{\n' + ",\n".join(lines) + "\n}}\n")
    json.loads(text)  # what we write must stay valid JSON
    target.write_text(text, encoding="utf-8")
    print(f"{len(languages)} languages written to {target}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "9.2.0")
