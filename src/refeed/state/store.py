"""Incremental state in SQLite (WAL). The only module that imports sqlite3; the tables, indexes
and triggers are in `schema.py`.

Three tables, kept apart so that the hot paths read only small rows:
- `seeds`: one small row per seed file (path, size, mtime, content hash, or why it was
  rejected): what a pass compares the folder against, with a stat per file and nothing more;
- `articles`: the cleaned article of each accepted seed file, sanitized HTML included, so a
  feed is rendered from stored data and never re-cleaned;
- `entries`: one row per canonical URL, the merge of the articles that share it (see `merge`),
  indexed newest first, so a capped feed is an index range scan however large the archive.
`dirty` lists the sources whose feeds must be re-rendered; it is written in the same
transaction as the change that dirtied them, so a crash between ingesting and rendering is
repaired by the next pass.

What a summary reports must not cost a scan of a large archive, so it is kept as it changes:
`tallies` and `source_tallies` are row counts that triggers keep in step with every insert and
delete (in the same transaction, whichever code path writes), and rejected files have a
partial index of their own. Merges (several files, one URL) are derived from `articles`;
`merge_notices` records the merges already reported, so each is reported once, and
`merge_review` the URLs to look at again (written with the change that may alter a merge).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from refeed.models import CleanArticle, Media, Rejection, SeedFile, StoredEntry
from refeed.state.schema import (
    CHANGED_SCHEMA,
    CONVERSIONS_SCHEMA,
    HISTORY_SCHEMA,
    MEMBER_COUNTS_FROM_MEMBERS,
    MEMBERS_SCHEMA,
    PINGS_SCHEMA,
    SCAN_KEY,
    SCAN_SCHEMA,
    SCHEMA,
    SCHEMA_VERSION,
    TIES_FROM_ENTRIES,
    TIES_PUSHED,
    TIES_PUSHED_KEY,
    TIES_SCHEMA,
)
from refeed.state.ties import SHOWN_UPDATED, crowded, renumber

ALL_SOURCES = "*"  # in `dirty`: every feed must be re-rendered
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class SeedRow:
    """What the state knows of one seed file's content (its stat is in `seed_stats`)."""

    hash: str
    rejected: str | None


@dataclass(frozen=True, slots=True)
class Merge:
    """Seed files whose articles share one canonical URL: one entry, shown from `winner`."""

    url: str
    files: tuple[str, ...]  # sorted, the winner among them
    winner: str

    def describe(self) -> str:
        losers = ", ".join(f for f in self.files if f != self.winner)
        return f"merged {losers} into {self.winner} (same URL {self.url})"


@dataclass(frozen=True, slots=True)
class Tallies:
    """Counts of the whole state, read from `tallies` (no table is counted)."""

    seeds: int
    rejected: int
    articles: int
    entries: int

    @property
    def merged(self) -> int:
        """Accepted files whose article lost to another with the same URL."""
        return self.articles - self.entries


@dataclass(frozen=True, slots=True)
class SourceStats:
    """A source as `refeed status` shows it."""

    source: str
    entries: int
    newest: datetime


def to_us(when: datetime) -> int:
    return (when - _EPOCH) // timedelta(microseconds=1)


def from_us(us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=us)


class Store:
    """An open state database. Use `open_store()`; changes go through `transaction()`."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        # path -> (size, mtime_ns) of every seed file: what a scan compares the folder with.
        # Loaded once, then kept in step with every write below, so that a long-running
        # daemon compares with memory rather than 50,000 rows each pass. `data_version`
        # changes when another connection writes; the map is then loaded again.
        self._stats: dict[str, tuple[int, int]] | None = None
        self._stats_version = -1

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self.db:  # commits, or rolls back on an exception
            yield

    # -- meta ----------------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    # -- seed files ----------------------------------------------------------------------

    def seed_stats(self) -> dict[str, tuple[int, int]]:
        """path -> (size, mtime_ns) of every known seed file. Do not modify it."""
        version = self.db.execute("PRAGMA data_version").fetchone()[0]
        if self._stats is None or version != self._stats_version:
            rows = self.db.execute("SELECT path, size, mtime_ns FROM seeds")
            self._stats = {path: (size, mtime) for path, size, mtime in rows}
            self._stats_version = version
        return self._stats

    def seed_stat(self, path: str) -> tuple[int, int] | None:
        """(size, mtime_ns) of one known seed file."""
        if self._stats is not None:
            return self._stats.get(path)
        row = self.db.execute("SELECT size, mtime_ns FROM seeds WHERE path = ?", (path,))
        found = row.fetchone()
        return None if found is None else (found[0], found[1])

    def scan_matches(self, signature: str) -> bool:
        """Whether the seeds table is exactly the folder scanned with this signature
        (`ingest.seeds.FolderScan`): then no file needs comparing with it."""
        return bool(signature) and self.get_meta(SCAN_KEY) == signature

    def record_scan(self, signature: str, files: int, taken: Iterable[SeedFile]) -> None:
        """Remember the signature of a scan of `files` seed files if the seeds table now
        holds exactly what it saw: as many files, and every file the pass took (the others
        were found unchanged) with the stat it was taken at. Checked, not assumed: a file
        left pending, or changed while it was read, is not in the table as scanned. Any
        later write to the table forgets the signature (a trigger, SCAN_SCHEMA)."""
        if not signature or self.get_meta(SCAN_KEY) == signature or self.counts()[0] != files:
            return
        if all(self.seed_stat(seed.name) == (seed.size, seed.mtime_ns) for seed in taken):
            self.set_meta(SCAN_KEY, signature)

    def seed_row(self, path: str) -> SeedRow | None:
        row = self.db.execute("SELECT hash, rejected FROM seeds WHERE path = ?", (path,)).fetchone()
        return None if row is None else SeedRow(*row)

    def due_retries(self, now_us: int) -> list[str]:
        """Rejected files whose future date has come: they are parsed again though unchanged."""
        rows = self.db.execute(
            "SELECT path FROM seeds WHERE retry_at_us IS NOT NULL AND retry_at_us <= ?"
            " ORDER BY path",
            (now_us,),
        )
        return [r[0] for r in rows]

    def _indexed(self, path: str, stat: tuple[int, int] | None) -> None:
        if self._stats is not None:
            if stat is None:
                self._stats.pop(path, None)
            else:
                self._stats[path] = stat

    def rollback(self) -> None:
        self.db.rollback()
        self._stats = None  # the cache may hold writes that were just undone

    def touch_seed(self, path: str, size: int, mtime_ns: int) -> None:
        """The file's stat changed but its content did not."""
        self.db.execute(
            "UPDATE seeds SET size = ?, mtime_ns = ? WHERE path = ?", (size, mtime_ns, path)
        )
        self._indexed(path, (size, mtime_ns))

    def put_rejection(
        self,
        path: str,
        size: int,
        mtime_ns: int,
        digest: str,
        reason: str,
        retry_at: datetime | None,
    ) -> None:
        self._drop_article(path)
        retry_at_us = None if retry_at is None else to_us(retry_at)
        self.db.execute(
            "INSERT OR REPLACE INTO seeds VALUES (?, ?, ?, ?, ?, ?)",
            (path, size, mtime_ns, digest, reason, retry_at_us),
        )
        self._indexed(path, (size, mtime_ns))

    def put_article(
        self,
        path: str,
        size: int,
        mtime_ns: int,
        digest: str,
        source: str,
        article: CleanArticle,
        categories: tuple[str, ...],
        updated: datetime,
        keep_published: bool,
    ) -> None:
        """Store an accepted file's article; `keep_published` keeps an edited file's first date.

        A modification time the page states moves `updated` when it is later than the seed's
        timestamp and no later than the file itself (a page cannot be saved before it was
        modified: that bound keeps a bogus future date from pinning an entry on top).
        """
        published = to_us(article.published)
        updated_us = to_us(updated)
        if article.modified is not None:  # to the millisecond, as every stored instant is
            modified_us = to_us(article.modified) // 1000 * 1000
            if modified_us <= mtime_ns // 1000:
                updated_us = max(updated_us, modified_us)
        if keep_published:
            row = self.db.execute(
                "SELECT published_us FROM articles WHERE path = ?", (path,)
            ).fetchone()
            if row is not None:
                published = row[0]
        self._drop_article(path)
        self.db.execute(
            "INSERT OR REPLACE INTO seeds VALUES (?, ?, ?, ?, NULL, NULL)",
            (path, size, mtime_ns, digest),
        )
        self._indexed(path, (size, mtime_ns))
        self.db.execute(
            "INSERT INTO articles VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                path, article.url, article.entry_id, source, article.title, article.author,
                article.summary, article.content_html,
                json.dumps(list(categories), ensure_ascii=False),
                published, max(published, updated_us), _media_json(article),
            ),
        )  # fmt: skip
        self._merge(article.url)

    def rename_seed(self, old: str, new: str, size: int, mtime_ns: int) -> None:
        """Same content under a new name: the entry is kept, not duplicated."""
        self.db.execute(
            "UPDATE seeds SET path = ?, size = ?, mtime_ns = ? WHERE path = ?",
            (new, size, mtime_ns, old),
        )
        self._indexed(old, None)
        self._indexed(new, (size, mtime_ns))
        self.db.execute("UPDATE articles SET path = ? WHERE path = ?", (new, old))
        row = self.db.execute("SELECT url FROM articles WHERE path = ?", (new,)).fetchone()
        if row is not None:
            self._merge(row[0])

    def remove_seed(self, path: str) -> None:
        self._drop_article(path)
        self.db.execute("DELETE FROM seeds WHERE path = ?", (path,))
        self._indexed(path, None)

    def _drop_article(self, path: str) -> None:
        row = self.db.execute("SELECT url FROM articles WHERE path = ?", (path,)).fetchone()
        if row is not None:
            self.db.execute("DELETE FROM articles WHERE path = ?", (path,))
            self._merge(row[0])

    def _merge(self, url: str) -> None:
        """Recompute the entry for `url` from its articles; dirty its source if it changed.

        The newest version wins (by updated, then published, then the path that sorts last);
        the entry is published when the URL was first seen and updated when the winner was.
        """
        versions = self.db.execute(
            "SELECT updated_us, published_us, path, source, entry_id FROM articles WHERE url = ?",
            (url,),
        ).fetchall()
        if (
            len(versions) > 1
            or self.db.execute("SELECT 1 FROM merge_notices WHERE url = ?", (url,)).fetchone()
        ):
            self.db.execute("INSERT OR IGNORE INTO merge_review VALUES (?)", (url,))
        old = self.db.execute(
            "SELECT source, entry_id, path, published_us, updated_us FROM entries WHERE url = ?",
            (url,),
        ).fetchone()
        new = None
        if versions:
            updated, _, path, source, entry_id = max(versions)
            new = (source, entry_id, path, min(v[1] for v in versions), updated)
        if new == old:
            return
        if new is None:
            self.db.execute("DELETE FROM entries WHERE url = ?", (url,))
        else:
            self.db.execute(
                "INSERT OR REPLACE INTO entries VALUES (?, ?, ?, ?, ?, ?, 0)", (url, *new)
            )
        self.mark_dirty({s for s in (old and old[0], new and new[0]) if s})
        self.db.execute("INSERT OR IGNORE INTO changed VALUES (?)", (url,))
        for instant in {r[4] for r in (old, new) if r is not None}:
            if crowded(self, instant, url):  # the times shown there may move: see ties.py
                self.db.execute("INSERT OR IGNORE INTO tied_instants VALUES (?)", (instant,))

    def mark_ties(self) -> None:
        """Number again the shown times from each instant recorded since the last call
        (state/ties.py), and mark changed, their sources dirty, the entries whose shown time
        moved. Once per pass, before its last commit; what a pass that died left is the
        next one's."""
        moved, sources = renumber(self)
        self.db.executemany("INSERT OR IGNORE INTO changed VALUES (?)", ((u,) for u in moved))
        self.mark_dirty(sources)

    # -- merges --------------------------------------------------------------------------

    def merges(self) -> list[Merge]:
        """Every URL that more than one seed file has, by URL. A scan of the URL index: for
        `refeed status`, not for a pass (which uses `take_new_merges`)."""
        rows = self.db.execute(
            """SELECT a.url, a.path, e.path FROM articles a JOIN entries e ON e.url = a.url
               WHERE a.url IN (SELECT url FROM articles GROUP BY url HAVING COUNT(*) > 1)
               ORDER BY a.url, a.path"""
        )
        merges: dict[str, Merge] = {}
        for url, path, winner in rows:
            found = merges.get(url)
            merges[url] = Merge(url, (*found.files, path) if found else (path,), winner)
        return list(merges.values())

    def take_new_merges(self) -> list[Merge]:
        """The merges that appeared, or changed files or winner, since the last call (or the
        last reset), by URL; each is recorded, in the caller's transaction, so that it is
        reported once. Costs a look-up per URL in `merge_review` (those whose articles changed
        and that are, or were, merged), not per URL."""
        new = []
        for (url,) in self.db.execute("SELECT url FROM merge_review ORDER BY url").fetchall():
            files = [r[0] for r in self.db.execute(
                "SELECT path FROM articles WHERE url = ? ORDER BY path", (url,)
            )]  # fmt: skip
            noted = self.db.execute(
                "SELECT files, winner FROM merge_notices WHERE url = ?", (url,)
            ).fetchone()
            if len(files) < 2:
                if noted is not None:
                    self.db.execute("DELETE FROM merge_notices WHERE url = ?", (url,))
                continue
            winner = self.db.execute("SELECT path FROM entries WHERE url = ?", (url,)).fetchone()[0]
            listed = json.dumps(files, ensure_ascii=False)
            if noted != (listed, winner):
                self.db.execute(
                    "INSERT OR REPLACE INTO merge_notices VALUES (?, ?, ?)", (url, listed, winner)
                )
                new.append(Merge(url, tuple(files), winner))
        self.db.execute("DELETE FROM merge_review")
        return new

    # -- feeds ---------------------------------------------------------------------------

    def mark_dirty(self, sources: Iterable[str]) -> None:
        self.db.executemany("INSERT OR IGNORE INTO dirty VALUES (?)", ((s,) for s in sources))

    def dirty_sources(self) -> set[str]:
        """Sources whose feeds must be re-rendered (every source when ALL_SOURCES is marked)."""
        dirty = {r[0] for r in self.db.execute("SELECT source FROM dirty")}
        if ALL_SOURCES in dirty:
            dirty.discard(ALL_SOURCES)
            dirty |= set(self.sources()) | self.written_feeds()
        return dirty

    def everything_dirty(self) -> bool:
        """Whether every feed is to be rendered again (a full rebuild, a new render config)."""
        row = self.db.execute("SELECT 1 FROM dirty WHERE source = ?", (ALL_SOURCES,)).fetchone()
        return row is not None

    def clear_dirty(self) -> None:
        self.db.execute("DELETE FROM dirty")
        self.db.execute("DELETE FROM changed")

    def sources(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT source FROM source_tallies ORDER BY 1")]

    def written_feeds(self) -> set[str]:
        return {r[0] for r in self.db.execute("SELECT name FROM feeds")}

    def set_written(self, name: str, exists: bool) -> None:
        if exists:
            self.db.execute("INSERT OR IGNORE INTO feeds VALUES (?)", (name,))
        else:
            self.db.execute("DELETE FROM feeds WHERE name = ?", (name,))

    def all_entries(self) -> Iterator[StoredEntry]:
        """Every entry, streamed (a derived feed whose rules changed is judged again on all)."""
        return iter_entry_rows(self.db, "ORDER BY e.url", ())

    def changed_entries(self) -> list[StoredEntry]:
        """The entries whose URL changed since the feeds were last rendered."""
        # IN, not a join: the planner would walk every entry in URL order to meet ORDER BY
        return entry_rows(self.db, "WHERE e.url IN (SELECT url FROM changed) ORDER BY e.url", ())

    def changed_urls(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT url FROM changed ORDER BY url")]

    def member_entries(self, feed: str, cap: int) -> list[StoredEntry]:
        """The `cap` newest entries of derived feed `feed`."""
        # Down the newest-first index until `cap` members are found costs about cap *
        # entries / members steps; every member looked up and sorted costs about members.
        # The cheaper of the two: 12,000 members of 50,000 entries, 3 ms walking against
        # 30 ms sorting; 10 members of 50,000, 33 ms against 0.6 ms.
        members, entries = self.member_count(feed), self.tallies().entries
        if members * members < cap * entries:
            where = "WHERE e.url IN (SELECT url FROM members WHERE feed = ?)"
        else:
            where = "WHERE EXISTS (SELECT 1 FROM members m WHERE m.feed = ? AND m.url = e.url)"
        order = " ORDER BY e.updated_us DESC, e.entry_id DESC LIMIT ?"
        return entry_rows(self.db, where + order, (feed, cap))

    def member_count(self, feed: str) -> int:
        try:
            row = self.db.execute("SELECT n FROM member_counts WHERE feed = ?", (feed,)).fetchone()
        except sqlite3.OperationalError:  # a read-only open of a state from before the counts
            row = self.db.execute("SELECT COUNT(*) FROM members WHERE feed = ?", (feed,)).fetchone()
        return 0 if row is None else int(row[0])

    def newest_entries(self, source: str | None, cap: int) -> list[StoredEntry]:
        """The `cap` newest entries of a source (None: of all sources), newest first."""
        where, args = ("WHERE e.source = ?", (source, cap)) if source else ("", (cap,))
        return entry_rows(
            self.db, f"{where} ORDER BY e.updated_us DESC, e.entry_id DESC LIMIT ?", args
        )

    # -- reporting -----------------------------------------------------------------------

    # All of these cost what they return, not what the state holds: the rejected files
    # through their partial index, counts from the tallies, the newest entry of a source
    # from the top of its index.

    def rejections(self) -> list[Rejection]:
        rows = self.db.execute(
            "SELECT path, rejected FROM seeds INDEXED BY seeds_rejected"
            " WHERE rejected IS NOT NULL ORDER BY path"
        )
        return [Rejection(path, reason) for path, reason in rows]

    def source_stats(self) -> list[SourceStats]:
        rows = self.db.execute(
            f"""SELECT t.source, t.entries, (SELECT {SHOWN_UPDATED} FROM entries e
                                              WHERE e.source = t.source
                                              ORDER BY e.updated_us DESC, e.entry_id DESC
                                              LIMIT 1)
                FROM source_tallies t ORDER BY t.source"""  # the top of the source's index
        )
        return [SourceStats(s, n, from_us(newest)) for s, n, newest in rows]

    def tallies(self) -> Tallies:
        found = dict(self.db.execute("SELECT name, n FROM tallies").fetchall())
        return Tallies(found["seeds"], found["rejected"], found["articles"], found["entries"])

    def counts(self) -> tuple[int, int]:
        """(seed files known, entries), from the tallies."""
        tallies = self.tallies()
        return tallies.seeds, tallies.entries

    def rows_if_present(self, sql: str) -> list[Any]:
        """The rows of `sql`, none when its table does not exist: a read-only open of a state
        written before the table was (pings: state/pings.py)."""
        try:
            return self.db.execute(sql).fetchall()
        except sqlite3.OperationalError:
            return []

    def forget_conversions(self) -> None:
        """Script conversions made by another OpenCC (its dictionaries are the output)."""
        self.db.execute("DELETE FROM conversions")

    def reset(self) -> None:
        """Forget everything ingested (a full rebuild); which feeds exist is remembered, and
        every merge is reported again."""
        # conversions too: they were sanitized by the policy a reset may have changed
        for table in ("seeds", "articles", "entries", "merge_notices", "merge_review",
                      "conversions"):  # fmt: skip
            self.db.execute(f"DELETE FROM {table}")
        self._stats = None  # not kept in step through a rebuild: it would hold every file
        self.mark_dirty([ALL_SOURCES])


def _media_json(article: CleanArticle) -> str:
    def plain(m: Media) -> dict[str, object]:
        return {"url": m.url, "medium": m.medium, "type": m.type, "length": m.length, "alt": m.alt}

    image = None if article.image is None else plain(article.image)
    data = {"image": image, "enclosures": [plain(m) for m in article.enclosures]}
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


def _media_from_json(text: str) -> tuple[Media | None, tuple[Media, ...]]:
    data = json.loads(text)
    image = None if data["image"] is None else Media(**data["image"])
    return image, tuple(Media(**m) for m in data["enclosures"])


def entry_rows(db: sqlite3.Connection, clause: str, args: tuple[object, ...]) -> list[StoredEntry]:
    """Stored entries joined with their winning article; `clause` follows the FROM (joins,
    WHERE, ORDER BY on `entries e`)."""
    return list(iter_entry_rows(db, clause, args))


def iter_entry_rows(
    db: sqlite3.Connection, clause: str, args: tuple[object, ...]
) -> Iterator[StoredEntry]:
    """`entry_rows`, one at a time: for scans of the whole archive in flat memory."""
    rows = db.execute(
        f"""SELECT e.source, e.published_us, {SHOWN_UPDATED}, a.path, a.entry_id,
                   a.url, a.title, a.author, a.summary, a.content_html, a.categories,
                   a.published_us, a.media
            FROM entries e JOIN articles a ON a.path = e.path {clause}""",
        args,
    )
    for src, pub, upd, path, eid, url, title, author, summary, html, cats, a_pub, media in rows:
        categories = tuple(json.loads(cats))
        image, enclosures = _media_from_json(media)
        article = CleanArticle(path, eid, url, title, from_us(a_pub), author, summary, html,
                               categories, image, enclosures)  # fmt: skip
        yield StoredEntry(src, article, from_us(pub), from_us(upd), categories)


def open_store(path: Path, *, readonly: bool = False) -> Store:
    """Open (creating if needed) the state database at `path`.

    A database written by another schema version, or one that is not a database at all, is
    replaced by an empty one: state is a cache of the seed files, and a rebuild recovers it.
    """
    if readonly:
        if not path.exists():
            raise FileNotFoundError(path)
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        return Store(db)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        return _open_current(path)
    except sqlite3.DatabaseError:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return _open_current(path)


def _open_current(path: Path) -> Store:
    # check_same_thread off: the daemon keeps one Store across passes, which APScheduler
    # runs one at a time (max_instances=1) but not always on the same thread.
    db = sqlite3.connect(path, isolation_level="DEFERRED", check_same_thread=False)
    try:
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = NORMAL")
        db.execute("PRAGMA recursive_triggers = ON")  # REPLACE then keeps the tallies right
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version != SCHEMA_VERSION:
            _recreate(db)
        with db:
            counted = db.execute(
                "SELECT 1 FROM sqlite_master WHERE name = 'member_counts'"
            ).fetchone()
            db.executescript(
                PINGS_SCHEMA
                + CHANGED_SCHEMA
                + MEMBERS_SCHEMA
                + HISTORY_SCHEMA
                + SCAN_SCHEMA
                + CONVERSIONS_SCHEMA
                + TIES_SCHEMA
            )
            if counted is None:  # a state from before the counts: count once
                db.execute(MEMBER_COUNTS_FROM_MEMBERS)
            columns = {row[1] for row in db.execute("PRAGMA table_info(entries)")}
            if "tie" not in columns:  # a state from before the numbering of shared instants
                db.executescript(TIES_FROM_ENTRIES)
            pushed = db.execute("SELECT 1 FROM meta WHERE key = ?", (TIES_PUSHED_KEY,)).fetchone()
            if pushed is None:  # numbered before times were pushed past a crowded millisecond
                db.executescript(TIES_PUSHED)
    except sqlite3.DatabaseError:
        db.close()
        raise
    return Store(db)


def _recreate(db: sqlite3.Connection) -> None:
    """Drop whatever an older (or newer) refeed left and create the current schema."""
    with db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        written: list[str] = []
        if "feeds" in tables:
            try:
                written = [r[0] for r in db.execute("SELECT name FROM feeds")]
            except sqlite3.DatabaseError:
                written = []
        for table in tables:
            db.execute(f'DROP TABLE IF EXISTS "{table}"')
        db.executescript(SCHEMA)
        db.executemany("INSERT INTO feeds VALUES (?)", ((n,) for n in written))
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
