"""JSON Feed 1.1: the same entries as the Atom feed, checked against the spec's rules."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import feedparser
import pytest
from lxml import etree

from refeed.config import Config

from .conftest import NOW, VALID_SEEDS, build
from .feedcheck import A
from .jsonfeedcheck import document_problems, json_feed_problems

NAMES = ["all", "en.example.org", "example.com", "nytimes-cn", "rfi-cn"]
FEED_KEYS = ["version", "title", "home_page_url", "feed_url", "description", "icon", "favicon",
             "authors", "language", "items"]  # fmt: skip
ITEM_KEYS = ["id", "url", "title", "content_html", "summary", "image", "date_published",
             "date_modified", "authors", "tags", "attachments"]  # fmt: skip


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, config: Config) -> Path:
    out = tmp_path_factory.mktemp("json") / "feeds"
    build(VALID_SEEDS, out, config, NOW)
    return out


def _load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", NAMES)
def test_json_feed_says_what_the_atom_feed_says(built: Path, name: str) -> None:
    assert json_feed_problems(built / f"{name}.json") == []
    doc = _load(built / f"{name}.json")
    atom = feedparser.parse(built / f"{name}.atom")
    root = etree.parse(str(built / f"{name}.atom")).getroot()
    contents = [e.findtext(f"{A}content") for e in root.iter(f"{A}entry")]  # as written
    assert doc["feed_url"] == f"https://feeds.example.org/refeed/{name}.json"
    assert doc["title"] == atom.feed.title
    assert doc["authors"] == [{"name": atom.feed.author}]
    assert [k for k in FEED_KEYS if k in doc] == list(doc)  # the one fixed order
    assert len(doc["items"]) == len(atom.entries)
    for item, entry, content in zip(doc["items"], atom.entries, contents, strict=True):
        assert [k for k in ITEM_KEYS if k in item] == list(item)
        assert item["id"] == entry.id
        assert item["url"] == entry.link
        assert item["content_html"] == content
        assert item["date_published"] == entry.published
        assert item["date_modified"] == entry.updated
        assert item.get("tags", []) == [t.term for t in entry.get("tags", [])]
        if name == "all":  # a merged feed names every item's author
            assert item["authors"] == [{"name": entry.author}]


def test_title_and_summary_are_plain_text(built: Path) -> None:
    items = {i["url"].rsplit("/", 1)[-1]: i for i in _load(built / "example.com.json")["items"]}
    assert items["video-element.html"]["title"] == "Why the <video> element & friends matter"
    assert items["entities.html"]["title"] == 'AT&T and "quotes"'
    for item in items.values():
        assert "&lt;" not in item["title"] + item.get("summary", "")
        assert "<p>" not in item.get("summary", "")


def test_written_as_utf8_without_escapes(built: Path) -> None:
    data = (built / "rfi-cn.json").read_bytes()
    assert "法国国际广播电台".encode() in data
    assert b"\\u" not in data


GOOD: dict[str, Any] = {
    "version": "https://jsonfeed.org/version/1.1",
    "title": "T",
    "items": [{"id": "1", "content_html": "<p>x</p>", "date_published": "2023-07-14T02:37:02Z"}],
}


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        (("colour",), "red", "does not match any of the regexes: '^_'"),
        (("_refeed",), {"any": "thing"}, None),  # extensions start with "_"
        (("items", 0, "colour"), "red", "does not match any of the regexes: '^_'"),
        (("items", 0, "_x"), 1, None),
        (("version",), "https://jsonfeed.org/version/1", "was expected"),
        (("title",), 5, "is not of type 'string'"),
        (("items", 0, "date_published"), "2023-07-14 02:37:02", "is not a 'rfc3339'"),
        (("items", 0, "date_published"), "2023-02-30T00:00:00Z", "is not a 'rfc3339'"),
        (("items", 0, "date_modified"), "Fri, 14 Jul 2023 02:37:02 GMT", "is not a 'rfc3339'"),
        (("items", 0, "url"), "/relative", "is not a 'absolute-url'"),
        (("items", 0, "tags"), "china", "is not of type 'array'"),
        (("items", 0, "authors"), [{}], "is not valid under any of the given schemas"),
        (("items", 0, "attachments"), [{"url": "https://x.example/a.mp3"}], "'mime_type'"),
        (("feed_url",), "https://x.example/feed.json", None),
    ],
)
def test_checker_rejects_what_the_spec_forbids(
    path: tuple[Any, ...], value: object, expected: str | None
) -> None:
    doc = copy.deepcopy(GOOD)
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    problems = document_problems(doc)
    if expected is None:
        assert problems == []
    else:
        assert any(expected in p for p in problems), problems


@pytest.mark.parametrize("missing", [("version",), ("title",), ("items",), ("items", 0, "id")])
def test_checker_requires_required_fields(missing: tuple[Any, ...]) -> None:
    doc = copy.deepcopy(GOOD)
    target = doc
    for key in missing[:-1]:
        target = target[key]
    del target[missing[-1]]
    assert any("is a required property" in p for p in document_problems(doc))


def test_checker_requires_content() -> None:
    doc = copy.deepcopy(GOOD)
    del doc["items"][0]["content_html"]
    assert document_problems(doc) != []
    assert document_problems(GOOD) == []
