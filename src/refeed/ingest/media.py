"""An article's media: its lead image and the audio/video files the page links directly.

The lead image is the page's `og:image` where it declares one (the picture the site itself
chose), else the first image of the cleaned content. Audio and video are read from the raw
page, because the cleaner drops <audio>/<video> (players need script and a reader shows an
enclosure better): each element's own `src` and its <source> children.

A MIME type is only ever what is known: the page's `type` attribute, else the URL path's file
suffix looked up in the table below; an unknown type stays None (the renderers then write no
enclosure, only Media RSS, whose type is optional). The table is explicit rather than the
standard `mimetypes` module: its built-in map lacks .webp, .m4a and .ogg on Python 3.11, and
the system's mime.types would make the output depend on the machine.
Every URL is resolved against the article URL and must pass the URL check.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

from refeed.ingest.urls import absolutize, is_web_url
from refeed.models import Media

SUFFIX_TYPES = {
    ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".gif": "image/gif",
    ".webp": "image/webp", ".avif": "image/avif",
    ".mp3": "audio/mpeg", ".m4a": "audio/mp4", ".aac": "audio/aac", ".ogg": "audio/ogg",
    ".oga": "audio/ogg", ".opus": "audio/ogg", ".wav": "audio/wav", ".flac": "audio/flac",
    ".mp4": "video/mp4", ".m4v": "video/mp4", ".webm": "video/webm", ".ogv": "video/ogg",
    ".mov": "video/quicktime",
}  # fmt: skip
MEDIA_MAX = 4  # enclosures per article; a page with more is a gallery, not an episode

_META = re.compile(r"<meta\b[^>]*>", re.I)
_PLAYER = re.compile(r"<(audio|video)\b.*?(?:</\1\s*>|\Z)", re.I | re.S)
_SOURCE = re.compile(r"<source\b[^>]*>", re.I)
_CONTENT_IMG = re.compile(r'<img\b[^>]*?\ssrc="([^"]*)"', re.I)  # sanitized: quoted, escaped


def lead_image(content_html: str, raw_html: str, base: str) -> Media | None:
    """The page's og:image, else the first image of the (sanitized) content."""
    for tag in _META.finditer(raw_html):
        attrs = tag_attributes(tag.group())
        if attrs.get("property", attrs.get("name", "")).lower() in ("og:image", "og:image:url"):
            image = _media(attrs.get("content", ""), base, "image", None)
            if image is not None:
                return image
    match = _CONTENT_IMG.search(content_html)
    return _media(html.unescape(match.group(1)), base, "image", None) if match else None


def enclosures(raw_html: str, base: str) -> tuple[Media, ...]:
    """Audio and video files the page gives directly, in page order, each once."""
    found: dict[str, Media] = {}
    for player in _PLAYER.finditer(raw_html):
        medium = player.group(1).lower()
        opening = tag_attributes(player.group()[: player.group().find(">") + 1])
        candidates = [(opening.get("src", ""), opening.get("type"))]
        for source in _SOURCE.finditer(player.group()):
            attrs = tag_attributes(source.group())
            candidates.append((attrs.get("src", ""), attrs.get("type")))
        for url, declared in candidates:
            media = _media(url, base, medium, declared)
            if media is not None and media.type is not None and media.url not in found:
                found[media.url] = media
    return tuple(found.values())[:MEDIA_MAX]


def _media(url: str, base: str, medium: str, declared: str | None) -> Media | None:
    if not url.strip():
        return None
    absolute = absolutize(url, base)
    if absolute is None or not is_web_url(absolute):
        return None
    media_type = _known_type(absolute, declared, medium)
    return Media(absolute, medium, media_type)


def _known_type(url: str, declared: str | None, medium: str) -> str | None:
    """The declared type when it is one of `medium`, else the suffix's, else None."""
    declared = (declared or "").split(";")[0].strip().lower()
    if declared.startswith(medium + "/"):
        return declared
    suffix = PurePosixPath(unquote(urlsplit(url).path)).suffix.lower()
    known = SUFFIX_TYPES.get(suffix)
    return known if known and known.startswith(medium + "/") else None


def tag_attributes(tag: str) -> dict[str, str]:
    """The attributes of one start tag, read by the standard library's HTML tokenizer
    (character references decoded, any quoting), first occurrence wins as in HTML."""
    reader = _StartTag()
    reader.feed(tag)
    reader.close()
    return reader.attrs


class _StartTag(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.attrs: dict[str, str] = {}
        self._seen = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if not self._seen:
            self._seen = True
            for name, value in attrs:
                self.attrs.setdefault(name, value or "")

    handle_startendtag = handle_starttag
