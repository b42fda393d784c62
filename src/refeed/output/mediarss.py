"""Media RSS (https://www.rssboard.org/media-rss) elements, shared by the Atom and RSS renderers.

The lead image is a `media:content medium="image"` plus a `media:thumbnail` (what most readers
show beside an entry); audio and video are `media:content` with their medium. A type or size
is written only when known. The caller passes its XML library's SubElement, so this module
imports none (each renderer owns its library).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from refeed.output.model import Item, Media

SubElement = Callable[..., Any]  # (parent, tag, attrib) -> element, as lxml's

MRSS_NS = "http://search.yahoo.com/mrss/"
_M = "{" + MRSS_NS + "}"


def media_of(item: Item) -> tuple[Media, ...]:
    """An item's media, audio/video first (what an RSS reader plays), then the lead image."""
    return (*item.enclosures, *((item.image,) if item.image else ()))


def add_media(sub: SubElement, parent: Any, media: tuple[Media, ...]) -> None:
    """Append the Media RSS elements of `media` to `parent` (whose root declares the
    namespace, so that no element repeats the declaration)."""
    for m in media:
        content = sub(parent, _M + "content", {"url": m.url, "medium": m.medium})
        if m.type is not None:
            content.set("type", m.type)
        if m.length is not None:
            content.set("fileSize", str(m.length))
    images = [m for m in media if m.medium == "image"]
    if images:
        sub(parent, _M + "thumbnail", {"url": images[0].url})
