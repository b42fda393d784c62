"""Site -> index.opml: the reading list a feed reader imports to subscribe to every feed.

OPML 2.0 (http://opml.org/spec2.opml): one `type="rss"` outline per published feed, pointing
at its Atom file (the format every reader takes; the first enabled format when Atom is off).
Titles stay plain text, as readers (and listparser) import them.
Written with the standard library's ElementTree, which escapes every text and attribute, so no
dependency is needed for a document this small. The dates are the newest feed's update, never
the build's clock: two builds from the same seeds give the same bytes.
"""

from __future__ import annotations

from email.utils import format_datetime
from xml.etree import ElementTree as ET

from refeed.output.formats import FEED_FORMATS
from refeed.output.model import Feed, Site
from refeed.output.webtext import plain_text, web_url

# OPML 2.0's optional head/docs (http://opml.org/spec2.opml) is left out on purpose: the W3C
# validator checks heads against OPML 1.0 and reports it as an error (UndefinedElement).
PREFERRED_FORMAT = "atom"


def render_opml(site: Site) -> bytes:
    """The OPML document listing each feed once, in the site's order (combined feed first)."""
    opml = ET.Element("opml", version="2.0")
    head = ET.SubElement(opml, "head")
    ET.SubElement(head, "title").text = plain_text(site.title).strip()
    if site.feeds:
        newest = format_datetime(max(feed.updated for feed in site.feeds), usegmt=True)
        ET.SubElement(head, "dateCreated").text = newest
        ET.SubElement(head, "dateModified").text = newest
    owner = next((feed.meta.author for feed in site.feeds if feed.meta.kind == "combined"), "")
    if owner := plain_text(owner).strip():
        ET.SubElement(head, "ownerName").text = owner
    body = ET.SubElement(opml, "body")
    listed: set[str] = set()
    for feed in site.feeds:
        outline = _outline(feed, site.formats)
        if outline is not None and outline["xmlUrl"] not in listed:
            listed.add(outline["xmlUrl"])
            ET.SubElement(body, "outline", outline)
    ET.indent(opml, space="  ")
    document: bytes = ET.tostring(opml, "utf-8", xml_declaration=False)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + document + b"\n"


def _outline(feed: Feed, formats: tuple[str, ...]) -> dict[str, str] | None:
    """The outline's attributes, or None for a feed with no checked URL to subscribe to."""
    meta = feed.meta
    enabled = [name for name in FEED_FORMATS if name in formats]
    ordered = sorted(enabled, key=lambda name: name != PREFERRED_FORMAT)
    url = next((u for u in (web_url(meta.urls.get(name)) for name in ordered) if u), None)
    if url is None:
        return None
    title = plain_text(meta.title).strip() or plain_text(meta.name)
    attrs = {"type": "rss", "text": title, "title": title, "xmlUrl": url}
    if homepage := web_url(meta.homepage):
        attrs["htmlUrl"] = homepage
    if description := plain_text(meta.subtitle or ""):
        attrs["description"] = description
    if language := plain_text(meta.language or ""):
        attrs["language"] = language
    return attrs
