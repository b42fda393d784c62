"""Which source an article belongs to."""

from __future__ import annotations

import uuid

import pytest

from refeed.config import Config, DerivedFeed, SourceRule
from refeed.ingest.sources import SourceResolver, derived_name
from refeed.output.feeds import dirty_feeds, feed_id, kind_of, source_meta

RULES = (
    SourceRule(
        "rfi-cn",
        "RFI 中文",
        "https://www.rfi.fr/cn/",
        (("www.rfi.fr", "/cn/"),),
        section_from_path=True,
    ),
    SourceRule("rfi", "RFI", "https://www.rfi.fr/", (("www.rfi.fr", "/"),)),
    SourceRule(
        "nyt-cn",
        "NYT 中文",
        "https://cn.nytimes.com/",
        (("cn.nytimes.com", "/"),),
        section_from_path=True,
    ),
    SourceRule("dw.com", "DW", "https://www.dw.com/zh/", (("www.dw.com", "/zh/"),)),
)
RESOLVER = SourceResolver(Config(sources=RULES))


@pytest.mark.parametrize(
    ("url", "source"),
    [
        pytest.param(
            "https://www.rfi.fr/cn/%E4%BA%9A%E6%B4%B2/x", "rfi-cn", id="longest-prefix-wins"
        ),
        pytest.param("https://www.rfi.fr/cn", "rfi-cn", id="prefix-without-slash"),
        pytest.param("https://www.rfi.fr/cnn/x", "rfi", id="prefix-is-whole-segments"),
        pytest.param("https://www.rfi.fr/fr/x", "rfi", id="shorter-prefix"),
        pytest.param("https://cn.nytimes.com/china/20230714/x/", "nyt-cn", id="host-rule"),
        pytest.param("https://www.bbc.com/zhongwen/simp/x", "bbc.com", id="derived-from-host"),
        pytest.param("https://bbc.com/x", "bbc.com", id="derived-without-www"),
        pytest.param("https://www.dw.com/en/x", "dw.com-other", id="derived-never-joins-a-rule"),
        pytest.param("https://www.dw.com/zh/x", "dw.com", id="rule-named-like-a-host"),
    ],
)
def test_source_for(url: str, source: str) -> None:
    assert RESOLVER.source_for(url) == source


@pytest.mark.parametrize(
    ("url", "categories"),
    [
        pytest.param(
            "https://www.rfi.fr/cn/%E4%BA%9A%E6%B4%B2/20230809-x", ("亚洲",), id="rfi-section"
        ),
        pytest.param("https://cn.nytimes.com/china/20230714/x/", ("china",), id="nyt-section"),
        pytest.param("https://cn.nytimes.com/20230714/x/", (), id="number-is-not-a-section"),
        pytest.param("https://cn.nytimes.com/x/", (), id="slug-alone-is-not-a-section"),
        pytest.param("https://www.rfi.fr/fr/monde/x", (), id="rule-without-sections"),
        pytest.param("https://www.bbc.com/zhongwen/simp/x", (), id="derived-source"),
    ],
)
def test_url_categories(url: str, categories: tuple[str, ...]) -> None:
    assert RESOLVER.url_categories(url) == categories


@pytest.mark.parametrize(
    ("host", "name"),
    [
        ("www.Example.COM", "example.com"),
        ("all", "all-host"),
        ("bücher.example", "xn--bcher-kva.example"),
        ("a_b.example", "a-b.example"),
    ],
)
def test_derived_name(host: str, name: str) -> None:
    assert derived_name(host) == name


def test_meta_for_derived_source() -> None:
    meta = source_meta(RESOLVER.config, "bbc.com", sample_url="https://www.bbc.com/zhongwen/x")
    assert meta.homepage == "https://www.bbc.com/"
    assert meta.url("atom") == "http://127.0.0.1:8080/bbc.com.atom"
    assert meta.url("rss") == "http://127.0.0.1:8080/bbc.com.rss"
    assert meta.feed_id == feed_id("http://127.0.0.1:8080/bbc.com.atom")  # as in refeed 0.1


def test_feed_ids_derive_from_the_atom_url_in_every_format() -> None:
    """The ids subscribers already have: uuid5 of the .atom URL, whatever formats exist."""
    meta = source_meta(RESOLVER.config, "rfi-cn")
    assert meta.feed_id == "urn:uuid:" + str(
        uuid.uuid5(uuid.NAMESPACE_URL, "http://127.0.0.1:8080/rfi-cn.atom")
    )


def test_a_changed_source_dirties_its_feed_and_the_combined_feed() -> None:
    config = Config()
    assert dirty_feeds(config, {"rfi-cn"}) == ["all", "rfi-cn"]
    assert dirty_feeds(config, set()) == []
    assert kind_of(config, "all").name == "combined"
    assert kind_of(config, "rfi-cn").name == "source"


def test_a_changed_source_dirties_the_derived_feeds_that_draw_on_it() -> None:
    config = Config(feeds=(DerivedFeed(name="us", title="US", sources=("nytimes-cn",)),
                           DerivedFeed(name="any", title="Any")))  # fmt: skip
    assert dirty_feeds(config, {"rfi-cn"}) == ["all", "any", "rfi-cn"]
    assert dirty_feeds(config, {"nytimes-cn"}) == ["all", "any", "nytimes-cn", "us"]
    assert kind_of(config, "us").name == "derived"
