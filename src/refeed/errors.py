"""One error hierarchy: each error says what failed (a file, a key) and chains its cause."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path


class RefeedError(Exception):
    """Base of every error refeed expects and reports; anything else is a bug."""


class ConfigError(RefeedError):
    """The configuration file is missing, unreadable, or says something invalid."""

    def __init__(self, path: Path | str, key: str | None, message: str) -> None:
        self.path = str(path)
        self.key = key
        self.message = message
        where = f"{self.path}: {key}" if key else self.path
        super().__init__(f"{where}: {message}")


class SeedError(RefeedError):
    """A seed file does not follow the seed format; the run goes on without it.

    `retry_at` is set when the file may become acceptable without changing (a timestamp
    that is only too far in the future for now).
    """

    def __init__(self, seed: str, reason: str, retry_at: datetime | None = None) -> None:
        self.seed = seed
        self.reason = reason
        self.retry_at = retry_at
        super().__init__(f"{seed}: {reason}")


class LockedError(RefeedError):
    """Another refeed process holds the state lock."""


class ConversionError(RefeedError):
    """OpenCC could not convert a text: it failed to load or to convert, or its process
    ended (output/opencc_process.py)."""
