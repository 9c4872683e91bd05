"""How long a report takes over a large history: synthesised runs in a temporary directory.

    python benchmarks/bench_report.py [--runs 50] [--targets 6] [--cases 500] [--load-runs 50] [--keep DIR]

Writes ``--runs`` compatibility runs (each: every target × ``--cases`` cases, the
layout the harness writes) and ``--load-runs`` load runs (every target × 12
workloads, 30 stats intervals), then times loading, building (tables and charts)
and writing the report, and prints the figures. The goal: well under 5 s for the defaults.
Not a timed test: machines differ; run it by hand when changing reports/. CPU time is
printed beside wall time because a busy machine stretches the latter.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gauntlet.reports.build import build_report, write_report  # noqa: E402
from gauntlet.reports.load import load_runs  # noqa: E402

AREAS = ("buckets", "objects", "listing", "sigv4", "presign", "multipart", "versioning", "sse", "checksums",
         "conditional", "tagging", "cors")
WORKLOADS = [(op, size, nbytes) for op in ("PUT", "GET", "HEAD", "DELETE") for size, nbytes in
             (("4KiB", 4096), ("64KiB", 65536), ("1MiB", 1048576))]


def _stamp(start: float, offset_s: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(start + offset_s))


def _meta(run_id: str, kind: str, targets: list[str], start: str) -> dict:
    return {"run_id": run_id, "kind": kind, "harness": {"name": "s3gauntlet", "version": "0.1.0"},
            "clients": {"boto3": "1.40.0", "botocore": "1.40.0"}, "python": "3.11", "host": {"name": "bench"},
            "argv": [], "start_time": start, "end_time": start,
            "targets": [{"name": t, "endpoint": f"http://127.0.0.1:{9000 + i}", "server": t.split("-")[0],
                         "version": f"1.{i}", "region": "us-east-1", "addressing": "path", "features": {}, "tags": {},
                         "log": ""} for i, t in enumerate(targets)],
            "exit_status": 1, "counts": {}, "leftover_buckets": [], "dead_targets": []}


def synthesise(root: Path, runs: int, targets: int, cases: int, load_runs: int, seed: int = 7) -> None:
    """Write the run directories under ``root``."""
    rng = random.Random(seed)
    names = [f"server{i}" for i in range(targets)]
    case_ids = [(AREAS[i % len(AREAS)], f"test_{AREAS[i % len(AREAS)]}.py::test_case_{i:04d}"
                 + (f"[p{i % 3}]" if i % 4 == 0 else "")) for i in range(cases)]
    base = time.time() - 86400 * (runs + 1)
    skill = {t: 0.55 + 0.4 * rng.random() for t in names}
    for r in range(runs):
        run_id = f"20260101-{r:06d}-cmp{r % 10}"
        run_dir = root / run_id
        run_dir.mkdir(parents=True)
        start = _stamp(base, r * 86400)
        (run_dir / "meta.json").write_text(json.dumps(_meta(run_id, "compat", names, start)), encoding="utf-8")
        lines = []
        for target in names:
            for area, case in case_ids:
                roll = rng.random()
                outcome = ("pass" if roll < skill[target] else "fail" if roll < 0.96 else
                           "unsupported" if roll < 0.99 else "error")
                message = ("" if outcome == "pass" else
                           f"S3 requires HTTP 400 InvalidArgument; server answered 200 ({case})")
                lines.append(json.dumps({"run_id": run_id, "target": target, "area": area, "case": case,
                                         "outcome": outcome, "duration_s": round(rng.random(), 4),
                                         "http_status": None if outcome == "pass" else 200,
                                         "error_code": None, "message": message}))
        (run_dir / "results.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    speed = {t: 200 + 800 * rng.random() for t in names}
    for r in range(load_runs):
        run_id = f"20260101-{r:06d}-load{r % 10}"
        run_dir = root / run_id
        run_dir.mkdir(parents=True)
        start_s = base + r * 86400 + 3600
        meta = _meta(run_id, "load", names, _stamp(start_s, 0))
        meta.update({"profile": {"name": "mixed"}, "locust_version": "2.40.0"})
        (run_dir / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
        summary, history = [], []
        for target in names:
            for op, size, nbytes in WORKLOADS:
                rps = speed[target] * (0.9 + 0.2 * rng.random()) / (1 + nbytes / 262144)
                p50 = 1000 / rps * 4
                summary.append(json.dumps({
                    "run_id": run_id, "target": target, "operation": op, "size_class": size, "size_bytes": nbytes,
                    "requests": int(rps * 30), "failures": rng.randint(0, 2), "rps": round(rps, 3),
                    "mb_s": round(rps * nbytes / 1e6, 4) if op in ("PUT", "GET") else 0.0, "p50_ms": round(p50, 2),
                    "p90_ms": round(p50 * 2.2, 2), "p99_ms": round(p50 * 4.5, 2), "max_ms": round(p50 * 9, 2),
                    "avg_ms": round(p50 * 1.3, 2), "ttfb_p50_ms": round(p50 * 0.8, 2) if op == "GET" else None,
                    "integrity_checked": 100 if op == "GET" else 0, "integrity_failures": 0}))
                for second in range(30):
                    history.append(json.dumps({
                        "run_id": run_id, "target": target, "timestamp": int(start_s) + second, "operation": op,
                        "size_class": size, "rps": round(rps * (0.8 + 0.4 * rng.random()), 3), "failures_s": 0.0,
                        "p50_ms": round(p50, 2), "p95_ms": round(p50 * 3, 2), "users": 16}))
        (run_dir / "load_summary.jsonl").write_text("\n".join(summary) + "\n", encoding="utf-8")
        (run_dir / "load_history.jsonl").write_text("\n".join(history) + "\n", encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--targets", type=int, default=6)
    parser.add_argument("--cases", type=int, default=500)
    parser.add_argument("--load-runs", type=int, default=50)
    parser.add_argument("--keep", type=Path, help="keep the synthesised runs and the report here")
    args = parser.parse_args()

    root = args.keep or Path(tempfile.mkdtemp(prefix="s3g-bench-"))
    try:
        runs_dir, out_dir = root / "runs", root / "report"
        started = time.perf_counter()
        synthesise(runs_dir, args.runs, args.targets, args.cases, args.load_runs)
        made = time.perf_counter() - started

        cpu0, t0 = time.process_time(), time.perf_counter()
        runset = load_runs([runs_dir])
        t1 = time.perf_counter()
        report = build_report(runset)
        t2 = time.perf_counter()
        write_report(report, out_dir)
        t3 = time.perf_counter()
        cpu = time.process_time() - cpu0

        print(f"synthesised {args.runs} compat runs x {args.targets} targets x {args.cases} cases "
              f"({len(runset.cases):,} case rows) and {args.load_runs} load runs ({len(runset.perf):,} perf rows, "
              f"{len(runset.history):,} history rows) in {made:.1f}s")
        print(f"load {t1 - t0:.2f}s  build (tables + charts) {t2 - t1:.2f}s  write (html, md, csv, parquet) "
              f"{t3 - t2:.2f}s")
        print(f"report built in {t3 - t0:.2f}s wall, {cpu:.2f}s CPU "
              f"(report.html {(out_dir / 'report.html').stat().st_size / 1e6:.1f} MB)")
        t4 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "gauntlet.reports", "-q", "--out", str(root / "cli"), str(runs_dir)],
                       cwd=ROOT, check=True)
        print(f"python -m gauntlet.reports end to end (interpreter start and imports included): "
              f"{time.perf_counter() - t4:.2f}s wall")
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
