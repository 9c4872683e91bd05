"""Install the local servers that don't come from PyPI (tox calls this before a run).

    python -m gauntlet.launch.tools          # s3rver from npm into .gauntlet/tools, if missing

PyPI servers are tox dependencies; Ceph RGW comes from Debian packages
(`apt-get install radosgw ceph-mon ceph-osd`, as root), which this does not do.
"""

from __future__ import annotations

import shutil
import subprocess
import sys

from gauntlet.launch.base import TOOLS_DIR, which
from gauntlet.launch.s3rver import S3RVER_VERSION, S3rverLauncher


def ensure_s3rver() -> str:
    if which("s3rver", S3rverLauncher.binary_dirs):
        return "s3rver: installed"
    npm = shutil.which("npm")
    if npm is None:
        return "s3rver: not installed and npm is missing (install Node.js and npm to use the s3rver target)"
    TOOLS_DIR.mkdir(parents=True, exist_ok=True)
    argv = [npm, "install", "--no-audit", "--no-fund", "--loglevel=error", "--prefix", str(TOOLS_DIR),
            f"s3rver@{S3RVER_VERSION}"]
    problem = ""
    for _attempt in range(3):  # the registry sometimes stalls; a fresh try usually goes through
        try:
            done = subprocess.run(argv, capture_output=True, text=True, timeout=180, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            problem = "npm install did not finish in 180 s"
            continue
        if done.returncode == 0:
            return f"s3rver: installed {S3RVER_VERSION} into {TOOLS_DIR}"
        last = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["(no output)"]
        problem = f"npm install failed: {last[0]}"
    return f"s3rver: {problem} (the s3rver target will say how to install it)"


def main() -> int:
    print(ensure_s3rver())
    return 0


if __name__ == "__main__":
    sys.exit(main())
