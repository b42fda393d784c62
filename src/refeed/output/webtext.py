"""Seed-derived text and URLs, checked once more where the pages and the OPML write them.

The model promises plain text and judged http(s) URLs; these documents live on refeed's own
origin, so a broken promise must not become a script or a `javascript:` link. Both checks
are strict and cheap: a value that fails is dropped (the link or image is left out), never
repaired into something nobody checked.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

# Characters neither XML 1.0 nor the HTML parser accept in text: C0/C1 controls (tab, line
# feed and carriage return aside), surrogates and the Unicode noncharacters.
_NONCHARACTERS = "".join(
    f"{chr(plane + 0xFFFE)}{chr(plane + 0xFFFF)}" for plane in range(0x10000, 0x110000, 0x10000)
)
_UNWRITABLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff"
    + _NONCHARACTERS
    + "]"
)
# A URL refeed writes has no white space or control characters at all (WHATWG parsers strip
# or skip some of them, which is how "java\tscript:" gets through naive checks).
_URL_UNSAFE = re.compile(r"[\x00-\x20\x7f-\x9f]")
WEB_SCHEMES = frozenset({"http", "https"})


def plain_text(text: str) -> str:
    """`text` without the characters that cannot be written into HTML or XML."""
    return _UNWRITABLE.sub("", text)


def web_url(url: str | None) -> str | None:
    """`url` if it is an absolute http(s) URL with a host and nothing a parser might skip."""
    if not url or _URL_UNSAFE.search(url) or _UNWRITABLE.search(url):
        return None
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return None
    if parts.scheme.lower() not in WEB_SCHEMES or not host:
        return None
    return url
