"""One frozen type per stage of the data flow.

seed file on disk -> SeedFile -> ParsedArticle -> CleanArticle -> StoredEntry -> feed bytes

Every datetime here is timezone-aware UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path


@dataclass(frozen=True, slots=True)
class SeedFile:
    """A file found in the seeds folder; `name` is its path relative to that folder, with `/`.

    The full path is derived on demand: a scan of a large archive makes one of these per file
    and reads almost none of them.
    """

    folder: Path
    name: str
    size: int
    mtime_ns: int

    @property
    def path(self) -> Path:
        return self.folder / self.name


@dataclass(frozen=True, slots=True)
class ParsedArticle:
    """A seed file that follows the format: header fields and the raw, untrusted body HTML."""

    seed: str
    published: datetime
    title: str
    url: str
    body_html: str


@dataclass(frozen=True, slots=True)
class Media:
    """An image, audio or video file an article points at (lead image, enclosure)."""

    url: str
    medium: str  # "image" | "audio" | "video"
    type: str | None = None  # MIME type, when known from the page or the URL's file suffix
    length: int | None = None  # bytes, when the page says
    alt: str = ""  # plain text: the image's own alt text in the article, "" when it has none


@dataclass(frozen=True, slots=True)
class CleanArticle:
    """An article whose HTML is cleaned and sanitized: safe to put in front of a reader.

    `url` is canonical (tracking parameters and fragment removed); `entry_id` derives from it.
    """

    seed: str
    entry_id: str
    url: str
    title: str
    published: datetime
    author: str | None
    summary: str
    content_html: str
    categories: tuple[str, ...] = ()
    image: Media | None = None  # the lead image
    enclosures: tuple[Media, ...] = ()  # audio/video files the page gives directly
    modified: datetime | None = None  # the page's own modification time, when it says


@dataclass(frozen=True, slots=True)
class StoredEntry:
    """A feed entry: the winning article for one canonical URL, assigned to one source.

    `published` is the earliest time the URL was seen, `updated` the time of the version shown.
    """

    source: str
    article: CleanArticle
    published: datetime
    updated: datetime
    categories: tuple[str, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class Rejection:
    """A seed file that was not published, and why (shown to the user verbatim)."""

    seed: str
    reason: str
