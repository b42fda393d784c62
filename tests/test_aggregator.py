"""Aggregator-grade feeds end to end: complete history (RFC 5005), derived feeds, variants, hubs.

Every test builds real seed folders with the pipeline and reads the files a subscriber gets.
"""

from __future__ import annotations

import pickle
import sqlite3
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import feedparser
import pytest
from lxml import etree

from refeed.config import Archives, Config, DerivedFeed, WebSubSettings
from refeed.state.store import open_store

from .conftest import build
from .corpus import make_corpus, seed_text
from .outputcheck import problems_of

A = "{http://www.w3.org/2005/Atom}"
FH = "{http://purl.org/syndication/history/1.0}"
CAP, PAGE = 10, 4


@pytest.fixture
def capped(config: Config) -> Config:
    return replace(config, max_entries=CAP, archives=Archives(enabled=True, page_size=PAGE))


def links(path: Path) -> dict[str, str]:
    root = etree.parse(str(path)).getroot()
    return {str(el.get("rel")): str(el.get("href")) for el in root.findall(f"{A}link")}


def local(out: Path, url: str, config: Config) -> Path:
    return out / url.removeprefix(config.base_url)


def walk_history(out: Path, feed: str, config: Config) -> list[list[str]]:
    """Entry ids of the subscription document, then of each archive page reached by walking
    prev-archive, newest first (as an aggregator reconstructs the feed)."""
    documents, path, seen = [], out / f"{feed}.atom", set()
    while True:
        assert path not in seen, f"prev-archive loops at {path}"
        seen.add(path)
        documents.append([e.id for e in feedparser.parse(path).entries])
        rel = links(path)
        if "prev-archive" not in rel:
            return documents
        previous = local(out, rel["prev-archive"], config)
        assert path.name == f"{feed}.atom" or links(previous)["next-archive"] == rel["self"]
        path = previous


def all_ids(out: Path, feed: str) -> set[str]:
    """Every entry id a feed ever had: what a full build without a cap would hold."""
    return {e.id for e in feedparser.parse(out / f"{feed}.atom").entries}


def test_every_entry_is_reachable_once_by_walking_prev_archive(
    tmp_path: Path, capped: Config, config: Config
) -> None:
    seeds, out = tmp_path / "seeds", tmp_path / "feeds"
    make_corpus(seeds, 37)  # several times the cap
    build(seeds, out, capped)
    documents = walk_history(out, "all", capped)
    ids = [i for doc in documents for i in doc]
    assert len(ids) == len(set(ids)) == 37  # every entry, exactly once
    uncapped = tmp_path / "uncapped"
    build(seeds, uncapped, replace(config, archives=Archives(enabled=False)))
    assert set(ids) == all_ids(uncapped, "all")
    assert len(documents[0]) == CAP
    pages = sorted((out / "archive" / "all").glob("*.atom"), key=lambda p: int(p.stem))
    for page in pages:
        root = etree.parse(str(page)).getroot()
        assert root.find(f"{FH}archive") is not None
        assert links(page)["current"] == capped.base_url + "all.atom"
        assert problems_of(page) == [], page
    assert etree.parse(str(out / "all.atom")).getroot().find(f"{FH}archive") is None


def test_a_feed_whose_history_fits_says_it_is_complete(tmp_path: Path, capped: Config) -> None:
    seeds, out = tmp_path / "seeds", tmp_path / "feeds"
    make_corpus(seeds, 37)  # each of the four sources has 9 or 10: within the cap
    build(seeds, out, capped)
    root = etree.parse(str(out / "dw.com.atom")).getroot()
    assert root.find(f"{FH}complete") is not None
    assert "prev-archive" not in links(out / "dw.com.atom")
    assert not (out / "archive" / "dw.com").exists()


def test_a_new_article_rewrites_the_subscription_documents_and_one_page(
    tmp_path: Path, capped: Config
) -> None:
    """Across a page boundary, one article at a time: the only archive page that changes is
    the newest one, and a page that filled is never written again."""
    seeds, out = tmp_path / "seeds", tmp_path / "feeds"
    make_corpus(seeds, 33)
    build(seeds, out, capped)
    pages = out / "archive" / "all"
    for i in range(33, 33 + PAGE + 1):
        newest = max(int(p.stem) for p in pages.glob("*.atom"))
        before = {p.name: p.read_bytes() for p in pages.iterdir()}
        make_corpus(seeds, 1, start=i)
        report = build(seeds, out, capped)
        after = {p.name: p.read_bytes() for p in pages.iterdir()}
        changed = {n for n in before if after[n] != before[n]}
        assert {int(n.split(".")[0]) for n in changed} <= {newest}, (i, changed)
        assert {int(n.split(".")[0]) for n in set(after) - set(before)} <= {newest + 1}
        assert {w for w in report.written if not w.startswith("archive/")} >= {
            "all.atom",
            "all.rss",
            "all.json",
        }


def test_a_full_rebuild_writes_the_same_archive_as_the_history(
    tmp_path: Path, capped: Config
) -> None:
    seeds, out = tmp_path / "seeds", tmp_path / "feeds"
    make_corpus(seeds, 20)
    build(seeds, out, capped)
    make_corpus(seeds, 17, start=20)
    build(seeds, out, capped)
    incremental = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    report = build(seeds, out, capped, full=True)
    assert not [w for w in report.written if w.startswith("archive/")]
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == incremental


def china_us(**rules: object) -> DerivedFeed:
    return DerivedFeed(name="china-us", title="中美关系", **rules)  # type: ignore[arg-type]


def test_a_derived_feed_holds_what_its_rules_match_with_the_same_ids(
    tmp_path: Path, config: Config
) -> None:
    seeds, out = tmp_path / "seeds", tmp_path / "feeds"
    make_corpus(seeds, 12)
    # the corpus cycles rfi-cn, nytimes-cn, dw.com, example.org: 0, 1, 4, 5, 8, 9 qualify
    rules = china_us(include_title=[r"文章 \d*[05]$"], sources=("rfi-cn", "nytimes-cn"))
    build(seeds, out, replace(config, feeds=(rules,)))
    feed = feedparser.parse(out / "china-us.atom")
    assert sorted(e.title for e in feed.entries) == ["文章 0", "文章 5"]
    everything = {e.title: e.id for e in feedparser.parse(out / "all.atom").entries}
    assert {e.id for e in feed.entries} == {everything["文章 0"], everything["文章 5"]}
    assert feed.feed.title == "中美关系"
    for suffix in (".atom", ".rss", ".json", ".html"):
        assert problems_of(out / f"china-us{suffix}") == []
    assert "china-us.atom" in (out / "index.opml").read_text(encoding="utf-8")


def test_changing_a_rule_rerenders_and_never_recleans(tmp_path: Path, config: Config) -> None:
    seeds, out = tmp_path / "seeds", tmp_path / "feeds"
    make_corpus(seeds, 12)
    build(seeds, out, replace(config, feeds=(china_us(include_title=("文章 1",)),)))
    first = {e.title for e in feedparser.parse(out / "china-us.atom").entries}
    report = build(seeds, out, replace(config, feeds=(china_us(include_title=("文章 2",)),)))
    assert (report.new, report.changed) == (0, 0)  # nothing ingested again
    second = {e.title for e in feedparser.parse(out / "china-us.atom").entries}
    assert first == {"文章 1", "文章 10", "文章 11"}
    assert second == {"文章 2"}


def member_counts(db_path: Path) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    """(the kept counts, the counted ones) of each derived feed's members."""
    db = sqlite3.connect(db_path)
    try:
        kept = db.execute("SELECT feed, n FROM member_counts ORDER BY feed").fetchall()
        counted = db.execute(
            "SELECT feed, COUNT(*) FROM members GROUP BY feed ORDER BY feed"
        ).fetchall()
        return kept, counted
    finally:
        db.close()


def test_member_counts_are_kept_through_rule_changes_and_old_states(
    tmp_path: Path, config: Config
) -> None:
    seeds, out = tmp_path / "seeds", tmp_path / "feeds"
    db_path = tmp_path / "feeds.state" / "refeed.sqlite"
    paths = make_corpus(seeds, 12)
    for rule in (r"文章 1", r"文章 \d*[05]$"):
        build(seeds, out, replace(config, feeds=(china_us(include_title=(rule,)),)))
        kept, counted = member_counts(db_path)
        assert kept == counted != []
    paths[0].unlink()  # 文章 0 leaves the feed
    build(seeds, out, replace(config, feeds=(china_us(include_title=(r"文章 \d*[05]$",)),)))
    kept, counted = member_counts(db_path)
    assert kept == counted == [("china-us", 2)]  # 文章 5 and 文章 10
    db = sqlite3.connect(db_path)  # a state from before the counts were kept
    db.executescript("DROP TABLE member_counts; DROP TRIGGER members_counted;")
    db.close()
    open_store(db_path).close()
    assert member_counts(db_path) == ([("china-us", 2)], [("china-us", 2)])


def test_a_derived_feed_taken_out_of_the_config_loses_its_files_and_members(
    tmp_path: Path, config: Config
) -> None:
    """Also when it was the last one: no membership of a feed that is gone stays behind."""
    seeds, out = tmp_path / "seeds", tmp_path / "feeds"
    make_corpus(seeds, 12)
    build(seeds, out, replace(config, feeds=(china_us(include_title=("文章 1",)),)))
    assert (out / "china-us.atom").exists()
    build(seeds, out, replace(config, feeds=()))
    assert not list(out.glob("china-us.*"))
    db = sqlite3.connect(tmp_path / "feeds.state" / "refeed.sqlite")
    try:
        assert db.execute("SELECT COUNT(*) FROM members").fetchone() == (0,)
        assert db.execute("SELECT COUNT(*) FROM member_rules").fetchone() == (0,)
    finally:
        db.close()


def test_a_rule_that_matches_nothing_publishes_nothing(tmp_path: Path, config: Config) -> None:
    seeds, out = tmp_path / "seeds", tmp_path / "feeds"
    make_corpus(seeds, 4)
    build(seeds, out, replace(config, feeds=(china_us(include_title=("never",)),)))
    assert not list(out.glob("china-us.*"))
    assert "china-us" not in (out / "index.html").read_text(encoding="utf-8")


def test_a_variant_is_published_in_every_format_and_listed(tmp_path: Path, config: Config) -> None:
    seeds, out = tmp_path / "seeds", tmp_path / "feeds"
    make_corpus(seeds, 4)
    combined = replace(config.combined, variants=("zh-Hant",))
    build(seeds, out, replace(config, combined=combined))
    for suffix in (".atom", ".rss", ".json", ".html"):
        assert problems_of(out / f"all.zh-hant{suffix}") == []
    variant = feedparser.parse(out / "all.zh-hant.atom")
    assert {e.title for e in variant.entries} == {f"文章 {i}" for i in range(4)}  # 文章: same
    assert variant.feed.language == "zh-Hant"
    original = {e.id for e in feedparser.parse(out / "all.atom").entries}
    assert not original & {e.id for e in variant.entries}  # ids of their own (docs/design.md)
    assert "all.zh-hant.atom" in (out / "index.opml").read_text(encoding="utf-8")
    build(seeds, out, config)  # the variant is switched off: its files go
    assert not list(out.glob("all.zh-hant.*"))


def test_every_subscription_document_names_the_hubs(tmp_path: Path, config: Config) -> None:
    seeds, out = tmp_path / "seeds", tmp_path / "feeds"
    make_corpus(seeds, 4)
    hub = "https://hub.example.org/"
    build(seeds, out, replace(config, websub=WebSubSettings(hubs=(hub,))))
    root = etree.parse(str(out / "all.atom")).getroot()
    assert [el.get("href") for el in root.findall(f"{A}link[@rel='hub']")] == [hub]
    assert len(root.findall(f"{A}link[@rel='self']")) == 1


def test_a_variant_has_the_archive_of_its_original_converted(
    tmp_path: Path, capped: Config
) -> None:
    seeds, out = tmp_path / "seeds", tmp_path / "feeds"
    make_corpus(seeds, 20)
    combined = replace(capped.combined, variants=("zh-Hant",))
    build(seeds, out, replace(capped, combined=combined))
    original = sorted(p.name for p in (out / "archive" / "all").iterdir())
    assert sorted(p.name for p in (out / "archive" / "all.zh-hant").iterdir()) == original
    page = out / "archive" / "all.zh-hant" / "1.atom"
    assert links(page)["current"] == capped.base_url + "all.zh-hant.atom"
    assert links(page)["self"] == capped.base_url + "archive/all.zh-hant/1.atom"
    assert problems_of(page) == []
    build(seeds, out, capped)  # the variant is switched off: its archive goes too
    assert not (out / "archive" / "all.zh-hant").exists()


def test_a_build_whose_variant_gains_nothing_new_loads_no_opencc(
    tmp_path: Path, capped: Config
) -> None:
    """A derived feed is rendered again when any of its sources changes (its items name their
    source feed, whose time moved), and its variant with it; what the variant converted
    before is kept in the state, so a new process converts only what is new, and OpenCC's
    dictionaries stay unloaded when that is nothing. The files are those a build converting
    everything writes; the kept conversions stay a window's worth."""
    derived = china_us(include_title=(r"文章 \d*[05]$",), variants=("zh-Hant",))
    config = replace(capped, feeds=(derived,))
    seeds, out = tmp_path / "seeds", tmp_path / "feeds"
    make_corpus(seeds, 12)
    build(seeds, out, config)
    (seeds / "new.txt").write_text(seed_text(13), encoding="utf-8")  # not a china-us member
    (tmp_path / "config.pickle").write_bytes(pickle.dumps(config))  # as workers get it
    code = (
        "import pickle, sys\nfrom pathlib import Path\nfrom refeed.state.store import open_store\n"
        "from refeed.pipeline import run_pass\nfrom tests.conftest import NOW\n"
        f"config = pickle.loads(Path({str(tmp_path / 'config.pickle')!r}).read_bytes())\n"
        f"store = open_store(Path({str(tmp_path / 'feeds.state' / 'refeed.sqlite')!r}))\n"
        f"report = run_pass(Path({str(seeds)!r}), Path({str(out)!r}), config, store, NOW)\n"
        "assert report.new == 1 and 'china-us.zh-hant.atom' in report.written, report\n"
        "print('opencc' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=False, cwd=Path(__file__).parents[1])  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
    reference = tmp_path / "reference"
    build(seeds, reference, config, full=True)
    for path in sorted(out.rglob("*.zh-hant*")) + sorted((out / "archive").rglob("*")):
        if path.is_file():
            assert path.read_bytes() == (reference / path.relative_to(out)).read_bytes(), path
    for i in range(20, 120, 5):  # 20 more members, a pass each: what is kept does not grow
        (seeds / f"more-{i}.txt").write_text(seed_text(i), encoding="utf-8")
        build(seeds, out, config)
    build(seeds, tmp_path / "fresh", config, full=True)  # converts the window, keeps that
    kept, fresh = (kept_conversions(tmp_path / f"{n}.state" / "refeed.sqlite")
                   for n in ("feeds", "fresh"))  # fmt: skip
    assert set(kept) == set(fresh) == {"china-us"}
    # what the window needs, and the texts of one archive page that left it, no more
    assert fresh["china-us"] <= kept["china-us"] <= fresh["china-us"] + 3 * PAGE, (kept, fresh)


def kept_conversions(db_path: Path) -> dict[str, int]:
    db = sqlite3.connect(db_path)
    try:
        return dict(db.execute("SELECT feed, COUNT(*) FROM conversions GROUP BY feed"))
    finally:
        db.close()


def test_a_full_rebuild_or_a_new_render_config_keeps_every_variant(
    tmp_path: Path, config: Config
) -> None:
    """Both mark every feed the state wrote as dirty, variants included; a variant is still
    rendered with its original, never as a feed of its own (which has no entries, and whose
    files would go until the next such pass brought them back)."""
    seeds, out = tmp_path / "seeds", tmp_path / "feeds"
    make_corpus(seeds, 12)
    derived = china_us(include_title=(r"文章 \d*[05]$",), variants=("zh-Hant",))
    config = replace(config, feeds=(derived,))
    build(seeds, out, config)
    first = {p.name: p.read_bytes() for p in out.glob("*.zh-hant.*")}
    assert len(first) == 4
    for full in (True, True, False):
        report = build(seeds, out, config, full=full)
        assert report.deleted == []
        assert {p.name: p.read_bytes() for p in out.glob("*.zh-hant.*")} == first
    build(seeds, out, replace(config, max_entries=config.max_entries + 1))  # re-render all
    assert sorted(p.name for p in out.glob("*.zh-hant.*")) == sorted(first)
