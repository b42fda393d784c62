"""URL clean-up, as named table tests."""

from __future__ import annotations

from pathlib import Path

import ada_url
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from refeed.config import load_config
from refeed.errors import ConfigError
from refeed.ingest import urls
from refeed.ingest.policy import ALLOWED_PROTOCOLS, default_policy
from refeed.ingest.urls import (
    absolutize,
    canonical_url,
    is_web_url,
    judge_url,
    parse_srcset,
    rewrite_srcset,
    strip_tracking,
)

from .htmlcheck import browser_url, url_problem

TRACKING = default_policy().is_tracking_parameter
BASE = "https://www.example.com/news/a.html"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        pytest.param("https://x/?utm_source=a&id=1", "https://x/?id=1", id="drops-utm"),
        pytest.param("https://x/?id=1&UTM_Medium=b", "https://x/?id=1", id="case-insensitive"),
        pytest.param("https://x/?fbclid=1&gclid=2&mc_eid=3", "https://x/", id="drops-all"),
        pytest.param("https://x/?a=b%20c&d=e+f", "https://x/?a=b%20c&d=e+f", id="others-untouched"),
        pytest.param("https://x/?a&&b=", "https://x/?a&b=", id="empty-fields-dropped"),
        pytest.param(
            "https://x/p#frag?utm_source=a",
            "https://x/p#frag?utm_source=a",
            id="fragment-untouched",
        ),
        pytest.param("https://x/?utm%5Fsource=a&k=v", "https://x/?k=v", id="encoded-name"),
        pytest.param("https://x/?ref=home", "https://x/?ref=home", id="ref-is-content"),
    ],
)
def test_strip_tracking(url: str, expected: str) -> None:
    assert strip_tracking(url, TRACKING) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        pytest.param("/b.html", "https://www.example.com/b.html", id="root-relative"),
        pytest.param("c.html", "https://www.example.com/news/c.html", id="relative"),
        pytest.param(
            "//cdn.example.com/x.jpg", "https://cdn.example.com/x.jpg", id="scheme-relative"
        ),
        pytest.param(" java\tscript:alert(1)", "javascript:alert(1)", id="whatwg-strips-tab"),
        pytest.param("http://[::1", None, id="unparseable"),
        pytest.param("https://ok.example:99999/", None, id="bad-port"),
    ],
)
def test_absolutize(url: str, expected: str | None) -> None:
    assert absolutize(url, BASE) == expected


# URLs shaped like the plain absolute ones absolutize() passes through without urljoin, and
# every near miss of that shape: scheme case, empty query or fragment, ";" parameters, ports,
# dot segments, IP hosts, user info, white space.
_URL_PIECES = st.lists(
    st.sampled_from(
        ["/", "a", "..", ".", ";", ";p", "?", "#", "?q=1", "%20", "@", ":", "//", "x.y", "é",
         " ", "\\", "&", "=", "[", "]", "~"]
    ),
    max_size=8,
).map("".join)  # fmt: skip
_PLAIN_PIECES = st.lists(
    st.sampled_from(["/", "a", "..", ".", "%20", "@", ":", "//", "x.y", "&", "=", "~", "é"]),
    max_size=8,
).map(lambda pieces: "/" + "".join(pieces))  # a path after the host, as most URLs have
_PLAIN_LIKE = st.builds(
    lambda scheme, host, port, rest: f"{scheme}://{host}{port}{rest}",
    st.sampled_from(["https", "http", "https", "http", "HTTPS", "Http", "ftp", "mailto"]),
    st.sampled_from(["x.example", "www.rfi.fr", "A.B.", "h", "1.2.3.4", "u@h.test", "x_y.z"]),
    st.sampled_from(["", "", ":80", ":8080", ":99999", ":", ":0"]),
    _PLAIN_PIECES | _URL_PIECES,
)


@settings(max_examples=600)
@given(
    url=_PLAIN_LIKE | _URL_PIECES,
    base=st.sampled_from([BASE, "http://www.example.com/a/b;c?d#e", "https://h/"]),
)
@example(url="https://x.example/a?", base=BASE)
@example(url="https://x.example/a#", base=BASE)
@example(url="https://x.example/a;", base=BASE)
@example(url="https://x.example/a?#f", base=BASE)
@example(url="HTTPS://x.example/a", base=BASE)
@example(url="http://x.example/a/../b", base=BASE)
def test_property_absolutize_passes_through_only_what_urljoin_writes_back(
    url: str, base: str
) -> None:
    """The URLs absolutize() returns without calling urljoin are exactly those urljoin would
    have returned unchanged: the shortcut changes no result."""
    written = urls._TAB_OR_NEWLINE.sub("", url).strip(urls._C0_AND_SPACE)
    assert absolutize(url, base) == urls._joined(written, base)


_QUERY = st.lists(
    st.sampled_from(["id=1", "utm_source=x", "", "a", "fbclid=2", "q=%20", "UTM_Medium", "x=?"]),
    max_size=4,
).map("&".join)


@settings(max_examples=600)
@given(url=_PLAIN_LIKE, query=st.none() | _QUERY, fragment=st.sampled_from(["", "#", "#f", "#a?b"]))
@example(url="https://x.example/p", query="id=1", fragment="#")
@example(url="https://x.example/p", query="id=1&&a", fragment="")
@example(url="https://x.example/p", query="", fragment="#f")
@example(url="https://x.example/p;", query="id=1", fragment="")
@example(url="HTTPS://x.example/p", query="id=1", fragment="")
def test_property_strip_tracking_shortcut_is_what_splitting_gives(
    url: str, query: str | None, fragment: str
) -> None:
    """A URL returned as it is without urlsplit is what splitting, filtering and joining give."""
    full = url + ("" if query is None else "?" + query) + fragment
    assert strip_tracking(full, TRACKING) == urls._stripped(full, TRACKING)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        pytest.param(
            "HTTPS://WWW.Example.COM:443/a?utm_source=x#top",
            "https://www.example.com/a",
            id="case-port-tracking-fragment",
        ),
        pytest.param(
            "https://www.rfi.fr/cn/亚洲/x",
            "https://www.rfi.fr/cn/%E4%BA%9A%E6%B4%B2/x",
            id="iri-to-uri",
        ),
        pytest.param(
            "https://www.rfi.fr/cn/%E4%BA%9A%E6%B4%B2/x",
            "https://www.rfi.fr/cn/%E4%BA%9A%E6%B4%B2/x",
            id="already-encoded",
        ),
        pytest.param("http://example.com", "http://example.com/", id="empty-path"),
        pytest.param(
            "http://example.com:8080/a", "http://example.com:8080/a", id="other-port-kept"
        ),
        pytest.param("https://bücher.example/", "https://xn--bcher-kva.example/", id="idna"),
    ],
)
def test_canonical_url(url: str, expected: str) -> None:
    assert canonical_url(url, TRACKING) == expected
    assert canonical_url(expected, TRACKING) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("a.jpg 1x, b.jpg 2x", [("a.jpg", "1x"), ("b.jpg", "2x")], id="simple"),
        pytest.param("a.jpg?w=1,2 640w", [("a.jpg?w=1,2", "640w")], id="comma-in-url"),
        pytest.param("a.jpg, b.jpg", [("a.jpg", ""), ("b.jpg", "")], id="trailing-comma-ends-url"),
        pytest.param("a.jpg,b.jpg", [("a.jpg,b.jpg", "")], id="inner-comma-is-part-of-url"),
        pytest.param("  ", [], id="blank"),
    ],
)
def test_parse_srcset(value: str, expected: list[tuple[str, str]]) -> None:
    assert parse_srcset(value) == expected


def test_rewrite_srcset_drops_rejected_candidates() -> None:
    out = rewrite_srcset("a.jpg 1x, bad.jpg 2x", lambda u: None if "bad" in u else "https://x/" + u)
    assert out == "https://x/a.jpg 1x"


# judge_url: what refeed writes for a URL, as a browser reads it (see also the URL-shape table
# in test_sanitize.py, which runs the same shapes through both sanitizer engines).
@pytest.mark.parametrize(
    ("value", "base", "expected"),
    [
        pytest.param("javascript:1234", BASE, None, id="scheme-digits"),
        pytest.param(" \x01java\tscript:x", BASE, None, id="stripped-and-removed"),
        pytest.param("x.jpg", BASE, "https://www.example.com/news/x.jpg", id="relative"),
        pytest.param("x.jpg", None, None, id="relative-without-base"),
        pytest.param("https:x", BASE, "https://www.example.com/news/x", id="same-scheme-relative"),
        pytest.param("https:x", "http://a.example/", "https://x", id="other-scheme-host"),
        pytest.param("https:x", None, "https://x", id="no-base-host"),
        pytest.param("\\\\h.example\\p?q\\r", BASE, "https://h.example/p?q\\r", id="backslashes"),
        pytest.param("////h.example/p", BASE, "https://h.example/p", id="many-slashes"),
        pytest.param("x?", BASE, "https://www.example.com/news/x?", id="empty-query-kept"),
        pytest.param("x;", BASE, "https://www.example.com/news/x;", id="empty-params-kept"),
        pytest.param("", BASE, BASE, id="empty-is-the-page"),
        pytest.param("#f", BASE + "#top", BASE + "#f", id="fragment"),
        pytest.param("//", BASE, None, id="no-host"),
        pytest.param("https://a b.example/", BASE, None, id="space-in-host"),
        pytest.param("https://\ufffd/", BASE, None, id="unencodable-host"),
        pytest.param("https://中文.example/", BASE, "https://中文.example/", id="idn-host"),
        pytest.param("mailto:a@b.example", None, "mailto:a@b.example", id="mailto"),
        pytest.param("tel:1", BASE, None, id="tel-not-allowed"),
        pytest.param("x", "mailto:a@b.example", None, id="base-without-hierarchy"),
    ],
)
def test_judge_url(value: str, base: str | None, expected: str | None) -> None:
    assert judge_url(value, base) == expected
    if expected is not None:
        assert judge_url(expected, None) == expected  # absolute: needs no base, judged the same


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://www.rfi.fr/cn/x", True),
        ("HTTP://Example.com:8080/x?y#z", True),
        (" https://x.example/", False),
        ("https://x.example/\t", False),
        ("https:x.example/", False),
        ("https:\\\\x.example/", False),
        ("https:///x.example/", False),
        ("mailto:a@b.example", False),
        ("javascript:1234", False),
        ("https://x.example:99999/", False),
    ],
)
def test_is_web_url_is_judge_url_for_http(url: str, ok: bool) -> None:
    """Seed links and config URLs (homepage, icon, base_url) pass this check: written exactly
    as a browser reads them, or refused."""
    assert is_web_url(url) is ok


def test_config_urls_are_judged(tmp_path: Path) -> None:
    path = tmp_path / "refeed.toml"
    path.write_text('base_url = "https:\\\\\\\\feeds.example/"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="base_url"):
        load_config(path)


# Hypothesis: refeed's reading agrees with a browser's (ada, the WHATWG URL parser) on every
# URL built from the pieces of scheme and authority tricks.
URL_PIECES = st.sampled_from(
    [
        "javascript", "JaVaScRiPt", "vbscript", "data", "http", "https", "mailto", "tel",
        "java", "script", "j", "x-", "+", ".", "..", "-", ":", "/", "//", "\\", "?", "#", "@",
        "\t", "\n", "\r", " ", "\x00", "\x01", "\x1f", "\u00a0", "0", "1234", "99999", "-1",
        "ok.example", "中文", "[::1]", "alert(1)", ",", ";", "%3A", "%2e", "=", "&",
    ]
)  # fmt: skip
URLS = st.lists(URL_PIECES, min_size=1, max_size=10).map("".join)


# mailto: with an authority, which the URL standard parses as an opaque host and a port
OPAQUE_AUTHORITIES = [
    "mailto://a", "mailto://", "mailto://a:", "mailto://[::1]:80", "mailto://%41",
    "mailto://中文", "mailto://a@b@c", "mailto://?x", "mailto:///x", "mailto://a,b",
    "mailto://:", "mailto://:1", "mailto://a:b", "mailto://a b", "mailto://[x]",
    "mailto://[::1%1]", "mailto://@", "mailto://u@", "mailto://a:99999", "mailto://a:1:2",
    "mailto://a^b", "mailto://a|b", "mailto://a\\b", "mailto://[::1]x",
]  # fmt: skip


@pytest.mark.parametrize("value", OPAQUE_AUTHORITIES)
def test_a_mailto_authority_is_kept_exactly_when_a_browser_can_read_it(value: str) -> None:
    """judge_url publishes a mailto: URL written with "//" only when the browser's URL
    parser makes a URL of it: a value it cannot read is no link, so none is published."""
    assert (judge_url(value, BASE) is not None) == (browser_url(value, BASE) is not None)


@settings(max_examples=1000, deadline=None)
@given(value=URLS)
@example(value="mailto://:")  # published, and no URL at all for a browser: found by this test
def test_judge_url_reads_as_a_browser_does(value: str) -> None:
    judged = judge_url(value, BASE)
    read = browser_url(value, BASE)
    read_scheme = read.split(":")[0] if read else None
    if judged is None:
        # refused: the browser makes no URL of it, or one with a scheme not allowed
        assert read_scheme not in ALLOWED_PROTOCOLS
        return
    assert judge_url(judged, None) == judged
    assert url_problem(judged, ALLOWED_PROTOCOLS) is None
    written = ada_url.URL(judged)
    assert read is not None
    browser = ada_url.URL(read)
    assert (written.protocol, written.host) == (browser.protocol, browser.host)
