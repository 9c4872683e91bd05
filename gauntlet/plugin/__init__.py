"""The pytest plugin: hooks.py is the thin adapter (options, parametrisation over targets, fixtures,
the recorder); beside it the verdict rules (verdict.py), the checks cases assert with (checks.py)
and the end-of-run console (console.py)."""
