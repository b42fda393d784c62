"""What the daemon and its server did, in the Prometheus text format (prometheus-client).

Every Metrics object has a registry of its own, not the library's global one, so two apps in
one process (the tests run many) never count into each other. The daemon records a pass from
its PassReport; the server records each request. Label values are bounded: feeds are named by
the files refeed wrote, every other path is counted as "other".
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import choose_encoder

if TYPE_CHECKING:  # `refeed serve` records no passes and need not import the pipeline
    from refeed.pipeline import PassReport

# Passes range from an idle millisecond to a first build of a large archive.
PASS_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600)
OTHER = "other"


class Metrics:
    """The counters, gauges and histogram of one refeed process."""

    def __init__(self, *, runs_passes: bool = True) -> None:
        """`runs_passes` False (`refeed serve`): only the HTTP metrics are exported."""
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.passes = Counter(
            "refeed_passes", "Passes run, by result (ok, failed, stopped).", ["result"], registry=r
        )
        self.pass_seconds = Histogram(
            "refeed_pass_duration_seconds", "How long a pass took.", buckets=PASS_BUCKETS,
            registry=r,
        )  # fmt: skip
        self.files_seen = Counter(
            "refeed_seed_files_seen", "Seed files looked at, summed over passes.", registry=r
        )
        self.files = Counter(
            "refeed_seed_files",
            "Seed files a pass found new, changed, removed, renamed or rejected.",
            ["change"],
            registry=r,
        )
        self.pending = Gauge(
            "refeed_seed_files_pending", "Files the last pass left for later.", registry=r
        )
        self.files_written = Counter(
            "refeed_feed_files_written", "Feed files whose bytes changed.", registry=r
        )
        self.feeds_removed = Counter(
            "refeed_feed_files_removed", "Feed files removed (their source is empty).", registry=r
        )
        self.entries = Gauge(
            "refeed_feed_entries", "Entries each feed publishes.", ["feed"], registry=r
        )
        self.last_success = Gauge(
            "refeed_last_success_timestamp_seconds",
            "When the last successful pass finished (Unix time).",
            registry=r,
        )
        self.requests = Counter(
            "refeed_http_requests",
            'HTTP requests by feed file and status; code="304" are the conditional hits.',
            ["feed", "code"],
            registry=r,
        )
        # WebSub (the aggregators issue): pings sent and failed per hub go here, e.g.
        # Counter("refeed_websub_pings", "...", ["hub", "result"], registry=r).
        self._feeds: set[str] = set()
        if not runs_passes:
            for collector in (self.passes, self.pass_seconds, self.files_seen, self.files,
                              self.pending, self.files_written, self.feeds_removed, self.entries,
                              self.last_success):  # fmt: skip
                r.unregister(collector)
        # every label present from the start (rate() needs the zero), bound once: a pass
        # records in microseconds
        self._passes = {
            result: self.passes.labels(result) for result in ("ok", "failed", "stopped")
        }
        self._files = {
            c: self.files.labels(c) for c in ("new", "changed", "removed", "renamed", "rejected")
        }

    def record_pass(
        self, report: PassReport, feed_entries: Mapping[str, int] | None = None
    ) -> None:
        """A pass that finished; `feed_entries` when the pass changed the feeds."""
        self._passes["stopped" if report.stopped else "ok"].inc()
        self.pass_seconds.observe(report.seconds)
        self.files_seen.inc(report.seen)
        for change, count in (
            ("new", report.new),
            ("changed", report.changed),
            ("removed", report.removed),
            ("renamed", report.renamed),
            ("rejected", len(report.rejected)),
        ):
            if count:
                self._files[change].inc(count)
        self.pending.set(report.pending)
        if report.written:
            self.files_written.inc(len(report.written))
        if report.deleted:
            self.feeds_removed.inc(len(report.deleted))
        if feed_entries is not None:
            for gone in self._feeds - set(feed_entries):
                self.entries.remove(gone)
            for feed, count in feed_entries.items():
                self.entries.labels(feed).set(count)
            self._feeds = set(feed_entries)
        if not report.stopped:
            self.last_success.set(time.time())

    def record_failure(self, seconds: float) -> None:
        self._passes["failed"].inc()
        self.pass_seconds.observe(seconds)

    def record_request(self, feed: str | None, code: int) -> None:
        """One answered request; `feed` is the file served, None for anything else."""
        self.requests.labels(feed or OTHER, str(code)).inc()

    def exposition(self, accept: str) -> tuple[bytes, str]:
        """The metrics as the scraper asked for them (Accept header), and their media type."""
        encode, media_type = choose_encoder(accept)
        return encode(self.registry), media_type
