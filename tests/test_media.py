"""Media: the lead image and audio/video become enclosures and Media RSS in every format."""

from __future__ import annotations

import html
import json
from collections import Counter
from pathlib import Path

import feedparser
import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from refeed.config import Config
from refeed.ingest.media import enclosures, lead_image
from refeed.ingest.urls import is_web_url
from refeed.models import Media

from .conftest import DATA, NOW, VALID_SEEDS, build
from .feedcheck import A
from .outputcheck import problems_of

MEDIA_SEEDS = DATA / "seeds" / "media"
M = "{http://search.yahoo.com/mrss/}"
BASE = "https://www.example.com/news/a.html"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, config: Config) -> Path:
    out = tmp_path_factory.mktemp("media") / "feeds"
    build(MEDIA_SEEDS, out, config, NOW)
    return out


def test_og_image_wins_over_the_first_content_image() -> None:
    raw = '<meta content="/cover.webp" property="og:image"><img src="/inline.jpg">'
    assert lead_image('<img src="https://www.example.com/inline.jpg">', raw, BASE) == Media(
        "https://www.example.com/cover.webp", "image", "image/webp"
    )


def test_first_content_image_without_og_image() -> None:
    content = '<p><img alt="" src="https://x.example/a.JPG?w=1&amp;h=2"></p><img src="b.png">'
    assert lead_image(content, "", BASE) == Media(
        "https://x.example/a.JPG?w=1&h=2", "image", "image/jpeg"
    )


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://x.example/?url=photo.jpg", None),  # the suffix is in the query, not the path
        ("https://x.example/photo", None),
        ("https://x.example/photo.svg", None),  # not a type refeed publishes as an enclosure
        ("https://x.example/photo.avif", "image/avif"),
    ],
)
def test_image_type_comes_only_from_what_is_known(url: str, expected: str | None) -> None:
    image = lead_image(f'<img src="{url}">', "", BASE)
    assert image is not None
    assert image.type == expected


@pytest.mark.parametrize(
    "src", ["javascript:alert(1)", "data:image/png;base64,AAAA", " JaVaScRiPt:x", "vbscript:x"]
)
def test_media_urls_pass_the_url_check(src: str) -> None:
    assert lead_image("", f'<meta property="og:image" content="{src}">', BASE) is None
    assert enclosures(f'<audio src="{src}" type="audio/mpeg"></audio>', BASE) == ()


def test_audio_and_video_become_enclosures_with_known_types() -> None:
    raw = (
        '<audio src="/a.mp3"><source src="/a.ogg" type="audio/ogg; codecs=opus"></audio>'
        '<video><source src="https://v.example/v.mp4"><source src="/stream.m3u8">'
        '<source src="/x" type="video/webm"></video><audio src="/a.mp3"></audio>'
    )
    assert enclosures(raw, BASE) == (
        Media("https://www.example.com/a.mp3", "audio", "audio/mpeg"),
        Media("https://www.example.com/a.ogg", "audio", "audio/ogg"),
        Media("https://v.example/v.mp4", "video", "video/mp4"),
        Media("https://www.example.com/x", "video", "video/webm"),
    )


def test_atom_enclosures_and_media_rss(built: Path) -> None:
    root = etree.parse(str(built / "example.com.atom")).getroot()
    podcast = _entry(root, "podcast")
    enclosure = [
        (ln.get("href"), ln.get("type")) for ln in podcast.findall(f"{A}link[@rel='enclosure']")
    ]
    assert enclosure == [
        ("https://media.example.com/ep1.mp3", "audio/mpeg"),
        ("https://media.example.com/ep1.ogg", "audio/ogg"),
        ("https://www.example.com/video/ep1.webm", "video/webm"),
        ("https://www.example.com/img/cover.png?size=large&v=2", "image/png"),
    ]
    assert _one(podcast, f"{M}thumbnail").get("url") == enclosure[-1][0]
    image = _one(podcast, f"{M}content[@medium='image']")
    assert (image.get("url"), image.get("type")) == enclosure[-1]
    untyped = _entry(root, "untyped")
    assert untyped.findall(f"{A}link[@rel='enclosure']") == []  # no type known: no enclosure
    assert _one(untyped, f"{M}content").get("url") == "https://images.example.net/?url=photo"


@pytest.mark.parametrize("seeds", [MEDIA_SEEDS, VALID_SEEDS], ids=["media", "valid"])
def test_no_duplicate_atom_link(seeds: Path, tmp_path: Path, config: Config) -> None:
    """feedgen 1.0 writes an Atom enclosure a second time as a plain link (python-feedgen#135),
    which the W3C validator reports as DuplicateAtomLink: two links with the same rel, type
    and hreflang."""
    build(seeds, tmp_path / "feeds", config, NOW)
    for path in (tmp_path / "feeds").glob("*.atom"):
        root = etree.parse(str(path)).getroot()
        for parent in (root, *root.iter(f"{A}entry")):
            links = Counter(
                (ln.get("rel", "alternate"), ln.get("type"), ln.get("hreflang"))
                for ln in parent.findall(f"{A}link")
                if ln.get("rel", "alternate") == "alternate"
            )
            assert max(links.values(), default=1) == 1, path.name
            plain = [ln for ln in parent.findall(f"{A}link") if ln.get("rel") is None]
            assert plain == [], path.name


def test_rss_has_exactly_one_typed_enclosure(built: Path) -> None:
    channel = _one(etree.parse(str(built / "example.com.rss")).getroot(), "channel")
    items = {i.findtext("link", "").rsplit("/", 1)[-1]: i for i in channel.iter("item")}
    podcast = items["podcast.html"].findall("enclosure")
    assert [(e.get("url"), e.get("length"), e.get("type")) for e in podcast] == [
        ("https://media.example.com/ep1.mp3", "0", "audio/mpeg")  # the audio, length unknown
    ]
    assert items["untyped.html"].findall("enclosure") == []
    assert [c.get("medium") for c in items["podcast.html"].iter(f"{M}content")] == [
        "audio", "audio", "video", "image"
    ]  # fmt: skip
    parsed = feedparser.parse(built / "example.com.rss")
    podcast_entry = next(e for e in parsed.entries if e.link.endswith("podcast.html"))
    assert [e.href for e in podcast_entry.enclosures] == ["https://media.example.com/ep1.mp3"]


def test_json_feed_image_and_attachments(built: Path) -> None:
    items = {
        i["url"].rsplit("/", 1)[-1]: i
        for i in json.loads((built / "all.json").read_text())["items"]
    }
    assert items["podcast.html"]["image"] == "https://www.example.com/img/cover.png?size=large&v=2"
    assert [a["mime_type"] for a in items["podcast.html"]["attachments"]] == [
        "audio/mpeg", "audio/ogg", "video/webm"
    ]  # fmt: skip
    assert items["untyped.html"]["image"] == "https://images.example.net/?url=photo"
    assert "attachments" not in items["untyped.html"]


def test_media_feeds_pass_every_check(built: Path) -> None:
    for path in sorted(built.iterdir()):
        assert problems_of(path) == [], path.name


def _entry(root: etree._Element, slug: str) -> etree._Element:
    for entry in root.iter(f"{A}entry"):
        if _one(entry, f"{A}link[@rel='alternate']").get("href", "").endswith(f"/{slug}.html"):
            return entry
    raise AssertionError(slug)


def _one(parent: etree._Element, path: str) -> etree._Element:
    found = parent.find(path)
    assert found is not None, path
    return found


@given(st.text(max_size=30), st.sampled_from(["audio", "video"]), st.text(max_size=12))
def test_any_media_url_is_judged(src: str, medium: str, declared: str) -> None:
    raw = (
        f'<meta property="og:image" content="{html.escape(src)}">'
        f'<{medium} src="{html.escape(src)}" type="{html.escape(declared)}"></{medium}>'
    )
    found = [lead_image("", raw, BASE), *enclosures(raw, BASE)]
    for media in found:
        assert media is None or is_web_url(media.url)
        assert media is None or media.type is None or media.type.startswith(media.medium + "/")


def test_every_url_outside_content_passes_the_url_check(built: Path) -> None:
    urls: list[str] = []
    for path in built.glob("*.atom"):
        root = etree.parse(str(path)).getroot()
        urls += [el.get("href", "") for el in root.iter(f"{A}link")]
        urls += [el.text or "" for el in root.iter(f"{A}icon")]
        urls += [el.get("url", "") for el in root.iter(f"{M}content", f"{M}thumbnail")]
    for path in built.glob("*.rss"):
        root = etree.parse(str(path)).getroot()
        urls += [el.text or "" for el in root.iter("link")]
        urls += [el.get("url", "") for el in root.iter("enclosure", "source", f"{M}content")]
    for path in built.glob("*.json"):
        doc = json.loads(path.read_bytes())
        urls += [doc["home_page_url"], doc["feed_url"]]
        for item in doc["items"]:
            urls += [item["url"], item.get("image", "https://x.example/")]
            urls += [a["url"] for a in item.get("attachments", [])]
    assert len(urls) > 40
    assert [u for u in urls if not is_web_url(u)] == []
