"""HTTP serving of feeds/: media types, conditional GETs, gzip, caching, and nothing outside."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import VALID_SEEDS, build
from .servers import get, running_server


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, Path]]:
    from refeed.config import load_config

    from .conftest import TEST_CONFIG

    root = tmp_path_factory.mktemp("serve")
    out = root / "feeds"
    build(VALID_SEEDS, out, load_config(TEST_CONFIG))
    (root / "secret.txt").write_text("outside the feeds folder")
    (out / "escape.atom").symlink_to(root / "secret.txt")
    with running_server(out, max_age=30) as port:
        yield port, out


def test_feed_is_served_with_its_media_type_and_validators(served: tuple[int, Path]) -> None:
    port, out = served
    status, headers, body = get(port, "/all.atom")
    assert status == 200
    assert headers["content-type"].startswith("application/atom+xml")
    assert body == (out / "all.atom").read_bytes()
    assert headers["etag"]
    assert headers["last-modified"]
    assert headers["cache-control"] == "public, max-age=30"


def test_if_none_match_gives_304_without_body(served: tuple[int, Path]) -> None:
    port, _ = served
    etag = get(port, "/rfi-cn.atom")[1]["etag"]
    status, headers, body = get(port, "/rfi-cn.atom", {"If-None-Match": etag})
    assert (status, body) == (304, b"")
    assert headers["etag"] == etag


def test_if_modified_since_gives_304_without_body(served: tuple[int, Path]) -> None:
    port, _ = served
    last_modified = get(port, "/rfi-cn.atom")[1]["last-modified"]
    status, _, body = get(port, "/rfi-cn.atom", {"If-Modified-Since": last_modified})
    assert (status, body) == (304, b"")


def test_stale_validator_gets_the_feed(served: tuple[int, Path]) -> None:
    port, _ = served
    status, _, body = get(port, "/rfi-cn.atom", {"If-None-Match": '"not-the-etag"'})
    assert status == 200
    assert body.startswith(b"<?xml")


def test_gzip_when_asked(served: tuple[int, Path]) -> None:
    port, out = served
    status, headers, body = get(port, "/all.atom", {"Accept-Encoding": "gzip"})
    assert status == 200
    assert headers["content-encoding"] == "gzip"
    assert gzip.decompress(body) == (out / "all.atom").read_bytes()


def test_head_has_headers_and_no_body(served: tuple[int, Path]) -> None:
    port, _ = served
    status, headers, body = get(port, "/all.atom", method="HEAD")
    assert (status, body) == (200, b"")
    assert int(headers["content-length"]) > 0


@pytest.mark.parametrize(
    "path",
    [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/..%2fsecret.txt",
        "/escape.atom",  # a symlink pointing out of the folder
        "/nope.atom",
    ],
)
def test_nothing_outside_the_feeds_folder(served: tuple[int, Path], path: str) -> None:
    port, _ = served
    status, _, body = get(port, path)
    assert status == 404
    assert b"outside the feeds folder" not in body


def test_root_lists_the_feeds_with_autodiscovery(served: tuple[int, Path]) -> None:
    port, out = served
    status, headers, body = get(port, "/")
    assert status == 200
    assert headers["content-type"].startswith("text/html")
    page = body.decode()
    feeds = sorted(p.name for p in out.glob("*.atom") if not p.is_symlink())
    assert len(feeds) == 5
    for feed in feeds:
        assert f'<a href="{feed}">' in page
        assert f'<link rel="alternate" type="application/atom+xml" href="{feed}">' in page
    assert "escape.atom" not in page  # a link out of the folder is not offered
