"""Access control: ACLs (canned and by grant), object ownership controls, public access block.

AWS S3 API Reference: PutBucketAcl, GetBucketAcl, PutObjectAcl, GetObjectAcl, PutObject (x-amz-acl,
x-amz-grant-*), PutBucketOwnershipControls, GetBucketOwnershipControls, DeleteBucketOwnershipControls,
PutPublicAccessBlock, GetPublicAccessBlock, PutBucketPolicy; Amazon S3 User Guide: "Access control list
(ACL) overview" (canned ACLs, grantees), "Controlling ownership of objects and disabling ACLs for your
bucket", "Blocking public access to your Amazon S3 storage".

Every permission is checked by what the other caller can actually do: the second user (`alt`) or the
anonymous caller (`anon`, unsigned requests) reads or writes, and the call must succeed or be refused
with 403 AccessDenied; refused writes are followed by reading the state back as the owner. Reading an ACL
back is checked only where the rule is about what GetBucketAcl / GetObjectAcl show.

Buckets are created the way local servers create them (no ownership controls, no public access block);
on AWS itself a new bucket has BucketOwnerEnforced and Block Public Access turned on since April 2023, so
the ACL cases there need buckets created with `ObjectOwnership=ObjectWriter`.

A server answering NotImplemented (501) to an ACL, ownership-controls or public-access-block API makes
the case *unsupported*; a server that accepts such a setting and ignores it fails.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import botocore
import botocore.exceptions
import pytest

from gauntlet.plugin.checks import expect_equal, expect_error, expect_refused, expect_true, unsupported
from gauntlet.plugin.verdict import S3Mismatch
from gauntlet.s3.data import payload
from gauntlet.s3.errors import client_error_details, is_not_implemented

pytestmark = [pytest.mark.access_control, pytest.mark.severity("client")]

BODY = payload(4_097, seed=91)
OTHER = payload(3_001, seed=92)
ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTHENTICATED_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
UNKNOWN_ID = "0" * 63 + "1"


# --------------------------------------------------------------------------- callers


@pytest.fixture
def owner(s3_client: Callable[..., Any]) -> Any:
    """The bucket owner, without flexible checksums (plain PUTs every server takes)."""
    return s3_client(checksum_mode="when_required")


@pytest.fixture
def alt(alt_s3: Any, s3_client: Callable[..., Any]) -> Any:
    """The second user (the case is unsupported where the target has none)."""
    return s3_client(checksum_mode="when_required", alt=True)


@pytest.fixture
def anon(s3_client: Callable[..., Any]) -> Any:
    """The anonymous caller: requests carry no signature at all."""
    return s3_client(checksum_mode="when_required", signature_version=botocore.UNSIGNED)


@pytest.fixture
def acl_bucket(bucket_factory: Callable[..., str]) -> str:
    """A fresh bucket whose ACLs are enabled: created with `ObjectOwnership=ObjectWriter`, as AWS needs since
    new buckets there default to BucketOwnerEnforced (and so do some servers, e.g. versitygw). A server that
    refuses the x-amz-object-ownership header gets a plain bucket (ACLs are then its default)."""
    try:
        return bucket_factory(ObjectOwnership="ObjectWriter")
    except botocore.exceptions.ClientError:
        return bucket_factory()


# --------------------------------------------------------------------------- helpers


def _read(client: Any, bucket: str, key: str) -> bytes:
    return client.get_object(Bucket=bucket, Key=key)["Body"].read()


def _expect_readable(client: Any, bucket: str, key: str, body: bytes, rule: str) -> None:
    """GetObject by `client` must succeed and return `body` (a refusal says which rule it broke)."""
    try:
        got = _read(client, bucket, key)
    except botocore.exceptions.ClientError as exc:
        status, code, message = client_error_details(exc)
        if is_not_implemented(status, code):
            unsupported(f"{rule}: server answered {status} {code}")
        raise S3Mismatch(f"{rule}: S3 requires 200 and the object; server answered {status} {code}: {message}"
                         .rstrip(": "), status, code, check="expect_readable") from None
    expect_equal(got, body, rule)


def _expect_denied_get(client: Any, bucket: str, key: str, rule: str) -> None:
    with expect_error(403, "AccessDenied", f"{rule}: GetObject"):
        client.get_object(Bucket=bucket, Key=key)


def _expect_absent(owner: Any, bucket: str, key: str, rule: str) -> None:
    with expect_error(404, None, f"{rule}: HeadObject by the owner afterwards (a refused write stores nothing)"):
        owner.head_object(Bucket=bucket, Key=key)


def _expect_object(owner: Any, bucket: str, key: str, body: bytes, rule: str) -> None:
    expect_equal(_read(owner, bucket, key), body, f"{rule}: the object read back by the owner afterwards")


def _owner_id(client: Any) -> str:
    """The caller's canonical user id, from ListBuckets' <Owner>."""
    owner_id = (client.list_buckets().get("Owner") or {}).get("ID")
    expect_true(bool(owner_id), "ListBuckets: the response names the caller's canonical user id (Owner/ID)",
                "the server's ListBuckets answer has no Owner/ID")
    return str(owner_id)


def _grants(acl: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(grantee type, id or group URI, permission) for each grant, sorted."""
    found = []
    for grant in acl.get("Grants") or []:
        grantee = grant.get("Grantee") or {}
        who = grantee.get("ID") or grantee.get("URI") or grantee.get("EmailAddress") or ""
        found.append((grantee.get("Type", ""), who, grant.get("Permission", "")))
    return sorted(found)


def _public_policy(bucket: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": "PublicRead", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{bucket}/*"}]})


def _block(owner: Any, bucket: str, **settings: bool) -> None:
    config = {name: settings.get(name, False) for name in
              ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")}
    owner.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=config)


# --------------------------------------------------------------------------- default ACLs


def test_new_bucket_acl_grants_owner_full_control_only(owner: Any, bucket: str) -> None:
    """A new bucket's ACL has one grant: FULL_CONTROL to the bucket owner.

    AWS S3 API Reference, GetBucketAcl; User Guide, "Access control list (ACL) overview" ("When you create
    a bucket or an object, Amazon S3 creates a default ACL that grants the resource owner full control").
    """
    acl = owner.get_bucket_acl(Bucket=bucket)
    owner_id = (acl.get("Owner") or {}).get("ID")
    expect_true(bool(owner_id), "GetBucketAcl: the response names the bucket owner (Owner/ID)",
                f"the server's answer has no Owner/ID: {acl.get('Owner')!r}")
    expect_equal(_grants(acl), [("CanonicalUser", owner_id, "FULL_CONTROL")], "GetBucketAcl of a new bucket")


def test_new_object_acl_grants_owner_full_control_only(owner: Any, acl_bucket: str) -> None:
    """A new object's ACL has one grant: FULL_CONTROL to its owner (the bucket owner, who wrote it).

    AWS S3 API Reference, GetObjectAcl; User Guide, "Access control list (ACL) overview" (default ACL).
    """
    owner.put_object(Bucket=acl_bucket, Key="k", Body=BODY)
    owner_id = _owner_id(owner)
    acl = owner.get_object_acl(Bucket=acl_bucket, Key="k")
    expect_equal((acl.get("Owner") or {}).get("ID"), owner_id, "GetObjectAcl: Owner/ID is the writer's id")
    expect_equal(_grants(acl), [("CanonicalUser", owner_id, "FULL_CONTROL")], "GetObjectAcl of a new object")


# --------------------------------------------------------------------------- canned ACLs on objects


def test_public_read_object_is_readable_anonymously(owner: Any, anon: Any, acl_bucket: str) -> None:
    """An object written with the canned ACL public-read can be read by an anonymous caller.

    User Guide, "Access control list (ACL) overview", Canned ACL: public-read ("AllUsers group gets READ
    access"); AWS S3 API Reference, PutObject (x-amz-acl).
    """
    owner.put_object(Bucket=acl_bucket, Key="k", Body=BODY, ACL="public-read")
    _expect_readable(anon, acl_bucket, "k", BODY, "anonymous GetObject of a public-read object")


@pytest.mark.severity("security")
def test_public_read_object_refuses_anonymous_overwrite(owner: Any, anon: Any, acl_bucket: str) -> None:
    """public-read on an object grants READ only: an anonymous PutObject to its key is 403 AccessDenied and the
    object stays as it was.

    User Guide, "Access control list (ACL) overview", Canned ACL: public-read (no WRITE on the acl_bucket).
    """
    owner.put_object(Bucket=acl_bucket, Key="k", Body=BODY, ACL="public-read")
    rule = "anonymous PutObject over a public-read object in a private bucket"
    with expect_error(403, "AccessDenied", rule):
        anon.put_object(Bucket=acl_bucket, Key="k", Body=OTHER)
    _expect_object(owner, acl_bucket, "k", BODY, rule)


@pytest.mark.severity("security")
def test_private_object_is_403_for_anonymous_get(owner: Any, anon: Any, acl_bucket: str) -> None:
    """An object written with the default (private) ACL is refused to an anonymous caller: 403 AccessDenied.

    User Guide, "Access control list (ACL) overview", Canned ACL: private ("No one else has access rights").
    """
    owner.put_object(Bucket=acl_bucket, Key="k", Body=BODY, ACL="private")
    _expect_denied_get(anon, acl_bucket, "k", "anonymous read of a private object")


@pytest.mark.severity("security")
def test_private_object_is_403_for_another_user(owner: Any, alt: Any, acl_bucket: str) -> None:
    """An object with the default ACL is refused to another (authenticated) user: 403 AccessDenied.

    User Guide, "Access control list (ACL) overview", Canned ACL: private; "Who is a grantee?".
    """
    owner.put_object(Bucket=acl_bucket, Key="k", Body=BODY)
    _expect_denied_get(alt, acl_bucket, "k", "another user's read of a private object")


def test_authenticated_read_object_is_readable_by_another_user(owner: Any, alt: Any, acl_bucket: str) -> None:
    """authenticated-read grants READ to every authenticated user: the second user can read the object.

    User Guide, "Access control list (ACL) overview", Canned ACL: authenticated-read (AuthenticatedUsers READ).
    """
    owner.put_object(Bucket=acl_bucket, Key="k", Body=BODY, ACL="authenticated-read")
    _expect_readable(alt, acl_bucket, "k", BODY, "another user's GetObject of an authenticated-read object")


@pytest.mark.severity("security")
def test_authenticated_read_object_is_403_for_anonymous(owner: Any, anon: Any, acl_bucket: str) -> None:
    """authenticated-read does not grant the anonymous caller anything: GetObject is 403 AccessDenied.

    User Guide, "Access control list (ACL) overview", Canned ACL: authenticated-read; Amazon S3 predefined
    groups (AuthenticatedUsers: "does not include anonymous requests").
    """
    owner.put_object(Bucket=acl_bucket, Key="k", Body=BODY, ACL="authenticated-read")
    _expect_denied_get(anon, acl_bucket, "k", "anonymous read of an authenticated-read object")


def test_put_object_acl_public_read_makes_object_readable_and_shows_allusers(
        owner: Any, anon: Any, acl_bucket: str) -> None:
    """PutObjectAcl with public-read on an existing object makes it anonymously readable, and GetObjectAcl then
    shows READ for the AllUsers group beside the owner's FULL_CONTROL.

    AWS S3 API Reference, PutObjectAcl (x-amz-acl), GetObjectAcl; User Guide, "Access control list (ACL)
    overview" (canned ACL public-read).
    """
    owner.put_object(Bucket=acl_bucket, Key="k", Body=BODY)
    owner.put_object_acl(Bucket=acl_bucket, Key="k", ACL="public-read")
    _expect_readable(anon, acl_bucket, "k", BODY, "anonymous GetObject after PutObjectAcl public-read")
    acl = owner.get_object_acl(Bucket=acl_bucket, Key="k")
    owner_id = (acl.get("Owner") or {}).get("ID")
    expect_equal(_grants(acl),
                 sorted([("CanonicalUser", owner_id, "FULL_CONTROL"), ("Group", ALL_USERS, "READ")]),
                 "GetObjectAcl after PutObjectAcl public-read")


@pytest.mark.severity("security")
def test_put_object_acl_private_revokes_anonymous_read(owner: Any, anon: Any, acl_bucket: str) -> None:
    """PutObjectAcl private on a public-read object replaces its ACL: anonymous GetObject is then 403.

    AWS S3 API Reference, PutObjectAcl ("uses the acl subresource to set the access control list (ACL)
    permissions for a new or existing object": the ACL is replaced, not merged).
    """
    owner.put_object(Bucket=acl_bucket, Key="k", Body=BODY, ACL="public-read")
    owner.put_object_acl(Bucket=acl_bucket, Key="k", ACL="private")
    _expect_denied_get(anon, acl_bucket, "k", "anonymous read after PutObjectAcl private on a public-read object")


# --------------------------------------------------------------------------- grants by id


def test_grant_read_by_canonical_id_lets_that_user_read(owner: Any, alt: Any, acl_bucket: str) -> None:
    """x-amz-grant-read with the second user's canonical id on PutObject lets that user read the object.

    AWS S3 API Reference, PutObject (x-amz-grant-read: "Allows grantee to read the object data and its
    metadata"; grantee given as id="...").
    """
    alt_id = _owner_id(alt)
    owner.put_object(Bucket=acl_bucket, Key="k", Body=BODY, GrantRead=f'id="{alt_id}"')
    _expect_readable(alt, acl_bucket, "k", BODY, "GetObject by the user granted READ by canonical id")


@pytest.mark.severity("security")
def test_grant_read_does_not_let_that_user_change_the_acl(owner: Any, alt: Any, anon: Any, acl_bucket: str) -> None:
    """A READ grant does not include WRITE_ACP: the grantee's PutObjectAcl public-read is 403 AccessDenied and
    the object stays private to anonymous callers.

    AWS S3 API Reference, PutObjectAcl (requires WRITE_ACP); User Guide, "Access control list (ACL)
    overview", "ACL permissions" (READ vs WRITE_ACP).
    """
    alt_id = _owner_id(alt)
    owner.put_object(Bucket=acl_bucket, Key="k", Body=BODY, GrantRead=f'id="{alt_id}"')
    rule = "PutObjectAcl public-read by a user granted only READ"
    with expect_error(403, "AccessDenied", rule):
        alt.put_object_acl(Bucket=acl_bucket, Key="k", ACL="public-read")
    _expect_denied_get(anon, acl_bucket, "k", f"{rule}: anonymous read afterwards")


@pytest.mark.severity("security")
def test_another_user_cannot_write_into_a_private_bucket(owner: Any, alt: Any, acl_bucket: str) -> None:
    """Another user without a grant on the bucket cannot write into it: PutObject is 403 AccessDenied and
    nothing is stored.

    AWS S3 API Reference, PutObject ("you must have WRITE permissions on a bucket to add an object to it");
    User Guide, "Access control list (ACL) overview", Canned ACL: private.
    """
    rule = "PutObject by another user into a private bucket"
    with expect_error(403, "AccessDenied", rule):
        alt.put_object(Bucket=acl_bucket, Key="k", Body=BODY)
    _expect_absent(owner, acl_bucket, "k", rule)


# --------------------------------------------------------------------------- canned ACLs on buckets


def test_public_read_write_bucket_lets_anonymous_put(owner: Any, anon: Any, acl_bucket: str) -> None:
    """A bucket with the canned ACL public-read-write accepts an anonymous PutObject, and the object is stored.

    User Guide, "Access control list (ACL) overview", Canned ACL: public-read-write ("AllUsers group gets
    READ and WRITE access"); AWS S3 API Reference, PutBucketAcl.
    """
    owner.put_bucket_acl(Bucket=acl_bucket, ACL="public-read-write")
    anon.put_object(Bucket=acl_bucket, Key="k", Body=BODY)
    _expect_object(owner, acl_bucket, "k", BODY, "anonymous PutObject into a public-read-write bucket")


@pytest.mark.severity("security")
def test_private_bucket_refuses_anonymous_put_and_stores_nothing(owner: Any, anon: Any, acl_bucket: str) -> None:
    """A private bucket refuses an anonymous PutObject with 403 AccessDenied and stores nothing.

    User Guide, "Access control list (ACL) overview", Canned ACL: private; AWS S3 API Reference, PutObject.
    """
    owner.put_bucket_acl(Bucket=acl_bucket, ACL="private")
    rule = "anonymous PutObject into a private bucket"
    with expect_error(403, "AccessDenied", rule):
        anon.put_object(Bucket=acl_bucket, Key="k", Body=BODY)
    _expect_absent(owner, acl_bucket, "k", rule)


@pytest.mark.severity("security")
def test_public_read_bucket_lists_anonymously_but_refuses_anonymous_put(
        owner: Any, anon: Any, acl_bucket: str) -> None:
    """public-read on a bucket grants READ (listing) only: an anonymous ListObjectsV2 works, an anonymous
    PutObject is 403 AccessDenied and stores nothing.

    User Guide, "Access control list (ACL) overview", Canned ACL: public-read; "ACL permissions" (READ on a
    bucket allows listing the objects; WRITE allows creating them).
    """
    owner.put_object(Bucket=acl_bucket, Key="listed", Body=BODY)
    owner.put_bucket_acl(Bucket=acl_bucket, ACL="public-read")
    keys = [o["Key"] for o in anon.list_objects_v2(Bucket=acl_bucket).get("Contents") or []]
    expect_equal(keys, ["listed"], "anonymous ListObjectsV2 of a public-read bucket")
    rule = "anonymous PutObject into a public-read bucket"
    with expect_error(403, "AccessDenied", rule):
        anon.put_object(Bucket=acl_bucket, Key="k", Body=BODY)
    _expect_absent(owner, acl_bucket, "k", rule)


def test_put_bucket_acl_public_read_shows_allusers_read(owner: Any, acl_bucket: str) -> None:
    """After PutBucketAcl public-read, GetBucketAcl shows the owner's FULL_CONTROL and READ for AllUsers.

    AWS S3 API Reference, PutBucketAcl, GetBucketAcl; User Guide, "Access control list (ACL) overview".
    """
    owner.put_bucket_acl(Bucket=acl_bucket, ACL="public-read")
    acl = owner.get_bucket_acl(Bucket=acl_bucket)
    owner_id = (acl.get("Owner") or {}).get("ID")
    expect_equal(_grants(acl),
                 sorted([("CanonicalUser", owner_id, "FULL_CONTROL"), ("Group", ALL_USERS, "READ")]),
                 "GetBucketAcl after PutBucketAcl public-read")


# --------------------------------------------------------------------------- malformed ACLs


@pytest.mark.severity("detail")
def test_put_object_with_invalid_canned_acl_is_400_invalidargument(owner: Any, acl_bucket: str) -> None:
    """PutObject whose x-amz-acl is not a canned ACL name is 400 InvalidArgument.

    AWS S3 API Reference, PutObject (x-amz-acl: valid values private | public-read | public-read-write |
    authenticated-read | aws-exec-read | bucket-owner-read | bucket-owner-full-control); "List of error codes".
    """
    with expect_error(400, "InvalidArgument", "PutObject with x-amz-acl: not-a-canned-acl"):
        owner.put_object(Bucket=acl_bucket, Key="k", Body=BODY, ACL="not-a-canned-acl")


def test_put_object_with_invalid_canned_acl_stores_nothing(owner: Any, acl_bucket: str) -> None:
    """PutObject with an unknown canned ACL is refused and stores nothing.

    AWS S3 API Reference, PutObject (x-amz-acl valid values); the request fails as a whole.
    """
    rule = "PutObject with x-amz-acl: not-a-canned-acl"
    with expect_refused(rule):
        owner.put_object(Bucket=acl_bucket, Key="k", Body=BODY, ACL="not-a-canned-acl")
    _expect_absent(owner, acl_bucket, "k", rule)


@pytest.mark.severity("detail")
def test_put_bucket_acl_with_invalid_canned_acl_is_400_invalidargument(owner: Any, acl_bucket: str) -> None:
    """PutBucketAcl whose x-amz-acl is not a canned ACL name is 400 InvalidArgument.

    AWS S3 API Reference, PutBucketAcl (x-amz-acl: private | public-read | public-read-write |
    authenticated-read); "List of error codes".
    """
    with expect_error(400, "InvalidArgument", "PutBucketAcl with x-amz-acl: not-a-canned-acl"):
        owner.put_bucket_acl(Bucket=acl_bucket, ACL="not-a-canned-acl")


def test_put_object_acl_with_unknown_grantee_is_400_and_keeps_the_acl(owner: Any, acl_bucket: str) -> None:
    """PutObjectAcl whose ACL XML grants to a canonical id no account has is 400 InvalidArgument, and the
    object's ACL stays as it was.

    AWS S3 API Reference, PutObjectAcl (Grantee/ID must identify an AWS account); "List of error codes"
    (InvalidArgument: "Invalid id").
    """
    owner.put_object(Bucket=acl_bucket, Key="k", Body=BODY)
    before = owner.get_object_acl(Bucket=acl_bucket, Key="k")
    policy = {"Owner": before["Owner"], "Grants": [
        {"Grantee": {"Type": "CanonicalUser", "ID": before["Owner"]["ID"]}, "Permission": "FULL_CONTROL"},
        {"Grantee": {"Type": "CanonicalUser", "ID": UNKNOWN_ID}, "Permission": "READ"}]}
    rule = "PutObjectAcl granting READ to an unknown canonical id"
    with expect_error(400, "InvalidArgument", rule):
        owner.put_object_acl(Bucket=acl_bucket, Key="k", AccessControlPolicy=policy)
    expect_equal(_grants(owner.get_object_acl(Bucket=acl_bucket, Key="k")), _grants(before),
                 f"{rule}: GetObjectAcl afterwards (unchanged)")


# --------------------------------------------------------------------------- ownership controls


def test_ownership_controls_round_trip(owner: Any, bucket: str) -> None:
    """PutBucketOwnershipControls BucketOwnerEnforced, then GetBucketOwnershipControls shows that one rule.

    AWS S3 API Reference, PutBucketOwnershipControls, GetBucketOwnershipControls (ObjectOwnership).
    """
    owner.put_bucket_ownership_controls(
        Bucket=bucket, OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]})
    got = owner.get_bucket_ownership_controls(Bucket=bucket).get("OwnershipControls") or {}
    expect_equal(got.get("Rules"), [{"ObjectOwnership": "BucketOwnerEnforced"}], "GetBucketOwnershipControls")


@pytest.mark.severity("detail")
def test_bucket_owner_enforced_put_with_acl_is_400_accesscontrollistnotsupported(owner: Any, bucket: str) -> None:
    """With BucketOwnerEnforced, PutObject carrying a non-default ACL is 400 AccessControlListNotSupported.

    AWS S3 API Reference, PutBucketOwnershipControls (BucketOwnerEnforced: "ACLs are disabled"); User Guide,
    "Controlling ownership of objects and disabling ACLs" ("requests to set ACLs ... fail with the
    AccessControlListNotSupported error code").
    """
    owner.put_bucket_ownership_controls(
        Bucket=bucket, OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]})
    with expect_error(400, "AccessControlListNotSupported", "PutObject x-amz-acl: public-read, BucketOwnerEnforced"):
        owner.put_object(Bucket=bucket, Key="k", Body=BODY, ACL="public-read")


@pytest.mark.severity("security")
def test_bucket_owner_enforced_put_with_public_acl_stores_nothing(owner: Any, anon: Any, bucket: str) -> None:
    """With BucketOwnerEnforced, PutObject with a public-read ACL is refused, stores nothing, and grants the
    anonymous caller nothing.

    User Guide, "Controlling ownership of objects and disabling ACLs" (ACLs disabled: a request setting one
    fails); AWS S3 API Reference, PutBucketOwnershipControls.
    """
    owner.put_bucket_ownership_controls(
        Bucket=bucket, OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]})
    rule = "PutObject x-amz-acl: public-read into a BucketOwnerEnforced bucket"
    with expect_refused(rule):
        owner.put_object(Bucket=bucket, Key="k", Body=BODY, ACL="public-read")
    _expect_absent(owner, bucket, "k", rule)


@pytest.mark.severity("detail")
def test_deleted_ownership_controls_get_is_404_ownershipcontrolsnotfounderror(owner: Any, bucket: str) -> None:
    """After DeleteBucketOwnershipControls, GetBucketOwnershipControls is 404 OwnershipControlsNotFoundError.

    AWS S3 API Reference, DeleteBucketOwnershipControls, GetBucketOwnershipControls; "List of error codes".
    """
    owner.put_bucket_ownership_controls(
        Bucket=bucket, OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerPreferred"}]})
    owner.delete_bucket_ownership_controls(Bucket=bucket)
    with expect_error(404, "OwnershipControlsNotFoundError", "GetBucketOwnershipControls after the delete"):
        owner.get_bucket_ownership_controls(Bucket=bucket)


# --------------------------------------------------------------------------- public access block


def test_public_access_block_round_trip(owner: Any, bucket: str) -> None:
    """PutPublicAccessBlock, then GetPublicAccessBlock shows the same four settings.

    AWS S3 API Reference, PutPublicAccessBlock, GetPublicAccessBlock (PublicAccessBlockConfiguration).
    """
    config = {"BlockPublicAcls": True, "IgnorePublicAcls": False, "BlockPublicPolicy": True,
              "RestrictPublicBuckets": False}
    owner.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=config)
    got = owner.get_public_access_block(Bucket=bucket).get("PublicAccessBlockConfiguration") or {}
    expect_equal({k: got.get(k) for k in config}, config, "GetPublicAccessBlock after PutPublicAccessBlock")


@pytest.mark.severity("detail")
def test_get_public_access_block_without_config_is_404(owner: Any, bucket: str) -> None:
    """GetPublicAccessBlock on a bucket that has none is 404 NoSuchPublicAccessBlockConfiguration.

    AWS S3 API Reference, GetPublicAccessBlock; "List of error codes" (NoSuchPublicAccessBlockConfiguration).
    """
    with expect_error(404, "NoSuchPublicAccessBlockConfiguration", "GetPublicAccessBlock without a configuration"):
        owner.get_public_access_block(Bucket=bucket)


@pytest.mark.severity("security")
def test_block_public_acls_refuses_put_with_public_read_and_stores_nothing(owner: Any, acl_bucket: str) -> None:
    """With BlockPublicAcls, PutObject with the public-read ACL is 403 AccessDenied and stores nothing.

    AWS S3 API Reference, PublicAccessBlockConfiguration (BlockPublicAcls: "PUT Object calls fail if the
    request includes a public ACL").
    """
    _block(owner, acl_bucket, BlockPublicAcls=True)
    rule = "PutObject x-amz-acl: public-read with BlockPublicAcls"
    with expect_error(403, "AccessDenied", rule):
        owner.put_object(Bucket=acl_bucket, Key="k", Body=BODY, ACL="public-read")
    _expect_absent(owner, acl_bucket, "k", rule)


@pytest.mark.severity("security")
def test_ignore_public_acls_hides_an_existing_public_read_object(owner: Any, anon: Any, acl_bucket: str) -> None:
    """IgnorePublicAcls makes S3 ignore public ACLs already in place: a public-read object readable anonymously
    before is 403 AccessDenied to the anonymous caller afterwards.

    AWS S3 API Reference, PublicAccessBlockConfiguration (IgnorePublicAcls: "causes Amazon S3 to ignore all
    public ACLs on this bucket and objects in this bucket"). That such an object is readable without the
    block is test_public_read_object_is_readable_anonymously.
    """
    owner.put_object(Bucket=acl_bucket, Key="k", Body=BODY, ACL="public-read")
    _block(owner, acl_bucket, IgnorePublicAcls=True)
    _expect_denied_get(anon, acl_bucket, "k", "anonymous read of a public-read object with IgnorePublicAcls")


@pytest.mark.severity("security")
def test_block_public_policy_refuses_a_public_bucket_policy(owner: Any, anon: Any, bucket: str) -> None:
    """With BlockPublicPolicy, PutBucketPolicy with a statement allowing "*" is 403 AccessDenied, and objects
    stay unreadable to the anonymous caller.

    AWS S3 API Reference, PublicAccessBlockConfiguration (BlockPublicPolicy: "Amazon S3 rejects calls to PUT
    Bucket policy if the specified bucket policy allows public access").
    """
    owner.put_object(Bucket=bucket, Key="k", Body=BODY)
    _block(owner, bucket, BlockPublicPolicy=True)
    rule = "PutBucketPolicy allowing s3:GetObject to \"*\" with BlockPublicPolicy"
    with expect_error(403, "AccessDenied", rule):
        owner.put_bucket_policy(Bucket=bucket, Policy=_public_policy(bucket))
    _expect_denied_get(anon, bucket, "k", f"{rule}: anonymous read afterwards")


def test_public_bucket_policy_lets_anonymous_read(owner: Any, anon: Any, bucket: str) -> None:
    """A bucket policy allowing s3:GetObject to Principal "*" lets the anonymous caller read the bucket's objects.

    AWS S3 API Reference, PutBucketPolicy; User Guide, "Policies and permissions in Amazon S3" (Principal "*":
    everyone, including anonymous users), "Bucket policy examples" (granting read-only permission to
    anonymous users).
    """
    owner.put_object(Bucket=bucket, Key="k", Body=BODY)
    owner.put_bucket_policy(Bucket=bucket, Policy=_public_policy(bucket))
    _expect_readable(anon, bucket, "k", BODY, "anonymous GetObject through a public bucket policy")


@pytest.mark.severity("security")
def test_restrict_public_buckets_denies_anonymous_access_through_a_public_policy(
        owner: Any, anon: Any, bucket: str) -> None:
    """RestrictPublicBuckets cuts off anonymous access granted by a public bucket policy: an object readable
    anonymously through the policy before is 403 AccessDenied afterwards.

    AWS S3 API Reference, PublicAccessBlockConfiguration (RestrictPublicBuckets: "restricts access to this
    bucket to only AWS service principals and authorized users within this account if the bucket has a
    public policy"). That the policy grants the read without the block is
    test_public_bucket_policy_lets_anonymous_read.
    """
    owner.put_object(Bucket=bucket, Key="k", Body=BODY)
    owner.put_bucket_policy(Bucket=bucket, Policy=_public_policy(bucket))
    _block(owner, bucket, RestrictPublicBuckets=True)
    _expect_denied_get(anon, bucket, "k", "anonymous read through a public policy with RestrictPublicBuckets")
