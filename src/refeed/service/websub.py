"""WebSub publishing: tell every configured hub which subscription documents changed.

The only module that talks to hubs. A ping is a form POST (`hub.mode=publish`, the topic URL
as both `hub.url` and `hub.topic`: hubs differ on the name); a 2xx answer delivers it.
Pings are owed in the state (`Store.queue_pings`) before any is sent, so a hub that is slow,
down or refusing costs this pass at most the budget, never the feeds: what is not delivered
is retried by a later pass, or by the next `refeed build`, with exponential backoff and the
hub's `Retry-After`, until `max_attempts`, when it is marked failed for `refeed status`.

stdlib urllib.request is enough for one small POST per ping: no keep-alive, streaming or
HTTP/2 is needed, so a client library would not earn its place. Redirects are not followed
(urllib would turn a POST into a bodiless GET and take the GET's 200 for a delivery).
"""

from __future__ import annotations

import logging
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from http.client import HTTPException
from typing import Any
from urllib.parse import urlencode

from refeed import __version__
from refeed.config import WebSubSettings
from refeed.output.formats import FEED_FORMATS
from refeed.state.pings import (
    PingRow,
    all_pings,
    drop_pings_except,
    due_pings,
    ping_delivered,
    ping_missed,
    postpone_pings,
    queue_pings,
)
from refeed.state.store import Store

log = logging.getLogger(__name__)

USER_AGENT = f"refeed/{__version__} (WebSub publisher)"
JOIN_GRACE_SECONDS = 1.0  # past the budget, a hub's thread is abandoned, its pings kept owed
# 4xx answers that may succeed later; any other 3xx/4xx is the hub refusing the ping for good.
RETRYABLE_CLIENT_ERRORS = {408, 425, 429}


@dataclass
class PingReport:
    """What the pings of one pass did (the pass's log line; the metrics' counters)."""

    queued: int = 0  # (hub, topic) pings owed for this pass's changed documents
    sent: int = 0  # delivered: the hub answered 2xx
    retrying: int = 0  # an attempt failed; the ping is retried later
    failed: int = 0  # given up in this pass (max attempts, or refused)
    pending: int = 0  # still owed after this pass, not yet due or not reached included
    seconds: float = 0.0

    @property
    def active(self) -> bool:
        """Worth a log line: this pass owed or tried pings (not just some still waiting)."""
        return bool(self.queued or self.sent or self.retrying or self.failed)

    def log_line(self) -> str:
        return (
            f"websub: {self.sent} pings sent, {self.retrying} to retry, {self.failed} failed, "
            f"{self.pending} pending, {self.seconds:.3f}s"
        )


@dataclass(frozen=True)
class _Outcome:
    ping: PingRow
    error: str | None  # None: delivered
    retry_after: str | None = None  # the hub's Retry-After header, as sent
    permanent: bool = False
    unreachable: bool = False  # no HTTP answer at all: the hub's other pings wait


@dataclass
class _HubRun:
    """One hub's due pings, sent in order on a thread of their own."""

    pings: list[PingRow]
    outcomes: list[_Outcome] = field(default_factory=list)


def topic_urls(base_url: str, names: Iterable[str]) -> list[str]:
    """The topic URL of each written subscription document (its self link): base_url + file
    name. Pages, the OPML and archive pages (in a sub-folder) are no topics."""
    suffixes = tuple(f.suffix for f in FEED_FORMATS.values())
    return [base_url + name for name in names if "/" not in name and name.endswith(suffixes)]


def deliver_pings(
    store: Store,
    settings: WebSubSettings,
    topics: Sequence[str],
    now: datetime,
    *,
    budget: float | None = None,
) -> PingReport:
    """Owe every hub a ping for each of `topics`, then send every ping that is due.

    Call it after the feeds are written. Hubs are pinged in parallel, each hub's pings in
    order; a hub that does not answer at all costs one timeout, and its other pings wait
    with the one that found it down. Never raises for a hub's behaviour; `now` sets every
    retry time.
    `budget`: seconds for all the sending (default: settings.budget_seconds; 0: only queue).
    """
    started = time.monotonic()
    report = PingReport()
    with store.transaction():
        drop_pings_except(store, settings.hubs)
        queue_pings(store, settings.hubs, topics, now)
    report.queued = len(settings.hubs) * len(topics)
    budget = settings.budget_seconds if budget is None else budget
    due = due_pings(store, now) if budget > 0 else []
    if due:
        outcomes = _send_all(due, settings.timeout_seconds, started + budget)
        with store.transaction():
            for outcome in outcomes:
                _record(store, settings, outcome, now, report)
    report.pending = sum(1 for p in all_pings(store) if not p.failed)
    report.seconds = time.monotonic() - started
    return report


def _send_all(due: list[PingRow], timeout: float, deadline: float) -> list[_Outcome]:
    """Send on one thread per hub until `deadline`; a thread still stuck then is left
    behind (daemon thread) and its pings stay owed: a hub may get a ping twice, never none."""
    runs: dict[str, _HubRun] = {}
    for ping in due:
        runs.setdefault(ping.hub, _HubRun([])).pings.append(ping)
    threads = [
        threading.Thread(target=_send_hub, args=(run, timeout, deadline), daemon=True)
        for run in runs.values()
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()) + JOIN_GRACE_SECONDS)
    return [outcome for run in runs.values() for outcome in list(run.outcomes)]


def _send_hub(run: _HubRun, timeout: float, deadline: float) -> None:
    for ping in run.pings:
        left = deadline - time.monotonic()
        if left <= 0:
            return  # out of budget: the rest are owed to the next pass
        try:
            outcome = _send(ping, min(timeout, left))
        except Exception as exc:  # a surprise here must not leave the ping's fate unknown
            outcome = _Outcome(ping, f"no answer: {type(exc).__name__}: {exc}", unreachable=True)
        run.outcomes.append(outcome)
        if outcome.unreachable:
            return


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # the 3xx then surfaces as an HTTPError


_OPENER = urllib.request.build_opener(_NoRedirects)


def _send(ping: PingRow, timeout: float) -> _Outcome:
    """One publish POST. Each socket operation waits at most `timeout` seconds."""
    form = urlencode({"hub.mode": "publish", "hub.url": ping.topic, "hub.topic": ping.topic})
    request = urllib.request.Request(
        ping.hub,
        data=form.encode("ascii"),
        method="POST",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "User-Agent": USER_AGENT,
        },
    )
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        with exc:
            return _refused(ping, exc)
    except (OSError, HTTPException, ValueError) as exc:  # URLError, timeouts, resets
        reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
        return _Outcome(ping, f"no answer: {reason or type(exc).__name__}", unreachable=True)
    if 200 <= status < 300:
        return _Outcome(ping, None)
    return _Outcome(ping, f"HTTP {status}")  # 1xx: not an answer urllib should return


def _refused(ping: PingRow, exc: urllib.error.HTTPError) -> _Outcome:
    status = exc.code
    error = f"HTTP {status}"
    if 300 <= status < 400:
        error += f" (redirect to {exc.headers.get('Location', '?')}: not followed)"
    else:
        try:
            detail = exc.read(200).decode("utf-8", "replace").split()
        except (OSError, HTTPException):
            detail = []
        if detail:
            error += ": " + " ".join(detail)[:120]
    permanent = status < 500 and status not in RETRYABLE_CLIENT_ERRORS
    retry_after = exc.headers.get("Retry-After")
    return _Outcome(ping, error, retry_after=retry_after, permanent=permanent)


def parse_retry_after(value: str | None, now: datetime) -> datetime | None:
    """When `Retry-After` allows the next attempt: now + delta-seconds, or its HTTP-date
    (RFC 9110 10.2.3); None when absent or unreadable. A date in the past means now."""
    if value is None:
        return None
    text = value.strip()
    if text.isdigit():
        return now + timedelta(seconds=min(int(text), 10**9))
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # "-0000": UTC by RFC 5322
        when = when.replace(tzinfo=UTC)
    return max(now, when)


def backoff(settings: WebSubSettings, attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed attempt: retry_seconds, doubling, capped."""
    seconds = settings.retry_seconds * 2 ** min(attempts - 1, 62)
    return timedelta(seconds=min(seconds, settings.max_retry_seconds))


def _record(
    store: Store, settings: WebSubSettings, outcome: _Outcome, now: datetime, report: PingReport
) -> None:
    ping = outcome.ping
    if outcome.error is None:
        ping_delivered(store, ping.hub, ping.topic)
        report.sent += 1
        return
    attempts = ping.attempts + 1
    next_at = now + backoff(settings, attempts)
    asked = parse_retry_after(outcome.retry_after, now)
    if asked is not None:  # the hub's word replaces the backoff, within the same cap
        next_at = min(asked, now + timedelta(seconds=settings.max_retry_seconds))
    failed = outcome.permanent or attempts >= settings.max_attempts
    ping_missed(store, ping.hub, ping.topic, attempts, next_at, outcome.error, failed)
    if outcome.unreachable:
        postpone_pings(store, ping.hub, next_at)
    if failed:
        report.failed += 1
        log.warning("websub: gave up telling %s about %s: %s", ping.hub, ping.topic, outcome.error)
    else:
        report.retrying += 1
        log.info("websub: %s about %s: %s; retry %d", ping.hub, ping.topic, outcome.error, attempts)


def format_pings(pings: Iterable[PingRow]) -> list[str]:
    """`refeed status` lines for pings still owed or given up on."""
    lines = []
    for p in pings:
        state = "failed " if p.failed else "pending"
        when = "" if p.failed else f", next {p.next_attempt.isoformat(timespec='seconds')}"
        error = f": {p.last_error}" if p.last_error else ""
        tries = f"{p.attempts} attempt{'' if p.attempts == 1 else 's'}"
        lines.append(f"ping {state} {p.topic} -> {p.hub} ({tries}{when}){error}")
    return lines
