"""RFC 5005 archived feeds: the complete history behind each capped subscription feed.

The subscription document (`<feed>.atom`, ...) stays capped at `max_entries` and links its
newest archive page with `prev-archive`; archive pages (`archive/<feed>/<n>.<format>`,
numbered from the oldest) carry `fh:archive`, `current`, `prev-archive` (except page 1) and
`next-archive` (except the newest). Walking `prev-archive` from the subscription document
reaches every entry the feed ever had, once. A feed whose whole history fits in the
subscription document says `fh:complete` instead. Which entry sits on which page is the
archive index's business (state/history.py); this module turns pages into Feeds.

A page that must never change must not carry anything that moves with later passes: on
archive pages an item's atom:source `updated` is the item's own `updated` (its source feed
was updated at least then), not the source feed's current time, which moves with every new
article and would rewrite every page of the combined feed's archive on every pass.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urljoin

from refeed.config import Config
from refeed.models import StoredEntry
from refeed.output.formats import FEED_FORMATS
from refeed.output.model import Feed, History, Item
from refeed.output.publish import remove_if_exists, write_if_changed
from refeed.state.history import ArchiveIndex, Membership
from refeed.state.store import Store, from_us

if TYPE_CHECKING:
    from refeed.output.variants import Remembered

ARCHIVE_FOLDER = "archive"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def page_path(feed_name: str, page: int, suffix: str) -> str:
    """The file of archive page `page` of feed `feed_name`, relative to the feeds folder."""
    return f"{ARCHIVE_FOLDER}/{feed_name}/{page}{suffix}"


def page_urls(base_url: str, feed_name: str, page: int, suffixes: dict[str, str]) -> dict[str, str]:
    """Format name -> URL of archive page `page` in that format."""
    return {
        name: urljoin(base_url, page_path(feed_name, page, suffix))
        for name, suffix in suffixes.items()
    }


def subscription_history(
    base_url: str, feed: Feed, page_count: int, suffixes: dict[str, str]
) -> History:
    """The subscription document's place: complete, or the newest archive page behind it."""
    if page_count == 0:
        return History(complete=True)
    return History(prev_archive=page_urls(base_url, feed.meta.name, page_count, suffixes))


def archive_page(
    subscription: Feed,
    page: int,
    page_count: int,
    index: ArchiveIndex,
    make_item: Callable[[StoredEntry], Item | None],
    base_url: str,
    suffixes: dict[str, str],
) -> Feed:
    """Archive page `page` of the feed whose subscription document is `subscription`."""
    meta = subscription.meta
    name = meta.name
    items = tuple(_stable(make_item, index.page_entries(name, page)))
    if items:
        updated = max(i.updated for i in items)
    else:  # the empty newest page, just after a page filled: as old as what precedes it
        newest = index.newest_before(name, page)
        updated = _EPOCH if newest is None else from_us(newest)
    return as_page(Feed(meta, items, updated, len(items)), page, page_count, base_url, suffixes)


def as_page(
    subscription: Feed, page: int, page_count: int, base_url: str, suffixes: dict[str, str]
) -> Feed:
    """`subscription` (a feed holding page `page`'s items) as that archive page: its own
    URLs and its links along the history. A script variant's pages are made the same way."""
    meta, name = subscription.meta, subscription.meta.name
    history = History(
        archive=True,
        current={f: meta.urls[f] for f in suffixes},
        prev_archive=page_urls(base_url, name, page - 1, suffixes) if page > 1 else None,
        next_archive=(page_urls(base_url, name, page + 1, suffixes) if page < page_count else None),
    )
    page_meta = replace(meta, urls=page_urls(base_url, name, page, suffixes), alternates=())
    return replace(subscription, meta=page_meta, history=history)


def _stable(
    make_item: Callable[[StoredEntry], Item | None], entries: Iterable[StoredEntry]
) -> Iterator[Item]:
    for entry in entries:
        item = make_item(entry)
        if item is not None:
            yield item if item.source is None else replace(item, source_updated=item.updated)


class ArchiveWriter:
    """Keeps the archive pages of every rendered feed in step with its entries, in one pass."""

    def __init__(
        self,
        store: Store,
        config: Config,
        out_dir: Path,
        make_item: Callable[[StoredEntry, bool], Item | None],
    ) -> None:
        self.index = ArchiveIndex(store, config.archives.page_size)
        self.out_dir, self.base_url, self.make_item = out_dir, config.base_url, make_item
        self.formats = [FEED_FORMATS[name] for name in config.outputs.formats]
        self.suffixes = {f.name: f.suffix for f in self.formats}
        self.everything = store.everything_dirty()
        self.policy = config.policy
        self.page_counts: dict[str, int] = {}  # of the feeds published this pass

    def publish(
        self,
        feed: Feed | None,
        name: str,
        window: Sequence[StoredEntry],
        members: Membership,
        carries_source: bool,
        written: list[str],
        variants: Sequence[Feed] = (),
        kept: Remembered | None = None,
    ) -> Feed | None:
        """Write the archive pages that changed, and those of the feed's script `variants`
        (their subscription documents, whose names and URLs the pages follow, converted with
        what the state `kept`); `feed` with its place in the history."""
        if feed is None:
            self.index.drop_feed(name)
            self._remove_pages(name)
            return None
        everything = self.everything or not self.index.known(name)
        change = self.index.update(name, window, members, everything)
        count = change.page_count
        pages = range(1, count + 1) if everything else change.pages
        for page in pages:
            doc = archive_page(
                feed, page, count, self.index, lambda e: self.make_item(e, carries_source),
                self.base_url, self.suffixes,
            )  # fmt: skip
            self._write(doc, page, written)
            for variant in variants:
                page_doc = self._variant_page(doc, variant, page, count, kept)
                self._write(page_doc, page, written)
        self.page_counts[name] = count
        return replace(
            feed, history=subscription_history(self.base_url, feed, count, self.suffixes)
        )

    def variant_history(self, original: str, variant: Feed) -> History:
        """A script variant's subscription document: its place in its own archive, whose pages
        are the original's, converted."""
        count = self.page_counts.get(original, 0)
        return subscription_history(self.base_url, variant, count, self.suffixes)

    def drop_variant(self, name: str) -> None:
        """A variant no longer published loses its archive pages."""
        self._remove_pages(name)

    def _variant_page(
        self, doc: Feed, variant: Feed, page: int, count: int, kept: Remembered | None
    ) -> Feed:
        from refeed.output.variants import make_variant  # deferred: converting is its business

        tag = variant.meta.language or ""
        converted = make_variant(
            doc, tag, policy=self.policy, urls_for=lambda _name: dict(variant.meta.urls),
            remembered=kept,  # what the window kept: an entry that just left it is there
        )  # fmt: skip
        return as_page(converted, page, count, self.base_url, self.suffixes)

    def _write(self, doc: Feed, page: int, written: list[str]) -> None:
        for fmt in self.formats:
            relative = page_path(doc.meta.name, page, fmt.suffix)
            if write_if_changed(self.out_dir / relative, fmt.render_feed(doc)):
                written.append(relative)

    def _remove_pages(self, name: str) -> None:
        folder = self.out_dir / ARCHIVE_FOLDER / name
        if folder.is_dir():
            for path in sorted(folder.iterdir()):
                remove_if_exists(path)
            folder.rmdir()
