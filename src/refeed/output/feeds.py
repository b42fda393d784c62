"""Which feeds exist, what each says about itself, and stored entries -> the feed model.

The one place that knows the kinds of feed: one per source, and the combined feed of all
sources. A kind says which feeds a set of changed sources makes dirty, which stored entries
each of its feeds holds, and how it presents itself; adding a kind (derived feeds, language
variants) is one more entry in `KINDS`.

Presentation (title, subtitle, icon, author) is read from the config here, at render time:
changing it re-renders the feeds and never re-cleans an article.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urljoin, urlsplit

from refeed.config import COMBINED_NAME, Config
from refeed.ingest.urls import judge_url
from refeed.models import Media, StoredEntry
from refeed.output.formats import FEED_FORMATS, FEED_PAGE
from refeed.output.model import Feed, FeedMeta, Item
from refeed.state.store import Store

log = logging.getLogger(__name__)


def judged_url(url: str | None) -> str | None:
    """`url` if refeed's URL judge (ingest/urls.py, the one the sanitizer applies inside
    content) lets it be written outside content as it is, else None.

    Every URL a feed carries outside its content (entry links, icons, homepages, media,
    source links) goes through here.
    """
    return url if url and judge_url(url, None) == url else None


def feed_id(atom_url: str) -> str:
    """A feed's id: a name-based UUID of its Atom URL (RFC 4122 section 4.3), as in refeed 0.1:
    the same in every format, so no subscriber sees old entries again when formats are added."""
    return uuid.uuid5(uuid.NAMESPACE_URL, atom_url).urn


def feed_urls(config: Config, name: str) -> dict[str, str]:
    """Where feed `name` is published in each format, its page included."""
    formats = (*FEED_FORMATS.values(), FEED_PAGE)
    return {f.name: urljoin(config.base_url, name + f.suffix) for f in formats}


def source_meta(config: Config, name: str, sample_url: str | None = None) -> FeedMeta:
    """A source feed's description; `sample_url` (one of its articles) describes a source that
    no rule configures (derived from the article's host)."""
    urls = feed_urls(config, name)
    rule = next((r for r in config.sources if r.name == name), None)
    if rule is not None:
        return FeedMeta(
            name=name,
            kind="source",
            feed_id=feed_id(urls["atom"]),
            title=rule.title,
            homepage=judged_url(rule.homepage) or config.base_url,
            author=rule.author or rule.title,
            urls=urls,
            subtitle=rule.subtitle,
            language=rule.language or config.language,
            icon=judged_url(rule.icon),
            hubs=config.websub.hubs,
        )
    parts = urlsplit(sample_url or f"https://{name}/")
    host = parts.hostname or name
    return FeedMeta(
        name=name,
        kind="source",
        feed_id=feed_id(urls["atom"]),
        title=host,
        homepage=judged_url(f"{parts.scheme}://{parts.netloc}/") or config.base_url,
        author=host,
        urls=urls,
        subtitle=f"Articles from {host}",
        language=config.language,
        hubs=config.websub.hubs,
    )


def combined_meta(config: Config, name: str = COMBINED_NAME) -> FeedMeta:
    combined, urls = config.combined, feed_urls(config, name)
    return FeedMeta(
        name=name,
        kind="combined",
        feed_id=feed_id(urls["atom"]),
        title=combined.title,
        homepage=config.base_url,
        author=combined.author,
        urls=urls,
        subtitle=combined.subtitle,
        language=combined.language or config.language,
        icon=judged_url(combined.icon),
        hubs=config.websub.hubs,
    )


def derived_meta(config: Config, name: str) -> FeedMeta:
    """A derived feed's description (`[[feeds]]`): its page on refeed's site is its home."""
    feed = next(f for f in config.feeds if f.name == name)
    urls = feed_urls(config, name)
    return FeedMeta(
        name=name,
        kind="derived",
        feed_id=feed_id(urls["atom"]),
        title=feed.title,
        homepage=urls["html"],
        author=feed.author or config.combined.author,
        urls=urls,
        subtitle=feed.subtitle,
        language=feed.language or config.combined.language or config.language,
        icon=judged_url(feed.icon),
        hubs=config.websub.hubs,
    )


class FeedBuilder:
    """Builds Feeds from the store for one pass; source descriptions are looked up once."""

    def __init__(self, store: Store, config: Config) -> None:
        self.store, self.config = store, config
        self._sources: dict[str, tuple[FeedMeta, datetime]] = {}
        self._totals: dict[str, int] | None = None
        # each feed's subscription window as built this pass (what the archive index needs)
        self.windows: dict[str, list[StoredEntry]] = {}

    def source(self, name: str) -> tuple[FeedMeta, datetime] | None:
        """A source's description and its feed's updated time (None: it has no entries)."""
        if name not in self._sources:
            newest = self.store.newest_entries(name, 1)
            if not newest:
                return None
            meta = source_meta(self.config, name, newest[0].article.url)
            self._sources[name] = (meta, newest[0].updated)
        return self._sources[name]

    def totals(self) -> dict[str, int]:
        """Entries of every source, beyond the cap."""
        if self._totals is None:
            self._totals = {s.source: s.entries for s in self.store.source_stats()}
        return self._totals

    def feed(self, name: str) -> Feed | None:
        """Feed `name` as it stands, or None when it has no entries (its files go)."""
        kind = kind_of(self.config, name)
        entries = kind.entries(self.store, name, self.config.max_entries)
        self.windows[name] = entries
        if not entries:
            return None
        meta = kind.meta(self, name)
        items = tuple(i for i in (self.item(e, kind.carries_source) for e in entries) if i)
        if not items:
            return None
        total = kind.total(self, name)
        return Feed(meta, items, max(i.updated for i in items), total)

    def item(self, entry: StoredEntry, with_source: bool) -> Item | None:
        a = entry.article
        url = judged_url(a.url)
        if url is None:  # cannot happen for a stored article; never written if it does
            log.warning("%s: entry link %r refused by the URL judge", a.seed, a.url)
            return None
        authors: tuple[str, ...] = (a.author,) if a.author else ()
        source = source_updated = None
        if with_source:
            known = self.source(entry.source)
            if known is not None:
                source, source_updated = known
                # Most clients do not inherit an author through atom:source (RFC 4287
                # 4.2.1): in a feed that merges sources, each entry names its own.
                authors = authors or (source.author,)
        return Item(
            entry_id=a.entry_id,
            url=url,
            title=a.title,
            summary=a.summary,
            content_html=a.content_html,
            published=entry.published,
            updated=entry.updated,
            authors=authors,
            categories=entry.categories,
            image=_judged_media(a.image),
            enclosures=tuple(m for m in map(_judged_media, a.enclosures) if m),
            source=source,
            source_updated=source_updated,
        )


def _judged_media(media: Media | None) -> Media | None:
    return media if media is not None and judged_url(media.url) else None


@dataclass(frozen=True, slots=True)
class FeedKind:
    """One kind of feed: its feeds' names, entries and description."""

    name: str
    # the feeds of this kind that a change to `sources` makes dirty
    dirtied_by: Callable[[Config, set[str]], Iterable[str]]
    entries: Callable[[Store, str, int], list[StoredEntry]]
    meta: Callable[[FeedBuilder, str], FeedMeta]
    total: Callable[[FeedBuilder, str], int]  # every entry the feed has, beyond the cap
    carries_source: bool  # items say which source feed they come from (atom:source)
    owns: Callable[[Config, str], bool]  # is `name` a feed of this kind
    # which stored entries belong to feed `name`: an SQL condition on `entries e`
    members: Callable[[str], tuple[str, tuple[object, ...]]]


def _source_meta(builder: FeedBuilder, name: str) -> FeedMeta:
    known = builder.source(name)
    assert known is not None  # only asked for a feed that has entries
    return known[0]


def _derived_dirtied_by(config: Config, sources: set[str]) -> list[str]:
    """Derived feeds drawing on any of `sources` (the combined feed's name stands for none)."""
    changed = sources - {COMBINED_NAME}
    return [f.name for f in config.feeds if changed and (not f.sources or changed & set(f.sources))]


KINDS: tuple[FeedKind, ...] = (
    FeedKind(
        name="combined",
        dirtied_by=lambda _config, sources: [COMBINED_NAME] if sources else [],
        entries=lambda store, _name, cap: store.newest_entries(None, cap),
        meta=lambda builder, name: combined_meta(builder.config, name),
        total=lambda builder, _name: sum(builder.totals().values()),
        carries_source=True,
        owns=lambda _config, name: name == COMBINED_NAME,
        members=lambda _name: ("1 = 1", ()),
    ),
    FeedKind(
        name="derived",
        dirtied_by=_derived_dirtied_by,
        entries=lambda store, name, cap: store.member_entries(name, cap),
        meta=lambda builder, name: derived_meta(builder.config, name),
        total=lambda builder, name: builder.store.member_count(name),
        carries_source=True,
        owns=lambda config, name: any(f.name == name for f in config.feeds),
        members=lambda name: (  # probed per entry: an IN list would read every member
            "EXISTS (SELECT 1 FROM members m WHERE m.feed = ? AND m.url = e.url)",
            (name,),
        ),
    ),
    FeedKind(
        name="source",
        dirtied_by=lambda _config, sources: sources - {COMBINED_NAME},
        entries=lambda store, name, cap: store.newest_entries(name, cap),
        meta=_source_meta,
        total=lambda builder, name: builder.totals().get(name, 0),
        carries_source=False,
        owns=lambda _config, _name: True,  # the last kind: every other name is a source
        members=lambda name: ("e.source = ?", (name,)),
    ),
)


def variants_of(config: Config, name: str) -> tuple[str, ...]:
    """The script variants configured for feed `name` (`variants = [...]`)."""
    if name == COMBINED_NAME:
        return config.combined.variants
    for table in (config.feeds, config.sources):
        for feed in table:
            if feed.name == name:
                return feed.variants
    return ()


def kind_of(config: Config, name: str) -> FeedKind:
    return next(k for k in KINDS if k.owns(config, name))


def dirty_feeds(config: Config, sources: set[str]) -> list[str]:
    """The feeds to render again when the entries of `sources` changed, in name order."""
    return sorted({name for kind in KINDS for name in kind.dirtied_by(config, sources)})


def feed_counts(store: Store, config: Config) -> dict[str, int]:
    """Entries in each feed file of the first enabled format, as the state stands (for the
    build's summary and `refeed status`)."""
    suffix = FEED_FORMATS[config.outputs.formats[0]].suffix
    builder = FeedBuilder(store, config)
    names = dirty_feeds(config, set(builder.totals()))
    counts = {n: min(kind_of(config, n).total(builder, n), config.max_entries) for n in names}
    return {n + suffix: c for n, c in counts.items() if c}
