"""Every suite against every local server, compared with the pinned verdicts.

For each target with pins under tests/expectations/<target>/, the suites run once
in a child pytest (as `tox -e compat -- --target <target>` would), and every
case's verdict must equal its pin. A verdict that changes fails here with the
server's message, so a harness change that softens or breaks a case is caught.
Re-pin deliberately with `python -m tests.expect --target <target>`.

A case whose verdict differs is run once more, alone. If it differs again, the
test fails with both messages. If the second run gives the pinned verdict, the
server answered differently once under load (seen: MinIO's rare 500 for a cut
chunked upload): the test passes, and a `VerdictUnstable` warning names the case
and what the server did, so the flake is on record in the output, not hidden.
A case that flakes often should get an `also:` pin with a note instead.

A bucket cleanup could not delete (meta.json's `leftover_buckets`) is handled the same
way: its case runs once more, alone, and the test fails if that run leaves a bucket
too; otherwise a `LeftoverUnstable` warning names the case and the reason.
"""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import pytest

from gauntlet.plugin.run import case_node_id
from gauntlet.rundir import layout
from gauntlet.rundir.rows import read_rows
from tests import expect
from tests.integration.conftest import require_server, run_pytest

pytestmark = pytest.mark.integration

PINNED = sorted(p.name for p in expect.EXPECTATIONS.iterdir() if p.is_dir()) if expect.EXPECTATIONS.is_dir() else []


@pytest.mark.parametrize("server", PINNED)
def test_verdicts_match_pins(server: str, tmp_path: Path) -> None:
    target = server
    require_server(target)
    run_dir = tmp_path / "run"
    suites = sorted(expect.load(target))
    done = run_pytest([*(f"suites/{s}.py" for s in suites), "--target", target, "--run-dir", str(run_dir),
                       "-n", "2", "-q", "--no-header", "-rN"], timeout=900)
    assert done.returncode in (0, 1), (
        f"run failed to complete (exit {done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    )
    rows = read_rows(run_dir / layout.RESULTS)
    problems = _differences_twice(target, expect.differences(target, rows, set(suites)), tmp_path / "rerun")
    assert not problems, f"{len(problems)} verdict(s) differ from tests/expectations/{target}/:\n" + "\n".join(problems)

    # the run's own record: meta.json names the server version, junit.xml exists
    meta = json.loads((run_dir / layout.META).read_text())
    assert meta["targets"][0]["name"] == target and meta["targets"][0]["version"] not in ("", "unknown")
    assert (run_dir / layout.JUNIT).is_file()
    leftovers = _leftovers_twice(target, meta["leftover_buckets"], tmp_path / "rerun-leftovers")
    assert not leftovers, f"{len(leftovers)} bucket(s) left behind:\n" + "\n".join(leftovers)

    # no secret in anything the harness wrote
    secrets = _secrets_of(target, done.stdout)
    for path in [run_dir / layout.RESULTS, run_dir / layout.META, run_dir / layout.JUNIT]:
        text = path.read_text(encoding="utf-8", errors="replace")
        for secret in secrets:
            assert secret not in text, f"a secret of {target} appears in {path.name}"


class VerdictUnstable(UserWarning):
    """A case gave another verdict than its pin once, and the pinned one when run again."""


class LeftoverUnstable(UserWarning):
    """A case left a bucket cleanup could not delete once, and none when run again."""


def _rerun_alone(target: str, cases: set[str], rerun_dir: Path) -> tuple[int, set[str], list[dict], list[dict]]:
    """Run `cases` (named as the rows name them) again on their own: the exit code, the cases that ran,
    and the rerun's rows and leftover buckets."""
    done = run_pytest([*(case_node_id(case, target) for case in sorted(cases)), "--target", target,
                       "--run-dir", str(rerun_dir), "-q", "--no-header", "-rN"], timeout=600)
    rows_path, meta_path = rerun_dir / layout.RESULTS, rerun_dir / layout.META
    rows = [row for row in read_rows(rows_path) if row["target"] == target] if rows_path.is_file() else []
    leftovers = json.loads(meta_path.read_text())["leftover_buckets"] if meta_path.is_file() else []
    return done.returncode, {row["case"] for row in rows}, rows, leftovers


def _differences_twice(target: str, first: list[expect.Difference], rerun_dir: Path) -> list[str]:
    """Run the differing cases again, alone: the lines of those that differ both times."""
    if not first:
        return []
    code, ran, rows, _ = _rerun_alone(target, {d.row_case for d in first}, rerun_dir)
    again = {d.row_case: d for d in expect.differences(target, rows)}
    problems = []
    for difference in first:
        if difference.row_case in again or difference.row_case not in ran:
            second = again[difference.row_case].line if difference.row_case in again \
                else f"did not run again (exit {code})"
            problems.append(f"{difference.line}\n    and again: {second}")
        else:
            warnings.warn(VerdictUnstable(f"{difference.line} — pinned verdict on a second run"), stacklevel=1)
    return problems


def _leftovers_twice(target: str, first: list[dict[str, str]], rerun_dir: Path) -> list[str]:
    """Run the cases that left buckets again, alone: the lines of those that leave one both times."""
    if not first:
        return []
    code, ran, _, leftovers = _rerun_alone(target, {entry["case"] for entry in first}, rerun_dir)
    again = {entry["case"]: entry for entry in leftovers}
    problems = []
    for entry in first:
        line = f"{entry['case']}: {entry['bucket']}: {entry['reason']}"
        if entry["case"] in again or entry["case"] not in ran:
            second = again[entry["case"]]["reason"] if entry["case"] in again else f"did not run again (exit {code})"
            problems.append(f"{line}\n    and again: {second}")
        else:
            warnings.warn(LeftoverUnstable(f"{line} — no bucket left on a second run"), stacklevel=1)
    return problems


def _secrets_of(target: str, output: str) -> list[str]:
    from gauntlet.fleet.launch import launcher_class
    from gauntlet.fleet.targets import load_targets

    spec = load_targets(environ={}).get(target)
    assert spec.launch is not None
    cls = launcher_class(spec.launch.server)
    secrets = [cls.default_credentials.secret_key]
    if cls.default_alt_credentials:
        secrets.append(cls.default_alt_credentials.secret_key)
    return [s for s in secrets if len(s) >= 8 and not re.fullmatch(r"[A-Z0-9]+", s)]
