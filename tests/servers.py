"""A real refeed HTTP server on 127.0.0.1 for the length of a test, and a raw HTTP client."""

from __future__ import annotations

import http.client
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from refeed.service.serve import listen, make_app, serve_socket


@contextmanager
def running_server(out_dir: Path, max_age: int = 30, **app_options: Any) -> Iterator[int]:
    """Serve `out_dir` on a free loopback port; yields the port; stops on exit.

    `app_options` go to make_app (health, metrics, hubs, base_url); base_url defaults to
    this server's own address."""
    sock = listen("127.0.0.1", 0)
    port = sock.getsockname()[1]
    app_options.setdefault("base_url", f"http://127.0.0.1:{port}/")
    app = make_app(out_dir, max_age, **app_options)
    stop = threading.Event()
    thread = threading.Thread(target=serve_socket, args=(app, sock, stop), daemon=True)
    thread.start()
    try:
        yield port
    finally:
        stop.set()
        thread.join(timeout=10)
        assert not thread.is_alive(), "server did not stop"


def get(
    port: int, path: str, headers: dict[str, str] | None = None, method: str = "GET"
) -> tuple[int, dict[str, str], bytes]:
    """One request with the path sent exactly as given (no client-side normalising)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(method, path, headers=headers or {})
        response = conn.getresponse()
        body = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body
    finally:
        conn.close()
