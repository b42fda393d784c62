"""The security boundary: no script, handler or dangerous URL ever reaches a feed."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from refeed.ingest.policy import default_policy
from refeed.ingest.sanitize import XML_INVALID, sanitize_html

from .htmlcheck import unsafe_constructs

POLICY = default_policy()

# OWASP XSS Filter Evasion Cheat Sheet, html5sec.org, and published mXSS bypasses of
# DOMPurify and bleach. Each must come out with nothing unsafe in it.
VECTORS = [
    pytest.param("<script>alert(1)</script>", id="script"),
    pytest.param("<img src=x onerror=alert(1)>", id="onerror"),
    pytest.param("<IMG SRC=\"javascript:alert('XSS');\">", id="img-javascript"),
    pytest.param("<IMG SRC=JaVaScRiPt:alert('XSS')>", id="mixed-case-scheme"),
    pytest.param("<IMG SRC=`javascript:alert(1)`>", id="backtick-url"),
    pytest.param(
        '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>',
        id="decimal-entities",
    ),
    pytest.param(
        '<a href="&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;alert(1)">'
        "x</a>",
        id="hex-entities",
    ),
    pytest.param(
        '<a href="&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105'
        '&#0000112&#0000116&#0000058alert(1)">x</a>',
        id="padded-entities-no-semicolon",
    ),
    pytest.param('<a href="jav&#x09;ascript:alert(1)">x</a>', id="tab-entity"),
    pytest.param('<a href="jav&#x0A;ascript:alert(1)">x</a>', id="newline-entity"),
    pytest.param('<a href="java&Tab;script:alert(1)">x</a>', id="named-tab"),
    pytest.param('<a href="javascript&colon;alert(1)">x</a>', id="named-colon"),
    pytest.param('<a href=" &#14;  javascript:alert(1)">x</a>', id="leading-control"),
    pytest.param('<a href="\x00javascript:alert(1)">x</a>', id="leading-nul"),
    pytest.param('<a href="vbscript:msgbox(1)">x</a>', id="vbscript"),
    pytest.param(
        '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>', id="data-html"
    ),
    pytest.param(
        '<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">', id="data-svg"
    ),
    pytest.param('<a href="feed:javascript:alert(1)">x</a>', id="feed-scheme"),
    pytest.param("<svg onload=alert(1)>", id="svg-onload"),
    pytest.param("<svg><script>alert(1)</script></svg>", id="svg-script"),
    pytest.param(
        '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>', id="svg-xlink"
    ),
    pytest.param('<math><a xlink:href="javascript:alert(1)">x</a></math>', id="math-xlink"),
    pytest.param(
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>", id="mxss-math-mglyph"
    ),
    pytest.param(
        '<svg></p><style><a id="</style><img src=1 onerror=alert(1)>">', id="mxss-svg-style"
    ),
    pytest.param(
        '<form><math><mtext></form><form><mglyph><svg><mtext><style><path id="</style>'
        '<img onerror=alert(1) src>">',
        id="mxss-dompurify-2.0.17",
    ),
    pytest.param(
        '<noscript><p title="</noscript><img src=x onerror=alert(1)>">', id="mxss-noscript"
    ),
    pytest.param(
        '<select><template><style><!--</style><a rel="--></template></select>'
        '<img src=x onerror=alert(1)>">',
        id="mxss-template",
    ),
    pytest.param('<title><img src="</title><img src=x onerror=alert(1)>">', id="title-breakout"),
    pytest.param(
        '<textarea><img src="</textarea><img src=x onerror=alert(1)>">', id="textarea-breakout"
    ),
    pytest.param('<style><img src="</style><img src=x onerror=alert(1)>">', id="style-breakout"),
    pytest.param('<!--<img src="--><img src=x onerror=alert(1)//">', id="comment-breakout"),
    pytest.param("<scr<script>ipt>alert(1)</scr</script>ipt>", id="split-script"),
    pytest.param("<<script>script>alert(1)</script>", id="double-open"),
    pytest.param('<iframe src="javascript:alert(1)"></iframe>', id="iframe"),
    pytest.param('<object data="javascript:alert(1)"></object>', id="object"),
    pytest.param('<embed src="javascript:alert(1)">', id="embed"),
    pytest.param("<body onload=alert(1)>", id="body-onload"),
    pytest.param('<div style="background-image: url(javascript:alert(1))">x</div>', id="style-url"),
    pytest.param("<style>@import 'http://evil.example/xss.css';</style>", id="style-import"),
    pytest.param(
        '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">', id="meta-refresh"
    ),
    pytest.param('<base href="javascript:alert(1)//">', id="base"),
    pytest.param('<form action="javascript:alert(1)"><input type=submit></form>', id="form-action"),
    pytest.param('<button formaction="javascript:alert(1)">x</button>', id="formaction"),
    pytest.param("<details open ontoggle=alert(1)>", id="ontoggle"),
    pytest.param('<video><source onerror="alert(1)"></video>', id="source-onerror"),
    pytest.param('<img srcset="javascript:alert(1) 1x">', id="srcset-javascript"),
    pytest.param(
        '<img src="https://ok.example/a.jpg" srcset="https://ok.example/a.jpg 1x, '
        'javascript:alert(1) 2x">',
        id="srcset-mixed",
    ),
    pytest.param("<isindex action=javascript:alert(1) type=image>", id="isindex"),
    pytest.param("<xss id=x onfocus=alert(1) tabindex=1>", id="custom-tag-handler"),
    pytest.param("<img src=x:alert(alt) onerror=eval(src) alt=0>", id="eval-src"),
    pytest.param(
        '<a href="https://ok.example/" onclick="alert(1)">x</a>', id="handler-on-safe-link"
    ),
    pytest.param('<blockquote cite="javascript:alert(1)">x</blockquote>', id="cite"),
    pytest.param(
        '<img src="a.jpg" usemap="#m"><map name="m"><area href="javascript:alert(1)">', id="area"
    ),
    pytest.param(
        '<table background="javascript:alert(1)"><tr><td>x</td></tr></table>', id="table-background"
    ),
    pytest.param('<a href="https://ok.example/" target="_blank">x</a>', id="target-blank"),
    pytest.param("<template><script>alert(1)</script></template>", id="template"),
    pytest.param('<link rel="stylesheet" href="javascript:alert(1)">', id="link"),
    pytest.param('<img """><script>alert(1)</script>">', id="malformed-quotes"),
    pytest.param('<a href="javas\u0000cript:alert(1)">x</a>', id="inner-nul"),
    pytest.param("<p>\x0bcontrol\x0c chars\x01 are not XML</p>", id="xml-invalid-chars"),
]


@pytest.mark.parametrize("vector", VECTORS)
def test_vector_is_neutralised(vector: str) -> None:
    out = sanitize_html(vector, POLICY)
    assert unsafe_constructs(out, POLICY) == []
    assert not XML_INVALID.search(out)
    assert sanitize_html(out, POLICY) == out


# Raw vectors that a browser's parser already renders inert (NUL becomes U+FFFD, a backtick is
# not a quote, a fragment has no <body>), or whose danger is parse-context dependent.
INERT_OR_CONTEXTUAL = {
    "backtick-url",
    "leading-nul",
    "inner-nul",
    "body-onload",
    "target-blank",
    "xml-invalid-chars",
    "style-breakout",
    "comment-breakout",
    "title-breakout",
    "textarea-breakout",
    "mxss-noscript",
    "named-tab",
    "named-colon",
}


@pytest.mark.parametrize("raw", [v for v in VECTORS if v.id not in INERT_OR_CONTEXTUAL])
def test_checker_flags_the_raw_vector(raw: object) -> None:
    """The check above is only worth something if it sees the attack before sanitizing."""
    assert unsafe_constructs(str(raw), POLICY) != []


def test_safe_markup_survives() -> None:
    html = (
        '<h2>Head</h2><p>Text <strong>bold</strong> <em>it</em> <a href="https://a.example/x"'
        ' title="t">link</a> <a href="mailto:x@a.example">mail</a></p><figure><img alt="p" '
        'src="https://a.example/p.jpg" srcset="https://a.example/p.jpg 1x"><figcaption>c'
        "</figcaption></figure><ul><li>one</li></ul><blockquote>q</blockquote>"
        '<table><tbody><tr><td colspan="2">cell</td></tr></tbody></table>'
    )
    assert sanitize_html(html, POLICY) == html


def test_denied_tag_is_removed_but_text_kept() -> None:
    strict = POLICY.with_overrides(deny_tags=["img", "strong"])
    out = sanitize_html('<p><strong>a</strong><img src="https://a.example/i.jpg"></p>', strict)
    assert out == "<p>a</p>"


def test_overrides_cannot_allow_more() -> None:
    strict = POLICY.with_overrides(deny_tags=["script"])  # not allowed in the first place
    assert strict.allowed_tags == POLICY.allowed_tags
    assert sanitize_html("<script>x</script>", strict) == "x"


def test_ten_thousand_deep_nesting_is_survived() -> None:
    html = "<div>" * 10_000 + "<img src=x onerror=alert(1)>" + "</div>" * 10_000
    out = sanitize_html(html, POLICY)
    assert unsafe_constructs(out, POLICY) == []


# Hypothesis: HTML-ish soup built from the pieces attacks are made of.
PIECES = st.sampled_from(
    [
        "<",
        ">",
        "/",
        "</",
        "/>",
        '"',
        "'",
        "=",
        " ",
        "\n",
        "\t",
        "\x00",
        "&",
        "&#",
        ";",
        "&lt;",
        "&#x6A;",
        "&colon;",
        "&Tab;",
        "<!--",
        "-->",
        "<![CDATA[",
        "]]>",
        "script",
        "img",
        "a",
        "svg",
        "math",
        "style",
        "iframe",
        "noscript",
        "template",
        "title",
        "textarea",
        "xmp",
        "p",
        "div",
        "table",
        "td",
        "select",
        "option",
        "mglyph",
        "mtext",
        "form",
        "src",
        "href",
        "srcset",
        "onerror",
        "onload",
        "xlink:href",
        "style",
        "formaction",
        "cite",
        "javascript:",
        "JaVaScRiPt:",
        "data:text/html,",
        "vbscript:",
        "https://ok.example/",
        "alert(1)",
        "x",
        "中文",
    ]
)
SOUP = st.lists(PIECES, max_size=40).map("".join)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(SOUP)
def test_no_dangerous_construct_in_any_output(html: str) -> None:
    out = sanitize_html(html, POLICY)
    assert unsafe_constructs(out, POLICY) == []
    assert not XML_INVALID.search(out)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.one_of(SOUP, st.text(max_size=200)))
def test_sanitizing_is_idempotent(html: str) -> None:
    once = sanitize_html(html, POLICY)
    assert sanitize_html(once, POLICY) == once
