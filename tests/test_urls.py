"""URL clean-up, as named table tests."""

from __future__ import annotations

import pytest

from refeed.ingest.policy import default_policy
from refeed.ingest.urls import (
    absolutize,
    canonical_url,
    parse_srcset,
    rewrite_srcset,
    strip_tracking,
)

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
