"""WebSub publishing against a real hub stub on loopback: what is sent, when it is retried,
and that a hub that fails, hangs or asks to wait never costs the feeds."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from contextlib import closing
from dataclasses import replace
from datetime import timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import click.testing
import pytest
from click.testing import CliRunner

from refeed.cli import cli
from refeed.config import Config, WebSubSettings, load_config
from refeed.errors import ConfigError
from refeed.service.daemon import Daemon
from refeed.service.websub import deliver_pings, format_pings, parse_retry_after
from refeed.state.pings import all_pings, queue_pings
from refeed.state.store import Store, open_store

from .conftest import NOW, TEST_CONFIG, VALID_SEEDS
from .hubstub import Answer, Hub, running_hub

BASE_URL = "https://feeds.example.org/refeed/"  # tests/data/refeed.toml
TOPIC = BASE_URL + "all.atom"
FORM = "application/x-www-form-urlencoded"


def settings(*hubs: Hub, **options: Any) -> WebSubSettings:
    return WebSubSettings(hubs=tuple(h.url for h in hubs), timeout_seconds=2.0, **options)


def config_file(root: Path, websub: str) -> Path:
    path = root / "refeed.toml"
    path.write_text(TEST_CONFIG.read_text(encoding="utf-8") + "\n[websub]\n" + websub + "\n")
    return path


def build(root: Path, config: Path) -> click.testing.Result:
    """`refeed build` in-process, with its seeds, feeds and state under `root`."""
    args = ["build", "--seeds", str(root / "seeds"), "--out", str(root / "feeds")]
    args += ["--state", str(root / "state.sqlite"), "--config", str(config)]
    return CliRunner().invoke(cli, args, catch_exceptions=False)


def feed_bytes(folder: Path) -> dict[str, bytes]:
    """The subscription documents in `folder` (pages and the OPML are no WebSub topics)."""
    feeds = (p for p in sorted(folder.iterdir()) if p.suffix in (".atom", ".rss", ".json"))
    return {p.name: p.read_bytes() for p in feeds}


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = open_store(tmp_path / "state.sqlite")
    yield store
    store.close()


# -- what a pass announces -------------------------------------------------------------------


def test_every_changed_feed_is_announced_to_every_hub_as_a_form_post(tmp_path: Path) -> None:
    shutil.copytree(VALID_SEEDS, tmp_path / "seeds")
    with running_hub() as one, running_hub(Answer(202)) as two:
        cfg = config_file(tmp_path, f'hubs = ["{one.url}", "{two.url}"]')
        assert build(tmp_path, cfg).exit_code == 0
        topics = sorted(BASE_URL + name for name in feed_bytes(tmp_path / "feeds"))
        assert len(topics) == 15  # 5 feeds, 3 formats each
        for hub in (one, two):
            assert sorted(hub.topics()) == topics
            for request in hub.received:
                assert (request.method, request.path, request.content_type) == (
                    "POST",
                    "/hub",
                    FORM,
                )
                topic = request.form["hub.topic"]
                assert request.form == {
                    "hub.mode": ["publish"],
                    "hub.url": topic,
                    "hub.topic": topic,
                }
    with _open(tmp_path) as store:
        assert all_pings(store) == []  # all delivered


def test_unchanged_feeds_are_not_announced_and_a_change_announces_only_its_feeds(
    tmp_path: Path,
) -> None:
    seeds = tmp_path / "seeds"
    shutil.copytree(VALID_SEEDS, seeds)
    with running_hub() as hub:
        cfg = config_file(tmp_path, f'hubs = ["{hub.url}"]')
        build(tmp_path, cfg)
        before = feed_bytes(tmp_path / "feeds")
        hub.received.clear()
        assert build(tmp_path, cfg).exit_code == 0
        assert hub.received == []  # nothing changed: no ping

        seed = seeds / "000_ebac911fd3aa736d.txt"
        lines = seed.read_text(encoding="utf-8").split("\n")
        lines[1] = lines[1].replace("[", "[改过的 ", 1)
        seed.write_text("\n".join(lines), encoding="utf-8")
        assert build(tmp_path, cfg).exit_code == 0
        after = feed_bytes(tmp_path / "feeds")
        changed = sorted(BASE_URL + n for n in after if after[n] != before.get(n))
        assert 0 < len(changed) < len(after)
        assert sorted(hub.topics()) == changed


# -- a hub that hangs, fails or asks to wait ------------------------------------------------


def test_a_hung_hub_costs_one_timeout_and_never_the_feeds(tmp_path: Path) -> None:
    shutil.copytree(VALID_SEEDS, tmp_path / "seeds")
    with running_hub(Answer(hang=True)) as hung, running_hub() as healthy:
        cfg = config_file(
            tmp_path, f'hubs = ["{hung.url}", "{healthy.url}"]\ntimeout_seconds = 0.5'
        )
        started = time.monotonic()
        result = build(tmp_path, cfg)
        elapsed = time.monotonic() - started
        assert result.exit_code == 0
        assert "22 files written" in result.stdout  # 15 feeds, 5 pages, index.html, .opml
        assert len(feed_bytes(tmp_path / "feeds")) == 15
        assert len(healthy.received) == 15  # the hung hub did not starve the other one
        assert len(hung.received) == 1  # it got one try; its other pings wait for a later pass
    # Generous: without the timeout the build would wait for the stub's 60 s hang.
    assert elapsed < 30
    with _open(tmp_path) as store:
        owed = all_pings(store)
    assert [(p.hub, p.failed) for p in owed] == [(hung.url, False)] * 15
    assert sorted(p.attempts for p in owed) == [0] * 14 + [1]
    assert "timed out" in str([p.last_error for p in owed])
    assert len({p.next_attempt for p in owed}) == 1  # all wait for the hub's backoff


def test_a_failed_ping_is_retried_on_time_by_a_new_store_after_a_restart(tmp_path: Path) -> None:
    with running_hub() as hub:
        hub.script = [Answer(500), Answer(500)]
        ws = settings(hub)
        with _open(tmp_path) as store:
            report = deliver_pings(store, ws, [TOPIC], NOW)
        assert (report.sent, report.retrying, report.pending) == (0, 1, 1)
        # The process is gone; a cron build later opens the same file.
        retries = [(59, 0), (60, 1), (60 + 119, 0), (60 + 120, 1)]  # backoff 60 s, then 120 s
        for seconds, expected_sent in retries:
            with _open(tmp_path) as store:
                before = len(hub.received)
                report = deliver_pings(store, ws, [], NOW + timedelta(seconds=seconds))
                assert len(hub.received) - before == expected_sent, seconds
        assert report.sent == 1
        assert len(hub.received) == 3
        with _open(tmp_path) as store:
            assert all_pings(store) == []


@pytest.mark.parametrize(
    ("retry_after", "wait"),
    [
        pytest.param("300", timedelta(seconds=300), id="seconds"),
        pytest.param(
            format_datetime(NOW + timedelta(minutes=45), usegmt=True),
            timedelta(minutes=45),
            id="http-date",
        ),
        pytest.param("86400", timedelta(hours=1), id="capped-at-max-retry"),
    ],
)
def test_retry_after_is_honoured(store: Store, retry_after: str, wait: timedelta) -> None:
    with running_hub() as hub:
        hub.script = [Answer(503, (("Retry-After", retry_after),))]
        ws = settings(hub)
        deliver_pings(store, ws, [TOPIC], NOW)
        (ping,) = all_pings(store)
        assert ping.next_attempt == NOW + wait  # not the 60 s backoff
        assert ping.last_error == "HTTP 503"
        deliver_pings(store, ws, [], NOW + wait - timedelta(seconds=1))
        assert len(hub.received) == 1
        report = deliver_pings(store, ws, [], NOW + wait)
        assert (report.sent, len(hub.received), all_pings(store)) == (1, 2, [])


def test_retry_after_forms() -> None:
    assert parse_retry_after("120", NOW) == NOW + timedelta(seconds=120)
    assert parse_retry_after(" 0 ", NOW) == NOW
    assert parse_retry_after("Sat, 21 Nov 2026 12:10:00 GMT", NOW) == NOW + timedelta(minutes=10)
    assert parse_retry_after("Sat, 21 Nov 2026 11:00:00 GMT", NOW) == NOW  # past: now
    for unreadable in (None, "", "soon", "-5", "1.5"):
        assert parse_retry_after(unreadable, NOW) is None


def test_a_newer_publish_coalesces_with_the_ping_still_owed(store: Store) -> None:
    with running_hub(Answer(500)) as hub:
        ws = settings(hub)
        deliver_pings(store, ws, [TOPIC], NOW)
        deliver_pings(store, ws, [], NOW + timedelta(seconds=60))
        assert [p.attempts for p in all_pings(store)] == [2]
        later = NOW + timedelta(seconds=90)
        deliver_pings(store, ws, [TOPIC, BASE_URL + "rfi-cn.atom"], later, budget=0)
        owed = all_pings(store)
        assert [(p.topic, p.attempts, p.next_attempt) for p in owed] == [
            (BASE_URL + "all.atom", 0, later),
            (BASE_URL + "rfi-cn.atom", 0, later),
        ]  # one row per (hub, topic), due at once, the backoff forgotten
        assert owed[0].last_error == "HTTP 500"  # ...but not why it failed, until a success
        assert len(hub.received) == 2


def test_max_attempts_mark_a_ping_failed_until_a_later_publish_delivers(store: Store) -> None:
    with running_hub(Answer(500)) as hub:
        ws = settings(hub, max_attempts=3)
        for seconds in (0, 60, 180):
            report = deliver_pings(
                store, ws, [TOPIC] if seconds == 0 else [], NOW + timedelta(seconds=seconds)
            )
        assert (report.failed, report.pending) == (1, 0)
        (ping,) = all_pings(store)
        assert (ping.failed, ping.attempts) == (True, 3)
        assert format_pings([ping]) == [f"ping failed  {TOPIC} -> {hub.url} (3 attempts): HTTP 500"]
        deliver_pings(store, ws, [], NOW + timedelta(days=30))
        assert len(hub.received) == 3  # given up: no more tries

        hub.default = Answer(204)
        report = deliver_pings(store, ws, [TOPIC], NOW + timedelta(days=31))
        assert (report.sent, all_pings(store)) == (1, [])


@pytest.mark.parametrize(
    ("status", "failed"), [(400, True), (404, True), (410, True), (429, False), (502, False)]
)
def test_a_refusal_fails_at_once_and_an_overload_is_retried(
    store: Store, status: int, failed: bool
) -> None:
    with running_hub(Answer(status)) as hub:
        deliver_pings(store, settings(hub), [TOPIC], NOW)
        (ping,) = all_pings(store)
        assert (ping.failed, ping.attempts, ping.last_error) == (failed, 1, f"HTTP {status}")


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_is_not_followed(store: Store, status: int) -> None:
    """urllib would follow 301-303 with a bodiless GET and count the GET's 2xx as delivered."""
    with running_hub() as target, running_hub() as hub:
        hub.default = Answer(status, (("Location", target.url),))
        deliver_pings(store, settings(hub), [TOPIC], NOW)
        assert target.received == []
        (ping,) = all_pings(store)
        assert ping.failed
        assert ping.last_error == f"HTTP {status} (redirect to {target.url}: not followed)"


def test_a_dead_hub_is_a_retry(store: Store) -> None:
    with running_hub() as hub:
        dead = hub.url
    report = deliver_pings(store, WebSubSettings(hubs=(dead,), timeout_seconds=2.0), [TOPIC], NOW)
    assert (report.retrying, report.pending) == (1, 1)
    assert "no answer" in str(all_pings(store)[0].last_error)


def test_what_the_budget_does_not_reach_waits_for_the_next_pass(store: Store) -> None:
    with running_hub() as hub:
        ws = settings(hub)
        report = deliver_pings(store, ws, [TOPIC], NOW, budget=0)
        assert (report.queued, report.sent, report.pending, hub.received) == (1, 0, 1, [])
        report = deliver_pings(store, ws, [], NOW + timedelta(seconds=1))
        assert (report.sent, report.pending) == (1, 0)


def test_pings_owed_to_a_hub_no_longer_configured_are_dropped(store: Store) -> None:
    with running_hub(Answer(500)) as old, running_hub() as new:
        deliver_pings(store, settings(old), [TOPIC], NOW)
        deliver_pings(store, settings(new), [], NOW + timedelta(hours=2))
        assert all_pings(store) == []
        assert new.received == []  # nothing was published since it was added


def test_status_lists_pending_and_failed_pings_from_a_read_only_state(tmp_path: Path) -> None:
    with running_hub() as hub:
        hub.script = [Answer(503), Answer(400)]
        with _open(tmp_path) as store:
            deliver_pings(store, settings(hub), [TOPIC, BASE_URL + "rfi-cn.atom"], NOW)
    readonly = open_store(tmp_path / "state.sqlite", readonly=True)
    try:
        lines = format_pings(all_pings(readonly))
    finally:
        readonly.close()
    retry = (NOW + timedelta(seconds=60)).isoformat()
    assert lines == [
        f"ping pending {TOPIC} -> {hub.url} (1 attempt, next {retry}): HTTP 503",
        f"ping failed  {BASE_URL}rfi-cn.atom -> {hub.url} (1 attempt): HTTP 400",
    ]


def test_a_state_from_before_pings_reads_as_none_owed(tmp_path: Path) -> None:
    with _open(tmp_path) as store:
        store.db.execute("DROP TABLE pings")
        store.db.commit()
    readonly = open_store(tmp_path / "state.sqlite", readonly=True)
    try:
        assert all_pings(readonly) == []
    finally:
        readonly.close()
    with _open(tmp_path) as store:  # a writable open adds the table back
        queue_pings(store, ["https://hub.example.org/"], [TOPIC], NOW)
        assert len(all_pings(store)) == 1


# -- the daemon's pass ----------------------------------------------------------------------


def test_the_daemon_pass_announces_what_it_wrote(tmp_path: Path, config: Config) -> None:
    with running_hub() as hub:
        shutil.copytree(VALID_SEEDS, tmp_path / "seeds")
        paths = replace(config.paths, seeds=tmp_path / "seeds", out=tmp_path / "feeds",
                        state=tmp_path / "state.sqlite")  # fmt: skip
        cfg = replace(config, paths=paths, run=replace(config.run, watch=False),
                      websub=settings(hub))  # fmt: skip
        daemon = Daemon(cfg)
        try:
            daemon.run_once()
            assert sorted(hub.topics()) == sorted(BASE_URL + n for n in feed_bytes(paths.out))
            daemon.run_once()
            assert len(hub.received) == 15
        finally:
            daemon.stop()


# -- configuration --------------------------------------------------------------------------


def test_websub_config_is_read(tmp_path: Path) -> None:
    path = config_file(tmp_path, 'hubs = ["https://hub.example.org/", "http://h.example/p?x=1"]\n'
                                 "timeout_seconds = 2\nmax_attempts = 4")  # fmt: skip
    ws = load_config(path).websub
    assert ws.hubs == ("https://hub.example.org/", "http://h.example/p?x=1")
    assert (ws.timeout_seconds, ws.max_attempts, ws.retry_seconds) == (2.0, 4, 60.0)
    assert load_config(TEST_CONFIG).websub == WebSubSettings()  # no hubs: nothing is sent


@pytest.mark.parametrize(
    ("text", "key", "message"),
    [
        ('hubs = ["hub.example.org"]', "websub.hubs[0]", "not an absolute http(s) URL"),
        ('hubs = ["ftp://hub.example.org/"]', "websub.hubs[0]", "not an absolute http(s) URL"),
        ('hubs = ["https://a.example/", "https://a.example/"]', "websub.hubs[1]", "twice"),
        ('hubs = ["https://a.example/#x"]', "websub.hubs[0]", "fragment"),
        ('hubs = "https://a.example/"', "websub.hubs", "must be a list"),
        ("timeout_seconds = 0", "websub.timeout_seconds", "above 0"),
        ("budget_seconds = -1", "websub.budget_seconds", "above 0"),
        ("max_attempts = 0", "websub.max_attempts", "at least 1"),
        ("retry_seconds = 10\nmax_retry_seconds = 5", "websub.max_retry_seconds", "less than"),
        ("hub = []", "websub.hub", "unknown key"),
    ],
)
def test_websub_config_errors_name_the_key(
    tmp_path: Path, text: str, key: str, message: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(config_file(tmp_path, text))
    assert key in str(caught.value)
    assert message in str(caught.value)


def _open(root: Path) -> closing[Store]:
    """A fresh Store on the state file under `root`, as a new process would open it."""
    return closing(open_store(root / "state.sqlite"))
