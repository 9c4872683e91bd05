"""The client × server matrix of the SDK interop suite (suites/test_interop_sdks.py).

Each case `test_sdk_step[<client>::<step>]` is one step of one client's scenario; the matrix has one
row per client and target: steps passed / steps run, and the steps that did not pass with their
messages (what the report shows one click away).
"""

from __future__ import annotations

import pandas as pd

CLIENT_TEST = "test_sdk_step"
COLUMNS = ["client", "target", "passed", "total", "unsupported", "failing"]


def _without_prefix(message: str, step: str) -> str:
    """The program's own message, without the case's "<client> <version>, <step>: " prefix."""
    return message.split(f", {step}: ", 1)[-1]


def client_matrix(cases: pd.DataFrame, targets: list[str]) -> pd.DataFrame:
    """One row per (client, target): passed, total, unsupported and the failing steps ("step: message" lines)."""
    if cases.empty:
        return pd.DataFrame(columns=COLUMNS)
    sdk = cases[cases["test"] == CLIENT_TEST]
    if sdk.empty:
        return pd.DataFrame(columns=COLUMNS)
    parts = sdk["params"].str.split("::", n=1, expand=True)
    sdk = sdk.assign(client=parts[0], step=parts[1])
    order = {name: i for i, name in enumerate(dict.fromkeys(sdk["client"]))}
    rows = []
    for (client, target), group in sdk.groupby(["client", "target"], sort=False):
        failing = group[~group["outcome"].isin(["pass", "unsupported"])]
        rows.append({
            "client": client, "target": target,
            "passed": int((group["outcome"] == "pass").sum()), "total": len(group),
            "unsupported": int((group["outcome"] == "unsupported").sum()),
            "failing": "\n".join(f"{r.step}: {r.outcome}: {_without_prefix(str(r.message), r.step)}"
                                  for r in failing.itertuples()),
        })
    frame = pd.DataFrame(rows, columns=COLUMNS)
    frame["_c"] = frame["client"].map(order)
    frame["_t"] = frame["target"].map({t: i for i, t in enumerate(targets)})
    return frame.sort_values(["_c", "_t"]).drop(columns=["_c", "_t"]).reset_index(drop=True)
