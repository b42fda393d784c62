"""The always-on re-publisher, driven for real: scheduler, HTTP server, signals, crashes."""

from __future__ import annotations

import json
import logging
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import feedparser
import pytest

from refeed import faults
from refeed.config import Config, Paths
from refeed.service.daemon import Daemon, cache_seconds

from .conftest import VALID_SEEDS, build
from .corpus import make_corpus, seed_text
from .feedcheck import feed_problems
from .processes import Refeed, eventually, write_config
from .servers import get, running_server

INTERVAL, SETTLE = 0.2, 0.3


def daemon_config(root: Path, config: Config) -> Config:
    paths = Paths(root / "seeds", root / "feeds", root / "state" / "refeed.sqlite")
    paths.seeds.mkdir(parents=True, exist_ok=True)
    run = replace(config.run, interval_seconds=INTERVAL, settle_seconds=SETTLE)
    return replace(config, paths=paths, run=run)


def served_titles(port: int) -> list[str]:
    status, _, body = get(port, "/all.atom")
    return [e.title for e in feedparser.parse(body).entries] if status == 200 else []


def test_drop_edit_delete_reach_the_served_feed(tmp_path: Path, config: Config) -> None:
    cfg = daemon_config(tmp_path, config)
    daemon = Daemon(cfg)
    daemon.start()
    try:
        with running_server(cfg.paths.out) as port:
            seed = cfg.paths.seeds / "a.txt"
            seed.write_text(seed_text(1, title="刚到的文章"), encoding="utf-8")
            eventually(lambda: served_titles(port) == ["刚到的文章"])  # how soon: bench/

            seed.write_text(seed_text(1, title="改过的文章"), encoding="utf-8")
            eventually(lambda: served_titles(port) == ["改过的文章"])

            (cfg.paths.seeds / "b.txt").write_text(seed_text(2), encoding="utf-8")
            eventually(lambda: len(served_titles(port)) == 2)
            seed.unlink()
            eventually(lambda: served_titles(port) == ["文章 2"])
    finally:
        daemon.stop()
    assert daemon.passes >= 4


@pytest.mark.parametrize("watch", [True, False], ids=["notified", "scanning"])
def test_daemon_with_and_without_change_notifications(
    tmp_path: Path, config: Config, watch: bool
) -> None:
    cfg = daemon_config(tmp_path, config)
    cfg = replace(cfg, run=replace(cfg.run, watch=watch, full_scan_seconds=10**9))
    daemon = Daemon(cfg)
    daemon.start()
    try:
        assert (daemon.watcher is not None) == watch
        feed = cfg.paths.out / "all.atom"
        sub = cfg.paths.seeds / "2024" / "05"
        sub.mkdir(parents=True)  # a folder made while watching: picked up too
        (sub / "a.txt").write_text(seed_text(1, title="子目录"), encoding="utf-8")
        eventually(lambda: feed.exists() and "子目录" in feed.read_text(encoding="utf-8"))
        (sub / "a.txt").rename(cfg.paths.seeds / "moved.txt")
        (cfg.paths.seeds / "b.txt").write_text(seed_text(2, title="第二篇"), encoding="utf-8")
        eventually(lambda: "第二篇" in feed.read_text(encoding="utf-8"))
        entries = feedparser.parse(feed).entries
        assert sorted(e.title for e in entries) == ["子目录", "第二篇"]
    finally:
        daemon.stop()


def test_a_failing_pass_does_not_stop_the_daemon(tmp_path: Path, config: Config) -> None:
    cfg = daemon_config(tmp_path, config)
    cfg.paths.state.parent.mkdir(parents=True)
    cfg.paths.state.mkdir()  # the database path is a folder: every pass fails...
    daemon = Daemon(cfg)
    daemon.start()
    try:
        eventually(lambda: daemon.passes >= 2)
        cfg.paths.state.rmdir()  # ...until it is fixed
        (cfg.paths.seeds / "a.txt").write_text(seed_text(3), encoding="utf-8")
        eventually(lambda: (cfg.paths.out / "all.atom").exists())
    finally:
        daemon.stop()


def test_cache_seconds_follow_the_schedule() -> None:
    assert cache_seconds(None, 30) == 30
    assert cache_seconds("*/5 * * * *", 30) == 300


def test_daemon_process_serves_updates_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    settle = 1.0  # longer than the writer's pause below, which spans two passes
    config = write_config(tmp_path, interval_seconds=INTERVAL, settle_seconds=settle, port=0)
    (tmp_path / "seeds").mkdir()
    daemon = Refeed("run", "--config", str(config), cwd=tmp_path)
    try:
        port = int(daemon.wait_for_line(r"serving .* on http://127\.0\.0\.1:(\d+)/").group(1))
        (tmp_path / "seeds" / "x.txt").write_text(seed_text(5, title="守护进程"), encoding="utf-8")
        eventually(lambda: served_titles(port) == ["守护进程"])

        # a file written in two halves, slower than a pass but faster than the settle time
        half = tmp_path / "seeds" / "half.txt"
        text = seed_text(6, title="两半写成") + "<p>THE-SECOND-HALF</p>"
        seen_bodies: list[str] = []
        with half.open("w", encoding="utf-8") as f:
            f.write(text[: len(text) // 2])
            f.flush()
            deadline = time.monotonic() + settle / 2
            assert settle / 2 > 2 * INTERVAL
            while time.monotonic() < deadline:
                seen_bodies += [
                    e.content[0].value
                    for e in feedparser.parse(get(port, "/all.atom")[2]).entries
                    if e.title == "两半写成"
                ]
            f.write(text[len(text) // 2 :])
        eventually(lambda: "两半写成" in served_titles(port))
        entry = next(
            e for e in feedparser.parse(get(port, "/all.atom")[2]).entries if e.title == "两半写成"
        )
        assert seen_bodies == []
        assert "THE-SECOND-HALF" in entry.content[0].value
    finally:
        code = daemon.stop(signal.SIGTERM)
    assert code == 0, daemon.output()
    assert all(feed_problems(p) == [] for p in (tmp_path / "feeds").glob("*.atom"))
    passes = [line for line in daemon.lines if " refeed: pass: " in line]  # no -v needed
    assert len(passes) >= 3
    assert re.search(r"pass: \d+ files seen, \d+ new, .* files written, \d+\.\d+s$", passes[-1])


def _children(pid: int) -> list[int]:
    """The processes whose parent is `pid`."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text(encoding="utf-8").rpartition(")")[2].split()
        except OSError:  # ended while we looked
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _loaded_opencc(pid: int) -> bool:
    """Whether process `pid` has OpenCC's library mapped."""
    return "opencc_clib" in Path(f"/proc/{pid}/maps").read_text(encoding="utf-8")


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc (Linux)")
def test_the_daemon_converts_in_a_child_that_ends_with_the_pass(tmp_path: Path) -> None:
    """OpenCC's dictionaries (43 MiB) are loaded by a child process, never by the daemon,
    and the child ends with the pass that started it, so the daemon waits for the next pass
    without them; the next article to convert starts a new one."""
    config = write_config(tmp_path, interval_seconds=INTERVAL, settle_seconds=0, serve=False)
    with config.open("a", encoding="utf-8") as f:
        f.write('[[feeds]]\nname = "china-us"\ntitle = "中美"\ninclude_title = ["中美"]\n'
                'variants = ["zh-Hant"]\n')  # fmt: skip
    (tmp_path / "seeds").mkdir()
    variant = tmp_path / "feeds" / "china-us.zh-hant.atom"
    daemon = Refeed("run", "--config", str(config), cwd=tmp_path)
    pid = daemon.proc.pid

    def shows(title: str) -> Callable[[], bool]:
        return lambda: variant.exists() and f"<title>{title}</title>" in variant.read_text("utf-8")

    try:
        for i, (title, converted) in enumerate(
            [("中美关系", "中美關係"), ("中美会谈", "中美會談")]
        ):
            (tmp_path / "seeds" / f"{i}.txt").write_text(seed_text(i, title=title), "utf-8")
            eventually(shows(converted))
            eventually(lambda: _children(pid) == [])
            assert not _loaded_opencc(pid)
    finally:
        code = daemon.stop(signal.SIGTERM)
    assert code == 0, daemon.output()


def test_second_instance_waits_then_exits_3_naming_the_holder(tmp_path: Path) -> None:
    config = write_config(tmp_path, interval_seconds=60, lock_wait_seconds=0.3, serve=False)
    (tmp_path / "seeds").mkdir()
    daemon = Refeed("-v", "run", "--config", str(config), cwd=tmp_path)
    try:
        daemon.wait_for_line(r"pass: ")
        started = time.monotonic()
        second = subprocess.run(
            [sys.executable, "-m", "refeed", "build", "--config", str(config)],
            capture_output=True,
            text=True,
            check=False,
            cwd=tmp_path,
        )
        waited = time.monotonic() - started
        assert second.returncode == 3
        assert f"locked by pid {daemon.proc.pid} (refeed -v run --config" in second.stderr
        assert "Traceback" not in second.stderr
        assert waited >= 0.3
    finally:
        assert daemon.stop(signal.SIGINT) == 0


def _big_site(tmp_path: Path, count: int) -> Path:
    make_corpus(tmp_path / "seeds", count)
    return write_config(tmp_path, interval_seconds=60, settle_seconds=0, serve=False)


def _reference(tmp_path: Path, config: Config) -> dict[str, bytes]:
    out = tmp_path / "reference"
    build(tmp_path / "seeds", out, config, full=True)
    return {p.name: p.read_bytes() for p in sorted(out.glob("*.atom"))}


def _feeds(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.atom"))}


def _restart_converges(tmp_path: Path, config_file: Path, config: Config) -> None:
    """A plain `refeed build` after an interruption ends where a clean full build does."""
    restart = subprocess.run(
        [sys.executable, "-m", "refeed", "build", "--config", str(config_file)],
        cwd=tmp_path, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert restart.returncode == 0, restart.stderr
    assert _feeds(tmp_path / "feeds") == _reference(tmp_path, config)
    assert not list((tmp_path / "feeds").glob(".*"))  # no temporary files left behind


def _status(tmp_path: Path, config_file: Path) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, "-m", "refeed", "status", "--json", "--config", str(config_file)],
        cwd=tmp_path, capture_output=True, text=True, check=True,
    )  # fmt: skip
    status: dict[str, Any] = json.loads(result.stdout)
    return status


def test_sigterm_mid_pass_stops_it_early_and_a_restart_completes_it(
    tmp_path: Path, config: Config
) -> None:
    config_file = _big_site(tmp_path, 300)
    daemon = Refeed("-v", "run", "--config", str(config_file), cwd=tmp_path,
                    fault="ingesting:wait")  # fmt: skip
    daemon.wait_for_line(r"refeed: fault point ingesting reached")  # half-way through 300 files
    assert daemon.stop(signal.SIGTERM) == 0, daemon.output()
    passes = [line.rstrip() for line in daemon.lines if " refeed: pass: " in line]
    assert len(passes) == 1
    assert passes[0].endswith("(stopped early)"), daemon.output()
    status = _status(tmp_path, config_file)
    assert status["last_pass"]["result"] == "stopped"
    assert 0 < status["seed_files"] < 300  # what it ingested is committed, the rest is not
    assert not list((tmp_path / "feeds").glob("*.atom"))  # nothing rendered from half a pass
    _restart_converges(tmp_path, config_file, config)


FIRST, ADDED = 40, 210  # the second pass ingests ADDED + 1 files: in worker processes


@pytest.mark.parametrize(
    ("point", "full"),
    [*((point, False) for point in faults.POINTS), ("ingesting", True)],
)
def test_kill_9_at_a_point_of_the_pass_keeps_the_old_feeds_whole_then_converges(
    tmp_path: Path, config: Config, point: str, full: bool
) -> None:
    """`kill -9` where a pass is fragile: while ingesting, between ingest and render, and
    in the middle of writing a feed. The feeds of the build before stay whole until a pass
    replaces them, and a plain restart ends where a clean full build does."""
    config_file = _big_site(tmp_path, FIRST)
    feeds = tmp_path / "feeds"
    first = Refeed("build", "--config", str(config_file), cwd=tmp_path)
    assert first.wait() == 0, first.output()
    before = _feeds(feeds)
    assert len(before) == 5  # four sources and all.atom
    seeds = tmp_path / "seeds"
    make_corpus(seeds, ADDED, start=FIRST)  # (no edit: an edit's date is the file's mtime,
    (seeds / "000002.txt").unlink()  # which a full build does not know: it would not converge)

    victim = Refeed("build", *(["--full"] if full else []), "--config", str(config_file),
                    cwd=tmp_path, fault=f"{point}:kill")  # fmt: skip
    assert victim.wait() == -signal.SIGKILL, victim.output()
    assert f"refeed: fault point {point} reached" in victim.output()
    assert _feeds(feeds) == before  # no feed replaced yet, and none cut short
    assert all(feed_problems(feeds / name) == [] for name in before)
    committed = _status(tmp_path, config_file)["seed_files"]
    if point == "ingesting":  # the open transaction is lost (a full build's reset is not)
        assert committed == (0 if full else FIRST)
    else:
        assert committed == FIRST + ADDED - 1
    leftovers = [p for p in feeds.rglob(".*") if p.is_file()]  # archive pages included
    if point == "writing":  # the new bytes were whole in the temporary file, not yet in place
        assert len(leftovers) == 1
        assert feed_problems(leftovers[0]) == []
    else:
        assert leftovers == []
    _restart_converges(tmp_path, config_file, config)


def test_daemon_logs_each_new_merge_once(
    tmp_path: Path, config: Config, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="refeed")
    cfg = daemon_config(tmp_path, config)
    shutil.copy(VALID_SEEDS / "dup_a_older.txt", cfg.paths.seeds)

    def merges_logged() -> list[str]:
        return [r.getMessage() for r in caplog.records if r.getMessage().startswith("merged ")]

    def passes_run(daemon: Daemon, passes: int) -> None:
        eventually(lambda: daemon.passes >= passes)

    for run in range(2):  # the second daemon starts from the state the first left
        daemon = Daemon(cfg)
        daemon.start()
        try:
            passes_run(daemon, 1)
            if run == 0:
                shutil.copy(VALID_SEEDS / "dup_b_newer.txt", cfg.paths.seeds)
                eventually(lambda: merges_logged() != [])
            passes_run(daemon, daemon.passes + 3)
        finally:
            daemon.stop()
    url = "https://www.rfi.fr/cn/%E4%BA%9A%E6%B4%B2/20231114-same-article"
    assert merges_logged() == [f"merged dup_a_older.txt into dup_b_newer.txt (same URL {url})"]
