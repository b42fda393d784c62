"""OpenCC in a process of its own, so that no refeed process ever holds its dictionaries.

Loaded, OpenCC's `s2tw` takes 43 MiB (docs/design.md), which made it most of a full build's
peak and kept a daemon that had converted once that large. In a child they cost memory only
while a pass converts: the converter is closed when the pass is done, the child exits, and
its memory goes back to the system at once and whole (no allocator keeps freed pages). The
price is the child's start (~25 ms on top of the dictionaries' 0.2 s, which any process
pays) and a round trip through a pipe per call (tens of microseconds; an article's text nodes
go in one call, variants._convert_all).

This is the only module that imports opencc, and only in the child (`python -m
refeed.output.opencc_process CONFIG`). The protocol: a frame is a 4-byte big-endian length
and that many bytes. Each request is UTF-8 text; each answer is b"+" and the converted text,
or b"!" and an error's message. The child converts until its input ends, which happens when
the parent closes the pipe or exits in any way, so a child never outlives its parent's use.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import struct
import subprocess
import sys
import threading
from typing import IO

from refeed.errors import ConversionError

_LENGTH = struct.Struct(">I")
CLOSE_SECONDS = 5.0  # how long close() waits for the child before killing it


class OpenccProcess:
    """`convert(text)` for one OpenCC configuration, run by a child process started on the
    first call. Thread-safe: calls take turns on the one pipe."""

    def __init__(self, opencc_config: str) -> None:
        self.opencc_config = opencc_config
        self._lock = threading.Lock()
        self._child: subprocess.Popen[bytes] | None = None

    def __call__(self, text: str) -> str:
        request = text.encode("utf-8")
        with self._lock:
            child = self._child or self._start()
            assert child.stdin is not None
            assert child.stdout is not None
            try:
                _write_frame(child.stdin, request)
                answer = _read_frame(child.stdout)
            except OSError:
                answer = None
            if answer is None:
                self._stop()
                raise ConversionError(
                    f"OpenCC's process ({self.opencc_config}) ended while converting "
                    f"(exit status {child.returncode})"
                )
        if answer[:1] != b"+":
            raise ConversionError(
                f"OpenCC ({self.opencc_config}): {answer[1:].decode('utf-8', 'replace')}"
            )
        return answer[1:].decode("utf-8")

    @property
    def pid(self) -> int | None:
        """The child's process id while it runs."""
        return self._child.pid if self._child is not None else None

    def close(self) -> bool:
        """End the child (its dictionaries' memory goes with it); True if one was running.
        A later call starts a new one."""
        with self._lock:
            return self._stop()

    def _start(self) -> subprocess.Popen[bytes]:
        self._child = subprocess.Popen(
            [sys.executable, "-m", __name__, self.opencc_config],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        _RUNNING.add(self)
        return self._child

    def _stop(self) -> bool:
        child, self._child = self._child, None
        _RUNNING.discard(self)
        if child is None:
            return False
        assert child.stdin is not None
        assert child.stdout is not None
        with contextlib.suppress(OSError):  # an error: it has gone already
            child.stdin.close()  # the end of its input: the child exits
        try:
            child.wait(CLOSE_SECONDS)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
        child.stdout.close()
        return True


# Closed when this process exits, so that each child is waited for (and counted in this
# process's resource usage) rather than left to end after it.
_RUNNING: set[OpenccProcess] = set()


@atexit.register
def _close_running() -> None:
    for running in list(_RUNNING):
        running.close()


def _write_frame(stream: IO[bytes], data: bytes) -> None:
    stream.write(_LENGTH.pack(len(data)) + data)  # one write: one wake-up of the reader
    stream.flush()


def _read_frame(stream: IO[bytes]) -> bytes | None:
    """One frame's bytes; None at the end of the stream (also inside a frame)."""
    head = stream.read(_LENGTH.size)
    if len(head) < _LENGTH.size:
        return None
    (size,) = _LENGTH.unpack(head)
    data = stream.read(size)
    return data if len(data) == size else None


def serve(opencc_config: str, requests: IO[bytes], answers: IO[bytes]) -> None:
    """The child's loop: answer each request until the requests end."""
    try:
        import opencc  # the only import of opencc in refeed

        convert = opencc.OpenCC(opencc_config, include_tofu_risk_dictionaries=False).convert
        failure = None
    except Exception as exc:  # every request is told why, rather than a closed pipe
        failure = f"cannot load {opencc_config!r}: {type(exc).__name__}: {exc}"
    while (request := _read_frame(requests)) is not None:
        if failure is not None:
            answer = b"!" + failure.encode("utf-8")
        else:
            try:
                answer = b"+" + convert(request.decode("utf-8")).encode("utf-8")
            except Exception as exc:
                answer = b"!" + f"{type(exc).__name__}: {exc}".encode()
        _write_frame(answers, answer)


def _main() -> None:
    # A terminal's Ctrl-C and a service manager's SIGTERM reach the whole process group: the
    # parent decides when to stop, and the child stops when the parent's pipe closes.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    # Answers go on a private copy of stdout; anything printed goes to stderr instead.
    answers = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    serve(sys.argv[1], sys.stdin.buffer, answers)


if __name__ == "__main__":
    _main()
