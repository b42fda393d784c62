"""index.opml as a feed reader imports it (listparser): every feed once, nothing unchecked."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from xml.etree import ElementTree as ET

import listparser
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from refeed.output.model import Feed, Site
from refeed.output.opml import render_opml
from refeed.output.webtext import plain_text

from .conftest import DATA, VALID_SEEDS
from .sites import ALL, BASE, NYT, RFI, RFI_ITEMS, at, meta, seed_site, small_site

GOLDEN_OPML = DATA / "golden_pages" / "index.opml"


def imported(site: Site) -> listparser.common.SuperDict:
    result = listparser.parse(render_opml(site))
    assert not result["bozo"], result["bozo_exception"]
    assert result["version"] == "opml2"
    return result


def test_golden_opml(update_golden: bool) -> None:
    data = render_opml(small_site())
    if update_golden:
        GOLDEN_OPML.write_bytes(data)
    assert data == GOLDEN_OPML.read_bytes()


@pytest.mark.parametrize("site", [small_site(), seed_site(VALID_SEEDS)], ids=["small", "seeds"])
def test_importing_subscribes_to_each_feed_once_by_its_atom_url(site: Site) -> None:
    result = imported(site)
    assert [(f["url"], f["title"]) for f in result["feeds"]] == [
        (feed.meta.urls["atom"], feed.meta.title) for feed in site.feeds
    ]
    assert result["meta"]["title"] == site.title


def test_outlines_carry_what_a_reader_shows() -> None:
    outlines = ET.fromstring(render_opml(small_site())).findall("body/outline")
    assert outlines[2].attrib == {
        "type": "rss",
        "text": RFI.title,
        "title": RFI.title,
        "xmlUrl": BASE + "rfi-cn.atom",
        "htmlUrl": "https://www.rfi.fr/cn/",
        "description": "RFI 华语：国际、中国、亚洲新闻",
        "language": "zh-CN",
    }
    bare = Feed(meta("bare", "Bare", subtitle=None, language=None), RFI_ITEMS, at(9), 2)
    (outline,) = ET.fromstring(render_opml(Site(BASE, "s", None, (bare,)))).findall("body/outline")
    assert set(outline.attrib) == {"type", "text", "title", "xmlUrl", "htmlUrl"}


def test_dates_are_the_newest_feed_update_not_the_clock() -> None:
    site = small_site()
    head = imported(site)["meta"]
    newest = max(feed.updated for feed in site.feeds)
    assert head["created_parsed"] == head["modified_parsed"] == newest
    assert head["author"] == {"name": ALL.author}  # the combined feed's author owns the list
    empty = ET.fromstring(render_opml(Site(BASE, "empty", None, ())))
    assert empty.find("head/dateCreated") is None
    assert empty.findall("body/outline") == []


def test_atom_disabled_lists_the_first_enabled_format() -> None:
    site = replace(small_site(), formats=("rss", "json"))
    assert [f["url"] for f in imported(site)["feeds"]] == [
        feed.meta.urls["rss"] for feed in site.feeds
    ]


def test_a_url_two_feeds_share_is_listed_once() -> None:
    twin = Feed(replace(NYT, name="twin", title="Twin"), (), at(1), 0)
    site = replace(small_site(), feeds=(*small_site().feeds, twin))
    urls = [f["url"] for f in imported(site)["feeds"]]
    assert len(urls) == len(set(urls)) == 3


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "file:///etc/passwd", "feed.atom", "https://a b/", ""]
)
def test_a_feed_without_a_web_url_is_left_out(url: str) -> None:
    bad = Feed(replace(RFI, urls={"atom": url}, homepage=url), RFI_ITEMS, at(9), 2)
    site = Site(BASE, "s", None, (bad, *small_site().feeds[1:]))
    result = imported(site)
    assert [f["url"] for f in result["feeds"]] == [BASE + "nytimes-cn.atom", BASE + "rfi-cn.atom"]
    assert url not in render_opml(site).decode() or url == ""


def test_hostile_titles_stay_text() -> None:
    title = '<script>alert(1)</script>"&amp; \x00\x1f'
    hostile = Feed(replace(RFI, title=title, subtitle=title), RFI_ITEMS, at(9), 2)
    result = imported(Site(BASE, title, None, (hostile,)))
    assert result["feeds"][0]["title"] == '<script>alert(1)</script>"&amp;'
    assert result["meta"]["title"] == '<script>alert(1)</script>"&amp;'


@settings(max_examples=60, deadline=None)
@given(title=st.text(st.characters(codec="utf-8"), max_size=40))
def test_any_title_gives_well_formed_opml(title: str) -> None:
    feed = Feed(replace(RFI, title=title, subtitle=title, author=title), RFI_ITEMS, at(9), 2)
    data = render_opml(Site(BASE, title, None, (feed,)))
    root = ET.fromstring(data)  # well-formed XML, whatever the title held
    (outline,) = root.findall("body/outline")
    assert outline.get("text") == (plain_text(title).strip() or "rfi-cn")


def test_dates_are_rfc_822_in_gmt() -> None:
    feed = Feed(RFI, RFI_ITEMS, datetime(2024, 2, 29, 23, 5, 9, tzinfo=UTC), 2)
    head = ET.fromstring(render_opml(Site(BASE, "s", None, (feed,)))).find("head")
    assert head is not None
    assert head.findtext("dateModified") == "Thu, 29 Feb 2024 23:05:09 GMT"
