#!/usr/bin/env python3
"""What a zh-Hant variant costs: a capped feed of the bundled articles, converted.

    .venv/bin/python bench/variants.py [--rounds 9]

Items are the five bundled seed articles, cleaned as refeed cleans them, repeated with a
distinct paragraph each so that no two contents are alike. "cold" converts every item (the
remembered conversions cleared first); "warm" is the same feed again, as in a second feed
holding the same articles, or the next pass. 100 and 200 items alternate (A B A B) so that
their ratio is paired; medians are printed. Timings are not tests: nothing here runs in the suite.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from refeed.ingest.clean import clean_article
from refeed.ingest.policy import default_policy
from refeed.ingest.sanitize import sanitize_html
from refeed.ingest.seeds import find_seed_files, parse_seed, read_seed
from refeed.output import variants
from refeed.output.model import Feed, FeedMeta, Item

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 11, 21, tzinfo=UTC)
POLICY = default_policy()


def feed_of(count: int) -> Feed:
    articles = [
        clean_article(parse_seed(s.name, read_seed(s, 1 << 24), NOW, timedelta(days=1)), POLICY)
        for s in find_seed_files(ROOT / "seeds")
    ]
    items = tuple(
        Item(
            entry_id=a.entry_id,
            url=f"{a.url}?n={n}",
            title=a.title,
            summary=a.summary,
            content_html=f"{a.content_html}<p>第{n}段</p>",
            published=a.published,
            updated=a.published,
        )
        for n, a in ((n, articles[n % len(articles)]) for n in range(count))
    )
    meta = FeedMeta(
        name="rfi-cn",
        kind="source",
        feed_id="urn:uuid:00000000-0000-0000-0000-000000000000",
        title="法国国际广播电台 RFI 中文",
        homepage="https://www.rfi.fr/cn/",
        author="RFI 华语",
        urls={"atom": "https://feeds.example.org/rfi-cn.atom"},
    )
    return Feed(meta=meta, items=items, updated=NOW, total=count)


def seconds(run: Callable[[], object]) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def cold(feed: Feed) -> float:
    variants.CONVERTED.clear()
    return seconds(lambda: variants.make_variant(feed, "zh-Hant", policy=POLICY))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=9)
    rounds = parser.parse_args().rounds
    load = seconds(lambda: variants.converter("s2tw")(""))  # its process starts, loads
    f100, f200 = feed_of(100), feed_of(200)
    size = sum(len(i.content_html.encode()) for i in f100.items)
    a: list[float] = []
    b: list[float] = []
    warm: list[float] = []
    parts: dict[str, list[float]] = {"tokenize + OpenCC": [], "re-sanitize": []}
    convert = variants.converter("s2tw")
    converted = [variants._TextNodes.convert(i.content_html, convert) for i in f100.items]
    for _ in range(rounds):
        a.append(cold(f100))
        b.append(cold(f200))
        warm.append(seconds(lambda: variants.make_variant(f100, "zh-Hant", policy=POLICY)))
        parts["tokenize + OpenCC"].append(
            seconds(
                lambda: [variants._TextNodes.convert(i.content_html, convert) for i in f100.items]
            )
        )
        parts["re-sanitize"].append(
            seconds(lambda: [sanitize_html(t, POLICY, base=None) for t in converted])
        )
    ms = 1000
    print(f"OpenCC s2tw process started and loaded once in {load * ms:.0f} ms")
    print(f"100 items ({size / 1024:.0f} KiB of content), medians of {rounds}:")
    print(f"  cold: {statistics.median(a) * ms:.1f} ms")
    for name, values in parts.items():
        print(f"    {name}: {statistics.median(values) * ms:.1f} ms")
    print(f"  warm: {statistics.median(warm) * ms:.1f} ms")
    ratio = statistics.median(y / x for x, y in zip(a, b, strict=True))
    print(f"200 items cold: {statistics.median(b) * ms:.1f} ms, {ratio:.2f}x the 100 (paired)")


if __name__ == "__main__":
    main()
