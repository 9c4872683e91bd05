"""ListBuckets: prefix, max-buckets paging with continuation tokens, bucket-region, Owner.

Every case creates a few buckets of its own (`bucket_factory`, named `s3g-<run-id>-<worker>-…`) and one
of this run without that prefix.
Buckets of other cases come and go while a case runs (the other xdist worker), so a case never
compares whole listings: it compares what it asked for (a prefix only this worker's buckets carry,
checked against an unfiltered listing of the same moment) or follows its own buckets through pages.

AWS S3 API Reference, ListBuckets: max-buckets ("Valid Range: Minimum value of 1. Maximum value of
10000"), continuation-token, prefix ("Limits the response to bucket names that begin with the
specified bucket name prefix"), bucket-region; ContinuationToken in the response ("If
ContinuationToken was sent with the request, it is included in the response"; given when more
buckets remain); Owner.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pytest

from gauntlet.plugin.checks import expect_equal, expect_http_error, expect_true
from gauntlet.plugin.fixtures import OwnBuckets
from gauntlet.plugin.verdict import S3Mismatch
from gauntlet.s3.naming import create_bucket_params

pytestmark = [pytest.mark.buckets, pytest.mark.severity("client")]

MAX_PAGES = 200


def _names(answer: dict[str, Any]) -> list[str]:
    return [str(b.get("Name")) for b in answer.get("Buckets") or []]


def _worker_prefix(names: list[str]) -> str:
    """The prefix every bucket this worker creates in this run carries: `s3g-<run-id>-<worker>-`."""
    prefix = names[0][: names[0].rfind("-") + 1]
    assert all(name.startswith(prefix) for name in names), names
    return prefix


@pytest.fixture
def own(bucket_factory: Callable[..., str], own_buckets: OwnBuckets, target: Any) -> list[str]:
    """Four buckets of this case, sorted by name, and a fifth of this run that does not carry their prefix
    (`s3g-<run-id>-<worker>x-…`), so a server that ignores the prefix always lists one bucket too many."""
    names = sorted(bucket_factory() for _ in range(4))
    admin = target.client(checksum_mode="when_required", content_md5_deletes=True)
    decoy = own_buckets.new(worker=os.environ.get("PYTEST_XDIST_WORKER", "w") + "x")
    admin.create_bucket(**create_bucket_params(decoy, target.region))
    assert not decoy.startswith(_worker_prefix(names)), decoy
    return names


def _page_through(s3: Any, rule: str, **params: Any) -> tuple[list[list[str]], list[dict[str, Any]]]:
    """ListBuckets with MaxBuckets=2 from the first page to the last; the names of each page and the answers."""
    pages: list[list[str]] = []
    answers: list[dict[str, Any]] = []
    token = None
    for _ in range(MAX_PAGES):
        answer = s3.list_buckets(MaxBuckets=2, **params, **({"ContinuationToken": token} if token else {}))
        answers.append(answer)
        pages.append(_names(answer))
        expect_true(len(pages[-1]) <= 2, rule,
                    f"S3 returns at most max-buckets (2) buckets a page; page {len(pages)} held {len(pages[-1])} "
                    "(the server ignores max-buckets)")
        token = answer.get("ContinuationToken")
        if not token:
            return pages, answers
        if token in [a.get("ContinuationToken") for a in answers[:-1]]:
            raise S3Mismatch(f"{rule}: S3 hands out a new ContinuationToken for each page; page {len(pages)} gave "
                             f"the token of an earlier page again ({token!r}), so paging never ends")
    raise S3Mismatch(f"{rule}: paging did not end after {MAX_PAGES} pages of 2 buckets")


def test_list_buckets_with_prefix_lists_exactly_the_matching_buckets(s3: Any, own: list[str]) -> None:
    """ListBuckets with prefix lists exactly the caller's buckets whose names begin with it.

    AWS S3 API Reference, ListBuckets: prefix ("Limits the response to bucket names that begin with the
    specified bucket name prefix"); response element Prefix.
    """
    prefix = _worker_prefix(own)
    every = _names(s3.list_buckets())
    matching = sorted(n for n in every if n.startswith(prefix))
    expect_true(set(own) <= set(matching), "ListBuckets without parameters",
                f"S3 lists every bucket the caller owns; missing: {sorted(set(own) - set(every))}")
    listed = _names(s3.list_buckets(Prefix=prefix))
    other = [n for n in listed if not n.startswith(prefix)]
    missing = sorted(set(matching) - set(listed))
    expect_true(not other and not missing, "ListBuckets with prefix=<this worker's bucket prefix>",
                f"S3 lists exactly the {len(matching)} buckets whose names begin with the prefix; the server listed "
                f"{len(listed)}: {len(other)} not beginning with it (the prefix is ignored), {len(missing)} missing")


def test_list_buckets_with_unmatched_prefix_is_empty_without_token(s3: Any, own: list[str]) -> None:
    """ListBuckets with a prefix no bucket has answers 200 with no buckets and no ContinuationToken.

    AWS S3 API Reference, ListBuckets: prefix; ContinuationToken (given only when more buckets remain).
    """
    prefix = _worker_prefix(own) + "zz-none-"
    answer = s3.list_buckets(Prefix=prefix)
    listed, token = _names(answer), answer.get("ContinuationToken")
    expect_true(not listed and token is None, "ListBuckets with a prefix no bucket name begins with",
                f"S3 answers no buckets and no ContinuationToken; the server listed {len(listed)} buckets "
                f"(the prefix is ignored) and ContinuationToken {token!r}")


def test_list_buckets_max_buckets_2_pages_through_every_bucket_once(s3: Any, own: list[str]) -> None:
    """ListBuckets with max-buckets=2 gives pages of at most 2 buckets, a ContinuationToken while more remain,
    and lists every bucket once across the pages.

    AWS S3 API Reference, ListBuckets: max-buckets ("Maximum number of buckets to be returned in response"),
    continuation-token ("You can use this ContinuationToken for pagination of the list results").
    """
    rule = "ListBuckets with max-buckets=2, following ContinuationToken"
    pages, _answers = _page_through(s3, rule)
    seen = [name for page in pages for name in page]
    repeated = sorted({n for n in seen if seen.count(n) > 1})
    expect_true(not repeated, rule, f"S3 lists each bucket once across pages; listed again: {repeated[:5]}")
    missing = sorted(set(own) - set(seen))
    expect_true(not missing, rule, f"S3 lists every bucket across the pages; {len(missing)} of this case's "
                f"{len(own)} buckets never came ({len(seen)} names in {len(pages)} pages)")


def test_list_buckets_prefix_with_max_buckets_pages_through_the_prefix(s3: Any, own: list[str]) -> None:
    """ListBuckets with prefix and max-buckets=2 pages through exactly the matching buckets, each once, and
    keeps the prefix on every page.

    AWS S3 API Reference, ListBuckets: prefix, max-buckets, continuation-token; response element Prefix.
    """
    prefix = _worker_prefix(own)
    matching = sorted(n for n in _names(s3.list_buckets()) if n.startswith(prefix))
    rule = "ListBuckets with prefix=<this worker's bucket prefix> and max-buckets=2, following ContinuationToken"
    pages, answers = _page_through(s3, rule, Prefix=prefix)
    seen = [n for page in pages for n in page]
    expect_true(sorted(seen) == matching, f"{rule}: the names across all pages",
                f"S3 lists the {len(matching)} matching buckets, each once; the server listed {len(seen)} names "
                f"({len(set(seen))} distinct, {len(set(seen) - set(matching))} not matching, "
                f"{len(set(matching) - set(seen))} missing)")
    expect_equal(len(pages), (len(matching) + 1) // 2,
                 f"{rule}: number of pages for {len(matching)} buckets (the last full page carries no token)")
    expect_true(all(a.get("Prefix") == prefix for a in answers), f"{rule}: Prefix in each answer",
                f"S3 returns the request's prefix on every page; the server gave "
                f"{sorted({str(a.get('Prefix')) for a in answers})}")


def test_list_buckets_last_page_has_no_continuation_token(s3: Any, own: list[str]) -> None:
    """ListBuckets with a max-buckets above the number of matching buckets lists them all and gives no
    ContinuationToken.

    AWS S3 API Reference, ListBuckets: max-buckets ("When the number is more than the count of buckets that
    are owned by an Amazon Web Services account, return all the buckets in response"); ContinuationToken.
    """
    prefix = _worker_prefix(own)
    answer = s3.list_buckets(Prefix=prefix, MaxBuckets=1000)
    expect_true(set(own) <= set(_names(answer)), "ListBuckets with prefix=<this worker's prefix>, max-buckets=1000",
                f"S3 lists all matching buckets on one page; missing: {sorted(set(own) - set(_names(answer)))}")
    expect_equal(answer.get("ContinuationToken"), None,
                 "ContinuationToken of a ListBuckets page that holds every matching bucket")


@pytest.mark.parametrize("value", ["0", "10001"])
def test_list_buckets_max_buckets_out_of_range_is_400_invalidargument(raw: Any, value: str) -> None:
    """ListBuckets with max-buckets outside 1–10000 is refused with 400 InvalidArgument.

    AWS S3 API Reference, ListBuckets: max-buckets ("Valid Range: Minimum value of 1. Maximum value of
    10000"); "Error responses: List of error codes" (InvalidArgument: "Invalid Argument", 400).
    """
    response = raw.request("GET", None, query={"max-buckets": value})
    expect_http_error(response, 400, "InvalidArgument", f"ListBuckets with max-buckets={value}")


def test_list_buckets_names_the_owner(s3: Any, own: list[str]) -> None:
    """ListBuckets names the owner of the buckets: Owner with an ID.

    AWS S3 API Reference, ListBuckets: response element Owner ("The owner of the buckets listed"), ID.
    """
    owner = s3.list_buckets(Prefix=_worker_prefix(own)).get("Owner") or {}
    expect_true(bool(owner.get("ID")), "ListBuckets: Owner",
                f"S3 names the owner (Owner/ID); the server gave {owner!r}")


@pytest.mark.severity("detail")
def test_list_buckets_with_bucket_region_gives_each_bucket_its_region(target: Any, s3: Any, own: list[str]) -> None:
    """ListBuckets with bucket-region set to the buckets' region lists them, each with that BucketRegion.

    AWS S3 API Reference, ListBuckets: bucket-region ("Limits the response to buckets that are located in
    the specified Amazon Web Services Region"); Bucket: BucketRegion ("BucketRegion indicates the Amazon Web
    Services region where the bucket is located").
    """
    region = target.region or "us-east-1"
    answer = s3.list_buckets(Prefix=_worker_prefix(own), BucketRegion=region)
    regions = {str(b.get("Name")): b.get("BucketRegion") for b in answer.get("Buckets") or []}
    got = [regions.get(name, "(not listed)") for name in own]
    expect_true(got == [region] * len(own), f"ListBuckets with bucket-region={region}",
                f"S3 lists this case's {len(own)} buckets, each with BucketRegion {region!r}; the server gave "
                f"{sorted({str(g) for g in got})}")
