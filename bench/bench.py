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


def timed(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[float, int, float]:
    """(wall seconds, peak RSS in KiB, CPU seconds) of the process and every worker it
    waited for."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env
    )
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise SystemExit(f"{cmd} failed: {proc.stderr.read().decode() if proc.stderr else ''}")
    return elapsed, usage.ru_maxrss, usage.ru_utime + usage.ru_stime


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


def full_build(seeds: Path, site: Path, jobs: int) -> dict[str, float]:
    shutil.rmtree(site, ignore_errors=True)
    site.mkdir(parents=True)
    seconds, rss, _ = timed(build_cmd(seeds, site, "--full", "--jobs", str(jobs)), site)
    count = sum(1 for _ in seeds.iterdir())
    return {"seconds": seconds, "articles_per_s": count / seconds, "peak_rss_mib": rss / 1024}


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

    oneshot, idle_oneshot = [], []
    try:
        for n in range(repeat):
            added.append(add_file(seeds, n))
            timed_pass("new")
            timed_pass("idle")
            added.append(add_file(seeds, 100 + n))
            timed_pass("scan_new", only=None)
            timed_pass("scan_idle", only=None)
        daemon.stop()
        for n in range(200, 200 + repeat):
            added.append(add_file(seeds, n))
            oneshot.append(timed(build_cmd(seeds, site), site)[0])
            idle_oneshot.append(timed(build_cmd(seeds, site), site)[0])
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
        "oneshot_build_s": statistics.median(oneshot),
        "idle_oneshot_build_s": statistics.median(idle_oneshot),
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
clean.sanitize_html = lambda html, policy: html
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
    ap.add_argument("--count", type=int, default=2000, help="corpus size for --ab")
    ap.add_argument("--rounds", type=int, default=3, help="A B rounds for --ab")
    args = ap.parse_args()
    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    if args.ab:
        seeds = corpus(args.make_corpus, work, args.count, 1)
        print(json.dumps(paired(args.ab.resolve(), seeds, work, args.rounds), indent=2))
        return
    # as an installed package has them: byte-compiled modules (PYTHONDONTWRITEBYTECODE may be set)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "src")], check=True)
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
    previous = json.loads(RESULTS.read_text()) if args.skip_full else {}
    c10k = corpus(args.make_corpus, work, 10_000, 1)
    c50k = corpus(args.make_corpus, work, 50_000, 2)
    for key, seeds, site, jobs in [("full_10k_1_job", c10k, "site-10k-serial", 1),
                                   ("full_10k", c10k, "site-10k", 0),
                                   ("full_50k", c50k, "site-50k", 0)]:  # fmt: skip
        results[key] = previous.get(key) or full_build(seeds, work / site, jobs)
    results["one_new_10k"] = one_new_file(c10k, work / "site-10k", args.repeat)
    results["one_new_50k"] = one_new_file(c50k, work / "site-50k", args.repeat)
    results["formats_2k"] = formats_cost(args.make_corpus, work, args.repeat)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
