"""Peak memory of `gauntlet parity` as the bucket grows: it must stay flat.

    python benchmarks/bench_parity.py [--mode real|fake|both] [--sizes 10000,30000,100000]
                                      [--fake-sizes 10000,100000,1000000] [--pair seaweedfs,rclone]

``real``: launch two local servers with the harness's Fleet (SeaweedFS as source and
rclone serve s3 as destination by default), fill one bucket on each with tiny objects
(``d<NNN>/k<NNNNNNN>``, 100 prefixes; every 1,000th key is left out of the destination
so the run writes difference rows) using ``rclone copy`` of a local tree (the Go client
is much cheaper per PUT than boto3), growing the buckets to each size in turn; at each
size run ``python -m gauntlet.parity`` in a child process, listing and merge-join only
(``--sample 0 --no-metadata --no-tags``: per-object requests would only make the run
longer, the memory they use is bounded by the worker pool either way), and read the
child's peak RSS with ``os.wait4``.

``fake``: the same engine over procedural in-process fake clients (no HTTP; objects are
computed from their key, nothing is stored), with every per-object check on (HeadObject,
GetObjectTagging, SHA-256 of the content), up to a million keys. The fakes live only in
this benchmark; they show that the merge-join, the bounded pool and the writers keep
memory flat at sizes a local server can't be filled to quickly.

Figures are printed, not asserted: one line per size, then ``rss_growth_mib=<largest - smallest>``.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PREFIXES = 100


def key_of(i: int) -> str:
    return f"d{i % PREFIXES:03d}/k{i:07d}"


def body_of(i: int) -> bytes:
    return b"%d" % i


# --------------------------------------------------------------------------- fake mode (child)


class ProceduralS3:
    """A read-only fake S3 side whose bucket 'bench' holds keys 0..n-1 (minus every `skip`-th)."""

    def __init__(self, n: int, skip: int = 0) -> None:
        # keys sorted in S3 order: d000/k0000000, d000/k0000100, ..., d001/k0000001, ...
        self.n, self.skip = n, skip

    def _indices(self) -> Iterator[int]:
        for prefix in range(PREFIXES):
            for i in range(prefix, self.n, PREFIXES):
                if not (self.skip and i % self.skip == 0):
                    yield i

    def list_buckets(self) -> dict[str, Any]:
        return {"Buckets": [{"Name": "bench"}]}

    def head_bucket(self, Bucket: str) -> dict[str, Any]:
        return {}

    def get_paginator(self, name: str) -> Any:
        side = self

        class Paginator:
            def paginate(self, Bucket: str, PaginationConfig: dict[str, int]) -> Iterator[dict[str, Any]]:
                page: list[dict[str, Any]] = []
                for i in side._indices():
                    data = body_of(i)
                    page.append({"Key": key_of(i), "Size": len(data),
                                 "ETag": '"' + hashlib.md5(data, usedforsecurity=False).hexdigest() + '"'})
                    if len(page) == PaginationConfig.get("PageSize", 1000):
                        yield {"Contents": page}
                        page = []
                yield {"Contents": page}

        return Paginator()

    @staticmethod
    def _index(key: str) -> int:
        return int(key.rsplit("k", 1)[1])

    def head_object(self, Bucket: str, Key: str) -> dict[str, Any]:
        return {"Metadata": {"owner": "bench"}, "ContentType": "text/plain"}

    def get_object_tagging(self, Bucket: str, Key: str) -> dict[str, Any]:
        return {"TagSet": [{"Key": "n", "Value": str(self._index(Key) % 7)}]}

    def get_object(self, Bucket: str, Key: str) -> dict[str, Any]:
        return {"Body": io.BytesIO(body_of(self._index(Key)))}


def fake_child(n: int, out: Path) -> dict[str, Any]:
    from gauntlet.fleet.running import LiveTarget
    from gauntlet.parity import ParityOptions, run_parity
    from gauntlet.s3.credentials import Credentials

    def live(name: str, port: int) -> LiveTarget:
        return LiveTarget(name=name, endpoint=f"http://127.0.0.1:{port}", region="us-east-1", addressing="path",
                          verify=True, credentials=Credentials(name, "x"), alt_credentials=None, features={},
                          checksum_mode="when_required")

    started = time.monotonic()
    result = run_parity(live("fake-src", 1), live("fake-dst", 2), ParityOptions(workers=8), out, f"bench-{n}",
                        source_client=ProceduralS3(n), dest_client=ProceduralS3(n, skip=1000))
    totals = result.summary["totals"]
    return {"objects": totals["objects_compared"], "differences": totals["differences"],
            "hashed": totals["hashed"], "seconds": round(time.monotonic() - started, 1), "exit": result.exit_code,
            "peak_rss_kib": peak_rss_kib()}


# --------------------------------------------------------------------------- measuring a child


#: Runs a module as __main__ and, at exit, writes the process's own peak RSS (VmHWM, KiB) to $BENCH_HWM.
#: (getrusage/wait4 ru_maxrss would not do: after fork it starts from the parent's RSS.)
_WRAPPER = """
import atexit, os, runpy, sys
def hwm():
    for line in open('/proc/self/status'):
        if line.startswith('VmHWM:'):
            open(os.environ['BENCH_HWM'], 'w').write(line.split()[1])
atexit.register(hwm)
module = sys.argv[1]
sys.argv = sys.argv[1:]
runpy.run_module(module, run_name='__main__', alter_sys=True)
"""


def peak_rss_kib() -> int:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))


def measure(module_argv: list[str]) -> tuple[int, float, str]:
    """Run `python -m <module_argv>` in a child; (its peak RSS in KiB, seconds, output)."""
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        hwm = Path(tmp) / "hwm"
        done = subprocess.run([sys.executable, "-c", _WRAPPER, *module_argv], cwd=ROOT, capture_output=True,
                              text=True, env={**os.environ, "PYTHONPATH": str(ROOT), "BENCH_HWM": str(hwm)})
        peak = int(hwm.read_text()) if hwm.exists() else -1
    return peak, time.monotonic() - started, done.stdout + done.stderr


def run_fake(sizes: list[int]) -> list[tuple[int, int]]:
    print("fake clients, every check on (HeadObject, GetObjectTagging, SHA-256 of every object), 8 workers:")
    points = []
    for n in sizes:
        with tempfile.TemporaryDirectory() as out:
            _, seconds, text = measure(["benchmarks.bench_parity", "--fake-child", str(n), "--out", out])
        info = json.loads(next(line for line in reversed(text.splitlines()) if line.startswith("{")))
        rss = info["peak_rss_kib"]
        points.append((n, rss))
        print(f"  objects={n:>9,}  peak_rss_mib={rss / 1024:6.1f}  seconds={seconds:6.1f}  "
              f"objects_per_s={n / seconds:8,.0f}  differences={info['differences']:,}  exit={info['exit']}")
    return points


# --------------------------------------------------------------------------- real mode


def _fill(rclone: str, env: dict[str, str], remote: str, start: int, stop: int, skip: int, tmp: Path) -> float:
    """PUT keys start..stop-1 (minus every `skip`-th) with `rclone copy` of a local tree."""
    tree = tmp / f"tree-{remote}-{start}"
    for i in range(start, stop):
        if skip and i % skip == 0:
            continue
        path = tree / key_of(i)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body_of(i))
    began = time.monotonic()
    subprocess.run([rclone, "copy", str(tree), f"{remote}:bench", "--transfers", "32", "--checkers", "32",
                    "--no-check-dest", "--s3-no-check-bucket", "--retries", "3"],
                   env=env, check=True, capture_output=True, text=True, timeout=3600)
    shutil.rmtree(tree)
    return time.monotonic() - began


def run_real(sizes: list[int], pair: list[str], with_full: bool = False) -> list[tuple[int, int]]:
    from gauntlet.fleet.running import Fleet
    from gauntlet.fleet.targets import load_targets
    from gauntlet.interop.programs import RCLONE, rclone_env

    rclone = RCLONE.path()
    if rclone is None:
        raise SystemExit(f"rclone is needed to fill the buckets: {RCLONE.install}")
    targets = load_targets(environ={})
    work = Path(tempfile.mkdtemp(prefix="s3g-bench-parity-"))
    fleet = Fleet(targets, work / "fleet")
    points = []
    try:
        live = fleet.start([targets.get(pair[0]), targets.get(pair[1])])
        source, dest = live[pair[0]], live[pair[1]]
        for side in (source, dest):
            side.client(checksum_mode="when_required").create_bucket(Bucket="bench")
        env = rclone_env({"src": source, "dst": dest}, work / "rclone")
        spec = work / "targets.yaml"
        spec.write_text("targets:\n" + "".join(
            f"  {name}:\n    endpoint: {t.endpoint}\n    credentials: {{access_key: {t.credentials.access_key}, "
            f"secret_key: {t.credentials.secret_key}}}\n" for name, t in (("src", source), ("dst", dest))))
        print(f"real servers: source {source.server} {source.version}, dest {dest.server} {dest.version}; "
              f"listing + merge-join (--sample 0 --no-metadata --no-tags), 8 workers:")
        filled = 0
        for n in sizes:
            put_s = _fill(rclone, env, "src", filled, n, 0, work) + _fill(rclone, env, "dst", filled, n, 1000, work)
            filled = n
            time.sleep(1.0)  # LastModified has whole seconds: the cut-over time must come after the fill
            filled_at = time.time()
            rss, seconds, text = measure(["gauntlet.parity", "--file", str(spec),
                                          "--source", "src", "--dest", "dst", "--bucket", "bench", "--sample", "0",
                                          "--no-metadata", "--no-tags", "--no-progress", "--out", str(work / f"p{n}")])
            summary = json.loads((work / f"p{n}" / "parity_summary.json").read_text())
            totals = summary["totals"]
            points.append((n, rss))
            print(f"  objects={n:>9,}  peak_rss_mib={rss / 1024:6.1f}  seconds={seconds:6.1f}  "
                  f"objects_per_s={n / seconds:8,.0f}  missing_on_dest={totals['missing_on_dest']:,}  "
                  f"exit={summary['exit_code']}  (fill took {put_s:.0f}s)")
            if summary["exit_code"] not in (0, 1):
                print(text[-2000:])
            if with_full:
                # the whole check (HeadObject, tags, SHA-256 of every object), then a cut-over pass that
                # rechecks only what changed since the fill ended (nothing did): the two figures users plan with
                for label, extra in (("full", []), ("since", ["--since", str(filled_at)])):
                    out = work / f"{label}{n}"
                    rss, seconds, text = measure(["gauntlet.parity", "--file", str(spec), "--source", "src",
                                                  "--dest", "dst", "--bucket", "bench", "--no-config",
                                                  "--no-progress", "--out", str(out), *extra])
                    totals = json.loads((out / "parity_summary.json").read_text())["totals"]
                    print(f"    {label:>5} pass: seconds={seconds:6.1f}  peak_rss_mib={rss / 1024:6.1f}  "
                          f"hashed={totals['hashed']:,}  unchanged_skipped={totals.get('unchanged_skipped', 0):,}")
    finally:
        fleet.stop()
        shutil.rmtree(work, ignore_errors=True)
    return points


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mode", choices=("real", "fake", "both"), default="both")
    parser.add_argument("--sizes", default="10000,30000,100000")
    parser.add_argument("--fake-sizes", default="10000,100000,1000000")
    parser.add_argument("--pair", default="seaweedfs,rclone", help="source,dest targets for the real mode")
    parser.add_argument("--full", action="store_true",
                        help="real mode: also time a full check (HEAD, tags, SHA-256) and a --since cut-over pass")
    parser.add_argument("--fake-child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.fake_child:
        print(json.dumps(fake_child(args.fake_child, Path(args.out))))
        return 0
    for mode in ("real", "fake") if args.mode == "both" else (args.mode,):
        if mode == "real":
            points = run_real([int(s) for s in args.sizes.split(",")], args.pair.split(","), args.full)
        else:
            points = run_fake([int(s) for s in args.fake_sizes.split(",")])
        rss = [p[1] for p in points]
        print(f"{mode}: rss_growth_mib={(max(rss) - min(rss)) / 1024:.1f} "
              f"from {points[0][0]:,} to {points[-1][0]:,} objects")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
