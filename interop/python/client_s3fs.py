"""s3fs (fsspec over aiobotocore) through the data-tool scenario of interop/README.md: Parquet written
and read with pyarrow.parquet through the fsspec file system, listing and removal with s3fs's own
`ls` and `rm`. The listing cache is off, so each listing asks the server. Defaults kept otherwise.
"""

from __future__ import annotations

import sys
from importlib.metadata import version

import pyarrow as pa
import pyarrow.parquet as pq
import s3fs
from _contract import Env, run, short
from _data_scenario import columns, steps

env = Env.read()
client_kwargs = {"region_name": env.region}
if env.ca_bundle:
    client_kwargs["verify"] = env.ca_bundle
fs = s3fs.S3FileSystem(key=env.access_key, secret=env.secret_key, endpoint_url=env.endpoint,
                       client_kwargs=client_kwargs, use_listings_cache=False)
DIR = f"{env.bucket}/data"


def describe(exc: BaseException) -> tuple[int | None, str | None, str]:
    # s3fs turns botocore's ClientError into OSError subclasses and keeps it as __cause__
    cause = exc.__cause__ or exc.__context__
    answer = getattr(cause, "response", None) or getattr(exc, "response", None)
    if isinstance(answer, dict):
        error = answer.get("Error", {})
        return answer.get("ResponseMetadata", {}).get("HTTPStatusCode"), error.get("Code"), short(exc)
    return None, None, short(exc)


def write(name: str) -> int:
    pq.write_table(pa.table(columns()), f"{DIR}/{name}", filesystem=fs)
    return fs.info(f"{DIR}/{name}")["size"]


def read_ids_from(name: str, bound: int) -> list[int]:
    return pq.read_table(f"{DIR}/{name}", filesystem=fs, filters=[("id", ">=", bound)]).column("id").to_pylist()


def list_dir() -> list[str]:
    return [path.rsplit("/", 1)[-1] for path in fs.ls(DIR, detail=False)] if fs.exists(DIR) else []


def delete_dir() -> None:
    fs.rm(DIR, recursive=True)


if __name__ == "__main__":
    sys.exit(run("s3fs", version("s3fs"), steps(write, read_ids_from, list_dir, delete_dir), describe))
