"""``python -m gauntlet.reports``: see reports.cli."""

import sys

from gauntlet.reports.cli import main

sys.exit(main())
