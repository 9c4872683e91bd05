"""`python -m gauntlet.parity ...`: the same as `gauntlet parity ...`."""

from gauntlet.parity.cli import main

raise SystemExit(main())
