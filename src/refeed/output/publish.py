"""Atomic feed writes: a reader sees the old file or the new one, never half of either.

A file whose bytes would not change is not touched, so its mtime (and the ETag and
Last-Modified a web server derives from it) changes only when its content does.
"""

from __future__ import annotations

import os
from pathlib import Path

from refeed import faults

_TEMP_SUFFIX = ".tmp"  # temporary files are .<feed name>.<random><suffix>, beside the feed


def write_if_changed(path: Path, data: bytes) -> bool:
    """Write `data` to `path` atomically unless it already holds exactly that; True if written."""
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    import tempfile  # deferred: a pass that writes nothing does not pay for it

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=_TEMP_SUFFIX, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        faults.reached("writing")
        Path(tmp).chmod(0o644)  # mkstemp makes it 0600; a feed is for everyone to read
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return True


def remove_if_exists(path: Path) -> bool:
    """Remove a feed refeed wrote earlier (its source has no entries left); True if removed."""
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True


def remove_leftovers(folder: Path) -> None:
    """Remove temporary files of writes that a crash (kill -9, power cut) cut short. Only one
    refeed writes a feeds folder at a time (the state lock), so any such file is stale."""
    if not folder.is_dir():
        return
    for pattern in (f".*{_TEMP_SUFFIX}", f"archive/*/.*{_TEMP_SUFFIX}"):  # feeds, archive pages
        for path in folder.glob(pattern):
            path.unlink(missing_ok=True)
