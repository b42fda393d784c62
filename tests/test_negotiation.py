"""The HTTP rules serving follows (RFC 9110), checked on their own: content codings accepted,
validators of coded representations, and when a conditional GET is a 304."""

from __future__ import annotations

import gzip

import pytest
from hypothesis import given
from hypothesis import strategies as st

from refeed.service.negotiation import accepts_gzip, coded_etag, gzip_bytes, not_modified

LAST_MODIFIED = "Sat, 21 Nov 2026 12:00:00 GMT"


@pytest.mark.parametrize(
    ("header", "gzip_ok"),
    [
        (None, False),  # no field: identity is what refeed sends
        ("", False),
        ("gzip", True),
        ("GZIP", True),
        ("gzip, deflate, br", True),
        ("br;q=1.0, gzip;q=0.8", True),
        ("x-gzip", True),
        ("*", True),
        ("gzip;q=0", False),
        ("gzip; q=0.000", False),
        ("gzip;q=0, *", False),  # named codings win over the wildcard
        ("*;q=0", False),
        ("identity", False),
        ("br", False),
        ("gzip;q=oops", False),
        ("deflate, gzip ; q=0.5", True),
    ],
)
def test_accepts_gzip(header: str | None, gzip_ok: bool) -> None:
    assert accepts_gzip(header) is gzip_ok


def test_coded_etags_differ_and_keep_their_strength() -> None:
    assert coded_etag('"abc"', "gzip") == '"abc-gzip"'
    assert coded_etag('W/"abc"', "gzip") == 'W/"abc-gzip"'
    assert coded_etag("unquoted", "gzip") == "unquoted"  # not an entity tag: left alone


def test_gzip_is_deterministic() -> None:
    body = "同一份订阅源".encode() * 100
    assert gzip_bytes(body) == gzip_bytes(body)
    assert gzip.decompress(gzip_bytes(body)) == body


@pytest.mark.parametrize(
    ("if_none_match", "if_modified_since", "expected"),
    [
        ('"abc"', None, True),
        ('W/"abc"', None, True),  # weak comparison for GET
        ('"x", "abc"', None, True),
        ("*", None, True),
        ('"abc-gzip"', None, False),  # the other representation's validator
        ('"x"', LAST_MODIFIED, False),  # If-None-Match decides when present
        (None, LAST_MODIFIED, True),
        (None, "Sat, 21 Nov 2026 12:00:01 GMT", True),
        (None, "Sat, 21 Nov 2026 11:59:59 GMT", False),
        (None, "not a date", False),
        (None, None, False),
    ],
)
def test_not_modified(
    if_none_match: str | None, if_modified_since: str | None, expected: bool
) -> None:
    assert not_modified('"abc"', LAST_MODIFIED, if_none_match, if_modified_since) is expected


tags = st.text(alphabet="abcdef0123456789-", min_size=1, max_size=12).map(lambda t: f'"{t}"')


@given(st.lists(tags, max_size=5), tags, st.integers(0, 5), st.booleans())
def test_a_listed_tag_matches_wherever_it_stands(
    others: list[str], etag: str, at: int, weak: bool
) -> None:
    listed = [*others]
    listed.insert(min(at, len(listed)), ("W/" if weak else "") + etag)
    assert not_modified(etag, None, " , ".join(listed), None)
    unlisted = [t for t in others if t != etag]
    assert not_modified(etag, None, ", ".join(unlisted), None) is False
