"""What the feeds folder offers over HTTP: which files may be served, the links a feed is
served with, and the page at `/` when refeed wrote no index.html. No web framework here.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import quote

from refeed.output.archives import ARCHIVE_FOLDER
from refeed.output.formats import FEED_FORMATS, media_type_for

# A full archive page never changes again (RFC 5005 section 4): cached for a year, and
# `immutable` tells browsers not to revalidate it even on reload (RFC 8246).
IMMUTABLE = "public, max-age=31536000, immutable"


def servable(name: str) -> bool:
    """Whether a file of the feeds folder may be served: a kind refeed writes, and no part of
    its path hidden (refeed's temporaries are `.<feed>.<random>.tmp`; operators' dot-files)."""
    parts = Path(name).parts
    return (
        bool(parts)
        and not any(part.startswith(".") for part in parts)
        and not name.endswith(".tmp")
        and media_type_for(name) is not None
    )


def is_feed(name: str) -> bool:
    return any(name.endswith(fmt.suffix) for fmt in FEED_FORMATS.values())


def is_archive_page(name: str) -> bool:
    """Whether `name` (relative to the feeds folder) is an RFC 5005 archive page:
    `archive/<feed>/<n>.<suffix>` (output/archives.py writes them)."""
    parts = Path(name).parts
    return len(parts) == 3 and parts[0] == ARCHIVE_FOLDER and _page_number(parts[2]) is not None


def feed_links(base_url: str, name: str, hubs: Sequence[str] = ()) -> str | None:
    """The Link header of a feed: the URL it names itself by (rel="self") and, on a
    subscription document, the WebSub hubs announcing its updates (rel="hub"). An archive
    page names no hub: it is never announced. None for a file that is not a feed."""
    if not is_feed(name):
        return None
    links = [f'<{base_url}{quote(name)}>; rel="self"']
    if not is_archive_page(name):
        links += [f'<{hub}>; rel="hub"' for hub in hubs]
    return ", ".join(links)


def archive_cache_control(out_dir: Path, name: str) -> str | None:
    """IMMUTABLE for a full archive page, None (the server's usual max-age) for anything else.

    A page is full exactly when the next one exists: archives.py opens page n+1 only once
    page n holds page_size entries. The newest page still fills, so it is cached like a feed.
    """
    if not is_archive_page(name):
        return None
    path = Path(name)
    number = _page_number(path.name)
    assert number is not None  # is_archive_page checked it
    suffix = path.name[len(str(number)) :]
    following = out_dir / path.parent / f"{number + 1}{suffix}"
    return IMMUTABLE if following.is_file() else None


def _page_number(file_name: str) -> int | None:
    """n of an archive page's file name `<n><suffix>` (n from 1, no leading zeros)."""
    for fmt in FEED_FORMATS.values():
        stem = file_name.removesuffix(fmt.suffix)
        if stem != file_name and stem.isascii() and stem.isdigit() and not stem.startswith("0"):
            return int(stem)
    return None


def listing_page(out_dir: Path) -> str:
    """The page at `/` when the folder has no index.html: every servable file, and
    autodiscovery links for the feeds."""
    names = servable_files(out_dir)
    links = "".join(f'<li><a href="{html.escape(n)}">{html.escape(n)}</a></li>' for n in names)
    alternates = "".join(
        f'<link rel="alternate" type="{fmt.media_type}" href="{html.escape(n)}">'
        for n in names
        for fmt in FEED_FORMATS.values()
        if n.endswith(fmt.suffix)
    )
    return (
        '<!doctype html><html><head><meta charset="utf-8"><title>refeed</title>'
        f"{alternates}</head><body><h1>Feeds</h1><ul>{links}</ul></body></html>"
    )


def servable_files(out_dir: Path) -> list[str]:
    """Files in `out_dir` that the static files app will serve (no links leading out). Only
    the folder's own files: archive pages (in `archive/`) are reached from their feeds."""
    root = out_dir.resolve()
    return sorted(
        p.name
        for p in out_dir.glob("*")
        if servable(p.name) and p.is_file() and p.resolve().parent == root
    )
