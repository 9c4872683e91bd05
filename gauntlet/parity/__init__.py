"""Parity between two targets: does the destination hold what the source holds?

`gauntlet parity --source A --dest B` (see `gauntlet.parity.cli`) or, from Python,
`run_parity(source_live, dest_live, ParityOptions(...), out_dir, run_id)`.
Exit codes: `gauntlet.errors.ExitCode` (parity's are listed in `gauntlet.parity.errors`).
"""

from gauntlet.parity.engine import ParityOptions, ParityResult, run_parity
from gauntlet.parity.errors import ParityError

__all__ = ["ParityError", "ParityOptions", "ParityResult", "run_parity"]
