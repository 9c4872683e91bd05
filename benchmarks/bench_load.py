"""Client CPU per request: the harness's Locust user against a plain boto3 loop (tox -e bench).

    python benchmarks/bench_load.py [--target rclone] [--seconds 3] [--rounds 5] [--users 16]

In one run and one process tree: launch the target (rclone by default) with the
harness's Fleet, prefill 100 objects of 4 KiB in a run-prefixed bucket, pin the
server to the last CPU and each client process to the first, then run the same
4 KiB GET workload with

* ``boto3``: one boto3 client in a loop (what a boto3-based Locust user costs at best);
* ``harness``: :class:`gauntlet.load.users.S3User` (FastHttpUser + lean connection +
  gauntlet.s3.sigv4.Signer) in Locust's local runner, signed requests;
* ``harness-session``: the same user sending through Locust's own FastHttpSession;
* ``fasthttp-unsigned`` (floor): a bare FastHttpUser doing ``self.client.get(path)``
  without any signature (the server answers 403, one small response each);
* ``lean-unsigned`` (floor): the harness's lean connection without the signature.

Each client runs in its own child process; CPU is ``getrusage(RUSAGE_SELF)`` user +
system time over the measured window (after a warm-up), divided by the requests
Locust (or the loop) completed in that window. Figures are printed, not asserted;
rounds are interleaved (at least 5 by default) and min / median / max per client are reported,
with a warning where the spread (max - min) / median of a client's CPU per request exceeds 20 %
(the machine was too busy for the figures to mean much). The last line is
``client_cpu_ratio_vs_boto3=<harness CPU per request / boto3 CPU per request>``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CLIENTS = {
    "boto3": "boto3 loop, one client",
    "harness": "harness S3User (FastHttpUser, lean conn, signed)",
    "harness-session": "harness S3User via FastHttpSession, signed",
    "fasthttp-unsigned": "FastHttpUser self.client.get, unsigned (floor)",
    "lean-unsigned": "harness lean connection, unsigned (floor)",
}
ENV_PLAN = "GAUNTLET_BENCH_PLAN"
#: Spread (max - min) / median of a client's CPU per request above which the figures are flagged.
SPREAD_WARNING = 0.20


# --------------------------------------------------------------------------- child processes


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _child_boto3(plan: dict[str, Any], seconds: float, warmup: float) -> dict[str, Any]:
    from gauntlet.config.profiles import object_key
    from gauntlet.s3.clients import make_client
    from gauntlet.s3.credentials import Credentials

    creds = Credentials(os.environ["GAUNTLET_LOAD_ACCESS_KEY"], os.environ["GAUNTLET_LOAD_SECRET_KEY"])
    client = make_client(plan["endpoint"], creds, region=plan["region"], checksum_mode="when_required")
    dirs = plan["profile"]["prefill"]["dirs"]
    keys = [object_key(i, dirs) for i in range(plan["profile"]["prefill"]["objects"])]
    bucket = plan["bucket"]

    def one() -> None:
        client.get_object(Bucket=bucket, Key=random.choice(keys))["Body"].read()

    end = time.monotonic() + warmup
    while time.monotonic() < end:
        one()
    cpu0, t0, n = _cpu(), time.monotonic(), 0
    end = t0 + seconds
    while time.monotonic() < end:
        one()
        n += 1
    return {"requests": n, "failures": 0, "cpu_s": _cpu() - cpu0, "wall_s": time.monotonic() - t0}


def _child_locust(mode: str, plan: dict[str, Any], seconds: float, warmup: float, nusers: int) -> dict[str, Any]:
    import gevent
    from locust import FastHttpUser, constant, events, task
    from locust.env import Environment

    from gauntlet.load import s3ops, users
    from gauntlet.load.transport import LeanConnection

    ctx = s3ops.context_from_env(plan)
    if mode == "harness-session":
        ctx.transport = "fasthttp"
    users.set_context(ctx)
    users.S3User.host = plan["endpoint"]
    users.S3User.tasks = users.weighted_tasks({"GET": 1})
    paths = [o.path for o in ctx.objects]
    host_header = ctx.host

    class UnsignedFast(FastHttpUser):
        host = plan["endpoint"]
        wait_time = constant(0)

        @task
        def get(self) -> None:
            self.client.get(random.choice(paths), name="GET 4KiB")

    class UnsignedLean(FastHttpUser):
        host = plan["endpoint"]
        wait_time = constant(0)

        def on_start(self) -> None:
            ep = ctx.endpoint
            self.conn = LeanConnection(ep.host, ep.port)
            self.fire = self.environment.events.request.fire

        @task
        def get(self) -> None:
            head = f"GET {random.choice(paths)} HTTP/1.1\r\nHost: {host_header}\r\n\r\n".encode()
            try:
                reply = self.conn.request(head)
                self.fire(request_type="GET", name="GET 4KiB", response_time=reply.elapsed * 1000,
                          response_length=reply.length, exception=None, context={})
            except OSError as exc:
                self.fire(request_type="GET", name="GET 4KiB", response_time=0, response_length=0,
                          exception=exc, context={})

    user_class = {"harness": users.S3User, "harness-session": users.S3User, "fasthttp-unsigned": UnsignedFast,
                  "lean-unsigned": UnsignedLean}[mode]
    env = Environment(user_classes=[user_class], events=events)
    runner = env.create_local_runner()
    runner.start(nusers, spawn_rate=1000)
    gevent.sleep(warmup)
    cpu0, t0 = _cpu(), time.monotonic()
    n0, f0 = env.stats.total.num_requests, env.stats.total.num_failures
    gevent.sleep(seconds)
    cpu1, t1 = _cpu(), time.monotonic()
    n1, f1 = env.stats.total.num_requests, env.stats.total.num_failures
    runner.quit()
    return {"requests": n1 - n0, "failures": f1 - f0, "cpu_s": cpu1 - cpu0, "wall_s": t1 - t0}


def child_main(mode: str, seconds: float, warmup: float, nusers: int) -> int:
    plan = json.loads(Path(os.environ[ENV_PLAN]).read_text(encoding="utf-8"))
    if mode == "boto3":
        result = _child_boto3(plan, seconds, warmup)
    else:
        result = _child_locust(mode, plan, seconds, warmup, nusers)
    print("RESULT " + json.dumps(result), flush=True)
    return 0


# --------------------------------------------------------------------------- the parent


def _pin_all_threads(pid: int, cpus: set[int]) -> None:
    for tid in os.listdir(f"/proc/{pid}/task"):
        with contextlib.suppress(OSError):
            os.sched_setaffinity(int(tid), cpus)


def _run_child(mode: str, args: argparse.Namespace, env: dict[str, str], cpu: int | None) -> dict[str, Any]:
    argv = [sys.executable, str(Path(__file__).resolve()), "--child", mode, "--seconds", str(args.seconds),
            "--warmup", str(args.warmup), "--users", str(args.users)]

    def pin() -> None:
        if cpu is not None:
            os.sched_setaffinity(0, {cpu})

    done = subprocess.run(argv, env=env, capture_output=True, text=True, preexec_fn=pin,
                          timeout=args.seconds + args.warmup + 120)
    for line in done.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT "):])
    tail = (done.stderr or done.stdout).strip().splitlines()[-5:]
    raise RuntimeError(f"bench client {mode} failed (exit {done.returncode}): " + " | ".join(tail))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target", default="rclone", help="a launch: target from targets.yaml (default: rclone)")
    parser.add_argument("--seconds", type=float, default=3.0, help="measured seconds per client and round")
    parser.add_argument("--warmup", type=float, default=1.5, help="warm-up seconds before measuring")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (min / median / max reported)")
    parser.add_argument("--users", type=int, default=16, help="Locust users for the Locust clients")
    parser.add_argument("--clients", default=",".join(CLIENTS), help="which clients, comma-separated")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child_main(args.child, args.seconds, args.warmup, args.users)

    from gauntlet.config.profiles import load_profile
    from gauntlet.fleet.running import Fleet
    from gauntlet.fleet.targets import load_targets
    from gauntlet.load.run import BucketFiller, _locust_env
    from gauntlet.s3.naming import new_run_id

    clients = [c.strip() for c in args.clients.split(",") if c.strip()]
    unknown = [c for c in clients if c not in CLIENTS]
    if unknown:
        parser.error(f"unknown client(s): {', '.join(unknown)} (known: {', '.join(CLIENTS)})")
    cpus = sorted(os.sched_getaffinity(0))
    client_cpu, server_cpu = (cpus[0], cpus[-1]) if len(cpus) > 1 else (None, None)

    targets_file = load_targets()
    target = targets_file.get(args.target)
    run_id = new_run_id()
    run_dir = Path(tempfile.mkdtemp(prefix="s3gauntlet-bench-"))
    fleet = Fleet(targets_file, run_dir)
    profile = load_profile("get-4k")
    prefill = None
    try:
        live = fleet.start([target])[target.name]
        if server_cpu is not None:
            for pid in live.pids:
                _pin_all_threads(pid, {server_cpu})
        prefill = BucketFiller(live, profile, run_id, f"{run_id}:bench")
        prefilled = prefill.run()
        plan = {"version": 1, "run_id": run_id, "target": live.name, "endpoint": live.endpoint,
                "region": live.region, "addressing": live.addressing, "verify": live.verify,
                "seed": f"{run_id}:bench", "run_dir": str(run_dir), "profile": profile.to_dict(), **prefilled}
        plan_path = run_dir / "plan.json"
        plan_path.write_text(json.dumps(plan), encoding="utf-8")
        env = {**_locust_env(live.credentials), ENV_PLAN: str(plan_path)}

        pinning = (f"server pinned to CPU {server_cpu}, clients to CPU {client_cpu}" if server_cpu is not None
                   else "one CPU: no pinning")
        print(f"# {live.name}: {live.server} {live.version} at {live.endpoint}; {pinning}; "
              f"{args.rounds} round(s) x {args.seconds:g}s per client; Locust clients with {args.users} users",
              flush=True)
        samples: dict[str, list[dict[str, Any]]] = {c: [] for c in clients}
        for round_no in range(args.rounds):
            order = clients if round_no % 2 == 0 else list(reversed(clients))
            for mode in order:
                result = _run_child(mode, args, env, client_cpu)
                samples[mode].append(result)
                per = result["cpu_s"] / max(result["requests"], 1) * 1e6
                print(f"#   round {round_no + 1} {mode:<18} {result['requests']:>7} req "
                      f"{result['requests'] / result['wall_s']:>8.0f} req/s {per:>8.1f} us CPU/req", flush=True)
    finally:
        if prefill is not None:
            prefill.cleanup()
        fleet.stop()

    figures: dict[str, dict[str, float]] = {}
    for mode, runs in samples.items():
        cpu = [r["cpu_s"] / max(r["requests"], 1) * 1e6 for r in runs]
        figures[mode] = {
            "cpu_us": statistics.median(cpu), "cpu_min": min(cpu), "cpu_max": max(cpu),
            "rps": statistics.median(r["requests"] / r["wall_s"] for r in runs),
            "failures": sum(r["failures"] for r in runs),
            "requests": sum(r["requests"] for r in runs),
        }
    base = figures.get("boto3", {}).get("cpu_us")
    print(f"# server: {target.name} ({live.server} {live.version}); {args.rounds} rounds; "
          "CPU us/req min / median / max")
    print(f"{'client':<52} {'req/s':>8} {'CPU us/req (min / median / max)':>32} {'vs boto3':>9}  note")
    noisy = []
    for mode in clients:
        fig = figures[mode]
        ratio = f"{fig['cpu_us'] / base:.3f}" if base else "-"
        spread = (fig["cpu_max"] - fig["cpu_min"]) / fig["cpu_us"] if fig["cpu_us"] else 0.0
        notes = [f"spread {spread:.0%}"]
        if spread > SPREAD_WARNING:
            noisy.append(mode)
        if fig["failures"]:
            notes.append("unsigned: every answer is a 403" if mode == "fasthttp-unsigned"
                         else f"{fig['failures']} of {fig['requests']} answered with errors")
        cpu = f"{fig['cpu_min']:.1f} / {fig['cpu_us']:.1f} / {fig['cpu_max']:.1f}"
        print(f"{CLIENTS[mode]:<52} {fig['rps']:>8.0f} {cpu:>32} {ratio:>9}  {'; '.join(notes)}")
    if noisy:
        print(f"# warning: CPU per request of {', '.join(noisy)} spread over {SPREAD_WARNING:.0%} between rounds: "
              "the machine was busy; rerun when it is quiet before reading the ratios")
    if base and "harness" in figures:
        print(f"client_cpu_ratio_vs_boto3={figures['harness']['cpu_us'] / base:.4f}")
    else:
        print("client_cpu_ratio_vs_boto3=nan")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
