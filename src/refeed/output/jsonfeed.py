"""Feed -> JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/) bytes.

Keys are written in one fixed order (the spec's), UTF-8 without escapes, indented, with a
final newline, so that the same feed is always the same bytes. `title` and `summary` are the
plain text the model holds (the spec allows no HTML in them); the HTML is `content_html`.
Dates are RFC 3339. The configured icon is a small image (a favicon), so it is written as
`favicon` and also as `icon`, the only image the feed has for readers that show one.
Audio/video whose type is known are `attachments`; the lead image is `image`.
"""

from __future__ import annotations

import json
from typing import Any

from refeed.output.links import alternate_links, history_links, subscription_hubs
from refeed.output.model import Feed, Item

VERSION = "https://jsonfeed.org/version/1.1"
MEDIA_TYPE = "application/feed+json"
# JSON Feed has no field for the same feed in another language; its extensions are keys that
# begin with "_", which readers that do not know them ignore (spec: "Extensions"). Its
# "about" (a SHOULD) is left out: refeed has no published page documenting it.
EXTENSION = "_refeed"


def render_json(feed: Feed) -> bytes:
    meta = feed.meta
    doc: dict[str, Any] = {
        "version": VERSION,
        "title": meta.title,
        "home_page_url": meta.homepage,
        "feed_url": meta.url("json"),
    }
    if meta.subtitle:
        doc["description"] = meta.subtitle
    # JSON Feed pages toward older items with next_url: the prev-archive page, the chain
    # RFC 5005 walks. Nothing else of the history has a place in JSON Feed.
    for rel, href in history_links(feed.history, "json"):
        if rel == "prev-archive":
            doc["next_url"] = href
    if meta.icon:
        doc["icon"] = meta.icon
        doc["favicon"] = meta.icon
    doc["authors"] = [{"name": meta.author}]
    if meta.language:
        doc["language"] = meta.language
    if hubs := subscription_hubs(feed):
        doc["hubs"] = [{"type": "WebSub", "url": hub} for hub in hubs]
    if alternates := alternate_links(meta, "json"):
        doc[EXTENSION] = {
            "alternates": [
                {"url": url} | ({"language": lang} if lang else {}) for url, lang in alternates
            ],
        }
    doc["items"] = [_item(item) for item in feed.items]
    return (json.dumps(doc, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _item(item: Item) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": item.entry_id,
        "url": item.url,
        "title": item.title,
        "content_html": item.content_html,
    }
    if item.summary:
        out["summary"] = item.summary
    if item.image is not None:
        out["image"] = item.image.url
    out["date_published"] = item.published.isoformat()
    out["date_modified"] = item.updated.isoformat()
    if item.authors:
        out["authors"] = [{"name": name} for name in item.authors]
    if item.categories:
        out["tags"] = list(item.categories)
    attachments = [
        {"url": m.url, "mime_type": m.type}
        | ({"size_in_bytes": m.length} if m.length is not None else {})
        for m in item.enclosures
        if m.type is not None
    ]
    if attachments:
        out["attachments"] = attachments
    return out
