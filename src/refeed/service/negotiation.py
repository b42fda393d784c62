"""The HTTP rules serving depends on, as plain functions: which content coding a client
accepts, the validator of a coded representation, and when a conditional GET is answered 304.

Kept free of the web framework so that the rules read like the RFC sections they follow
(RFC 9110 8.8.3, 12.5.3, 13.1.1-13.1.3, 13.2.2) and are tested on their own.
"""

from __future__ import annotations

import gzip
from email.utils import parsedate_to_datetime

GZIP_LEVEL = 6  # fixed, and no timestamp in the header: equal bodies give equal bytes


def accepts_gzip(accept_encoding: str | None) -> bool:
    """Whether an Accept-Encoding field value allows gzip (x-gzip and `*` count; q=0 refuses).
    No field at all means any coding is acceptable, but then refeed sends identity."""
    if not accept_encoding:
        return False
    qualities: dict[str, float] = {}
    for item in accept_encoding.split(","):
        coding, *params = (part.strip() for part in item.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if coding:
            qualities[coding.lower()] = quality
    for name in ("gzip", "x-gzip"):
        if name in qualities:
            return qualities[name] > 0
    return qualities.get("*", 0.0) > 0


def gzip_bytes(body: bytes) -> bytes:
    return gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0)


def coded_etag(etag: str, coding: str) -> str:
    """The entity tag of `coding` applied to the representation tagged `etag`: a different
    representation gets a different strong validator (`"abc"` -> `"abc-gzip"`)."""
    weak = etag.startswith("W/")
    opaque = etag.removeprefix("W/")
    if len(opaque) < 2 or not (opaque.startswith('"') and opaque.endswith('"')):
        return etag
    return ("W/" if weak else "") + f'{opaque[:-1]}-{coding}"'


def _opaque(tag: str) -> str:
    return tag.strip().removeprefix("W/")


def not_modified(
    etag: str | None,
    last_modified: str | None,
    if_none_match: str | None,
    if_modified_since: str | None,
) -> bool:
    """True when a GET/HEAD with these preconditions is to be answered 304 (RFC 9110 13.2.2:
    If-None-Match, weakly compared, decides when present; only then If-Modified-Since)."""
    if if_none_match is not None:
        if if_none_match.strip() == "*":
            return True
        if etag is None:
            return False
        return _opaque(etag) in {_opaque(tag) for tag in if_none_match.split(",")}
    if if_modified_since is None or last_modified is None:
        return False
    try:
        since = parsedate_to_datetime(if_modified_since)
        modified = parsedate_to_datetime(last_modified)
    except (TypeError, ValueError):
        return False  # an invalid date is ignored (RFC 9110 13.1.3)
    if since.tzinfo is None or modified.tzinfo is None:
        return False
    return modified <= since
