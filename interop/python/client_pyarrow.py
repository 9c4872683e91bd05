"""pyarrow.fs.S3FileSystem (the AWS SDK for C++ underneath) through the data-tool scenario of
interop/README.md: Parquet written and read with pyarrow.parquet, listing and removal with the
filesystem's own calls. Defaults kept (its multipart threshold, its checksum settings).
"""

from __future__ import annotations

import sys

import pyarrow as pa
import pyarrow.parquet as pq
from _contract import Env, describe_text, run
from _data_scenario import columns, steps
from pyarrow import fs

env = Env.read()
options = {"access_key": env.access_key, "secret_key": env.secret_key, "region": env.region,
           "endpoint_override": env.host_port, "scheme": "https" if env.secure else "http",
           "force_virtual_addressing": False}
if env.ca_bundle:
    options["tls_ca_file_path"] = env.ca_bundle
s3 = fs.S3FileSystem(**options)
DIR = f"{env.bucket}/data"


def describe(exc: BaseException) -> tuple[int | None, str | None, str]:
    # "AWS Error ACCESS_DENIED during PutObject operation: ... HTTP response code: 403 ..."
    return describe_text(exc, ("response code: ",))


def write(name: str) -> int:
    pq.write_table(pa.table(columns()), f"{DIR}/{name}", filesystem=s3)
    return s3.get_file_info(f"{DIR}/{name}").size


def read_ids_from(name: str, bound: int) -> list[int]:
    return pq.read_table(f"{DIR}/{name}", filesystem=s3, filters=[("id", ">=", bound)]).column("id").to_pylist()


def list_dir() -> list[str]:
    return [info.base_name for info in s3.get_file_info(fs.FileSelector(DIR, allow_not_found=True))]


def delete_dir() -> None:
    s3.delete_dir_contents(DIR, missing_dir_ok=True)


if __name__ == "__main__":
    sys.exit(run("pyarrow", pa.__version__, steps(write, read_ids_from, list_dir, delete_dir), describe))
