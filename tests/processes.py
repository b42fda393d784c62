"""Run refeed as a real subprocess and watch what it says on stderr."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from .conftest import TEST_CONFIG


def write_config(root: Path, **run: object) -> Path:
    """The test config plus [paths] under `root` and the given [run] settings."""
    lines = [
        TEST_CONFIG.read_text(encoding="utf-8"),
        "",
        "[paths]",
        f'seeds = "{root / "seeds"}"',
        f'out = "{root / "feeds"}"',
        f'state = "{root / "state" / "refeed.sqlite"}"',
        "",
        "[run]",
    ]
    lines += [f"{key} = {json.dumps(value)}" for key, value in run.items()]
    path = root / "refeed.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


class Refeed:
    """`python -m refeed ARGS` in the background, its stderr collected line by line."""

    def __init__(self, *args: str, cwd: Path, fault: str | None = None) -> None:
        """`fault`: a REFEED_FAULT value (`point:action`, see refeed/faults.py)."""
        env = dict(os.environ)
        env.pop("REFEED_FAULT", None)
        if fault is not None:
            env["REFEED_FAULT"] = fault
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "refeed", *args],
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append(line)

    def wait_for_line(self, pattern: str, timeout: float = 30) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in list(self.lines):
                if match := re.search(pattern, line):
                    return match
            if self.proc.poll() is not None and not self.reader.is_alive():
                break
            time.sleep(0.02)
        raise AssertionError(f"no line matching {pattern!r} in:\n{''.join(self.lines)}")

    def stop(self, sig: int, timeout: float = 60) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        code = self.proc.wait(timeout=timeout)
        self.reader.join(timeout=5)
        return code

    def output(self) -> str:
        return "".join(self.lines)

    def wait(self, timeout: float = 60) -> int:
        """The exit code (negative: the signal that ended it), once the process has ended."""
        code = self.proc.wait(timeout=timeout)
        self.reader.join(timeout=5)
        return code


def eventually(check: Callable[[], bool], timeout: float = 20, every: float = 0.05) -> float:
    """Seconds until `check()` held; AssertionError if it never did within `timeout`."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if check():
            return time.monotonic() - start
        time.sleep(every)
    raise AssertionError(f"condition not met within {timeout}s")
