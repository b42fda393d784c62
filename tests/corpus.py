"""Synthetic seed folders for tests, made from the sample fixtures (no outside tools)."""

from __future__ import annotations

import random
from pathlib import Path

from .conftest import VALID_SEEDS

SAMPLES = sorted(VALID_SEEDS.glob("0*.txt"))
BASE_MS = 1_690_000_000_000


def seed_text(i: int, *, sample: int | None = None, title: str | None = None) -> str:
    """Seed file number `i`: a sample body under its own URL, title and time."""
    path = SAMPLES[(i if sample is None else sample) % len(SAMPLES)]
    body = path.read_text(encoding="utf-8").split("\n", 4)[4]
    hosts = [
        "https://www.rfi.fr/cn/%E4%B8%AD%E5%9B%BD",
        "https://cn.nytimes.com/china",
        "https://www.dw.com/zh",
        "https://www.example.org/news",
    ]
    url = f"{hosts[i % len(hosts)]}/2023{i:05d}-article-{i}"
    return f"<!--{BASE_MS + i * 60_000}-->\n[{title or f'文章 {i}'}]({url})\n------\n\n{body}"


def make_corpus(folder: Path, count: int, start: int = 0) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(start, start + count):
        path = folder / f"{i:06d}.txt"
        path.write_text(seed_text(i), encoding="utf-8")
        paths.append(path)
    return paths


def shuffled(items: list[Path], seed: int) -> list[Path]:
    out = list(items)
    random.Random(seed).shuffle(out)
    return out
