"""GET /metrics on the real server, read by Prometheus' own text-format parser: what the
daemon's passes did, entries per feed, and requests (304s included) by feed."""

from __future__ import annotations

import json
import signal
from dataclasses import replace
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from refeed.config import Config, Paths
from refeed.service.daemon import Daemon
from refeed.service.metrics import Metrics

from .corpus import seed_text
from .processes import Refeed, eventually, write_config
from .servers import get, running_server

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scrape(port: int) -> Samples:
    status, headers, body = get(port, "/metrics")
    assert status == 200
    assert headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    assert headers["cache-control"] == "no-store"
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(body.decode("utf-8"))
        for s in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float | None:
    return samples.get((name, tuple(sorted(labels.items()))))


def daemon_config(root: Path, config: Config) -> Config:
    paths = Paths(root / "seeds", root / "feeds", root / "state" / "refeed.sqlite")
    paths.seeds.mkdir(parents=True, exist_ok=True)
    run = replace(config.run, interval_seconds=0.2, settle_seconds=0.3)
    return replace(config, paths=paths, run=run)


def test_metrics_follow_the_daemons_passes(tmp_path: Path, config: Config) -> None:
    cfg = daemon_config(tmp_path, config)
    daemon = Daemon(cfg)
    daemon.start()
    try:
        with running_server(cfg.paths.out, health=daemon.health, metrics=daemon.metrics) as port:
            (cfg.paths.seeds / "a.txt").write_text(seed_text(0), encoding="utf-8")  # rfi-cn
            (cfg.paths.seeds / "b.txt").write_text(seed_text(1), encoding="utf-8")  # nytimes
            eventually(lambda: value(scrape(port), "refeed_feed_entries", feed="all") == 2)
            m = scrape(port)
            assert value(m, "refeed_feed_entries", feed="rfi-cn") == 1
            assert value(m, "refeed_feed_entries", feed="nytimes-cn") == 1
            assert value(m, "refeed_seed_files_total", change="new") == 2
            assert value(m, "refeed_seed_files_total", change="rejected") == 0
            assert value(m, "refeed_passes_total", result="failed") == 0
            ok = value(m, "refeed_passes_total", result="ok")
            assert ok is not None
            assert ok >= 1
            assert value(m, "refeed_pass_duration_seconds_count") == ok
            assert (value(m, "refeed_seed_files_seen_total") or 0) >= 2
            assert (value(m, "refeed_feed_files_written_total") or 0) >= 3
            assert (value(m, "refeed_last_success_timestamp_seconds") or 0) > 1.7e9

            (cfg.paths.seeds / "bad.txt").write_text("not a seed file", encoding="utf-8")
            (cfg.paths.seeds / "b.txt").unlink()
            eventually(
                lambda: value(scrape(port), "refeed_seed_files_total", change="rejected") == 1
            )
            m = scrape(port)
            assert value(m, "refeed_feed_entries", feed="all") == 1
            assert value(m, "refeed_feed_entries", feed="nytimes-cn") is None  # feed is gone
            assert value(m, "refeed_seed_files_total", change="removed") == 1
            assert value(m, "refeed_seed_files_total", change="rejected") == 1
            assert (value(m, "refeed_feed_files_removed_total") or 0) >= 1
    finally:
        daemon.stop()


def test_requests_and_304s_are_counted_by_feed(tmp_path: Path) -> None:
    (tmp_path / "all.atom").write_text("<feed/>", encoding="utf-8")
    metrics = Metrics()
    with running_server(tmp_path, metrics=metrics) as port:
        etag = get(port, "/all.atom")[1]["etag"]
        assert get(port, "/./all.atom", {"If-None-Match": etag})[0] == 304
        assert get(port, "/all.atom", {"If-None-Match": etag})[0] == 304
        for path in ("/nope.atom", "/nope-2.atom", "/.all.atom.x.tmp"):
            assert get(port, path)[0] == 404
        m = scrape(port)
    assert value(m, "refeed_http_requests_total", feed="all.atom", code="200") == 1
    assert value(m, "refeed_http_requests_total", feed="all.atom", code="304") == 2
    assert value(m, "refeed_http_requests_total", feed="other", code="404") == 3
    feeds = {dict(labels).get("feed") for name, labels in m if name.startswith("refeed_http")}
    assert feeds == {"all.atom", "other"}  # what clients ask for never becomes a label


def test_two_apps_in_one_process_count_apart(tmp_path: Path) -> None:
    (tmp_path / "all.atom").write_text("<feed/>", encoding="utf-8")
    with running_server(tmp_path) as first, running_server(tmp_path) as second:
        get(first, "/all.atom")
        assert value(scrape(first), "refeed_http_requests_total", feed="all.atom", code="200")
        m = scrape(second)
    assert value(m, "refeed_http_requests_total", feed="all.atom", code="200") is None
    assert value(m, "refeed_passes_total", result="ok") is None  # no passes run by a server


def test_refeed_run_serves_health_metrics_and_self_links(tmp_path: Path, config: Config) -> None:
    config_file = write_config(tmp_path, interval_seconds=0.2, settle_seconds=0.3, port=0)
    (tmp_path / "seeds").mkdir()
    (tmp_path / "seeds" / "a.txt").write_text(seed_text(0), encoding="utf-8")
    daemon = Refeed("run", "--config", str(config_file), cwd=tmp_path)
    try:
        port = int(daemon.wait_for_line(r"serving .* on http://127\.0\.0\.1:(\d+)/").group(1))
        eventually(lambda: get(port, "/all.atom")[0] == 200)
        assert get(port, "/all.atom")[1]["link"] == f'<{config.base_url}all.atom>; rel="self"'
        # the feeds are written inside the pass; the pass is recorded once it has finished
        eventually(lambda: json.loads(get(port, "/healthz")[2])["result"] == "ok")
        assert get(port, "/healthz")[0] == 200
        eventually(lambda: value(scrape(port), "refeed_feed_entries", feed="rfi-cn") == 1)
    finally:
        code = daemon.stop(signal.SIGTERM)
    assert code == 0, daemon.output()


def test_refeed_serve_says_it_runs_no_passes(tmp_path: Path, config: Config) -> None:
    config_file = write_config(tmp_path, port=0)
    (tmp_path / "feeds").mkdir()
    (tmp_path / "feeds" / "all.rss").write_text("<rss/>", encoding="utf-8")
    server = Refeed("serve", "--config", str(config_file), cwd=tmp_path)
    try:
        port = int(server.wait_for_line(r"serving .* on http://127\.0\.0\.1:(\d+)/").group(1))
        status, headers, _ = get(port, "/all.rss")
        assert (status, headers["link"]) == (200, f'<{config.base_url}all.rss>; rel="self"')
        status, _, body = get(port, "/healthz")
        assert (status, json.loads(body)["status"]) == (200, "ok")
        m = scrape(port)
        assert value(m, "refeed_http_requests_total", feed="all.rss", code="200") == 1
        assert not [name for name, _ in m if name.startswith("refeed_pass")]
    finally:
        code = server.stop(signal.SIGTERM)
    assert code == 0, server.output()
