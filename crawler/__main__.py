"""``python -m crawler`` is the ``census`` command."""

import sys

from crawler.cli import main

sys.exit(main())
