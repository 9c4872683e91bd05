"""DuckDB's httpfs extension through the data-tool scenario of interop/README.md: `COPY … TO 's3://…'`
writes the Parquet file, `read_parquet` with a WHERE clause reads it back (range requests), `glob`
lists the "directory". DuckDB has no way to delete an object, so the harness removes the bucket.

The httpfs extension is the pinned PyPI package duckdb-extension-httpfs, loaded from its file (the
extension download site is not reached). The endpoint and keys go into a temporary SECRET.
"""

from __future__ import annotations

import sys
from importlib.metadata import version
from pathlib import Path

import duckdb
import duckdb_extension_httpfs
from _contract import PARQUET_ROWS, Env, describe_text, run
from _data_scenario import steps

env = Env.read()
con = duckdb.connect()
extension = next(Path(duckdb_extension_httpfs.__file__).parent.glob("extensions/*/httpfs.duckdb_extension"))
con.execute(f"LOAD '{extension}'")
con.execute(
    "CREATE TEMPORARY SECRET gauntlet (TYPE s3, KEY_ID ?, SECRET ?, REGION ?, ENDPOINT ?, URL_STYLE 'path', "
    "USE_SSL ?)".replace("?", "{}").format(*(f"'{v}'" for v in (env.access_key, env.secret_key, env.region,
                                                                   env.host_port)), str(env.secure).lower())
)
if env.ca_bundle:
    con.execute(f"SET ca_cert_file = '{env.ca_bundle}'")
DIR = f"s3://{env.bucket}/data"


def describe(exc: BaseException) -> tuple[int | None, str | None, str]:
    return describe_text(exc, ("HTTP ", "status code "))


def write(name: str) -> None:
    con.execute(f"COPY (SELECT range::BIGINT AS id, 'n' || range AS name, range / 2 AS value "
                f"FROM range({PARQUET_ROWS})) TO '{DIR}/{name}' (FORMAT parquet)")


def read_ids_from(name: str, bound: int) -> list[int]:
    query = f"SELECT id FROM read_parquet('{DIR}/{name}') WHERE id >= {bound}"
    return [row[0] for row in con.execute(query).fetchall()]


def list_dir() -> list[str]:
    return [row[0].rsplit("/", 1)[-1] for row in con.execute(f"SELECT file FROM glob('{DIR}/*')").fetchall()]


if __name__ == "__main__":
    sys.exit(run("duckdb", version("duckdb"), steps(write, read_ids_from, list_dir, None), describe))
