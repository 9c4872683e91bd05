"""Bucket lifecycle configuration: round trips, validation, refusals that keep the old rules, and expiry.

AWS S3 API Reference: PutBucketLifecycleConfiguration, GetBucketLifecycleConfiguration,
DeleteBucketLifecycle, LifecycleRule, LifecycleRuleFilter, LifecycleRuleAndOperator,
LifecycleExpiration, NoncurrentVersionExpiration, AbortIncompleteMultipartUpload;
Amazon S3 User Guide, "Lifecycle configuration elements" (up to 1,000 rules; ID up to 255
characters; Days a positive integer; Date at midnight UTC in ISO 8601; ExpiredObjectDeleteMarker
not with Days or Date; Filter forms).

A server that answers NotImplemented (501) to PutBucketLifecycleConfiguration comes out
*unsupported*. The expiry cases need a server that acts on lifecycle rules within a minute (a
lifecycle "day" of seconds): they take `requires("lifecycle_expiry")`, an opt-in feature only
targets that declare it true have (the launched RGW, whose `rgw_lc_debug_interval` makes a day
last a few seconds). Each polls with a deadline; no fixed waits.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import botocore.exceptions
import pytest

from gauntlet.plugin.checks import expect_equal, expect_error, expect_refused, expect_true, status_of, unsupported
from gauntlet.plugin.verdict import S3Mismatch
from gauntlet.s3.errors import client_error_details, is_not_implemented
from suites._support.versioning import set_versioning

pytestmark = [pytest.mark.lifecycle, pytest.mark.severity("client")]

MIDNIGHT = dt.datetime(2031, 1, 1, tzinfo=dt.timezone.utc)
#: How long the expiry cases wait for a server's lifecycle pass (a launched RGW needs ~2 "days" of 3 s).
EXPIRY_DEADLINE_S = 60.0

DAYS_30 = {"ID": "expire-logs", "Status": "Enabled", "Filter": {"Prefix": "logs/"}, "Expiration": {"Days": 30}}
BY_TAG = {"ID": "by-tag", "Status": "Disabled", "Filter": {"Tag": {"Key": "k", "Value": "v"}},
          "Expiration": {"Days": 90}}
ABORT_7 = {"ID": "abort-uploads", "Status": "Enabled", "Filter": {"Prefix": "uploads/"},
           "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7}}


# --------------------------------------------------------------------------- helpers


def _put(s3: Any, bucket: str, rules: list[dict[str, Any]]) -> None:
    """PutBucketLifecycleConfiguration that S3 accepts; 501 makes the case unsupported."""
    rule = f"PutBucketLifecycleConfiguration with {len(rules)} valid rule(s)"
    try:
        answer = s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": rules})
    except botocore.exceptions.ClientError as exc:
        status, code, message = client_error_details(exc)
        if is_not_implemented(status, code):
            unsupported(f"{rule}: server answered {status} {code}: bucket lifecycle is not implemented")
        raise S3Mismatch(f"{rule}: S3 requires 200 OK; server answered {status} {code}: {message}".rstrip(": "),
                         status, code) from None
    expect_equal(status_of(answer), 200, f"{rule}: status")


def _get(s3: Any, bucket: str) -> list[dict[str, Any]]:
    return list(s3.get_bucket_lifecycle_configuration(Bucket=bucket).get("Rules") or [])


def _sorted_tags(tags: Any) -> Any:
    return sorted(tags, key=lambda t: (t.get("Key"), t.get("Value"))) if isinstance(tags, list) else tags


def _project(got: Any, sent: Any) -> Any:
    """`got` reduced to the fields `sent` has (a server may add defaults), tag lists in key order."""
    if isinstance(sent, dict):
        if not isinstance(got, dict):
            return got
        return {k: _project(got.get(k), v) for k, v in sent.items()}
    if isinstance(sent, list):
        if not isinstance(got, list):
            return got
        sent_sorted, got_sorted = _sorted_tags(sent), _sorted_tags(got)
        return [_project(g, s) for g, s in zip(got_sorted, sent_sorted, strict=False)] + got_sorted[len(sent):]
    return got


def _normal(rule: dict[str, Any]) -> dict[str, Any]:
    """The rule with the Tags of a Filter/And in key order (S3 does not promise their order)."""
    and_ = (rule.get("Filter") or {}).get("And") if isinstance(rule.get("Filter"), dict) else None
    if not isinstance(and_, dict) or not isinstance(and_.get("Tags"), list):
        return rule
    return {**rule, "Filter": {**rule["Filter"], "And": {**and_, "Tags": _sorted_tags(and_["Tags"])}}}


_ACTIONS = ("Expiration", "Transitions", "NoncurrentVersionExpiration", "NoncurrentVersionTransitions",
            "AbortIncompleteMultipartUpload")


def _expect_rules(s3: Any, bucket: str, sent: list[dict[str, Any]], rule: str) -> None:
    """GetBucketLifecycleConfiguration returns exactly the rules sent (matched by ID): same IDs, Status,
    Filter, and the same actions with the values sent."""
    got = {r.get("ID"): r for r in _get(s3, bucket)}
    expect_equal(sorted(got, key=str), sorted(r["ID"] for r in sent), f"{rule}: rule IDs read back")
    for want in sent:
        have = got[want["ID"]]
        actions = sorted(a for a in _ACTIONS if have.get(a))
        expect_equal(actions, sorted(a for a in _ACTIONS if a in want), f"{rule}: actions of rule {want['ID']!r}")
        expect_equal(_project(_normal(have), _normal(want)), _normal(want), f"{rule}: rule {want['ID']!r} read back")


def _expect_no_configuration(s3: Any, bucket: str, rule: str) -> None:
    with expect_error(404, "NoSuchLifecycleConfiguration", rule):
        s3.get_bucket_lifecycle_configuration(Bucket=bucket)


def _put_invalid(s3: Any, bucket: str, rules: list[dict[str, Any]]) -> None:
    s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": rules})


def _keys(s3: Any, bucket: str) -> list[str]:
    return sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents") or [])


# --------------------------------------------------------------------------- no configuration, delete


def test_get_without_configuration_is_404_nosuchlifecycleconfiguration(s3: Any, bucket: str) -> None:
    """GetBucketLifecycleConfiguration on a bucket that never had one answers 404 NoSuchLifecycleConfiguration.

    AWS S3 API Reference, GetBucketLifecycleConfiguration: special error NoSuchLifecycleConfiguration
    ("The lifecycle configuration does not exist", 404 Not Found).
    """
    _expect_no_configuration(s3, bucket, "GetBucketLifecycleConfiguration on a bucket without one")


def test_delete_lifecycle_removes_the_configuration(s3: Any, bucket: str) -> None:
    """After DeleteBucketLifecycle (204), GetBucketLifecycleConfiguration answers 404 NoSuchLifecycleConfiguration.

    AWS S3 API Reference, DeleteBucketLifecycle ("Deletes the lifecycle configuration from the specified
    bucket", 204 No Content) and GetBucketLifecycleConfiguration (NoSuchLifecycleConfiguration).
    """
    _put(s3, bucket, [DAYS_30])
    answer = s3.delete_bucket_lifecycle(Bucket=bucket)
    expect_equal(status_of(answer), 204, "DeleteBucketLifecycle status")
    _expect_no_configuration(s3, bucket, "GetBucketLifecycleConfiguration after DeleteBucketLifecycle")


# --------------------------------------------------------------------------- round trips


def test_prefix_filter_with_expiration_days_round_trip(s3: Any, bucket: str) -> None:
    """A rule with Filter/Prefix and Expiration/Days reads back with the same ID, Status, Filter and Days.

    AWS S3 API Reference, PutBucketLifecycleConfiguration and GetBucketLifecycleConfiguration (Rules);
    LifecycleRule (ID, Status, Filter), LifecycleRuleFilter (Prefix), LifecycleExpiration (Days).
    """
    _put(s3, bucket, [DAYS_30])
    _expect_rules(s3, bucket, [DAYS_30], "Filter/Prefix + Expiration/Days")


@pytest.mark.severity("data")
def test_tag_filter_round_trip(s3: Any, bucket: str) -> None:
    """A rule whose Filter is one Tag reads back with that Tag filter.

    AWS S3 API Reference, LifecycleRuleFilter (Tag: "This tag must exist in the object's tag set in order
    for the rule to apply").
    """
    sent = [{"ID": "by-tag", "Status": "Enabled", "Filter": {"Tag": {"Key": "tier", "Value": "scratch"}},
             "Expiration": {"Days": 3}}]
    _put(s3, bucket, sent)
    _expect_rules(s3, bucket, sent, "Filter/Tag")


@pytest.mark.severity("data")
def test_and_filter_round_trip(s3: Any, bucket: str) -> None:
    """A Filter/And of Prefix, two Tags and ObjectSizeGreaterThan reads back with every condition.

    AWS S3 API Reference, LifecycleRuleAndOperator (Prefix, Tags, ObjectSizeGreaterThan,
    ObjectSizeLessThan: "all of the predicates ... must be satisfied").
    """
    sent = [{"ID": "and-filter", "Status": "Enabled",
             "Filter": {"And": {"Prefix": "tmp/", "Tags": [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}],
                                "ObjectSizeGreaterThan": 1024}},
             "Expiration": {"Days": 10}}]
    _put(s3, bucket, sent)
    _expect_rules(s3, bucket, sent, "Filter/And{Prefix,Tags,ObjectSizeGreaterThan}")


@pytest.mark.severity("data")
def test_object_size_filters_round_trip(s3: Any, bucket: str) -> None:
    """Rules filtered by ObjectSizeGreaterThan alone and by ObjectSizeLessThan alone read back as sent.

    AWS S3 API Reference, LifecycleRuleFilter (ObjectSizeGreaterThan, ObjectSizeLessThan: "Minimum/Maximum
    object size to which the rule applies").
    """
    sent = [{"ID": "big", "Status": "Enabled", "Filter": {"ObjectSizeGreaterThan": 1048576},
             "Expiration": {"Days": 5}},
            {"ID": "small", "Status": "Enabled", "Filter": {"ObjectSizeLessThan": 128}, "Expiration": {"Days": 6}}]
    _put(s3, bucket, sent)
    _expect_rules(s3, bucket, sent, "Filter/ObjectSizeGreaterThan and Filter/ObjectSizeLessThan")


def test_expiration_date_round_trip(s3: Any, bucket: str) -> None:
    """Expiration/Date at midnight UTC reads back as that date.

    AWS S3 API Reference, LifecycleExpiration (Date: "The date value must conform to the ISO 8601 format.
    The time is always midnight UTC").
    """
    sent = [{"ID": "on-date", "Status": "Enabled", "Filter": {"Prefix": "old/"}, "Expiration": {"Date": MIDNIGHT}}]
    _put(s3, bucket, sent)
    _expect_rules(s3, bucket, sent, "Expiration/Date")


def test_abort_incomplete_multipart_upload_round_trip(s3: Any, bucket: str) -> None:
    """AbortIncompleteMultipartUpload/DaysAfterInitiation reads back as sent.

    AWS S3 API Reference, AbortIncompleteMultipartUpload (DaysAfterInitiation) and LifecycleRule.
    """
    _put(s3, bucket, [ABORT_7])
    _expect_rules(s3, bucket, [ABORT_7], "AbortIncompleteMultipartUpload")


def test_disabled_rule_keeps_its_status(s3: Any, bucket: str) -> None:
    """A rule put with Status=Disabled reads back Disabled (not dropped, not enabled).

    AWS S3 API Reference, LifecycleRule (Status: "If 'Enabled', the rule is currently being applied. If
    'Disabled', the rule is not currently being applied").
    """
    sent = [{**DAYS_30, "ID": "paused", "Status": "Disabled"}]
    _put(s3, bucket, sent)
    _expect_rules(s3, bucket, sent, "Status=Disabled")


def test_several_rules_round_trip(s3: Any, bucket: str) -> None:
    """Three rules with different filters and actions all read back, each with its own settings.

    AWS S3 API Reference, PutBucketLifecycleConfiguration (Rules: "A lifecycle rule for individual
    objects"; up to 1,000 rules) and GetBucketLifecycleConfiguration.
    """
    sent = [DAYS_30, BY_TAG,
            {"ID": "big", "Status": "Enabled", "Filter": {"ObjectSizeGreaterThan": 4096}, "Expiration": {"Days": 7}}]
    _put(s3, bucket, sent)
    _expect_rules(s3, bucket, sent, "three rules")


def test_put_replaces_the_whole_configuration(s3: Any, bucket: str) -> None:
    """A second PutBucketLifecycleConfiguration replaces every rule of the first (no merge).

    AWS S3 API Reference, PutBucketLifecycleConfiguration ("Creates a new lifecycle configuration for the
    bucket or replaces an existing lifecycle configuration ... the new configuration replaces the old").
    """
    _put(s3, bucket, [DAYS_30, BY_TAG])
    replacement = [{"ID": "only-one", "Status": "Enabled", "Filter": {"Prefix": "new/"}, "Expiration": {"Days": 1}}]
    _put(s3, bucket, replacement)
    _expect_rules(s3, bucket, replacement, "after replacing two rules with one")


@pytest.mark.requires("versioning")
def test_noncurrent_version_expiration_round_trip(s3: Any, bucket: str) -> None:
    """On a versioned bucket, NoncurrentVersionExpiration (NoncurrentDays, NewerNoncurrentVersions) reads back.

    AWS S3 API Reference, NoncurrentVersionExpiration (NoncurrentDays; NewerNoncurrentVersions: "how many
    noncurrent versions Amazon S3 will retain") and PutBucketLifecycleConfiguration.
    """
    set_versioning(s3, bucket)
    sent = [{"ID": "noncurrent", "Status": "Enabled", "Filter": {"Prefix": "docs/"},
             "NoncurrentVersionExpiration": {"NoncurrentDays": 15, "NewerNoncurrentVersions": 2}}]
    _put(s3, bucket, sent)
    _expect_rules(s3, bucket, sent, "NoncurrentVersionExpiration")


# --------------------------------------------------------------------------- validation: error codes


def _rule(**changes: Any) -> dict[str, Any]:
    base = {"ID": "r", "Status": "Enabled", "Filter": {"Prefix": "p/"}, "Expiration": {"Days": 1}}
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


INVALID: dict[str, tuple[list[dict[str, Any]], str | tuple[str, ...], str]] = {
    # name: (rules, the code(s) S3 answers, the rule)
    "id_over_255": ([_rule(ID="i" * 256)], "InvalidArgument",
                    "LifecycleRule ID: 'The value cannot be longer than 255 characters' (InvalidArgument)"),
    "duplicate_ids": ([_rule(ID="same"), _rule(ID="same", Filter={"Prefix": "q/"})], "InvalidArgument",
                      "LifecycleRule ID: 'Unique identifier for the rule' (InvalidArgument)"),
    "days_zero": ([_rule(Expiration={"Days": 0})], "InvalidArgument",
                  "LifecycleExpiration Days: 'The value must be a non-zero positive integer' (InvalidArgument)"),
    "days_negative": ([_rule(Expiration={"Days": -1})], "InvalidArgument",
                      "LifecycleExpiration Days: 'The value must be a non-zero positive integer' (InvalidArgument)"),
    "date_not_midnight": ([_rule(Expiration={"Date": MIDNIGHT.replace(hour=12)})], "InvalidArgument",
                          "LifecycleExpiration Date: 'The time is always midnight UTC' (InvalidArgument)"),
    "days_and_date": ([_rule(Expiration={"Days": 1, "Date": MIDNIGHT})], "MalformedXML",
                      "LifecycleExpiration: Days or Date, not both (MalformedXML)"),
    "delete_marker_with_days": ([_rule(Expiration={"Days": 1, "ExpiredObjectDeleteMarker": True})],
                                ("MalformedXML", "InvalidArgument"),
                                "LifecycleExpiration ExpiredObjectDeleteMarker: 'cannot be specified with Days or "
                                "Date in a Lifecycle Expiration Policy'"),
    "no_action": ([_rule(Expiration=None)], ("InvalidRequest", "MalformedXML"),
                  "LifecycleRule: a rule needs at least one action ('At least one action needs to be specified "
                  "in a rule', InvalidRequest)"),
    "status_invalid": ([_rule(Status="On")], "MalformedXML",
                       "LifecycleRule Status: 'Enabled' or 'Disabled' (MalformedXML)"),
    "size_range_empty": ([_rule(Filter={"And": {"Prefix": "p/", "ObjectSizeGreaterThan": 2048,
                                                "ObjectSizeLessThan": 1024}})],
                         ("InvalidArgument", "InvalidRequest"),
                         "LifecycleRuleAndOperator: ObjectSizeGreaterThan must be less than ObjectSizeLessThan"),
    "over_1000_rules": ([_rule(ID=f"r{i}", Filter={"Prefix": f"p{i}/"}) for i in range(1001)],
                        ("InvalidRequest", "MalformedXML", "InvalidArgument"),
                        "PutBucketLifecycleConfiguration: 'up to 1,000 rules' (User Guide, Lifecycle configuration "
                        "elements)"),
}


@pytest.mark.parametrize("case", list(INVALID), ids=list(INVALID))
def test_invalid_configuration_is_400_with_the_s3_error_code(s3: Any, bucket: str, case: str) -> None:
    """Each invalid configuration is refused with 400 and the error code S3 gives for it.

    AWS S3 API Reference, PutBucketLifecycleConfiguration; LifecycleRule (ID up to 255 characters, Status
    Enabled|Disabled), LifecycleExpiration (Days a non-zero positive integer; Date at midnight UTC;
    ExpiredObjectDeleteMarker not with Days or Date), LifecycleRuleAndOperator (object size range);
    Amazon S3 User Guide, "Lifecycle configuration elements" (up to 1,000 rules; at least one action).
    Where the reference does not name the code (delete marker with Days, no action, size range, too many
    rules), the codes S3 and its reference implementations answer are accepted.
    """
    rules, code, rule = INVALID[case]
    with expect_error(400, code, f"PutBucketLifecycleConfiguration {case}: {rule}"):
        _put_invalid(s3, bucket, rules)


#: Accepting these silently changes what a bucket's lifecycle deletes: the refusal cases read the rules back.
REFUSED = ("id_over_255", "duplicate_ids", "days_zero", "days_negative", "date_not_midnight", "days_and_date",
           "delete_marker_with_days", "no_action", "status_invalid", "size_range_empty", "over_1000_rules")


@pytest.mark.severity("data")
@pytest.mark.parametrize("case", REFUSED, ids=list(REFUSED))
def test_refused_configuration_keeps_the_previous_rules(s3: Any, bucket: str, case: str) -> None:
    """An invalid configuration is refused (any 4xx) and the bucket keeps its previous lifecycle rules.

    AWS S3 API Reference, PutBucketLifecycleConfiguration (the request fails as a whole: an invalid
    configuration replaces nothing) and the rules of LifecycleRule / LifecycleExpiration /
    LifecycleRuleAndOperator named in the error-code case. A server that stores a Days=0 rule, or a rule
    set of which part is invalid, may expire objects the owner meant to keep.
    """
    _put(s3, bucket, [DAYS_30])
    rules, _code, rule = INVALID[case]
    with expect_refused(f"PutBucketLifecycleConfiguration {case}: {rule}"):
        _put_invalid(s3, bucket, rules)
    _expect_rules(s3, bucket, [DAYS_30], f"{case}: the configuration read back after the refusal")


# --------------------------------------------------------------------------- expiry (fast-lifecycle servers)


def _wait_for(condition: Any, deadline_s: float) -> bool:
    """Poll `condition()` until it is true or the deadline passes (short polls, no fixed wait)."""
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.5)
    return bool(condition())


@pytest.mark.severity("data")
@pytest.mark.requires("lifecycle_expiry")
def test_expiration_days_removes_only_objects_under_the_prefix(s3: Any, bucket: str) -> None:
    """An enabled Expiration Days=1 rule for prefix old/ deletes old/ objects; others and Disabled rules' stay.

    AWS S3 API Reference, LifecycleExpiration (Days: "the lifetime, in days, of the objects that are
    subject to the rule"), LifecycleRuleFilter (Prefix) and LifecycleRule (Status Disabled: "the rule is
    not currently being applied"); Amazon S3 User Guide, "Expiring objects".
    """
    for key in ("old/a", "old/b", "keep/c", "other"):
        s3.put_object(Bucket=bucket, Key=key, Body=key.encode())
    _put(s3, bucket, [
        {"ID": "expire-old", "Status": "Enabled", "Filter": {"Prefix": "old/"}, "Expiration": {"Days": 1}},
        {"ID": "paused", "Status": "Disabled", "Filter": {"Prefix": "keep/"}, "Expiration": {"Days": 1}},
    ])
    gone = _wait_for(lambda: not any(k.startswith("old/") for k in _keys(s3, bucket)), EXPIRY_DEADLINE_S)
    expect_true(gone, "Expiration Days=1 on prefix old/",
                f"old/ objects were still listed {EXPIRY_DEADLINE_S:.0f} s after a lifecycle day had passed: "
                f"{_keys(s3, bucket)}")
    expect_equal(_keys(s3, bucket), ["keep/c", "other"],
                 "objects outside the enabled rule's prefix (or under a Disabled rule) after expiry")


@pytest.mark.severity("data")
@pytest.mark.requires("lifecycle_expiry")
def test_tag_filter_expires_only_tagged_objects(s3: Any, bucket: str) -> None:
    """A rule filtered by Tag tier=scratch expires the tagged object and leaves an untagged one beside it.

    AWS S3 API Reference, LifecycleRuleFilter (Tag: "This tag must exist in the object's tag set in order
    for the rule to apply") and LifecycleExpiration (Days).
    """
    s3.put_object(Bucket=bucket, Key="data/tagged", Body=b"t", Tagging="tier=scratch")
    s3.put_object(Bucket=bucket, Key="data/plain", Body=b"p")
    s3.put_object(Bucket=bucket, Key="data/other-tag", Body=b"o", Tagging="tier=gold")
    _put(s3, bucket, [{"ID": "scratch", "Status": "Enabled", "Filter": {"Tag": {"Key": "tier", "Value": "scratch"}},
                       "Expiration": {"Days": 1}}])
    gone = _wait_for(lambda: "data/tagged" not in _keys(s3, bucket), EXPIRY_DEADLINE_S)
    expect_true(gone, "Expiration Days=1 filtered by Tag tier=scratch",
                f"the tagged object was still listed after {EXPIRY_DEADLINE_S:.0f} s")
    expect_equal(_keys(s3, bucket), ["data/other-tag", "data/plain"], "objects without the rule's tag after expiry")
