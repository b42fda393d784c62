"""GET /healthz on the real server: healthy while passes succeed and are recent, 503 when the
last pass failed or is too old, and what a server without passes says."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from refeed.config import Config, Paths, load_config
from refeed.errors import ConfigError
from refeed.service.daemon import Daemon, health_max_age
from refeed.service.health import PassHealth

from .corpus import seed_text
from .processes import eventually
from .servers import get, running_server


def daemon_config(root: Path, config: Config) -> Config:
    """The test config with its folders under `root` and quick passes."""
    paths = Paths(root / "seeds", root / "feeds", root / "state" / "refeed.sqlite")
    paths.seeds.mkdir(parents=True, exist_ok=True)
    run = replace(config.run, interval_seconds=0.2, settle_seconds=0.3)
    return replace(config, paths=paths, run=run)


class FakeClock:
    """A monotonic clock the test moves by hand: ages without sleeping."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def healthz(port: int) -> tuple[int, dict[str, Any]]:
    status, headers, body = get(port, "/healthz")
    assert headers["content-type"] == "application/json; charset=utf-8"
    assert headers["cache-control"] == "no-store"
    return status, json.loads(body)


def test_health_follows_the_passes(tmp_path: Path) -> None:
    clock = FakeClock()
    health = PassHealth(90, clock=clock, wall=lambda: 1_700_000_000.0)
    with running_server(tmp_path, health=health) as port:
        status, body = healthz(port)
        assert (status, body["status"], body["last_pass"]) == (200, "starting", None)
        clock.now += 91  # no pass finished within the allowed age
        assert healthz(port) == (503, {**body, "status": "stale"})

        health.record(ok=True, pending=2)
        status, body = healthz(port)
        assert status == 200
        assert body == {
            "status": "ok", "result": "ok", "last_pass": "2023-11-14T22:13:20Z",
            "age_seconds": 0.0, "pending": 2, "max_age_seconds": 90,
        }  # fmt: skip

        clock.now += 90  # exactly the allowed age: still fine
        assert healthz(port)[0] == 200
        clock.now += 1
        status, body = healthz(port)
        assert (status, body["status"], body["result"]) == (503, "stale", "ok")

        health.record(ok=False)  # a fresh pass, but a failed one
        status, body = healthz(port)
        assert (status, body["status"], body["result"]) == (503, "failing", "failed")

        health.record(ok=True)
        assert healthz(port)[0] == 200


def test_a_server_without_passes_is_healthy_and_says_why(tmp_path: Path) -> None:
    with running_server(tmp_path) as port:
        status, body = healthz(port)
    assert status == 200
    assert body["status"] == "ok"
    assert "only serves" in body["passes"]


def test_health_of_a_real_daemon(tmp_path: Path, config: Config) -> None:
    cfg = daemon_config(tmp_path, config)
    cfg.paths.state.parent.mkdir(parents=True)
    cfg.paths.state.mkdir()  # the database path is a folder: every pass fails...
    daemon = Daemon(cfg)
    daemon.start()
    try:
        with running_server(cfg.paths.out, health=daemon.health) as port:
            eventually(lambda: daemon.passes >= 1)
            status, body = healthz(port)
            assert (status, body["result"]) == (503, "failed")
            cfg.paths.state.rmdir()  # ...until it is fixed
            (cfg.paths.seeds / "a.txt").write_text(seed_text(3), encoding="utf-8")
            eventually(lambda: healthz(port)[0] == 200)
            status, body = healthz(port)
            assert (body["status"], body["result"]) == ("ok", "ok")
    finally:
        daemon.stop()


def test_max_age_defaults_to_three_passes_and_can_be_set(tmp_path: Path) -> None:
    assert health_max_age(Config().run) == 90  # three 30 s intervals
    config = tmp_path / "refeed.toml"
    config.write_text('[run]\ncron = "*/5 * * * *"\n', encoding="utf-8")
    assert health_max_age(load_config(config).run) == 900
    config.write_text("[run]\ninterval_seconds = 5\n", encoding="utf-8")
    assert health_max_age(load_config(config).run) == 60  # never less than a minute
    config.write_text("[run]\nhealth_max_age_seconds = 42\n", encoding="utf-8")
    assert health_max_age(load_config(config).run) == 42
    config.write_text("[run]\nhealth_max_age_seconds = -1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"run\.health_max_age_seconds"):
        load_config(config)
