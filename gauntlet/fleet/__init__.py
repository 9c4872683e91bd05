"""The servers a run talks to: launching local ones (launch/, one module per server), the live
targets and their preflight (running.py), and deleting only the buckets a run created (cleanup.py).

Nothing is imported here: `python -m gauntlet.fleet.launch.tools` runs on a bare Python.
"""
