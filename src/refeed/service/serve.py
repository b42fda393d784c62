"""Serving feeds/ over HTTP: Starlette's static files under uvicorn.

Starlette resolves paths (refusing any, symlinks included, that lead out of the folder); this
module decides what may be served (only the file kinds refeed writes, never a dot-file such as
refeed's own temporaries), with which media type (output/formats.py, charset included), and
builds each response from one snapshot of the file (see FeedFiles), because refeed replaces
feeds while serving them. `Representations` then picks the content coding and answers
conditional requests for the representation actually chosen (negotiation.py has the rules).
`/` is index.html when the folder has one, else a listing; `/healthz` and `/metrics` watch
the daemon.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import socket
import threading
from collections import OrderedDict
from collections.abc import Sequence
from email.utils import formatdate
from pathlib import Path
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from refeed.output.formats import media_type_for
from refeed.service.folder import (
    archive_cache_control,
    feed_links,
    is_archive_page,
    listing_page,
    servable,
)
from refeed.service.health import PassHealth
from refeed.service.metrics import Metrics
from refeed.service.negotiation import (
    accepts_gzip,
    coded_etag,
    gzip_bytes,
    not_modified,
)

log = logging.getLogger(__name__)
GZIP_MIN_BYTES = 500  # below this, gzip's header costs more than it saves
INDEX = "index.html"
SERVED = "refeed.served"  # scope key: the feeds-folder file (or page) a request was answered with
JSON_TYPE = "application/json; charset=utf-8"
NO_STORE = {"cache-control": "no-store"}  # health and metrics are read fresh every time
# What a 304 carries of the 200 it stands for (RFC 9110 15.4.5); Cache-Control is added later.
NOT_MODIFIED_HEADERS = ("cache-control", "content-location", "date", "etag", "expires", "vary")


class FeedFiles(StaticFiles):
    """StaticFiles serving only what `servable` allows, each response from one open file.

    Starlette's FileResponse takes Content-Length from a stat() and then opens the path again;
    when refeed atomically replaces the feed in between, the client gets a truncated response.
    Feeds are small (capped), so the body is read once, and the ETag is its content hash.
    """

    def __init__(self, out_dir: Path, base_url: str, hubs: Sequence[str] = ()) -> None:
        super().__init__(directory=out_dir, check_dir=False, follow_symlink=False)
        self.out_dir, self.base_url, self.hubs = out_dir, base_url, tuple(hubs)

    def lookup_path(self, path: str) -> tuple[str, os.stat_result | None]:
        if not servable(path):
            return "", None
        return super().lookup_path(path)

    def file_response(
        self, full_path: Any, stat_result: os.stat_result, scope: Scope, status_code: int = 200
    ) -> Response:
        try:
            with open(full_path, "rb") as f:  # noqa: PTH123 - full_path is a str or PathLike
                snapshot = os.fstat(f.fileno())
                body = f.read()
        except FileNotFoundError:
            raise HTTPException(status_code=404) from None
        # The path inside the folder (lookup_path resolved it there), however it was spelled.
        name = Path(os.path.relpath(full_path, os.path.realpath(self.out_dir))).as_posix()
        # For CountRequests: the file; archive pages as one label, so that the metric's
        # label values stay bounded by the feeds, not by how long the history grows.
        scope[SERVED] = "archive/" if is_archive_page(name) else name
        etag = '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'
        headers = {"etag": etag, "last-modified": formatdate(snapshot.st_mtime, usegmt=True)}
        if links := feed_links(self.base_url, name, self.hubs):
            headers["link"] = links
        if cache := archive_cache_control(self.out_dir, name):
            headers["cache-control"] = cache  # (CacheControl adds the usual one to the rest)
        return Response(body, status_code, headers=headers, media_type=media_type_for(name))


class Representations:
    """Chooses gzip or identity for each 200 and then answers conditional requests for the
    representation chosen: the gzip body has its own ETag (`"<hash>-gzip"`), both carry
    `Vary: Accept-Encoding`, and a 304 carries the headers its 200 would have had. Compressed
    feeds are kept by ETag, so a polled feed is compressed once per change."""

    def __init__(self, app: ASGIApp, cache_size: int = 64) -> None:
        self.app, self.cache_size = app, cache_size
        self.compressed: OrderedDict[str, bytes] = OrderedDict()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Headers(scope=scope)
        start: Message | None = None

        async def represent(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message  # held until the body shows what can be done with it
                return
            if start is not None:
                held, start = start, None
                if message["type"] == "http.response.body" and not message.get("more_body"):
                    message["body"] = self._choose(held, message.get("body", b""), request)
                await send(held)  # (a stream is sent as it is)
            await send(message)

        await self.app(scope, receive, represent)

    def _choose(self, start: Message, body: bytes, request: Headers) -> bytes:
        """Rewrites `start` in place for the chosen representation; returns the body to send."""
        headers = MutableHeaders(raw=start.setdefault("headers", []))
        if start["status"] != 200 or "content-encoding" in headers:
            return body
        headers.add_vary_header("Accept-Encoding")
        etag = headers.get("etag")
        if accepts_gzip(request.get("accept-encoding")) and len(body) >= GZIP_MIN_BYTES:
            body = self._gzip(body, etag)
            headers["content-encoding"] = "gzip"
            if etag is not None:
                etag = headers["etag"] = coded_etag(etag, "gzip")
        headers["content-length"] = str(len(body))
        if etag is None and "last-modified" not in headers:
            return body
        preconditions = (request.get("if-none-match"), request.get("if-modified-since"))
        if not_modified(etag, headers.get("last-modified"), *preconditions):
            kept = [(k, v) for k, v in start["headers"] if k.decode() in NOT_MODIFIED_HEADERS]
            start["status"], start["headers"] = 304, kept
            return b""
        return body

    def _gzip(self, body: bytes, etag: str | None) -> bytes:
        if etag is None:
            return gzip_bytes(body)
        if (cached := self.compressed.get(etag)) is not None:
            self.compressed.move_to_end(etag)
            return cached
        coded = self.compressed[etag] = gzip_bytes(body)
        while len(self.compressed) > self.cache_size:
            self.compressed.popitem(last=False)
        return coded


class CacheControl:
    """Adds `Cache-Control: public, max-age=N` to every response that has none: readers poll
    no faster than refeed writes."""

    def __init__(self, app: ASGIApp, max_age: int) -> None:
        self.app, self.value = app, f"public, max-age={max_age}".encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.setdefault("headers", [])
                if not any(name.lower() == b"cache-control" for name, _ in headers):
                    headers.append((b"cache-control", self.value))
            await send(message)

        await self.app(scope, receive, with_header if scope["type"] == "http" else send)


class CountRequests:
    """Counts every answered request by file and status. Only a file that was served (200,
    304) is named, so the label values are bounded by the folder, not by what clients ask."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app, self.metrics = app, metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def counted(message: Message) -> None:
            if message["type"] == "http.response.start":
                status = int(message["status"])
                served = scope.get(SERVED) if status in (200, 304) else None
                self.metrics.record_request(served, status)
            await send(message)

        await self.app(scope, receive, counted)


def make_app(
    out_dir: Path,
    max_age: int,
    base_url: str,
    *,
    health: PassHealth | None = None,
    metrics: Metrics | None = None,
    hubs: Sequence[str] = (),
) -> Starlette:
    """The ASGI app serving the feeds in `out_dir`; `base_url` (ending in "/") is where they
    are published, for the self links. Without `health` and `metrics` (`refeed serve`), no
    passes run here: /healthz says so, and /metrics has the HTTP counters only."""
    health = health or PassHealth(None)
    metrics = metrics or Metrics(runs_passes=False)
    static = FeedFiles(out_dir, base_url, hubs)

    async def root(request: Request) -> Response:
        try:
            return await static.get_response(INDEX, request.scope)
        except HTTPException as exc:
            if exc.status_code != 404:
                raise
        request.scope[SERVED] = "/"
        return HTMLResponse(listing_page(out_dir))

    async def healthz(request: Request) -> Response:
        status, body = health.check()
        text = json.dumps(body, sort_keys=True) + "\n"
        return Response(text, status, headers=NO_STORE, media_type=JSON_TYPE)

    async def metrics_page(request: Request) -> Response:
        body, media_type = metrics.exposition(request.headers.get("accept", ""))
        return Response(body, headers=NO_STORE, media_type=media_type)

    get = ["GET", "HEAD"]
    return Starlette(
        routes=[
            Route("/healthz", healthz, methods=get),
            Route("/metrics", metrics_page, methods=get),
            Route("/", root, methods=get),
            Mount("/", app=static),
        ],
        middleware=[
            Middleware(CountRequests, metrics=metrics),
            Middleware(CacheControl, max_age=max_age),
            Middleware(Representations),
        ],
    )


class _Server(uvicorn.Server):
    """uvicorn's server, also telling refeed when a signal asks it to stop."""

    def __init__(self, config: uvicorn.Config, stop: threading.Event) -> None:
        super().__init__(config)
        self.stop = stop

    def handle_exit(self, sig: int, frame: Any) -> None:
        self.stop.set()
        super().handle_exit(sig, frame)


def listen(host: str, port: int) -> socket.socket:
    """A listening socket; port 0 picks a free port (read it with getsockname())."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP named, not left 0: asyncio turns Nagle off (TCP_NODELAY) only on sockets
    # that say so, and with Nagle on, a keep-alive response waited ~40 ms for the client's
    # delayed ACK of its headers.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    return sock


def serve(
    out_dir: Path,
    host: str,
    port: int,
    max_age: int,
    stop: threading.Event,
    *,
    base_url: str,
    health: PassHealth | None = None,
    metrics: Metrics | None = None,
    hubs: Sequence[str] = (),
) -> None:
    """Serve until SIGTERM/SIGINT (or `stop` is set), saying where on stderr; `hubs` are
    sent as Link rel="hub" with every subscription document."""
    sock = listen(host, port)
    bound = sock.getsockname()
    shown = f"[{bound[0]}]" if sock.family == socket.AF_INET6 else bound[0]
    log.warning("serving %s on http://%s:%d/", out_dir, shown, bound[1])
    app = make_app(out_dir, max_age, base_url, health=health, metrics=metrics, hubs=hubs)
    serve_socket(app, sock, stop)


def serve_socket(app: ASGIApp, sock: socket.socket, stop: threading.Event) -> None:
    """Serve `app` on an open socket until `stop` is set or a signal comes."""
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    server = _Server(config, stop)
    watcher = threading.Thread(target=_exit_when_set, args=(server, stop), daemon=True)
    watcher.start()
    server.run(sockets=[sock])


def _exit_when_set(server: uvicorn.Server, stop: threading.Event) -> None:
    stop.wait()
    server.should_exit = True
