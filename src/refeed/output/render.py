"""The output step: dirty feeds -> files in every enabled format, plus the site documents.

A feed whose source has no entries left loses its files (only files this state wrote). A
format that is switched off loses its files the next time its feeds are rendered (changing
`[outputs] formats` changes the render fingerprint, which marks every feed dirty).
Renderer modules are imported by the registry only when a feed is rendered in their format.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from refeed.config import Config
from refeed.output.archives import ArchiveWriter
from refeed.output.derived import update_memberships
from refeed.output.feeds import (
    FeedBuilder,
    dirty_feeds,
    feed_counts,
    feed_urls,
    kind_of,
    variants_of,
)
from refeed.output.formats import FEED_FORMATS, FEED_PAGE, SITE_DOCUMENTS, Format
from refeed.output.model import Feed, Site
from refeed.output.publish import remove_if_exists, write_if_changed
from refeed.state.store import Store

if TYPE_CHECKING:
    from refeed.state.conversions import Conversions


@dataclass
class Published:
    written: list[str] = field(default_factory=list)  # files whose bytes changed
    deleted: list[str] = field(default_factory=list)  # files of feeds that are now empty
    counts: dict[str, int] = field(default_factory=dict)  # `feed_counts` once published


def publish_dirty(store: Store, config: Config, out_dir: Path) -> Published:
    """Render and publish every feed the dirty sources touch; the caller clears `dirty`."""
    result = Published()
    everything = store.everything_dirty()
    rules_changed = update_memberships(store, config, everything)
    dirty = set(dirty_feeds(config, store.dirty_sources())) | rules_changed
    names = sorted(n for n in dirty if not _variant_of_one_of(n, dirty))
    if not names:
        result.counts = feed_counts(store, config)
        return result
    builder = FeedBuilder(store, config)
    owned = store.written_feeds()
    enabled = [FEED_FORMATS[name] for name in config.outputs.formats]
    per_feed = [*enabled, FEED_PAGE]
    archives = (
        ArchiveWriter(store, config, out_dir, builder.item) if config.archives.enabled else None
    )
    built: dict[str, tuple[Feed, ...]] = {}  # each rendered feed's versions, for the site
    for name in names:
        kept = _kept(store, config, name, everything)
        versions = _versions(builder.feed(name), config, kept)
        every_version = {name, *_variant_names(config, name)} | _owned_variants(owned, name)
        if archives is not None:
            kind = kind_of(config, name)
            original = archives.publish(
                versions[0] if versions else None, name, builder.windows.get(name, []),
                kind.members(name), kind.carries_source, result.written, versions[1:],
                kept.reading() if kept is not None else None,
            )  # fmt: skip
            variants = [replace(v, history=archives.variant_history(name, v)) for v in versions[1:]]
            versions = (original, *variants) if original is not None else ()
            for gone in every_version - {name} - {v.meta.name for v in variants}:
                archives.drop_variant(gone)
        if kept is not None:
            kept.save()  # after the archive pages, which read what the window left
        built[name] = _for_site(versions)
        published = {v.meta.name: v for v in versions}
        for version in sorted(every_version):
            _write(out_dir, version, published.get(version), per_feed, version in owned, result)
            store.set_written(version, version in published)
    site = _site(builder, config, store, built)
    for filename, fmt in SITE_DOCUMENTS.items():
        if write_if_changed(out_dir / filename, fmt.render_site(site)):
            result.written.append(filename)
    result.counts = feed_counts(store, config)
    return result


def release_converters() -> None:
    """End OpenCC's processes, if a pass started them, and drop the conversions held in
    memory: a daemon waits for its next pass without either."""
    variants = sys.modules.get("refeed.output.variants")  # not imported: nothing to release
    if variants is not None:
        variants.unload()


def _write(
    out_dir: Path, name: str, feed: Feed | None, formats: list[Format], owned: bool,
    result: Published,
) -> None:  # fmt: skip
    """Feed `name` in every enabled format, or its files removed when it has none left."""
    for fmt in (*FEED_FORMATS.values(), FEED_PAGE):
        path = out_dir / (name + fmt.suffix)
        if feed is not None and fmt in formats:
            if write_if_changed(path, fmt.render_feed(feed)):
                result.written.append(path.name)
        elif owned and remove_if_exists(path):
            result.deleted.append(path.name)


def _versions(feed: Feed | None, config: Config, kept: Conversions | None) -> tuple[Feed, ...]:
    """`feed` and its script variants, linked to each other (nothing: no feed), with the
    conversions the state `kept` for it."""
    if feed is None:
        return ()
    tags = variants_of(config, feed.meta.name)
    if not tags:
        return (feed,)
    from refeed.output.variants import make_variants  # deferred: converting is its business

    return make_variants(
        feed, tags, policy=config.policy, urls_for=lambda name: feed_urls(config, name),
        remembered=kept,
    )  # fmt: skip


def _kept(store: Store, config: Config, name: str, everything: bool) -> Conversions | None:
    """The conversions the state keeps for feed `name`, if it has variants. Those of a feed
    whose variants were switched off go when everything is rendered again (switching them
    off changes the render fingerprint), not on every pass."""
    from refeed.state.conversions import Conversions, forget

    if not variants_of(config, name):
        if everything:
            forget(store, name)
        return None
    return Conversions(store, name)


def _unchanged_versions(builder: FeedBuilder, config: Config, name: str) -> tuple[Feed, ...]:
    kept = _kept(builder.store, config, name, everything=False)
    versions = _versions(builder.feed(name), config, kept)
    if kept is not None:
        kept.save()
    return _for_site(versions)


def _for_site(versions: tuple[Feed, ...]) -> tuple[Feed, ...]:
    """What the site documents need of a feed: all but its items beyond the newest. Held
    for every feed until the pass's last document, whole windows of article HTML were a
    full build's largest allocation after OpenCC's dictionaries (7 feeds x 100 articles)."""
    return tuple(replace(v, items=v.items[:1]) for v in versions)


def _variant_of_one_of(name: str, names: set[str]) -> bool:
    """Whether `name` is a script variant of one of `names`: it is rendered with its original
    (a full rebuild marks every feed the state wrote, variants included, as dirty; taken as a
    feed of its own, a variant has no entries, and its files would be deleted)."""
    from refeed.output.variants import VARIANTS  # the one place variant names are made

    return any(
        name.endswith(v.suffix) and name[: -len(v.suffix)] in names for v in VARIANTS.values()
    )


def _owned_variants(owned: set[str], name: str) -> set[str]:
    """Variants of `name` this state wrote: when one is switched off, its files go."""
    return {n for n in owned if n.startswith(name + ".zh-")}


def _variant_names(config: Config, name: str) -> list[str]:
    from refeed.output.variants import variant_name

    return [variant_name(name, tag) for tag in variants_of(config, name)]


def _site(
    builder: FeedBuilder, config: Config, store: Store, built: dict[str, tuple[Feed, ...]]
) -> Site:
    """Every feed for index.html and index.opml; those rendered this pass are not built again
    (a variant's conversion included)."""
    names = dirty_feeds(config, set(store.sources()))
    feeds = [
        v
        for name in names
        for v in (built[name] if name in built else _unchanged_versions(builder, config, name))
    ]
    order = {"combined": 0, "source": 1, "derived": 2}
    feeds.sort(key=lambda f: (order.get(f.meta.kind, 3), f.meta.name))
    return Site(
        base_url=config.base_url,
        title=config.combined.title,
        description=config.combined.subtitle,
        feeds=tuple(feeds),
        formats=tuple(config.outputs.formats),
    )
