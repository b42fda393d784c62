"""Script conversions kept across processes (output/variants.py converts; this keeps them).

A variant feed's window is rendered again whenever its original changes, which for a derived
or combined feed is nearly every new article; a one-shot build starts with nothing in memory
and would convert the whole window again, starting OpenCC's process to do it (0.1-0.2 s,
43 MiB). The state keeps, per original feed, the conversions its variants' windows used in
the last render that rendered them: what the next render needs, and no more (archive pages
read them but add none, so a full build does not copy the archive).
"""

from __future__ import annotations

from refeed.state.store import Store


def forget(store: Store, feed: str) -> None:
    """A feed without variants (any more) keeps no conversions."""
    store.db.execute("DELETE FROM conversions WHERE feed = ?", (feed,))


class Conversions:
    """One feed's kept conversions, for one render; `save()` writes what it used and drops
    what it did not. Keys and values are `output.variants.conversion_key` and the text."""

    def __init__(self, store: Store, feed: str) -> None:
        self.db, self.feed = store.db, feed
        rows = self.db.execute("SELECT key, value FROM conversions WHERE feed = ?", (feed,))
        self._kept = {bytes(key): str(value) for key, value in rows}
        self._used: set[bytes] = set()
        self._new: dict[bytes, str] = {}

    def get(self, key: bytes) -> str | None:
        value = self._kept.get(key)
        if value is not None:
            self._used.add(key)
        return value

    def put(self, key: bytes, value: str) -> None:
        self._kept[key] = value
        self._used.add(key)
        self._new[key] = value

    def save(self) -> None:
        """Keep what this render used (in the caller's transaction), nothing else."""
        self.db.executemany(
            "INSERT OR REPLACE INTO conversions VALUES (?, ?, ?)",
            ((self.feed, key, value) for key, value in self._new.items()),
        )
        self.db.executemany(
            "DELETE FROM conversions WHERE feed = ? AND key = ?",
            ((self.feed, key) for key in self._kept.keys() - self._used),
        )

    def reading(self) -> Reading:
        """These conversions for archive pages: what they use is kept, what they convert is
        not (a full build would copy the archive into the state)."""
        return Reading(self)


class Reading:
    """A read-only view of a feed's kept conversions (see `Conversions.reading`)."""

    def __init__(self, kept: Conversions) -> None:
        self._kept = kept

    def get(self, key: bytes) -> str | None:
        return self._kept.get(key)

    def put(self, key: bytes, value: str) -> None:
        pass
