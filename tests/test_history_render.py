"""RFC 5005 history, WebSub hubs and other-script alternates, as each renderer writes them.

Hand-built Feeds in the four places a document can sit (no history, complete subscription
document, subscription document with archives behind it, archive page), rendered in Atom,
RSS and JSON Feed: the links and fh: elements are checked exactly, and every document passes
the format's checker and feedparser.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import feedparser
import pytest
from lxml import etree, html

from refeed.output.atom import render_atom
from refeed.output.jsonfeed import render_json
from refeed.output.model import Feed, FeedMeta, History, Item
from refeed.output.pages import render_feed_page
from refeed.output.rss import render_rss

from .feedcheck import feed_problems
from .jsonfeedcheck import json_feed_problems
from .rsscheck import rss_problems

BASE = "https://feeds.example.org/refeed/"
HUBS = ("https://hub.example.org/", "https://pubsubhubbub.appspot.com/")
A = "{http://www.w3.org/2005/Atom}"
FH = "{http://purl.org/syndication/history/1.0}"
ATOM_TYPE, RSS_TYPE = "application/atom+xml", "application/rss+xml"
SUFFIXES = {"atom": ".atom", "rss": ".rss", "json": ".json", "html": ".html"}
WHEN = datetime(2024, 4, 3, 19, 45, 1, tzinfo=UTC)


def urls(path: str) -> dict[str, str]:
    return {name: f"{BASE}{path}{suffix}" for name, suffix in SUFFIXES.items()}


def page(n: int) -> dict[str, str]:
    return urls(f"archive/rfi-cn/{n}")


HANT = FeedMeta(
    name="rfi-cn.zh-hant",
    kind="source",
    feed_id="urn:uuid:6f2c1f7e-4f4e-5a53-9d2e-0b8d3f1c2a11",
    title="法廣 中文",
    homepage="https://www.rfi.fr/cn/",
    author="RFI",
    urls=urls("rfi-cn.zh-hant"),
    language="zh-Hant",
    variant_of="rfi-cn",
)
META = FeedMeta(
    name="rfi-cn",
    kind="source",
    feed_id="urn:uuid:2a3b4c5d-1111-5222-8333-444455556666",
    title="法广 中文",
    homepage="https://www.rfi.fr/cn/",
    author="RFI",
    urls=urls("rfi-cn"),
    language="zh-Hans",
    hubs=HUBS,
    alternates=(HANT,),
)
ITEM = Item(
    entry_id="urn:uuid:0ac38218-0a06-58ea-85ce-d1eaedd034f8",
    url="https://www.rfi.fr/cn/a",
    title="中美元首通话",
    summary="摘要",
    content_html="<p>正文</p>",
    published=WHEN,
    updated=WHEN,
    authors=("RFI",),
)

PLAIN = Feed(META, (ITEM,), WHEN, 1)  # archives off
COMPLETE = Feed(META, (ITEM,), WHEN, 1, History(complete=True))
SUBSCRIPTION = Feed(META, (ITEM,), WHEN, 7, History(prev_archive=page(3)))
# Archive pages as archives.py builds them: the page's own URLs (self), fh:archive, current.
MIDDLE = Feed(
    replace(META, urls=page(2)),
    (ITEM,),
    WHEN,
    1,
    History(archive=True, current=META.urls, prev_archive=page(1), next_archive=page(3)),
)
FIRST = Feed(
    replace(META, urls=page(1)),
    (ITEM,),
    WHEN,
    1,
    History(archive=True, current=META.urls, next_archive=page(2)),
)
DOCUMENTS = {"plain": PLAIN, "complete": COMPLETE, "subscription": SUBSCRIPTION,
             "middle": MIDDLE, "first": FIRST}  # fmt: skip


# RFC 4287 4.2.7.2: "alternate" written as an IRI, which readers that take the feed's website
# from the links named "alternate" do not mistake for it (newsboat takes the last of them).
ALTERNATE_IRI = "http://www.iana.org/assignments/relation/alternate"


def feed_links(root: etree._Element, tag: str) -> list[tuple[str, ...]]:
    """(rel, type, hreflang, href) of the document-level links, in document order."""
    return [
        (el.get("rel", ""), el.get("type", ""), el.get("hreflang", ""), el.get("href", ""))
        for el in root.findall(tag)
    ]


def expected_links(doc: Feed, fmt: str, media_type: str) -> list[tuple[str, ...]]:
    """What the brief asks for: self, the homepage (Atom only: RSS has <link>) and the other
    script; the history links; the hubs (subscription documents only)."""
    links: list[tuple[str, ...]] = []
    if fmt == "atom":  # the page first, then the other script, then self
        links.append(("alternate", "text/html", "", "https://www.rfi.fr/cn/"))
        links.append((ALTERNATE_IRI, media_type, "zh-Hant", HANT.urls[fmt]))
        links.append(("self", media_type, "", doc.meta.urls[fmt]))
    else:
        links.append(("self", media_type, "", doc.meta.urls[fmt]))
        links.append(("alternate", media_type, "zh-Hant", HANT.urls[fmt]))
    history = doc.history
    if history is not None and not (history.complete and not history.archive):
        for rel, urls_ in (("current", history.current), ("prev-archive", history.prev_archive),
                           ("next-archive", history.next_archive)):  # fmt: skip
            if urls_ is not None:
                links.append((rel, media_type, "", urls_[fmt]))
    if history is None or not history.archive:
        links += [("hub", "", "", hub) for hub in HUBS]
    return links


def fh_marks(parent: etree._Element) -> list[str]:
    return [etree.QName(el).localname for el in parent if str(el.tag).startswith(FH)]


@pytest.mark.parametrize("name", DOCUMENTS)
def test_atom_links_and_history_marks(name: str) -> None:
    doc = DOCUMENTS[name]
    root = etree.fromstring(render_atom(doc))
    assert feed_links(root, f"{A}link") == expected_links(doc, "atom", ATOM_TYPE)
    assert fh_marks(root) == {"complete": ["complete"], "middle": ["archive"],
                              "first": ["archive"]}.get(name, [])  # fmt: skip


@pytest.mark.parametrize("name", DOCUMENTS)
def test_rss_carries_the_same_links_in_the_channel(name: str) -> None:
    """RFC 5005 appendix B: atom:link and fh: elements as children of the channel."""
    doc = DOCUMENTS[name]
    channel = etree.fromstring(render_rss(doc)).find("channel")
    assert channel is not None
    assert feed_links(channel, f"{A}link") == expected_links(doc, "rss", RSS_TYPE)
    assert fh_marks(channel) == fh_marks(etree.fromstring(render_atom(doc)))


@pytest.mark.parametrize("name", DOCUMENTS)
def test_the_history_namespace_is_declared_only_where_used(name: str) -> None:
    doc = DOCUMENTS[name]
    for data in (render_atom(doc), render_rss(doc)):
        declared = b'xmlns:fh="http://purl.org/syndication/history/1.0"' in data
        assert declared == (name in ("complete", "middle", "first"))


def test_archives_off_means_no_rfc5005_markup_at_all() -> None:
    for data in (render_atom(PLAIN), render_rss(PLAIN), render_json(PLAIN)):
        for needle in (b"syndication/history", b"archive", b'"current"', b"next_url"):
            assert needle not in data


def test_a_complete_feed_carries_no_archive_link_even_if_given_one() -> None:
    """A complete feed may carry no archive links (the validator: FeedRelInCompleteFeed)."""
    doc = replace(COMPLETE, history=History(complete=True, prev_archive=page(3)))
    assert render_atom(doc) == render_atom(COMPLETE)
    assert render_rss(doc) == render_rss(COMPLETE)
    assert render_json(doc) == render_json(COMPLETE)


@pytest.mark.parametrize("name", DOCUMENTS)
def test_json_feed_pages_to_older_items_and_names_its_hubs(name: str) -> None:
    doc = DOCUMENTS[name]
    out = json.loads(render_json(doc))
    history = doc.history
    older = history.prev_archive if history is not None and not history.complete else None
    assert out.get("next_url") == (older["json"] if older else None)
    assert out["feed_url"] == doc.meta.urls["json"]
    hubs = [{"type": "WebSub", "url": hub} for hub in HUBS]
    assert out.get("hubs") == (None if name in ("middle", "first") else hubs)
    assert out["_refeed"] == {"alternates": [{"url": HANT.urls["json"], "language": "zh-Hant"}]}
    # nothing else of RFC 5005 has a JSON Feed name
    assert set(out) <= {"version", "title", "home_page_url", "feed_url", "next_url",
                        "authors", "language", "hubs", "_refeed", "items"}  # fmt: skip


@pytest.mark.parametrize("name", DOCUMENTS)
def test_every_document_passes_its_format_checks(name: str, tmp_path: Path) -> None:
    """RFC 4287 schema (Atom), the RSS profile checks, the JSON Feed schema; exactly one
    self link in each, and feedparser reads the links back."""
    doc = DOCUMENTS[name]
    stem = doc.meta.urls["atom"].rsplit("/", 1)[1].removesuffix(".atom")
    files = {}
    for fmt, render in (("atom", render_atom), ("rss", render_rss), ("json", render_json)):
        files[fmt] = tmp_path / f"{stem}{SUFFIXES[fmt]}"
        files[fmt].write_bytes(render(doc))
    assert feed_problems(files["atom"]) == []
    assert rss_problems(files["rss"]) == []
    assert json_feed_problems(files["json"]) == []
    for fmt in ("atom", "rss"):
        parsed: Any = feedparser.parse(files[fmt].read_bytes())
        assert not parsed.bozo
        selfs = [link.href for link in parsed.feed.links if link.rel == "self"]
        assert selfs == [doc.meta.urls[fmt]]
        hubs = [link.href for link in parsed.feed.links if link.rel == "hub"]
        assert hubs == ([] if name in ("middle", "first") else list(HUBS))
        if name == "subscription":
            (older,) = [link.href for link in parsed.feed.links if link.rel == "prev-archive"]
            assert older == page(3)[fmt]


def test_the_feed_page_links_the_other_script() -> None:
    root = html.fromstring(render_feed_page(SUBSCRIPTION))
    (head_link,) = root.findall(".//head/link[@hreflang]")
    assert (head_link.get("rel"), head_link.get("href")) == ("alternate", "rfi-cn.zh-hant.html")
    assert head_link.get("hreflang") == "zh-Hant"
    (visible,) = root.findall(".//p[@class='scripts']/a")
    assert (visible.text, visible.get("href"), visible.get("lang")) == (
        "繁體中文",
        "rfi-cn.zh-hant.html",
        "zh-Hant",
    )
    back = replace(SUBSCRIPTION, meta=replace(HANT, alternates=(replace(META, alternates=()),)))
    (visible,) = html.fromstring(render_feed_page(back)).findall(".//p[@class='scripts']/a")
    assert (visible.text, visible.get("href")) == ("简体中文", "rfi-cn.html")


def test_a_feed_without_alternates_has_no_script_links() -> None:
    page_html = render_feed_page(replace(PLAIN, meta=replace(META, alternates=())))
    assert b"hreflang" not in page_html
    assert b'class="scripts"' not in page_html
