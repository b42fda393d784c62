"""The only module that knows the order of the stages. One pass:

1. scan: stat every seed file and compare with the state (an unchanged file costs a stat);
2. ingest what is new or changed: read -> hash -> parse -> clean -> store (in parallel
   processes when there is a lot of it), recognise renames by content hash, drop deleted files;
3. render: re-render only the feeds whose entries changed, from stored, already-sanitized HTML.

`refeed build` is one pass; the daemon runs the same pass on a schedule. A bad seed file costs
only itself: it is stored as rejected, with its reason, and retried when it changes. Files
merged into another's entry (same URL) are reported by the pass that merged them.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sys
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field, fields, is_dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from threading import Event
from typing import Any

from refeed import __version__, faults, libraries
from refeed.config import Config, Paths, RunSettings
from refeed.ingest import CLEANING_REVISION
from refeed.ingest.seeds import compare, scan_folder, stat_named
from refeed.ingest.worker import Job, Outcome, hash_file, ingest_all
from refeed.models import Rejection, SeedFile
from refeed.output import RENDERING_REVISION
from refeed.output.publish import remove_leftovers
from refeed.state.store import ALL_SOURCES, Merge, Store, from_us, to_us

log = logging.getLogger(__name__)

COMMIT_EVERY = 500  # ingested files per transaction in a long pass
LAST_PASS = "last_pass"  # meta key: the facts of the last pass, as JSON (`PassReport.facts`)
LIBRARIES = "libraries"  # meta key: {"stamp": libraries.install_stamp(), "versions": {...}}
PUBLISHED = "published"  # meta key: entries in each feed file as last published, as JSON
Progress = Callable[[int, int], None]


@dataclass
class PassReport:
    """What one pass did: the daemon's log line, the build's summary and exit code."""

    seen: int = 0
    new: int = 0
    changed: int = 0
    removed: int = 0
    renamed: int = 0
    pending: int = 0  # too fresh (still settling) or still being written: next pass
    pending_names: list[str] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)  # rejected in this pass
    merged: list[Merge] = field(default_factory=list)  # merges this pass made or changed
    written: list[str] = field(default_factory=list)  # feed files whose bytes changed
    deleted: list[str] = field(default_factory=list)  # feed files of sources now empty
    seconds: float = 0.0
    stopped: bool = False  # interrupted by a stop request; the next pass completes it

    def log_line(self) -> str:
        return (
            f"pass: {self.seen} files seen, {self.new} new, {self.changed} changed, "
            f"{self.removed} removed, {self.renamed} renamed, {len(self.rejected)} rejected, "
            f"{self.pending} pending, {len(self.written) + len(self.deleted)} files written, "
            f"{self.seconds:.3f}s" + (" (stopped early)" if self.stopped else "")
        )

    def facts(self, when: datetime) -> dict[str, Any]:
        """The pass as JSON-ready data (`refeed status --json`), keys in a fixed order."""
        return {
            "time": when.isoformat(timespec="seconds"),
            "result": "stopped" if self.stopped else "completed",
            "counts": {
                "seen": self.seen,
                "new": self.new,
                "changed": self.changed,
                "removed": self.removed,
                "renamed": self.renamed,
                "rejected": len(self.rejected),
                "pending": self.pending,
                "merged": len(self.merged),
            },
            "files_written": len(self.written) + len(self.deleted),
            "seconds": round(self.seconds, 3),
        }


def run_pass(
    seeds_dir: Path,
    out_dir: Path,
    config: Config,
    store: Store,
    now: datetime,
    *,
    settle: timedelta = timedelta(0),
    full: bool = False,
    progress: Progress | None = None,
    stop: Event | None = None,
    only: Collection[str] | None = None,
) -> PassReport:
    """Bring the state and the feeds in `out_dir` up to date with the files in `seeds_dir`.

    `only`: the names that may have changed since the last pass (from change notifications);
    the other files are taken as unchanged without a stat. None: scan every file.
    """
    started = time.monotonic()
    report = PassReport()
    if _check_fingerprints(store, config, out_dir, full):
        only = None  # everything is to be ingested again
    _update_state(seeds_dir, config, store, now, settle, report, progress, stop, only)
    if not report.stopped:
        faults.reached("rendering", stop)
        remove_leftovers(out_dir)  # of a write that a crash cut short
        _render_dirty(store, config, out_dir, report)
    report.seconds = time.monotonic() - started
    with store.transaction():
        store.set_meta(LAST_PASS, json.dumps(report.facts(now)))
    return report


def _update_state(
    seeds_dir: Path,
    config: Config,
    store: Store,
    now: datetime,
    settle: timedelta,
    report: PassReport,
    progress: Progress | None,
    stop: Event | None,
    only: Collection[str] | None,
) -> None:
    """The state brought up to date with the folder, in one commit. Its own function so that
    what the pass holds per file (a full build's jobs and scan: ~15 MiB at 50,000 files) is
    gone before the output step, whose peak (OpenCC's dictionaries) it would add to."""
    jobs, removed, scan = _scan(seeds_dir, store, now, settle, report, only)
    jobs, renames = _find_renames(jobs, removed, store)
    try:
        for old, seed in renames:
            store.rename_seed(old, seed.name, seed.size, seed.mtime_ns)
            removed.remove(old)
            report.renamed += 1
        for path in removed:
            store.remove_seed(path)
            report.removed += 1
        report.stopped = _ingest(jobs, config, store, now, report, progress, stop)
        report.merged = store.take_new_merges()  # recorded as reported in the same commit
        store.mark_ties()
        if scan is not None:
            seeds = [job.seed for job in jobs] + [seed for _, seed in renames]
            store.record_scan(scan.signature, scan.files, seeds)
        store.db.commit()
    except BaseException:
        store.rollback()
        raise


def last_pass(store: Store) -> dict[str, Any] | None:
    """The facts of the last pass (`PassReport.facts`), or None before the first."""
    value = store.get_meta(LAST_PASS)
    facts: dict[str, Any] | None = None if value is None else json.loads(value)
    return facts


def describe_pass(facts: dict[str, Any]) -> str:
    """One readable line for `refeed status`."""
    counts = ", ".join(f"{n} {what}" for what, n in facts["counts"].items())
    return (
        f"{facts['time']}, {facts['result']} in {facts['seconds']:.3f}s: {counts}; "
        f"{facts['files_written']} files written"
    )


def _check_fingerprints(store: Store, config: Config, out_dir: Path, full: bool) -> bool:
    """Re-ingest everything when what cleaning depends on changed (True), re-render when
    only the looks did."""
    routing = [rule.routing() for rule in config.sources]
    found = _library_versions(store)
    python = list(sys.version_info[:3])  # urllib.parse and html.parser clean URLs and tags too
    zones = libraries.zone_data(tuple(r.timezone for r in config.sources if r.timezone))
    cleaners = [found.get(d) for d in libraries.cleaning(config.policy.engine)]
    ingest = _fingerprint(__version__, CLEANING_REVISION, config.policy, routing,
                          config.max_seed_bytes, config.max_future, cleaners, python,
                          zones)  # fmt: skip
    looks = replace(config, path="", paths=Paths(), run=RunSettings())  # what bytes depend on
    render = _fingerprint(__version__, RENDERING_REVISION, looks, str(out_dir.resolve()),
                          [found.get(d) for d in libraries.RENDER])  # fmt: skip
    reset = full or store.get_meta("ingest") != ingest
    with store.transaction():
        if reset:
            store.reset()
            store.set_meta("ingest", ingest)
        if store.get_meta("render") != render:
            store.mark_dirty([ALL_SOURCES])
            store.set_meta("render", render)
        converter = found.get("opencc", "absent")
        if store.get_meta("converter") != converter:  # the kept conversions are its output
            store.forget_conversions()
            store.set_meta("converter", converter)
    return reset


def recorded_libraries(store: Store) -> dict[str, str]:
    """The library versions the state's passes ran with, as last recorded ({} before any)."""
    return _recorded_libraries(store)[1]


def _recorded_libraries(store: Store) -> tuple[str | None, dict[str, str]]:
    """(install stamp, versions) as last recorded."""
    known = json.loads(store.get_meta(LIBRARIES) or "{}")
    return known.get("stamp"), dict(known.get("versions", {}))


def _library_versions(store: Store) -> dict[str, str]:
    """The libraries' versions as the state last read them, read again (and recorded) only
    when a folder they are installed in moved."""
    stamp = libraries.install_stamp()
    recorded_stamp, recorded = _recorded_libraries(store)
    if recorded_stamp == stamp:
        return recorded
    found = libraries.versions()
    with store.transaction():
        store.set_meta(LIBRARIES, json.dumps({"stamp": stamp, "versions": found}))
    return found


def _fingerprint(*parts: object) -> str:
    return hashlib.sha256(json.dumps(parts, default=_plain, sort_keys=True).encode()).hexdigest()


def _plain(value: Any) -> Any:
    """JSON form of config values, stable across processes (sets sorted, patterns as text)."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: getattr(value, f.name) for f in fields(value) if f.init}
    if isinstance(value, frozenset | set):
        return sorted(value)
    if isinstance(value, timedelta):
        return value.total_seconds()
    return repr(value)


def _scan(
    seeds_dir: Path,
    store: Store,
    now: datetime,
    settle: timedelta,
    report: PassReport,
    only: Collection[str] | None,
) -> tuple[list[Job], list[str], Scanned | None]:
    """Jobs for new and changed files; paths that are gone; the full scan, if one was made.
    Unchanged files cost a stat, or nothing when `only` names the files that may have
    changed; a folder whose signature the state matches is not compared file by file."""
    now_us = to_us(now)
    settled_before_ns = (now_us - settle // timedelta(microseconds=1)) * 1000
    scan = None
    stats: Mapping[str, tuple[int, int]] = {}  # the state's, loaded only to compare with
    missing: list[str] = []
    others: list[tuple[str, int, int]]
    if only is None:
        scan = scan_folder(seeds_dir)
        if store.scan_matches(scan.signature):
            unchanged, others = len(scan.names), []
        else:
            stats = store.seed_stats() if store.counts()[0] else {}  # none kept after a reset
            unchanged, others = compare(scan, stats)
    else:
        stats = store.seed_stats()
        others, missing = stat_named(seeds_dir, sorted(only), stats)
        unchanged = len(stats) - sum(1 for name in missing if name in stats)
        unchanged -= sum(1 for name, _, _ in others if name in stats)
    jobs = []
    known_others = 0
    for name, size, mtime_ns in others:
        if name not in stats:
            row = None
        else:
            row = store.seed_row(name)
            known_others += 1
        if settle and mtime_ns > settled_before_ns:
            report.pending += 1  # still settling: taken by a later pass
            report.pending_names.append(name)
            continue
        before = "unknown" if row is None else "rejected" if row.rejected else "accepted"
        known = row.hash if row else None
        jobs.append(Job(SeedFile(seeds_dir, name, size, mtime_ns), known, before))
    taken = {job.seed.name for job in jobs}
    for name in store.due_retries(now_us):  # a future date whose time has come
        stat = None if name in taken else store.seed_stat(name)
        if stat is not None:
            jobs.append(Job(SeedFile(seeds_dir, name, *stat), None, "rejected"))
    report.seen = unchanged + len(others)
    jobs.sort(key=lambda job: job.seed.name)
    if scan is None:  # `only` was given
        return jobs, sorted(name for name in missing if name in stats), None
    scanned = Scanned(scan.signature, len(scan.names))  # not the lists: a full build has 50k
    if unchanged + known_others == store.counts()[0]:
        return jobs, [], scanned  # every known file is still there: nothing was removed
    return jobs, sorted(store.seed_stats().keys() - set(scan.names)), scanned


@dataclass(frozen=True)
class Scanned:
    """What a full scan leaves for the end of the pass: its signature and how many files."""

    signature: str
    files: int


def _find_renames(
    jobs: list[Job], removed: list[str], store: Store
) -> tuple[list[Job], list[tuple[str, SeedFile]]]:
    """New files whose content is that of a vanished file are renames of it."""
    if not removed:
        return jobs, []
    vanished: dict[str, list[str]] = {}
    for path in removed:
        row = store.seed_row(path)
        if row is not None:
            vanished.setdefault(row.hash, []).append(path)
    keep, renames = [], []
    for job in jobs:
        if job.before == "unknown":
            digest = hash_file(job.seed.path)
            if digest is not None and vanished.get(digest):
                renames.append((vanished[digest].pop(0), job.seed))
                continue
        keep.append(job)
    return keep, renames


def _ingest(
    jobs: list[Job],
    config: Config,
    store: Store,
    now: datetime,
    report: PassReport,
    progress: Progress | None,
    stop: Event | None,
) -> bool:
    """Ingest `jobs` into the store; True if a stop request cut it short."""
    halfway = (len(jobs) + 1) // 2
    for done, outcome in enumerate(ingest_all(jobs, config, now), 1):
        _apply(outcome, store, report)
        if done == halfway:
            faults.reached("ingesting", stop)
        if progress is not None:
            progress(done, len(jobs))
        if done % COMMIT_EVERY == 0:
            store.db.commit()
        if stop is not None and stop.is_set() and done < len(jobs):
            return True
    return False


def _apply(outcome: Outcome, store: Store, report: PassReport) -> None:
    seed, before = outcome.job.seed, outcome.job.before
    if outcome.kind == "unstable":
        report.pending += 1
    elif outcome.kind == "same":
        store.touch_seed(seed.name, seed.size, seed.mtime_ns)
    elif outcome.kind == "rejected":
        store.put_rejection(seed.name, seed.size, seed.mtime_ns, outcome.digest, outcome.reason,
                            outcome.retry_at)  # fmt: skip
        report.rejected.append(Rejection(seed.name, outcome.reason))
    else:
        assert outcome.article is not None
        edited = before == "accepted"  # an edit: published stays, updated is the file's mtime
        mtime = from_us(seed.mtime_ns // 1_000_000_000 * 1_000_000)
        updated = mtime if edited else outcome.article.published
        store.put_article(
            seed.name, seed.size, seed.mtime_ns, outcome.digest, outcome.source, outcome.article,
            outcome.categories, updated, keep_published=edited,
        )  # fmt: skip
        if before == "unknown":
            report.new += 1
        else:
            report.changed += 1


def _render_dirty(store: Store, config: Config, out_dir: Path, report: PassReport) -> None:
    """Publish the feeds that the changed sources touch, in every format (refeed.output)."""
    if not store.dirty_sources():
        return
    from refeed.output.render import publish_dirty  # deferred: an idle pass imports no output

    published = publish_dirty(store, config, out_dir)
    report.written += published.written
    report.deleted += published.deleted
    with store.transaction():
        store.clear_dirty()
        store.set_meta(PUBLISHED, json.dumps(published.counts, sort_keys=True))


def published_counts(store: Store, config: Config) -> dict[str, int]:
    """Entries in each feed file (of the first enabled format) as the last render published
    them: what a build's summary reports, without the output layer (a pass with nothing new
    imports none of it). A state from before the record is counted."""
    value = store.get_meta(PUBLISHED)
    if value is not None:
        counts: dict[str, int] = json.loads(value)
        return counts
    from refeed.output.feeds import feed_counts

    return feed_counts(store, config)
