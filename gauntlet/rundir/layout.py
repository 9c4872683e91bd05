"""The run directory `runs/<run-id>/`: every file a run writes, who writes it, and the fields of its rows.

This is the one seam between what produces results (the pytest plugin, the load run, parity, the mutation
runner) and what reads them (the reports, the gate, `gauntlet load cmp`). Producers and readers take the
names and field lists from here; docs/run-directory.md describes each file for users (a self-test checks
that it names every one of these). Standard library only: the Locust side imports it.
"""

from __future__ import annotations

# --------------------------------------------------------------------------- every kind of run
#: What ran, where, with what and when (gauntlet.rundir.meta); `kind` is compat, load or parity.
META = "meta.json"
#: Masked logs of the servers the run launched, one folder per target.
SERVERS = "servers"

# --------------------------------------------------------------------------- compatibility runs (the plugin)
#: One row per case × target, appended as each case ends (fields: ROW_FIELDS).
RESULTS = "results.jsonl"
#: pytest's JUnit XML of the same cases.
JUNIT = "junit.xml"
#: The run's own report (gauntlet/reports), written when the run ends: the page, the Markdown summary, the
#: charts and the tables behind them (also what `gauntlet report --out DIR` writes into DIR).
REPORT = "report.html"
SUMMARY_MD = "summary.md"
CHARTS = "charts"
TABLES = "tables"
#: What each SDK or data-tool program printed, one file per target and client: interop/<target>.<client>.jsonl.
INTEROP = "interop"

# --------------------------------------------------------------------------- load runs (gauntlet load)
#: The resolved profile, targets and settings the Locust processes read.
PLAN = "plan.json"
#: One row per operation × size class (fields: LOAD_SUMMARY_FIELDS).
LOAD_SUMMARY = "load_summary.jsonl"
#: One row per operation × size class per stats interval (fields: LOAD_HISTORY_FIELDS).
LOAD_HISTORY = "load_history.jsonl"
#: Totals the Locust side reports to the runner (requests, failures, integrity checks).
S3_RESULTS = "s3_results.json"
#: Locust's own CSV files (`--csv <run_dir>/locust --csv-full-history`), kept as Locust writes them.
LOCUST_CSV_PREFIX = "locust"
LOCUST_STATS = f"{LOCUST_CSV_PREFIX}_stats.csv"
LOCUST_HISTORY = f"{LOCUST_CSV_PREFIX}_stats_history.csv"
#: A run over several targets: one sub-folder per target, and the side-by-side table per operation.
COMPARISON = "comparison.csv"

# --------------------------------------------------------------------------- parity runs (gauntlet parity)
#: One row per difference found (fields: PARITY_ROW_FIELDS), and the same as CSV (PARITY_CSV_FIELDS).
PARITY_ROWS = "parity_rows.jsonl"
PARITY_DIFFERENCES = "parity_differences.csv"
#: Counts per kind of difference, and whether the comparison was complete.
PARITY_SUMMARY = "parity_summary.json"

# --------------------------------------------------------------------------- mutation runs (gauntlet mutation)
#: The score and, per fault, the cases that killed it; the same per fault as rows.
MUTATION = "mutation.json"
MUTATION_ROWS = "mutation.jsonl"

#: Any of these in a folder makes it a run directory.
RUN_MARKERS = (META, RESULTS, LOAD_SUMMARY, LOCUST_STATS, PARITY_SUMMARY)

# --------------------------------------------------------------------------- row fields
ROW_FIELDS = ("run_id", "target", "area", "case", "outcome", "duration_s", "http_status", "error_code", "message",
              "severity", "fingerprint")
LOAD_SUMMARY_FIELDS = ("run_id", "target", "operation", "size_class", "size_bytes", "requests", "failures", "rps",
                       "mb_s", "p50_ms", "p90_ms", "p99_ms", "max_ms", "avg_ms", "ttfb_p50_ms", "integrity_checked",
                       "integrity_failures")
LOAD_HISTORY_FIELDS = ("run_id", "target", "timestamp", "operation", "size_class", "rps", "failures_s", "p50_ms",
                       "p95_ms", "users")
PARITY_CSV_FIELDS = ("bucket", "key", "kind", "source_value", "dest_value")
PARITY_ROW_FIELDS = ("run_id", "source", "dest", *PARITY_CSV_FIELDS)
