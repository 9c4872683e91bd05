"""Load runs: the runner around Locust (run.py), its live console and auto-stop (watch.py),
the side-by-side comparison of targets (compare.py) and `gauntlet load cmp` (cmp.py); and what runs inside
the Locust processes that loadtests/locustfile.py starts: the S3 user (users.py), its event hooks
(locust_hooks.py), requests and the per-process context (s3ops.py), the lean connection (transport.py) and
the tidy result rows (rows.py). Only users.py and locust_hooks.py import Locust; nothing is imported here."""
