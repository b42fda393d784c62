"""The feeds as newsboat reads them: every Atom and RSS document refeed writes, fetched by a real
newsboat (`newsboat -x reload` on file:// URLs), and compared with what the document says.

newsboat keeps what it read in an SQLite cache, so the test reads that: the feed's title and
website, and per item the id, title, link, author, date, content and podcast enclosure. It
catches what valid XML does not: newsboat takes a feed's website from the last link named
"alternate" and an entry's author from the entry alone (docs/design.md, "Readers").

Skipped, saying why, where newsboat is not installed (Debian: `newsboat`); CI installs it
(.ci/run). newsboat does not read JSON Feed, so the JSON documents are not part of this.
"""

from __future__ import annotations

import html
import os
import shutil
import sqlite3
import subprocess
import tempfile
from contextlib import closing
from dataclasses import dataclass, replace
from datetime import datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
from lxml import etree

from refeed.config import Archives, Config

from .conftest import DATA, NOW, VALID_SEEDS, build
from .feedcheck import A

NEWSBOAT = shutil.which("newsboat")
pytestmark = pytest.mark.skipif(
    NEWSBOAT is None, reason="newsboat is not installed (Debian: newsboat; .ci/run installs it)"
)
MEDIA_SEEDS = DATA / "seeds" / "media"
CONTENT = "{http://purl.org/rss/1.0/modules/content/}encoded"
MRSS = "{http://search.yahoo.com/mrss/}"
DC_CREATOR = "{http://purl.org/dc/elements/1.1/}creator"
# what newsboat keeps as a podcast enclosure (its is_valid_podcast_type); images it leaves
PODCAST_TYPES = ("audio/", "video/", "application/ogg")


@dataclass(frozen=True)
class Item:
    guid: str
    title: str
    url: str
    author: str
    published: int  # epoch seconds
    content: str
    # (url, type): the podcast enclosure newsboat kept, or those a document offers (newsboat
    # keeps one of them: the last it reads, Media RSS included)
    enclosures: frozenset[tuple[str, str]]


@dataclass(frozen=True)
class Read:
    title: str
    site: str
    items: list[Item]


def newsboat_reads(document: Path, tmp: Path) -> Read:
    """What newsboat stores after fetching `document`, in a home and cache of its own."""
    home = Path(tempfile.mkdtemp(dir=tmp))
    (home / "urls").write_text(f"{document.resolve().as_uri()}\n", encoding="utf-8")
    (home / "config").touch()
    cache = home / "cache.db"
    assert NEWSBOAT is not None
    args = ["-u", home / "urls", "-c", cache, "-C", home / "config", "-x", "reload"]
    subprocess.run(
        [NEWSBOAT, *map(str, args)],
        env={**os.environ, "HOME": str(home)},
        check=True,
        capture_output=True,
        timeout=120,
    )
    with closing(sqlite3.connect(cache)) as db:
        ((feed_title, site),) = db.execute("SELECT title, url FROM rss_feed").fetchall()
        rows = db.execute(
            "SELECT guid, title, url, author, pubDate, content, enclosure_url, enclosure_type"
            " FROM rss_item ORDER BY id"
        ).fetchall()
    items = []
    for guid, title, url, author, published, content, eurl, etype in rows:
        kept = frozenset({(eurl, etype)} if eurl else ())
        items.append(Item(guid, title, url, author, published, content, kept))
    return Read(feed_title, site, items)


def atom_says(document: Path) -> Read:
    root = etree.parse(str(document)).getroot()
    (site,) = [
        ln.get("href")
        for ln in root.findall(f"{A}link")
        if ln.get("rel") == "alternate" and ln.get("type") == "text/html"
    ]
    items = []
    for entry in root.findall(f"{A}entry"):
        links = entry.findall(f"{A}link")
        (url,) = [ln.get("href") for ln in links if ln.get("rel") == "alternate"]
        podcasts = frozenset(
            (ln.get("href", ""), ln.get("type", ""))
            for ln in links
            if ln.get("rel") == "enclosure" and ln.get("type", "").startswith(PODCAST_TYPES)
        ) | _media_rss(entry)
        items.append(Item(
            guid=entry.findtext(f"{A}id", ""),
            title=_text_of(entry.find(f"{A}title")),
            url=str(url),
            author=" / ".join(n.text or "" for n in entry.findall(f"{A}author/{A}name")),
            published=_epoch(datetime.fromisoformat(entry.findtext(f"{A}published", ""))),
            content=entry.findtext(f"{A}content", ""),
            enclosures=podcasts,
        ))  # fmt: skip
    return Read(root.findtext(f"{A}title", ""), str(site), items)


def rss_says(document: Path) -> Read:
    channel = etree.parse(str(document)).getroot().find("channel")
    assert channel is not None
    items = []
    for item in channel.findall("item"):
        podcasts = frozenset(
            (e.get("url", ""), e.get("type", ""))
            for e in item.findall("enclosure")
            if e.get("type", "").startswith(PODCAST_TYPES)
        ) | _media_rss(item)
        items.append(Item(
            guid=item.findtext("guid", ""),
            title=item.findtext("title", ""),
            url=item.findtext("link", ""),
            author=" / ".join(c.text or "" for c in item.findall(DC_CREATOR)),
            published=_epoch(parsedate_to_datetime(item.findtext("pubDate", ""))),
            content=item.findtext(CONTENT, ""),
            enclosures=podcasts,
        ))  # fmt: skip
    return Read(channel.findtext("title", ""), channel.findtext("link", ""), items)


def _media_rss(parent: etree._Element) -> frozenset[tuple[str, str]]:
    return frozenset(
        (m.get("url", ""), m.get("type", ""))
        for m in parent.iter(f"{MRSS}content")
        if m.get("type", "").startswith(PODCAST_TYPES)
    )


def _text_of(construct: etree._Element | None) -> str:
    """The text an Atom text construct shows: refeed writes text that looks like markup as
    type="html", escaped, so the text is its unescaped value."""
    assert construct is not None
    value = construct.text or ""
    return html.unescape(value) if construct.get("type") == "html" else value


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, config: Config) -> dict[str, list[Path]]:
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


def test_the_site_has_what_the_test_needs(site: dict[str, list[Path]]) -> None:
    names = {p.name for p in site["valid"]}
    assert {"all.zh-hant.atom", "all.zh-hant.rss", "rfi-cn.atom", "rfi-cn.rss"} <= names
    assert any("archive" in p.parts for p in site["valid"])


def test_newsboat_reads_every_document_as_written(
    site: dict[str, list[Path]], tmp_path: Path
) -> None:
    for document in site["valid"] + site["media"]:
        says = atom_says(document) if document.suffix == ".atom" else rss_says(document)
        read = newsboat_reads(document, tmp_path)
        assert (read.title, read.site) == (says.title, says.site), document
        # the website is a page, never the same feed in the other script
        assert not read.site.endswith((".atom", ".rss", ".json")), document
        assert len({i.guid for i in read.items}) == len(read.items) == len(says.items), document
        shown = {i.guid: replace(i, enclosures=frozenset()) for i in read.items}
        assert shown == {i.guid: replace(i, enclosures=frozenset()) for i in says.items}, document
        offered = {i.guid: i.enclosures for i in says.items}
        for item in read.items:  # the one podcast enclosure kept, if the item offers any
            assert len(item.enclosures) == min(1, len(offered[item.guid])), document
            assert item.enclosures <= offered[item.guid], document
        assert all(item.author for item in read.items), document  # every item names one


def test_newsboat_keeps_a_podcast_enclosure(site: dict[str, list[Path]], tmp_path: Path) -> None:
    """The podcast article offers its audio and its video; newsboat keeps one of them, the
    file its podboat downloads. (Images, which it does not keep, are the other articles.)"""
    podcast = {("https://media.example.com/ep1.mp3", "audio/mpeg"),
               ("https://www.example.com/video/ep1.webm", "video/webm")}  # fmt: skip
    for name in ("example.com.atom", "example.com.rss"):
        (document,) = [p for p in site["media"] if p.name == name]
        kept = [i.enclosures for i in newsboat_reads(document, tmp_path).items if i.enclosures]
        assert len(kept) == 1, name
        assert kept[0] <= podcast, name
