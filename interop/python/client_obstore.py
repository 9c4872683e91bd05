"""obstore (Python binding of Rust's object_store) through the data-tool scenario of interop/README.md.

Parquet is encoded by pyarrow and stored with `obstore.put` (object_store's own multipart
threshold); it is read back through obstore's fsspec adapter, so pyarrow's footer and column reads
are object_store range requests. Listing and deletion are obstore's `list` and `delete`.
"""

from __future__ import annotations

import io
import sys
from importlib.metadata import version

import obstore
import pyarrow as pa
import pyarrow.parquet as pq
from _contract import Env, describe_text, run
from _data_scenario import columns, steps
from obstore.fsspec import FsspecStore
from obstore.store import S3Store

env = Env.read()
config = {"endpoint": env.endpoint, "access_key_id": env.access_key, "secret_access_key": env.secret_key,
          "region": env.region, "virtual_hosted_style_request": False}
client_options = {"allow_http": not env.secure}
store = S3Store(env.bucket, config=config, client_options=client_options)
fs = FsspecStore("s3", config=config, client_options=client_options)


def describe(exc: BaseException) -> tuple[int | None, str | None, str]:
    return describe_text(exc, ("status: ", "Status code: ", "status code: "))


def write(name: str) -> int:
    buffer = io.BytesIO()
    pq.write_table(pa.table(columns()), buffer)
    obstore.put(store, f"data/{name}", buffer.getvalue())
    return obstore.head(store, f"data/{name}")["size"]


def read_ids_from(name: str, bound: int) -> list[int]:
    path = f"{env.bucket}/data/{name}"
    return pq.read_table(path, filesystem=fs, filters=[("id", ">=", bound)]).column("id").to_pylist()


def list_dir() -> list[str]:
    return [meta["path"].rsplit("/", 1)[-1] for batch in obstore.list(store, prefix="data/") for meta in batch]


def delete_dir() -> None:
    paths = [meta["path"] for batch in obstore.list(store, prefix="data/") for meta in batch]
    obstore.delete(store, paths)


if __name__ == "__main__":
    sys.exit(run("obstore", version("obstore"), steps(write, read_ids_from, list_dir, delete_dir), describe))
