"""Feed -> RSS 2.0 bytes, following the RSS Advisory Board's Best Practices Profile.

Written with lxml directly rather than feedgen: feedgen's RSS writes content:encoded only when
a description is set, takes whatever self link was set last, and formats dates with
`strftime`, which follows the process locale (a daemon under LANG=fr_FR would write "ven.,
14 juil."). Here every element is placed on purpose and dates come from
`email.utils.format_datetime`, which names days and months in English whatever the locale.

- guid: the entry id, isPermaLink="false" (the same id the Atom and JSON feeds carry);
- description: the plain-text summary, HTML-escaped, because readers render description as
  HTML and a summary saying "<video>" must be shown, not parsed; content:encoded: the full HTML;
- dc:creator for authors (RSS <author> must be an e-mail address, which refeed never has);
  every item names one, its byline else the feed's author: RSS has no inheritance;
- exactly one <enclosure> per item (the profile's rule; `length="0"` when unknown): the first
  audio/video file, else the lead image, and only one whose type is known;
- lastBuildDate: the newest entry's time, never the build's;
- "&" and "<" are written as hexadecimal character references (the profile's rule).
"""

from __future__ import annotations

import html
from datetime import datetime
from email.utils import format_datetime

from lxml import etree

from refeed import __version__
from refeed.output.links import (
    FH_NS,
    alternate_links,
    history_links,
    history_marks,
    subscription_hubs,
)
from refeed.output.mediarss import MRSS_NS, add_media, media_of
from refeed.output.model import Feed, Item

MEDIA_TYPE = "application/rss+xml"
ATOM_NS = "http://www.w3.org/2005/Atom"
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
DC_NS = "http://purl.org/dc/elements/1.1/"
ATOM_LINK = f"{{{ATOM_NS}}}link"
NSMAP = {"atom": ATOM_NS, "content": CONTENT_NS, "dc": DC_NS, "media": MRSS_NS}
DOCS = "https://www.rssboard.org/rss-specification"
_IMAGE_SUFFIXES = (".gif", ".jpg", ".jpeg", ".png")  # what RSS allows for a channel image


def render_rss(feed: Feed) -> bytes:
    meta = feed.meta
    with_media = any(item.image or item.enclosures for item in feed.items)
    nsmap = NSMAP if with_media else {k: v for k, v in NSMAP.items() if k != "media"}
    marks = history_marks(feed.history)
    if marks:
        nsmap = nsmap | {"fh": FH_NS}
    rss = etree.Element("rss", version="2.0", nsmap=nsmap)
    channel = _sub(rss, "channel")
    _sub(channel, "title", meta.title)
    _sub(channel, "link", meta.homepage)
    _sub(channel, "description", meta.subtitle or meta.title)
    _sub(channel, f"{{{ATOM_NS}}}link", href=meta.url("rss"), rel="self", type=MEDIA_TYPE)
    # RFC 5005 appendix B: the same history as Atom, as atom:link and fh: in the channel.
    for href, lang in alternate_links(meta, "rss"):
        lang_attr = {"hreflang": lang} if lang else {}
        _sub(channel, ATOM_LINK, href=href, rel="alternate", type=MEDIA_TYPE, **lang_attr)
    for rel, href in history_links(feed.history, "rss"):
        _sub(channel, ATOM_LINK, href=href, rel=rel, type=MEDIA_TYPE)
    for hub in subscription_hubs(feed):
        _sub(channel, ATOM_LINK, href=hub, rel="hub")
    for mark in marks:
        _sub(channel, f"{{{FH_NS}}}{mark}")
    if meta.language:
        _sub(channel, "language", meta.language)
    _sub(channel, "lastBuildDate", rfc822(feed.updated))
    _sub(channel, "generator", f"refeed {__version__}")
    _sub(channel, "docs", DOCS)
    if meta.icon and meta.icon.lower().endswith(_IMAGE_SUFFIXES):
        image = _sub(channel, "image")
        _sub(image, "url", meta.icon)
        _sub(image, "title", meta.title)
        _sub(image, "link", meta.homepage)
    for item in feed.items:
        _add_item(channel, item, (meta.author,))
    data: bytes = etree.tostring(rss, pretty_print=True, encoding="UTF-8", xml_declaration=True)
    # The profile's rule for plain text: "&" and "<" as hexadecimal character references, which
    # tell a reader the text is not entity-encoded HTML. lxml writes every "&" and "<" of
    # text and attribute values as &amp; and &lt;, so replacing those two everywhere changes
    # the bytes only: every element still decodes to exactly the same text.
    return data.replace(b"&amp;", b"&#x26;").replace(b"&lt;", b"&#x3C;")


def _add_item(channel: etree._Element, item: Item, feed_authors: tuple[str, ...]) -> None:
    el = _sub(channel, "item")
    _sub(el, "title", item.title)
    _sub(el, "link", item.url)
    _sub(el, "guid", item.entry_id, isPermaLink="false")
    _sub(el, "pubDate", rfc822(item.published))
    if item.summary:
        _sub(el, "description", html.escape(item.summary, quote=False))
    _sub(el, f"{{{CONTENT_NS}}}encoded", item.content_html)
    for name in item.authors or feed_authors:
        _sub(el, f"{{{DC_NS}}}creator", name)
    for term in item.categories:
        _sub(el, "category", term)
    media = media_of(item)
    typed = [m for m in media if m.type is not None]
    if typed:
        length = str(typed[0].length or 0)
        _sub(el, "enclosure", url=typed[0].url, length=length, type=typed[0].type or "")
    add_media(etree.SubElement, el, media)
    if item.source is not None:
        _sub(el, "source", item.source.title, url=item.source.url("rss"))


def rfc822(when: datetime) -> str:
    """RFC 822 (as RFC 2822/5322 profile it) in English whatever the locale: 'Fri, 14 Jul
    2023 02:37:02 GMT'."""
    return format_datetime(when, usegmt=True)


def _sub(
    parent: etree._Element, tag: str, text: str | None = None, **attrib: str
) -> etree._Element:
    el = etree.SubElement(parent, tag, attrib)
    if text is not None:
        el.text = text
    return el
