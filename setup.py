"""Build hook only (the metadata is in pyproject.toml): a wheel carries the project's top-level folders.

`suites/`, `loadtests/`, `reports/`, `interop/`, `targets.yaml`, `conftest.py` and `pyproject.toml`
(the pytest configuration) are copied into `gauntlet/_project/`, so a non-editable `pip install .`
runs `gauntlet compat`, `gauntlet load` and `gauntlet report` exactly as a checkout does
(gauntlet/paths.py finds them there). Editable installs use the checkout itself.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

BUNDLED = ("suites", "loadtests", "reports", "interop", "targets.yaml", "conftest.py", "pyproject.toml")
#: Build output and caches inside those folders, never bundled.
SKIPPED = ("__pycache__", "*.pyc", "node_modules", "target", ".venv")


class BuildWithProject(build_py):
    """build_py, then the top-level folders into gauntlet/_project/ of the build."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        root = Path(__file__).resolve().parent
        dest = Path(self.build_lib) / "gauntlet" / "_project"
        shutil.rmtree(dest, ignore_errors=True)  # a file deleted from the checkout must not linger in the wheel
        for name in BUNDLED:
            source = root / name
            if source.is_dir():
                shutil.copytree(source, dest / name, ignore=shutil.ignore_patterns(*SKIPPED), dirs_exist_ok=True)
            else:
                dest.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, dest / name)


setup(cmdclass={"build_py": BuildWithProject})
