"""Dates pages write as text, read with python-dateutil (the only module that imports it).

Pages carry their own dates: `<time datetime="2023-07-14 10:11:10">` on cn.nytimes.com (not a
valid HTML datetime value, and in Beijing time), JSON-LD `dateModified` or
`article:modified_time` elsewhere. A time without an offset is taken in the source's
configured zone (`timezone = "Asia/Shanghai"`); with no zone configured it stays a floating
local time (`2023-07-14T10:11:10`, still a valid value) and is never used as an instant.
Parsing never consults the clock: a value without a year is dropped, never completed with
today's date, so two builds agree.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, tzinfo
from typing import Any

from dateutil import parser as dateparser

from refeed.ingest.media import tag_attributes

_TIME_ATTR = re.compile(r'(<time\b[^>]*?\sdatetime=")([^"]*)(")', re.I)  # sanitized markup
_ALREADY_VALID = re.compile(
    r"\d{4}-\d\d(-\d\d)?|\d{4}|\d\d:\d\d(:\d\d(\.\d{1,3})?)?|P[0-9DTHMS.]+", re.I
)  # a date, month, year, time or duration: valid as written
_HAS_YEAR = re.compile(r"(?<!\d)\d{4}(?!\d)")
_LD_JSON = re.compile(r"<script\b[^>]*application/ld\+json[^>]*>(.*?)</script\s*>", re.I | re.S)
_META = re.compile(r"<meta\b[^>]*>", re.I)
_MODIFIED_META = ("article:modified_time", "og:updated_time")
_FIXED_DEFAULT = datetime(2000, 1, 1)  # noqa: DTZ001 - fills parts the text lacks, never "now"


def parse_page_date(text: str, zone: tzinfo | None) -> datetime | None:
    """`text` as a datetime, aware when it has an offset or `zone` is given; None if it is not
    a date and time with a year."""
    text = text.strip()
    if not _HAS_YEAR.search(text):
        return None
    try:
        value = dateparser.parse(text, default=_FIXED_DEFAULT)
        if value.tzinfo is None and zone is not None:
            value = value.replace(tzinfo=zone)
        value.isoformat()  # dateutil accepts offsets (-30:00) that datetime then refuses
    except (ValueError, OverflowError):
        return None
    return value


def html_datetime(text: str, zone: tzinfo | None) -> str | None:
    """A valid HTML datetime value for what `text` says (None: it says nothing usable)."""
    text = text.strip()
    if _ALREADY_VALID.fullmatch(text):
        return text
    value = parse_page_date(text, zone)
    if value is None:
        return None
    return value.isoformat(timespec="seconds")


def fix_time_elements(content_html: str, zone: tzinfo | None) -> str:
    """Every `<time datetime>` of sanitized content rewritten to a valid value (dropped when
    it says nothing): readers that use it, and validators, see the real instant."""

    def fix(match: re.Match[str]) -> str:
        value = html_datetime(html.unescape(match.group(2)), zone)
        if value is None:
            return match.group(1)[: -len(' datetime="')]
        return match.group(1) + value + match.group(3)

    return _TIME_ATTR.sub(fix, content_html)


def page_modified(raw_html: str, zone: tzinfo | None) -> datetime | None:
    """The page's own last-modification instant (UTC), when it states one unambiguously."""
    candidates = list(_ld_modified(raw_html))
    for tag in _META.finditer(raw_html):
        attrs = tag_attributes(tag.group())
        if attrs.get("property", attrs.get("name", "")).lower() in _MODIFIED_META:
            candidates.append(attrs.get("content", ""))
    for text in candidates:
        value = parse_page_date(text, zone)
        if value is not None and value.tzinfo is not None:
            try:
                return value.astimezone(UTC)
            except (OverflowError, ValueError):  # year 1 at +14:00: no such instant
                continue
    return None


def _ld_modified(raw_html: str) -> Iterator[str]:
    for block in _LD_JSON.finditer(raw_html):
        try:
            data = json.loads(block.group(1))
        except ValueError:
            continue
        yield from _find_key(data, "dateModified")


def _find_key(data: Any, key: str) -> Iterator[str]:
    """Values of `key` anywhere in JSON-LD (objects, lists, @graph), in document order."""
    if isinstance(data, dict):
        value = data.get(key)
        if isinstance(value, str):
            yield value
        for child in data.values():
            yield from _find_key(child, key)
    elif isinstance(data, list):
        for child in data:
            yield from _find_key(child, key)
