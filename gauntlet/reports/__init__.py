"""s3gauntlet reports: comparison reports over run directories, and the CI gate.

Reports only read run directories (``runs/<run-id>/``); they never import the
pytest plugin. ``python -m gauntlet.reports --out DIR RUN_DIR...`` builds a report and
``python -m gauntlet.reports.gate --baseline FILE RUN_DIR...`` applies the gate.
"""

from __future__ import annotations

from gauntlet.reports.errors import ReportError

__all__ = ["ReportError"]
