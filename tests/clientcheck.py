"""What an Atom or RSS document says, field by field, to compare with what a real feed client
read from it (tests/test_newsboat.py, tests/test_sfeed.py), and the documents to feed them
(built once a session: conftest's `client_site`).

The fields are read from the XML the way the formats define them, not the way any client
does: each client test says which of them its client keeps, and how.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, replace
from datetime import datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
from lxml import etree

from refeed.config import Archives, Config

from .conftest import DATA, NOW, VALID_SEEDS, build
from .feedcheck import A

MEDIA_SEEDS = DATA / "seeds" / "media"
CONTENT = "{http://purl.org/rss/1.0/modules/content/}encoded"
DC_CREATOR = "{http://purl.org/dc/elements/1.1/}creator"
MRSS = "{http://search.yahoo.com/mrss/}"


@dataclass(frozen=True)
class Entry:
    guid: str
    title: str  # the text a reader shows
    title_type: str  # Atom's type of it, "text" or "html" (escaped); RSS: "text"
    url: str
    authors: tuple[str, ...]
    published: int  # epoch seconds
    content: str  # the HTML
    enclosures: tuple[tuple[str, str], ...]  # (url, type), in document order
    media: tuple[tuple[str, str], ...]  # Media RSS media:content (url, type)
    categories: tuple[str, ...]


@dataclass(frozen=True)
class Document:
    title: str
    site: str  # the website: Atom's text/html alternate, RSS's channel <link>
    entries: list[Entry]


def document_says(path: Path) -> Document:
    return _atom(path) if path.suffix == ".atom" else _rss(path)


def _atom(path: Path) -> Document:
    root = etree.parse(str(path)).getroot()
    (site,) = [
        ln.get("href", "")
        for ln in root.findall(f"{A}link")
        if ln.get("rel") == "alternate" and ln.get("type") == "text/html"
    ]
    entries = []
    for entry in root.findall(f"{A}entry"):
        links = entry.findall(f"{A}link")
        (url,) = [ln.get("href", "") for ln in links if ln.get("rel") == "alternate"]
        entries.append(Entry(
            guid=entry.findtext(f"{A}id", ""),
            title=_text_of(entry.find(f"{A}title")),
            title_type=entry.find(f"{A}title").get("type", "text"),  # type: ignore[union-attr]
            url=url,
            authors=tuple(n.text or "" for n in entry.findall(f"{A}author/{A}name")),
            published=_epoch(datetime.fromisoformat(entry.findtext(f"{A}published", ""))),
            content=entry.findtext(f"{A}content", ""),
            enclosures=tuple(
                (ln.get("href", ""), ln.get("type", ""))
                for ln in links
                if ln.get("rel") == "enclosure"
            ),
            media=_media_rss(entry),
            categories=tuple(c.get("term", "") for c in entry.findall(f"{A}category")),
        ))  # fmt: skip
    return Document(root.findtext(f"{A}title", ""), site, entries)


def _rss(path: Path) -> Document:
    channel = etree.parse(str(path)).getroot().find("channel")
    assert channel is not None
    entries = []
    for item in channel.findall("item"):
        entries.append(Entry(
            guid=item.findtext("guid", ""),
            title=item.findtext("title", ""),
            title_type="text",
            url=item.findtext("link", ""),
            authors=tuple(c.text or "" for c in item.findall(DC_CREATOR)),
            published=_epoch(parsedate_to_datetime(item.findtext("pubDate", ""))),
            content=item.findtext(CONTENT, ""),
            enclosures=tuple(
                (e.get("url", ""), e.get("type", "")) for e in item.findall("enclosure")
            ),
            media=_media_rss(item),
            categories=tuple(c.text or "" for c in item.findall("category")),
        ))  # fmt: skip
    return Document(channel.findtext("title", ""), channel.findtext("link", ""), entries)


def _media_rss(parent: etree._Element) -> tuple[tuple[str, str], ...]:
    return tuple((m.get("url", ""), m.get("type", "")) for m in parent.iter(f"{MRSS}content"))


def _text_of(construct: etree._Element | None) -> str:
    """The text an Atom text construct shows: refeed writes text that looks like markup as
    type="html", escaped, so the text is its unescaped value."""
    assert construct is not None
    value = construct.text or ""
    return html.unescape(value) if construct.get("type") == "html" else value


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def build_client_site(
    tmp_path_factory: pytest.TempPathFactory, config: Config
) -> dict[str, list[Path]]:
    """Every Atom and RSS document of two builds, the sample articles ("valid") and the media
    ones ("media"), each with a zh-Hant variant of the combined feed and archive pages (3
    entries a feed, 2 a page)."""
    config = replace(
        config,
        combined=replace(config.combined, variants=("zh-Hant",)),
        max_entries=3,
        archives=Archives(enabled=True, page_size=2),
    )
    documents = {}
    for name, seeds in (("valid", VALID_SEEDS), ("media", MEDIA_SEEDS)):
        out = tmp_path_factory.mktemp(name) / "feeds"
        build(seeds, out, config, NOW)
        documents[name] = sorted(p for p in out.rglob("*") if p.suffix in (".atom", ".rss"))
    return documents


def check_client_site(site: dict[str, list[Path]]) -> None:
    """What the client tests rely on the builds to hold."""
    names = {p.name for p in site["valid"]}
    assert {"all.zh-hant.atom", "all.zh-hant.rss", "rfi-cn.atom", "rfi-cn.rss"} <= names
    assert any("archive" in p.parts for p in site["valid"])
    assert any(e.enclosures for p in site["media"] for e in document_says(p).entries)
