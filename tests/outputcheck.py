"""One check for every kind of file refeed writes, picked by its suffix."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import listparser

from .feedcheck import feed_problems
from .jsonfeedcheck import json_feed_problems
from .pagecheck import parse_page, unsafe_constructs
from .rsscheck import rss_problems


def page_problems(path: Path) -> list[str]:
    """An HTML page: parses without an error in a browser's parser, and nothing unsafe."""
    try:
        root = parse_page(path.read_bytes())
    except AssertionError as exc:
        return [str(exc)]
    return unsafe_constructs(root)


def opml_problems(path: Path) -> list[str]:
    """An OPML reading list: a reader imports it without complaint, every feed once."""
    parsed = listparser.parse(path.read_bytes())
    problems = [f"listparser: {parsed.bozo_exception}"] if parsed.bozo else []
    urls = [feed.url for feed in parsed.feeds]
    if not urls or len(urls) != len(set(urls)):
        problems.append(f"feeds listed: {urls}")
    return problems


CHECKS: dict[str, Callable[[Path], list[str]]] = {
    ".atom": feed_problems,
    ".rss": rss_problems,
    ".json": json_feed_problems,
    ".html": page_problems,
    ".opml": opml_problems,
}


def problems_of(path: Path) -> list[str]:
    """The problems of any file refeed writes (KeyError: a kind refeed does not write)."""
    return CHECKS[path.suffix](path)
