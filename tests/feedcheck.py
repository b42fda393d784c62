"""Feed conformance checks the project runs on its own output (no ../shared needed).

RFC 4287 RELAX NG schema (tests/data/atom.rng, verbatim from the RFC's appendix B) via lxml,
the RFC's rules the schema cannot express, and a real client (feedparser).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

import feedparser
from lxml import etree

from .conftest import DATA
from .htmlcheck import parse_fragment

A = "{http://www.w3.org/2005/Atom}"
RFC3339_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|\+00:00)\Z")


@lru_cache(maxsize=1)
def _schema() -> etree.RelaxNG:
    return etree.RelaxNG(etree.parse(str(DATA / "atom.rng")))


def feed_problems(path: Path) -> list[str]:
    data = path.read_bytes()
    root = etree.fromstring(data)
    problems = []
    schema = _schema()
    if not schema.validate(root):
        problems += [f"schema: {e.message}" for e in schema.error_log]
    if root.find(f"{A}author") is None:
        problems.append("feed has no author")
    if not root.findall(f"{A}link[@rel='self']"):
        problems.append("feed has no self link")
    ids = [e.findtext(f"{A}id") for e in root.iter(f"{A}entry")]
    if len(ids) != len(set(ids)):
        problems.append("duplicate entry ids")
    for el in root.iter(f"{A}updated", f"{A}published"):
        if not RFC3339_UTC.match(el.text or ""):
            problems.append(f"date {el.text!r} is not RFC 3339 UTC")
    updated = [e.findtext(f"{A}updated") for e in root.iter(f"{A}entry")]
    if len(updated) != len(set(updated)):  # the W3C validator's DuplicateUpdated warning
        problems.append("entries share an atom:updated value")
    urls = [el.get("href", "") for el in root.iter(f"{A}link")]
    urls += [el.text or "" for el in root.iter(f"{A}id", f"{A}icon")]
    for content in root.iter(f"{A}content"):
        for node in parse_fragment(content.text or "").iter():
            urls += [node.get(a, "") for a in ("href", "src") if node.get(a) is not None]
    problems += [f"relative URL {u!r}" for u in urls if not urlsplit(u).scheme]
    parsed = feedparser.parse(data)
    if parsed.bozo:
        problems.append(f"feedparser: {parsed.bozo_exception}")
    if len(parsed.entries) != len(ids):
        problems.append("feedparser sees a different number of entries")
    return problems
