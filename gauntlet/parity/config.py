"""Bucket configuration parity: what a migration carried over besides the objects.

Per bucket pair, each setting is read on both sides and compared in a normalised form
(sorted, bucket names in ARNs replaced by a placeholder, owner ids mapped to "owner"):

    versioning, object_lock, lifecycle, policy, cors, encryption, tags, ownership_controls,
    public_access_block, acl, website, notification

A setting the source has and the destination answers with NotImplemented (or another
"this API does not exist here" answer) is `unsupported_on_dest`; a setting that differs is
`config`. A setting absent on both sides, or one the source itself can't report, is not
compared. Read-only: only Get* calls are sent.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import botocore.exceptions

from gauntlet.parity.listing import describe_client_error, fatal_error
from gauntlet.parity.output import Difference
from gauntlet.s3.errors import client_error_details

NONE = "none"
#: Answers meaning "the server has no such API" (rather than "not configured").
_UNSUPPORTED_CODES = {"NotImplemented", "MethodNotAllowed", "InvalidRequest", "UnsupportedOperation", "XNotImplemented"}
_UNSUPPORTED_STATUS = {501, 405}


@dataclass(frozen=True)
class Setting:
    name: str
    call: str  # boto3 method
    missing_codes: frozenset[str]  # error codes meaning "not configured"
    extract: Callable[[dict[str, Any]], Any]


def _drop_meta(answer: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in answer.items() if k != "ResponseMetadata"}


def _sorted_rules(key: str) -> Callable[[dict[str, Any]], Any]:
    return lambda a: sorted(a.get(key) or [], key=lambda r: json.dumps(r, sort_keys=True, default=str))


def _policy(answer: dict[str, Any]) -> Any:
    try:
        return json.loads(answer.get("Policy") or "{}")
    except ValueError:
        return answer.get("Policy")


SETTINGS: tuple[Setting, ...] = (
    Setting("versioning", "get_bucket_versioning", frozenset(),
            lambda a: {"Status": a.get("Status") or "never", "MFADelete": a.get("MFADelete") or "Disabled"}),
    Setting("object_lock", "get_object_lock_configuration",
            frozenset({"ObjectLockConfigurationNotFoundError", "NoSuchObjectLockConfiguration"}),
            lambda a: a.get("ObjectLockConfiguration")),
    Setting("lifecycle", "get_bucket_lifecycle_configuration", frozenset({"NoSuchLifecycleConfiguration"}),
            _sorted_rules("Rules")),
    Setting("policy", "get_bucket_policy", frozenset({"NoSuchBucketPolicy"}), _policy),
    Setting("cors", "get_bucket_cors", frozenset({"NoSuchCORSConfiguration"}), _sorted_rules("CORSRules")),
    Setting("encryption", "get_bucket_encryption",
            frozenset({"ServerSideEncryptionConfigurationNotFoundError"}),
            lambda a: _sorted_rules("Rules")(a.get("ServerSideEncryptionConfiguration") or {})),
    Setting("tags", "get_bucket_tagging", frozenset({"NoSuchTagSet", "NoSuchTagSetError"}),
            lambda a: sorted((t["Key"], t["Value"]) for t in a.get("TagSet") or [])),
    Setting("ownership_controls", "get_bucket_ownership_controls", frozenset({"OwnershipControlsNotFoundError"}),
            lambda a: (a.get("OwnershipControls") or {}).get("Rules")),
    Setting("public_access_block", "get_public_access_block",
            frozenset({"NoSuchPublicAccessBlockConfiguration"}),
            lambda a: a.get("PublicAccessBlockConfiguration")),
    Setting("acl", "get_bucket_acl", frozenset(), lambda a: _grants(a)),
    Setting("website", "get_bucket_website", frozenset({"NoSuchWebsiteConfiguration"}), _drop_meta),
    Setting("notification", "get_bucket_notification_configuration", frozenset(),
            lambda a: {k: v for k, v in _drop_meta(a).items() if v} or None),
)


def _grants(answer: dict[str, Any]) -> list[tuple[str, str]]:
    """Grants as (grantee, permission); the bucket owner is "owner" on either side."""
    owner = (answer.get("Owner") or {}).get("ID")
    users = [g for g in answer.get("Grants") or [] if (g.get("Grantee") or {}).get("Type") == "CanonicalUser"]
    grants = []
    for grant in answer.get("Grants") or []:
        grantee = grant.get("Grantee") or {}
        who = grantee.get("URI") or grantee.get("EmailAddress") or grantee.get("ID") or grantee.get("Type", "?")
        is_user = grantee.get("Type") == "CanonicalUser"
        # the owner's own grant: by id, or (servers that leave ids out) the one user granted FULL_CONTROL
        if (owner and grantee.get("ID") == owner) or (is_user and not grantee.get("ID")) or (
                is_user and not owner and len(users) == 1 and grant.get("Permission") == "FULL_CONTROL"):
            who = "owner"
        grants.append((who, grant.get("Permission", "?")))
    return sorted(set(grants))


def _normalise(value: Any, bucket: str) -> str:
    text = json.dumps(value, sort_keys=True, default=str, separators=(",", ":"))
    return text.replace(f"arn:aws:s3:::{bucket}", "arn:aws:s3:::<bucket>") if bucket else text


def read_setting(client: Any, setting: Setting, bucket: str, side: str) -> tuple[str, str]:
    """(state, value): state is 'set', 'absent', 'unsupported' or 'error'."""
    try:
        answer = getattr(client, setting.call)(Bucket=bucket)
    except botocore.exceptions.ClientError as exc:
        fatal = fatal_error(exc, side)
        if fatal is not None:
            raise fatal from None
        status, code, _ = client_error_details(exc)
        if code in setting.missing_codes or (status == 404 and code in (None, "", "404", "NotFound")):
            return "absent", NONE  # some servers answer a bare 404 for "not configured"
        if code in _UNSUPPORTED_CODES or status in _UNSUPPORTED_STATUS:
            return "unsupported", describe_client_error(exc)
        return "error", describe_client_error(exc)
    except Exception as exc:
        fatal = fatal_error(exc, side)
        if fatal is not None:
            raise fatal from None
        return "error", describe_client_error(exc)
    value = setting.extract(answer)
    if value in (None, [], {}, ""):
        return "absent", NONE
    return "set", _normalise(value, bucket)


def compare_config(src: Any, dst: Any, label: str, source_bucket: str, dest_bucket: str,
                   src_side: str, dst_side: str) -> list[Difference]:
    """The configuration differences of one bucket pair (empty when everything carried over)."""
    diffs: list[Difference] = []
    for setting in SETTINGS:
        s_state, s_value = read_setting(src, setting, source_bucket, src_side)
        if s_state in ("unsupported", "error"):
            if s_state == "error":
                diffs.append(Difference(label, setting.name, "error", f"source: {s_value}", ""))
            continue  # the source can't tell: nothing to carry over
        d_state, d_value = read_setting(dst, setting, dest_bucket, dst_side)
        if s_value == NONE and d_state in ("absent", "unsupported"):
            continue
        if setting.name == "versioning" and s_value == _normalise({"Status": "never", "MFADelete": "Disabled"}, "") \
                and d_state == "unsupported":
            continue
        if d_state == "unsupported":
            diffs.append(Difference(label, setting.name, "unsupported_on_dest", s_value, d_value))
        elif d_state == "error":
            diffs.append(Difference(label, setting.name, "error", "", f"dest: {d_value}"))
        elif s_value != d_value:
            diffs.append(Difference(label, setting.name, "config", s_value, d_value))
    return diffs
