"""Virtual-hosted-style addressing: the bucket in the Host header (`bucket.domain`), not in the path.

Every case needs a target that declares `virtual_host_domain` (the launched servers serve
`bucket.localhost`; the harness resolves `*.localhost` to 127.0.0.1 itself, gauntlet/s3/localhost_dns.py).
Cases write through one style and read through the other where that shows the server took the
bucket from the Host header: a server that ignored the Host would read the path's first segment as
the bucket and answer NoSuchBucket, or worse, act on another bucket.

References: Amazon S3 User Guide, "Virtual hosting of general purpose buckets" and "Methods for accessing
a bucket" (virtual-hosted-style requests: `https://bucket-name.s3.region-code.amazonaws.com/key-name`);
Amazon S3 API Reference, "Authenticating Requests: Using Query Parameters (AWS Signature Version 4)",
"Error responses: List of error codes".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest

from gauntlet.plugin.checks import expect_equal, expect_error, expect_status, expect_true, status_of, unsupported
from gauntlet.s3.data import KiB, payload
from gauntlet.s3.naming import create_bucket_params, new_bucket_name
from suites._support.signing import list_keys

pytestmark = [pytest.mark.sigv4, pytest.mark.requires("virtual_host"), pytest.mark.severity("client")]

#: A key with spaces, reserved and non-ASCII characters and slashes: the path of a virtual-hosted-style
#: request is the key alone, so every one of them must survive the trip. (Empty and dot segments are
#: test_objects' business: some servers refuse them in any style.)
SPECIAL_KEY = "dir one/sub+dir/f&=;@$,!'()*~ äö€ 100%.txt"


def _vhost(s3_client: Callable[..., Any], bucket: str) -> Any:
    """A boto3 client in virtual-hosted style; checks it really puts `bucket` in the host name."""
    client = s3_client(addressing="virtual")
    host = urlsplit(client.generate_presigned_url("head_bucket", Params={"Bucket": bucket})).hostname or ""
    assert host.startswith(f"{bucket}."), f"harness: the virtual-host client addresses {host!r}, not {bucket}.*"
    return client


@pytest.fixture
def admin(s3_client: Callable[..., Any]) -> Any:
    """Path-style client for setup and read-back (no flexible checksums; `own_buckets` cleans up)."""
    return s3_client(checksum_mode="when_required", addressing="path")


# --------------------------------------------------------------------------- presigned URLs with the bucket in the Host


@pytest.mark.requires("presign")
def test_presigned_get_with_bucket_in_host_returns_object(s3_client, admin, raw, bucket):
    """A presigned GET URL of a virtual-hosted-style client (`http://bucket.domain/key?X-Amz-...`), used by
    plain HTTP with no other credentials, returns the object: the signed host is `bucket.domain`.

    AWS S3 API Reference, "Authenticating Requests: Using Query Parameters (AWS Signature Version 4)";
    S3 User Guide, "Virtual hosting of general purpose buckets".
    """
    body = payload(20 * KiB, seed=81)
    admin.put_object(Bucket=bucket, Key="docs/get.bin", Body=body)
    url = _vhost(s3_client, bucket).generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": "docs/get.bin"}, ExpiresIn=300)
    resp = raw.send_url("GET", url)
    expect_status(resp, 200, "GET with a presigned virtual-hosted-style URL")
    expect_equal(resp.content, body, "GET with a presigned virtual-hosted-style URL")


@pytest.mark.requires("presign")
@pytest.mark.severity("data")
def test_presigned_put_with_bucket_in_host_stores_object(s3_client, admin, raw, bucket):
    """A presigned PUT URL of a virtual-hosted-style client stores the body under the key in that bucket
    (read back path-style).

    AWS S3 API Reference, "Authenticating Requests: Using Query Parameters (AWS Signature Version 4)";
    PutObject; S3 User Guide, "Virtual hosting of general purpose buckets".
    """
    body = payload(20 * KiB, seed=82)
    url = _vhost(s3_client, bucket).generate_presigned_url(
        "put_object", Params={"Bucket": bucket, "Key": "docs/put.bin"}, ExpiresIn=300)
    resp = raw.send_url("PUT", url, body=body)
    expect_status(resp, 200, "PUT with a presigned virtual-hosted-style URL")
    stored = admin.get_object(Bucket=bucket, Key="docs/put.bin")["Body"].read()
    expect_equal(stored, body, "object stored by a presigned virtual-hosted-style PUT, read path-style")


# --------------------------------------------------------------------------- keys and listings


@pytest.mark.severity("data")
def test_key_with_special_characters_and_slashes_round_trips(s3_client, admin, bucket):
    """Over virtual-hosted style the whole path is the key: a key with spaces, `+`, `&`, `%`, non-ASCII
    characters and slashes is stored under exactly that name, read back both ways.

    S3 User Guide, "Virtual hosting of general purpose buckets" (the bucket is in the Host, the path is
    the key) and "Naming Amazon S3 objects"; PutObject, GetObject, ListObjectsV2.
    """
    client = _vhost(s3_client, bucket)
    body = payload(4 * KiB, seed=83)
    client.put_object(Bucket=bucket, Key=SPECIAL_KEY, Body=body)
    expect_equal(list_keys(admin, bucket), [SPECIAL_KEY], "ListObjectsV2 (path style) after a virtual-hosted PUT")
    expect_equal(client.get_object(Bucket=bucket, Key=SPECIAL_KEY)["Body"].read(), body,
                 "GetObject (virtual-hosted style) of the key")
    expect_equal(admin.get_object(Bucket=bucket, Key=SPECIAL_KEY)["Body"].read(), body,
                 "GetObject (path style) of the key written virtual-hosted style")


@pytest.mark.severity("data")
def test_first_path_segment_is_a_key_prefix_not_another_bucket(s3_client, admin, bucket_factory):
    """With the bucket in the Host, `/other-bucket/k` is the key `other-bucket/k` of the Host's bucket: a
    PUT there never writes into `other-bucket` (a server falling back to path style would).

    S3 User Guide, "Virtual hosting of general purpose buckets" and "Methods for accessing a bucket"
    (virtual-hosted style: `https://bucket-name.s3.region-code.amazonaws.com/key-name`); PutObject.
    """
    bucket, other = bucket_factory(), bucket_factory()
    client = _vhost(s3_client, bucket)
    body = payload(2 * KiB, seed=84)
    client.put_object(Bucket=bucket, Key=f"{other}/k", Body=body)
    expect_equal(list_keys(admin, other), [], f"ListObjectsV2 of {other} after a virtual-hosted PUT to "
                 f"{bucket}.<domain>/{other}/k")
    expect_equal(list_keys(admin, bucket), [f"{other}/k"], "ListObjectsV2 of the Host's bucket")


def test_list_objects_v2_prefix_and_delimiter(s3_client, admin, bucket):
    """ListObjectsV2 over virtual-hosted style (`GET /?list-type=2` on `bucket.domain`) lists that bucket,
    grouping by delimiter and filtering by prefix as path style does.

    AWS S3 API Reference, ListObjectsV2 (prefix, delimiter, CommonPrefixes); S3 User Guide, "Virtual
    hosting of general purpose buckets".
    """
    for key in ("a/1", "a/2", "a/b/3", "b/1", "c"):
        admin.put_object(Bucket=bucket, Key=key, Body=b"x")
    client = _vhost(s3_client, bucket)
    top = client.list_objects_v2(Bucket=bucket, Delimiter="/")
    expect_equal([o["Key"] for o in top.get("Contents", [])], ["c"], "ListObjectsV2 delimiter=/ keys")
    expect_equal([p["Prefix"] for p in top.get("CommonPrefixes", [])], ["a/", "b/"],
                 "ListObjectsV2 delimiter=/ CommonPrefixes")
    under = client.list_objects_v2(Bucket=bucket, Prefix="a/", Delimiter="/")
    expect_equal([o["Key"] for o in under.get("Contents", [])], ["a/1", "a/2"],
                 "ListObjectsV2 prefix=a/ delimiter=/ keys")
    expect_equal([p["Prefix"] for p in under.get("CommonPrefixes", [])], ["a/b/"],
                 "ListObjectsV2 prefix=a/ delimiter=/ CommonPrefixes")


# --------------------------------------------------------------------------- buckets


def test_create_and_delete_bucket_with_bucket_in_host(target, s3_client, admin, own_buckets):
    """CreateBucket (`PUT /` on `bucket.domain`) creates that bucket and DeleteBucket (`DELETE /` on it)
    removes it again (checked path-style: HeadBucket 200, then 404).

    AWS S3 API Reference, CreateBucket, DeleteBucket (Response: HTTP 204), HeadBucket; S3 User Guide,
    "Virtual hosting of general purpose buckets".
    """
    name = own_buckets.new()
    client = _vhost(s3_client, name)
    expect_equal(status_of(client.create_bucket(**create_bucket_params(name, target.region))), 200,
                 "CreateBucket (virtual-hosted style) status")
    expect_equal(status_of(admin.head_bucket(Bucket=name)), 200, "HeadBucket (path style) after CreateBucket")
    expect_equal(status_of(client.delete_bucket(Bucket=name)), 204, "DeleteBucket (virtual-hosted style) status")
    with expect_error(404, None, "HeadBucket (path style) after a virtual-hosted-style DeleteBucket"):
        admin.head_bucket(Bucket=name)


def test_bucket_name_with_dots_is_addressed_by_host(target, s3_client, admin, run_id, own_buckets):
    """A bucket name with dots (`a.b`) is a valid virtual-hosted-style host (`a.b.domain`) over plain HTTP:
    objects written that way land in that bucket. (Over HTTPS a wildcard certificate matches one label
    only, so AWS advises path style there: this case needs an http endpoint.)

    S3 User Guide, "Virtual hosting of general purpose buckets" (bucket names with dots) and "General
    purpose bucket naming rules"; PutObject, GetObject.
    """
    if target.endpoint.startswith("https:"):
        unsupported("dotted bucket names over virtual-hosted HTTPS need a wildcard certificate per label")
    base = new_bucket_name(run_id)
    name = own_buckets.add(base[:-9] + "." + base[-8:])  # s3g-<run>-<worker>.<n>: still under the run's prefix
    admin.create_bucket(**create_bucket_params(name, target.region))
    client = _vhost(s3_client, name)
    body = payload(KiB, seed=85)
    client.put_object(Bucket=name, Key="dotted.bin", Body=body)
    expect_equal(admin.get_object(Bucket=name, Key="dotted.bin")["Body"].read(), body,
                 "GetObject (path style) of an object written to a dotted bucket virtual-hosted style")


def test_unknown_bucket_in_host_is_404_nosuchbucket(s3_client, run_id):
    """ListObjectsV2 on a bucket that does not exist, named in the Host, answers 404 NoSuchBucket (not a
    listing of something else, not ListBuckets).

    AWS S3 API Reference, "Error responses: List of error codes" (NoSuchBucket: "The specified bucket does
    not exist", 404); ListObjectsV2; S3 User Guide, "Virtual hosting of general purpose buckets".
    """
    name = new_bucket_name(run_id)
    with expect_error(404, "NoSuchBucket", "ListObjectsV2 (virtual-hosted style) on a missing bucket"):
        _vhost(s3_client, name).list_objects_v2(Bucket=name)


@pytest.mark.severity("detail")
def test_nosuchbucket_over_virtual_host_names_the_bucket(s3_client, run_id):
    """The NoSuchBucket error body for a bucket named in the Host carries `<BucketName>` with that name, as
    Amazon S3 sends it (so a client can tell which bucket is missing).

    AWS S3 API Reference, "Error responses" (REST error responses: the Error element carries Code, Message
    and further elements specific to the error; NoSuchBucket adds BucketName).
    """
    name = new_bucket_name(run_id)
    with expect_error(404, "NoSuchBucket", "ListObjectsV2 (virtual-hosted style) on a missing bucket") as seen:
        _vhost(s3_client, name).list_objects_v2(Bucket=name)
    named = ((seen.response or {}).get("Error") or {}).get("BucketName")
    expect_true(named == name, "NoSuchBucket error body names the bucket",
                f"S3 sends <BucketName> with the missing bucket's name; the server sent {named!r}")
