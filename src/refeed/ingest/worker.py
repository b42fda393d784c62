"""One seed file through read -> hash -> parse -> clean -> source, in this process or, for
a large pass, in worker processes. Outcomes come back in job order; the pipeline stores them.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from refeed.config import Config
from refeed.errors import SeedError
from refeed.ingest.seeds import parse_seed, read_seed
from refeed.models import CleanArticle, SeedFile

log = logging.getLogger(__name__)

PARALLEL_MIN = 200  # files to ingest before worker processes pay for their start-up


@dataclass(frozen=True, slots=True)
class Job:
    seed: SeedFile
    known_hash: str | None  # skip parsing when the content hashes to this
    before: str  # what the state held for the file: "unknown", "accepted" or "rejected"


@dataclass(frozen=True, slots=True)
class Outcome:
    job: Job
    kind: str  # "same" | "article" | "rejected" | "unstable"
    digest: str = ""
    article: CleanArticle | None = None
    source: str = ""
    categories: tuple[str, ...] = ()
    reason: str = ""
    retry_at: datetime | None = None


def content_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _mtime_ns(path: Path) -> int | None:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return None


def hash_file(path: Path) -> str | None:
    try:
        return content_hash(path.read_bytes())
    except OSError:
        return None


def ingest_all(jobs: list[Job], config: Config, now: datetime) -> Iterator[Outcome]:
    """An Outcome for each job, in order."""
    if not jobs:
        return  # nothing to clean: do not even import the cleaner
    workers = config.run.jobs or os.cpu_count() or 1
    if len(jobs) < PARALLEL_MIN or workers < 2:
        ingestor = _Ingestor(config, now)
        yield from map(ingestor, jobs)
        return
    import multiprocessing  # deferred: a small pass never needs it

    # spawn, not fork: the daemon has threads, and forking a threaded process can deadlock
    context = multiprocessing.get_context("spawn")
    with context.Pool(workers, _init_worker, (config, now)) as pool:
        yield from pool.imap(_work, jobs, chunksize=8)


class _Ingestor:
    """read -> hash -> parse -> clean -> assign a source, for one seed file."""

    def __init__(self, config: Config, now: datetime) -> None:
        # deferred: a pass with nothing new skips them (and uuid, which routing needs)
        from refeed.ingest.clean import clean_article
        from refeed.ingest.sources import SourceResolver

        self.config, self.now, self.clean = config, now, clean_article
        self.resolver = SourceResolver(config)

    def __call__(self, job: Job) -> Outcome:
        seed, config = job.seed, self.config
        try:
            data = read_seed(seed, config.max_seed_bytes)
        except SeedError as exc:
            return Outcome(job, "rejected", digest="", reason=exc.reason)
        if len(data) != seed.size or _mtime_ns(seed.path) != seed.mtime_ns:
            return Outcome(job, "unstable")  # still being written: the next pass takes it
        digest = content_hash(data)
        if digest == job.known_hash:
            return Outcome(job, "same", digest)
        try:
            parsed = parse_seed(seed.name, data, self.now, config.max_future)
            article = self._clean(parsed)
        except SeedError as exc:
            return Outcome(job, "rejected", digest, reason=exc.reason, retry_at=exc.retry_at)
        source = self.resolver.source_for(article.url)
        categories = tuple(
            dict.fromkeys(article.categories + self.resolver.url_categories(article.url))
        )
        return Outcome(job, "article", digest, article, source, categories)

    def _clean(self, parsed: Any) -> CleanArticle:
        try:
            zone = self.resolver.zone_for(parsed.url)
            article: CleanArticle = self.clean(parsed, self.config.policy, zone)
        except SeedError:
            raise
        except Exception as exc:  # a bug, but one file must not cost the others
            log.exception("unexpected error while cleaning %s", parsed.seed)
            raise SeedError(
                parsed.seed,
                f"internal error while cleaning ({type(exc).__name__}: {exc}); please report it",
            ) from exc
        return article


_WORKER: _Ingestor | None = None


def _init_worker(config: Config, now: datetime) -> None:
    global _WORKER
    _WORKER = _Ingestor(config, now)


def _work(job: Job) -> Outcome:
    assert _WORKER is not None
    return _WORKER(job)
