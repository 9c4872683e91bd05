"""The fixtures cases take: the live `target`, boto3 clients (`s3`, `alt_s3`, `anon_s3`, `s3_client`), signed raw
requests (`raw`), and buckets this run creates and deletes (`bucket`, `bucket_factory`, `own_buckets`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import botocore.exceptions
import pytest

from gauntlet.fleet.cleanup import CleanupError, ForeignBucket, LockedBucket, delete_bucket
from gauntlet.fleet.running import LiveTarget
from gauntlet.plugin.checks import unsupported
from gauntlet.plugin.run import LOCKED_KEY, get_run, record_leftover
from gauntlet.plugin.verdict import TargetDown
from gauntlet.s3.errors import client_error_details
from gauntlet.s3.naming import new_bucket_name


@pytest.fixture
def target(request: pytest.FixtureRequest) -> LiveTarget:
    """The live target of this case (parametrised by `--target`)."""
    run = get_run(request.config)
    assert run is not None
    live = run.targets[request.param]
    dead = live.dead_process()
    if dead is not None:
        raise TargetDown(
            f"target '{live.name}': its server process {dead} exited during the run "
            f"(log: {live.log_path}); remaining cases cannot run"
        )
    for marker in request.node.iter_markers("requires"):
        for feature in marker.args:
            if not live.has_feature(feature):
                unsupported(live.why_absent(feature))
    return live


@pytest.fixture(scope="session")
def run_id(request: pytest.FixtureRequest) -> str:
    run = get_run(request.config)
    assert run is not None
    return run.run_id


@pytest.fixture
def s3(target: LiveTarget) -> Any:
    """boto3 S3 client for the target, in the target's checksum mode (reused across cases)."""
    return target.client()


@pytest.fixture
def s3_client(target: LiveTarget) -> Callable[..., Any]:
    """Factory: `s3_client(checksum_mode="when_required", alt=False, addressing=None)`."""
    return target.client


@pytest.fixture
def alt_s3(target: LiveTarget) -> Any:
    """boto3 client for the target's second user; unsupported where none is configured."""
    if not target.has_feature("alt_user"):
        unsupported(target.why_absent("alt_user"))
    return target.client(alt=True)


@pytest.fixture
def anon_s3(target: LiveTarget) -> Any:
    """boto3 client that signs nothing: an anonymous caller (public ACLs, `"Principal": "*"` policies)."""
    import botocore

    return target.client(signature_version=botocore.UNSIGNED)


def _admin_client(target: LiveTarget, **settings: Any) -> Any:
    # Setup and cleanup use the most conservative client settings, so a server's
    # checksum handling shows up in the checksum cases, not as setup errors.
    return target.client(checksum_mode="when_required", content_md5_deletes=True, **settings)


@pytest.fixture
def bucket_factory(target: LiveTarget, run_id: str, request: pytest.FixtureRequest) -> Iterator[Callable[..., str]]:
    """Creates fresh buckets named for this run; empties and deletes them after the case."""
    created: list[str] = []
    admin = _admin_client(target)

    def create(**kwargs: Any) -> str:
        name = new_bucket_name(run_id)
        params: dict[str, Any] = {"Bucket": name, **kwargs}
        if target.region and target.region != "us-east-1":
            params.setdefault("CreateBucketConfiguration", {"LocationConstraint": target.region})
        admin.create_bucket(**params)
        created.append(name)
        return name

    yield create
    _delete_buckets(admin, created, target.name, run_id, request.node)


class OwnBuckets:
    """Names of buckets a case creates (or deletes) itself, for cases that need CreateBucket's or
    DeleteBucket's own answer: `new()` gives a fresh name of this run, `add(name)` records one derived
    from it (a dotted or 63-character variant); the `own_buckets` fixture deletes whichever still exist."""

    def __init__(self, run_id: str) -> None:
        self.run_id = run_id
        self.names: list[str] = []

    def new(self, worker: str | None = None) -> str:
        """A fresh bucket name of this run (not created), deleted after the case if it exists then."""
        return self.add(new_bucket_name(self.run_id, worker=worker))

    def add(self, name: str) -> str:
        """Record `name` for cleanup; it must carry the run's prefix (cleanup refuses any other)."""
        self.names.append(name)
        return name


@pytest.fixture
def own_buckets(target: LiveTarget, run_id: str, request: pytest.FixtureRequest) -> Iterator[OwnBuckets]:
    """Buckets the case creates itself (see `OwnBuckets`); after the case, each that still exists is
    emptied and deleted, and one cleanup cannot delete is a leftover in meta.json, as with `bucket_factory`."""
    own = OwnBuckets(run_id)
    yield own
    # path style: a dotted name is not a valid virtual host over HTTPS
    admin = _admin_client(target, addressing="path")
    _delete_buckets(admin, [name for name in own.names if _may_exist(admin, name)], target.name, run_id,
                    request.node)


def _may_exist(client: Any, name: str) -> bool:
    """False only when HeadBucket says 404 (the case deleted the bucket, or never created it)."""
    try:
        client.head_bucket(Bucket=name)
    except botocore.exceptions.ClientError as exc:
        return client_error_details(exc)[0] != 404
    return True


def _delete_buckets(admin: Any, names: list[str], target: str, run_id: str, node: pytest.Item) -> None:
    """Empty and delete a case's buckets; what cannot be deleted goes to meta.json (locked or leftover)."""
    for name in names:
        try:
            delete_bucket(admin, name, run_id)
        except LockedBucket as locked:
            # object lock retention nobody can lift (COMPLIANCE, or a server refusing the GOVERNANCE bypass):
            # deletable only after `until`, so recorded apart from the buckets cleanup failed on
            node.stash.setdefault(LOCKED_KEY, []).append({"target": target, "bucket": name, "until": locked.until})
        except (CleanupError, ForeignBucket, Exception) as exc:
            record_leftover(node, target, name, str(exc))


@pytest.fixture
def bucket(bucket_factory: Callable[..., str]) -> str:
    """A fresh, empty bucket for this case."""
    return bucket_factory()


@pytest.fixture
def raw(target: LiveTarget) -> Any:
    """Signed HTTP requests for what boto3 can't express (see gauntlet.s3.raw)."""
    from gauntlet.s3.raw import RawClient

    return RawClient(target)


