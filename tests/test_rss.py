"""RSS 2.0: the same entries as the Atom feed, in the RSS Best Practices Profile's terms."""

from __future__ import annotations

import html
import locale
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

import feedparser
import pytest
from lxml import etree

from refeed.config import Config
from refeed.output.model import Feed, FeedMeta, Item
from refeed.output.rss import render_rss, rfc822

from .conftest import NOW, VALID_SEEDS, build
from .feedcheck import A
from .rsscheck import CONTENT, rss_problems

DC = "{http://purl.org/dc/elements/1.1/}"
ATOM_LINK = "{http://www.w3.org/2005/Atom}link"
NAMES = ["all", "en.example.org", "example.com", "nytimes-cn", "rfi-cn"]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, config: Config) -> Path:
    out = tmp_path_factory.mktemp("rss") / "feeds"
    build(VALID_SEEDS, out, config, NOW)
    return out


@pytest.mark.parametrize("name", NAMES)
def test_rss_says_what_the_atom_feed_says(built: Path, name: str) -> None:
    atom = etree.parse(str(built / f"{name}.atom")).getroot()
    channel = _channel(built / f"{name}.rss")
    assert channel.findtext("title") == atom.findtext(f"{A}title")
    assert _one(channel, ATOM_LINK).get("href") == f"https://feeds.example.org/refeed/{name}.rss"
    assert channel.findtext("language") == atom.get("{http://www.w3.org/XML/1998/namespace}lang")
    # lastBuildDate is the newest entry, never the time of the build
    updated = datetime.fromisoformat(atom.findtext(f"{A}updated", "")).replace(microsecond=0)
    assert parsedate_to_datetime(channel.findtext("lastBuildDate", "")) == updated
    items, entries = channel.findall("item"), atom.findall(f"{A}entry")
    assert len(items) == len(entries)
    feed_author = atom.findtext(f"{A}author/{A}name")
    for item, entry in zip(items, entries, strict=True):
        assert item.findtext("guid") == entry.findtext(f"{A}id")
        assert _one(item, "guid").get("isPermaLink") == "false"
        assert item.findtext("link") == _one(entry, f"{A}link[@rel='alternate']").get("href")
        published = datetime.fromisoformat(entry.findtext(f"{A}published", ""))
        pub_date = parsedate_to_datetime(item.findtext("pubDate", ""))
        assert pub_date == published.replace(microsecond=0)
        assert item.findtext(f"{CONTENT}encoded") == entry.findtext(f"{A}content")
        summary = entry.findtext(f"{A}summary", "")
        if _one(entry, f"{A}summary").get("type") == "html":
            summary = html.unescape(summary)
        assert html.unescape(item.findtext("description", "")) == summary  # plain text, escaped
        authors = [a.findtext(f"{A}name") for a in entry.findall(f"{A}author")]
        assert [c.text for c in item.findall(f"{DC}creator")] == (authors or [feed_author])
        assert [c.text for c in item.findall("category")] == [
            c.get("term") for c in entry.findall(f"{A}category")
        ]
    assert rss_problems(built / f"{name}.rss") == []


def test_plain_text_is_shown_as_written(built: Path) -> None:
    """A title that looks like markup is text: '&' and '<' as hex references (the profile's
    rule), so readers show it, and feedparser reads it back exactly."""
    data = (built / "example.com.rss").read_bytes()
    assert b"<title>Why the &#x3C;video&gt; element &#x26; friends matter</title>" in data
    assert b"&amp;" not in data
    assert b"&lt;" not in data
    titles = [e.title for e in feedparser.parse(data).entries]
    assert "Why the <video> element & friends matter" in titles


def test_combined_items_name_their_source(built: Path) -> None:
    channel = _channel(built / "all.rss")
    sources = {(s.get("url"), s.text) for s in channel.iter("source")}
    assert ("https://feeds.example.org/refeed/rfi-cn.rss", "法国国际广播电台 RFI 中文") in sources
    assert len(list(channel.iter("source"))) == len(channel.findall("item"))


def test_dates_do_not_depend_on_the_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    """feedgen formats RSS dates with strftime under a temporarily switched process locale;
    refeed must neither read nor switch it (the daemon renders on several threads)."""

    def no_locale(*args: object) -> str:
        raise AssertionError("the process locale was touched")

    monkeypatch.setattr(locale, "setlocale", no_locale)
    when = datetime(2023, 7, 14, 2, 37, 2, tzinfo=UTC)
    assert rfc822(when) == "Fri, 14 Jul 2023 02:37:02 GMT"
    meta = FeedMeta(
        "x",
        "source",
        "urn:uuid:1",
        "X",
        "https://x.example/",
        "X",
        {"rss": "https://f.example/x.rss"},
    )
    item = Item("urn:uuid:2", "https://x.example/a", "A", "", "<p>a</p>", when, when)
    data = render_rss(Feed(meta, (item,), when, 1))
    assert b"<pubDate>Fri, 14 Jul 2023 02:37:02 GMT</pubDate>" in data
    assert b"<content:encoded>" in data  # written even when there is no description
    assert b"<description>" not in data.split(b"<item>")[1]


def _channel(path: Path) -> etree._Element:
    return _one(etree.parse(str(path)).getroot(), "channel")


def _one(parent: etree._Element, path: str) -> etree._Element:
    found = parent.find(path)
    assert found is not None, path
    return found
