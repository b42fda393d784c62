"""A pass costs what changed: no statement of a pass with one new file walks a table that
grows with the archive. SQLite plans without statistics (refeed runs no ANALYZE), so the plan
a small state gets is the plan a 50,000-file state gets: a small corpus shows every bad one.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from refeed.config import Archives, Config, DerivedFeed
from refeed.pipeline import run_pass
from refeed.state.store import open_store

from .conftest import NOW
from .corpus import make_corpus, seed_text

# Tables as large as the archive (or a feed's whole history).
ARCHIVE_TABLES = {"seeds", "articles", "entries", "archived", "members"}
# A derived feed's window walks the newest-first index until it has `max_entries` members,
# bounded by the window where the feed is dense (a sparse one sorts its members instead).
BOUNDED = {"SCAN e USING INDEX entries_newest"}


def archive_scans(db: sqlite3.Connection, statements: list[str]) -> list[str]:
    """Each statement whose plan scans a table of ARCHIVE_TABLES (an alias resolved from the
    statement's FROM and JOIN clauses), with the offending plan line."""
    found = []
    for sql in statements:
        if not sql.lstrip().upper().startswith(("SELECT", "WITH", "DELETE", "UPDATE", "INSERT")):
            continue
        aliases = dict(re.findall(r"\b(?:FROM|JOIN)\s+(\w+)\s+(?:AS\s+)?(\w+)", sql, re.I))
        names = {alias: table for table, alias in aliases.items()}
        for row in db.execute(f"EXPLAIN QUERY PLAN {sql}"):
            detail = str(row[3])
            scanned = re.match(r"SCAN (\w+)", detail) or re.match(  # or a feed's every row
                r"SEARCH (\w+) USING (?:COVERING )?INDEX \w+ \((?:feed|source)=\?\)$", detail
            )
            if scanned is None or detail in BOUNDED or re.search(r"\bLIMIT\b", sql, re.I):
                continue
            table = names.get(scanned.group(1), scanned.group(1))
            if table in ARCHIVE_TABLES:
                found.append(f"{detail}  <-  {' '.join(sql.split())[:200]}")
    return found


@pytest.fixture
def aggregator(config: Config) -> Config:
    """Every kind of feed and every file refeed writes: capped feeds with archives, a derived
    feed and a script variant."""
    derived = DerivedFeed(name="china-us", title="中美关系", include_title=(r"文章 \d*[05]$",),
                          variants=("zh-Hant",))  # fmt: skip
    return replace(config, max_entries=4, archives=Archives(enabled=True, page_size=3),
                   feeds=(derived,))  # fmt: skip


@pytest.mark.parametrize("told", [True, False], ids=["daemon-pass", "full-scan-pass"])
def test_a_pass_with_one_new_file_walks_no_archive_table(
    told: bool, tmp_path: Path, aggregator: Config
) -> None:
    seeds, out, db_path = tmp_path / "seeds", tmp_path / "feeds", tmp_path / "state.sqlite"
    make_corpus(seeds, 30)
    store = open_store(db_path)
    try:
        run_pass(seeds, out, aggregator, store, NOW)
        # The daemon's store has the path -> (size, mtime) map from its first pass on; a new
        # one-shot process loads it (bench/README.md: 0.8 µs a file) once a folder changed.
        run_pass(seeds, out, aggregator, store, NOW, only=set())
        (seeds / "new.txt").write_text(seed_text(45), encoding="utf-8")
        statements: list[str] = []
        store.db.set_trace_callback(statements.append)
        report = run_pass(seeds, out, aggregator, store, NOW, only={"new.txt"} if told else None)
        store.db.set_trace_callback(None)
        assert report.new == 1
        assert any("archive/" in name for name in report.written)  # the archives were updated
        assert "china-us.zh-hant.atom" in report.written  # and the derived feed's variant
        assert archive_scans(store.db, statements) == []
    finally:
        store.close()


def test_a_derived_feeds_window_is_read_the_cheaper_way_and_is_the_same_either_way(
    tmp_path: Path, config: Config
) -> None:
    """A sparse derived feed's window looks up its few members and sorts them; walking the
    newest-first index would go through the whole archive to find them. A dense one walks
    the index, which finds its window within a few steps. Both give the newest members."""
    sparse = DerivedFeed(name="sparse", title="少", include_title=(r"文章 \d*7$",))
    dense = DerivedFeed(name="dense", title="多", include_title=("文章",))
    cfg = replace(config, max_entries=4, feeds=(sparse, dense))
    make_corpus(tmp_path / "seeds", 30)
    store = open_store(tmp_path / "state.sqlite")
    try:
        run_pass(tmp_path / "seeds", tmp_path / "feeds", cfg, store, NOW)
        for feed, way in [("sparse", "IN (SELECT url FROM members"), ("dense", "EXISTS")]:
            every = store.db.execute(
                "SELECT e.url FROM entries e JOIN members m ON m.url = e.url AND m.feed = ?"
                " ORDER BY e.updated_us DESC, e.entry_id DESC",
                (feed,),
            ).fetchall()
            assert 0 < len(every) < 30 if feed == "sparse" else len(every) == 30
            statements: list[str] = []
            store.db.set_trace_callback(statements.append)
            window = store.member_entries(feed, 4)
            store.db.set_trace_callback(None)
            assert [e.article.url for e in window] == [url for (url,) in every[:4]]
            assert any(way in sql for sql in statements), feed
    finally:
        store.close()
