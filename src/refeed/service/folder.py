"""What the feeds folder offers over HTTP: which files may be served, the links a feed is
served with, and the page at `/` when refeed wrote no index.html. No web framework here.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import quote

from refeed.output.formats import FEED_FORMATS, media_type_for


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


def feed_links(base_url: str, name: str, hubs: Sequence[str] = ()) -> str | None:
    """The Link header of a feed: the URL subscribers should poll (rel="self", the same URL
    the feed names itself by) and the WebSub hubs announcing its updates (rel="hub": the
    aggregators issue fills `hubs`). None for a file that is not a feed."""
    if not is_feed(name):
        return None
    links = [f'<{base_url}{quote(name)}>; rel="self"']
    links += [f'<{hub}>; rel="hub"' for hub in hubs]
    return ", ".join(links)


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
    """Files in `out_dir` that the static files app will serve (no links leading out)."""
    root = out_dir.resolve()
    return sorted(
        p.name
        for p in out_dir.glob("*")
        if servable(p.name) and p.is_file() and p.resolve().parent == root
    )
