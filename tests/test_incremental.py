"""Incremental state: work in proportion to what changed, and the same feeds as a full build."""

from __future__ import annotations

import json
import os
import random
import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from threading import Event

import feedparser
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from refeed import libraries
from refeed.config import Archives, Config, DerivedFeed
from refeed.ingest import CLEANING_REVISION
from refeed.ingest import worker as ingest
from refeed.ingest.seeds import scan_folder
from refeed.models import CleanArticle
from refeed.output import RENDERING_REVISION
from refeed.pipeline import PassReport, run_pass
from refeed.state.schema import SCHEMA_VERSION
from refeed.state.store import Merge, Store, Tallies, open_store, to_us

from .conftest import INVALID_SEEDS, NOW, TEST_CONFIG, VALID_SEEDS, build
from .corpus import BASE_MS, make_corpus, seed_text
from .feedcheck import feed_problems


def assert_shown_times_numbered(store: Store) -> None:
    """In (updated, id) order each entry shows its stored instant, or one microsecond after
    the entry before it if that is later: every shown time distinct, the order kept."""
    previous = None
    rows = store.db.execute("SELECT updated_us, tie FROM entries ORDER BY updated_us, entry_id")
    for updated, tie in rows:
        expected = updated if previous is None else max(updated, previous + 1)
        assert updated + tie == expected
        previous = expected


class Site:
    """A seeds folder, an output folder and a state database, as one refeed install has."""

    def __init__(self, root: Path, config: Config) -> None:
        self.seeds, self.out, self.config = root / "seeds", root / "feeds", config
        self.db = root / "state" / "refeed.sqlite"
        self.seeds.mkdir(parents=True, exist_ok=True)
        self.reported: list[Merge] = []  # the merges the passes reported, in order

    def run(self, now: object = NOW, **kwargs: object) -> PassReport:
        store = open_store(self.db)
        try:
            report = run_pass(self.seeds, self.out, self.config, store, now, **kwargs)  # type: ignore[arg-type]
            self.reported += report.merged
            return report
        finally:
            store.close()

    def merges(self) -> list[Merge]:
        store = open_store(self.db)
        try:
            return store.merges()
        finally:
            store.close()

    def check_state(self) -> None:
        """The tallies equal what counting the tables gives, and every merge in the state was
        reported, with its files and winner, by some pass."""
        store = open_store(self.db)

        def count(sql: str) -> int:
            return int(store.db.execute(sql).fetchone()[0])

        try:
            assert store.tallies() == Tallies(
                count("SELECT COUNT(*) FROM seeds"),
                count("SELECT COUNT(*) FROM seeds WHERE rejected IS NOT NULL"),
                count("SELECT COUNT(*) FROM articles"),
                count("SELECT COUNT(*) FROM entries"),
            )
            by_source = store.db.execute(
                "SELECT source, COUNT(*), MAX(updated_us + tie) FROM entries GROUP BY 1 ORDER BY 1"
            ).fetchall()
            assert [(s.source, s.entries, to_us(s.newest)) for s in store.source_stats()] == [
                tuple(row) for row in by_source
            ]
            assert store.sources() == [row[0] for row in by_source]
            assert_shown_times_numbered(store)
            assert set(store.merges()) <= set(self.reported)
            scan = scan_folder(self.seeds)
            if store.scan_matches(scan.signature):  # trusted by the next pass: it must be true
                assert store.seed_stats() == dict(zip(scan.names, scan.stats, strict=True))
        finally:
            store.close()

    def feeds(self) -> dict[str, bytes]:
        return {p.name: p.read_bytes() for p in sorted(self.out.glob("*.atom"))}

    def entries(self, feed: str = "all.atom") -> list[feedparser.FeedParserDict]:
        return list(feedparser.parse(self.out / feed).entries)


@pytest.fixture
def site(tmp_path: Path, config: Config) -> Site:
    return Site(tmp_path / "site", config)


def full_build_of(folder: Path, tmp_path: Path, config: Config) -> dict[str, bytes]:
    out = tmp_path / "reference"
    build(folder, out, config, full=True)
    return {p.name: p.read_bytes() for p in sorted(out.glob("*.atom"))}


def test_unchanged_pass_does_no_work(site: Site) -> None:
    make_corpus(site.seeds, 8)
    first = site.run()
    assert (first.new, first.seen) == (8, 8)
    second = site.run()
    assert second.seen == 8
    assert (second.new, second.changed, second.removed, second.renamed) == (0, 0, 0, 0)
    assert second.written == []


FORMATS = ("atom", "json", "rss")  # every format of a feed is written (or removed) with it


def test_new_file_rewrites_only_its_feeds(site: Site) -> None:
    make_corpus(site.seeds, 8)
    site.run()
    make_corpus(site.seeds, 1, start=100)  # 100 % 4 == 0: an rfi-cn article
    report = site.run()
    assert report.new == 1
    rewritten = [f"{n}.{x}" for n in ("all", "rfi-cn") for x in (*FORMATS, "html")]
    assert sorted(report.written) == sorted([*rewritten, "index.html", "index.opml"])
    assert site.entries()[0].title == "文章 100"


def test_edit_updates_the_entry_and_keeps_published(site: Site) -> None:
    paths = make_corpus(site.seeds, 4)
    site.run()
    before = next(e for e in site.entries() if e.title == "文章 1")
    paths[1].write_text(seed_text(1, title="文章 1（更正）"), encoding="utf-8")
    mtime = 1_800_000_000  # 2027-01-15T08:00:00Z
    os.utime(paths[1], (mtime, mtime))
    report = site.run()
    assert report.changed == 1
    after = next(e for e in site.entries() if e.title == "文章 1（更正）")
    assert after.id == before.id
    assert after.published == before.published
    assert after.updated == "2027-01-15T08:00:00+00:00"


def test_touch_without_change_costs_no_render(site: Site) -> None:
    paths = make_corpus(site.seeds, 4)
    site.run()
    os.utime(paths[0], (1_800_000_000, 1_800_000_000))
    report = site.run()
    assert (report.new, report.changed, report.written) == (0, 0, [])


def test_delete_removes_the_entry_and_an_empty_feed(site: Site) -> None:
    paths = make_corpus(site.seeds, 8)
    site.run()
    paths[2].unlink()  # a dw.com article...
    paths[6].unlink()  # ...and the other one: that source is now empty
    report = site.run()
    assert report.removed == 2
    assert sorted(report.deleted) == sorted(f"dw.com.{x}" for x in (*FORMATS, "html"))
    assert not (site.out / "dw.com.atom").exists()
    assert len(site.entries()) == 6


def test_rename_is_recognised_not_duplicated(site: Site) -> None:
    paths = make_corpus(site.seeds, 4)
    site.run()
    feeds = site.feeds()
    paths[0].rename(site.seeds / "renamed.txt")
    report = site.run()
    assert (report.renamed, report.new, report.removed) == (1, 0, 0)
    assert report.written == []
    assert site.feeds() == feeds


def test_rejected_file_is_retried_only_when_it_changes(site: Site) -> None:
    bad = site.seeds / "bad.txt"
    bad.write_bytes((INVALID_SEEDS / "seconds_timestamp.txt").read_bytes())
    make_corpus(site.seeds, 2)
    assert [r.seed for r in site.run().rejected] == ["bad.txt"]
    assert site.run().rejected == []  # not retried: unchanged
    bad.write_text(seed_text(7), encoding="utf-8")
    report = site.run()
    assert (report.changed, report.rejected) == (1, [])  # a known file, now accepted
    assert len(site.entries()) == 3


def test_future_file_is_published_once_its_time_comes(site: Site) -> None:
    (site.seeds / "early.txt").write_text(
        "<!--1800000000000-->\n[Tomorrow](https://www.example.org/t)\n------\n\n<p>x</p>\n"
    )
    assert len(site.run(NOW).rejected) == 1
    later = site.run(NOW + timedelta(days=400))
    assert (later.changed, later.rejected) == (1, [])
    assert site.entries()[0].published == "2027-01-15T08:00:00+00:00"


def test_stopped_pass_is_completed_by_the_next(site: Site, tmp_path: Path) -> None:
    make_corpus(site.seeds, 30)
    stop = Event()
    stop.set()
    first = site.run(stop=stop)
    assert first.stopped
    assert not site.out.exists()  # nothing rendered from a half-done pass
    site.run()
    assert site.feeds() == full_build_of(site.seeds, tmp_path, site.config)


def test_edits_a_stopped_pass_left_are_taken_by_the_next(site: Site) -> None:
    """A pass stopped after one of 30 edits leaves the others for the next pass: the folder
    it scanned is not what the state holds, though no file was added or removed."""
    paths = make_corpus(site.seeds, 30)
    site.run()
    for i, path in enumerate(paths):
        path.write_text(seed_text(i, title=f"改 {i}"), encoding="utf-8")
    stop = Event()
    stop.set()
    first = site.run(stop=stop)
    assert (first.stopped, first.changed) == (True, 1)
    second = site.run()
    assert second.changed == 29
    site.check_state()
    assert {e.title for e in site.entries()} == {f"改 {i}" for i in range(30)}


@pytest.mark.parametrize("history", range(6))
def test_any_history_of_adds_deletes_renames_equals_a_full_build(
    history: int, site: Site, tmp_path: Path
) -> None:
    rng = random.Random(history)
    pool = make_corpus(tmp_path / "pool", 24)
    present: list[Path] = []
    for step in range(12):
        action = rng.choice(["add", "add", "delete", "rename"])
        if action == "add" or not present:
            source = rng.choice(pool)
            target = site.seeds / f"{step:02d}-{source.name}"
            target.write_bytes(source.read_bytes())
            present.append(target)
        elif action == "delete":
            present.pop(rng.randrange(len(present))).unlink()
        else:
            old = present.pop(rng.randrange(len(present)))
            new = old.with_name(f"r{step:02d}-{old.name}")
            old.rename(new)
            present.append(new)
        if rng.random() < 0.6:
            site.run()
            site.check_state()
    site.run()
    site.check_state()
    assert site.feeds() == full_build_of(site.seeds, tmp_path, site.config)
    assert all(feed_problems(site.out / name) == [] for name in site.feeds())


def test_parallel_full_build_equals_serial(
    tmp_path: Path, config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    seeds = tmp_path / "seeds"
    count = ingest.PARALLEL_MIN + 10
    make_corpus(seeds, count)
    parallel = build(seeds, tmp_path / "parallel", config, full=True)
    monkeypatch.setattr(ingest, "PARALLEL_MIN", 10**9)
    serial = build(seeds, tmp_path / "serial", config, full=True)
    assert parallel.new == serial.new == count
    serial_files = sorted(p for p in (tmp_path / "serial").rglob("*") if p.is_file())
    assert any("archive" in p.parts for p in serial_files)  # archive pages are compared too
    for path in serial_files:
        twin = tmp_path / "parallel" / path.relative_to(tmp_path / "serial")
        assert twin.read_bytes() == path.read_bytes(), path


def test_where_files_are_and_how_the_daemon_runs_render_nothing_again(site: Site) -> None:
    """The same feeds from another working folder, config path or schedule: a cron job with
    another cwd must not cost a render of every feed (a minute at 50,000 files)."""
    make_corpus(site.seeds, 4)
    site.run()

    def fingerprint() -> str | None:
        store = open_store(site.db)
        try:
            return store.get_meta("render")
        finally:
            store.close()

    before = fingerprint()
    site.config = replace(
        site.config,
        path="../elsewhere/refeed.toml",
        paths=replace(site.config.paths, seeds=Path("../seeds"), state=Path("x.sqlite")),
        run=replace(site.config.run, port=9999, interval_seconds=5),
    )
    site.run()
    assert fingerprint() == before
    site.config = replace(site.config, max_entries=3)
    site.run()
    assert fingerprint() != before


def test_config_change_rerenders_and_policy_change_reingests(site: Site) -> None:
    make_corpus(site.seeds, 4)
    site.run()
    site.config = replace(site.config, max_entries=2)
    report = site.run()
    assert report.new == 0
    assert len(site.entries()) == 2
    site.config = replace(site.config, policy=site.config.policy.with_overrides(deny_tags=["img"]))
    report = site.run()
    assert report.new == 4
    assert "<img" not in site.entries()[0].content[0].value


def test_settling_file_waits_for_a_later_pass(site: Site) -> None:
    path = make_corpus(site.seeds, 1)[0]
    mtime = NOW.timestamp()
    os.utime(path, (mtime, mtime))
    report = site.run(NOW + timedelta(seconds=1), settle=timedelta(seconds=2))
    assert (report.pending, report.new) == (1, 0)
    report = site.run(NOW + timedelta(seconds=3), settle=timedelta(seconds=2))
    assert (report.pending, report.new) == (0, 1)


def test_state_from_an_older_version_is_rebuilt(site: Site) -> None:
    make_corpus(site.seeds, 3)
    site.db.parent.mkdir(parents=True)
    db = sqlite3.connect(site.db)
    db.executescript("CREATE TABLE seeds (path TEXT, whatever BLOB); PRAGMA user_version = 0;")
    db.close()
    assert site.run().new == 3
    db = sqlite3.connect(site.db)
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    db.close()


def test_corrupt_state_is_rebuilt(site: Site) -> None:
    make_corpus(site.seeds, 3)
    site.db.parent.mkdir(parents=True)
    site.db.write_bytes(b"this is not a database" * 100)
    assert site.run().new == 3
    assert len(site.entries()) == 3


@pytest.mark.parametrize("history", range(4))
def test_passes_told_what_changed_equal_a_full_build(
    history: int, site: Site, tmp_path: Path
) -> None:
    """A pass given the changed names (as change notifications give them) ends where a full
    build does, renames and deletions included."""
    rng = random.Random(100 + history)
    pool = make_corpus(tmp_path / "pool", 20)
    site.run()
    present: list[Path] = []
    changed: set[str] = set()
    for step in range(14):
        action = rng.choice(["add", "add", "delete", "rename", "edit"])
        if action == "add" or not present:
            target = site.seeds / f"{step:02d}.txt"
            target.write_bytes(rng.choice(pool).read_bytes())
            present.append(target)
            changed.add(target.name)
        elif action == "delete":
            gone = present.pop(rng.randrange(len(present)))
            gone.unlink()
            changed.add(gone.name)
        elif action == "rename":
            old = present.pop(rng.randrange(len(present)))
            new = old.with_name(f"r{step:02d}-{old.name}")
            old.rename(new)
            present.append(new)
            changed |= {old.name, new.name}
        else:
            path = rng.choice(present)
            path.write_text(seed_text(step, title=f"改 {step}"), encoding="utf-8")
            os.utime(path, (1_700_000_000 + step, 1_700_000_000 + step))
            changed.add(path.name)
        if rng.random() < 0.5:
            site.run(only=changed)
            site.check_state()
            changed = set()
    site.run(only=changed)
    site.check_state()
    told = site.feeds()
    site.run()  # a full scan finds nothing the notifications missed
    assert site.feeds() == told


def test_a_change_nobody_reported_waits_for_the_full_scan(site: Site) -> None:
    paths = make_corpus(site.seeds, 3)
    site.run()
    paths[0].unlink()
    assert site.run(only=set()).removed == 0  # trusted: nothing was reported
    assert site.run().removed == 1  # the full scan repairs it


def test_a_folder_as_the_state_knows_it_is_not_compared_file_by_file(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full scan whose folder signature the state recorded loads nothing per file."""
    paths = make_corpus(site.seeds, 6)
    assert site.run().new == 6
    site.check_state()

    def refused(store: Store) -> None:
        raise AssertionError("the stored stats were loaded")

    with monkeypatch.context() as patch:
        patch.setattr(Store, "seed_stats", refused)
        report = site.run()
    assert (report.seen, report.new, report.changed, report.removed) == (6, 0, 0, 0)
    paths[1].unlink()
    assert site.run().removed == 1  # a changed folder is compared again


def test_any_write_to_the_seeds_table_forgets_the_folder_signature(site: Site) -> None:
    paths = make_corpus(site.seeds, 3)
    site.run()
    store = open_store(site.db)
    try:
        signature = scan_folder(site.seeds).signature
        assert store.scan_matches(signature)
        with store.transaction():
            store.touch_seed(paths[0].name, 1, 1)
        assert not store.scan_matches(signature)
    finally:
        store.close()
    assert site.run().changed == 0  # the file is compared again and found unchanged in content
    site.check_state()


@pytest.mark.parametrize("history", range(6))
def test_changes_a_signature_could_hide_are_all_found(
    history: int, site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Swaps, touches, same-size edits, moves between folders and hidden files, with full
    scans between them: every pass ends where a twin that compares every file ends (the
    same feeds, the same state), whatever the folder signature lets it skip."""
    rng = random.Random(200 + history)
    pool = make_corpus(tmp_path / "pool", 12)
    twin = Site(tmp_path / "twin", site.config)
    twin.seeds = site.seeds  # one folder, two states

    def run_both() -> None:
        ours = site.run()
        with monkeypatch.context() as patch:
            patch.setattr(Store, "scan_matches", lambda store, signature: False)
            theirs = twin.run()
        assert ours.facts(NOW)["counts"] == theirs.facts(NOW)["counts"]
        site.check_state()
        assert site.feeds() == twin.feeds()
        assert _seed_rows(site) == _seed_rows(twin)

    (site.seeds / "sub").mkdir()
    for i in range(4):
        (site.seeds / f"{i}.txt").write_bytes(pool[i].read_bytes())
    run_both()
    for step in range(16):
        present = sorted(site.seeds.rglob("*.txt"))
        action = rng.choice(["swap", "touch", "edit", "move", "hidden", "add", "delete", "none"])
        if action == "swap" and len(present) > 1:
            a, b = rng.sample(present, 2)
            a.rename(tmp_path / "swap")
            b.rename(a)
            (tmp_path / "swap").rename(b)
        elif action == "touch" and present:
            os.utime(rng.choice(present), (1_700_000_000 + step, 1_700_000_000 + step))
        elif action == "edit" and present:
            path = rng.choice(present)
            text = path.read_text(encoding="utf-8")
            path.write_text(text.replace("<p>", "<p>改", 1)[: len(text)], encoding="utf-8")
        elif action == "move" and present:
            path = rng.choice(present)
            folder = site.seeds if path.parent.name == "sub" else site.seeds / "sub"
            path.rename(folder / path.name)
        elif action == "hidden":
            (site.seeds / f".{step}.txt").write_bytes(rng.choice(pool).read_bytes())
        elif action == "delete" and present:
            rng.choice(present).unlink()
        elif action != "none":
            (site.seeds / f"n{step}.txt").write_bytes(rng.choice(pool).read_bytes())
        run_both()


def _seed_rows(site: Site) -> list[tuple[object, ...]]:
    db = sqlite3.connect(site.db)
    try:
        return db.execute("SELECT * FROM seeds ORDER BY path").fetchall()
    finally:
        db.close()


def test_a_pass_with_nothing_new_imports_no_html_library(site: Site) -> None:
    """A one-shot build that finds nothing to do must not pay for bs4, bleach or feedgen, nor
    for what only writing a feed (tempfile) or a test's fault point (signal) needs, nor for
    reading the libraries' versions when no package was installed."""
    import subprocess
    import sys

    make_corpus(site.seeds, 2)
    site.run()
    code = (
        "import sys; from datetime import datetime, UTC; from pathlib import Path\n"
        "from refeed.config import load_config; from refeed.state.store import open_store\n"
        "from refeed.pipeline import run_pass\n"
        f"store = open_store(Path({str(site.db)!r}))\n"
        f"run_pass(Path({str(site.seeds)!r}), Path({str(site.out)!r}), "
        f"load_config(Path({str(TEST_CONFIG)!r})), store, datetime.now(UTC))\n"
        "print(sorted(m for m in ('bs4', 'bleach', 'feedgen', 'multiprocessing.pool', "
        "'tempfile', 'signal', 'importlib.metadata') if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_merges_are_reported_once_by_the_pass_that_makes_them(site: Site) -> None:
    """Files with the same canonical URL are one entry; the pass that merges them says which
    files, which one won and the URL, and no later pass says it again."""
    older, newer = (VALID_SEEDS / "dup_a_older.txt"), (VALID_SEEDS / "dup_b_newer.txt")
    url = "https://www.rfi.fr/cn/%E4%BA%9A%E6%B4%B2/20231114-same-article"
    (site.seeds / "a.txt").write_bytes(older.read_bytes())
    make_corpus(site.seeds, 3)
    assert site.run().merged == []
    (site.seeds / "b.txt").write_bytes(newer.read_bytes())
    assert site.run().merged == [Merge(url, ("a.txt", "b.txt"), "b.txt")]
    assert site.run().merged == []  # reported once
    assert site.merges() == [Merge(url, ("a.txt", "b.txt"), "b.txt")]  # and kept
    newest = newer.read_bytes().replace(b"1700000400000", b"1700000500000")
    (site.seeds / "a.txt").write_bytes(newest)
    assert site.run().merged == [Merge(url, ("a.txt", "b.txt"), "a.txt")]  # a new winner
    (site.seeds / "b.txt").rename(site.seeds / "c.txt")
    assert site.run().merged == [Merge(url, ("a.txt", "c.txt"), "a.txt")]  # a file renamed
    (site.seeds / "c.txt").unlink()
    assert site.run().merged == []  # no merge left
    assert site.merges() == []
    site.check_state()


def test_a_merge_committed_before_a_crash_is_reported_by_the_next_pass(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A long pass commits every COMMIT_EVERY files; a crash after such a commit must not
    lose the report of a merge that the commit holds."""
    from refeed import pipeline

    (site.seeds / "a.txt").write_bytes((VALID_SEEDS / "dup_a_older.txt").read_bytes())
    (site.seeds / "b.txt").write_bytes((VALID_SEEDS / "dup_b_newer.txt").read_bytes())
    make_corpus(site.seeds / "z", 3)  # sorted after a.txt and b.txt
    monkeypatch.setattr(pipeline, "COMMIT_EVERY", 2)

    def crash(done: int, total: int) -> None:
        if done == 3:  # a.txt and b.txt are committed, z/000000.txt is not
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        site.run(progress=crash)
    report = site.run()
    assert report.new == 3  # the three files after the commit
    url = "https://www.rfi.fr/cn/%E4%BA%9A%E6%B4%B2/20231114-same-article"
    assert report.merged == [Merge(url, ("a.txt", "b.txt"), "b.txt")]
    site.check_state()


def _same_instant_history(site: Site, history: int) -> None:
    """Adds and deletes, in a random order, of files that share three instants (across
    sources, some in the derived feed), a pass after each few."""
    rng = random.Random(history)
    pool = []
    for i in range(14):
        text = seed_text(i, title=f"同刻 {i}" if i % 3 else None)
        stamp = f"<!--{BASE_MS + (i % 3) * 1000}-->"
        pool.append((f"{i:02d}.txt", text.replace(f"<!--{BASE_MS + i * 60_000}-->", stamp)))
    present: list[str] = []
    for _step in range(10):
        for _ in range(rng.randint(1, 3)):
            missing = [p for p in pool if p[0] not in present]
            if present and (not missing or rng.random() < 0.35):
                (site.seeds / present.pop(rng.randrange(len(present)))).unlink()
            else:
                name, text = rng.choice(missing)
                (site.seeds / name).write_text(text, encoding="utf-8")
                present.append(name)
        site.run()
        site.check_state()


@pytest.mark.parametrize("history", range(3))
def test_entries_published_in_the_same_millisecond_keep_distinct_updated_times(
    history: int, tmp_path: Path, config: Config
) -> None:
    """Seeds often share a timestamp (a site that gives seconds, a batch import). Each entry's
    atom:updated is still its own (the W3C validator warns on a repeat), the same in every
    document and whatever the order the files came in: when a file joins or leaves a group
    that shares an instant, the others' documents are written again."""
    derived = DerivedFeed(name="china-us", title="中美关系", include_title=("同刻",),
                          variants=("zh-Hant",))  # fmt: skip
    plain = replace(config, max_entries=5, feeds=(derived,), archives=Archives(enabled=False))
    site = Site(tmp_path / "plain", plain)
    _same_instant_history(site, history)
    build(site.seeds, tmp_path / "reference", plain, full=True)
    files = {p.name: p.read_bytes() for p in site.out.iterdir()}
    assert files == {p.name: p.read_bytes() for p in (tmp_path / "reference").iterdir()}

    # archive pages keep the order entries came in, and a full page is final, so they are
    # not a full build's; each still gives every entry its own updated time
    archived = Site(tmp_path / "archived", replace(plain, archives=Archives(page_size=3)))
    _same_instant_history(archived, history)
    atoms = [*site.out.rglob("*.atom"), *archived.out.rglob("*.atom")]
    assert len([p for p in atoms if "archive" in p.parts]) >= 2
    assert {str(p): feed_problems(p) for p in atoms} == {str(p): [] for p in atoms}
    updated: dict[str, str] = {}
    for path in site.out.glob("*.atom"):
        for entry in feedparser.parse(path).entries:
            assert updated.setdefault(entry.id, entry.updated) == entry.updated, path
    assert len(updated) > 3  # more entries than the three instants: some shared one


def test_ties_a_pass_left_unmarked_are_marked_by_the_next(
    tmp_path: Path, config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The instants a pass recorded but did not mark (it died after a commit) are the next
    pass's, even a pass with nothing new: the other source's feed is written again."""
    texts = [
        seed_text(i).replace(f"<!--{BASE_MS + i * 60_000}-->", f"<!--{BASE_MS}-->") for i in (0, 1)
    ]  # fmt: skip  (rfi-cn and nytimes-cn, one instant)
    stale = []
    for first in (0, 1):  # the later file has the larger id, or moves the other's time
        site = Site(tmp_path / f"site{first}", config)
        (site.seeds / "a.txt").write_text(texts[first], encoding="utf-8")
        site.run()
        with monkeypatch.context() as patch:
            patch.setattr(Store, "mark_ties", lambda self: None)
            (site.seeds / "b.txt").write_text(texts[1 - first], encoding="utf-8")
            site.run()
        reference = full_build_of(site.seeds, tmp_path / f"ref{first}", config)
        stale.append(site.feeds() != reference)
        assert site.run().new == 0
        assert site.feeds() == reference
    assert stale == [True, True]


@settings(max_examples=150, deadline=None)
@given(
    ops=st.lists(
        st.tuples(st.integers(0, 11), st.sampled_from([0, 1, 2, 3, 5]), st.booleans()),
        min_size=1,
        max_size=40,
    ),
    per_pass=st.integers(1, 5),
)
# An entry pushed by three at one instant; one of them leaves, another moves to the next
# microsecond and is written with tie 0 there, and must not end the walk that un-pushes it.
@example(
    ops=[(0, 0, False)] * 9
    + [(1, 0, False), (2, 2, False), (3, 0, False), (0, 0, True), (1, 0, False), (3, 1, False)],
    per_pass=3,
)
def test_shown_times_stay_distinct_when_an_instant_holds_more_entries_than_it_has_room_for(
    ops: list[tuple[int, int, bool]], per_pass: int, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """A millisecond has room for a thousand distinct microseconds. Instants one microsecond
    apart stand in for a millisecond holding more entries than that: the times pushed past
    an instant push the entries after it on. After each pass's numbering every shown time is
    distinct and in order, and each entry whose shown time moved is marked changed (its
    documents are written again)."""
    store = open_store(tmp_path_factory.mktemp("ties") / "refeed.sqlite")
    base = datetime(2023, 8, 9, 14, 15, 1, tzinfo=UTC)
    shown_before: dict[str, int] = {}
    try:
        for start in range(0, len(ops), per_pass):
            for slot, offset, remove in ops[start : start + per_pass]:
                path = f"{slot:02d}.txt"
                if remove:
                    store.remove_seed(path)
                    continue
                when = base + timedelta(microseconds=offset)
                # ids in another order than the files: the numbering follows the ids
                url, entry_id = f"https://www.rfi.fr/cn/{slot}", f"urn:x:{(slot * 7) % 12:02d}"
                article = CleanArticle(path, entry_id, url, "t", when, None, "", "<p>x</p>")
                store.put_article(path, 1, offset, f"d{offset}", "rfi-cn", article, (), when, False)
            store.mark_ties()
            assert_shown_times_numbered(store)
            shown = dict(store.db.execute("SELECT url, updated_us + tie FROM entries"))
            changed = {url for (url,) in store.db.execute("SELECT url FROM changed")}
            moved = {url for url, t in shown.items() if shown_before.get(url) != t}
            assert moved <= changed
            store.db.execute("DELETE FROM changed")  # as rendering does
            shown_before = shown
    finally:
        store.close()


def test_over_a_thousand_entries_at_one_millisecond_push_the_next_millisecond_on(
    site: Site,
) -> None:
    """1,002 seeds at one millisecond take the thousand microseconds of it and two of the
    next, where another seed is: each of the 1,003 entries shows its own time, in order. A
    state numbered the old way (each instant on its own, so the 1,001st entry showed the
    next millisecond's time) is numbered again by the first pass after the upgrade."""
    for i in range(1003):
        stamp = BASE_MS if i < 1002 else BASE_MS + 1
        text = seed_text(i).replace(f"<!--{BASE_MS + i * 60_000}-->", f"<!--{stamp}-->")
        (site.seeds / f"{i:04d}.txt").write_text(text, encoding="utf-8")
    site.run()
    site.check_state()
    shown = [e.updated for e in site.entries()]
    assert len(shown) == site.config.max_entries
    assert shown[0] == "2023-07-22T04:26:40.001002+00:00"
    assert len(set(shown)) == len(shown)
    assert feed_problems(site.out / "all.atom") == []
    feeds = site.feeds()

    db = sqlite3.connect(site.db)  # as the state was before the upgrade
    db.execute("""UPDATE entries SET tie = (SELECT COUNT(*) FROM entries o
                  WHERE o.updated_us = entries.updated_us AND o.entry_id < entries.entry_id)""")
    db.execute("DELETE FROM meta WHERE key = 'ties'")
    db.commit()
    db.close()
    assert site.run().new == 0
    site.check_state()
    assert site.feeds() == feeds


def test_a_state_from_before_tie_numbers_is_numbered_once(site: Site, tmp_path: Path) -> None:
    for i in range(5):  # two instants, shared
        text = seed_text(i).replace(f"<!--{BASE_MS + i * 60_000}-->", f"<!--{BASE_MS + i % 2}-->")
        (site.seeds / f"{i}.txt").write_text(text, encoding="utf-8")
    site.run()
    db = sqlite3.connect(site.db)
    numbered = db.execute("SELECT url, tie FROM entries ORDER BY url").fetchall()
    assert sorted(tie for _, tie in numbered) == [0, 0, 1, 1, 2]
    db.execute("ALTER TABLE entries DROP COLUMN tie")  # as the state was before the column
    db.commit()
    db.close()
    assert site.run().new == 0
    db = sqlite3.connect(site.db)
    assert db.execute("SELECT url, tie FROM entries ORDER BY url").fetchall() == numbered
    assert db.execute("SELECT COUNT(*) FROM tied_instants").fetchone() == (0,)
    db.close()
    assert site.feeds() == full_build_of(site.seeds, tmp_path, site.config)


def _installed(monkeypatch: pytest.MonkeyPatch, stamp: str, **changed: str) -> None:
    """As if packages had been installed (the folders moved) with `changed` versions."""
    found = libraries.versions() | {k.replace("_", "-"): v for k, v in changed.items()}
    monkeypatch.setattr(libraries, "install_stamp", lambda: stamp)
    monkeypatch.setattr(libraries, "versions", lambda: found)


@pytest.mark.parametrize("engine", ["nh3", "bleach"])
@pytest.mark.parametrize("library", ["nh3", "bleach", "beautifulsoup4", "selectolax",
                                     "python_dateutil"])  # fmt: skip
def test_a_new_version_of_the_html_stack_cleans_the_archive_again(
    library: str, engine: str, site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sanitizer release may close a hole: what it would not let through must not go on
    being served from the archive. A release of the engine not in use changes nothing."""
    site.config = replace(site.config, policy=site.config.policy.with_engine(engine))
    make_corpus(site.seeds, 4)
    site.run()
    _installed(monkeypatch, "after the upgrade", **{library: "99.0"})
    unused = library in ("nh3", "bleach") and library != engine
    assert site.run().new == (0 if unused else 4)  # every file cleaned again, or none
    monkeypatch.setattr(libraries, "versions", lambda: pytest.fail("versions read again"))
    assert site.run().new == 0  # once: the versions are recorded with the folders' stamp


def test_other_library_versions_re_render_and_opencc_forgets_its_conversions(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_corpus(site.seeds, 4)
    site.run()

    def kept() -> bool:
        """Whether the stored conversion put here before is still there (it is put back)."""
        store = open_store(site.db)
        try:
            found = store.db.execute("SELECT 1 FROM conversions WHERE feed = 'x'").fetchone()
            store.db.execute("INSERT OR IGNORE INTO conversions VALUES ('x', x'00', 'kept')")
            store.db.commit()
            return found is not None
        finally:
            store.close()

    kept()
    _installed(monkeypatch, "stamp 1", lxml="99.0")
    assert site.run().new == 0  # a renderer's version: rendered again, not cleaned again
    assert kept()  # the conversions stay
    _installed(monkeypatch, "stamp 2", opencc="99.0")
    assert site.run().new == 0
    assert not kept()  # made by another OpenCC: forgotten
    _installed(monkeypatch, "stamp 3", opencc="99.0", nh3="98.0")
    assert site.run().new == 4


def test_the_install_stamp_moves_with_the_folders_packages_are_installed_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site_packages = tmp_path / "site-packages"
    (site_packages / "fakepkg").mkdir(parents=True)
    (site_packages / "fakepkg" / "__init__.py").write_text("", encoding="utf-8")
    (site_packages / "fakemod.py").write_text("", encoding="utf-8")
    monkeypatch.syspath_prepend(str(site_packages))
    monkeypatch.setattr(libraries, "INGEST", {"fakepkg": "fakepkg"})
    monkeypatch.setattr(libraries, "RENDER", {"fakemod": "fakemod"})
    stamp, versions = libraries.install_stamp.__wrapped__, libraries.versions.__wrapped__
    before = stamp()  # (not once per process, as a pass reads them)
    assert list(json.loads(before)) == [str(site_packages)]
    assert stamp() == before
    info = site_packages / "fakepkg-2.0.dist-info"  # an upgrade...
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: fakepkg\nVersion: 2.0\n")
    os.utime(site_packages, ns=(1, 1))  # ...where timestamps are normalized
    normalized = stamp()
    assert normalized != before
    later = site_packages.stat().st_mtime_ns + 1_000_000_000  # a reinstall, a second later
    os.utime(site_packages, ns=(later, later))
    assert stamp() != normalized
    assert versions() == {"fakemod": "absent", "fakepkg": "2.0"}


def test_another_python_cleans_the_archive_again(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    """urllib.parse and html.parser take part in cleaning, and their fixes come with Python."""
    from types import SimpleNamespace

    from refeed import pipeline

    make_corpus(site.seeds, 3)
    site.run()
    assert site.run().new == 0
    monkeypatch.setattr(pipeline, "sys", SimpleNamespace(version_info=(3, 99, 1, "final", 0)))
    assert site.run().new == 3


def test_a_new_cleaning_revision_cleans_the_archive_again_once(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A change to what refeed's own cleaning writes (ingest.CLEANING_REVISION) must reach
    the articles cleaned before it, as a library's new version does."""
    from refeed import pipeline

    make_corpus(site.seeds, 3)
    site.run()
    monkeypatch.setattr(pipeline, "CLEANING_REVISION", CLEANING_REVISION + 1)
    assert site.run().new == 3
    assert site.run().new == 0


def test_a_new_rendering_revision_renders_every_feed_again_once(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A change to what refeed's own rendering writes (output.RENDERING_REVISION) must reach
    the feeds written before it, though no entry changed."""
    from refeed import pipeline

    make_corpus(site.seeds, 3)
    site.run()
    written = site.out / "all.atom"
    good = written.read_bytes()
    written.write_bytes(good.replace(b"<title>", b"<title>stale ", 1))  # as an older refeed wrote
    site.run()
    assert written.read_bytes() != good  # nothing changed: nothing rendered
    monkeypatch.setattr(pipeline, "RENDERING_REVISION", RENDERING_REVISION + 1)
    site.run()
    assert written.read_bytes() == good


@pytest.fixture
def zone_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A TZPATH of this test's own; the zone data read once per process is forgotten
    before and after (each `cache_clear` in a test stands for a new process)."""
    import zoneinfo

    zones = tmp_path / "zoneinfo"
    (zones / "Asia").mkdir(parents=True)
    monkeypatch.setattr(zoneinfo, "TZPATH", (str(zones),))
    libraries.zone_data.cache_clear()
    yield zones
    libraries.zone_data.cache_clear()


def test_new_time_zone_data_cleans_the_archive_again(site: Site, zone_files: Path) -> None:
    """A tzdata update can move the offset of a source's `timezone`, and with it the times
    parsed from its pages. The data is read where zoneinfo finds it, once per process."""
    shanghai = zone_files / "Asia" / "Shanghai"
    shanghai.write_bytes(b"TZif 2025b")
    make_corpus(site.seeds, 3)
    site.run()
    assert site.run().new == 0
    shanghai.write_bytes(b"TZif 2026a")
    assert site.run().new == 0  # not in this process: zoneinfo keeps the zones it loaded
    libraries.zone_data.cache_clear()  # the next process
    assert site.run().new == 3
    libraries.zone_data.cache_clear()
    assert site.run().new == 0
    shanghai.unlink()  # zoneinfo would take the tzdata package's now, or find none
    libraries.zone_data.cache_clear()
    assert site.run().new == 3
    site.config = replace(
        site.config, sources=tuple(replace(s, timezone=None) for s in site.config.sources)
    )
    assert site.run().new == 3  # a config that names no zone
    shanghai.write_bytes(b"TZif 2027a")
    libraries.zone_data.cache_clear()
    assert site.run().new == 0  # reads none
