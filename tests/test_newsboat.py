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

import os
import shutil
import sqlite3
import subprocess
import tempfile
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import pytest

from .clientcheck import Entry, check_client_site, document_says

NEWSBOAT = shutil.which("newsboat")
pytestmark = pytest.mark.skipif(
    NEWSBOAT is None, reason="newsboat is not installed (Debian: newsboat; .ci/run installs it)"
)
# what newsboat keeps as a podcast enclosure (its is_valid_podcast_type); images it leaves
PODCAST_TYPES = ("audio/", "video/", "application/ogg")


@dataclass(frozen=True)
class Item:
    """One item of newsboat's cache."""

    guid: str
    title: str
    url: str
    author: str
    published: int  # epoch seconds
    content: str
    enclosure: tuple[str, str] | None  # (url, type): the one podcast enclosure it keeps


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
        enclosure = (eurl, etype) if eurl else None
        items.append(Item(guid, title, url, author, published, content, enclosure))
    return Read(feed_title, site, items)


def podcasts(entry: Entry) -> set[tuple[str, str]]:
    return {m for m in (*entry.enclosures, *entry.media) if m[1].startswith(PODCAST_TYPES)}


def test_the_site_has_what_the_test_needs(client_site: dict[str, list[Path]]) -> None:
    check_client_site(client_site)


def test_newsboat_reads_every_document_as_written(
    client_site: dict[str, list[Path]], tmp_path: Path
) -> None:
    for document in client_site["valid"] + client_site["media"]:
        says = document_says(document)
        read = newsboat_reads(document, tmp_path)
        assert (read.title, read.site) == (says.title, says.site), document
        # the website is a page, never the same feed in the other script
        assert not read.site.endswith((".atom", ".rss", ".json")), document
        assert len({i.guid for i in read.items}) == len(read.items) == len(says.entries), document
        entries = {e.guid: e for e in says.entries}
        for item in read.items:
            entry = entries[item.guid]
            assert (item.title, item.url, item.published, item.content) == (
                entry.title, entry.url, entry.published, entry.content
            ), document  # fmt: skip
            assert item.author in entry.authors, document  # and so not empty
            offered = podcasts(entry)  # newsboat keeps one, Media RSS included
            assert (item.enclosure in offered) if offered else item.enclosure is None, document


def test_newsboat_keeps_a_podcast_enclosure(
    client_site: dict[str, list[Path]], tmp_path: Path
) -> None:
    """The podcast article offers its audio and its video; newsboat keeps one of them, the
    file its podboat downloads. (Images, which it does not keep, are the other articles.)"""
    podcast = {("https://media.example.com/ep1.mp3", "audio/mpeg"),
               ("https://www.example.com/video/ep1.webm", "video/webm")}  # fmt: skip
    for name in ("example.com.atom", "example.com.rss"):
        (document,) = [p for p in client_site["media"] if p.name == name]
        kept = [i.enclosure for i in newsboat_reads(document, tmp_path).items if i.enclosure]
        assert len(kept) == 1, name
        assert kept[0] in podcast, name
