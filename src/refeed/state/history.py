"""The archive index: which archive page of each feed holds which entry (RFC 5005).

An entry is archived when it leaves its feed's subscription window (the newest `max_entries`),
or arrives already older than that window, and it keeps its place for good: pages fill in the
order entries were archived, so a late-arriving old article goes onto the newest page and
never reshuffles a full one. Page k of a feed holds archive positions (k-1)*size+1 .. k*size.
The newest page is the one after the last full page: partial, or empty just after a page
filled, so that a page is final (its bytes never change) from the moment it is full; and
there are at least two pages (the second empty while the first fills), so that every page
links another.

The index is kept in step with the entries in O(changed): each pass looks only at the URLs
whose entries changed (`changed`, filled by Store._merge) and at the feed's previous window.
It survives `--full` (Store.reset keeps it), so a full rebuild writes the same archive pages
as the history that led to it; a state rebuilt from scratch archives again in date order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from refeed.models import StoredEntry
from refeed.state.store import Store, entry_rows

# Which stored entries belong to a feed, as an SQL condition on `entries e` and its parameters.
Membership = tuple[str, tuple[object, ...]]


@dataclass(frozen=True, slots=True)
class ArchiveChange:
    """What one pass did to a feed's archive: the pages to write again, and how many exist."""

    pages: tuple[int, ...]  # page numbers whose contents or links changed, ascending
    page_count: int  # pages that exist (0: nothing archived yet, the feed is complete)


class ArchiveIndex:
    """The archive index of one state; every method runs inside the caller's transaction."""

    def __init__(self, store: Store, page_size: int) -> None:
        if page_size < 1:
            raise ValueError("page_size must be at least 1")
        self.store, self.db, self.page_size = store, store.db, page_size

    def page_of(self, seq: int) -> int:
        return (seq - 1) // self.page_size + 1

    def known(self, feed: str) -> bool:
        """Whether the index has followed this feed before (else: look at all its entries)."""
        row = self.db.execute("SELECT 1 FROM windows WHERE feed = ? LIMIT 1", (feed,)).fetchone()
        return row is not None

    def page_count(self, feed: str) -> int:
        last = self._last_seq(feed)
        # at least two pages once anything is archived: an archive page must link another
        # (RFC 5005 archives with neither prev- nor next-archive read as incomplete)
        return 0 if last == 0 else max(2, last // self.page_size + 1)

    def update(
        self, feed: str, window: Sequence[StoredEntry], members: Membership, everything: bool
    ) -> ArchiveChange:
        """Archive what left `window` (the feed's newest entries, as rendered now) and what
        arrived outside it; forget archived entries that left the feed.

        `everything`: look at every entry of the feed, not only the changed ones (a new
        feed, or rules that changed what belongs to it).
        """
        where, params = members
        old_last = self._last_seq(feed)
        in_window = {e.article.url for e in window}
        if everything:  # in SQL: a full build's feed has 50,000 entries to order
            self._set_window(feed, in_window)  # first: what is archived is all the rest
            seq = (
                old_last
                + self.db.execute(
                    "INSERT INTO archived (feed, seq, url) SELECT ?, ? + ROW_NUMBER() OVER"
                    " (ORDER BY e.updated_us, e.entry_id, e.url), e.url FROM entries e"
                    f" WHERE {where}"
                    " AND NOT EXISTS (SELECT 1 FROM windows w WHERE w.feed = ? AND w.url = e.url)"
                    " AND NOT EXISTS (SELECT 1 FROM archived x WHERE x.feed = ? AND x.url = e.url)",
                    (feed, old_last, *params, feed, feed),
                ).rowcount
            )
        else:
            rendered = self.db.execute("SELECT url FROM windows WHERE feed = ?", (feed,))
            previous = {r[0] for r in rendered}
            rows = self._rows_among(previous - in_window, members)
            rows += self.db.execute(  # CROSS JOIN: driven by `changed`, never by the feed
                "SELECT e.url, e.updated_us, e.entry_id FROM changed c CROSS JOIN entries e"
                f" ON e.url = c.url WHERE {where}",
                params,
            ).fetchall()
            archived = self._archived_among({url for url, _, _ in rows}, feed)
            outside = in_window | archived
            fresh = sorted({(upd, eid, url) for url, upd, eid in rows if url not in outside})
            seq = old_last
            for _, _, url in fresh:
                seq += 1
                self.db.execute("INSERT INTO archived VALUES (?, ?, ?)", (feed, seq, url))
            self._set_window(feed, in_window)
        touched: set[int] = set()
        if seq != old_last:
            self.db.execute("INSERT OR REPLACE INTO archive_heads VALUES (?, ?)", (feed, seq))
            touched.update(range(self.page_of(old_last + 1), self.page_count(feed) + 1))
        touched.update(self._forget_gone(feed, members, everything))
        pages = self.page_count(feed)  # a page that just filled gains its next-archive link:
        return ArchiveChange(tuple(sorted(p for p in touched if p <= pages)), pages)

    def _set_window(self, feed: str, urls: set[str]) -> None:
        self.db.execute("DELETE FROM windows WHERE feed = ?", (feed,))
        self.db.executemany("INSERT INTO windows VALUES (?, ?)", ((feed, u) for u in sorted(urls)))

    def page_entries(self, feed: str, page: int) -> list[StoredEntry]:
        """The entries on archive page `page`, last archived first."""
        first = (page - 1) * self.page_size + 1
        return entry_rows(
            self.db,
            "JOIN archived x ON x.url = e.url WHERE x.feed = ? AND x.seq BETWEEN ? AND ?"
            " ORDER BY x.seq DESC",
            (feed, first, first + self.page_size - 1),
        )

    def newest_before(self, feed: str, page: int) -> int | None:
        """The newest `updated` (µs) of the entries on pages before `page`: the updated time
        of an empty newest page, which must not move either."""
        row = self.db.execute(
            "SELECT MAX(e.updated_us) FROM archived x JOIN entries e ON e.url = x.url"
            " WHERE x.feed = ? AND x.seq <= ?",
            (feed, (page - 1) * self.page_size),
        ).fetchone()
        return None if row is None or row[0] is None else int(row[0])

    def drop_feed(self, feed: str) -> int:
        """Forget a feed that no longer exists; returns how many pages it had."""
        pages = self.page_count(feed)
        for table in ("archived", "archive_heads", "windows"):
            self.db.execute(f"DELETE FROM {table} WHERE feed = ?", (feed,))
        return pages

    def _last_seq(self, feed: str) -> int:
        row = self.db.execute(
            "SELECT last_seq FROM archive_heads WHERE feed = ?", (feed,)
        ).fetchone()
        return 0 if row is None else int(row[0])

    def _rows_among(self, urls: set[str], members: Membership) -> list[tuple[str, int, str]]:
        if not urls:
            return []
        where, params = members
        marks = ",".join("?" * len(urls))
        return self.db.execute(
            f"SELECT e.url, e.updated_us, e.entry_id FROM entries e WHERE e.url IN ({marks})"
            f" AND {where}",
            (*sorted(urls), *params),
        ).fetchall()

    def _archived_among(self, urls: set[str], feed: str) -> set[str]:
        if not urls:
            return set()
        marks = ",".join("?" * len(urls))
        rows = self.db.execute(
            f"SELECT url FROM archived WHERE feed = ? AND url IN ({marks})", (feed, *sorted(urls))
        )
        return {r[0] for r in rows}

    def _forget_gone(self, feed: str, members: Membership, everything: bool) -> set[int]:
        """Archived entries that left the feed (deleted, or no longer matching its rules):
        their pages change. RFC 5005 wants stable pages, but a deleted article must go."""
        where, params = members
        among = "" if everything else " AND x.url IN (SELECT url FROM changed)"  # by its index
        gone = self.db.execute(
            f"SELECT x.seq FROM archived x WHERE x.feed = ?{among} AND NOT EXISTS"
            f" (SELECT 1 FROM entries e WHERE e.url = x.url AND {where})",
            (feed, *params),
        ).fetchall()
        for (seq,) in gone:
            self.db.execute("DELETE FROM archived WHERE feed = ? AND seq = ?", (feed, seq))
        return {self.page_of(seq) for (seq,) in gone}
