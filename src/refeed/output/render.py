"""The output step: dirty feeds -> files in every enabled format, plus the site documents.

A feed whose source has no entries left loses its files (only files this state wrote). A
format that is switched off loses its files the next time its feeds are rendered (changing
`[outputs] formats` changes the render fingerprint, which marks every feed dirty).
Renderer modules are imported by the registry only when a feed is rendered in their format.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from refeed.config import Config
from refeed.output.archives import ArchiveWriter
from refeed.output.feeds import FeedBuilder, dirty_feeds, kind_of
from refeed.output.formats import FEED_FORMATS, FEED_PAGE, SITE_DOCUMENTS
from refeed.output.model import Site
from refeed.output.publish import remove_if_exists, write_if_changed
from refeed.state.store import Store


@dataclass
class Published:
    written: list[str] = field(default_factory=list)  # files whose bytes changed
    deleted: list[str] = field(default_factory=list)  # files of feeds that are now empty


def publish_dirty(store: Store, config: Config, out_dir: Path) -> Published:
    """Render and publish every feed the dirty sources touch; the caller clears `dirty`."""
    result = Published()
    names = dirty_feeds(store.dirty_sources())
    if not names:
        return result
    builder = FeedBuilder(store, config)
    owned = store.written_feeds()
    enabled = [FEED_FORMATS[name] for name in config.outputs.formats]
    per_feed = [*enabled, FEED_PAGE]
    archives = (
        ArchiveWriter(store, config, out_dir, builder.item) if config.archives.enabled else None
    )
    for name in names:
        feed = builder.feed(name)
        if archives is not None:
            kind = kind_of(name)
            feed = archives.publish(
                feed, name, builder.windows.get(name, []), kind.members(name),
                kind.carries_source, result.written,
            )  # fmt: skip
        for fmt in (*FEED_FORMATS.values(), FEED_PAGE):
            path = out_dir / (name + fmt.suffix)
            if feed is not None and fmt in per_feed:
                if write_if_changed(path, fmt.render_feed(feed)):
                    result.written.append(path.name)
            elif name in owned and remove_if_exists(path):
                result.deleted.append(path.name)
        store.set_written(name, feed is not None)
    site = _site(builder, config, store)
    for filename, fmt in SITE_DOCUMENTS.items():
        if write_if_changed(out_dir / filename, fmt.render_site(site)):
            result.written.append(filename)
    return result


def _site(builder: FeedBuilder, config: Config, store: Store) -> Site:
    names = dirty_feeds(set(store.sources()))
    feeds = [f for f in map(builder.feed, names) if f is not None]
    feeds.sort(key=lambda f: (f.meta.kind != "combined", f.meta.name))
    return Site(
        base_url=config.base_url,
        title=config.combined.title,
        description=config.combined.subtitle,
        feeds=tuple(feeds),
        formats=tuple(config.outputs.formats),
    )
