"""Test-only fault points: where the fault tests interrupt a pass, named by the pass itself.

`REFEED_FAULT=<point>:<action>` in the environment, read here and nowhere else, makes a refeed
process write `refeed: fault point <point> reached` to stderr when a pass gets there, and then
- `kill`: SIGKILL itself, as a power cut or the OOM killer would;
- `wait`: block until the pass is asked to stop (SIGTERM/SIGINT to the daemon), then go on
  (a one-shot build has no stop request: it goes on at once).

The points, in the order a pass meets them:
- `ingesting`: half of the pass's files are ingested (into the open transaction);
- `rendering`: the ingest is committed, no feed is written yet;
- `writing`: a feed's new bytes are in its temporary file, not yet renamed over the old one.

Only the tests set it (tests/test_daemon.py). Unset, a point costs one string comparison.
"""

from __future__ import annotations

import os
import sys
from threading import Event

POINTS = ("ingesting", "rendering", "writing")
_POINT, _, _ACTION = os.environ.get("REFEED_FAULT", "").partition(":")


def reached(point: str, stop: Event | None = None) -> None:
    """The pass is at `point`: act as REFEED_FAULT asks, if it names this point."""
    if point != _POINT:
        return
    sys.stderr.write(f"refeed: fault point {point} reached\n")
    sys.stderr.flush()
    if _ACTION == "kill":
        import signal  # deferred: no pass outside the tests gets here

        os.kill(os.getpid(), signal.SIGKILL)
    elif _ACTION == "wait" and stop is not None:
        stop.wait()
