"""Locust event listeners: the plan, the run's bounds, integrity/TTFB figures across workers, results.

* ``init_command_line_parser``: ``--s3-plan PATH`` (the plan gauntlet.load.run wrote;
  hidden from the web UI).
* ``init``: finer response-time buckets (two significant digits, so sub-millisecond
  latencies on loopback don't all read 0 or 1 ms); a master or standalone process
  reads the plan, which Locust then hands to every worker with its spawn messages
  (custom options travel that way), so workers need only the keys in their
  environment.
* ``test_start``: processes that run users build their :class:`~gauntlet.load.s3ops.LoadContext`
  and set the task weights; the master/standalone process starts the *bounds*
  greenlet (request cap; run time in web-UI mode, where ``--run-time`` doesn't
  apply; fail-fast when every request fails) and the history sampler.
* ``report_to_master`` / ``worker_report``: integrity counters and TTFB histograms
  ride along with the regular worker reports, as does a worker's fail-fast verdict.
* ``quitting``: the master/standalone process writes ``load_summary.jsonl`` and
  ``s3_results.json`` into the run directory.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any

import gevent
import locust.runners
import locust.stats
from locust import events
from locust.env import Environment
from locust.runners import MasterRunner, WorkerRunner

from gauntlet.load import rows as results
from gauntlet.load import s3ops, users
from gauntlet.rundir import layout

log = logging.getLogger("s3gauntlet.load")

#: Workers report every second (Locust: 3 s) so the master sees the request cap sooner.
locust.runners.WORKER_REPORT_INTERVAL = 1.0


class _State:
    """The master/standalone side of one Locust process."""

    def __init__(self) -> None:
        self.plan: dict[str, Any] | None = None
        self.extras = s3ops.Extras()  # merged from workers (master) or the local context (standalone)
        self.abort: dict[str, str] | None = None
        self.started_at: float | None = None
        self.greenlets: list[gevent.Greenlet] = []
        self.stop_reason: str | None = None
        self.workers = 0


STATE = _State()


def _plan_from_options(environment: Environment) -> dict[str, Any] | None:
    options = environment.parsed_options
    text = getattr(options, "s3_plan_json", None) if options is not None else None
    return json.loads(text) if text else None


def _run_dir() -> Path | None:
    if STATE.plan and STATE.plan.get("run_dir"):
        return Path(STATE.plan["run_dir"])
    return None


# --------------------------------------------------------------------------- setup


@events.init_command_line_parser.add_listener
def _add_arguments(parser: Any) -> None:
    parser.add_argument("--s3-plan", type=str, default="", include_in_web_ui=False,
                        help="s3gauntlet load plan (plan.json written by python -m gauntlet.load.run)")


@events.init.add_listener
def _on_init(environment: Environment, **_kwargs: Any) -> None:
    locust.stats.bucket_response_time = s3ops.bucket_ms
    # gevent's loop caches "now" between iterations; after the imports it is seconds stale, and
    # Locust's --run-time timer (created before the loop next runs) would fire that much early.
    gevent.get_hub().loop.update_now()
    runner = environment.runner
    options = environment.parsed_options
    if isinstance(runner, WorkerRunner) or options is None:
        return
    path = getattr(options, "s3_plan", "")
    if not path:
        log.error("no --s3-plan given: start load runs with python -m gauntlet.load.run")
        return
    text = Path(path).read_text(encoding="utf-8")
    options.s3_plan_json = text  # sent to workers with every spawn message
    STATE.plan = json.loads(text)
    users.S3User.host = STATE.plan["endpoint"]
    if isinstance(runner, MasterRunner):
        runner.register_message("s3_abort", _on_worker_abort)


def _on_worker_abort(environment: Environment, msg: Any, **_kwargs: Any) -> None:
    if STATE.abort is None:
        STATE.abort = dict(msg.data)
        log.error("worker %s gave up: %s", msg.node_id, STATE.abort.get("reason"))


@events.test_start.add_listener
def _on_test_start(environment: Environment, **_kwargs: Any) -> None:
    runner = environment.runner
    if not isinstance(runner, MasterRunner):
        plan = _plan_from_options(environment) or STATE.plan
        if plan is None:
            log.error("no load plan: start load runs with python -m gauntlet.load.run")
            _give_up(environment, "config", "no load plan (--s3-plan) was given")
            return
        try:
            ctx = s3ops.context_from_env(plan)
        except Exception as exc:
            log.error("cannot prepare the load users: %s", exc)
            _give_up(environment, "config", f"cannot prepare the load users: {exc}")
            return
        users.set_context(ctx)
        users.S3User.host = plan["endpoint"]
        users.S3User.tasks = users.weighted_tasks(ctx.profile.operations)
    if isinstance(runner, WorkerRunner):
        return
    STATE.extras.reset()
    STATE.abort = None
    STATE.stop_reason = None
    STATE.workers = 0
    STATE.started_at = time.time()
    for greenlet in STATE.greenlets:
        greenlet.kill(block=False)
    STATE.greenlets = [gevent.spawn(_bounds, environment), gevent.spawn(_history, environment)]


def _give_up(environment: Environment, kind: str, reason: str) -> None:
    runner = environment.runner
    if isinstance(runner, WorkerRunner):
        runner.send_message("s3_abort", {"kind": kind, "reason": reason})
    elif STATE.abort is None:
        STATE.abort = {"kind": kind, "reason": reason}


# --------------------------------------------------------------------------- bounds


def _stop(environment: Environment, reason: str) -> None:
    """End the test: quit in headless runs, stop (keeping the web UI up) otherwise."""
    STATE.stop_reason = reason
    log.warning("%s: stopping the test", reason)
    options = environment.parsed_options
    runner = environment.runner
    if options is not None and options.headless:
        runner.quit()
    else:
        runner.stop()


def _bounds(environment: Environment) -> None:
    plan = STATE.plan or _plan_from_options(environment)
    if not plan:
        return
    profile = plan["profile"]
    cap = int(profile["request_cap"])
    run_time = float(profile["run_time"])
    runner = environment.runner
    local = not isinstance(runner, MasterRunner)
    options = environment.parsed_options
    headless = bool(options is not None and options.headless)
    while True:
        gevent.sleep(0.05)
        if isinstance(runner, MasterRunner):
            STATE.workers = max(STATE.workers, runner.worker_count)
        if runner.state in (locust.runners.STATE_STOPPING, locust.runners.STATE_STOPPED):
            return
        if local:
            ctx = users.current_context()
            if ctx is not None and ctx.abort_reason and STATE.abort is None:
                kind, reason = ctx.abort_reason
                STATE.abort = {"kind": kind, "reason": reason}
        if STATE.abort is not None:
            _stop(environment, f"giving up: {STATE.abort['reason']}")
            return
        if runner.stats.total.num_requests >= cap:
            _stop(environment, f"request cap of {cap} reached")
            return
        if not headless and STATE.started_at and time.time() - STATE.started_at >= run_time:
            _stop(environment, f"run time of {run_time:g}s reached")
            return


# --------------------------------------------------------------------------- worker reports


@events.report_to_master.add_listener
def _on_report_to_master(client_id: str, data: dict[str, Any], **_kwargs: Any) -> None:
    ctx = users.current_context()
    if ctx is None:
        return
    data["s3x"] = ctx.extras.drain()
    if ctx.abort_reason and not ctx.abort_sent:
        ctx.abort_sent = True
        data["s3_abort"] = {"kind": ctx.abort_reason[0], "reason": ctx.abort_reason[1]}


@events.worker_report.add_listener
def _on_worker_report(client_id: str, data: dict[str, Any], **_kwargs: Any) -> None:
    if "s3x" in data:
        STATE.extras.merge(data["s3x"])
    if data.get("s3_abort") and STATE.abort is None:
        STATE.abort = data["s3_abort"]


# --------------------------------------------------------------------------- history and results


def _history(environment: Environment) -> None:
    run_dir = _run_dir()
    plan = STATE.plan
    if run_dir is None or plan is None:
        return
    runner = environment.runner
    interval = 2.0 if isinstance(runner, MasterRunner) else 1.0
    path = run_dir / layout.LOAD_HISTORY
    before: dict[str, tuple[int, int, dict[float, int]]] = {}
    last = time.time()
    while True:
        gevent.sleep(interval)
        now = time.time()
        rows = []
        entries = [*runner.stats.entries.values(), runner.stats.total]
        for entry in entries:
            name = entry.name
            n0, f0, h0 = before.get(name, (0, 0, {}))
            hist = dict(entry.response_times)
            rows.append(results.history_row(
                run_id=plan["run_id"], target=plan["target"], timestamp=int(now), name=name,
                requests=entry.num_requests - n0, failures=entry.num_failures - f0, seconds=now - last,
                response_times=results.histogram_delta(hist, h0), users=runner.user_count,
            ))
            before[name] = (entry.num_requests, entry.num_failures, hist)
        last = now
        try:
            results.write_jsonl(path, rows, append=True)
        except OSError as exc:  # pragma: no cover - a full disk shouldn't kill the run
            log.error("cannot write %s: %s", path, exc)
        if runner.state in (locust.runners.STATE_STOPPED,):
            return


def _local_extras() -> s3ops.Extras:
    ctx = users.current_context()
    if ctx is not None:
        STATE.extras.merge(ctx.extras.drain())
    return STATE.extras


@events.quitting.add_listener
def _on_quitting(environment: Environment, **_kwargs: Any) -> None:
    runner = environment.runner
    if isinstance(runner, WorkerRunner):
        return
    run_dir = _run_dir()
    plan = STATE.plan
    if run_dir is None or plan is None:
        return
    extras = _local_extras() if not isinstance(runner, MasterRunner) else STATE.extras
    stats = runner.stats
    rows = []
    for entry in sorted(stats.entries.values(), key=lambda e: e.name):
        rows.append(results.summary_row(
            run_id=plan["run_id"], target=plan["target"], name=entry.name, requests=entry.num_requests,
            failures=entry.num_failures, rps=entry.total_rps, total_bytes=entry.total_content_length,
            response_times=entry.response_times, max_ms=entry.max_response_time or 0.0,
            avg_ms=entry.avg_response_time, ttfb=extras.ttfb.get(entry.name),
            checked=extras.checked.get(entry.name, 0), bad=extras.bad.get(entry.name, 0),
        ))
    results.write_jsonl(run_dir / layout.LOAD_SUMMARY, rows)
    total = stats.total
    summary = {
        "requests": total.num_requests,
        "failures": total.num_failures,
        "rps": round(total.total_rps, 3),
        "mb_s": round(total.total_rps * (total.total_content_length / total.num_requests) / 1e6, 4)
        if total.num_requests else 0.0,
        "integrity_checked": sum(extras.checked.values()),
        "integrity_failures": sum(extras.bad.values()),
        "duration_s": round((stats.last_request_timestamp or time.time()) - (stats.start_time or time.time()), 3),
        "stop_reason": STATE.stop_reason,
        "abort": STATE.abort,
        "workers": STATE.workers,
        "errors": [{"operation": e.method, "name": e.name, "error": str(e.error), "occurrences": e.occurrences}
                   for e in list(stats.errors.values())[:50]],
    }
    (run_dir / layout.S3_RESULTS).write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
