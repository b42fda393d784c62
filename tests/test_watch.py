"""Change notifications: real file system events mapped to seed names."""

from __future__ import annotations

from pathlib import Path

from refeed.service.watch import SeedWatcher

from .processes import eventually


def test_events_become_seed_names(tmp_path: Path) -> None:
    watcher = SeedWatcher(tmp_path)
    assert watcher.start()
    try:
        assert watcher.take() is None  # nothing is known before a first full scan
        (tmp_path / "a.txt").write_text("x")
        (tmp_path / "notes.md").write_text("x")
        (tmp_path / ".hidden.txt").write_text("x")
        seen: set[str] = set()

        def collected(*names: str) -> bool:
            seen.update(watcher.take() or set())
            return set(names) <= seen

        eventually(lambda: collected("a.txt"), timeout=5)
        (tmp_path / "a.txt").rename(tmp_path / "b.txt")
        eventually(lambda: collected("a.txt", "b.txt"), timeout=5)
        assert seen == {"a.txt", "b.txt"}
    finally:
        watcher.stop()


def test_a_new_folder_asks_for_a_full_scan(tmp_path: Path) -> None:
    watcher = SeedWatcher(tmp_path)
    assert watcher.start()
    try:
        watcher.take()
        (tmp_path / "2024").mkdir()
        eventually(lambda: watcher.take() is None, timeout=5)
    finally:
        watcher.stop()


def test_a_stopped_watcher_asks_for_full_scans(tmp_path: Path) -> None:
    watcher = SeedWatcher(tmp_path)
    assert watcher.start()
    watcher.take()
    watcher.stop()
    assert watcher.take() is None
