"""Where things are: the project root and the folders and files the harness reads and writes, in one place.

Standard library only (the install step `python -m gauntlet.fleet.launch.tools` imports it before any
dependency is installed). Every module takes these paths from here instead of computing its own.

Two layouts, one set of names:
- a checkout (or an editable install of one): `suites/`, `loadtests/`, `reports/`, `interop/` and
  `targets.yaml` sit beside `gauntlet/`, and runs and built tools go into the checkout;
- a non-editable install (`pip install .`): the wheel carries copies of those folders in
  `gauntlet/_project/` (setup.py puts them there); runs and built tools go into the current
  directory, and a `targets.yaml` there is used before the bundled one.
"""

from __future__ import annotations

import os
from pathlib import Path

_CHECKOUT = Path(__file__).resolve().parent.parent
#: Where setup.py copies the top-level folders in a wheel.
BUNDLED_ROOT = Path(__file__).resolve().parent / "_project"
#: True when `gauntlet/` sits in a checkout (suites/ and pyproject.toml beside it).
IN_CHECKOUT = (_CHECKOUT / "suites").is_dir() and (_CHECKOUT / "pyproject.toml").is_file()

#: The folder holding suites/, loadtests/, reports/, interop/, targets.yaml and the pytest configuration.
PROJECT_ROOT = _CHECKOUT if IN_CHECKOUT else BUNDLED_ROOT
#: Where runs and built tools go: the checkout, or the current directory of an installed harness.
WORK_DIR = PROJECT_ROOT if IN_CHECKOUT else Path.cwd()

SUITES_DIR = PROJECT_ROOT / "suites"
LOADTESTS_DIR = PROJECT_ROOT / "loadtests"
PROFILES_DIR = LOADTESTS_DIR / "profiles"
LOCUSTFILE = LOADTESTS_DIR / "locustfile.py"
INTEROP_DIR = PROJECT_ROOT / "interop"
#: The HTML report's page frame and stylesheet (reports/templates/: files a reader edits, not code).
REPORT_TEMPLATES = PROJECT_ROOT / "reports" / "templates"
#: targets.yaml: the checkout's; installed, ./targets.yaml if there is one, else the bundled copy.
TARGETS_FILE = (WORK_DIR / "targets.yaml") if (WORK_DIR / "targets.yaml").is_file() else PROJECT_ROOT / "targets.yaml"
#: Where every run writes `runs/<run-id>/` unless told otherwise.
RUNS_DIR = WORK_DIR / "runs"
EXPECTATIONS_DIR = PROJECT_ROOT / "tests" / "expectations"
#: Servers and client programs built by the install step (GAUNTLET_TOOLS_DIR overrides it).
TOOLS_DIR = Path(os.environ.get("GAUNTLET_TOOLS_DIR") or WORK_DIR / ".gauntlet" / "tools")
