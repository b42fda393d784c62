"""URL clean-up: absolute, canonical, free of tracking parameters. Pure functions.

Query strings are edited as raw text, one `&`-separated field at a time, so that every
parameter that stays is byte-for-byte what the page had (no re-encoding of `%20` as `+`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import quote, unquote, urljoin, urlsplit, urlunsplit

DEFAULT_PORTS = {"http": "80", "https": "443"}
# Characters left as they are when a URL is made ASCII: RFC 3986 reserved and unreserved,
# plus "%" so that existing escapes are kept.
_SAFE = "!#$%&'()*+,/:;=?@[]~-._"

# What the WHATWG URL parser removes before parsing: tab/newline anywhere, C0 and space at the ends.
_TAB_OR_NEWLINE = re.compile(r"[\t\n\r]")
_C0_AND_SPACE = "".join(map(chr, range(0x21)))

IsTracking = Callable[[str], bool]


def absolutize(url: str, base: str) -> str | None:
    """`url` resolved against `base`; None for a URL that cannot be parsed at all."""
    url = _TAB_OR_NEWLINE.sub("", url).strip(_C0_AND_SPACE)
    try:
        resolved = urljoin(base, url)
        urlsplit(resolved).port  # noqa: B018 - raises ValueError for a malformed port/host
    except ValueError:
        return None
    return resolved


def strip_tracking(url: str, is_tracking: IsTracking) -> str:
    """`url` without the query parameters `is_tracking` names; everything else untouched."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if not parts.query:
        return url
    kept = [f for f in parts.query.split("&") if f and not is_tracking(_param_name(f))]
    return urlunsplit(parts._replace(query="&".join(kept)))


def _param_name(field: str) -> str:
    return unquote(field.split("=", 1)[0].replace("+", " "))


def canonical_url(url: str, is_tracking: IsTracking) -> str:
    """The form of an article URL that identifies it: same article, same string.

    ASCII (non-ASCII characters percent-encoded, host in IDNA), lower-case scheme and host,
    no default port, no fragment, no tracking parameters.
    """
    parts = urlsplit(strip_tracking(url.strip(), is_tracking))
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError:
        host = quote(host, safe=_SAFE)
    netloc = host
    if parts.username is not None:
        userinfo = quote(parts.username, safe=_SAFE)
        if parts.password is not None:
            userinfo += ":" + quote(parts.password, safe=_SAFE)
        netloc = f"{userinfo}@{host}"
    if parts.port is not None and str(parts.port) != DEFAULT_PORTS.get(scheme):
        netloc += f":{parts.port}"
    path = quote(parts.path, safe=_SAFE) or "/"
    query = quote(parts.query, safe=_SAFE)
    return urlunsplit((scheme, netloc, path, query, ""))


def is_web_url(url: str) -> bool:
    """True for an absolute http(s) URL with a host."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def parse_srcset(value: str) -> list[tuple[str, str]]:
    """(url, descriptor) candidates of a srcset, as the HTML standard splits them.

    A URL runs to the next white space and may contain commas; a candidate ends at a comma
    that follows its URL (trailing commas of the URL itself) or its descriptor. One regular
    expression does it when no descriptor has parentheses (a comma inside them does not end
    the descriptor); those rare values take the character loop.
    """
    if "(" in value:
        return _parse_srcset_loop(value)
    out = []
    for m in _CANDIDATE.finditer(value):
        url = m.group(1)
        if url is not None:
            out.append((url, ""))
        else:
            out.append((m.group(2), " ".join(m.group(3).split())))
    return out


# Separators, then either a URL ending in commas (no descriptor) or a URL and its descriptor.
_CANDIDATE = re.compile(r"[\s,]*(?:([^\s,]\S*?),+(?=\s|$)|([^\s,]\S*)([^,]*),?)")


def _parse_srcset_loop(value: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    i, n = 0, len(value)
    while i < n:
        while i < n and (value[i].isspace() or value[i] == ","):
            i += 1
        start = i
        while i < n and not value[i].isspace():
            i += 1
        url = value[start:i]
        descriptor = ""
        if url.endswith(","):
            url = url.rstrip(",")
        else:
            start = i
            depth = 0  # a comma inside parentheses does not end the descriptor
            while i < n and (value[i] != "," or depth):
                if value[i] == "(":
                    depth += 1
                elif value[i] == ")" and depth:
                    depth -= 1
                i += 1
            descriptor = " ".join(value[start:i].split())
            i += 1
        if url:
            out.append((url, descriptor))
    return out


def rewrite_srcset(value: str, rewrite: Callable[[str], str | None]) -> str:
    """Apply `rewrite` to each candidate URL of a srcset; candidates it rejects are dropped."""
    out = []
    for url, descriptor in parse_srcset(value):
        new = rewrite(url)
        if new:
            out.append(f"{new} {descriptor}".rstrip())
    return ", ".join(out)
