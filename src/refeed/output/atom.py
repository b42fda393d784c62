"""Feed -> Atom (RFC 4287) bytes. The only module that imports feedgen.

Rendering is a pure function of its arguments: feedgen stamps "now" into `updated` and its own
name into `generator` unless told otherwise, so both are always set here, and entries are added
in order (`order="append"`) so that the output is byte-identical for the same input.
"""

from __future__ import annotations

import html
import re
from datetime import datetime
from typing import Any

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator
from lxml import etree

from refeed import __version__
from refeed.output.links import (
    ALTERNATE_IRI,
    FH_NS,
    alternate_links,
    history_links,
    history_marks,
    subscription_hubs,
)
from refeed.output.mediarss import MRSS_NS, add_media, media_of
from refeed.output.model import Feed, FeedMeta, History, Item, Media

GENERATOR = "refeed"
MEDIA_TYPE = "application/atom+xml"
# Text that a reader could take for markup: such a title is sent as type="html", escaped, so
# that it is shown exactly as written (RFC 4287 section 3.1.1.2).
_LOOKS_LIKE_MARKUP = re.compile(r"<[/!?a-zA-Z]|&[#a-zA-Z0-9]+;")


def render_atom(feed: Feed) -> bytes:
    """The Atom feed of `feed`; items that carry their source get a complete atom:source."""
    meta = feed.meta
    fg = FeedGenerator()
    fg.register_extension("refeed", _FeedExtras, _EntryExtras, rss=False)
    extras: _FeedExtras = fg.refeed
    extras.media = any(item.image or item.enclosures for item in feed.items)
    extras.history = feed.history
    fg.id(meta.feed_id)
    fg.title(meta.title)
    if meta.subtitle:
        fg.subtitle(meta.subtitle)
    # The page first: readers that take the first link of a feed as its website (the npm
    # feed-extractor) would otherwise link it to the feed itself.
    fg.link(href=meta.homepage, rel="alternate", type="text/html")
    extras.alternates = alternate_links(meta, "atom")  # feedgen writes no rel IRI
    fg.link(href=meta.url("atom"), rel="self", type=MEDIA_TYPE)
    for rel, href in history_links(feed.history, "atom"):
        fg.link(href=href, rel=rel, type=MEDIA_TYPE)
    for hub in subscription_hubs(feed):
        fg.link(href=hub, rel="hub")
    fg.author(name=meta.author)
    if meta.language:
        fg.language(meta.language)
    if meta.icon:
        fg.icon(meta.icon)
    fg.generator(GENERATOR, version=__version__)
    fg.updated(feed.updated)
    for item in feed.items:
        _add_entry(fg, item, meta.author)
    data: bytes = fg.atom_str(pretty=True, encoding="UTF-8", xml_declaration=True)
    return data


def _add_entry(fg: FeedGenerator, item: Item, feed_author: str) -> None:
    fe = fg.add_entry(order="append")
    extras: _EntryExtras = fe.refeed
    fe.id(item.entry_id)
    title, extras.title_type = _text_construct(item.title)
    fe.title(title)
    fe.link(href=item.url, rel="alternate", type="text/html")
    fe.published(item.published)
    fe.updated(item.updated)
    # Named in every entry, the feed's author where the article has no byline: RFC 4287
    # lets an entry inherit it, but readers that read an entry's own authors only (newsboat)
    # would show none. RSS, which has no inheritance, names it in every item too.
    for name in item.authors or (feed_author,):
        fe.author(name=name)
    for term in item.categories:
        fe.category(term=term)
    if item.summary:
        fe.summary(*_text_construct(item.summary))
    fe.content(item.content_html, type="html")
    if item.source is not None and item.source_updated is not None:
        extras.source = (item.source, item.source_updated)
    extras.media = media_of(item)


def _text_construct(text: str) -> tuple[str, str]:
    """(value, type) for a plain-text Atom text construct."""
    if _LOOKS_LIKE_MARKUP.search(text):
        return html.escape(text, quote=False), "html"
    return text, "text"


class _FeedExtras(BaseExtension):  # type: ignore[misc]
    """Declares Media RSS on the root of a feed whose entries carry media, and RFC 5005's
    namespace on a document that says fh:archive or fh:complete (written here: feedgen
    knows neither). Nothing is declared that the document does not use. Writes the links to
    the same feed in the other script, whose rel feedgen would refuse (links.ALTERNATE_IRI)."""

    def __init__(self) -> None:
        self.media = False
        self.history: History | None = None
        self.alternates: list[tuple[str, str | None]] = []

    def extend_ns(self) -> dict[str, str]:
        return ({"media": MRSS_NS} if self.media else {}) | (
            {"fh": FH_NS} if history_marks(self.history) else {}
        )

    def extend_atom(self, feed: Any) -> Any:
        if self.alternates:  # the same feed in the other script, after the page
            after = next(el for el in feed.iterchildren("link") if el.get("rel") == "alternate")
            for href, lang in self.alternates:
                link = etree.Element("link", href=href, rel=ALTERNATE_IRI, type=MEDIA_TYPE)
                if lang:
                    link.set("hreflang", lang)
                after.addnext(link)
                after = link
        for name in history_marks(self.history):
            etree.SubElement(feed, f"{{{FH_NS}}}{name}")
        return feed


class _EntryExtras(BaseEntryExtension):  # type: ignore[misc]
    """What feedgen cannot write (right): a title's type, the entry link's rel and type,
    enclosures and Media RSS, and a complete atom:source (RFC 4287 section 4.2.11)."""

    def __init__(self) -> None:
        self.title_type = "text"
        self.source: tuple[FeedMeta, datetime] | None = None
        self.media: tuple[Media, ...] = ()

    def extend_atom(self, entry: Any) -> Any:
        link = entry.find("link")  # feedgen 1.0 drops an entry link's rel and type
        link.set("rel", "alternate")
        link.set("type", "text/html")
        if self.title_type != "text":
            entry.find("title").set("type", self.title_type)
        # Enclosures are written here, not with feedgen's enclosure(): feedgen 1.0 writes
        # each one twice, the second time as a plain link (python-feedgen#135), which the
        # W3C validator reports as DuplicateAtomLink.
        for media in self.media:
            if media.type is not None:
                link = etree.SubElement(entry, "link", rel="enclosure", href=media.url)
                link.set("type", media.type)
                if media.length is not None:
                    link.set("length", str(media.length))
        add_media(etree.SubElement, entry, self.media)
        if self.source is None:
            return entry
        meta, updated = self.source
        source = etree.Element("source")
        etree.SubElement(source, "id").text = meta.feed_id
        etree.SubElement(source, "title").text = meta.title
        etree.SubElement(source, "updated").text = updated.isoformat()
        etree.SubElement(source, "link", href=meta.url("atom"), rel="self", type=MEDIA_TYPE)
        etree.SubElement(source, "link", href=meta.homepage, rel="alternate", type="text/html")
        author = etree.SubElement(source, "author")
        etree.SubElement(author, "name").text = meta.author
        entry.append(source)
        return entry
