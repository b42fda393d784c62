"""Cleaning: what a reader shows is the article and only the article."""

from __future__ import annotations

from datetime import UTC, datetime
from xml.etree.ElementTree import tostring

import pytest
from bs4 import BeautifulSoup
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from refeed.errors import SeedError
from refeed.ingest.clean import _Html5TreeBuilder, _serialize, clean_article
from refeed.ingest.policy import default_policy
from refeed.ingest.seeds import parse_seed
from refeed.models import CleanArticle, ParsedArticle

from .conftest import INVALID_SEEDS, NOW, VALID_SEEDS
from .htmlcheck import parse_fragment, unsafe_constructs
from .test_sanitize import SOUP, VECTORS

POLICY = default_policy()
SAMPLES = sorted(p.name for p in VALID_SEEDS.glob("0*.txt"))


def clean_fixture(name: str) -> CleanArticle:
    path = VALID_SEEDS / name
    return clean_article(parse_seed(name, path.read_bytes(), NOW, NOW - NOW), POLICY)


def clean_body(body: str, url: str = "https://www.example.com/news/a.html") -> CleanArticle:
    published = datetime(2023, 1, 1, tzinfo=UTC)
    return clean_article(ParsedArticle("t.txt", published, "T", url, body), POLICY)


def links(html: str) -> list[str]:
    return [el.get("href", "") for el in parse_fragment(html).iter("a")]


@pytest.mark.parametrize("name", SAMPLES)
def test_samples_lose_every_share_widget_and_promo(name: str) -> None:
    html = clean_fixture(name).content_html
    for clutter in (
        "分享",
        "facebook.com/dialog",
        "whatsapp",
        "intent/tweet",
        "share-button",
        "share-modal",
        "selfpromo",
        "data-",
        "feedx",
        "获取更多RSS",
        "<hr",
        "<br",
    ):
        assert clutter not in html
    assert unsafe_constructs(html, POLICY) == []


@pytest.mark.parametrize("name", SAMPLES)
def test_samples_keep_every_paragraph(name: str) -> None:
    """Nothing lost: every non-empty paragraph of the source is in the output, word for word."""
    body = (VALID_SEEDS / name).read_text(encoding="utf-8").split("\n", 4)[4]
    source = [" ".join(p.itertext()).strip() for p in parse_fragment(body).iter("p")]
    cleaned = [
        " ".join(p.itertext()).strip()
        for p in parse_fragment(clean_fixture(name).content_html).iter("p")
    ]
    assert [p for p in source if p] == cleaned


def test_share_widgets_of_every_kind_go_and_content_stays() -> None:
    article = clean_fixture("share_widgets.txt")
    html = article.content_html
    assert links(html) == [
        "https://twitter.com/janedoe",  # an author's profile is content
        "https://www.facebook.com/SharePointNews",  # a page whose name starts with "Share"
        "mailto:editor@example.com",  # a mail link with a recipient is content
    ]
    for gone in (
        "Share this",
        "facebook.com/share",
        "weibo",
        "linkedin",
        "t.me",
        "reddit",
        "line.me",
        "mailto:?",
        "Related promo",
        "window.dataLayer",
        "color:red",
        "youtube",
        "subscribe",
        "a comment",
        "onclick",
        "onmouseover",
        "ad-slot",
        "feedx",
        "<div></div>",
        "<strong></strong>",
        "ns.gif",
    ):
        assert gone not in html, gone
    assert "Second paragraph with <strong>emphasis</strong>." in html
    assert article.author == "JANE DOE"
    assert "JANE DOE" not in html  # the byline became metadata


def test_urls_absolute_untracked_and_lazy_images_loaded() -> None:
    article = clean_fixture("tracking_and_lazy.txt")
    html = article.content_html
    assert article.url == "https://www.example.com/news/2023/lazy.html?page=2"
    assert links(html)[:2] == [
        "https://www.example.com/news/other.html?ref=home",
        "https://www.example.com/news/2023/related.html",
    ]
    img = next(parse_fragment(html).iter("img"))
    assert img.get("src") == "https://www.example.com/img/photo.jpg?w=640"
    assert img.get("srcset") == (
        "https://www.example.com/img/photo.jpg?w=640 640w, "
        "https://cdn.example.com/photo.jpg?w=1280 1280w"
    )
    assert "track.example.net" not in html  # 1x1, 0x0 and hidden pixels
    assert all(a.get("rel") == "noopener noreferrer" for a in parse_fragment(html).iter("a"))
    for gone in (
        "utm_",
        "fbclid",
        "gclid",
        "mc_eid",
        "target=",
        "data-",
        "style=",
        "class=",
        "id=",
        "loading=",
    ):
        assert gone not in html, gone
    assert article.categories == ("Economy", "Asia")


def test_sample_author_and_summary() -> None:
    nyt = clean_fixture("002_3f15a8e278dfcc10.txt")
    assert nyt.author == "DAVID PIERSON"
    assert nyt.summary.startswith("周四，国务卿安东尼·布林肯在印度尼西亚雅加达")
    rfi = clean_fixture("003_99f4a36bfbb7c279.txt")  # its bold lead is empty: next paragraph
    assert rfi.summary.startswith("一位白宫高级官员表示")
    assert rfi.author is None


@pytest.mark.parametrize(
    ("lead", "expected_end"),
    [
        pytest.param("美国总统拜登表示。" * 60, "美国总统拜登表示…", id="cjk-cut-anywhere"),
        pytest.param("words and more words " * 30, "words…", id="latin-cut-at-a-space"),
    ],
)
def test_summary_is_cut_at_the_limit(lead: str, expected_end: str) -> None:
    summary = clean_body(f"<p>{lead}</p>").summary
    assert len(summary) <= POLICY.summary_max_chars
    assert summary.endswith(expected_end)


def test_empty_title_falls_back_to_the_lead() -> None:
    assert clean_fixture("empty_title.txt").title.startswith("An article whose link has no title")


def test_body_with_nothing_but_clutter_is_rejected() -> None:
    path = INVALID_SEEDS / "nothing_after_cleaning.txt"
    with pytest.raises(SeedError, match="nothing left after cleaning"):
        clean_article(parse_seed(path.name, path.read_bytes(), NOW, NOW - NOW), POLICY)


def test_image_only_article_is_kept() -> None:
    assert "<img" in clean_body('<figure><img src="/a.jpg"></figure>').content_html


def test_big_wrapper_marked_as_promo_is_not_thrown_away() -> None:
    text = "Real article text. " * 40
    html = clean_body(f'<div class="promo"><p>{text}</p></div>').content_html
    assert text.strip() in html


def test_ten_thousand_deep_nesting() -> None:
    body = "<div>" * 10_000 + "<p>deep <img src=x onerror=alert(1)></p>" + "</div>" * 10_000
    html = clean_body(body).content_html
    assert "deep" in html
    assert unsafe_constructs(html, POLICY) == []


@pytest.mark.parametrize("vector", VECTORS)
def test_vectors_through_the_whole_cleaner(vector: str) -> None:
    try:
        html = clean_body("<p>text</p>" + vector).content_html
    except SeedError:
        return
    assert unsafe_constructs(html, POLICY) == []


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.one_of(SOUP, st.text(max_size=300)))
def test_any_body_comes_out_safe(body: str) -> None:
    article = clean_body("<p>lead</p>" + body)  # never rejected: the lead is always there
    assert unsafe_constructs(article.content_html, POLICY) == []
    assert article.title == "T"


@pytest.mark.filterwarnings("ignore::bs4.MarkupResemblesLocatorWarning")
@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.one_of(SOUP, st.text(max_size=300)))
def test_serialized_tree_parses_as_bs4s_decode(body: str) -> None:
    """clean's own serializer writes what a browser's parser reads as the same tree as bs4's
    decode() (the sanitizer parses it next)."""
    builder = _Html5TreeBuilder(POLICY.drop_with_content)
    root = BeautifulSoup(body, builder=builder)
    every_tag = frozenset(t.name for t in root.find_all(True))
    ours, bs4s = parse_fragment(_serialize(root, every_tag)), parse_fragment(root.decode_contents())
    assert tostring(ours) == tostring(bs4s)


def test_elements_the_policy_refuses_are_written_as_their_content() -> None:
    """A stray MathML <mi> holding the article: ammonia would drop it with its text."""
    root = BeautifulSoup("<mi><p>Kept.</p></mi><p>b</p>", builder=_Html5TreeBuilder(frozenset()))
    assert _serialize(root, POLICY.allowed_tags) == "<p>Kept.</p><p>b</p>"
