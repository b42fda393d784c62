"""Which entries belong to each derived feed (output/derived.py decides; this keeps it)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from refeed.models import StoredEntry
from refeed.state.store import Store


class Memberships:
    """The `members` and `member_rules` tables; methods run in the caller's transaction."""

    def __init__(self, store: Store) -> None:
        self.db = store.db

    def fingerprint(self, feed: str) -> str | None:
        row = self.db.execute("SELECT rules FROM member_rules WHERE feed = ?", (feed,)).fetchone()
        return None if row is None else str(row[0])

    def set_fingerprint(self, feed: str, rules: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO member_rules VALUES (?, ?)", (feed, rules))

    def replace(self, feed: str, urls: Iterable[str]) -> None:
        self.db.execute("DELETE FROM members WHERE feed = ?", (feed,))
        self.db.executemany("INSERT INTO members VALUES (?, ?)", ((feed, u) for u in urls))

    def judge(
        self,
        feed: str,
        entries: Iterable[StoredEntry],
        matches: Callable[[StoredEntry], bool],
        changed: Iterable[str],
    ) -> bool:
        """Judge the changed entries again; True if the feed's contents may have changed."""
        touched = False
        present = set()
        for entry in entries:
            url = entry.article.url
            present.add(url)
            was = self._has(feed, url)
            if matches(entry):
                self.db.execute("INSERT OR IGNORE INTO members VALUES (?, ?)", (feed, url))
                touched = True  # a new member, or a member whose entry changed
            elif was:
                self.db.execute("DELETE FROM members WHERE feed = ? AND url = ?", (feed, url))
                touched = True
        for url in set(changed) - present:  # entries that are gone
            if self._has(feed, url):
                self.db.execute("DELETE FROM members WHERE feed = ? AND url = ?", (feed, url))
                touched = True
        return touched

    def forget_except(self, feeds: set[str]) -> None:
        """Drop the memberships of derived feeds no longer configured."""
        # member_rules has a row for every feed with members (written together): one row a
        # feed to read, where DISTINCT over `members` would read every membership
        known = {r[0] for r in self.db.execute("SELECT feed FROM member_rules")}
        for feed in known - feeds:
            for table in ("members", "member_rules"):
                self.db.execute(f"DELETE FROM {table} WHERE feed = ?", (feed,))

    def _has(self, feed: str, url: str) -> bool:
        row = self.db.execute(
            "SELECT 1 FROM members WHERE feed = ? AND url = ?", (feed, url)
        ).fetchone()
        return row is not None
