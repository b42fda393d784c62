"""A WebSub hub stub on 127.0.0.1: records every request and answers as the test tells it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

HANG_LIMIT = 60.0  # a hanging answer ends by then even if the test forgets to release it


@dataclass(frozen=True)
class Answer:
    status: int = 204
    headers: tuple[tuple[str, str], ...] = ()
    hang: bool = False  # accept the request, then say nothing until the hub stops


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    content_type: str
    form: dict[str, list[str]]


@dataclass
class Hub:
    """What the hub was sent, and what it answers: `script` first (in order), then `default`."""

    url: str = ""
    default: Answer = Answer()
    script: list[Answer] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    stopping: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_answer(self, request: Received) -> Answer:
        with self.lock:
            self.received.append(request)
            return self.script.pop(0) if self.script else self.default

    def topics(self) -> list[str]:
        with self.lock:
            return [r.form.get("hub.topic", ["?"])[0] for r in self.received]


def _handler(hub: Hub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            received = Received(
                self.command,
                self.path,
                self.headers.get("Content-Type", ""),
                parse_qs(body.decode("ascii"), keep_blank_values=True),
            )
            answer = hub.next_answer(received)
            if answer.hang:
                hub.stopping.wait(HANG_LIMIT)
                self.close_connection = True
                return
            self.send_response(answer.status)
            for name, value in answer.headers:
                self.send_header(name, value)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_GET = do_POST  # recorded too: a hub must never be sent a GET

        def log_message(self, format: str, *args: object) -> None:
            pass  # quiet test output

    return Handler


@contextmanager
def running_hub(default: Answer = Answer(), path: str = "/hub") -> Iterator[Hub]:
    """A hub on a free loopback port for the length of the `with`; stops itself."""
    hub = Hub(default=default)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(hub))
    server.daemon_threads = True
    hub.url = f"http://127.0.0.1:{server.server_address[1]}{path}"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield hub
    finally:
        hub.stopping.set()  # releases hanging answers
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        assert not thread.is_alive(), "hub stub did not stop"
