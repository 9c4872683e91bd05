"""Shared helpers for self-tests that launch real servers."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from gauntlet.errors import BinaryMissing
from gauntlet.fleet.launch import launcher_class
from gauntlet.fleet.targets import load_targets
from gauntlet.paths import PROJECT_ROOT

ROOT = PROJECT_ROOT


def require_server(target_name: str) -> None:
    """Skip (locally) or fail (CI: GAUNTLET_REQUIRE_ALL_SERVERS=1) when a server's binary is missing."""
    target = load_targets(environ={}).get(target_name)
    assert target.launch is not None
    cls = launcher_class(target.launch.server)
    try:
        from gauntlet.fleet.launch.base import which

        if not which(cls.binary, cls.binary_dirs):
            raise BinaryMissing(f"{cls.binary} is not installed; install it with: {cls.install_hint}")
    except BinaryMissing as missing:
        if os.environ.get("GAUNTLET_REQUIRE_ALL_SERVERS"):
            pytest.fail(f"target {target_name}: {missing}")
        pytest.skip(f"target {target_name}: {missing}")


def run_pytest(args: list[str], env: dict[str, str] | None = None, timeout: float = 600,
               cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """A child pytest from the project root, as a user would run it."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    full_env.pop("PYTEST_XDIST_WORKER", None)
    full_env.pop("PYTEST_CURRENT_TEST", None)
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
                          cwd=cwd, env=full_env, capture_output=True, text=True, timeout=timeout)


def run_cli(args: list[str], env: dict[str, str] | None = None,
            timeout: float = 120) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run([sys.executable, "-m", "gauntlet.cli", *args], cwd=ROOT, env=full_env,
                          capture_output=True, text=True, timeout=timeout)


# --------------------------------------------------------------------------- headless Chromium

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def chromium_path() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    for candidate in (found, "/usr/bin/chromium"):
        if candidate and Path(candidate).is_file():
            return candidate
    return ""


def require_or_skip(reason: str) -> None:
    if os.environ.get("GAUNTLET_REQUIRE_ALL_SERVERS"):
        pytest.fail(f"{reason} (required in CI: GAUNTLET_REQUIRE_ALL_SERVERS is set)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium driven by Playwright (never a downloaded browser); skipped locally, a failure in CI."""
    executable = chromium_path()
    if not executable:
        require_or_skip("chromium is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        require_or_skip("the Python package playwright is not installed (pip install playwright)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
