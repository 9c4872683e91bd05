"""How much the fault proxy costs: small GETs per second direct vs through the proxy (fault `none`).

    python benchmarks/bench_proxy.py [--server seaweedfs|rclone] [--seconds 8] [--connections 8] [--size 1024]

Launches the server (as the harness does), stores one small object, then for each
of "direct" and "proxy" runs: a throughput phase (``--connections`` keep-alive
connections in threads, as many signed GETs as they can for ``--seconds``) and a
latency phase (one connection, sequential GETs). The client signs with
gauntlet.s3.sigv4.Signer and talks http.client, so the client costs as little as
Python allows; all processes share this machine's cores, as they do in a run.
"""

from __future__ import annotations

import argparse
import http.client
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gauntlet.faults import start_proxy  # noqa: E402
from gauntlet.fleet.running import Fleet, LiveTarget  # noqa: E402
from gauntlet.fleet.targets import load_targets  # noqa: E402
from gauntlet.s3 import sigv4  # noqa: E402
from gauntlet.s3.clients import make_client  # noqa: E402

BUCKET = "s3g-bench-proxy"
KEY = "small.bin"


def _get_loop(endpoint: str, live: LiveTarget, deadline: float, latencies: list[float], errors: list[str]) -> None:
    parts = urlsplit(endpoint)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    signer = sigv4.Signer(live.credentials.access_key, live.credentials.secret_key, live.region)
    path = f"/{BUCKET}/{KEY}"
    local: list[float] = []
    while time.perf_counter() < deadline:
        start = time.perf_counter()
        headers = signer.headers("GET", parts.netloc, path)
        try:
            conn.request("GET", path, headers=headers)
            answer = conn.getresponse()
            answer.read()
            if answer.status != 200:
                errors.append(f"HTTP {answer.status}")
        except (OSError, http.client.HTTPException) as exc:
            errors.append(repr(exc))
            conn.close()
            conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
            continue
        local.append(time.perf_counter() - start)
    conn.close()
    latencies.extend(local)


def measure(endpoint: str, live: LiveTarget, connections: int, seconds: float) -> dict[str, float]:
    """Requests per second over `connections` threads, and latency percentiles in ms."""
    latencies: list[float] = []
    errors: list[str] = []
    deadline = time.perf_counter() + seconds
    threads = [threading.Thread(target=_get_loop, args=(endpoint, live, deadline, latencies, errors))
               for _ in range(connections)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise SystemExit(f"{len(errors)} request(s) failed against {endpoint}: {errors[:3]}")
    ordered = sorted(latencies)
    return {
        "rps": len(latencies) / elapsed,
        "p50_ms": 1000 * statistics.median(ordered),
        "p99_ms": 1000 * ordered[int(len(ordered) * 0.99) - 1],
        "requests": len(latencies),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", default="seaweedfs", help="a launch target of targets.yaml")
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--size", type=int, default=1024, help="object size in bytes")
    args = parser.parse_args(argv)

    targets = load_targets(environ={})
    fleet = Fleet(targets, Path(tempfile.mkdtemp(prefix="s3g-bench-proxy-")))
    live = fleet.start([targets.get(args.server)])[args.server]
    proxy = None
    try:
        client = make_client(live.endpoint, live.credentials, region=live.region, verify=live.verify)
        client.create_bucket(Bucket=BUCKET)
        client.put_object(Bucket=BUCKET, Key=KEY, Body=b"x" * args.size)
        proxy = start_proxy(live, "none", fleet.run_dir / "proxy", check_signatures=False)
        print(f"{args.server} {live.version}: GET of a {args.size}-byte object, {args.connections} keep-alive "
              f"connections for {args.seconds:g}s, then 1 connection sequentially")
        results = {}
        for name, endpoint in (("direct", live.endpoint), ("proxy (none)", proxy.endpoint)):
            measure(endpoint, live, 2, 1.0)  # warm up connections and caches
            many = measure(endpoint, live, args.connections, args.seconds)
            one = measure(endpoint, live, 1, args.seconds / 2)
            results[name] = (many, one)
            print(f"  {name:<13} {many['rps']:8.0f} req/s  p50 {many['p50_ms']:5.2f} ms  p99 {many['p99_ms']:6.2f} ms"
                  f"   | sequential {one['rps']:6.0f} req/s  p50 {one['p50_ms']:5.2f} ms")
        (d_many, d_one), (p_many, p_one) = results["direct"], results["proxy (none)"]
        print(f"  through the proxy: {100 * p_many['rps'] / d_many['rps']:.0f}% of direct throughput; "
              f"+{p_one['p50_ms'] - d_one['p50_ms']:.2f} ms median latency per request")
        client.delete_object(Bucket=BUCKET, Key=KEY)
        client.delete_bucket(Bucket=BUCKET)
    finally:
        if proxy is not None:
            proxy.stop()
        fleet.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
