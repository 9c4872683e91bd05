"""Where things are: the project root and the folders and files the harness reads and writes, in one place.

Standard library only (the install step `python -m gauntlet.fleet.launch.tools` imports it before any
dependency is installed). Every module takes these paths from here instead of computing its own.
"""

from __future__ import annotations

import os
from pathlib import Path

#: The checkout: `gauntlet/` sits directly under it.
PROJECT_ROOT = Path(__file__).resolve().parent.parent
SUITES_DIR = PROJECT_ROOT / "suites"
LOADTESTS_DIR = PROJECT_ROOT / "loadtests"
PROFILES_DIR = LOADTESTS_DIR / "profiles"
LOCUSTFILE = LOADTESTS_DIR / "locustfile.py"
INTEROP_DIR = PROJECT_ROOT / "interop"
TARGETS_FILE = PROJECT_ROOT / "targets.yaml"
#: Where every run writes `runs/<run-id>/` unless told otherwise.
RUNS_DIR = PROJECT_ROOT / "runs"
EXPECTATIONS_DIR = PROJECT_ROOT / "tests" / "expectations"
#: Servers and client programs built by the install step (GAUNTLET_TOOLS_DIR overrides it).
TOOLS_DIR = Path(os.environ.get("GAUNTLET_TOOLS_DIR") or PROJECT_ROOT / ".gauntlet" / "tools")
