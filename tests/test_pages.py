"""index.html and <feed>.html: what a person reads, what a reader discovers, nothing that runs."""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from refeed.output.formats import FEED_FORMATS
from refeed.output.model import Feed, Item, Media, Site
from refeed.output.pages import render_feed_page, render_index
from refeed.output.webtext import plain_text

from .conftest import DATA, VALID_SEEDS
from .pagecheck import (
    alternates,
    anchors,
    elements,
    parse_page,
    text_of,
    unsafe_constructs,
    visible_text,
)
from .sites import ALL, BASE, RFI, RFI_ITEMS, at, meta, seed_site, small_site

GOLDEN_PAGES = DATA / "golden_pages"
HOSTILE_TITLE = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'


def site_documents(site: Site) -> dict[str, bytes]:
    pages = {f"{feed.meta.name}.html": render_feed_page(feed) for feed in site.feeds}
    return {"index.html": render_index(site), **pages}


def test_golden_pages(update_golden: bool) -> None:
    documents = site_documents(small_site())
    if update_golden:
        GOLDEN_PAGES.mkdir(exist_ok=True)
        for name, data in documents.items():
            (GOLDEN_PAGES / name).write_bytes(data)
    golden = {p.name for p in GOLDEN_PAGES.glob("*.html")}
    assert golden == set(documents)
    for name, data in documents.items():
        assert data == (GOLDEN_PAGES / name).read_bytes(), f"{name} differs from its golden file"


@pytest.mark.parametrize("site", [small_site(), seed_site(VALID_SEEDS)], ids=["small", "seeds"])
def test_every_page_parses_without_errors_and_runs_nothing(site: Site) -> None:
    for name, data in site_documents(site).items():
        root = parse_page(data)
        assert unsafe_constructs(root) == [], name
        assert elements(root, "meta")[0].get("charset") == "utf-8"
        viewport = [m for m in elements(root, "meta") if m.get("name") == "viewport"]
        assert viewport, name


def test_index_lists_every_feed_with_its_page_and_every_format() -> None:
    site = small_site()
    root = parse_page(render_index(site))
    links = anchors(root)
    text = visible_text(root)
    for feed in site.feeds:
        assert links[f"{feed.meta.name}.html"] == feed.meta.title
        assert feed.meta.subtitle
        assert feed.meta.subtitle in text
        newest = feed.items[0]
        assert links[newest.url] == newest.title
        for name, label in (("atom", "Atom"), ("rss", "RSS"), ("json", "JSON Feed")):
            assert links[feed.meta.urls[name]] == label
    assert "58 entries" in text  # the combined feed's total
    assert "57 entries" in text
    assert "1 entry · newest" in text
    assert "paste it into your feed reader" in text
    assert links["index.opml"] == "index.opml"


def test_index_autodiscovery_names_every_feed_in_every_format() -> None:
    site = small_site()
    root = parse_page(render_index(site))
    expected = [
        {
            "rel": "alternate",
            "type": FEED_FORMATS[name].media_type,
            "title": f"{feed.meta.title} ({label})",
            "href": feed.meta.urls[name],
        }
        for feed in site.feeds
        for name, label in (("atom", "Atom"), ("rss", "RSS"), ("json", "JSON Feed"))
    ]
    assert alternates(root) == expected  # combined feed's Atom first: what readers pick
    outlines = [el.attrib for el in elements(root, "link") if el.get("rel") == "outline"]
    assert outlines == [
        {
            "rel": "outline",
            "type": "text/x-opml",
            "title": f"{site.title} (OPML)",
            "href": BASE + "index.opml",
        }
    ]


def test_only_enabled_formats_are_offered() -> None:
    site = replace(small_site(), formats=("atom",))
    root = parse_page(render_index(site))
    assert {a["type"] for a in alternates(root)} == {"application/atom+xml"}
    assert not [href for href in anchors(root) if href.endswith((".rss", ".json"))]


def test_feed_page_shows_entries_to_skim() -> None:
    feed = Feed(RFI, RFI_ITEMS, at(9, 10), total=57)
    root = parse_page(render_feed_page(feed))
    assert elements(root, "html")[0].get("lang") == "zh-CN"
    assert text_of(elements(root, "h1")[0]) == RFI.title
    links = anchors(root)
    assert links["index.html"] == "← All feeds"
    articles = elements(root, "article")
    assert len(articles) == len(RFI_ITEMS)
    first, second = articles
    assert anchors(first) == {RFI_ITEMS[0].url: RFI_ITEMS[0].title}
    (time,) = elements(first, "time")
    assert time.attrib == {"datetime": "2023-08-09T08:30:00Z"}
    assert text_of(time) == "2023-08-09 08:30 UTC"
    assert RFI_ITEMS[0].summary in text_of(first)
    (img,) = elements(first, "img")
    assert img.attrib == {
        "class": "lead",
        "src": "https://s.rfi.fr/media/display/biden.jpg",
        "alt": "拜登",
        "loading": "lazy",
        "decoding": "async",
        "referrerpolicy": "no-referrer",
    }
    assert "RFI 华语" not in text_of(first)  # a byline that only repeats the feed's author
    assert "安德烈" in text_of(second)
    assert not elements(second, "img")
    assert "The 2 newest of 57 entries." in visible_text(root)
    assert "CONTENT-HTML-NEVER-SHOWN" not in render_feed_page(feed).decode()


def test_feed_page_has_its_own_autodiscovery() -> None:
    feed = Feed(RFI, RFI_ITEMS, at(9, 10), total=2)
    root = parse_page(render_feed_page(feed))
    assert [(a["type"], a["href"]) for a in alternates(root)] == [
        ("application/atom+xml", BASE + "rfi-cn.atom"),
        ("application/rss+xml", BASE + "rfi-cn.rss"),
        ("application/feed+json", BASE + "rfi-cn.json"),
    ]
    only_atom = Feed(meta("rfi-cn", "RFI", formats=("atom", "html")), RFI_ITEMS, at(9), 2)
    assert [a["type"] for a in alternates(parse_page(render_feed_page(only_atom)))] == [
        "application/atom+xml"
    ]


def test_combined_feed_page_names_each_entry_source() -> None:
    combined = small_site().feeds[0]
    root = parse_page(render_feed_page(combined))
    for article, item in zip(elements(root, "article"), combined.items, strict=True):
        assert item.source is not None
        assert anchors(article)[f"{item.source.name}.html"] == item.source.title


def test_page_without_language_says_undetermined() -> None:
    feed = Feed(meta("x", "X", language=None), RFI_ITEMS, at(9), 2)
    assert elements(parse_page(render_feed_page(feed)), "html")[0].get("lang") == "und"


def test_empty_feed_says_so() -> None:
    root = parse_page(render_feed_page(Feed(RFI, (), at(9), 0)))
    assert "No entries yet." in visible_text(root)
    assert "0 entries." in visible_text(root)


def test_stylesheet_is_the_only_one_the_policy_allows() -> None:
    """The CSP hash matches the inline stylesheet exactly, or browsers would drop the style."""
    root = parse_page(render_index(small_site()))
    (style,) = elements(root, "style")
    digest = base64.b64encode(hashlib.sha256((style.text or "").encode()).digest()).decode()
    (csp,) = [m for m in elements(root, "meta") if m.get("http-equiv") == "Content-Security-Policy"]
    policy = csp.get("content", "")
    assert f"style-src 'sha256-{digest}'" in policy
    assert "default-src 'none'" in policy
    assert "script-src" not in policy  # falls back to default-src 'none'


def hostile_item(**changes: object) -> Item:
    item = Item(
        entry_id="urn:uuid:1",
        url="https://example.com/a",
        title=HOSTILE_TITLE,
        summary="</p><script>alert(3)</script>&amp; <b onclick=x>",
        content_html="<script>alert(4)</script>",
        published=at(9),
        updated=at(9),
        authors=('"><svg onload=alert(5)>',),
        image=Media("https://img.example/x.png", "image", alt='" onerror="alert(6)'),
    )
    return replace(item, **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        " javascript:alert(1)",
        "java\tscript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "//evil.example/a",
        "/relative/path",
        "https://exa mple.com/",
        "",
    ],
)
def test_non_web_urls_become_no_link(url: str) -> None:
    """The model promises checked URLs; the pages check again and drop what fails."""
    hostile_meta = replace(RFI, homepage=url, urls={"atom": url, "rss": BASE + "x.rss"})
    item = hostile_item(url=url, image=Media(url, "image"))
    source = replace(ALL, name="all", homepage=url)
    feed = Feed(hostile_meta, (item, replace(item, source=source)), at(9), 2)
    site = Site(BASE, "s", None, (feed,))
    for data in (render_feed_page(feed), render_index(site)):
        root = parse_page(data)
        assert unsafe_constructs(root) == []
        hrefs = [el.get("href") for el in root.iter() if el.get("href") is not None]
        assert url not in hrefs or url == ""
        assert not elements(root, "img")
        assert HOSTILE_TITLE in visible_text(root)  # the title is still shown, unlinked


@pytest.mark.parametrize("name", ["//evil.example/x", "javascript:alert(1)//", 'a b"c'])
def test_feed_names_stay_relative_links(name: str) -> None:
    source = replace(RFI, name=name)
    combined = Feed(ALL, (replace(RFI_ITEMS[0], source=source),), at(9), 1)
    feed = Feed(source, RFI_ITEMS, at(9), 2)
    for data in (render_feed_page(combined), render_index(Site(BASE, "s", None, (feed,)))):
        root = parse_page(data)
        assert unsafe_constructs(root) == []
        assert any(href.endswith(".html") and "%" in href for href in anchors(root))


def test_hostile_text_is_shown_as_text() -> None:
    feed_meta = replace(RFI, title=HOSTILE_TITLE, subtitle=HOSTILE_TITLE)
    feed = Feed(feed_meta, (hostile_item(),), at(9), 1)
    site = Site(BASE, HOSTILE_TITLE, HOSTILE_TITLE, (feed,))
    for data in (render_feed_page(feed), render_index(site)):
        root = parse_page(data)
        assert unsafe_constructs(root) == []
        assert HOSTILE_TITLE in visible_text(root)
        assert text_of(elements(root, "title")[0]) == HOSTILE_TITLE
        assert elements(root, "img") == [] or elements(root, "img")[0].get("alt") == (
            '" onerror="alert(6)'
        )
    page = visible_text(parse_page(render_feed_page(feed)))
    assert "</p><script>alert(3)</script>&amp; <b onclick=x>" in page
    assert '"><svg onload=alert(5)>' in page


def test_unwritable_characters_are_dropped() -> None:
    item = hostile_item(title="a\x00b\x1fc\ufffed\x85e", summary="s\x0bt")
    root = parse_page(render_feed_page(Feed(RFI, (item,), at(9), 1)))
    assert "abcde" in visible_text(root)
    assert "st" in visible_text(root)


# Any text at all where the model has text, and URL-ish strings where it has URLs.
any_text = st.text(st.characters(codec="utf-8"), max_size=40)
url_like = st.one_of(
    any_text,
    st.builds(lambda s: "https://example.com/" + s, any_text),
    st.sampled_from(["javascript:alert(1)", "https://example.com/a?b=1&c=<2>\"'"]),
)


@settings(max_examples=60, deadline=None)
@given(title=any_text, summary=any_text, author=any_text, url=url_like, image=url_like)
def test_any_seed_text_gives_a_valid_page_that_runs_nothing(
    title: str, summary: str, author: str, url: str, image: str
) -> None:
    item = replace(
        hostile_item(),
        title=title,
        summary=summary,
        authors=(author,),
        url=url,
        image=Media(image, "image", alt=title),
    )
    feed_meta = replace(RFI, title=title or "t", subtitle=summary, language=author or None)
    feed = Feed(feed_meta, (item,), at(9), 1)
    for data in (render_feed_page(feed), render_index(Site(BASE, title, summary, (feed,)))):
        root = parse_page(data)
        assert unsafe_constructs(root) == []
        shown = visible_text(root)
        assert " ".join(plain_text(title).split()) in shown


def test_dates_are_utc_whatever_the_input_zone() -> None:
    moment = datetime(2023, 8, 10, 7, 30, tzinfo=timezone(timedelta(hours=8)))
    item = hostile_item(published=moment, updated=moment)
    root = parse_page(render_feed_page(Feed(RFI, (item,), moment, 1)))
    (time,) = elements(root, "time")
    assert time.get("datetime") == "2023-08-09T23:30:00Z"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", text_of(time))
