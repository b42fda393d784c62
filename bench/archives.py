"""What RFC 5005 archives add to a pass: one new article into archives of growing size.

In-process passes on a warm state (as the daemon makes them), archives on against off, at two
archive sizes; the cost beyond the subscription documents should not grow with the archive
(O(changed)), and one new article should write at most one archive page per feed and format.

    .venv/bin/python bench/archives.py --make-corpus ../shared/tools/make_corpus.py
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench import CONFIG, add_file, corpus

from refeed.config import Archives, load_config
from refeed.pipeline import run_pass
from refeed.state.store import open_store


def one_new_article(seeds: Path, site: Path, archives: bool, repeat: int) -> dict[str, float]:
    base = load_config(CONFIG)
    config = replace(base, max_entries=50, archives=Archives(enabled=archives, page_size=50))
    shutil.rmtree(site, ignore_errors=True)
    out = site / "feeds"
    store = open_store(site / "state.sqlite")
    times, pages = [], []
    added = []
    try:
        run_pass(seeds, out, config, store, datetime.now(UTC))
        for n in range(repeat):
            added.append(add_file(seeds, 900_000 + n))
            start = time.perf_counter()
            report = run_pass(seeds, out, config, store, datetime.now(UTC))
            times.append(time.perf_counter() - start)
            pages.append(len([w for w in report.written if w.startswith("archive/")]))
    finally:
        store.close()
        for path in added:
            path.unlink()
    return {"pass_s": statistics.median(times), "archive_files_written_max": max(pages)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--make-corpus", type=Path, required=True)
    ap.add_argument("--work", type=Path, default=Path("/tmp/refeed-bench"))
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 4000])
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    results = {}
    for size in args.sizes:
        seeds = corpus(args.make_corpus, args.work, size, 4)
        for archives in (False, True):
            key = f"{size}_{'archives' if archives else 'no_archives'}"
            results[key] = one_new_article(seeds, args.work / f"site-{key}", archives, args.repeat)
    for size in args.sizes:
        on, off = results[f"{size}_archives"], results[f"{size}_no_archives"]
        results[f"{size}_archives_minus_off_s"] = {"s": on["pass_s"] - off["pass_s"]}
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
