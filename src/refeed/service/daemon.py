"""`refeed run`: the scheduled watcher. Its job is the same pass as `refeed build`.

APScheduler runs the pass on an interval or a cron expression, one at a time
(`max_instances=1`), coalescing missed runs, with a misfire grace time. A failed pass is logged
and the next one runs. SIGTERM/SIGINT set a stop flag: the running pass stops between two
files, commits what it did (its feeds are rendered by the next start), and the process exits 0.
Each pass is recorded for `/healthz` (health.py) and `/metrics` (metrics.py).
"""

from __future__ import annotations

import logging
import math
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from refeed.config import COMBINED_NAME, Config, RunSettings
from refeed.output.render import release_converters
from refeed.pipeline import PassReport, run_pass
from refeed.service.health import PassHealth
from refeed.service.metrics import Metrics
from refeed.service.watch import SeedWatcher
from refeed.service.websub import deliver_pings, topic_urls
from refeed.state.store import Store, open_store

log = logging.getLogger("refeed")
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Daemon:
    """The watcher for one Config; `start()` begins passes, `stop()` ends them cleanly."""

    config: Config
    clock: Clock = utc_now
    full_first: bool = False

    def __post_init__(self) -> None:
        self.stopping = threading.Event()
        self.passes = 0
        self.store: Store | None = None  # kept open across passes: its seed index stays warm
        self.watcher: SeedWatcher | None = None
        if self.config.run.watch:
            self.watcher = SeedWatcher(self.config.paths.seeds)
        self.settling: set[str] = set()  # files a pass found too fresh: look again next time
        self.last_full_scan = -math.inf
        self.health = PassHealth(health_max_age(self.config.run))  # what /healthz answers
        self.metrics = Metrics()  # what /metrics answers
        self.entries_counted = False
        self.scheduler = BackgroundScheduler(timezone=UTC)
        run = self.config.run
        self.scheduler.add_job(
            self.run_once,
            make_trigger(run.cron, run.interval_seconds),
            id="pass",
            max_instances=1,
            coalesce=True,
            misfire_grace_time=run.misfire_grace_seconds,
            next_run_time=utc_now(),  # the first pass runs at once
        )

    def start(self) -> None:
        if self.watcher is not None and not self.watcher.start():
            self.watcher = None
        self.scheduler.start()

    def stop(self) -> None:
        """Ask the running pass to stop, and wait for it."""
        self.stopping.set()
        if self.scheduler.running:
            self.scheduler.shutdown(wait=True)
        if self.watcher is not None:
            self.watcher.stop()
        if self.store is not None:
            self.store.close()
            self.store = None

    def run_once(self) -> None:
        """One pass; never raises, so that one failure never stops the daemon."""
        if self.stopping.is_set():
            return
        cfg = self.config
        started = time.monotonic()
        only = self._changed_since_last_pass(started)
        try:
            if self.store is None:
                self.store = open_store(cfg.paths.state)
            report = run_pass(
                cfg.paths.seeds, cfg.paths.out, cfg, self.store, self.clock(),
                settle=timedelta(seconds=cfg.run.settle_seconds),
                full=self.full_first and self.passes == 0, stop=self.stopping, only=only,
            )  # fmt: skip
            if only is None:
                self.last_full_scan = started
            self.settling = set(report.pending_names)
            for rejection in report.rejected:
                log.warning("rejected %s: %s", cfg.paths.seeds / rejection.seed, rejection.reason)
            for merge in report.merged:  # each once: the store records what was reported
                log.info("%s", merge.describe())
            log.info("%s", report.log_line())
            topics = topic_urls(cfg.base_url, report.written)  # pings follow the feeds...
            budget = 0.0 if self.stopping.is_set() else None  # ...but a stop never waits
            pings = deliver_pings(self.store, cfg.websub, topics, self.clock(), budget=budget)
            if pings.active:
                log.info("%s", pings.log_line())
            self._record(report)
        except Exception:
            log.exception("pass failed; the next one runs as scheduled")
            self.health.record(ok=False)
            self.metrics.record_failure(time.monotonic() - started)
            self.last_full_scan = -math.inf  # what this pass was told is lost: scan it all
            if self.store is not None:  # start the next pass from a fresh connection
                self.store.close()
                self.store = None
        finally:
            self.passes += 1
            release_converters()  # the daemon waits for the next pass without them

    def _record(self, report: PassReport) -> None:
        """Health and metrics after a pass. Entries per feed are counted only when the feeds
        changed, so an idle pass stays a stat loop."""
        assert self.store is not None
        entries = None
        if report.written or report.deleted or not self.entries_counted:
            entries = feed_entries(self.store, self.config)
            self.entries_counted = True
        self.metrics.record_pass(report, entries)
        if not report.stopped:
            self.health.record(ok=True, pending=report.pending)

    def _changed_since_last_pass(self, now: float) -> set[str] | None:
        """The names to look at, or None for a scan of every file (first pass, watcher
        unavailable or unsure, or the safety-net full scan is due)."""
        changed = self.watcher.take() if self.watcher is not None else None
        if changed is None or now - self.last_full_scan >= self.config.run.full_scan_seconds:
            return None
        return changed | self.settling


def feed_entries(store: Store, config: Config) -> dict[str, int]:
    """Entries each feed publishes (by feed name), as the state stands."""
    stats = store.source_stats()
    entries = {s.source: min(s.entries, config.max_entries) for s in stats}
    if stats:
        entries[COMBINED_NAME] = min(sum(s.entries for s in stats), config.max_entries)
    return entries


def health_max_age(run: RunSettings) -> float:
    """How old the last pass may be before /healthz says 503: the configured age, else the
    time of three passes (at least a minute, so one slow pass is not an outage)."""
    if run.health_max_age_seconds > 0:
        return run.health_max_age_seconds
    return max(60.0, 3.0 * cache_seconds(run.cron, run.interval_seconds))


def make_trigger(cron: str | None, interval_seconds: float) -> BaseTrigger:
    if cron:
        return CronTrigger.from_crontab(cron, timezone=UTC)
    return IntervalTrigger(seconds=interval_seconds, timezone=UTC)


def cache_seconds(cron: str | None, interval_seconds: float) -> int:
    """How long a reader may cache a feed: the time between two passes."""
    if not cron:
        return max(1, round(interval_seconds))
    trigger = make_trigger(cron, interval_seconds)
    first = trigger.get_next_fire_time(None, utc_now())
    second = trigger.get_next_fire_time(first, first + timedelta(seconds=1)) if first else None
    return max(1, round((second - first).total_seconds())) if first and second else 60


def stop_on_signals(stop: threading.Event | None = None) -> threading.Event:
    """An event that SIGTERM and SIGINT set, instead of killing the process: whoever waits on
    it finishes cleanly and exits 0. (uvicorn re-raises the signals it caught into these.)"""
    event = stop or threading.Event()

    def on_signal(signum: int, frame: Any) -> None:
        event.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, on_signal)
    return event


def run_daemon(config: Config, *, serve: bool, full_first: bool = False) -> None:
    """Run until SIGTERM/SIGINT: scheduled passes, and the HTTP server unless `serve` is off."""
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    daemon = Daemon(config, full_first=full_first)
    stop_on_signals(daemon.stopping)
    daemon.start()
    try:
        if serve:
            from refeed.service.serve import serve as serve_http

            run = config.run
            max_age = cache_seconds(run.cron, run.interval_seconds)
            serve_http(
                config.paths.out, run.host, run.port, max_age, daemon.stopping,
                base_url=config.base_url, health=daemon.health, metrics=daemon.metrics,
                hubs=config.websub.hubs,
            )  # fmt: skip
        else:
            while not daemon.stopping.wait(3600):
                pass
    finally:
        log.info("stopping: waiting for the running pass")
        daemon.stop()
        log.info("stopped")
