#!/usr/bin/env python3
"""refeed benchmark: full builds, one new file into a large archive, passes with nothing new.

    python bench/bench.py --make-corpus ../shared/tools/make_corpus.py [--work /tmp/refeed-bench]
    python bench/bench.py --make-corpus ... --ab /tmp/refeed-base [--count 2000 --rounds 3]

Runs refeed as a user does (the installed `refeed` command, whole process) and, for daemon
passes, in-process with a warm state as the daemon has it. Prints a Markdown table and writes
bench/results.json. Nothing here runs in the test suite: timings are not tests.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from refeed.config import Paths, load_config
from refeed.pipeline import run_pass
from refeed.service.daemon import Daemon

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "config" / "refeed.toml"
RESULTS = ROOT / "bench" / "results.json"
REFEED = Path(sys.executable).with_name("refeed")
NEW_FILE = "<!--{ms}-->\n[基准测试新文章 {n}](https://www.rfi.fr/cn/bench/{n})\n------\n\n{body}"


def corpus(tool: Path, work: Path, count: int, seed: int) -> Path:
    folder = work / f"corpus-{count}"
    if not folder.is_dir() or sum(1 for _ in folder.iterdir()) != count:
        shutil.rmtree(folder, ignore_errors=True)
        subprocess.run(
            [
                sys.executable,
                str(tool),
                "--out",
                str(folder),
                "--count",
                str(count),
                "--seed",
                str(seed),
                "--sources",
                "4",
            ],
            check=True,
        )
    return folder


# Runs a command and reports its peak RSS (KiB) as the last line on stderr. Linux keeps a
# process's peak RSS across exec, so a command forked straight from this (large) process
# would report this process's size; forked from this small launcher, it reports its own.
LAUNCHER = (
    "import os, subprocess, sys\n"
    "proc = subprocess.Popen(sys.argv[1:])\n"
    "_, status, usage = os.wait4(proc.pid, 0)\n"
    "print(f'peak_rss_kib {usage.ru_maxrss}', file=sys.stderr)\n"
    "sys.exit(os.waitstatus_to_exitcode(status))\n"
)


def timed(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[float, int, float]:
    """(wall seconds, peak RSS in KiB, CPU seconds) of the process and every worker it
    waited for (CPU includes the launcher's ~0.02 s: for long runs)."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", LAUNCHER, *cmd], cwd=cwd, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, env=env,
    )  # fmt: skip
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    stderr = proc.stderr.read().decode() if proc.stderr else ""
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise SystemExit(f"{cmd} failed: {stderr}")
    rss = int(stderr.rsplit("peak_rss_kib ", 1)[1].split()[0])
    return elapsed, rss, usage.ru_utime + usage.ru_stime


def build_cmd(seeds: Path, site: Path, *extra: str) -> list[str]:
    return [
        str(REFEED),
        "build",
        "--seeds",
        str(seeds),
        "--out",
        str(site / "feeds"),
        "--state",
        str(site / "state" / "refeed.sqlite"),
        "--config",
        str(CONFIG),
        *extra,
    ]


def full_build(seeds: Path, site: Path, jobs: int, config: Path = CONFIG) -> dict[str, float]:
    shutil.rmtree(site, ignore_errors=True)
    site.mkdir(parents=True)
    cmd = build_cmd(seeds, site, "--full", "--jobs", str(jobs))
    cmd[cmd.index("--config") + 1] = str(config)
    seconds, rss, cpu = timed(cmd, site)
    count = sum(1 for _ in seeds.iterdir())
    return {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "articles_per_s": count / seconds,
        "articles_per_cpu_s": count / cpu,
        "peak_rss_mib": rss / 1024,
    }


def engine_config(
    work: Path, engine: str, source: Path = CONFIG, name: str = "refeed", extra: str = ""
) -> Path:
    """The configuration `source` (the bundled one) with `[policy] engine` set and `extra`
    appended, written as `work`/<name>-<engine>.toml."""
    text = source.read_text(encoding="utf-8")
    path = work / f"{name}-{engine}.toml"
    path.write_text(text.replace("[policy]\n", f'[policy]\nengine = "{engine}"\n', 1) + extra,
                    encoding="utf-8")  # fmt: skip
    return path


def engines(seeds: Path, work: Path, baseline: Path | None) -> dict[str, object]:
    """Whole `refeed build --full` processes per sanitizer engine, one process and two
    workers, against the bleach single-process build; with `baseline` (another refeed
    source tree) its bleach single-process build too, run in the same loop (paired)."""
    runs: dict[str, dict[str, float]] = {}
    for engine in ("bleach", "nh3"):
        config = engine_config(work, engine)
        for jobs in (1, 2):
            runs[f"{engine}_{jobs}"] = full_build(seeds, work / f"site-{engine}-{jobs}", jobs,
                                                  config)  # fmt: skip
    if baseline is not None:  # the verdict against it swung 0.82x-1.07x in single runs
        ours: list[dict[str, float]] = [runs["bleach_1"]]
        theirs: list[dict[str, float]] = []
        for _ in range(BASELINE_ROUNDS):
            theirs.append(baseline_build(seeds, work, baseline))
            if len(ours) < BASELINE_ROUNDS:
                bleach = engine_config(work, "bleach")
                ours.append(full_build(seeds, work / "site-bleach-1", 1, bleach))
        runs["bleach_1"], runs["baseline_bleach_1"] = _median_run(ours), _median_run(theirs)
    # what the zh-Hant variant costs in memory: OpenCC's dictionaries, loaded by the render
    text = engine_config(work, "nh3").read_text(encoding="utf-8")
    plain = work / "refeed-no-variants.toml"
    plain.write_text(text.replace('variants = ["zh-Hant"]', "variants = []"), encoding="utf-8")
    runs["nh3_2_no_variants"] = full_build(seeds, work / "site-no-variants", 2, plain)
    base = runs["bleach_1"]
    ratios = {key: base["seconds"] / run["seconds"] for key, run in runs.items()}
    cpu_ratios = {key: base["cpu_seconds"] / run["cpu_seconds"] for key, run in runs.items()}
    render = render_everything(work / "site-nh3-1")  # the same for both engines
    ingest_ratio = (base["cpu_seconds"] - render) / (runs["nh3_1"]["cpu_seconds"] - render)
    return {"files": sum(1 for _ in seeds.iterdir()), "runs": runs,
            "speed_vs_bleach_1": ratios, "cpu_speed_vs_bleach_1": cpu_ratios,
            "render_everything_cpu_s": render,
            "ingest_cpu_speed_nh3_1_vs_bleach_1": ingest_ratio}  # fmt: skip


BASELINE_ROUNDS = 3  # bleach builds of this tree and of the baseline, alternated


def baseline_build(seeds: Path, work: Path, baseline: Path) -> dict[str, float]:
    """A full single-process build by the `baseline` source tree, with its own config."""
    site = work / "site-baseline"
    shutil.rmtree(site, ignore_errors=True)
    site.mkdir(parents=True)
    cmd = build_cmd(seeds, site, "--full", "--jobs", "1")
    cmd = [sys.executable, "-m", "refeed", *cmd[1:]]
    cmd[cmd.index("--config") + 1] = str(baseline / "config" / "refeed.toml")  # its own
    seconds, rss, cpu = timed(cmd, site, {**os.environ, "PYTHONPATH": str(baseline / "src")})
    return {"seconds": seconds, "cpu_seconds": cpu, "peak_rss_mib": rss / 1024}


def same_job(seeds: Path, work: Path, baseline: Path, rounds: int) -> dict[str, object]:
    """The builds against the `baseline` tree doing the same job: all with the baseline's own
    config (its sources, Atom only), this tree's with `formats = ["atom"]` and each engine
    set (it still writes a page per feed, index.html and the OPML, which the baseline
    cannot). Whole single-process full builds, alternated; medians, and speeds over this
    tree's bleach build and of it over the baseline's."""
    theirs, atom_only = baseline / "config" / "refeed.toml", '\n[outputs]\nformats = ["atom"]\n'
    configs = {
        engine: engine_config(work, engine, theirs, "refeed-same-job", atom_only)
        for engine in ("bleach", "nh3")
    }
    runs: dict[str, list[dict[str, float]]] = {"baseline": [], "bleach": [], "nh3": []}
    for _ in range(rounds):
        runs["baseline"].append(baseline_build(seeds, work, baseline))
        for engine, config in configs.items():
            runs[engine].append(full_build(seeds, work / "site-same-job", 1, config))
    medians = {key: _median_run(found) for key, found in runs.items()}
    bleach = medians["bleach"]
    return {
        **medians,
        "bleach_speed_vs_baseline": medians["baseline"]["seconds"] / bleach["seconds"],
        "bleach_cpu_speed_vs_baseline": medians["baseline"]["cpu_seconds"] / bleach["cpu_seconds"],
        "nh3_speed_vs_bleach": bleach["seconds"] / medians["nh3"]["seconds"],
        "nh3_cpu_speed_vs_bleach": bleach["cpu_seconds"] / medians["nh3"]["cpu_seconds"],
    }


def _median_run(runs: list[dict[str, float]]) -> dict[str, float]:
    """Each measurement's median over `runs` (and how many there were)."""
    out = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
    return {**out, "runs": len(runs)}


def render_everything(site: Path) -> float:
    """CPU seconds of a full build's output step alone: every feed, archive page and variant
    rendered again from the built state, in a process of its own."""
    code = (
        "import sys, shutil, time\nfrom pathlib import Path\n"
        "from refeed.config import load_config\nfrom refeed.output.render import publish_dirty\n"
        "from refeed.state.store import ALL_SOURCES, open_store\n"
        f"site = Path({str(site)!r}); out = site / 'again'\n"
        "shutil.rmtree(out, ignore_errors=True); out.mkdir()\n"
        f"config = load_config(Path({str(CONFIG)!r}))\n"
        "store = open_store(site / 'state' / 'refeed.sqlite')\n"
        "with store.transaction():\n"
        "    for table in ('archived', 'archive_heads', 'windows'):\n"
        "        store.db.execute(f'DELETE FROM {table}')\n"
        "    store.mark_dirty([ALL_SOURCES])\n"
        "start = time.process_time(); publish_dirty(store, config, out)\n"
        "print(time.process_time() - start); store.rollback(); shutil.rmtree(out)\n"
    )
    return in_process(code)[0]


def add_file(seeds: Path, n: int) -> Path:
    body = next(iter(sorted(seeds.iterdir()))).read_text(encoding="utf-8").split("\n", 4)[4]
    path = seeds / f"zz-bench-{n:04d}.txt"
    ms = int(time.time() * 1000) - 60_000
    path.write_text(NEW_FILE.format(ms=ms, n=n, body=body), encoding="utf-8")
    return path


def one_new_file(seeds: Path, site: Path, repeat: int) -> dict[str, float]:
    """One new file into the archive, and a pass with nothing new:
    - as the daemon runs them (warm state, change notifications from a real SeedWatcher);
    - as the daemon's periodic safety-net pass, which stats every file;
    - as a one-shot `refeed build` (a whole process, scanning every file)."""
    base = load_config(CONFIG)
    out, db = site / "feeds", site / "state" / "refeed.sqlite"
    config = replace(base, paths=Paths(seeds, out, db), run=replace(base.run, settle_seconds=0))
    daemon = Daemon(config)
    assert daemon.watcher is not None
    watching = daemon.watcher.start()  # not inside an assert: -O would skip it
    assert watching
    daemon.run_once()  # the first pass scans every file, as a starting daemon's does
    times: dict[str, list[float]] = {k: [] for k in ("new", "idle", "scan_new", "scan_idle")}
    added: list[Path] = []

    def timed_pass(key: str, **kwargs: object) -> None:
        time.sleep(0.3)  # let the notifications arrive (not part of the pass)
        start = time.perf_counter()
        if kwargs:
            assert daemon.store is not None
            run_pass(seeds, out, config, daemon.store, datetime.now(UTC), **kwargs)  # type: ignore[arg-type]
        else:
            daemon.run_once()
        times[key].append(time.perf_counter() - start)

    try:
        for n in range(repeat):
            added.append(add_file(seeds, n))
            timed_pass("new")
            timed_pass("idle")
            added.append(add_file(seeds, 100 + n))
            timed_pass("scan_new", only=None)
            timed_pass("scan_idle", only=None)
    finally:
        daemon.stop()
        for path in added:
            path.unlink()
        subprocess.run(build_cmd(seeds, site), cwd=site, capture_output=True, check=False)
    return {
        "daemon_pass_s": statistics.median(times["new"]),
        "idle_daemon_pass_s": statistics.median(times["idle"]),
        "full_scan_pass_s": statistics.median(times["scan_new"]),
        "idle_full_scan_pass_s": statistics.median(times["scan_idle"]),
    }


# -- one-shot builds -------------------------------------------------------------------------

# The scan as a one-shot build runs it, timed alone in a fresh process: loading the stored
# path -> (size, mtime) map, then one stat per file compared with it. That is what a one-shot
# build must pay; the rest of it should not grow with the archive. Wall and CPU seconds (the
# CPU time, user + system, is what a shared machine's load disturbs least).
STAT_LOOP = """
import sys, time
from pathlib import Path
from refeed.ingest.seeds import scan_changes
from refeed.state.store import open_store
store = open_store(Path(sys.argv[2]), readonly=True)
clocks = [time.perf_counter(), time.process_time()]
known = store.seed_stats()
clocks += [time.perf_counter(), time.process_time()]
scan_changes(Path(sys.argv[1]), known)
clocks += [time.perf_counter(), time.process_time()]
print(clocks[2] - clocks[0], clocks[4] - clocks[2], clocks[3] - clocks[1], clocks[5] - clocks[3])
"""
HTML_STACK = """
import time
start = time.perf_counter()
import refeed.ingest.clean, refeed.output.atom
print(time.perf_counter() - start)
"""


def in_process(code: str, *args: str) -> list[float]:
    result = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                            check=True)  # fmt: skip
    return [float(number) for number in result.stdout.split()]


def wall_and_cpu(cmd: list[str], cwd: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds: user + system) of a whole process, started directly (its
    peak RSS is not measured here: see LAUNCHER)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise SystemExit(f"{cmd} failed")
    return time.perf_counter() - start, usage.ru_utime + usage.ru_stime


def one_shot(sites: dict[str, tuple[Path, Path]], repeat: int) -> dict[str, dict[str, float]]:
    """Whole `refeed build` processes on each archive, interleaved (paired in one run): a
    build with nothing new, one with one new file, and the scan of the same archive (map load
    and stat loop); "beyond" is a build's time less its stat loop (so the map load is in it)."""
    keys = [f"{what}{clock}" for what in ("idle", "new", "map_load", "stat_loop", "idle_beyond",
                                          "new_beyond") for clock in ("", "_cpu")]  # fmt: skip
    times: dict[str, dict[str, list[float]]] = {
        name: {k: [] for k in [*keys, "html_import", "new_peak_rss_mib"]} for name in sites
    }
    added: list[Path] = []
    try:
        for seeds, site in sites.values():
            subprocess.run(build_cmd(seeds, site), cwd=site, capture_output=True, check=False)
        for n in range(repeat):
            for name, (seeds, site) in sites.items():
                db = site / "state" / "refeed.sqlite"
                t = times[name]
                scan = in_process(STAT_LOOP, str(seeds), str(db))
                for i, key in enumerate(("map_load", "stat_loop", "map_load_cpu", "stat_loop_cpu")):
                    t[key].append(scan[i])
                idle = wall_and_cpu(build_cmd(seeds, site), site)
                added.append(add_file(seeds, 300 + n))
                new = wall_and_cpu(build_cmd(seeds, site), site)
                for i, clock in enumerate(("", "_cpu")):
                    t[f"idle{clock}"].append(idle[i])
                    t[f"new{clock}"].append(new[i])
                    stat_loop = (scan[1], scan[3])[i]
                    t[f"idle_beyond{clock}"].append(idle[i] - stat_loop)
                    t[f"new_beyond{clock}"].append(new[i] - stat_loop)
                t["html_import"] += in_process(HTML_STACK)
                added.append(add_file(seeds, 400 + n))
                t["new_peak_rss_mib"].append(timed(build_cmd(seeds, site), site)[1] / 1024)
    finally:
        for path in added:
            path.unlink()
        for seeds, site in sites.values():
            subprocess.run(build_cmd(seeds, site), cwd=site, capture_output=True, check=False)
    return {
        name: {(k if k.endswith("_mib") else f"{k}_s"): statistics.median(v) for k, v in t.items()}
        for name, t in times.items()
    }


def formats_cost(tool: Path, work: Path, pairs: int) -> dict[str, float]:
    """What the RSS and JSON Feed renderers add: full builds with every format against Atom
    alone, in pairs run alternately (A B A B) so that the machine's drift hits both; and the
    render step alone (every feed re-rendered from a warm state, in-process)."""
    from refeed.output.render import publish_dirty
    from refeed.state.store import ALL_SOURCES, open_store

    seeds = corpus(tool, work, 2_000, 3)
    configs = {}
    for name, formats in (("atom", '["atom"]'), ("all", '["atom", "rss", "json"]')):
        text = CONFIG.read_text(encoding="utf-8")
        start = text.index("[outputs]")
        end = text.index("\n\n", start)
        configs[name] = work / f"refeed-{name}.toml"
        configs[name].write_text(
            text[:start] + f"[outputs]\nformats = {formats}" + text[end:], encoding="utf-8"
        )
    builds: dict[str, list[float]] = {"atom": [], "all": []}
    renders: dict[str, list[float]] = {"atom": [], "all": []}
    for _ in range(pairs):
        for name, path in configs.items():
            site = work / f"site-formats-{name}"
            shutil.rmtree(site, ignore_errors=True)
            site.mkdir(parents=True)
            cmd = build_cmd(seeds, site, "--full", "--jobs", "1")
            cmd[cmd.index("--config") + 1] = str(path)
            builds[name].append(timed(cmd, site)[0])
            config = load_config(path)
            store = open_store(site / "state" / "refeed.sqlite")
            try:
                with store.transaction():
                    store.mark_dirty([ALL_SOURCES])
                start_s = time.perf_counter()
                publish_dirty(store, config, site / "feeds")
                renders[name].append(time.perf_counter() - start_s)
                store.rollback()
            finally:
                store.close()
    build_a, build_all = statistics.median(builds["atom"]), statistics.median(builds["all"])
    render_a, render_all = statistics.median(renders["atom"]), statistics.median(renders["all"])
    return {
        "files": 2_000,
        "full_build_atom_s": build_a,
        "full_build_all_formats_s": build_all,
        "full_build_ratio": build_all / build_a,
        "render_all_feeds_atom_s": render_a,
        "render_all_feeds_all_formats_s": render_all,
        "render_ratio": render_all / render_a,
    }


# The clean stage alone (clean_article with the sanitizer replaced by the identity), in a
# process of its own so that PYTHONPATH picks the refeed under test. CPU time, per article.
CLEAN_STAGE = """
import sys, time
from datetime import UTC, datetime, timedelta
from pathlib import Path
import refeed.ingest.clean as clean
from refeed.errors import SeedError
from refeed.ingest.policy import default_policy
from refeed.ingest.seeds import parse_seed
clean.sanitize_html = lambda html, policy, base=None: html
policy, now, day = default_policy(), datetime.now(UTC), timedelta(days=1)
files = sorted(Path(sys.argv[1]).iterdir())
articles = [parse_seed(p.name, p.read_bytes(), now, day) for p in files]
def run():
    for article in articles:
        try:
            clean.clean_article(article, policy)
        except SeedError:
            pass
run()  # warm-up: imports, compiled regular expressions
start = time.process_time()
run()
print((time.process_time() - start) / len(articles) * 1000)
"""


def paired(baseline: Path, seeds: Path, work: Path, rounds: int) -> dict[str, object]:
    """A/B against another refeed source tree (e.g. `git archive` of a commit into
    `baseline`), on the same corpus, runs alternating A B A B: the clean stage's CPU ms per
    article, and whole single-process `refeed build --full` runs (articles per wall second
    and per CPU second). Medians, and B/A ratios."""
    count = sum(1 for _ in seeds.iterdir())
    trees = {"A": baseline / "src", "B": ROOT / "src"}
    for src in trees.values():
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(src)], check=True)
    runs: dict[str, dict[str, list[float]]] = {
        k: {"clean_ms": [], "build_per_s": [], "build_per_cpu_s": []} for k in trees
    }
    for _ in range(rounds):
        for key, src in trees.items():
            env = {**os.environ, "PYTHONPATH": str(src)}
            out = subprocess.run(
                [sys.executable, "-c", CLEAN_STAGE, str(seeds)],
                env=env, check=True, capture_output=True, text=True,
            )  # fmt: skip
            runs[key]["clean_ms"].append(float(out.stdout))
            site = work / f"ab-site-{key}"
            shutil.rmtree(site, ignore_errors=True)
            site.mkdir(parents=True)
            build = build_cmd(seeds, site, "--full", "--jobs", "1")
            cmd = [sys.executable, "-m", "refeed", *build[1:]]
            seconds, _, cpu = timed(cmd, site, env)
            runs[key]["build_per_s"].append(count / seconds)
            runs[key]["build_per_cpu_s"].append(count / cpu)
    medians = {k: {m: statistics.median(v) for m, v in r.items()} for k, r in runs.items()}
    ratios = {m: medians["B"][m] / medians["A"][m] for m in medians["A"]}
    return {"files": count, "rounds": rounds, "runs": runs, "medians": medians, "B/A": ratios}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--make-corpus", type=Path, required=True, help="path to make_corpus.py")
    ap.add_argument("--work", type=Path, default=Path("/tmp/refeed-bench"))
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument(
        "--skip-full",
        action="store_true",
        help="keep the full-build numbers of bench/results.json; needs its sites",
    )
    ap.add_argument(
        "--formats-only",
        action="store_true",
        help="only measure what RSS and JSON Feed add to Atom (merged into results.json)",
    )

    ap.add_argument("--ab", type=Path, help="only the paired A/B against this source tree")
    ap.add_argument(
        "--baseline", type=Path,
        help="another refeed source tree: its bleach build runs with the engines' builds",
    )  # fmt: skip
    ap.add_argument("--formats", action="store_true", help="also measure formats_cost")
    ap.add_argument("--count", type=int, default=2000, help="corpus size for --ab")
    ap.add_argument("--rounds", type=int, default=3, help="A B rounds for --ab")
    ap.add_argument(
        "--same-job-only",
        action="store_true",
        help="only the bleach build against --baseline on the baseline's own config "
        "(merged into results.json)",
    )
    ap.add_argument(
        "--oneshot-only",
        action="store_true",
        help="measure one-shot builds only (with --skip-full: on the sites a run left)",
    )
    args = ap.parse_args()
    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    if args.ab:
        seeds = corpus(args.make_corpus, work, args.count, 1)
        print(json.dumps(paired(args.ab.resolve(), seeds, work, args.rounds), indent=2))
        return
    # as an installed package has them: byte-compiled modules (PYTHONDONTWRITEBYTECODE may be set)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "src")], check=True)
    if args.same_job_only:
        if args.baseline is None:
            ap.error("--same-job-only needs --baseline")
        merged = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
        seeds = corpus(args.make_corpus, work, 10_000, 1)
        merged["same_job_10k"] = same_job(seeds, work, args.baseline.resolve(), BASELINE_ROUNDS)
        RESULTS.write_text(json.dumps(merged, indent=2) + "\n")
        print(json.dumps(merged["same_job_10k"], indent=2))
        return
    if args.formats_only:
        merged = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
        merged["formats_2k"] = formats_cost(args.make_corpus, work, args.repeat)
        RESULTS.write_text(json.dumps(merged, indent=2) + "\n")
        print(json.dumps(merged["formats_2k"], indent=2))
        return
    results: dict[str, object] = {
        "machine": f"{os.cpu_count()} cores",
        "date": f"{datetime.now(UTC):%Y-%m-%d}",
    }
    previous = json.loads(RESULTS.read_text()) if args.skip_full or args.oneshot_only else {}
    c10k = corpus(args.make_corpus, work, 10_000, 1)
    c50k = corpus(args.make_corpus, work, 50_000, 2)
    if args.skip_full:
        results["engines_10k"] = previous.get("engines_10k")
    else:
        results["engines_10k"] = engines(c10k, work, args.baseline)
    # the archives the passes below run on: the bundled config (nh3), a worker per core
    for key, seeds, site in [("full_10k", c10k, "site-10k"), ("full_50k", c50k, "site-50k")]:
        results[key] = previous.get(key) or full_build(seeds, work / site, 0)
    if args.formats:
        results["formats_2k"] = formats_cost(args.make_corpus, work, args.repeat)

    for size, seeds, site in [("10k", c10k, "site-10k"), ("50k", c50k, "site-50k")]:
        key = f"one_new_{size}"
        results[key] = previous.get(key) if args.oneshot_only else one_new_file(
            seeds, work / site, args.repeat
        )  # fmt: skip
    # one-shot builds, both sizes interleaved
    oneshot = one_shot({"10k": (c10k, work / "site-10k"), "50k": (c50k, work / "site-50k")},
                       args.repeat)  # fmt: skip
    results["oneshot_10k"], results["oneshot_50k"] = oneshot["10k"], oneshot["50k"]
    ten, fifty = oneshot["10k"], oneshot["50k"]
    results["oneshot_flatness"] = {  # 50k over 10k: 1.0 is flat
        key: fifty[f"{key}_s"] / ten[f"{key}_s"]
        for key in ("idle_beyond", "new_beyond", "idle_beyond_cpu", "new_beyond_cpu")
    }
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))
    print(summary(results))


def summary(results: dict[str, Any]) -> str:
    """The issue's targets against this run, as a Markdown table of ratios and seconds."""
    rows: list[tuple[str, str, str]] = []
    engines_run = results.get("engines_10k")
    if engines_run:
        speed, cpu = engines_run["speed_vs_bleach_1"], engines_run["cpu_speed_vs_bleach_1"]
        rows.append(("ingest alone, nh3 vs bleach, 1 process (CPU, less the output step)",
                     f"{engines_run['ingest_cpu_speed_nh3_1_vs_bleach_1']:.2f}x (output step "
                     f"{engines_run['render_everything_cpu_s']:.1f} s CPU)", ""))  # fmt: skip
        for key, target in (("nh3_1", ">= 2x"), ("nh3_2", ""), ("bleach_2", "")):
            rows.append((f"full build 10k, {key.replace('_', ', ')} worker(s), vs bleach, 1",
                         f"{speed[key]:.2f}x wall, {cpu[key]:.2f}x CPU", target))  # fmt: skip
        if "baseline_bleach_1" in speed:
            rows.append(("bleach build, 1 process: this tree's speed over the baseline's (medians)",
                         f"{1 / speed['baseline_bleach_1']:.2f}x wall, "
                         f"{1 / cpu['baseline_bleach_1']:.2f}x CPU", ">= 1.0x"))  # fmt: skip
    for size in ("10k", "50k"):
        shot, daemon = results[f"oneshot_{size}"], results.get(f"one_new_{size}") or {}
        target_idle, target_new = ("<= 0.25 s", "<= 0.35 s") if size == "50k" else ("", "")
        rows += [
            (f"one-shot build, nothing new, {size}", f"{shot['idle_s']:.3f} s", target_idle),
            (f"one-shot build, one new file, {size}", f"{shot['new_s']:.3f} s", target_new),
            (f"stat loop, {size}", f"{shot['stat_loop_s']:.3f} s", "(must)"),
        ]
        if daemon:
            rows += [(f"daemon pass, one new file, {size}", f"{daemon['daemon_pass_s']:.4f} s", ""),
                     (f"daemon pass, nothing new, {size}",
                      f"{daemon['idle_daemon_pass_s']:.4f} s", "")]  # fmt: skip
    flat = results["oneshot_flatness"]
    rows.append(
        (
            "beyond the stat loop, 50k / 10k, nothing new / one new file",
            f"{flat['idle_beyond']:.2f}x / {flat['new_beyond']:.2f}x",
            "flat (1.0x)",
        )
    )
    peaks = [run["peak_rss_mib"] for key, run in results.items()
             if key.startswith("full_") and isinstance(run, dict)]  # fmt: skip
    if engines_run:
        peaks += [run["peak_rss_mib"] for run in engines_run["runs"].values()]
    rows.append(("peak RSS, any full build", f"{max(peaks):.0f} MiB", "<= 100 MiB"))
    if engines_run:
        plain = engines_run["runs"]["nh3_2_no_variants"]["peak_rss_mib"]
        rows.append(("peak RSS, full build 10k without the zh-Hant variant", f"{plain:.0f} MiB",
                     "<= 100 MiB"))  # fmt: skip
    shots = [results[f"oneshot_{size}"]["new_peak_rss_mib"] for size in ("10k", "50k")]
    rows.append(("peak RSS, one-shot build with one new file, 10k / 50k",
                 " / ".join(f"{mib:.0f} MiB" for mib in shots), "<= 100 MiB"))  # fmt: skip
    lines = ["| measurement | this run | target |", "| --- | --- | --- |"]
    return "\n".join(lines + [f"| {a} | {b} | {c} |" for a, b, c in rows])


if __name__ == "__main__":
    main()
