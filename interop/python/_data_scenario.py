"""The data-tool scenario of interop/README.md, shared by the programs that read and write Parquet.

A program gives four functions (write one Parquet file, read the ids at or above a bound, list the
"directory", remove it); this module holds the table, the checks and the step order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from _contract import PARQUET_ROWS, Step, require

FILES = ["part-0.parquet", "part-1.parquet"]
BOUND = 9000
EXPECTED_ROWS = PARQUET_ROWS - BOUND
EXPECTED_SUM = sum(range(BOUND, PARQUET_ROWS))  # 9499500


def columns() -> dict[str, list]:
    ids = list(range(PARQUET_ROWS))
    return {"id": ids, "name": [f"n{i}" for i in ids], "value": [i / 2 for i in ids]}


def steps(write: Callable[[str], int | None], read_ids_from: Callable[[str, int], Sequence[int]],
          list_dir: Callable[[], Sequence[str]], delete_dir: Callable[[], None] | None) -> list[Step]:
    """write(name) -> size or None; read_ids_from(name, bound); list_dir() -> file names under data/."""

    def write_parquet() -> None:
        size = write(FILES[0])
        require(size is None or size > 0, f"the written data/{FILES[0]}: S3 requires the object's bytes; size {size}")

    def read_parquet_filtered() -> None:
        ids = list(read_ids_from(FILES[0], BOUND))
        require(len(ids) == EXPECTED_ROWS and sum(ids) == EXPECTED_SUM,
                f"rows of data/{FILES[0]} with id >= {BOUND}: {EXPECTED_ROWS} rows summing to {EXPECTED_SUM} "
                f"were written; read back {len(ids)} rows summing to {sum(ids)}")

    def list_directory() -> None:
        write(FILES[1])
        names = sorted(name or "(a key named data/ itself)" for name in list_dir())
        require(names == FILES, f"listing data/: S3 requires exactly {FILES}; got {names}")

    def delete_directory() -> None:
        assert delete_dir is not None
        delete_dir()
        left = [name or "(a key named data/ itself)" for name in list_dir()]
        require(not left, f"listing data/ after removing it: S3 requires nothing; got {left}")

    found = [Step("write_parquet", write_parquet),
             Step("read_parquet_filtered", read_parquet_filtered, ["write_parquet"]),
             Step("list_directory", list_directory, ["write_parquet"])]
    if delete_dir is not None:
        found.append(Step("delete_directory", delete_directory, ["write_parquet"]))
    return found
