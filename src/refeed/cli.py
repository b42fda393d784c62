"""The `refeed` command. Parses arguments and maps outcomes to exit codes; no logic of its own.

Exit codes: 0 done; 1 some seed files are rejected (the rest is published); 2 usage or
configuration error; 3 another refeed holds the state lock.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from refeed import __version__
from refeed.config import COMBINED_NAME, DEFAULT_CONFIG_PATH, Config, load_config
from refeed.errors import ConfigError, LockedError
from refeed.output.formats import FEED_FORMATS
from refeed.pipeline import (
    PassReport,
    Progress,
    describe_pass,
    last_pass,
    published_counts,
    recorded_libraries,
    run_pass,
)
from refeed.service.lock import state_lock
from refeed.state.pings import all_pings, owes_pings
from refeed.state.store import Store, open_store

EXIT_OK, EXIT_REJECTED, EXIT_USAGE, EXIT_LOCKED = 0, 1, 2, 3
log = logging.getLogger("refeed")

_dir = click.Path(file_okay=False, path_type=Path)
_file = click.Path(dir_okay=False, path_type=Path)
PROGRESS_MIN = 100  # files to ingest before a progress display is worth it


JOBS_HELP = "Worker processes for large passes, 0 for one per core [config run.jobs: 0]."
# Options more than one command takes, each defined once.
config_option = click.option(
    "--config", "config_path", type=_file,
    help=f"Config file [default: {DEFAULT_CONFIG_PATH} if it exists].",
)  # fmt: skip
seeds_option = click.option(
    "--seeds", "seeds", type=_dir, help="Folder of seed files [config paths.seeds: seeds]."
)
out_option = click.option(
    "--out", "out", type=_dir, help="Folder the feeds are written to [config paths.out: feeds]."
)
state_option = click.option(
    "--state", "state", type=_file, help="State database [config paths.state: state/refeed.sqlite]."
)
host_option = click.option("--host", help="Address to serve on [config run.host: 127.0.0.1].")
port_option = click.option(
    "--port", type=click.IntRange(0, 65535),
    help="Port to serve on, 0 for any free one [config run.port: 8080].",
)  # fmt: skip


def _paths_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """--seeds/--out/--state/--config, shared by the commands that read the seeds."""
    return seeds_option(out_option(state_option(config_option(fn))))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="refeed")
@click.option("-v", "--verbose", is_flag=True, help="Log every pass and more detail.")
def cli(verbose: bool) -> None:
    """refeed turns a folder of archived articles (seed files) into clean Atom feeds."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s refeed: %(message)s",
        datefmt="%Y-%m-%dT%H:%M:%S%z",
        stream=sys.stderr,
    )


@cli.command("build")
@_paths_options
@click.option(
    "--full", is_flag=True, help="Forget the state and rebuild everything from the seeds."
)
@click.option("--jobs", type=click.IntRange(min=0), help=JOBS_HELP)
def build_command(full: bool, **paths: Any) -> None:
    """Bring the feeds up to date with the seed files, once, and exit.

    Only new, changed and removed files cost work; the feeds whose entries changed are
    rewritten. Prints a one-line summary, then a line for each merge this build made (files
    with the same URL: one entry); every rejected file is named on stderr with why.
    """
    config = _load(paths)
    _require_seeds(config)
    with _locked(config), _store(config) as store:
        report = run_pass(
            config.paths.seeds, config.paths.out, config, store, datetime.now(UTC),
            full=full, progress=_progress(),
        )  # fmt: skip
        rejected = store.rejections()
        log.info("%s", report.log_line())
        click.echo(_summary(report, store, config))
        for merge in report.merged:
            click.echo(f"refeed: {merge.describe()}")
        if config.websub.hubs or owes_pings(store):  # else no HTTP client is imported
            from refeed.service.websub import deliver_pings, topic_urls  # after the feeds are out

            topics = topic_urls(config.base_url, report.written)
            pings = deliver_pings(store, config.websub, topics, datetime.now(UTC))
            if pings.active:
                log.info("%s", pings.log_line())
    for rejection in rejected:
        click.echo(
            f"refeed: rejected {config.paths.seeds / rejection.seed}: {rejection.reason}", err=True
        )
    sys.exit(EXIT_REJECTED if rejected else EXIT_OK)


@cli.command("run")
@_paths_options
@click.option(
    "--interval",
    type=click.FloatRange(min=0, min_open=True),
    help="Seconds between passes [config run.interval_seconds: 30].",
)
@click.option(
    "--cron", help="Crontab expression for passes instead of an interval [config run.cron]."
)
@click.option(
    "--settle",
    type=click.FloatRange(min=0),
    help="Seconds a file must stay unchanged before it is taken [config run.settle_seconds: 2].",
)
@host_option
@port_option
@click.option(
    "--serve/--no-serve", default=None, help="Serve the feeds over HTTP [config run.serve: on]."
)
@click.option("--full", is_flag=True, help="Make the first pass a full rebuild.")
@click.option("--jobs", type=click.IntRange(min=0), help=JOBS_HELP)
def run_command(full: bool, **options: Any) -> None:
    """Watch the seeds folder and keep the feeds up to date until SIGTERM/SIGINT.

    Passes run on a schedule (APScheduler); a new seed file is published within interval +
    settle seconds. The feeds are served over HTTP at the same time unless --no-serve.
    """  # fmt: skip
    config = _load(options)
    _require_seeds(config)
    from refeed.service.daemon import run_daemon

    log.setLevel(min(log.getEffectiveLevel(), logging.INFO))  # a daemon logs every pass
    with _locked(config):
        run_daemon(config, serve=config.run.serve, full_first=full)


@cli.command("serve")
@out_option
@host_option
@port_option
@config_option
def serve_command(**options: Any) -> None:
    """Serve the feeds folder over HTTP, without watching the seeds, until SIGTERM/SIGINT."""
    from refeed.service.daemon import cache_seconds, stop_on_signals
    from refeed.service.serve import serve

    config = _load(options)
    run = config.run
    max_age = cache_seconds(run.cron, run.interval_seconds)
    serve(config.paths.out, run.host, run.port, max_age, stop_on_signals(),
          base_url=config.base_url, hubs=config.websub.hubs)  # fmt: skip


@cli.command("status")
@state_option
@config_option
@click.option("--json", "as_json", is_flag=True, help="One JSON object, for scripts.")
def status_command(as_json: bool, **options: Any) -> None:
    """Show what the state knows: feeds, entries, the last pass, rejected and merged files.

    --json prints the same as one JSON object, keys in a fixed order: state, seed_files,
    entries, rejected [{path, reason}], merges [{url, files, winner}], feeds [{name, entries,
    newest}], last_pass {time, result, counts, files_written, seconds} (null before the first),
    pings [{hub, topic, attempts, failed, next_attempt, last_error}] (WebSub pings owed).
    """
    config = _load(options)
    try:
        store = open_store(config.paths.state, readonly=True)
    except FileNotFoundError:
        raise click.UsageError(
            f"no state at {config.paths.state}: run `refeed build` first"
        ) from None
    try:
        status = _status(store, config)
    finally:
        store.close()
    if as_json:
        click.echo(json.dumps(status, ensure_ascii=False, indent=2))
        return
    click.echo(f"state: {status['state']}")
    click.echo(
        f"seed files: {status['seed_files']} ({len(status['rejected'])} rejected, "
        f"{len(status['merges'])} URLs merged); entries: {status['entries']}"
    )
    last = status["last_pass"]
    click.echo(f"last pass: {describe_pass(last) if last else 'none'}")
    libraries = ", ".join(f"{name} {version}" for name, version in status["libraries"].items())
    click.echo(f"libraries: {libraries or 'none recorded'}")
    for feed in status["feeds"]:
        click.echo(f"  {feed['name']:32} {feed['entries']:5} entries  newest {feed['newest']}")
    for merge in status["merges"]:
        click.echo(f"merged {', '.join(merge['files'])}: {merge['winner']} is published")
    for rejection in status["rejected"]:
        click.echo(f"rejected {rejection['path']}: {rejection['reason']}")
    for ping in status["pings"]:
        state = "failed " if ping["failed"] else f"pending, next {ping['next_attempt']}"
        error = f": {ping['last_error']}" if ping["last_error"] else ""
        tries = f"{ping['attempts']} tries"
        click.echo(f"ping {state} {ping['topic']} -> {ping['hub']} ({tries}){error}")


def _status(store: Store, config: Config) -> dict[str, Any]:
    """What `refeed status` shows, in the order it shows it."""
    tallies = store.tallies()
    from refeed.output.feeds import feed_counts  # live: the config may have changed since

    counts = feed_counts(store, config)  # by file name in the first enabled format
    suffix = FEED_FORMATS[config.outputs.formats[0]].suffix
    newest = {s.source + suffix: s.newest.isoformat() for s in store.source_stats()}
    if newest:
        newest[COMBINED_NAME + suffix] = max(newest.values())
    for derived in config.feeds:  # the top of a derived feed's window
        top = store.member_entries(derived.name, 1)
        if top:
            newest[derived.name + suffix] = top[0].updated.isoformat()
    combined_last = sorted(counts, key=lambda name: name == COMBINED_NAME + suffix)
    feeds: list[dict[str, Any]] = [
        {"name": name, "entries": counts[name], "newest": newest.get(name)}
        for name in combined_last
    ]
    return {
        "state": str(config.paths.state),
        "seed_files": tallies.seeds,
        "entries": tallies.entries,
        "rejected": [{"path": r.seed, "reason": r.reason} for r in store.rejections()],
        "merges": [
            {"url": m.url, "files": list(m.files), "winner": m.winner} for m in store.merges()
        ],
        "feeds": feeds,
        "last_pass": last_pass(store),
        "pings": [  # WebSub pings still owed to a hub, or given up on
            {
                "hub": p.hub,
                "topic": p.topic,
                "attempts": p.attempts,
                "failed": p.failed,
                "next_attempt": p.next_attempt.isoformat(timespec="seconds"),
                "last_error": p.last_error,
            }
            for p in all_pings(store)
        ],
        "libraries": recorded_libraries(store),  # what cleaned and rendered what is served
    }


def _load(options: dict[str, Any]) -> Config:
    """The config file with command-line options laid over it."""
    path = options.pop("config_path", None)
    try:
        if path is not None:
            config = load_config(path)
        elif DEFAULT_CONFIG_PATH.exists():
            config = load_config(DEFAULT_CONFIG_PATH)
        else:
            config = Config()
    except ConfigError as exc:
        raise click.UsageError(f"config: {exc}") from exc
    given = {k: v for k, v in options.items() if v is not None}
    paths = {k: given.pop(k) for k in ("seeds", "out", "state") if k in given}
    run_keys = {"interval": "interval_seconds", "settle": "settle_seconds", "cron": "cron",
                "host": "host", "port": "port", "serve": "serve", "jobs": "jobs"}  # fmt: skip
    run = {run_keys[k]: given.pop(k) for k in list(given) if k in run_keys}
    return replace(config, paths=replace(config.paths, **paths), run=replace(config.run, **run))


def _require_seeds(config: Config) -> None:
    """The commands that read seeds refuse to start without the folder (exit 2)."""
    if not config.paths.seeds.is_dir():
        hint = "--seeds / paths.seeds"
        raise click.BadParameter(f"{config.paths.seeds} is not a folder", param_hint=hint)


@contextmanager
def _locked(config: Config) -> Iterator[None]:
    try:
        with state_lock(config.paths.state, config.run.lock_wait_seconds):
            yield
    except LockedError as exc:
        click.echo(f"refeed: {exc}", err=True)
        sys.exit(EXIT_LOCKED)


@contextmanager
def _store(config: Config) -> Iterator[Store]:
    store = open_store(config.paths.state)
    try:
        yield store
    finally:
        store.close()


def _progress() -> Progress:
    """A progress bar on a terminal, a log line every 10% otherwise; silent for small work."""
    bar: Any = None
    step = 0

    def show(done: int, total: int) -> None:
        nonlocal bar, step
        if total < PROGRESS_MIN:
            return
        if sys.stderr.isatty():
            if bar is None:
                bar = click.progressbar(length=total, label="ingesting", file=sys.stderr)
                bar.__enter__()
            bar.update(1)
            if done == total:
                bar.__exit__(None, None, None)
        elif done * 10 // total > step or done == total:
            step = done * 10 // total
            click.echo(f"refeed: ingested {done}/{total} seed files", err=True)

    return show


def _summary(report: PassReport, store: Store, config: Config) -> str:
    """The build's line: what this pass saw, then the state as it now stands (from the
    store's tallies and what the last render published: no table is counted)."""
    counts = published_counts(store, config)
    feeds = ", ".join(f"{name} {n}" for name, n in sorted(counts.items()))
    tallies = store.tallies()
    parts = [
        f"{report.seen} seed files ({report.new} new, {report.changed} changed, "
        f"{report.removed} removed, {report.renamed} renamed)",
        f"{tallies.rejected} rejected",
    ]
    if tallies.merged:
        listed = f"{len(report.merged)} new, listed below" if report.merged else "see status"
        parts.append(f"{tallies.merged} merged into another file's entry (same URL; {listed})")
    if report.pending:
        parts.append(f"{report.pending} still being written")
    parts.append(f"published to {config.paths.out}/: {feeds or 'nothing'}")
    parts.append(f"{len(report.written) + len(report.deleted)} files written")
    return "refeed build: " + "; ".join(parts)


def main() -> None:
    cli(prog_name="refeed")
