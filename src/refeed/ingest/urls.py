"""URL judging and clean-up: absolute, allowed, canonical, untracked. Pure functions.

`judge_url` is the one check every URL refeed writes passes (content attributes inside the
sanitizer, entry links, icons, config URLs): it reads the value the way a browser's URL parser
does, so what it allows is what a reader will load. Nothing here imports an HTML library.

Query strings are edited as raw text, one `&`-separated field at a time, so that every
parameter that stays is byte-for-byte what the page had (no re-encoding of `%20` as `+`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from encodings.idna import nameprep
from urllib.parse import quote, unquote, urljoin, urlsplit, urlunsplit

from refeed.ingest.policy import ALLOWED_PROTOCOLS

DEFAULT_PORTS = {"http": "80", "https": "443"}
# Characters left as they are when a URL is made ASCII: RFC 3986 reserved and unreserved,
# plus "%" so that existing escapes are kept.
_SAFE = "!#$%&'()*+,/:;=?@[]~-._"

# What the WHATWG URL parser removes before parsing: tab/newline anywhere, C0 and space at the ends.
_TAB_OR_NEWLINE = re.compile(r"[\t\n\r]")
_C0_AND_SPACE = "".join(map(chr, range(0x21)))

# WHATWG URL: a scheme is an ASCII letter then ASCII letters, digits, "+", "-", "." up to the
# first ":"; anything else before that ":" means the URL has no scheme (it is relative).
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*(?=:)")
# Schemes the URL standard calls "special": they have a host, and "\\" reads as "/".
_SPECIAL = frozenset({"ftp", "file", "http", "https", "ws", "wss"})
WEB_SCHEMES = frozenset({"http", "https"})
_IPV6_AUTHORITY = re.compile(r"\[[^\]]*\](:[0-9]*)?")
_FORBIDDEN_IN_HOST = re.compile(r"[\x00-\x20#%/:<>?@\[\\\]^|\x7f]")
# The URL standard's forbidden host code points, for the opaque host of a non-special URL,
# and where its authority ends (a backslash is no delimiter there).
_FORBIDDEN_IN_OPAQUE_HOST = re.compile(r"[\x00\t\n\r #/:<>?@\[\\\]^|]")
_AUTHORITY_END = re.compile(r"[/?#]")

# The shape nearly every published URL has, judged without parsing: http(s), "//", an ASCII
# host name whose last label starts with a letter (so not an IPv4 number), a port under
# 10000, then no white space, control character or backslash anywhere.
_PLAIN_WEB_URL = re.compile(
    r"(?i:https?)://(?:[A-Za-z0-9-]+\.)*[A-Za-z][A-Za-z0-9-]*\.?(?::[0-9]{1,4})?"
    r"(?:[/?#][^\\\x00-\x20\x7f]*)?"
)

IsTracking = Callable[[str], bool]


def judge_url(
    value: str, base: str | None, allowed: frozenset[str] = ALLOWED_PROTOCOLS
) -> str | None:
    """The absolute URL a browser makes of `value` (an attribute value with its character
    references already decoded) when its scheme is `allowed`; None otherwise.

    Read as the WHATWG URL standard reads it: leading/trailing C0 controls and spaces
    stripped, tab/LF/CR removed anywhere, the scheme is what precedes the first ":" when that
    is a valid scheme. A relative URL is resolved against `base` (the article URL) and the
    result judged; with no base it is refused. For http(s), backslashes before the query read
    as slashes and the authority is written with exactly two slashes, so the URL returned
    means the same in any document, whatever that document's own base is. The result is
    its own judgement: `judge_url(judge_url(v, b), None) == judge_url(v, b)`.
    """
    if _PLAIN_WEB_URL.fullmatch(value) and value[:5].lower().rstrip(":") in allowed:
        return value
    url = _TAB_OR_NEWLINE.sub("", value.strip(_C0_AND_SPACE))
    scheme = _scheme(url)
    base_scheme = _scheme(base) if base else None
    if (scheme or base_scheme) in _SPECIAL:
        url = _backslashes_as_slashes(url)
    if scheme in _SPECIAL:
        rest = url[len(scheme) + 1 :]
        if scheme == base_scheme and not rest.startswith("//"):
            scheme = None  # "https:path" in an https page is relative to that page
        elif not rest.startswith("//") or rest.startswith("///"):
            # the host follows after any number of slashes: "https:host", "https:///host"
            url = f"{url[: len(scheme)]}://{rest.lstrip('/')}"
    if scheme is None:
        if base_scheme is None:
            return None
        if url.startswith("//"):  # "///host" is "//host" too
            url = "//" + url.lstrip("/")
            if url[2:3] in ("", "?", "#"):
                return None  # no host
        try:
            url = _backslashes_as_slashes(_resolve(url, base or ""))
        except ValueError:
            return None
        scheme = _scheme(url)
    if scheme is None or scheme not in allowed:
        return None
    if scheme in _SPECIAL and scheme != "file" and not _has_host(url):
        return None
    rest = url[len(scheme) + 1 :]
    if scheme not in _SPECIAL and rest.startswith("//") and not _is_opaque_authority(rest[2:]):
        return None
    return url


def _resolve(url: str, base: str) -> str:
    """`url` resolved against `base` as the URL standard does it: urljoin for the path, but
    what urljoin drops kept (an empty query, fragment or RFC 2396 ";params": "x?" is not "x"),
    and "" or "?q" taking the base's path."""
    rest, hash_mark, fragment = url.partition("#")
    path, question_mark, query = rest.partition("?")
    if path:
        joined = urljoin(base, path)
        if path.endswith(";") and not joined.endswith(";"):
            joined += ";"
    else:
        joined = base.partition("#")[0]
        if question_mark:
            joined = joined.partition("?")[0]
    return joined + question_mark + query + hash_mark + fragment


def _scheme(url: str) -> str | None:
    match = _SCHEME.match(url)
    return match.group().lower() if match else None


def _backslashes_as_slashes(url: str) -> str:
    """In a special URL a backslash before the query or fragment is a slash."""
    if "\\" not in url:
        return url
    end = min((i for i in (url.find("?"), url.find("#")) if i != -1), default=len(url))
    return url[:end].replace("\\", "/") + url[end:]


def _has_host(url: str) -> bool:
    """True when `url` has a host a browser can use: none of the URL standard's forbidden
    domain code points, and non-ASCII labels that IDNA can map."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a malformed port/host
    except ValueError:
        return False
    if parts.netloc.rpartition("@")[2].startswith("["):  # urlsplit checked the IPv6 inside
        return _IPV6_AUTHORITY.fullmatch(parts.netloc.rpartition("@")[2]) is not None
    host = parts.hostname
    if not host:
        return False
    if _ends_in_a_number(host):
        return _is_ipv4(host)
    try:  # each non-ASCII label must survive IDNA's mapping (nameprep); lengths are not checked
        prepared = ".".join(
            label if label.isascii() else nameprep(label) for label in host.split(".")
        )
    except UnicodeError:
        return False
    return not _FORBIDDEN_IN_HOST.search(unquote(prepared))


def _is_opaque_authority(rest: str) -> bool:
    """Whether `rest`, what follows "//" in a URL of a scheme that is not special (mailto:,
    tel:), starts with an authority the URL standard can parse: an optional userinfo, an
    opaque host (none of its forbidden host code points) or a bracketed IPv6 address, and a
    port of digits up to 65535. "mailto://:" or "tel://a b" is no URL: a browser makes no
    link of it."""
    authority = _AUTHORITY_END.split(rest, maxsplit=1)[0]
    _, at, host_port = authority.rpartition("@")
    if at and not host_port:
        return False  # credentials, then no host
    if host_port.startswith("["):
        address, bracket, port = host_port[1:].partition("]")
        if not bracket or not _is_ipv6(address) or (port and not port.startswith(":")):
            return False
        port = port[1:]
    else:
        host, colon, port = host_port.partition(":")
        if (colon and not host) or _FORBIDDEN_IN_OPAQUE_HOST.search(host):
            return False
    return port == "" or (port.isascii() and port.isdigit() and int(port) <= 65535)


def _is_ipv6(address: str) -> bool:
    import ipaddress  # deferred: a bracketed host in a mailto: or tel: URL is rare

    try:
        ipaddress.IPv6Address(address)
    except ValueError:
        return False
    return "%" not in address  # Python reads a zone id; the URL standard has none


def _ends_in_a_number(host: str) -> bool:
    """The URL standard's test for a host that must be read as an IPv4 address."""
    labels = host.split(".")
    if labels[-1] == "" and len(labels) > 1:
        labels.pop()
    last = labels[-1]
    return (last.isascii() and last.isdigit()) or _ipv4_number(last) is not None


def _is_ipv4(host: str) -> bool:
    """The URL standard's IPv4 parser, accepting or refusing: "1.2.3.4", "0x7f.1", "2130706433"."""
    labels = host.split(".")
    if labels[-1] == "" and len(labels) > 1:
        labels.pop()
    numbers = [_ipv4_number(label) for label in labels]
    if len(labels) > 4 or None in numbers:
        return False
    *head, last = [n for n in numbers if n is not None]
    return all(n <= 255 for n in head) and last < 256 ** (5 - len(labels))


def _ipv4_number(text: str) -> int | None:
    if not text:
        return None
    radix = 10
    if text[:2] in ("0x", "0X"):
        text, radix = text[2:], 16
    elif len(text) > 1 and text[0] == "0":
        text, radix = text[1:], 8
    if text == "":
        return 0
    if not text.isascii() or not text.isalnum():
        return None
    try:
        return int(text, radix)
    except ValueError:
        return None


def absolutize(url: str, base: str) -> str | None:
    """`url` resolved against `base`; None for a URL that cannot be parsed at all."""
    url = _TAB_OR_NEWLINE.sub("", url).strip(_C0_AND_SPACE)
    if _is_joined_as_written(url):
        return url  # what _joined returns for it, at a tenth of the cost
    return _joined(url, base)


def _joined(url: str, base: str) -> str | None:
    try:
        resolved = urljoin(base, url)
        urlsplit(resolved).port  # noqa: B018 - raises ValueError for a malformed port/host
    except ValueError:
        return None
    return resolved


def _is_joined_as_written(url: str) -> bool:
    """Whether urljoin(base, url) is `url` itself for any http(s) base, and its port parses:
    a plain absolute http(s) URL (lower-case scheme, ASCII host, a port under 10000) that
    urljoin's split and re-join writes back unchanged, which it does not for an empty query
    ("x?"), an empty fragment ("x#") or a ";" in the path (its RFC 2396 parameters). Most
    URLs are such (83 % of the bench corpus's URL attributes); the rest take urljoin."""
    return (
        url.startswith(("https://", "http://"))
        and ";" not in url
        and not url.endswith(("?", "#"))
        and "?#" not in url
        and _PLAIN_WEB_URL.fullmatch(url) is not None
    )


def strip_tracking(url: str, is_tracking: IsTracking) -> str:
    """`url` without the query parameters `is_tracking` names; everything else untouched."""
    if "?" not in url:
        return url  # no query
    if _is_joined_as_written(url):  # urlsplit and urlunsplit would write it back as it is
        query = url.partition("#")[0].partition("?")[2]
        if all(f and not is_tracking(_param_name(f)) for f in query.split("&")):
            return url  # nothing to drop, the common case (image CDN parameters)
    return _stripped(url, is_tracking)


def _stripped(url: str, is_tracking: IsTracking) -> str:
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
    """True for an absolute http(s) URL with a host, written as a browser reads it (no
    surrounding blanks, no tabs or newlines, no backslashes before the query): the check for
    the URLs refeed takes from seed headers and config and writes outside content."""
    return judge_url(url, None, WEB_SCHEMES) == url


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
