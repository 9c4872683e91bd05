"""polars (its native object_store reader and writer) through the data-tool scenario of
interop/README.md: `write_parquet` to an s3:// path, a lazy `scan_parquet` with a filter reads it back,
and a glob scan with the file paths included lists the "directory". polars cannot delete objects,
so the harness removes the bucket.
"""

from __future__ import annotations

import sys

import polars as pl
from _contract import Env, describe_text, run
from _data_scenario import columns, steps

env = Env.read()
OPTIONS = {"aws_access_key_id": env.access_key, "aws_secret_access_key": env.secret_key, "aws_region": env.region,
           "aws_endpoint_url": env.endpoint, "aws_allow_http": str(not env.secure).lower(),
           "aws_virtual_hosted_style_request": "false"}
DIR = f"s3://{env.bucket}/data"


def describe(exc: BaseException) -> tuple[int | None, str | None, str]:
    return describe_text(exc, ("status: ", "Status code: ", "status code: "))


def write(name: str) -> None:
    pl.DataFrame(columns()).write_parquet(f"{DIR}/{name}", storage_options=OPTIONS)


def read_ids_from(name: str, bound: int) -> list[int]:
    frame = pl.scan_parquet(f"{DIR}/{name}", storage_options=OPTIONS).filter(pl.col("id") >= bound).collect()
    return frame["id"].to_list()


def list_dir() -> list[str]:
    frame = pl.scan_parquet(f"{DIR}/*.parquet", storage_options=OPTIONS, include_file_paths="path")
    return sorted({p.rsplit("/", 1)[-1] for p in frame.select("path").unique().collect()["path"].to_list()})


if __name__ == "__main__":
    sys.exit(run("polars", pl.__version__, steps(write, read_ids_from, list_dir, None), describe))
