"""HTTP serving of feeds/: media types with charset, self links, conditional GETs for every
representation, gzip, caching, index.html at `/`, and nothing outside or hidden."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import feedparser
import pytest

from refeed.config import Config
from refeed.output.formats import FEED_FORMATS, FEED_PAGE, SITE_DOCUMENTS, Format
from refeed.service.folder import is_feed, servable

from .conftest import VALID_SEEDS, build
from .servers import get, running_server

BASE_URL = "https://feeds.example.org/refeed/"  # tests/data/refeed.toml's base_url
GZIP = {"Accept-Encoding": "gzip"}
EVERY_KIND = [*FEED_FORMATS.values(), FEED_PAGE, *SITE_DOCUMENTS.values()]
SAMPLE = "<!-- a file of this kind, as another renderer writes it -->\n" * 40


def sample_name(fmt: Format) -> str:
    return f"sample-{fmt.name}{fmt.suffix}"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, Path]]:
    from refeed.config import load_config

    from .conftest import TEST_CONFIG

    config = load_config(TEST_CONFIG)
    assert config.base_url == BASE_URL
    root = tmp_path_factory.mktemp("serve")
    out = root / "feeds"
    build(VALID_SEEDS, out, config)
    for fmt in EVERY_KIND:  # one file of every kind refeed writes, whichever are written yet
        (out / sample_name(fmt)).write_text(SAMPLE, encoding="utf-8")
    (root / "secret.txt").write_text("outside the feeds folder")
    (out / "escape.atom").symlink_to(root / "secret.txt")
    # what must never be served: refeed's temporaries (named as publish.py names them),
    # dot-files, and files of a kind refeed does not write
    fd, temporary = tempfile.mkstemp(prefix=".all.atom.", suffix=".tmp", dir=out)
    os.close(fd)
    Path(temporary).write_text("half a feed", encoding="utf-8")
    (out / ".htpasswd").write_text("admin:secret")
    (out / ".hidden.atom").write_text("hidden")
    (out / "notes.txt").write_text("private notes")
    with running_server(out, max_age=30, base_url=config.base_url) as port:
        yield port, out


def test_feed_is_served_with_its_media_type_and_validators(served: tuple[int, Path]) -> None:
    port, out = served
    status, headers, body = get(port, "/all.atom")
    assert status == 200
    assert headers["content-type"] == "application/atom+xml; charset=utf-8"
    assert body == (out / "all.atom").read_bytes()
    assert headers["etag"]
    assert headers["last-modified"]
    assert headers["cache-control"] == "public, max-age=30"
    assert headers["vary"] == "Accept-Encoding"


@pytest.mark.parametrize("fmt", EVERY_KIND, ids=lambda f: f.name)
def test_every_kind_is_served_as_what_it_was_written_as(
    served: tuple[int, Path], fmt: Format
) -> None:
    port, _ = served
    for headers in ({}, GZIP):
        status, got, _ = get(port, "/" + sample_name(fmt), headers)
        assert status == 200
        assert got["content-type"] == fmt.media_type + "; charset=utf-8"


@pytest.mark.parametrize("fmt", EVERY_KIND, ids=lambda f: f.name)
def test_feeds_and_only_feeds_carry_their_self_link(served: tuple[int, Path], fmt: Format) -> None:
    port, _ = served
    name = sample_name(fmt)
    for headers in ({}, GZIP):
        _, got, _ = get(port, "/" + name, headers)
        if fmt.name in FEED_FORMATS:
            assert got["link"] == f'<{BASE_URL}{name}>; rel="self"'
        else:
            assert "link" not in got


def own_self_link(name: str, body: bytes) -> str:
    """The URL a feed names itself by (Atom/RSS atom:link rel="self", JSON Feed feed_url)."""
    if name.endswith(".json"):
        return str(json.loads(body)["feed_url"])
    (own,) = [link.href for link in feedparser.parse(body).feed.links if link.rel == "self"]
    return str(own)


def test_the_self_link_header_is_the_feeds_own_self_link(served: tuple[int, Path]) -> None:
    port, out = served
    feeds = sorted(
        p.name
        for p in out.iterdir()
        if servable(p.name) and is_feed(p.name) and not p.is_symlink() and "sample" not in p.name
    )
    assert {"all.atom", "rfi-cn.atom"} <= set(feeds)  # every format the pipeline writes
    for name in feeds:
        status, headers, body = get(port, "/" + name)
        assert status == 200
        assert own_self_link(name, body) == f"{BASE_URL}{name}"
        assert headers["link"] == f'<{BASE_URL}{name}>; rel="self"'


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
    status, headers, body = get(port, "/all.atom", GZIP)
    assert status == 200
    assert headers["content-encoding"] == "gzip"
    assert int(headers["content-length"]) == len(body)
    assert gzip.decompress(body) == (out / "all.atom").read_bytes()


@pytest.mark.parametrize("accept", ["gzip;q=0", "identity", "br", "gzip;q=0, *;q=1"])
def test_no_gzip_when_refused_or_not_offered(served: tuple[int, Path], accept: str) -> None:
    port, out = served
    status, headers, body = get(port, "/all.atom", {"Accept-Encoding": accept})
    assert (status, body) == (200, (out / "all.atom").read_bytes())
    assert "content-encoding" not in headers


def test_gzip_and_identity_have_distinct_validators(served: tuple[int, Path]) -> None:
    port, _ = served
    plain = get(port, "/all.atom")[1]["etag"]
    coded = get(port, "/all.atom", GZIP)[1]["etag"]
    assert plain.startswith('"')  # the identity body's strong validator
    assert coded != plain
    assert coded.removeprefix("W/") != plain  # not the same opaque tag either


@pytest.mark.parametrize("coding", [{}, GZIP], ids=["identity", "gzip"])
def test_conditional_requests_answer_304_for_each_representation(
    served: tuple[int, Path], coding: dict[str, str]
) -> None:
    port, _ = served
    _, full, _ = get(port, "/all.atom", coding)
    by_etag = get(port, "/all.atom", {**coding, "If-None-Match": full["etag"]})
    by_date = get(port, "/all.atom", {**coding, "If-Modified-Since": full["last-modified"]})
    for status, headers, body in (by_etag, by_date):
        assert (status, body) == (304, b"")
        assert headers["vary"] == full["vary"] == "Accept-Encoding"  # RFC 9110 15.4.5
        assert headers["etag"] == full["etag"]
        assert headers["cache-control"] == full["cache-control"]
        assert "content-encoding" not in headers


def test_a_validator_of_the_other_representation_gets_the_full_response(
    served: tuple[int, Path],
) -> None:
    port, _ = served
    plain = get(port, "/all.atom")[1]["etag"]
    status, headers, body = get(port, "/all.atom", {**GZIP, "If-None-Match": plain})
    assert (status, headers["content-encoding"]) == (200, "gzip")
    assert gzip.decompress(body).startswith(b"<?xml")


def test_head_has_headers_and_no_body(served: tuple[int, Path]) -> None:
    port, _ = served
    for coding in ({}, GZIP):
        _, full, body = get(port, "/all.atom", coding)
        status, headers, head_body = get(port, "/all.atom", coding, method="HEAD")
        assert (status, head_body) == (200, b"")
        assert headers["content-length"] == full["content-length"] == str(len(body))
        assert headers["etag"] == full["etag"]


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


def test_no_hidden_temporary_or_foreign_file_is_served(served: tuple[int, Path]) -> None:
    port, out = served
    hidden = sorted(p.name for p in out.iterdir() if p.name.startswith("."))
    assert len(hidden) == 3  # the temporary, .htpasswd, .hidden.atom
    assert any(name.startswith(".all.atom.") and name.endswith(".tmp") for name in hidden)
    for name in [*hidden, "notes.txt"]:
        for path in (f"/{name}", f"/./{name}", f"/x/../{name}"):
            status, _, body = get(port, path)
            assert status == 404, path
            assert body not in (b"half a feed", b"admin:secret", b"hidden", b"private notes")


@pytest.fixture
def listed(tmp_path: Path, served: tuple[int, Path]) -> Iterator[tuple[int, Path]]:
    """A folder without index.html (an older output, or one being built)."""
    _, source = served
    out = tmp_path / "feeds"
    shutil.copytree(source, out, symlinks=True)
    (out / "index.html").unlink(missing_ok=True)
    (out / sample_name(SITE_DOCUMENTS["index.html"])).unlink()
    with running_server(out, base_url=BASE_URL) as port:
        yield port, out


def test_root_lists_the_feeds_with_autodiscovery(listed: tuple[int, Path]) -> None:
    port, out = listed
    status, headers, body = get(port, "/")
    assert status == 200
    assert headers["content-type"] == "text/html; charset=utf-8"
    page = body.decode()
    feeds = sorted(p.name for p in out.glob("[!.]*.atom") if not p.is_symlink() and p.is_file())
    assert len(feeds) == 6  # five built, one sample
    for feed in feeds:
        assert f'<a href="{feed}">' in page
        assert f'<link rel="alternate" type="application/atom+xml" href="{feed}">' in page
    for fmt in FEED_FORMATS.values():
        name = sample_name(fmt)
        assert f'<link rel="alternate" type="{fmt.media_type}" href="{name}">' in page
    assert "escape.atom" not in page  # a link out of the folder is not offered
    assert ".tmp" not in page
    assert ".hidden.atom" not in page
    assert ".htpasswd" not in page
    assert "notes.txt" not in page


def test_root_is_index_html_when_refeed_wrote_one(tmp_path: Path, config: Config) -> None:
    out = tmp_path / "feeds"
    out.mkdir()
    page = "<!doctype html><title>订阅</title><p>把网址粘贴到阅读器里。</p>" * 20
    (out / "index.html").write_text(page, encoding="utf-8")
    with running_server(out, base_url=config.base_url) as port:
        for coding in ({}, GZIP):
            status, headers, body = get(port, "/", coding)
            assert status == 200
            assert headers["content-type"] == "text/html; charset=utf-8"
            if coding:
                body = gzip.decompress(body)
            assert body.decode("utf-8") == page
            again = get(port, "/", {**coding, "If-None-Match": headers["etag"]})
            assert again[0] == 304
            assert again[1]["vary"] == "Accept-Encoding"


def test_connections_are_accepted_with_nagle_off() -> None:
    """With Nagle on, a keep-alive response's body waited for the client's delayed ACK of its
    headers (~40 ms a request); asyncio turns it off only on sockets that name TCP."""
    import asyncio
    import socket

    from refeed.service.serve import listen

    async def accepted_nodelay() -> int:
        seen: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        class Probe(asyncio.Protocol):
            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                sock = transport.get_extra_info("socket")
                seen.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
                transport.close()

        server = await asyncio.get_running_loop().create_server(Probe, sock=listen("127.0.0.1", 0))
        async with server:
            port = server.sockets[0].getsockname()[1]
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            result = await asyncio.wait_for(seen, 10)
            writer.close()
        return result

    assert asyncio.run(accepted_nodelay()) != 0
