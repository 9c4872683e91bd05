"""One workload over several servers: `tox -e load -- --target a,b,c --profile mixed --run-time 60s`.

The same profile runs against each target in turn, with the same seed (so the same object sizes,
the same prefill and the same key choices) and the same client settings, each into its own run
directory `runs/<id>/<target>/`. Then one comparison, per operation: steady throughput (ops/s, MB/s),
latency p50 / p99 / max, TTFB p50, errors, and ops/s as a ratio to the first target; printed,
written as `comparison.md` and `comparison.csv`, and drawn in `report.html` (the report builder
reads the run directories: ops/s per server per operation, latency percentiles, throughput over
time). A target that fails to start or to run keeps its row empty and the others go on; the exit
code is the first failing target's.
"""

from __future__ import annotations

import argparse
import copy
import csv
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from gauntlet.errors import ConfigError, GauntletError
from gauntlet.fleet.targets import load_targets
from gauntlet.load.cmp import analyse
from gauntlet.paths import PROJECT_ROOT, RUNS_DIR
from gauntlet.rundir import layout
from gauntlet.s3.naming import is_run_id, new_run_id

COLUMNS = ("operation", "target", "ops_s", "ratio", "mb_s", "p50_ms", "p99_ms", "max_ms", "ttfb_p50_ms",
           "requests", "failures")


@dataclass
class TargetRun:
    name: str
    run_dir: Path
    exit_code: int
    problem: str = ""


def run_comparison(args: argparse.Namespace, run_one: type) -> int:
    """Run `args.profile` on every target of `args.target` (comma-separated) in turn; compare them."""
    names = [n.strip() for n in str(args.target).split(",") if n.strip()]
    if len(set(names)) != len(names):
        raise ConfigError(f"--target names a target twice: {args.target}")
    if args.ui or args.master:
        raise ConfigError("several targets run one after the other, headless: not with --ui or --master")
    run_one(args)._profile()  # an unknown profile or a bad --run-time stops here, before any run
    targets_file = load_targets(args.targets_file)
    for name in names:
        targets_file.get(name)  # an unknown name stops here, before any run
    if args.run_id and not is_run_id(args.run_id):
        raise ConfigError(f"--run-id '{args.run_id}' is not a run id (expected YYYYMMDD-HHMMSS-xxxx)")
    comparison_id = args.run_id or new_run_id()
    base = Path(args.run_dir or RUNS_DIR / comparison_id).resolve()
    base.mkdir(parents=True, exist_ok=True)
    print(f"s3gauntlet: comparison {comparison_id}: profile '{args.profile}' on {', '.join(names)} in turn "
          f"(same seed); results in {base}", flush=True)
    runs: list[TargetRun] = []
    for name in names:
        sub = copy.copy(args)
        sub.target, sub.run_id, sub.run_dir = name, new_run_id(), str(base / name)
        sub.seed = args.seed or comparison_id
        try:
            code = run_one(sub).run()
            runs.append(TargetRun(name, base / name, code))
        except GauntletError as error:
            print(error.line, file=sys.stderr)
            runs.append(TargetRun(name, base / name, int(error.exit_code), str(error)))
    rows = comparison_rows(runs)
    table = render_table(rows, [r.name for r in runs])
    (base / "comparison.md").write_text(f"# Load comparison {comparison_id}: profile {args.profile}\n\n{table}\n")
    with (base / layout.COMPARISON).open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    print(table)
    report = _write_report(base, PROJECT_ROOT)
    print(f"s3gauntlet: comparison {comparison_id}: {base / 'comparison.md'}"
          + (f", {base / 'report.html'}" if report is None else f" (no report.html: {report})"))
    return next((r.exit_code for r in runs if r.exit_code), 0)


def comparison_rows(runs: list[TargetRun]) -> list[dict[str, object]]:
    """One row per operation and target, in the order of the targets; ratio = ops/s over the first target's."""
    per_target = {}
    for run in runs:
        try:
            per_target[run.name] = analyse(run.run_dir)
        except GauntletError:
            continue  # the target did not run: no row
    ttfb = {name: _ttfb(run.run_dir) for name, run in ((r.name, r) for r in runs)}
    operations = sorted({op for a in per_target.values() for op in a.operations})
    first = runs[0].name if runs else ""
    rows = []
    for op in operations:
        base = per_target.get(first).operations.get(op) if first in per_target else None
        for run in runs:
            stats = per_target.get(run.name).operations.get(op) if run.name in per_target else None
            if stats is None:
                continue
            rows.append({
                "operation": op, "target": run.name, "ops_s": round(stats.ops_s, 1),
                "ratio": round(stats.ops_s / base.ops_s, 3) if base and base.ops_s else None,
                "mb_s": stats.mb_s, "p50_ms": stats.p50_ms, "p99_ms": stats.p99_ms, "max_ms": stats.max_ms,
                "ttfb_p50_ms": ttfb.get(run.name, {}).get(op), "requests": stats.requests, "failures": stats.failures,
            })
    return rows


def _ttfb(run_dir: Path) -> dict[str, float | None]:
    import json

    out: dict[str, float | None] = {}
    path = run_dir / layout.LOAD_SUMMARY
    if path.is_file():
        for line in path.read_text().splitlines():
            if line.strip():
                row = json.loads(line)
                if row.get("ttfb_p50_ms") is not None:
                    op = str(row["operation"])
                    out[op] = max(out.get(op) or 0.0, float(row["ttfb_p50_ms"]))
    return out


def render_table(rows: list[dict[str, object]], targets: list[str]) -> str:
    """Markdown table: per operation and target, the figures and the ratio to the first target."""
    head = "| operation | target | ops/s | × first | MB/s | p50 ms | p99 ms | max ms | TTFB p50 ms | failures |"
    lines = [head, "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for row in rows:
        lines.append("| " + " | ".join(_cell(row[c]) for c in ("operation", "target", "ops_s", "ratio", "mb_s",
                                                                  "p50_ms", "p99_ms", "max_ms", "ttfb_p50_ms",
                                                                  "failures")) + " |")
    missing = [t for t in targets if t not in {r["target"] for r in rows}]
    if missing:
        lines.append(f"\n(no figures for {', '.join(missing)}: see its run directory and the lines above)")
    return "\n".join(lines)


def _cell(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.2f}" if value < 10 else f"{value:.1f}"
    return str(value)


def _write_report(base: Path, root: Path) -> str | None:
    """report.html over the per-target run directories (the reports package, in a child); None or why not."""
    import importlib.util

    if importlib.util.find_spec("pandas") is None:
        return "pandas is not installed: pip install -e '.[reports]'"
    done = subprocess.run([sys.executable, "-m", "gauntlet.reports", "--quiet", "--no-parquet", "--out", str(base),
                           str(base)],
                          capture_output=True, text=True, timeout=300, cwd=root, stdin=subprocess.DEVNULL)
    if done.returncode != 0:
        lines = (done.stderr or done.stdout).strip().splitlines()
        return lines[-1] if lines else f"exit {done.returncode}"
    return None
