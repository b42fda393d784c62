"""Dates pages write as text: parsed in the source's time zone, written back valid."""

from __future__ import annotations

import html
import json
import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import feedparser
import pytest
from hypothesis import given
from hypothesis import strategies as st

from refeed.config import Config
from refeed.ingest.dates import fix_time_elements, html_datetime, page_modified, parse_page_date

from .conftest import NOW, VALID_SEEDS, build

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_nytimes_time_is_beijing_time() -> None:
    value = parse_page_date("2023-07-14 10:11:10", SHANGHAI)
    assert value == datetime(2023, 7, 14, 2, 11, 10, tzinfo=UTC)
    assert html_datetime("2023-07-14 10:11:10", SHANGHAI) == "2023-07-14T10:11:10+08:00"


@pytest.mark.parametrize(
    ("text", "zone", "expected"),
    [
        ("2023-07-14 10:11:10", None, "2023-07-14T10:11:10"),  # no zone: a floating local time
        ("2023-07-14T10:11:10Z", SHANGHAI, "2023-07-14T10:11:10+00:00"),  # its own offset wins
        ("Fri, 14 Jul 2023 10:11:10 +0200", None, "2023-07-14T10:11:10+02:00"),
        ("2023-07-14", SHANGHAI, "2023-07-14"),  # valid as written
        ("10:11", SHANGHAI, "10:11"),
        ("PT4H18M", None, "PT4H18M"),
        ("yesterday", SHANGHAI, None),  # says nothing usable: dropped
        ("July 14 at 10:11", SHANGHAI, None),  # no year: never completed from the clock
        ("2023-13-45 99:99", SHANGHAI, None),
    ],
)
def test_html_datetime(text: str, zone: ZoneInfo | None, expected: str | None) -> None:
    assert html_datetime(text, zone) == expected


def test_time_elements_rewritten_and_bad_values_dropped() -> None:
    html = (
        '<p><time datetime="2023-07-14 10:11:10">7月14日</time>'
        '<time class="x" datetime="soon">soon</time><del datetime="2023-07-14 10:11:10">x</del></p>'
    )
    assert fix_time_elements(html, SHANGHAI) == (
        '<p><time datetime="2023-07-14T10:11:10+08:00">7月14日</time>'
        '<time class="x">soon</time><del datetime="2023-07-14 10:11:10">x</del></p>'
    )


def test_page_modified_from_json_ld_and_meta() -> None:
    ld = (
        '<script type="application/ld+json">{"@graph": [{"@type": "WebPage"}, '
        '{"dateModified": "2023-08-09 22:15:00"}]}</script>'
    )
    assert page_modified(ld, SHANGHAI) == datetime(2023, 8, 9, 14, 15, tzinfo=UTC)
    assert page_modified(ld, None) is None  # no zone, no offset: not an instant
    meta = '<meta property="article:modified_time" content="2023-08-09T22:15:00+02:00">'
    assert page_modified(meta, None) == datetime(2023, 8, 9, 20, 15, tzinfo=UTC)
    assert page_modified('<script type="application/ld+json">{oops</script>', SHANGHAI) is None


@given(st.text(max_size=40))
def test_any_datetime_text_gives_a_valid_value_or_none(text: str) -> None:
    value = html_datetime(text, SHANGHAI)
    assert value is None or re.fullmatch(r"[0-9T:+\-.PDHMS]+", value)  # nothing markup-like


def test_built_feed_carries_the_valid_value(tmp_path: Path, config: Config) -> None:
    build(VALID_SEEDS, tmp_path / "feeds", config, NOW)
    entry = feedparser.parse(tmp_path / "feeds" / "nytimes-cn.atom").entries[-1]
    assert '<time datetime="2023-07-14T10:11:10+08:00">' in entry.content[0].value
    assert entry.published == "2023-07-14T02:37:02+00:00"  # always the seed's own time


SEED = """<!--1691590501000-->
[A page that says when it changed](https://www.example.com/news/changed.html)
------

<script type="application/ld+json">{{"dateModified": "{modified}"}}</script>
<p>Body.</p>
"""


@pytest.mark.parametrize(
    ("modified", "updated"),
    [
        ("2023-08-10T08:00:00Z", "2023-08-10T08:00:00+00:00"),  # later than the seed: updated
        ("2023-08-01T08:00:00Z", "2023-08-09T14:15:01+00:00"),  # earlier: the seed's time
        ("2030-01-01T00:00:00Z", "2023-08-09T14:15:01+00:00"),  # after the file was saved
    ],
)
def test_page_modification_time_sets_updated_within_bounds(
    modified: str, updated: str, tmp_path: Path, config: Config
) -> None:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    path = seeds / "changed.txt"
    path.write_text(SEED.format(modified=modified), encoding="utf-8")
    saved = datetime(2024, 1, 1, tzinfo=UTC).timestamp()
    os.utime(path, (saved, saved))
    build(seeds, tmp_path / "feeds", config, NOW + timedelta(days=1))
    entry = feedparser.parse(tmp_path / "feeds" / "example.com.atom").entries[0]
    assert entry.published == "2023-08-09T14:15:01+00:00"
    assert entry.updated == updated


DATEISH = st.one_of(
    st.text(max_size=40),
    st.text(alphabet="0123456789-:+ TZ.,/JulyMonPMam年月日", max_size=30),
)


@given(DATEISH, st.sampled_from(["dateModified", "x"]))
def test_page_dates_never_raise(text: str, key: str) -> None:
    """A page's dates are untrusted text: any of them gives a value or none, never an error
    (an error would cost the whole article)."""
    ld = json.dumps({key: text, "@graph": [{"dateModified": text}]})
    raw = f'<script type="application/ld+json">{ld}</script>'
    raw += f'<meta property="article:modified_time" content="{html.escape(text)}">'
    for zone in (None, SHANGHAI, ZoneInfo("Pacific/Kiritimati")):
        value = page_modified(raw, zone)
        assert value is None or value.tzinfo is UTC
        fix_time_elements(f'<time datetime="{html.escape(text)}">x</time>', zone)


@pytest.mark.parametrize(
    "text",
    [
        "0001-01-01T00:00:00+14:00",  # no such instant in UTC
        "9999-12-31T23:59:59-14:00",
        "1T1T0T00-3000",  # dateutil makes a -30:00 offset that datetime refuses (found by fuzzing)
    ],
)
def test_dates_at_the_edge_of_time(text: str) -> None:
    meta = f'<meta property="article:modified_time" content="{text}">'
    assert page_modified(meta, None) is None
    html_datetime(text, SHANGHAI)  # no error
