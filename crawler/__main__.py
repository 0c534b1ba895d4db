"""``python -m crawler`` is the ``census`` command."""

from crawler.cli import run

run()
