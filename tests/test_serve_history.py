"""Serving RFC 5005 archive pages and WebSub hub links, from a real build with archives.

A pipeline pass with a small cap and page size writes `archive/<feed>/<n>.<suffix>`; the real
server on loopback serves them with their own self link, no hub (they are never announced),
and a year's immutable caching once full; subscription documents carry every hub.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import feedparser
import pytest

from refeed.config import Config
from refeed.service.folder import IMMUTABLE, listing_page, servable_files
from refeed.service.metrics import Metrics

from .conftest import VALID_SEEDS, build
from .servers import get, running_server
from .test_metrics import scrape, value

BASE_URL = "https://feeds.example.org/refeed/"
HUBS = ("https://hub.example.org/", "https://pubsubhubbub.appspot.com/")
MAX_AGE = "public, max-age=30"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, config: Config) -> Iterator[tuple[int, Path]]:
    small = replace(
        config,
        max_entries=2,
        archives=replace(config.archives, page_size=2),
        websub=replace(config.websub, hubs=HUBS),
    )
    out = tmp_path_factory.mktemp("serve-history") / "feeds"
    build(VALID_SEEDS, out, small)
    # A page is full when the next page in the same format exists: without 2.json,
    # example.com's 1.json is (as far as the server can tell) still the newest JSON page.
    (out / "archive" / "example.com" / "2.json").unlink()
    with running_server(out, max_age=30, base_url=BASE_URL, hubs=HUBS) as port:
        yield port, out


def pages(out: Path) -> list[str]:
    return sorted(p.relative_to(out).as_posix() for p in (out / "archive").glob("*/*.*"))


def own_self_link(name: str, body: bytes) -> str:
    if name.endswith(".json"):
        return str(json.loads(body)["feed_url"])
    (own,) = [link.href for link in feedparser.parse(body).feed.links if link.rel == "self"]
    return str(own)


def test_the_build_wrote_archive_pages(served: tuple[int, Path]) -> None:
    _, out = served
    assert {"archive/all/1.atom", "archive/all/2.rss", "archive/example.com/2.atom"} <= set(
        pages(out)
    )


def test_subscription_documents_name_their_hubs(served: tuple[int, Path]) -> None:
    port, _ = served
    for name in ("all.atom", "all.rss", "all.json", "rfi-cn.atom"):
        status, headers, body = get(port, "/" + name)
        assert status == 200
        assert own_self_link(name, body) == BASE_URL + name
        assert headers["link"] == (
            f'<{BASE_URL}{name}>; rel="self", '
            '<https://hub.example.org/>; rel="hub", '
            '<https://pubsubhubbub.appspot.com/>; rel="hub"'
        )
        assert headers["cache-control"] == MAX_AGE


def test_archive_pages_are_served_with_their_own_self_link_and_no_hub(
    served: tuple[int, Path],
) -> None:
    port, out = served
    for name in pages(out):
        status, headers, body = get(port, "/" + name)
        assert status == 200, name
        assert body == (out / name).read_bytes()
        assert own_self_link(name, body) == BASE_URL + name
        assert headers["link"] == f'<{BASE_URL}{name}>; rel="self"', name


def test_full_pages_are_immutable_and_the_newest_is_not(served: tuple[int, Path]) -> None:
    port, out = served
    seen = set()
    for name in pages(out):
        folder, file_name = name.rsplit("/", 1)
        number, suffix = file_name.split(".", 1)
        full = (out / folder / f"{int(number) + 1}.{suffix}").exists()
        _, headers, _ = get(port, "/" + name)
        assert headers["cache-control"] == (IMMUTABLE if full else MAX_AGE), name
        seen.add(full)
    assert seen == {True, False}
    _, headers, _ = get(port, "/archive/example.com/1.atom")
    assert headers["cache-control"] == IMMUTABLE
    _, headers, _ = get(port, "/archive/example.com/1.json")  # its next JSON page is gone
    assert headers["cache-control"] == MAX_AGE


def test_a_revalidated_full_page_stays_immutable(served: tuple[int, Path]) -> None:
    port, _ = served
    for extra in ({}, {"Accept-Encoding": "gzip"}):
        _, headers, _ = get(port, "/archive/all/1.atom", extra)
        status, again, body = get(port, "/archive/all/1.atom", extra | {
            "If-None-Match": headers["etag"]})  # fmt: skip
        assert (status, body) == (304, b"")
        assert again["cache-control"] == IMMUTABLE


def test_the_listing_leaves_archive_pages_out(served: tuple[int, Path]) -> None:
    _, out = served
    assert "all.atom" in servable_files(out)
    assert not [n for n in servable_files(out) if "archive" in n]
    assert "archive/" not in listing_page(out)


def test_archive_pages_are_counted_under_one_label(served: tuple[int, Path]) -> None:
    """However long the history grows, the request metric's label values do not."""
    _, out = served
    metrics = Metrics()
    with running_server(out, base_url=BASE_URL, metrics=metrics) as port:
        for name in ("archive/all/1.atom", "archive/all/2.atom", "archive/rfi-cn/1.rss"):
            assert get(port, "/" + name)[0] == 200
        assert get(port, "/all.atom")[0] == 200
        m = scrape(port)
    assert value(m, "refeed_http_requests_total", feed="archive/", code="200") == 3
    assert value(m, "refeed_http_requests_total", feed="all.atom", code="200") == 1
