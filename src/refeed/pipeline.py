"""The only module that knows the order of the stages:

seed files -> ParsedArticle -> CleanArticle -> StoredEntry (merged, assigned a source) -> feeds.

A bad seed file costs only itself: it is recorded as a Rejection with its reason and every
other file is published.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from refeed.clean import clean_article
from refeed.config import COMBINED_NAME, Config
from refeed.errors import SeedError
from refeed.models import CleanArticle, FeedInfo, Rejection, SeedFile, StoredEntry
from refeed.publish import write_if_changed
from refeed.render import render_feed
from refeed.seeds import find_seed_files, parse_seed, read_seed
from refeed.sources import FEED_SUFFIX, SourceResolver

log = logging.getLogger(__name__)


@dataclass
class BuildReport:
    """What a build did, for the summary line and the exit code."""

    files_read: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    duplicates: int = 0
    published: dict[str, int] = field(default_factory=dict)  # feed file -> entries in it
    written: list[str] = field(default_factory=list)  # feed files whose bytes changed


def build(seeds_dir: Path, out_dir: Path, config: Config, now: datetime) -> BuildReport:
    """Read every seed file in `seeds_dir` and write the feeds into `out_dir`."""
    report = BuildReport()
    articles: list[CleanArticle] = []
    for seed in find_seed_files(seeds_dir):
        report.files_read += 1
        try:
            articles.append(ingest(seed, config, now))
        except SeedError as exc:
            report.rejected.append(Rejection(exc.seed, exc.reason))
    resolver = SourceResolver(config)
    entries, report.duplicates = merge(articles, resolver)
    for name, data in render_all(entries, resolver, config.max_entries):
        filename = name + FEED_SUFFIX
        report.published[filename] = data[1]
        if write_if_changed(out_dir / filename, data[0]):
            report.written.append(filename)
    return report


def ingest(seed: SeedFile, config: Config, now: datetime) -> CleanArticle:
    """One seed file through reading, parsing and cleaning; SeedError says why it cannot be."""
    data = read_seed(seed, config.max_seed_bytes)
    parsed = parse_seed(seed.name, data, now, config.max_future)
    try:
        return clean_article(parsed, config.policy)
    except SeedError:
        raise
    except Exception as exc:  # a bug, but one file must not cost the others
        log.exception("unexpected error while cleaning %s", seed.name)
        raise SeedError(
            seed.name,
            f"internal error while cleaning ({type(exc).__name__}: {exc}); "
            "please report it with this file",
        ) from exc


def merge(
    articles: Iterable[CleanArticle], resolver: SourceResolver
) -> tuple[list[StoredEntry], int]:
    """One entry per canonical URL, and how many files were folded into another's entry.

    When several seed files hold the same article URL, the newest timestamp wins (ties: the
    file whose name sorts last) and provides the content; `published` is the earliest time
    the URL was seen, `updated` the winner's time.
    """
    by_url: dict[str, list[CleanArticle]] = defaultdict(list)
    for article in articles:
        by_url[article.url].append(article)
    entries = []
    for url, versions in by_url.items():
        winner = max(versions, key=lambda a: (a.published, a.seed))
        entries.append(
            StoredEntry(
                source=resolver.source_for(url),
                article=winner,
                published=min(a.published for a in versions),
                updated=winner.published,
                categories=tuple(dict.fromkeys(winner.categories + resolver.url_categories(url))),
            )
        )
    return entries, sum(len(v) - 1 for v in by_url.values())


def newest_first(entries: Iterable[StoredEntry], cap: int) -> list[StoredEntry]:
    return sorted(entries, key=lambda e: (e.updated, e.entry_id), reverse=True)[:cap]


def render_all(
    entries: list[StoredEntry], resolver: SourceResolver, cap: int
) -> list[tuple[str, tuple[bytes, int]]]:
    """(feed name, (bytes, entry count)) for every source with entries, then the combined feed."""
    by_source: dict[str, list[StoredEntry]] = defaultdict(list)
    for entry in entries:
        by_source[entry.source].append(entry)
    out = []
    infos: dict[str, tuple[FeedInfo, datetime]] = {}
    for name in sorted(by_source):
        shown = newest_first(by_source[name], cap)
        info = resolver.feed_info(name, sample_url=shown[0].article.url)
        infos[name] = (info, shown[0].updated)
        out.append((name, (render_feed(info, shown), len(shown))))
    if entries:
        shown = newest_first(entries, cap)
        data = render_feed(resolver.combined_info(), shown, sources=infos)
        out.append((COMBINED_NAME, (data, len(shown))))
    return out
