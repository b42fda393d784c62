"""Serving feeds/ over HTTP: Starlette's static files under uvicorn, nothing hand-written
below the HTTP layer. Starlette resolves paths (refusing any, symlinks included, that lead out
of the folder), picks media types and answers If-None-Match/If-Modified-Since with 304; this
module adds gzip, Cache-Control, the listing at `/`, and one fix: a response is built from a
single snapshot of the file (see FeedFiles), because refeed replaces feeds while serving them.
"""

from __future__ import annotations

import hashlib
import html
import logging
import mimetypes
import os
import socket
import threading
from email.utils import formatdate
from pathlib import Path
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import NotModifiedResponse, StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)
FEED_TYPES = {".atom": "application/atom+xml", ".rss": "application/rss+xml",
              ".xml": "application/xml"}  # fmt: skip
for _suffix, _type in FEED_TYPES.items():
    mimetypes.add_type(_type, _suffix)


class FeedFiles(StaticFiles):
    """StaticFiles whose responses come from one open file: length, body and validators agree.

    Starlette's FileResponse takes Content-Length from a stat() and then opens the path again;
    when refeed atomically replaces the feed in between, the client gets a truncated response.
    Feeds are small (capped), so the body is read once, and the ETag is its content hash.
    """

    def file_response(
        self, full_path: Any, stat_result: os.stat_result, scope: Scope, status_code: int = 200
    ) -> Response:
        try:
            with open(full_path, "rb") as f:  # noqa: PTH123 - full_path is a str or PathLike
                snapshot = os.fstat(f.fileno())
                body = f.read()
        except FileNotFoundError:
            return PlainTextResponse("Not Found", status_code=404)
        media_type = mimetypes.guess_type(str(full_path))[0] or "application/octet-stream"
        etag = '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'
        headers = {"etag": etag, "last-modified": formatdate(snapshot.st_mtime, usegmt=True)}
        response = Response(body, status_code, headers=headers, media_type=media_type)
        if self.is_not_modified(response.headers, Headers(scope=scope)):
            return NotModifiedResponse(response.headers)
        return response


class CacheControl:
    """Adds `Cache-Control: max-age=N` to every response: readers poll no faster than refeed."""

    def __init__(self, app: ASGIApp, max_age: int) -> None:
        self.app, self.value = app, f"public, max-age={max_age}".encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"].append((b"cache-control", self.value))
            await send(message)

        await self.app(scope, receive, with_header if scope["type"] == "http" else send)


def make_app(out_dir: Path, max_age: int) -> Starlette:
    """The ASGI app serving the feeds in `out_dir`."""

    async def listing(request: Request) -> HTMLResponse:
        names = _servable_feeds(out_dir)
        links = "".join(f'<li><a href="{html.escape(n)}">{html.escape(n)}</a></li>' for n in names)
        alternates = "".join(
            f'<link rel="alternate" type="{FEED_TYPES[Path(n).suffix]}" href="{html.escape(n)}">'
            for n in names
        )
        page = (
            '<!doctype html><html><head><meta charset="utf-8"><title>refeed</title>'
            f"{alternates}</head><body><h1>Feeds</h1><ul>{links}</ul></body></html>"
        )
        return HTMLResponse(page)

    static = FeedFiles(directory=out_dir, check_dir=False, follow_symlink=False)
    return Starlette(
        routes=[Route("/", listing, methods=["GET", "HEAD"]), Mount("/", app=static)],
        middleware=[
            Middleware(CacheControl, max_age=max_age),
            Middleware(GZipMiddleware, minimum_size=500),
        ],
    )


def _servable_feeds(out_dir: Path) -> list[str]:
    """Feed files in `out_dir` that the static files app will serve (no links leading out)."""
    root = out_dir.resolve()
    return sorted(
        p.name
        for p in out_dir.glob("*")
        if p.suffix in FEED_TYPES and p.is_file() and p.resolve().parent == root
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
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    return sock


def serve(out_dir: Path, host: str, port: int, max_age: int, stop: threading.Event) -> None:
    """Serve until SIGTERM/SIGINT (or `stop` is set), saying where on stderr."""
    sock = listen(host, port)
    bound = sock.getsockname()
    shown = f"[{bound[0]}]" if sock.family == socket.AF_INET6 else bound[0]
    log.warning("serving %s on http://%s:%d/", out_dir, shown, bound[1])
    serve_socket(out_dir, sock, max_age, stop)


def serve_socket(out_dir: Path, sock: socket.socket, max_age: int, stop: threading.Event) -> None:
    """Serve the feeds in `out_dir` on an open socket until `stop` is set or a signal comes."""
    config = uvicorn.Config(
        make_app(out_dir, max_age), log_level="warning", access_log=False, lifespan="off"
    )
    server = _Server(config, stop)
    watcher = threading.Thread(target=_exit_when_set, args=(server, stop), daemon=True)
    watcher.start()
    server.run(sockets=[sock])


def _exit_when_set(server: uvicorn.Server, stop: threading.Event) -> None:
    stop.wait()
    server.should_exit = True
