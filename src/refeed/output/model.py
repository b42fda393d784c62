"""The format-neutral feed model: what every renderer (Atom, RSS, JSON Feed, HTML, OPML) is given.

stored entries -> Feed (this module's types) -> bytes in each format

A Feed is built from stored entries and the config by `refeed.output.feeds`; renderers are pure
functions of it, so two builds from the same seeds give byte-identical files in every format.
Nothing here imports a library. Every datetime is timezone-aware UTC; every URL is absolute and
has passed refeed's own URL check.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from refeed.models import Media  # defined with the article it comes from; part of this model

__all__ = ["Feed", "FeedMeta", "Item", "Media", "Site"]


@dataclass(frozen=True, slots=True)
class FeedMeta:
    """What a feed says about itself, in every format.

    `urls` maps a format name ("atom", "rss", "json", "html") to the absolute URL where this
    feed is published in that format; the "atom" URL is what `feed_id` derives from.
    """

    name: str  # file stem: "rfi-cn", "all"
    kind: str  # "source" | "combined" | "derived" (a variant keeps its original's kind)
    feed_id: str  # urn:uuid:..., stable: derived from the Atom URL as in refeed 0.1
    title: str
    homepage: str  # the site the feed is about (rel="alternate")
    author: str
    urls: Mapping[str, str]
    subtitle: str | None = None
    language: str | None = None  # BCP 47
    icon: str | None = None
    hubs: tuple[str, ...] = ()  # WebSub hubs (rel="hub"), for subscription documents
    # The same feed in the other Chinese script (rel="alternate" hreflang=language); each
    # one's own `alternates` is empty. `variant_of` names the feed a variant converts.
    alternates: tuple[FeedMeta, ...] = ()
    variant_of: str | None = None

    def url(self, format_name: str) -> str:
        return self.urls[format_name]


@dataclass(frozen=True, slots=True)
class Item:
    """One entry of a feed. The same article has the same `entry_id` in every feed and format.

    `source` is set in feeds that merge several sources (the combined feed): the feed the item
    comes from, and that feed's own updated time when it was rendered.
    """

    entry_id: str  # urn:uuid:...
    url: str  # the article's canonical URL
    title: str  # plain text
    summary: str  # plain text, may be empty
    content_html: str  # sanitized HTML
    published: datetime
    updated: datetime
    authors: tuple[str, ...] = ()  # names; in a combined feed never empty (byline or source's)
    categories: tuple[str, ...] = ()
    image: Media | None = None  # the lead image
    enclosures: tuple[Media, ...] = ()  # audio/video the page links directly
    source: FeedMeta | None = None
    source_updated: datetime | None = None


@dataclass(frozen=True, slots=True)
class History:
    """Where a document sits in its feed's complete history (RFC 5005 archived feeds).

    Each link maps a format name to the URL of that document in the same format.
    """

    archive: bool = False  # an archive page (fh:archive), not the subscription document
    complete: bool = False  # the subscription document holds every entry (fh:complete)
    current: Mapping[str, str] | None = None  # on archive pages: the subscription document
    prev_archive: Mapping[str, str] | None = None  # the next older archive page
    next_archive: Mapping[str, str] | None = None  # the next newer archive page


@dataclass(frozen=True, slots=True)
class Feed:
    """A feed as published: its description and its newest items (newest first, capped).

    `updated` is the newest item's updated time, never the build's; `total` counts every
    entry the feed has, beyond the cap (what a page says of it).
    """

    meta: FeedMeta
    items: tuple[Item, ...]
    updated: datetime
    total: int
    history: History | None = None  # None: archives are off, no RFC 5005 markup at all


@dataclass(frozen=True, slots=True)
class Site:
    """Everything published, for the documents about all feeds (index.html, index.opml)."""

    base_url: str
    title: str
    description: str | None
    feeds: tuple[Feed, ...] = field(default=())  # combined feed first, then by name
    # (the output step gives each feed its newest item only: the documents show no more)
    formats: tuple[str, ...] = ("atom", "rss", "json")  # feed formats enabled, in this order
