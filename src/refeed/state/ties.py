"""The updated time each entry shows: its stored instant, told apart from its neighbours'.

Seeds often share a timestamp (a site that gives seconds, a batch import), and entries that
share atom:updated draw a W3C validator warning (DuplicateUpdated). So in (updated, id) order
each entry shows its stored instant, or one microsecond after the entry before it if that is
later; `entries.tie` is how far it was pushed. Stored instants are whole milliseconds (seed
times, file times in seconds), so the time shown is still right to the millisecond, the order
feeds list entries in is kept, and every document shows the same. Only over a thousand
entries at one millisecond push the ones after them on, into the next millisecond and past
the entries there.

Reading costs nothing (`SHOWN_UPDATED`). An instant whose numbers may be stale is recorded in
`tied_instants` when an entry is written there or leaves it (`crowded`), and `renumber` walks
from each recorded instant, once per pass (Store.mark_ties).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from refeed.state.store import Store

# The time an entry `e` shows, in µs: what every feed, page and status report writes.
SHOWN_UPDATED = "e.updated_us + e.tie"


def crowded(store: Store, instant: int, url: str) -> bool:
    """Whether an entry other than `url`'s is at `instant`, or the entry before it shows a
    time at or after it: the numbers from `instant` on may move when `url`'s entry is
    written there or leaves."""
    shared = store.db.execute(
        "SELECT 1 FROM entries WHERE updated_us = ? AND url != ? LIMIT 1", (instant, url)
    ).fetchone()
    if shared is not None:
        return True
    before = shown_before(store, instant)  # only asked when nobody else is there
    return before is not None and before >= instant


def shown_before(store: Store, instant: int) -> int | None:
    """The time the newest entry stored before `instant` shows (None: there is none)."""
    row = store.db.execute(
        f"""SELECT {SHOWN_UPDATED} FROM entries e WHERE e.updated_us < ?
            ORDER BY e.updated_us DESC, e.entry_id DESC LIMIT 1""",
        (instant,),
    ).fetchone()
    return None if row is None else int(row[0])


def renumber(store: Store) -> tuple[list[str], set[str]]:
    """Number the entries again from each recorded instant, and forget the records; the
    URLs whose shown time moved and their sources. A walk from an instant ends at the first
    entry of a later instant that nothing pushes and nothing pushed: from there on the
    numbers are as they were. "Nothing pushed" is its tie of 0 only for an entry numbered
    since it was written: a write sets the tie to 0 whatever the entries before it pushed
    there, so an entry written since the last numbering (in `changed`) ends no walk.
    O(entries at the recorded instants, and those written since)."""
    db = store.db
    moved: list[str] = []
    sources: set[str] = set()
    reached = None  # the last instant a walk went through, every entry of it
    recorded = db.execute("SELECT updated_us FROM tied_instants ORDER BY 1").fetchall()
    for (instant,) in recorded:
        if reached is not None and instant <= reached:
            continue
        shown = shown_before(store, instant)
        previous = instant - 1 if shown is None else shown
        walked: list[tuple[int, str]] = []
        rows = db.execute(
            """SELECT e.url, e.source, e.updated_us, e.tie, c.url IS NOT NULL
               FROM entries e LEFT JOIN changed c ON c.url = e.url
               WHERE e.updated_us >= ? ORDER BY e.updated_us, e.entry_id""",
            (instant,),
        )
        for url, source, updated, tie, written in rows:
            if updated > instant and updated > previous and tie == 0 and not written:
                break
            previous = max(updated, previous + 1)
            reached = updated
            if tie != previous - updated:
                walked.append((previous - updated, url))
                sources.add(source)
        rows.close()
        db.executemany("UPDATE entries SET tie = ? WHERE url = ?", walked)
        moved += [url for _, url in walked]
    db.execute("DELETE FROM tied_instants")
    return moved, sources
