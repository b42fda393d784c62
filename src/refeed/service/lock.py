"""A single-instance lock on the state folder, so that a `refeed build` from cron and a running
daemon never write the same state and feeds at once.

The lock is an flock on `<state folder>/refeed.lock`, released by the kernel when the process
ends however it ends (kill -9 included), so a stale lock cannot outlive its holder. The file
says who holds it, for the message the second process prints.
"""

from __future__ import annotations

import fcntl
import json
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from refeed.errors import LockedError

POLL_SECONDS = 0.05


@contextmanager
def state_lock(state_db: Path, wait_seconds: float) -> Iterator[None]:
    """Hold the lock for the state at `state_db`; LockedError after `wait_seconds` of trying."""
    path = state_db.parent / "refeed.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise LockedError(_holder_message(path, wait_seconds)) from None
                time.sleep(POLL_SECONDS)
        holder = {
            "pid": os.getpid(),
            "command": " ".join(["refeed", *sys.argv[1:]]),
            "since": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(holder).encode(), 0)
        yield
    finally:
        os.close(fd)  # closing releases the flock


def _holder_message(path: Path, waited: float) -> str:
    try:
        holder = json.loads(path.read_text(encoding="utf-8"))
        who = f"pid {holder['pid']} ({holder['command']}, since {holder['since']})"
    except (OSError, ValueError, KeyError, TypeError):
        who = "another process"
    return f"the state in {path.parent} is locked by {who}; gave up after {waited:g}s"
