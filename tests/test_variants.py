"""zh-Hant / zh-Hans variants: real articles converted, markup and URLs untouched, still safe."""

from __future__ import annotations

import html
import json
import re
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import opencc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from refeed.config import NAME_PATTERN, Config
from refeed.ingest.clean import clean_article
from refeed.ingest.policy import HtmlPolicy, default_policy
from refeed.ingest.sanitize import sanitize_html
from refeed.ingest.seeds import find_seed_files, parse_seed, read_seed
from refeed.ingest.sources import SourceResolver
from refeed.output import variants
from refeed.output.feeds import source_meta
from refeed.output.model import Feed, FeedMeta, Item
from refeed.output.variants import (
    ConvertedContents,
    _convert_all,
    _split_plain,
    _TextNodes,
    convert_html,
    converter,
    make_variant,
    make_variants,
    variant_entry_id,
    variant_for,
    variant_name,
)

from .conftest import DATA, NOW
from .htmlcheck import parse_fragment, unsafe_constructs
from .sites import article_item

SEEDS = Path(__file__).parents[1] / "seeds"  # the bundled rfi.fr/cn and cn.nytimes.com articles
GOLDEN = DATA / "golden_variants"
POLICY = default_policy()
FORMATS = {"atom": ".atom", "rss": ".rss", "json": ".json", "html": ".html"}
S2TW, T2S = converter("s2tw"), converter("t2s")


def urls(config: Config, name: str) -> dict[str, str]:
    return {fmt: f"{config.base_url}{name}{suffix}" for fmt, suffix in FORMATS.items()}


def seed_feeds(config: Config) -> dict[str, Feed]:
    """The bundled seeds as per-source feeds, built with refeed's own parse and clean steps."""
    resolver = SourceResolver(config)
    items: dict[str, list[Item]] = {}
    for seed in find_seed_files(SEEDS):
        parsed = parse_seed(
            seed.name, read_seed(seed, config.max_seed_bytes), NOW, config.max_future
        )
        article = clean_article(parsed, config.policy)
        item = article_item(article, article.categories + resolver.url_categories(article.url))
        items.setdefault(resolver.source_for(article.url), []).append(item)
    feeds = {}
    for name, found in items.items():
        found.sort(key=lambda i: i.updated, reverse=True)
        meta = replace(source_meta(config, name), urls=urls(config, name))
        feeds[name] = Feed(
            meta=meta, items=tuple(found), updated=found[0].updated, total=len(found)
        )
    return feeds


@pytest.fixture(scope="module")
def feeds(config: Config) -> dict[str, Feed]:
    return seed_feeds(config)


@pytest.fixture(scope="module")
def hant(feeds: dict[str, Feed]) -> dict[str, Feed]:
    return {name: make_variant(f, "zh-Hant", policy=POLICY) for name, f in feeds.items()}


def golden_view(feed: Feed) -> dict[str, Any]:
    m = feed.meta
    return {
        "meta": {
            "name": m.name,
            "variant_of": m.variant_of,
            "feed_id": m.feed_id,
            "language": m.language,
            "title": m.title,
            "subtitle": m.subtitle,
            "author": m.author,
            "urls": dict(m.urls),
        },
        "items": [
            {
                "entry_id": i.entry_id,
                "url": i.url,
                "title": i.title,
                "summary": i.summary,
                "authors": list(i.authors),
                "categories": list(i.categories),
                "content_html": i.content_html,
            }
            for i in feed.items
        ],
    }


def elements(fragment: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """Every element and its attributes in order, as a browser's parser sees them."""
    return [
        (el.tag, list(el.attrib.items()))
        for el in parse_fragment(fragment).iter()
        if isinstance(el.tag, str) and el.tag != "DOCUMENT_FRAGMENT"
    ]


# A start tag as the sanitizer writes it: attribute values always quoted, `>` allowed inside.
START_TAG = re.compile(r"""<[a-zA-Z][^"'>]*(?:(?:"[^"]*"|'[^']*')[^"'>]*)*>""")


def start_tags(fragment: str) -> list[str]:
    """Every start tag as written, attributes byte for byte."""
    return START_TAG.findall(fragment)


def text_nodes(fragment: str) -> Iterator[str]:
    """Text nodes in document order (text before children, then each child's tail)."""

    def walk(el: Any) -> Iterator[str]:
        if el.text:
            yield el.text
        for child in el:
            yield from walk(child)
            if child.tail:
                yield child.tail

    return walk(parse_fragment(fragment))


def texts_of(fragment: str) -> list[str]:
    return list(text_nodes(fragment))


# --- golden tests on the real articles ----------------------------------------------------


def _convert_plain(content_html: str, convert: Callable[[str], str]) -> str | None:
    """What the one-expression split gives converted; None for HTML it does not take."""
    split = _split_plain(content_html)
    return None if split is None else split.converted(convert)


def test_golden_zh_hant(hant: dict[str, Feed], update_golden: bool) -> None:
    if update_golden:
        GOLDEN.mkdir(exist_ok=True)
        for old in GOLDEN.glob("*.json"):
            old.unlink()
        for feed in hant.values():
            text = json.dumps(golden_view(feed), ensure_ascii=False, indent=2) + "\n"
            (GOLDEN / f"{feed.meta.name}.json").write_text(text, encoding="utf-8")
    assert sorted(p.stem for p in GOLDEN.glob("*.json")) == sorted(
        f.meta.name for f in hant.values()
    )
    for feed in hant.values():
        golden = json.loads((GOLDEN / f"{feed.meta.name}.json").read_text(encoding="utf-8"))
        assert golden_view(feed) == golden, feed.meta.name


SIMPLIFIED_ONLY = set("国们说这发时为关经会华总统议与对过还进间东门长")  # 系 is both


def test_golden_files_are_traditional_and_keep_markup(feeds: dict[str, Feed]) -> None:
    """The goldens themselves, checked apart from the code that wrote them (a browser's
    parser, OpenCC on each text node), so a wrong golden cannot be blessed: the original's
    markup and attributes, each text node converted, no common simplified-only character."""
    for name, original in feeds.items():
        golden = json.loads((GOLDEN / f"{name}.zh-hant.json").read_text(encoding="utf-8"))
        assert golden["meta"]["language"] == "zh-Hant"
        for item, want in zip(original.items, golden["items"], strict=True):
            assert elements(want["content_html"]) == elements(item.content_html)
            assert texts_of(want["content_html"]) == [
                S2TW(t) for t in text_nodes(item.content_html)
            ]
            assert (want["title"], want["summary"]) == (S2TW(item.title), S2TW(item.summary))
            text = want["title"] + want["summary"] + "".join(texts_of(want["content_html"]))
            assert not SIMPLIFIED_ONLY & set(text)
            assert want["url"] == item.url


def test_real_text_is_converted(hant: dict[str, Feed]) -> None:
    rfi = hant["rfi-cn"]
    titles = [i.title for i in rfi.items]
    assert "拜登稱將很快訪問越南，美越擬升級夥伴關係" in titles
    biden = next(i for i in rfi.items if i.title.startswith("拜登稱"))
    assert biden.summary.startswith("美國總統拜登（Joe Biden）8月8日表示")
    assert "美國國務卿布林肯" in biden.content_html
    assert "国务卿" not in biden.content_html
    assert biden.categories == ("亞洲",)  # from the URL path segment 亚洲
    assert rfi.meta.title == "法國國際廣播電臺 RFI 中文"
    nyt = hant["nytimes-cn"].items[0]
    assert nyt.title == "中美加強外交互動，布林肯會見王毅"
    assert "臺灣海峽的和平與穩定" in nyt.content_html


def test_taiwan_standard_characters_not_vocabulary() -> None:
    """s2tw: Taiwan's character forms (為, 裡, 床, 吃), never OpenCC's inherited ones (爲, 裏,
    牀, 喫); and no vocabulary rewriting (s2twp would turn 软件 into 軟體, 网络 into 網路)."""
    zh_hant = converter(variant_for("zh-Hant").opencc_config)
    assert zh_hant("因为里面的床，吃着") == "因為裡面的床，吃著"
    assert zh_hant("软件和网络") == "軟件和網絡"
    assert converter(variant_for("zh-hans").opencc_config)("軟體與網路") == "软体与网路"


# --- attributes and URLs are never converted ----------------------------------------------


def test_attributes_and_urls_untouched_on_real_articles(
    feeds: dict[str, Feed], hant: dict[str, Feed]
) -> None:
    for name, original in feeds.items():
        for item, variant in zip(original.items, hant[name].items, strict=True):
            assert elements(variant.content_html) == elements(item.content_html)
            assert variant.url == item.url
            assert variant.image == item.image
            assert start_tags(variant.content_html) == start_tags(item.content_html)


def test_chinese_url_in_href_stays_byte_identical() -> None:
    href = "https://www.rfi.fr/cn/亚洲/20230809-拜登称将很快访问越南"
    clean = sanitize_html(
        f'<p>见<a href="{href}" title="亚洲&gt;新闻">亚洲新闻</a>发</p>', POLICY, base=None
    )
    out = convert_html(clean, S2TW, POLICY)
    assert f'href="{href}"' in out
    assert 'title="亚洲&gt;新闻"' in out or 'title="亚洲>新闻"' in out
    assert texts_of(out) == ["見", "亞洲新聞", "發"]


@pytest.mark.parametrize(
    ("clean", "want"),
    [
        pytest.param("<p>头&amp;发&lt;b&gt;</p>", "<p>頭&amp;發&lt;b&gt;</p>", id="escaped-markup"),
        pytest.param("<p>&#22836;&#x53D1;</p>", "<p>頭髮</p>", id="character-references"),
        pytest.param("<p>头<b>发</b></p>", "<p>頭<b>發</b></p>", id="split-by-tags"),
        pytest.param(
            '<img alt="a > 头发" src="https://x.example/头.jpg">后',  # as bleach writes it
            '<img alt="a &gt; 头发" src="https://x.example/头.jpg">後',  # nh3 re-sanitizing
            id="gt-in-attribute",
        ),
        pytest.param(
            "<pre>  国 家\n\t发\n  </pre>", "<pre>  國 家\n\t發\n  </pre>", id="pre-whitespace"
        ),
        pytest.param("<p>]]&gt;发</p>", "<p>]]&gt;發</p>", id="cdata-end-in-text"),
    ],
)
def test_tricky_html(clean: str, want: str) -> None:
    assert convert_html(clean, S2TW, POLICY) == want


def test_unsanitized_constructs_pass_unconverted_to_the_sanitizer() -> None:
    """Comments, CDATA sections and raw-text elements never occur in sanitized HTML; if they
    did, they are neither converted nor trusted: the sanitizer decides."""
    raw = "<p>a<![CDATA[发]]><!--发--><script>发()</script>b</p>"
    out = convert_html(raw, S2TW, POLICY)
    assert out == sanitize_html(raw, POLICY, base=None)  # whatever the engine keeps of it
    assert "發" not in out


# --- hypothesis: generated HTML with Chinese in attributes and text ------------------------

CHINESE = "国发头后里面台干着为说这个时间东亚洲美华盛顿总统经济关系于范"
TEXT = st.text(alphabet=CHINESE + "ab <>&\"';#\n\t", max_size=12)
URL = st.builds(lambda path: "https://www.rfi.fr/cn/" + path, TEXT)
ATTRIBUTES = {
    "a": {"href": URL, "title": TEXT, "hreflang": st.just("zh-CN")},
    "img": {"src": URL, "alt": TEXT, "title": TEXT},
    "abbr": {"title": TEXT},
    "q": {"cite": URL},
}
TAGS = ["p", "b", "em", "a", "img", "abbr", "q", "pre", "code", "li", "span", "blockquote"]


@st.composite
def element(draw: st.DrawFn, children: st.SearchStrategy[str]) -> str:
    tag = draw(st.sampled_from(TAGS))
    attrs = ""
    for name, values in ATTRIBUTES.get(tag, {}).items():
        if draw(st.booleans()):
            attrs += f' {name}="{html.escape(draw(values))}"'
    if tag == "img":
        return f"<{tag}{attrs}>"
    return f"<{tag}{attrs}>{''.join(draw(st.lists(children, max_size=3)))}</{tag}>"


HTML = st.recursive(TEXT.map(html.escape), element, max_leaves=8)


def pre_starts_with_newline(clean: str) -> bool:
    """A <pre> whose text starts with a newline: a parser drops the first, and the sanitizer
    (html5lib's serializer) does not write it back, so each sanitizing pass loses one."""
    return re.search(r"<pre>\n", clean) is not None


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(HTML)
def test_property_only_text_is_converted(raw: str) -> None:
    clean = sanitize_html(raw, POLICY, base=None)
    out = convert_html(clean, S2TW, POLICY)
    assert elements(out) == elements(clean)  # every attribute value unchanged, same order
    assert start_tags(out) == start_tags(clean)  # ... byte for byte
    if not pre_starts_with_newline(clean):
        assert list(text_nodes(out)) == [S2TW(t) for t in text_nodes(clean)]
        assert sanitize_html(out, POLICY, base=None) == out  # what the sanitizer would output
    assert unsafe_constructs(out, POLICY) == []


ENGINES = [POLICY.with_engine(engine) for engine in ("nh3", "bleach")]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(HTML, st.sampled_from(ENGINES))
def test_property_the_fast_tokenizer_gives_what_the_html_parser_gives(
    raw: str, policy: HtmlPolicy
) -> None:
    """Sanitized HTML is split by one expression (`_convert_plain`); whatever it accepts, it
    converts exactly as the HTML parser does, and it accepts everything nh3 writes."""
    clean = sanitize_html(raw, policy, base=None)
    fast = _convert_plain(clean, S2TW)
    if policy.engine == "nh3":
        assert fast is not None
    if fast is not None:
        assert fast == _TextNodes.convert(clean, S2TW)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=CHINESE[:6] + "<>/&;#x\"'= !-[]apbrsciptyle\n", max_size=40))
def test_property_the_fast_tokenizer_declines_what_it_cannot_split(markup: str) -> None:
    """On any string at all: the fast path converts as the parser does, or declines."""
    fast = _convert_plain(markup, S2TW)
    if fast is not None:
        assert fast == _TextNodes.convert(markup, S2TW)


@pytest.mark.parametrize(
    "markup",
    ["<p>发<script>发()</script></p>", "<STYLE>发</STYLE>", "<p>发<!--发--></p>",
     "<p><![CDATA[发]]></p>", '<a href=x title=\'发\'>发</a>', "<p>发 < 发</p>", "<P>发</P>",
     '<a title="发>发</a>'],
)  # fmt: skip
def test_the_fast_tokenizer_leaves_what_no_sanitizer_writes_to_the_parser(markup: str) -> None:
    assert _convert_plain(markup, S2TW) is None
    assert convert_html(markup, S2TW, POLICY) == sanitize_html(
        _TextNodes.convert(markup, S2TW), POLICY, base=None
    )


def test_the_fast_tokenizer_takes_every_bundled_article() -> None:
    for policy in ENGINES:
        for seed in find_seed_files(SEEDS):
            parsed = parse_seed(seed.name, read_seed(seed, 10_000_000), NOW, timedelta(days=1))
            clean = clean_article(parsed, policy).content_html
            fast = _convert_plain(clean, S2TW)
            assert fast is not None, (policy.engine, seed.name)
            assert fast == _TextNodes.convert(clean, S2TW)


def test_pre_blank_first_line_is_what_the_sanitizer_makes_of_it() -> None:
    """The one place re-sanitizing shows: a <pre> text that starts with a newline (after the
    one parsers drop) loses it, exactly as sanitizing the original again would."""
    clean = sanitize_html("<pre>\n\n\n头</pre>", POLICY, base=None)
    assert convert_html(clean, S2TW, POLICY) == sanitize_html(clean, POLICY, base=None).replace(
        "头", "頭"
    )


# --- XSS stays impossible -----------------------------------------------------------------

HOSTILE = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    '"><svg onload=alert(1)>',
    "</p><a href='javascript:alert(1)'>x</a>",
    "&lt;script&gt;",
]


@pytest.mark.parametrize("markup", HOSTILE)
def test_text_that_converts_into_markup_stays_text(markup: str) -> None:
    """Whatever a conversion returns is text: escaped, then sanitized again."""
    clean = '<p>发<abbr title="t">x</abbr></p>'
    out = convert_html(clean, lambda text: text.replace("x", markup), POLICY)
    assert unsafe_constructs(out, POLICY) == []
    assert elements(out) == elements(clean)
    assert "".join(texts_of(out)) == "发" + markup


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=CHINESE + "<>&\"'/=: scriptonerrorimgsvgalert()", max_size=40))
def test_property_hostile_text_is_escaped(text: str) -> None:
    clean = sanitize_html(f"<p>{html.escape(text)}</p>", POLICY, base=None)
    out = convert_html(clean, S2TW, POLICY)
    assert elements(out) == elements(clean) == [("p", [])]
    assert unsafe_constructs(out, POLICY) == []
    assert "".join(texts_of(out)) == S2TW("".join(texts_of(clean)))


# --- ids, names, URLs, links between the variants -------------------------------------------


def test_entry_ids_are_distinct_stable_and_shared_by_feeds_of_a_variant(
    feeds: dict[str, Feed], hant: dict[str, Feed], config: Config
) -> None:
    original = feeds["rfi-cn"].items[0]
    variant = hant["rfi-cn"].items[0]
    assert variant.entry_id != original.entry_id
    assert variant.entry_id == uuid.uuid5(uuid.UUID(original.entry_id), "zh-Hant").urn
    assert variant.entry_id == variant_entry_id(original.entry_id, "ZH-hant")  # tags: any case
    assert variant_entry_id(original.entry_id, "zh-Hans") not in (
        variant.entry_id,
        original.entry_id,
    )
    # the same article in another feed of the same variant (the combined feed) keeps it
    all_meta = replace(feeds["rfi-cn"].meta, name="all", kind="combined", urls=urls(config, "all"))
    combined = replace(feeds["rfi-cn"], meta=all_meta)
    combined_hant = make_variant(combined, "zh-Hant", policy=POLICY)
    assert combined_hant.items[0].entry_id == variant.entry_id
    assert len({i.entry_id for f in hant.values() for i in f.items}) == 5


def test_feed_meta(feeds: dict[str, Feed], hant: dict[str, Feed], config: Config) -> None:
    original, variant = feeds["rfi-cn"].meta, hant["rfi-cn"].meta
    assert variant.name == "rfi-cn.zh-hant"
    assert NAME_PATTERN.fullmatch(variant.name)
    assert variant.variant_of == "rfi-cn"
    assert variant.language == "zh-Hant"
    assert variant.urls == urls(config, "rfi-cn.zh-hant")
    assert variant.feed_id == uuid.uuid5(uuid.NAMESPACE_URL, variant.url("atom")).urn
    assert variant.feed_id != original.feed_id
    assert variant.subtitle == "RFI 華語：國際、中國、亞洲新聞"
    # names are kept as their owners write them: the feed's author, bylines, an item's source
    assert variant.author == original.author == "RFI 华语"
    assert hant["nytimes-cn"].items[0].authors == ("DAVID PIERSON",)
    assert variant.homepage == original.homepage
    assert variant.icon == original.icon
    assert hant["rfi-cn"].updated == feeds["rfi-cn"].updated
    assert hant["rfi-cn"].total == feeds["rfi-cn"].total


def test_a_feed_whose_homepage_is_its_own_page_links_the_variants_page(
    feeds: dict[str, Feed],
) -> None:
    """A derived feed's homepage is its page on this site (china-us.html): its variant's is
    the variant's page, in the variant's script. A source's homepage (the publisher's site)
    is kept."""
    original = feeds["rfi-cn"]
    derived = replace(original, meta=replace(original.meta, homepage=original.meta.url("html")))
    variant = make_variant(derived, "zh-Hant", policy=POLICY).meta
    assert variant.homepage == variant.url("html") != derived.meta.homepage
    assert variant.homepage.endswith("/rfi-cn.zh-hant.html")
    kept = make_variant(original, "zh-Hant", policy=POLICY).meta
    assert kept.homepage == original.meta.homepage != kept.url("html")


def test_urls_for_decides_the_variant_urls(feeds: dict[str, Feed]) -> None:
    def urls_for(name: str) -> dict[str, str]:
        return {"atom": f"https://other.example/feeds/{name}/atom.xml"}

    variant = make_variant(feeds["rfi-cn"], "zh-Hant", policy=POLICY, urls_for=urls_for)
    assert variant.meta.urls == urls_for("rfi-cn.zh-hant")
    assert (
        variant.meta.feed_id
        == uuid.uuid5(uuid.NAMESPACE_URL, urls_for("rfi-cn.zh-hant")["atom"]).urn
    )


def test_make_variants_links_every_version_to_the_others(feeds: dict[str, Feed]) -> None:
    versions = make_variants(feeds["rfi-cn"], ["zh-Hant", "zh-hans", "zh-Hant"], policy=POLICY)
    assert [f.meta.name for f in versions] == ["rfi-cn", "rfi-cn.zh-hant", "rfi-cn.zh-hans"]
    for f in versions:
        others = [a.name for a in f.meta.alternates]
        assert others == [v.meta.name for v in versions if v is not f]
        assert all(a.alternates == () for a in f.meta.alternates)
    assert [a.language for a in versions[0].meta.alternates] == ["zh-Hant", "zh-Hans"]
    assert versions[0].items == feeds["rfi-cn"].items  # the original's items are untouched


def test_variant_names_and_tags_are_checked() -> None:
    assert variant_name("all", "zh-Hans") == "all.zh-hans"
    with pytest.raises(ValueError, match="unknown variant 'zh-TW'"):
        variant_name("rfi-cn", "zh-TW")
    with pytest.raises(ValueError, match="more than 64 characters"):
        variant_name("x" * 58, "zh-Hant")
    assert NAME_PATTERN.fullmatch(variant_name("x" * 56, "zh-Hant"))


def test_categories_converted_without_repeats() -> None:
    item = Item(
        entry_id=uuid.uuid5(uuid.NAMESPACE_URL, "https://x.example/a").urn,
        url="https://x.example/a",
        title="台湾",
        summary="",
        content_html="<p>台湾</p>",
        published=NOW,
        updated=NOW,
        authors=("范明正",),
        categories=("台湾", "臺灣", "china"),
    )
    meta = FeedMeta(
        "x", "source", "urn:x", "x", "https://x.example/", "x", {"atom": "https://f/x.atom"}
    )
    variant = make_variant(Feed(meta, (item,), NOW, 1), "zh-Hant", policy=POLICY).items[0]
    assert variant.categories == ("臺灣", "china")
    assert variant.authors == ("范明正",)  # character conversion would write 範明正


# --- round trip and the other direction ---------------------------------------------------


def test_round_trip_through_zh_hant_and_back(feeds: dict[str, Feed], hant: dict[str, Feed]) -> None:
    """Traditional -> simplified loses nothing the markup carries, and converting back gives
    the same zh-Hant text again; the simplified text differs from the original only where
    one traditional character stands for two simplified ones (著: 着/著) or the source
    itself mixed in a traditional form (关係)."""
    changed: Counter[tuple[str, str]] = Counter()
    for name, original in feeds.items():
        back = make_variant(hant[name], "zh-Hans", policy=POLICY)
        assert back.meta.name == f"{name}.zh-hant.zh-hans"
        assert back.meta.language == "zh-Hans"
        again = make_variant(back, "zh-Hant", policy=POLICY)
        for item, there, home, there_again in zip(
            original.items, hant[name].items, back.items, again.items, strict=True
        ):
            assert elements(home.content_html) == elements(item.content_html)
            assert there_again.content_html == there.content_html
            assert there_again.title == there.title
            a, b = "".join(texts_of(item.content_html)), "".join(texts_of(home.content_html))
            assert len(a) == len(b)
            changed.update((x, y) for x, y in zip(a, b, strict=True) if x != y)
    assert set(changed) == {("着", "著"), ("係", "系")}


def test_zh_hans_leaves_characters_fonts_lack() -> None:
    """t2s's "tofu risk" table maps some rare traditional characters to Unicode extension
    characters most fonts cannot show; refeed keeps the readable original instead."""
    assert opencc.OpenCC("t2s").convert("遱") != "遱"  # what the table would do
    assert T2S("遱") == "遱"
    assert T2S("拜登稱將很快訪問越南") == "拜登称将很快访问越南"


def test_converter_is_loaded_once_per_configuration() -> None:
    assert converter("s2tw") is converter("s2tw")
    assert converter("t2s") is not converter("s2tw")


def _one(cache: ConvertedContents, kind: str, text: str, policy: HtmlPolicy = POLICY) -> str:
    return cache.converted_all([(kind, text)], "s2tw", policy)[0]


def test_converted_contents_are_remembered_within_a_character_budget() -> None:
    """The conversion cache holds at most its budget in characters, whatever the articles'
    sizes, and gives what converting gives (for a policy: another policy converts anew)."""
    cache = ConvertedContents(budget_chars=10_000)
    contents = [f"<p>{i} 这是一篇关于国家发展的文章。{'发展' * (50 * i)}</p>" for i in range(40)]
    for content in contents:
        assert _one(cache, "html", content) == convert_html(content, S2TW, POLICY)
        assert cache.held <= cache.budget
    assert cache.held == sum(len(v) for v in cache._items.values())
    newest = contents[-2]
    kept = _one(cache, "html", newest)
    assert _one(cache, "html", newest) is kept  # found, not converted again
    other = POLICY.with_overrides(deny_tags=["p"])
    assert _one(cache, "html", newest, other) == convert_html(newest, S2TW, other)
    huge = "<p>" + "发展" * 20_000 + "</p>"
    assert _one(cache, "html", huge) == convert_html(huge, S2TW, POLICY)
    assert cache.held <= cache.budget  # too large to keep: converted, not kept


class _Kept(dict[bytes, str]):
    def put(self, key: bytes, value: str) -> None:
        self[key] = value


def test_a_feeds_conversions_go_to_opencc_in_one_call(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each call into OpenCC is a round trip to its process, so everything a feed needs
    converted (titles, summaries, categories, every text node of every content) goes in
    one; what either memory holds is not converted again, and nothing at all starts no
    process. Each result is what converting it alone gives."""
    calls: list[str] = []

    def counted(opencc_config: str) -> Callable[[str], str]:
        def convert(text: str) -> str:
            calls.append(text)
            return S2TW(text)

        return convert

    monkeypatch.setattr(variants, "converter", counted)
    cache, kept = ConvertedContents(budget_chars=100_000), _Kept()
    html_ = '<p>发展<a href="https://x.test/发展">国家</a></p><p>里面 &amp; 后台</p>'
    wanted = [("text", "中美关系"), ("html", html_), ("text", "发展"), ("text", "中美关系"),
              ("html", "<p>台湾</p>"), ("text", "")]  # fmt: skip
    got = cache.converted_all(wanted, "s2tw", POLICY, kept)
    assert got == [
        S2TW(text) if kind == "text" else convert_html(text, S2TW, POLICY) for kind, text in wanted
    ]
    assert len(calls) == 1
    assert len(kept) == 5  # one each, the repeated title once
    assert cache.converted_all(wanted, "s2tw", POLICY, kept) == got
    assert ConvertedContents(100_000).converted_all(wanted, "s2tw", POLICY, kept) == got
    assert len(calls) == 1  # from memory, then from what the state keeps


def test_texts_are_joined_up_to_a_batch_size(monkeypatch: pytest.MonkeyPatch) -> None:
    """What goes to OpenCC in one call is bounded (its process holds all of it at once); a
    text longer than the bound goes alone, and none is cut."""
    monkeypatch.setattr(variants, "BATCH_CHARS", 10)
    calls: list[str] = []

    def convert(text: str) -> str:
        calls.append(text)
        return S2TW(text)

    texts = ["发展国家", "里面后台", "头发", "为什么中国人民发展", "干", "台\ue000湾", "系"]
    assert _convert_all(texts, convert) == [S2TW(t) for t in texts]
    assert calls == [
        "发展国家\ue000里面后台",  # 4 + 1 + 4 characters: 10 with the next separator
        "头发",  # the next text would take it past 10
        "为什么中国人民发展",
        "台\ue000湾",  # holds the separator: alone, whatever its size
        "干\ue000系",
    ]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet="中国人民发展家着系后里面干台湾\ue000 a<&\n", max_size=12),
                max_size=8))  # fmt: skip
def test_property_texts_converted_together_convert_as_each_alone(texts: list[str]) -> None:
    """An article's texts go to OpenCC in one call: exactly what converting each alone gives
    (a phrase never spans two of them), the separator in a text included."""
    for convert in (S2TW, T2S):
        assert _convert_all(texts, convert) == [convert(text) for text in texts]
