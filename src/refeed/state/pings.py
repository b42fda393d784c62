"""WebSub pings owed to hubs, kept in the state (schema.PINGS_SCHEMA) so that a hub that is
down gets them later, from this process or the next. service/websub.py sends them; this keeps
the ledger: what is owed, when to try again, what failed for good."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from refeed.state.store import Store, from_us, to_us


@dataclass(frozen=True, slots=True)
class PingRow:
    """A WebSub ping still owed to a hub (or given up on), as the state holds it."""

    hub: str
    topic: str
    attempts: int
    next_attempt: datetime
    last_error: str | None
    failed: bool


def queue_pings(store: Store, hubs: Iterable[str], topics: Iterable[str], now: datetime) -> None:
    """Owe every hub a ping for every topic, due now. An existing row for the same (hub,
    topic), pending or failed, is reset: the hub will fetch the newest bytes anyway. Its last
    error is kept for `refeed status` until a ping succeeds."""
    rows = [(hub, topic, to_us(now)) for hub in hubs for topic in topics]
    store.db.executemany(
        "INSERT INTO pings VALUES (?, ?, 0, ?, NULL, 0) ON CONFLICT (hub, topic) DO UPDATE"
        " SET attempts = 0, next_at_us = excluded.next_at_us, failed = 0",
        rows,
    )


def drop_pings_except(store: Store, hubs: Iterable[str]) -> None:
    """Forget pings owed to hubs no longer configured."""
    keep = list(hubs)
    marks = ", ".join("?" * len(keep))
    store.db.execute(f"DELETE FROM pings WHERE hub NOT IN ({marks})", keep)


def due_pings(store: Store, now: datetime) -> list[PingRow]:
    """Pending pings whose time has come, oldest due first."""
    rows = store.db.execute(
        "SELECT * FROM pings WHERE failed = 0 AND next_at_us <= ? ORDER BY next_at_us, hub, topic",
        (to_us(now),),
    )
    return [_ping(row) for row in rows]


def ping_delivered(store: Store, hub: str, topic: str) -> None:
    store.db.execute("DELETE FROM pings WHERE hub = ? AND topic = ?", (hub, topic))


def ping_missed(
    store: Store, hub: str, topic: str, attempts: int, next_at: datetime, error: str, failed: bool
) -> None:
    """An attempt that did not deliver: retry at `next_at`, or `failed` for good."""
    store.db.execute(
        "UPDATE pings SET attempts = ?, next_at_us = ?, last_error = ?, failed = ?"
        " WHERE hub = ? AND topic = ?",
        (attempts, to_us(next_at), error, int(failed), hub, topic),
    )


def postpone_pings(store: Store, hub: str, until: datetime) -> None:
    """A hub found down: its other owed pings wait as long as the one that found it."""
    store.db.execute(
        "UPDATE pings SET next_at_us = ? WHERE hub = ? AND failed = 0 AND next_at_us < ?",
        (to_us(until), hub, to_us(until)),
    )


def owes_pings(store: Store) -> bool:
    """Whether any ping is owed or given up on (cheap: one row at most)."""
    return bool(store.rows_if_present("SELECT 1 FROM pings LIMIT 1"))


def all_pings(store: Store) -> list[PingRow]:
    """Every ping owed or given up on (for `refeed status`): failed last, then by time."""
    rows = store.rows_if_present("SELECT * FROM pings ORDER BY failed, next_at_us, hub, topic")
    return [_ping(row) for row in rows]


def _ping(row: tuple[str, str, int, int, str | None, int]) -> PingRow:
    hub, topic, attempts, next_at_us, error, failed = row
    return PingRow(hub, topic, attempts, from_us(next_at_us), error, bool(failed))
