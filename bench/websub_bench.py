#!/usr/bin/env python3
"""What WebSub pings add to a pass, against the loopback hub stub of the tests.

    .venv/bin/python bench/websub_bench.py

- an idle pass (nothing changed, nothing owed): the daemon runs this every interval;
- five changed feeds announced to one healthy hub, and to two hubs;
- five changed feeds with one hub that hangs (timeout 0.5 s) beside a healthy one: the pass
  should cost about one timeout, not five.
Medians of paired, interleaved runs. Nothing here runs in the test suite.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from refeed.config import WebSubSettings
from refeed.service.websub import deliver_pings
from refeed.state.store import Store, open_store

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.hubstub import Answer, running_hub

TOPICS = [f"https://feeds.example.org/{name}.atom" for name in ("all", "a", "b", "c", "d")]
NOW = datetime(2026, 12, 1, tzinfo=UTC)


def timings(
    run: Callable[[int], None], repeat: int, into: list[float] | None = None
) -> list[float]:
    times = [] if into is None else into
    for i in range(repeat):
        start = time.perf_counter()
        run(i)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    with tempfile.TemporaryDirectory() as work:
        store: Store = open_store(Path(work) / "state.sqlite")
        idle = WebSubSettings(hubs=("http://127.0.0.1:9/hub",))
        results: dict[str, float] = {}
        idle_runs: dict[str, list[float]] = {"idle pass, no hubs": [], "idle pass, one hub": []}
        for _ in range(2):  # A B A B
            for key, settings in zip(idle_runs, (WebSubSettings(), idle), strict=True):
                timings(_idle_pass(store, settings), 250, idle_runs[key])
        results.update({k: statistics.median(v) for k, v in idle_runs.items()})
        with (
            running_hub() as one,
            running_hub(Answer(202)) as two,
            running_hub(Answer(hang=True)) as hung,
        ):
            one_hub = WebSubSettings(hubs=(one.url,))
            two_hubs = WebSubSettings(hubs=(one.url, two.url))
            with_hung = WebSubSettings(hubs=(hung.url, one.url), timeout_seconds=0.5)

            def announce(settings: WebSubSettings) -> Callable[[int], None]:
                def run(i: int) -> None:
                    deliver_pings(store, settings, TOPICS, NOW + timedelta(days=i))
                    store.db.execute("DELETE FROM pings")  # the hung hub's owed pings
                    store.db.commit()

                return run

            runs: dict[str, list[float]] = {
                "5 changed feeds, 1 hub": [],
                "5 changed feeds, 2 hubs": [],
            }
            for _ in range(2):  # A B A B
                for key, settings in zip(runs, (one_hub, two_hubs), strict=True):
                    timings(announce(settings), 20, runs[key])
            runs["5 changed feeds, a hung hub (0.5 s timeout) + a healthy one"] = timings(
                announce(with_hung), 3
            )
            results.update({k: statistics.median(v) for k, v in runs.items()})
            hung_requests = len(hung.received)
        store.close()
    print("| measurement | median |\n| --- | --- |")
    for name, seconds in results.items():
        print(f"| {name} | {seconds * 1000:.3f} ms |")
    print(f"\nrequests the hung hub received over 3 passes of 5 feeds: {hung_requests}")


def _idle_pass(store: Store, settings: WebSubSettings) -> Callable[[int], None]:
    def run(i: int) -> None:
        deliver_pings(store, settings, [], NOW)

    return run


if __name__ == "__main__":
    main()
