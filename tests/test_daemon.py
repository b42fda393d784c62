"""The always-on re-publisher, driven for real: scheduler, HTTP server, signals, crashes."""

from __future__ import annotations

import random
import re
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import feedparser
import pytest

from refeed.config import Config, Paths
from refeed.service.daemon import Daemon, cache_seconds

from .conftest import build
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
            waited = eventually(lambda: served_titles(port) == ["刚到的文章"])
            assert waited < INTERVAL + SETTLE + 2  # within interval + settle, plus slack

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
    assert re.search(r"pass: \d+ files seen, \d+ new, .* feeds written, \d+\.\d+s$", passes[-1])


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


def test_sigterm_mid_pass_leaves_valid_feeds_and_consistent_state(
    tmp_path: Path, config: Config
) -> None:
    config_file = _big_site(tmp_path, 300)
    daemon = Refeed("-v", "run", "--config", str(config_file), cwd=tmp_path)
    time.sleep(0.8)  # the first pass (300 files, worker processes) is under way
    assert daemon.stop(signal.SIGTERM) == 0, daemon.output()
    assert all(feed_problems(p) == [] for p in (tmp_path / "feeds").glob("*.atom"))
    _restart_converges(tmp_path, config_file, config)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_kill_9_at_a_random_point_then_restart_converges(
    tmp_path: Path, config: Config, seed: int
) -> None:
    config_file = _big_site(tmp_path, 250)
    victim = Refeed("build", "--full", "--config", str(config_file), cwd=tmp_path)
    time.sleep(random.Random(seed).uniform(0.2, 1.5))
    victim.stop(signal.SIGKILL)
    assert all(feed_problems(p) == [] for p in (tmp_path / "feeds").glob("*.atom"))
    _restart_converges(tmp_path, config_file, config)
