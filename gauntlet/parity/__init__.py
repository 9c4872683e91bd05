"""Parity between two targets: does the destination hold what the source holds?

`gauntlet parity --source A --dest B` (see `gauntlet.parity.cli`) or, from Python,
`run_parity(source_live, dest_live, ParityOptions(...), out_dir, run_id)`.
Exit codes: `gauntlet.parity.errors`.
"""

from gauntlet.parity.engine import ParityOptions, ParityResult, run_parity
from gauntlet.parity.errors import ParityError, ParityExit

__all__ = ["ParityError", "ParityExit", "ParityOptions", "ParityResult", "run_parity"]
