"""Entries -> Atom feed bytes. The only module that imports feedgen.

Rendering is a pure function of its arguments: feedgen stamps "now" into `updated` and its own
name into `generator` unless told otherwise, so both are always set here, and entries are added
in order (`order="append"`) so that the output is byte-identical for the same input.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator
from lxml import etree

from refeed import __version__
from refeed.models import FeedInfo, StoredEntry

GENERATOR = "refeed"
# Text that a reader could take for markup: such a title is sent as type="html", escaped, so
# that it is shown exactly as written (RFC 4287 section 3.1.1.2).
_LOOKS_LIKE_MARKUP = re.compile(r"<[/!?a-zA-Z]|&[#a-zA-Z0-9]+;")


def render_feed(
    info: FeedInfo,
    entries: Sequence[StoredEntry],
    sources: dict[str, tuple[FeedInfo, datetime]] | None = None,
) -> bytes:
    """An Atom feed of `entries` (already ordered and capped) described by `info`.

    With `sources` (source name -> its FeedInfo and updated time), each entry carries an
    atom:source element naming the feed it comes from: that is the combined feed.
    """
    if not entries:
        raise ValueError(f"feed {info.name!r} has no entries: its updated time is undefined")
    fg = FeedGenerator()
    fg.register_extension("refeed", _NoFeedExtension, _EntryExtras, rss=False)
    fg.id(info.feed_id)
    fg.title(info.title)
    if info.subtitle:
        fg.subtitle(info.subtitle)
    fg.link(href=info.self_url, rel="self", type="application/atom+xml")
    fg.link(href=info.homepage, rel="alternate", type="text/html")
    fg.author(name=info.author)
    if info.language:
        fg.language(info.language)
    if info.icon:
        fg.icon(info.icon)
    fg.generator(GENERATOR, version=__version__)
    fg.updated(max(e.updated for e in entries))
    for entry in entries:
        _add_entry(fg, entry, sources)
    data: bytes = fg.atom_str(pretty=True, encoding="UTF-8", xml_declaration=True)
    return data


def _add_entry(
    fg: FeedGenerator, entry: StoredEntry, sources: dict[str, tuple[FeedInfo, datetime]] | None
) -> None:
    a = entry.article
    fe = fg.add_entry(order="append")
    extras: _EntryExtras = fe.refeed
    fe.id(a.entry_id)
    title, extras.title_type = _text_construct(a.title)
    fe.title(title)
    fe.link(href=a.url, rel="alternate", type="text/html")
    fe.published(entry.published)
    fe.updated(entry.updated)
    if a.author:
        fe.author(name=a.author)
    for term in entry.categories:
        fe.category(term=term)
    if a.summary:
        fe.summary(*_text_construct(a.summary))
    fe.content(a.content_html, type="html")
    if sources is not None:
        extras.source = sources[entry.source]


def _text_construct(text: str) -> tuple[str, str]:
    """(value, type) for a plain-text Atom text construct."""
    if _LOOKS_LIKE_MARKUP.search(text):
        return html.escape(text, quote=False), "html"
    return text, "text"


class _NoFeedExtension(BaseExtension):  # type: ignore[misc]
    """feedgen requires a feed-level class for every extension; ours adds nothing there."""


class _EntryExtras(BaseEntryExtension):  # type: ignore[misc]
    """What feedgen cannot write: a title's type, the entry link's rel and type, and a complete
    atom:source (RFC 4287 section 4.2.11)."""

    def __init__(self) -> None:
        self.title_type = "text"
        self.source: tuple[FeedInfo, datetime] | None = None

    def extend_atom(self, entry: Any) -> Any:
        link = entry.find("link")  # feedgen 1.0 drops an entry link's rel and type
        link.set("rel", "alternate")
        link.set("type", "text/html")
        if self.title_type != "text":
            entry.find("title").set("type", self.title_type)
        if self.source is None:
            return entry
        info, updated = self.source
        source = etree.Element("source")
        etree.SubElement(source, "id").text = info.feed_id
        etree.SubElement(source, "title").text = info.title
        etree.SubElement(source, "updated").text = updated.isoformat()
        etree.SubElement(
            source, "link", href=info.self_url, rel="self", type="application/atom+xml"
        )
        etree.SubElement(source, "link", href=info.homepage, rel="alternate", type="text/html")
        author = etree.SubElement(source, "author")
        etree.SubElement(author, "name").text = info.author
        entry.append(source)
        return entry
