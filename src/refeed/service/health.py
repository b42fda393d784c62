"""`GET /healthz`: is the daemon keeping the feeds up to date? Answered from memory, no I/O.

Healthy (200) while the last pass succeeded and finished less than `max_age` seconds ago;
503 otherwise. Before the first pass has finished the daemon counts as starting, healthy for
`max_age` seconds after it started. A server without passes (`refeed serve`) is healthy while
it answers: it cannot know whether someone else's builds run (cron's exit status and
`refeed status` tell that).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

Clock = Callable[[], float]


@dataclass(frozen=True)
class _Pass:
    finished: float  # on the monotonic clock: ages survive wall-clock steps
    finished_at: float  # Unix time, for people
    ok: bool
    pending: int


class PassHealth:
    """The last pass as /healthz reports it. Thread-safe: passes and requests run apart."""

    def __init__(
        self, max_age: float | None, clock: Clock = time.monotonic, wall: Clock = time.time
    ) -> None:
        """`max_age` None: this process runs no passes (`refeed serve`)."""
        self.max_age, self.clock, self.wall = max_age, clock, wall
        self.started = clock()
        self._last: _Pass | None = None
        self._lock = threading.Lock()

    def record(self, ok: bool, pending: int = 0) -> None:
        last = _Pass(self.clock(), self.wall(), ok, pending)
        with self._lock:
            self._last = last

    def check(self) -> tuple[int, dict[str, Any]]:
        """(HTTP status, JSON body)."""
        if self.max_age is None:
            return 200, {"status": "ok", "passes": "none: this process only serves the feeds"}
        with self._lock:
            last = self._last
        now = self.clock()
        body: dict[str, Any] = {"max_age_seconds": self.max_age}
        if last is None:
            healthy = now - self.started <= self.max_age
            body |= {"status": "starting" if healthy else "stale", "last_pass": None,
                     "result": None, "pending": None}  # fmt: skip
            return (200 if healthy else 503), body
        age = now - last.finished
        status = "failing" if not last.ok else "stale" if age > self.max_age else "ok"
        body |= {
            "status": status,
            "last_pass": _iso(last.finished_at),
            "result": "ok" if last.ok else "failed",
            "age_seconds": round(age, 3),
            "pending": last.pending,
        }
        return (200 if status == "ok" else 503), body


def _iso(unix_time: float) -> str:
    return (
        datetime.fromtimestamp(unix_time, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    )
