"""``python -m dirctl ...``: the command line (see dirctl.cli)."""

import sys

from .cli import main

sys.exit(main())
