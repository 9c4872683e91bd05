"""Entry point of the proxy process: ``python -m gauntlet.faults.serve`` (configuration on stdin).

Started by :func:`gauntlet.faults.proxy.start_proxy`; not meant to be run by hand.
"""

from __future__ import annotations

import sys

from gauntlet.faults.proxy import main

if __name__ == "__main__":
    sys.exit(main())
