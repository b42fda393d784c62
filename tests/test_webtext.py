"""The last checks on seed-derived text and URLs before the pages and the OPML write them."""

from __future__ import annotations

import pytest

from refeed.output.webtext import plain_text, web_url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        pytest.param(
            "https://www.rfi.fr/cn/a?b=1&c=2", "https://www.rfi.fr/cn/a?b=1&c=2", id="https"
        ),
        pytest.param("http://example.com/", "http://example.com/", id="http"),
        pytest.param("HTTPS://Example.com/", "HTTPS://Example.com/", id="scheme-case-kept"),
        pytest.param("javascript:alert(1)", None, id="javascript"),
        pytest.param("java\tscript:alert(1)", None, id="tab-inside-scheme"),
        pytest.param(" https://example.com/", None, id="leading-space"),
        pytest.param("https://example.com/\n", None, id="newline"),
        pytest.param("https://example.com/\x85", None, id="c1-control"),
        pytest.param("data:text/html,x", None, id="data"),
        pytest.param("//example.com/a", None, id="scheme-relative"),
        pytest.param("/a/b", None, id="path-only"),
        pytest.param("https:///nohost", None, id="no-host"),
        pytest.param("https://[::1", None, id="malformed-ipv6"),
        pytest.param("ftp://example.com/", None, id="ftp"),
        pytest.param("", None, id="empty"),
        pytest.param(None, None, id="none"),
    ],
)
def test_web_url(url: str | None, expected: str | None) -> None:
    assert web_url(url) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("拜登称 <b>&amp;", "拜登称 <b>&amp;", id="markup-is-text"),
        pytest.param("a\tb\nc\rd", "a\tb\nc\rd", id="white-space-kept"),
        pytest.param("a\x00b\x08c\x0bd\x0ce\x1ff", "abcdef", id="c0-controls"),
        pytest.param("a\x7fb\x85c\x9fd", "abcd", id="c1-controls"),
        pytest.param("a\ufdd0b\ufffec\U0001fffed\U0010ffff", "abcd", id="noncharacters"),
        pytest.param("a\ud800b", "ab", id="lone-surrogate"),
    ],
)
def test_plain_text(text: str, expected: str) -> None:
    assert plain_text(text) == expected
