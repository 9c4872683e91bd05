"""Locust load tests for S3 servers: users, transport, workload hooks (see loadtests/README.md).

Run them through ``python -m gauntlet.load.run`` (``tox -e load`` / ``tox -e ui``). Only
``users``, ``hooks`` and ``locustfile`` import Locust; ``s3ops``, ``transport`` and
``results`` don't, so tests can use them without gevent's monkey-patching.
"""
