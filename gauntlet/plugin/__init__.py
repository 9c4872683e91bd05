"""The pytest plugin: hooks.py is the thin adapter (options, the run's start and end, parametrisation over
targets) and registers fixtures.py (what cases take) and recorder.py (verdicts into rows, meta.json, the summary);
run.py holds the run's state; beside them the verdict rules (verdict.py), the checks cases assert with
(checks.py) and the end-of-run console (console.py)."""
