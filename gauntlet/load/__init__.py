"""Load runs: the runner around Locust (run.py), its live console and auto-stop (watch.py),
the side-by-side comparison of targets (compare.py) and `gauntlet load cmp` (cmp.py)."""
