"""Change notifications for the daemon: which seed files changed since the last pass.

With them a daemon pass looks only at what changed: a pass with nothing new costs nothing,
however large the archive, instead of one stat per file. They are a shortcut, never the
truth: anything the watcher cannot map to one seed file (a folder created, moved or
deleted; an error in the observer) asks for a full scan, and the daemon makes one on its
first pass and every `run.full_scan_seconds` anyway, so a missed event (network file
systems, a full kernel queue) is repaired within that time. The only module importing watchdog.
"""

from __future__ import annotations

import logging
import os
import threading
import warnings
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from refeed.ingest.seeds import SEED_SUFFIX

log = logging.getLogger(__name__)

# When nested folders appear at once (mkdir -p), watchdog reaches the inner one both by its
# event and by its own recursive walk, registers the same callback twice and warns that it
# overwrites it: benign, and not the user's concern.
warnings.filterwarnings(
    "ignore", message=r"Callback with id .* already exists", category=RuntimeWarning,
    module=r"watchdog\.observers\.inotify",
)  # fmt: skip


class SeedWatcher(FileSystemEventHandler):
    """Collects the names (relative to the seeds folder) of seed files that were touched."""

    def __init__(self, seeds_dir: Path) -> None:
        super().__init__()
        self.root = os.path.realpath(seeds_dir)
        self._lock = threading.Lock()
        self._changed: set[str] = set()
        self._full_scan = True  # until the first full scan, nothing is known
        self._observer: Observer | None = None  # type: ignore[valid-type]

    def start(self) -> bool:
        """Start watching; False (full scans every pass) if notifications are unavailable."""
        try:
            observer = Observer()
            observer.schedule(self, self.root, recursive=True)
            observer.start()
        except (OSError, RuntimeError) as exc:
            log.warning("no change notifications for %s (%s): every pass scans", self.root, exc)
            return False
        self._observer = observer
        return True

    def stop(self) -> None:
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(timeout=5)
            self._observer = None

    @property
    def alive(self) -> bool:
        return self._observer is not None and self._observer.is_alive()

    def take(self) -> set[str] | None:
        """The names changed since the last call, or None when only a full scan will do."""
        with self._lock:
            changed, self._changed = self._changed, set()
            full, self._full_scan = self._full_scan or not self.alive, False
        return None if full else changed

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in ("opened", "closed_no_write"):
            return  # reading a file changes nothing
        paths = [event.src_path, getattr(event, "dest_path", "") or ""]
        with self._lock:
            if event.is_directory:
                # a folder created, deleted or moved may carry files no event named; a folder
                # "modified" only echoes the file events that come with it
                if event.event_type in ("created", "deleted", "moved"):
                    self._full_scan = True
                return
            for path in paths:
                name = self._seed_name(os.fsdecode(path))
                if name is not None:
                    self._changed.add(name)

    def _seed_name(self, path: str) -> str | None:
        if not path or not path.endswith(SEED_SUFFIX):
            return None
        relative = Path(os.path.relpath(path, self.root))
        if relative.parts[0] == ".." or any(part.startswith(".") for part in relative.parts):
            return None
        return relative.as_posix()
