"""`build` end to end: seed fixtures in, golden feeds out, standards-exact and deterministic."""

from __future__ import annotations

import html
import json
import os
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import feedparser
import pytest
from lxml import etree

from refeed.config import Config
from refeed.output import render
from refeed.output.formats import Format
from refeed.output.model import Site

from .conftest import GOLDEN, INVALID_SEEDS, NOW, VALID_SEEDS, build
from .feedcheck import A
from .outputcheck import problems_of


@pytest.fixture
def built(tmp_path: Path, config: Config) -> Path:
    out = tmp_path / "feeds"
    build(VALID_SEEDS, out, config, NOW)
    return out


def feed_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_golden_feeds(built: Path, update_golden: bool) -> None:
    if update_golden:
        for old in GOLDEN.iterdir():
            old.unlink()
        for new in built.iterdir():
            (GOLDEN / new.name).write_bytes(new.read_bytes())
    assert feed_files(built) == feed_files(GOLDEN)
    for name in feed_files(built):
        assert (built / name).read_bytes() == (GOLDEN / name).read_bytes(), name


def test_golden_feeds_are_valid() -> None:
    """The golden files themselves pass every check (so a wrong golden cannot be blessed)."""
    for path in sorted(GOLDEN.iterdir()):
        assert problems_of(path) == [], path.name


def test_expected_feeds_and_sources(built: Path) -> None:
    names = ["all", "en.example.org", "example.com", "nytimes-cn", "rfi-cn"]
    formats = ("atom", "rss", "json", "html")
    assert feed_files(built) == sorted(
        [f"{n}.{x}" for n in names for x in formats] + ["index.html", "index.opml"]
    )
    all_feed = feedparser.parse(built / "all.atom")
    assert len(all_feed.entries) == 14  # 15 valid files, one duplicate URL
    rfi = feedparser.parse(built / "rfi-cn.atom")
    assert rfi.feed.title == "法国国际广播电台 RFI 中文"
    assert rfi.feed.language == "zh-CN"
    assert rfi.feed.icon == "https://www.rfi.fr/favicon.ico"
    assert {link.rel: link.href for link in rfi.feed.links} == {
        "self": "https://feeds.example.org/refeed/rfi-cn.atom",
        "alternate": "https://www.rfi.fr/cn/",
    }


def test_entry_fields(built: Path) -> None:
    feed = feedparser.parse(built / "nytimes-cn.atom")
    entry = next(e for e in feed.entries if "布林肯会见王毅" in e.title)
    assert entry.link == "https://cn.nytimes.com/china/20230714/china-us-blinken-wang-diplomacy/"
    assert entry.published == entry.updated == "2023-07-14T02:37:02+00:00"
    assert entry.author == "DAVID PIERSON"
    assert [t.term for t in entry.tags] == ["china"]
    assert entry.summary.startswith("周四，国务卿安东尼·布林肯")
    assert entry.summary_detail.type == "text/plain"
    assert entry.content[0].type == "text/html"
    assert entry.id.startswith("urn:uuid:")


def test_same_entry_id_in_source_and_combined_feed(built: Path) -> None:
    combined = {e.link: e.id for e in feedparser.parse(built / "all.atom").entries}
    for name in ("rfi-cn.atom", "nytimes-cn.atom", "example.com.atom"):
        for entry in feedparser.parse(built / name).entries:
            assert combined[entry.link] == entry.id


def test_combined_entries_name_their_source_feed(built: Path) -> None:
    root = etree.parse(str(built / "all.atom")).getroot()
    rfi = etree.parse(str(built / "rfi-cn.atom")).getroot()
    for entry in root.iter(f"{A}entry"):
        source = entry.find(f"{A}source")
        assert source is not None
        assert source.findtext(f"{A}id", "").startswith("urn:uuid:")
        assert source.find(f"{A}link[@rel='self']") is not None
    first = next(
        e
        for e in root.iter(f"{A}entry")
        if e.findtext(f"{A}source/{A}title") == "法国国际广播电台 RFI 中文"
    )
    assert first.findtext(f"{A}source/{A}id") == rfi.findtext(f"{A}id")
    assert first.findtext(f"{A}source/{A}updated") == rfi.findtext(f"{A}updated")


def test_duplicate_url_newest_wins_earliest_published(built: Path) -> None:
    entries = [e for e in feedparser.parse(built / "all.atom").entries if "同一篇文章" in e.title]
    assert len(entries) == 1
    entry = entries[0]
    assert entry.title == "同一篇文章（更新）"
    assert "更新后的正文" in entry.content[0].value
    assert entry.published == "2023-11-14T22:18:20+00:00"  # the older file's time
    assert entry.updated == "2023-11-14T22:20:00+00:00"  # the newer file's time
    assert entry.link.endswith("20231114-same-article")  # no utm_*, no fragment


def test_feed_updated_is_newest_entry_and_entries_newest_first(built: Path) -> None:
    for path in built.glob("*.atom"):
        root = etree.parse(str(path)).getroot()
        times = [e.findtext(f"{A}updated", "") for e in root.iter(f"{A}entry")]
        assert times == sorted(times, reverse=True)
        assert root.findtext(f"{A}updated") == times[0]


def test_markup_like_title_is_escaped_html(built: Path) -> None:
    root = etree.parse(str(built / "example.com.atom")).getroot()
    title = next(t for t in root.iter(f"{A}title") if "video" in (t.text or ""))
    assert title.get("type") == "html"
    assert title.text == "Why the &lt;video&gt; element &amp; friends matter"
    parsed = feedparser.parse(built / "example.com.atom")
    entry = next(e for e in parsed.entries if "video" in e.title)
    assert entry.title_detail.type == "text/html"  # a reader renders it: the text as written
    assert html.unescape(entry.title) == "Why the <video> element & friends matter"


def test_every_feed_passes_the_checks(built: Path) -> None:
    for path in sorted(built.iterdir()):
        assert problems_of(path) == [], path.name


def test_two_builds_are_byte_identical(tmp_path: Path, config: Config) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    build(VALID_SEEDS, a, config, NOW)
    build(VALID_SEEDS, b, config, NOW + timedelta(days=300))  # the clock does not leak in
    assert feed_files(a) == feed_files(b)
    for name in feed_files(a):
        assert (a / name).read_bytes() == (b / name).read_bytes()


def test_unchanged_feeds_are_not_rewritten(tmp_path: Path, config: Config) -> None:
    out = tmp_path / "feeds"
    first = build(VALID_SEEDS, out, config, NOW)
    assert sorted(first.written) == feed_files(out)
    stamps = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    os.utime(out / "all.atom", ns=(1, 1))
    second = build(VALID_SEEDS, out, config, NOW)
    assert second.written == []
    assert (out / "all.atom").stat().st_mtime_ns == 1
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir() if p.name != "all.atom"} == {
        k: v for k, v in stamps.items() if k != "all.atom"
    }


def test_no_temporary_files_are_left(built: Path) -> None:
    assert not [p for p in built.iterdir() if p.name.startswith(".")]


def test_feeds_are_world_readable(built: Path) -> None:
    assert all(p.stat().st_mode & 0o444 == 0o444 for p in built.iterdir())


def test_bad_files_cost_only_themselves(tmp_path: Path, config: Config) -> None:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for folder in (VALID_SEEDS, INVALID_SEEDS):
        for path in folder.iterdir():
            (seeds / path.name).write_bytes(path.read_bytes())
    mixed = build(seeds, tmp_path / "mixed", config, NOW)
    clean = build(VALID_SEEDS, tmp_path / "clean", config, NOW)
    assert sorted(r.seed for r in mixed.rejected) == sorted(p.name for p in INVALID_SEEDS.iterdir())
    assert all(r.reason for r in mixed.rejected)
    assert "nothing_after_cleaning.txt" in {r.seed for r in mixed.rejected}
    for name in feed_files(tmp_path / "clean"):
        assert (tmp_path / "mixed" / name).read_bytes() == (tmp_path / "clean" / name).read_bytes()
    assert clean.rejected == []


def test_entries_are_capped(tmp_path: Path, config: Config) -> None:
    out = tmp_path / "feeds"
    build(VALID_SEEDS, out, replace(config, max_entries=3), NOW)
    assert all(len(feedparser.parse(p).entries) <= 3 for p in out.glob("*.[ar]*"))
    assert all(len(json.loads(p.read_bytes())["items"]) <= 3 for p in out.glob("*.json"))


def test_empty_seed_folder_writes_nothing(tmp_path: Path, config: Config) -> None:
    (tmp_path / "seeds").mkdir()
    report = build(tmp_path / "seeds", tmp_path / "feeds", config, NOW)
    assert report.seen == 0
    assert report.written == []
    assert not (tmp_path / "feeds").exists()


def test_presentation_edit_rerenders_without_reingesting(tmp_path: Path, config: Config) -> None:
    """A subtitle, title, icon or author is read at render time: editing it must not re-clean
    the archive (at 50k files that is minutes), only re-render the feeds."""
    out = tmp_path / "feeds"
    build(VALID_SEEDS, out, config, NOW)
    rfi = config.sources[0]
    edited = replace(
        rfi, subtitle="新的副标题", title="RFI 新标题", icon="https://www.rfi.fr/new.ico"
    )
    config = replace(config, sources=(edited, *config.sources[1:]))
    report = build(VALID_SEEDS, out, config, NOW)
    assert (report.new, report.changed) == (0, 0)
    assert "rfi-cn.atom" in report.written
    feed = feedparser.parse(out / "rfi-cn.atom").feed
    assert (feed.subtitle, feed.title, feed.icon) == (
        "新的副标题",
        "RFI 新标题",
        "https://www.rfi.fr/new.ico",
    )


def test_routing_edit_reingests(tmp_path: Path, config: Config) -> None:
    out = tmp_path / "feeds"
    first = build(VALID_SEEDS, out, config, NOW)
    rfi = replace(config.sources[0], section_from_path=False)
    report = build(VALID_SEEDS, out, replace(config, sources=(rfi, *config.sources[1:])), NOW)
    assert report.new == first.new  # what ingesting stored depends on it: all again


def test_every_combined_entry_names_its_author(built: Path) -> None:
    """Of 14 clients only 2 inherit an author through atom:source: each entry names its own,
    its byline or else its source feed's author, and atom:source stays complete."""
    sources = {
        p.name: etree.parse(str(p)).getroot() for p in built.glob("*.atom") if p.name != "all.atom"
    }
    by_id = {s.findtext(f"{A}id"): s for s in sources.values()}
    root = etree.parse(str(built / "all.atom")).getroot()
    for entry in root.iter(f"{A}entry"):
        source = entry.find(f"{A}source")
        assert source is not None
        feed = by_id[source.findtext(f"{A}id")]
        for tag in ("id", "title", "updated", "author/" + A + "name"):
            assert source.findtext(A + tag) == feed.findtext(A + tag), tag
        assert {(ln.get("rel"), ln.get("href")) for ln in source.iter(f"{A}link")} == {
            (ln.get("rel"), ln.get("href")) for ln in feed.findall(f"{A}link")
        }
        names = [a.findtext(f"{A}name") for a in entry.findall(f"{A}author")]
        own = next(
            e for e in feed.iter(f"{A}entry") if e.findtext(f"{A}id") == entry.findtext(f"{A}id")
        )
        byline = [a.findtext(f"{A}name") for a in own.findall(f"{A}author")]
        assert names == (byline or [feed.findtext(f"{A}author/{A}name")])
    parsed = feedparser.parse(built / "all.atom")
    assert all(e.get("author") for e in parsed.entries)
    assert {e.author for e in parsed.entries} != {parsed.feed.author}  # not the feed's own


def test_an_idle_pass_imports_no_renderer(tmp_path: Path, config: Config) -> None:
    """With every format enabled, a pass that finds nothing new imports no renderer, no
    XML/HTML library and no date parser: the output step is loaded only when a feed is dirty."""
    import subprocess
    import sys

    out = tmp_path / "feeds"
    build(VALID_SEEDS, out, config, NOW)
    modules = ("refeed.output.render", "refeed.output.feeds", "refeed.output.atom",
               "refeed.output.rss", "refeed.output.jsonfeed", "feedgen", "lxml", "bs4", "bleach",
               "dateutil")  # fmt: skip
    code = (
        "import sys; from pathlib import Path\n"
        "from refeed.config import load_config; from refeed.state.store import open_store\n"
        "from refeed.pipeline import run_pass\n"
        f"from tests.conftest import NOW, TEST_CONFIG\n"
        f"store = open_store(Path({str(tmp_path / 'feeds.state' / 'refeed.sqlite')!r}))\n"
        f"report = run_pass(Path({str(VALID_SEEDS)!r}), Path({str(out)!r}), "
        "load_config(TEST_CONFIG), store, NOW)\n"
        "assert report.new == report.changed == 0 and not report.written, report\n"
        f"print(sorted(m for m in {modules!r} if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).parents[1],
    )
    assert result.stdout.strip() == "[]"


def fake_index(site: Site) -> bytes:
    """A stand-in site document: what the output step hands the index renderer."""
    lines = [f"{site.base_url} {','.join(site.formats)}"]
    lines += [f"{f.meta.kind} {f.meta.name} {f.total} {len(f.items)}" for f in site.feeds]
    return "\n".join(lines).encode()


def test_site_documents_get_every_feed(
    tmp_path: Path, config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The index and OPML renderers (written elsewhere) are handed every feed, the combined
    one first, with totals beyond the cap, whenever any feed changed; each with its newest
    item only (what they show: whole windows of every feed were held to the pass's end)."""
    fake = Format("index", ".txt", "text/plain", "tests.test_pipeline:fake_index")
    monkeypatch.setattr(render, "SITE_DOCUMENTS", {"index.txt": fake})
    out = tmp_path / "feeds"
    report = build(VALID_SEEDS, out, replace(config, max_entries=5), NOW)
    assert "index.txt" in report.written
    assert (out / "index.txt").read_text().splitlines() == [
        "https://feeds.example.org/refeed/ atom,rss,json",
        "combined all 14 1",
        "source en.example.org 1 1",
        "source example.com 5 1",
        "source nytimes-cn 2 1",
        "source rfi-cn 6 1",
    ]


def test_a_format_switched_off_loses_its_files(tmp_path: Path, config: Config) -> None:
    out = tmp_path / "feeds"
    build(VALID_SEEDS, out, config, NOW)
    atom_only = replace(config, outputs=replace(config.outputs, formats=("atom",)))
    report = build(VALID_SEEDS, out, atom_only, NOW)
    kept = [".atom"] * 5 + [".html"] * 6 + [".opml"]  # the pages and the OPML stay
    assert sorted(p.suffix for p in out.iterdir()) == kept
    assert len(report.deleted) == 10
    assert report.written == ["index.html"]  # Atom untouched; the index offers fewer formats
