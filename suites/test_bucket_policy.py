"""Bucket policies: Put/Get/DeleteBucketPolicy, GetBucketPolicyStatus, and what a policy really grants.

Every grant or denial is checked by what the caller can actually do: the second user (`alt_s3`) or
the anonymous caller (`anon_s3`) makes the request, which must succeed with the exact bytes or be
refused with 403 AccessDenied, and refused writes are read back (nothing stored). Reading the
policy back only proves the server stored a document, not that it enforces it.

Naming the second user in a policy differs per server: AWS and SeaweedFS take the user's ARN as
STS GetCallerIdentity gives it (SeaweedFS stores a policy naming the access key, but never matches
it), RGW the ARN of its user id (`arn:aws:iam:::user/<uid>`, no GetCallerIdentity in 16.2), and
servers without GetCallerIdentity (MinIO, versitygw) the access key (versitygw refuses ARNs).

On MinIO and SeaweedFS the launcher gives the second user access to every bucket through its own
identity permissions, so a grant by bucket policy cannot be observed there: those cases are
unsupported with that reason (denials still apply to it and are checked: a bucket policy's
explicit Deny overrides an identity's Allow).

No case denies anything the owner needs to empty and delete the bucket, and every policy set
here is deleted after the case (`policies` fixture).

AWS S3 API Reference sections (PutBucketPolicy, GetBucketPolicy, DeleteBucketPolicy,
GetBucketPolicyStatus) and the Amazon S3 User Guide ("Bucket policy examples", "Policy condition
keys", "The meaning of public") are named in each case.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from typing import Any

import botocore.exceptions
import pytest

from gauntlet.plugin.checks import expect_equal, expect_error, expect_refused, unsupported
from gauntlet.s3.data import payload

pytestmark = [pytest.mark.access_control, pytest.mark.severity("security")]

BODY = payload(4_099, seed=91)
OTHER = payload(1_031, seed=92)

#: the user id the RGW launcher gives the second user (gauntlet/fleet/launch/rgw.py)
RGW_ALT_UID = "gauntlet-alt"
#: servers whose launcher grants the second user every bucket through its own identity permissions
_ALT_HAS_ALL_BUCKETS = ("minio", "seaweedfs")


# --------------------------------------------------------------------------- helpers


def _doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _stmt(effect: str, principal: Any, actions: list[str], resources: list[str],
          condition: dict[str, Any] | None = None, sid: str | None = None) -> dict[str, Any]:
    stmt: dict[str, Any] = {}
    if sid:
        stmt["Sid"] = sid
    stmt.update({"Effect": effect, "Principal": principal, "Action": actions, "Resource": resources})
    if condition:
        stmt["Condition"] = condition
    return stmt


def _objects(bucket: str, pattern: str = "*") -> str:
    return f"arn:aws:s3:::{bucket}/{pattern}"


def _bucket_arn(bucket: str) -> str:
    return f"arn:aws:s3:::{bucket}"


def _alt_principal(target: Any) -> dict[str, list[str]]:
    """How this server's policies name the second user (see the module docstring)."""
    if target.server == "rgw":
        return {"AWS": [f"arn:aws:iam:::user/{RGW_ALT_UID}"]}
    try:
        return {"AWS": [target.client(alt=True, service="sts").get_caller_identity()["Arn"]]}
    except Exception:  # no STS GetCallerIdentity (MinIO, versitygw, Garage): the access key is the other spelling
        return {"AWS": [target.alt_credentials.access_key]}


def _require_alt_is_a_stranger(target: Any, alt_s3: Any, bucket: str, key: str) -> None:
    """The second user must not read the owner's bucket before any grant, or a grant proves nothing."""
    if target.server in _ALT_HAS_ALL_BUCKETS:
        unsupported(f"the second user of this {target.server} target may read every bucket through its own "
                    "identity permissions (set by the launcher), so a grant by bucket policy cannot be observed")
    with expect_refused("GetObject by the second user before any policy grants it"):
        alt_s3.get_object(Bucket=bucket, Key=key)


def _canonical(document: Any) -> Any:
    """A policy with its equivalent spellings made one: a single value or a one-element list, and the
    principal "*" or {"AWS": "*"} (IAM JSON policy reference, "Principal": both mean everyone)."""
    if not isinstance(document, dict):
        return document
    out = dict(document)
    statements = out.get("Statement")
    statements = statements if isinstance(statements, list) else [statements]
    canonical = []
    for stmt in statements:
        stmt = dict(stmt) if isinstance(stmt, dict) else stmt
        if isinstance(stmt, dict):
            principal = stmt.get("Principal")
            if principal == "*":
                principal = {"AWS": "*"}
            if isinstance(principal, dict):
                principal = {k: sorted(v) if isinstance(v, list) else [v] for k, v in principal.items()}
            stmt["Principal"] = principal
            for field in ("Action", "Resource"):
                if isinstance(stmt.get(field), str):
                    stmt[field] = [stmt[field]]
        canonical.append(stmt)
    out["Statement"] = canonical
    return out


def _read(client: Any, bucket: str, key: str) -> bytes:
    return client.get_object(Bucket=bucket, Key=key)["Body"].read()


def _expect_denied_get(client: Any, bucket: str, key: str, rule: str) -> None:
    with expect_error(403, "AccessDenied", rule):
        client.get_object(Bucket=bucket, Key=key)


def _expect_absent(s3: Any, bucket: str, key: str, rule: str) -> None:
    with expect_error(404, None, f"{rule}: HeadObject by the owner afterwards (a refused write stores nothing)"):
        s3.head_object(Bucket=bucket, Key=key)


def _is_https(target: Any) -> bool:
    return str(target.endpoint).startswith("https://")


@pytest.fixture
def policies(s3: Any) -> Iterator[Callable[[str, dict[str, Any]], None]]:
    """`put(bucket, document)`: PutBucketPolicy as the owner; every policy set is deleted after the case."""
    used: list[str] = []

    def put(bucket: str, document: dict[str, Any]) -> None:
        used.append(bucket)
        s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(document))

    yield put
    for bucket in used:
        with contextlib.suppress(botocore.exceptions.ClientError):
            s3.delete_bucket_policy(Bucket=bucket)


# --------------------------------------------------------------------------- the document itself


@pytest.mark.severity("client")
def test_put_then_get_bucket_policy_returns_the_same_document(s3: Any, bucket: str, policies: Any) -> None:
    """GetBucketPolicy returns the policy PutBucketPolicy stored (compared as parsed JSON; "*" and
    {"AWS": ["*"]}, a value and a one-element list count as the same).

    AWS S3 API Reference, GetBucketPolicy: Response "Policy: The bucket policy as a JSON document";
    PutBucketPolicy: Request body "Policy".
    """
    document = _doc(_stmt("Allow", "*", ["s3:GetObject"], [_objects(bucket)], sid="PublicRead"))
    policies(bucket, document)
    got = s3.get_bucket_policy(Bucket=bucket)["Policy"]
    expect_equal(_canonical(json.loads(got)), _canonical(document),
                 "GetBucketPolicy after PutBucketPolicy (parsed JSON, equivalent spellings made one)")


@pytest.mark.severity("client")
def test_second_put_bucket_policy_replaces_the_first(s3: Any, bucket: str, policies: Any) -> None:
    """PutBucketPolicy replaces the bucket's policy as a whole: GetBucketPolicy returns only the second one.

    AWS S3 API Reference, PutBucketPolicy ("Applies an Amazon S3 bucket policy to an Amazon S3 bucket").
    """
    policies(bucket, _doc(_stmt("Allow", "*", ["s3:GetObject"], [_objects(bucket)], sid="First")))
    second = _doc(_stmt("Allow", "*", ["s3:GetObject"], [_objects(bucket, "public/*")], sid="Second"))
    policies(bucket, second)
    got = s3.get_bucket_policy(Bucket=bucket)["Policy"]
    expect_equal(_canonical(json.loads(got)), _canonical(second), "GetBucketPolicy after a second PutBucketPolicy")


@pytest.mark.severity("client")
def test_get_bucket_policy_without_policy_is_404_nosuchbucketpolicy(s3: Any, bucket: str) -> None:
    """GetBucketPolicy on a bucket that has no policy answers 404 NoSuchBucketPolicy.

    AWS S3 API Reference, GetBucketPolicy; "Error responses: List of error codes" (NoSuchBucketPolicy).
    """
    with expect_error(404, "NoSuchBucketPolicy", "GetBucketPolicy on a bucket without a policy"):
        s3.get_bucket_policy(Bucket=bucket)


@pytest.mark.severity("client")
def test_delete_bucket_policy_then_get_is_404_nosuchbucketpolicy(s3: Any, bucket: str, policies: Any) -> None:
    """DeleteBucketPolicy answers 204 and removes the policy: GetBucketPolicy is then 404 NoSuchBucketPolicy.

    AWS S3 API Reference, DeleteBucketPolicy (Response: HTTP/1.1 204); GetBucketPolicy (NoSuchBucketPolicy).
    """
    policies(bucket, _doc(_stmt("Allow", "*", ["s3:GetObject"], [_objects(bucket)])))
    response = s3.delete_bucket_policy(Bucket=bucket)
    with expect_error(404, "NoSuchBucketPolicy", "GetBucketPolicy after DeleteBucketPolicy"):
        s3.get_bucket_policy(Bucket=bucket)
    expect_equal(response["ResponseMetadata"]["HTTPStatusCode"], 204, "DeleteBucketPolicy status")


@pytest.mark.severity("detail")
def test_delete_bucket_policy_without_policy_is_204(s3: Any, bucket: str) -> None:
    """DeleteBucketPolicy on a bucket with no policy succeeds with 204 (nothing to delete is not an error).

    AWS S3 API Reference, DeleteBucketPolicy (Response: HTTP/1.1 204 No Content).
    """
    response = s3.delete_bucket_policy(Bucket=bucket)
    expect_equal(response["ResponseMetadata"]["HTTPStatusCode"], 204, "DeleteBucketPolicy without a policy")


@pytest.mark.severity("client")
def test_put_bucket_policy_on_missing_bucket_is_404_nosuchbucket(s3: Any, bucket: str) -> None:
    """PutBucketPolicy on a bucket that does not exist answers 404 NoSuchBucket.

    AWS S3 API Reference, PutBucketPolicy; "Error responses: List of error codes" (NoSuchBucket).
    """
    missing = f"{bucket}-missing"
    document = _doc(_stmt("Allow", "*", ["s3:GetObject"], [_objects(missing)]))
    try:
        with expect_error(404, "NoSuchBucket", "PutBucketPolicy on a bucket that does not exist"):
            s3.put_bucket_policy(Bucket=missing, Policy=json.dumps(document))
    finally:  # a server that creates the bucket instead must not keep it
        with contextlib.suppress(botocore.exceptions.ClientError):
            s3.delete_bucket(Bucket=missing)


@pytest.mark.severity("client")
def test_put_malformed_json_policy_is_400_malformedpolicy(s3: Any, bucket: str) -> None:
    """A policy that is not valid JSON is refused with 400 MalformedPolicy.

    AWS S3 API Reference, "Error responses: List of error codes" (MalformedPolicy: "Policy has invalid
    JSON"); PutBucketPolicy.
    """
    with expect_error(400, "MalformedPolicy", "PutBucketPolicy with a body that is not JSON"):
        s3.put_bucket_policy(Bucket=bucket, Policy='{"Version": "2012-10-17", "Statement": [')


@pytest.mark.severity("client")
def test_put_malformed_json_policy_stores_nothing(s3: Any, bucket: str) -> None:
    """A refused malformed policy leaves the bucket without a policy (GetBucketPolicy is 404 afterwards).

    AWS S3 API Reference, PutBucketPolicy; GetBucketPolicy (NoSuchBucketPolicy).
    """
    rule = "PutBucketPolicy with a body that is not JSON"
    with expect_refused(rule):
        s3.put_bucket_policy(Bucket=bucket, Policy='{"Version": "2012-10-17", "Statement": [')
    with expect_error(404, "NoSuchBucketPolicy", f"{rule}: GetBucketPolicy afterwards"):
        s3.get_bucket_policy(Bucket=bucket)


@pytest.mark.severity("client")
def test_policy_with_resource_outside_the_bucket_is_400_malformedpolicy(s3: Any, bucket: str) -> None:
    """A bucket policy whose Resource is another bucket is refused with 400 MalformedPolicy.

    AWS S3 API Reference, "Error responses" (MalformedPolicy: "Policy has invalid resource");
    User Guide, "Bucket policy examples" (a bucket policy's resources are the bucket and its objects).
    """
    document = _doc(_stmt("Allow", "*", ["s3:GetObject"], [_objects(f"{bucket}-other")]))
    with expect_error(400, "MalformedPolicy", "PutBucketPolicy naming another bucket's objects"):
        s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(document))


def test_policy_with_resource_outside_the_bucket_is_refused_and_not_stored(
        s3: Any, bucket: str, policies: Any) -> None:
    """A policy granting another bucket's objects is refused and stores nothing: GetBucketPolicy is 404 after.

    AWS S3 API Reference, PutBucketPolicy; "Error responses" (MalformedPolicy); GetBucketPolicy.
    """
    rule = "PutBucketPolicy naming another bucket's objects"
    document = _doc(_stmt("Allow", "*", ["s3:GetObject"], [_objects(f"{bucket}-other")]))
    with expect_refused(rule):
        policies(bucket, document)
    with expect_error(404, "NoSuchBucketPolicy", f"{rule}: GetBucketPolicy afterwards"):
        s3.get_bucket_policy(Bucket=bucket)


@pytest.mark.severity("client")
def test_policy_with_unknown_action_is_400_malformedpolicy(s3: Any, bucket: str) -> None:
    """A policy naming an action S3 does not have is refused with 400 MalformedPolicy.

    AWS S3 API Reference, "Error responses" (MalformedPolicy: "Policy has invalid action").
    """
    document = _doc(_stmt("Allow", "*", ["s3:FrobnicateObject"], [_objects(bucket)]))
    with expect_error(400, "MalformedPolicy", "PutBucketPolicy with the action s3:FrobnicateObject"):
        s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(document))


# --------------------------------------------------------------------------- the second user


@pytest.mark.severity("client")
def test_policy_allowing_getobject_lets_the_second_user_read_exact_bytes(
        target: Any, s3: Any, alt_s3: Any, bucket: str, policies: Any) -> None:
    """Before any policy the second user's GetObject is 403; after a policy allowing it s3:GetObject, 200
    with the stored bytes.

    AWS S3 API Reference, PutBucketPolicy; User Guide, "Bucket policy examples" (granting permissions
    to another user / account).
    """
    s3.put_object(Bucket=bucket, Key="doc", Body=BODY)
    _require_alt_is_a_stranger(target, alt_s3, bucket, "doc")
    policies(bucket, _doc(_stmt("Allow", _alt_principal(target), ["s3:GetObject"], [_objects(bucket)])))
    expect_equal(_read(alt_s3, bucket, "doc"), BODY, "GetObject by the second user after the grant")


def test_policy_allowing_only_getobject_keeps_the_second_users_putobject_403_and_stores_nothing(
        target: Any, s3: Any, alt_s3: Any, bucket: str, policies: Any) -> None:
    """A policy granting s3:GetObject does not grant PutObject: the second user's PutObject is 403
    AccessDenied, and neither a new key nor an overwrite is stored.

    AWS S3 API Reference, PutObject (Permissions); User Guide, "Bucket policy examples".
    """
    s3.put_object(Bucket=bucket, Key="doc", Body=BODY)
    _require_alt_is_a_stranger(target, alt_s3, bucket, "doc")
    policies(bucket, _doc(_stmt("Allow", _alt_principal(target), ["s3:GetObject"], [_objects(bucket)])))
    rule = "PutObject by the second user with only s3:GetObject granted"
    with expect_error(403, "AccessDenied", f"{rule} (new key)"):
        alt_s3.put_object(Bucket=bucket, Key="new", Body=OTHER)
    with expect_error(403, "AccessDenied", f"{rule} (overwrite)"):
        alt_s3.put_object(Bucket=bucket, Key="doc", Body=OTHER)
    _expect_absent(s3, bucket, "new", rule)
    expect_equal(_read(s3, bucket, "doc"), BODY, f"{rule}: the overwritten key read back by the owner")


def test_explicit_deny_beats_allow_for_the_second_user(
        target: Any, s3: Any, alt_s3: Any, bucket: str, policies: Any) -> None:
    """A policy that both allows and explicitly denies the second user s3:GetObject denies it: 403.

    User Guide, "Policy evaluation logic" (an explicit deny overrides any allow); AWS S3 API Reference,
    PutBucketPolicy.
    """
    s3.put_object(Bucket=bucket, Key="doc", Body=BODY)
    who = _alt_principal(target)
    policies(bucket, _doc(_stmt("Allow", who, ["s3:GetObject"], [_objects(bucket)], sid="Allow"),
                          _stmt("Deny", who, ["s3:GetObject"], [_objects(bucket)], sid="Deny")))
    _expect_denied_get(alt_s3, bucket, "doc", "GetObject by the second user, allowed and explicitly denied")


def test_deny_on_private_prefix_blocks_only_those_keys_for_the_second_user(
        target: Any, s3: Any, alt_s3: Any, bucket: str, policies: Any) -> None:
    """Allow s3:GetObject on bucket/* and Deny on bucket/private/*: the second user reads public/ (exact
    bytes) and gets 403 on private/.

    User Guide, "Bucket policy examples" (restricting access to a prefix); "Policy evaluation logic".
    """
    s3.put_object(Bucket=bucket, Key="public/a", Body=BODY)
    s3.put_object(Bucket=bucket, Key="private/a", Body=OTHER)
    who = _alt_principal(target)
    policies(bucket, _doc(_stmt("Allow", who, ["s3:GetObject"], [_objects(bucket)], sid="All"),
                          _stmt("Deny", who, ["s3:GetObject"], [_objects(bucket, "private/*")], sid="Private")))
    _expect_denied_get(alt_s3, bucket, "private/a", "GetObject by the second user on a denied prefix")
    expect_equal(_read(alt_s3, bucket, "public/a"), BODY, "GetObject by the second user outside the denied prefix")


def test_deny_listbucket_with_s3_prefix_condition_blocks_only_that_prefix(
        target: Any, s3: Any, alt_s3: Any, bucket: str, policies: Any) -> None:
    """Allow s3:ListBucket, Deny it when s3:prefix is like "private/*": the second user's listing with
    prefix private/ is 403, with prefix public/ it lists public/a.

    User Guide, "Policy condition keys" / "Bucket policy examples" (s3:prefix on ListBucket, StringLike).
    """
    s3.put_object(Bucket=bucket, Key="public/a", Body=BODY)
    s3.put_object(Bucket=bucket, Key="private/a", Body=OTHER)
    who = _alt_principal(target)
    policies(bucket, _doc(
        _stmt("Allow", who, ["s3:ListBucket"], [_bucket_arn(bucket)], sid="List"),
        _stmt("Deny", who, ["s3:ListBucket"], [_bucket_arn(bucket)],
              condition={"StringLike": {"s3:prefix": ["private/*"]}}, sid="NoPrivate")))
    with expect_error(403, "AccessDenied", "ListObjectsV2 by the second user with a denied s3:prefix"):
        alt_s3.list_objects_v2(Bucket=bucket, Prefix="private/")
    listed = [o["Key"] for o in alt_s3.list_objects_v2(Bucket=bucket, Prefix="public/").get("Contents", []) or []]
    expect_equal(listed, ["public/a"], "ListObjectsV2 by the second user with an allowed s3:prefix")


def test_allow_listbucket_only_for_a_stringlike_prefix(
        target: Any, s3: Any, alt_s3: Any, bucket: str, policies: Any) -> None:
    """Allow s3:ListBucket only when s3:prefix is like "public/*": the second user lists public/, and a
    listing of the whole bucket (no prefix, condition not met) is 403.

    User Guide, "Policy condition keys" (s3:prefix, StringLike); "Bucket policy examples".
    """
    s3.put_object(Bucket=bucket, Key="public/a", Body=BODY)
    s3.put_object(Bucket=bucket, Key="private/a", Body=OTHER)
    _require_alt_is_a_stranger(target, alt_s3, bucket, "public/a")
    policies(bucket, _doc(_stmt("Allow", _alt_principal(target), ["s3:ListBucket"], [_bucket_arn(bucket)],
                                condition={"StringLike": {"s3:prefix": ["public/*"]}})))
    listed = [o["Key"] for o in alt_s3.list_objects_v2(Bucket=bucket, Prefix="public/").get("Contents", []) or []]
    expect_equal(listed, ["public/a"], "ListObjectsV2 by the second user with the allowed s3:prefix")
    with expect_error(403, "AccessDenied", "ListObjectsV2 by the second user without a prefix (condition unmet)"):
        alt_s3.list_objects_v2(Bucket=bucket)


# --------------------------------------------------------------------------- the anonymous caller


def test_anonymous_getobject_without_policy_is_403_accessdenied(s3: Any, anon_s3: Any, bucket: str) -> None:
    """Without a policy an unsigned GetObject on a private bucket is 403 AccessDenied.

    User Guide, "Blocking public access" / "Access control" (buckets and objects are private by default);
    AWS S3 API Reference, GetObject (Permissions).
    """
    s3.put_object(Bucket=bucket, Key="doc", Body=BODY)
    _expect_denied_get(anon_s3, bucket, "doc", "unsigned GetObject on a private bucket")


def test_anonymous_getobject_allowed_by_star_policy_reads_exact_bytes(
        s3: Any, anon_s3: Any, bucket: str, policies: Any) -> None:
    """A policy allowing Principal "*" s3:GetObject lets an unsigned GetObject read the stored bytes.

    User Guide, "Bucket policy examples" (granting read-only permission to anonymous users).
    """
    s3.put_object(Bucket=bucket, Key="doc", Body=BODY)
    policies(bucket, _doc(_stmt("Allow", "*", ["s3:GetObject"], [_objects(bucket)])))
    expect_equal(_read(anon_s3, bucket, "doc"), BODY, "unsigned GetObject allowed by a public-read policy")


def test_anonymous_putobject_still_403_with_public_read_policy_and_stores_nothing(
        s3: Any, anon_s3: Any, bucket: str, policies: Any) -> None:
    """A public-read policy grants no writes: an unsigned PutObject is 403 AccessDenied and stores nothing.

    User Guide, "Bucket policy examples"; AWS S3 API Reference, PutObject (Permissions).
    """
    policies(bucket, _doc(_stmt("Allow", "*", ["s3:GetObject"], [_objects(bucket)])))
    with expect_error(403, "AccessDenied", "unsigned PutObject under a public-read policy"):
        anon_s3.put_object(Bucket=bucket, Key="new", Body=OTHER)
    _expect_absent(s3, bucket, "new", "unsigned PutObject under a public-read policy")


def test_anonymous_access_is_403_again_after_delete_bucket_policy(
        s3: Any, anon_s3: Any, bucket: str, policies: Any) -> None:
    """After DeleteBucketPolicy the public-read grant is gone: the unsigned GetObject that worked is 403.

    AWS S3 API Reference, DeleteBucketPolicy; User Guide, "Bucket policy examples".
    """
    s3.put_object(Bucket=bucket, Key="doc", Body=BODY)
    policies(bucket, _doc(_stmt("Allow", "*", ["s3:GetObject"], [_objects(bucket)])))
    expect_equal(_read(anon_s3, bucket, "doc"), BODY, "unsigned GetObject while the policy is in place")
    s3.delete_bucket_policy(Bucket=bucket)
    _expect_denied_get(anon_s3, bucket, "doc", "unsigned GetObject after DeleteBucketPolicy")


def test_explicit_deny_beats_allow_for_anonymous_on_one_key(
        s3: Any, anon_s3: Any, bucket: str, policies: Any) -> None:
    """Allow "*" s3:GetObject on bucket/* and Deny "*" on bucket/secret: the unsigned GetObject of secret
    is 403, of another key 200 with its bytes.

    User Guide, "Policy evaluation logic" (explicit deny wins); "Bucket policy examples".
    """
    s3.put_object(Bucket=bucket, Key="secret", Body=OTHER)
    s3.put_object(Bucket=bucket, Key="open", Body=BODY)
    policies(bucket, _doc(_stmt("Allow", "*", ["s3:GetObject"], [_objects(bucket)], sid="Read"),
                          _stmt("Deny", "*", ["s3:GetObject"], [_objects(bucket, "secret")], sid="NotSecret")))
    _expect_denied_get(anon_s3, bucket, "secret", "unsigned GetObject of an explicitly denied key")
    expect_equal(_read(anon_s3, bucket, "open"), BODY, "unsigned GetObject of a key only allowed")


def test_anonymous_getobject_allowed_only_on_stringlike_key_condition(
        s3: Any, anon_s3: Any, bucket: str, policies: Any) -> None:
    """Allow "*" s3:GetObject on Resource bucket/public/*: unsigned GetObject reads public/a, and private/a
    stays 403.

    User Guide, "Bucket policy examples" (granting access to a prefix; wildcards in Resource).
    """
    s3.put_object(Bucket=bucket, Key="public/a", Body=BODY)
    s3.put_object(Bucket=bucket, Key="private/a", Body=OTHER)
    policies(bucket, _doc(_stmt("Allow", "*", ["s3:GetObject"], [_objects(bucket, "public/*")])))
    expect_equal(_read(anon_s3, bucket, "public/a"), BODY, "unsigned GetObject under the allowed prefix")
    _expect_denied_get(anon_s3, bucket, "private/a", "unsigned GetObject outside the allowed prefix")


def test_secure_transport_false_deny_blocks_plain_http_reads(
        target: Any, s3: Any, anon_s3: Any, bucket: str, policies: Any) -> None:
    """Allow "*" s3:GetObject plus Deny it when aws:SecureTransport is "false": over plain HTTP the unsigned
    GetObject is 403 (over HTTPS it reads the bytes).

    User Guide, "Bucket policy examples" (managing access based on HTTP or HTTPS requests,
    aws:SecureTransport); "Policy condition keys".
    """
    s3.put_object(Bucket=bucket, Key="doc", Body=BODY)
    policies(bucket, _doc(
        _stmt("Allow", "*", ["s3:GetObject"], [_objects(bucket)], sid="Read"),
        _stmt("Deny", "*", ["s3:GetObject"], [_objects(bucket)],
              condition={"Bool": {"aws:SecureTransport": "false"}}, sid="HttpsOnly")))
    if _is_https(target):
        expect_equal(_read(anon_s3, bucket, "doc"), BODY, "unsigned GetObject over HTTPS (condition false)")
    else:
        _expect_denied_get(anon_s3, bucket, "doc", "unsigned GetObject over plain HTTP with an HTTPS-only deny")


# --------------------------------------------------------------------------- policy status


@pytest.mark.severity("client")
def test_policy_status_is_public_for_star_getobject_policy(s3: Any, bucket: str, policies: Any) -> None:
    """GetBucketPolicyStatus says IsPublic true when the policy allows Principal "*" s3:GetObject.

    AWS S3 API Reference, GetBucketPolicyStatus (PolicyStatus.IsPublic); User Guide, "The meaning of public".
    """
    policies(bucket, _doc(_stmt("Allow", "*", ["s3:GetObject"], [_objects(bucket)])))
    status = s3.get_bucket_policy_status(Bucket=bucket).get("PolicyStatus", {})
    expect_equal(status.get("IsPublic"), True, "GetBucketPolicyStatus IsPublic for a public-read policy")


@pytest.mark.severity("client")
def test_policy_status_is_not_public_for_a_policy_naming_one_user(
        target: Any, s3: Any, bucket: str, policies: Any) -> None:
    """GetBucketPolicyStatus says IsPublic false when the policy grants only one named user.

    AWS S3 API Reference, GetBucketPolicyStatus; User Guide, "The meaning of public" (a policy is public
    only if it grants access to a wildcard or unrestricted principal).
    """
    who = _alt_principal(target) if target.has_feature("alt_user") else {"AWS": ["arn:aws:iam::111122223333:root"]}
    policies(bucket, _doc(_stmt("Allow", who, ["s3:GetObject"], [_objects(bucket)])))
    status = s3.get_bucket_policy_status(Bucket=bucket).get("PolicyStatus", {})
    expect_equal(status.get("IsPublic"), False, "GetBucketPolicyStatus IsPublic for a one-user policy")


@pytest.mark.severity("detail")
def test_policy_status_without_policy_is_404_nosuchbucketpolicy(s3: Any, bucket: str) -> None:
    """GetBucketPolicyStatus on a bucket with no policy answers 404 NoSuchBucketPolicy.

    AWS S3 API Reference, GetBucketPolicyStatus; "Error responses: List of error codes" (NoSuchBucketPolicy).
    """
    with expect_error(404, "NoSuchBucketPolicy", "GetBucketPolicyStatus on a bucket without a policy"):
        s3.get_bucket_policy_status(Bucket=bucket)
