"""The output formats: name, file suffix, media type, and the module that renders each.

A renderer module is imported only when a feed is rendered in its format, so an idle pass
imports none of them. Feed formats render one Feed; site documents render the whole Site.
Serving picks media types from here too, so a file is always served as what it was written as.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # only named: a pass that renders nothing imports no model
    from refeed.output.model import Feed, Site

CHARSET = "; charset=utf-8"  # every text refeed writes is UTF-8, and says so when served


@dataclass(frozen=True, slots=True)
class Format:
    """One output format. `renderer` is "module:function"; the function takes a Feed
    (feed formats) or a Site (site documents) and returns the file's bytes."""

    name: str
    suffix: str
    media_type: str  # without parameters; see `content_type`
    renderer: str

    @property
    def content_type(self) -> str:
        return self.media_type + CHARSET

    def load(self) -> Callable[[Any], bytes]:
        module, _, function = self.renderer.partition(":")
        render: Callable[[Any], bytes] = getattr(importlib.import_module(module), function)
        return render

    def render_feed(self, feed: Feed) -> bytes:
        return self.load()(feed)

    def render_site(self, site: Site) -> bytes:
        return self.load()(site)


# Feed formats a subscriber can choose from, in the order pages offer them.
FEED_FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("atom", ".atom", "application/atom+xml", "refeed.output.atom:render_atom"),
        Format("rss", ".rss", "application/rss+xml", "refeed.output.rss:render_rss"),
        Format("json", ".json", "application/feed+json", "refeed.output.jsonfeed:render_json"),
    )
}
# The page a person reads for each feed (<name>.html), always written.
FEED_PAGE = Format("html", ".html", "text/html", "refeed.output.pages:render_feed_page")
# Documents about every feed.
SITE_DOCUMENTS: dict[str, Format] = {
    "index.html": Format("index", ".html", "text/html", "refeed.output.pages:render_index"),
    "index.opml": Format("opml", ".opml", "text/x-opml", "refeed.output.opml:render_opml"),
}

DEFAULT_FORMATS = tuple(FEED_FORMATS)


def media_type_for(filename: str) -> str | None:
    """The Content-Type (with charset) to serve a file refeed writes, by its suffix."""
    for fmt in (*FEED_FORMATS.values(), FEED_PAGE, *SITE_DOCUMENTS.values()):
        if filename.endswith(fmt.suffix):
            return fmt.content_type
    return None
