"""Derived feeds (`[[feeds]]`): feeds cut from every source's entries by rules.

Filter first, then cap: a derived feed holds the newest `max_entries` entries that match its
rules, with the same entry ids as in the source feeds (aggregators deduplicate by id). Which
entries match is kept in the state (Memberships) and updated in O(changed): each pass judges
only the entries that changed, and judges everything again only when a feed's rules change
(which never re-cleans an article: rules read stored, already-clean fields).
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

from refeed.config import Config, DerivedFeed
from refeed.models import StoredEntry
from refeed.state.members import Memberships
from refeed.state.store import Store

_TAG = re.compile(r"<[^>]*>")


@dataclass(frozen=True)
class Rule:
    """A derived feed's rules, compiled; `languages` maps source names to their language."""

    feed: DerivedFeed
    languages: dict[str, str | None]

    @cached_property
    def _flags(self) -> int:
        return 0 if self.feed.case_sensitive else re.IGNORECASE

    def _any(self, patterns: Iterable[str]) -> re.Pattern[str] | None:
        body = "|".join(f"(?:{p})" for p in patterns)
        return re.compile(body, self._flags) if body else None

    @cached_property
    def _patterns(self) -> tuple[re.Pattern[str] | None, ...]:
        f = self.feed
        return tuple(
            self._any(p) for p in (f.include_title, f.include_text, f.exclude_title, f.exclude_text)
        )

    def matches(self, entry: StoredEntry) -> bool:
        f, a = self.feed, entry.article
        if f.sources and entry.source not in f.sources:
            return False
        if f.categories and not _meets({c.casefold() for c in entry.categories}, f.categories):
            return False
        if f.authors and not _meets({a.author.casefold()} if a.author else set(), f.authors):
            return False
        if f.languages and not _speaks(self.languages.get(entry.source), f.languages):
            return False
        inc_title, inc_text, exc_title, exc_text = self._patterns
        text = ""
        if inc_text is not None or exc_text is not None:
            text = " ".join((a.title, a.summary, html.unescape(_TAG.sub(" ", a.content_html))))
        if (inc_title or inc_text) and not (
            (inc_title is not None and inc_title.search(a.title))
            or (inc_text is not None and inc_text.search(text))
        ):
            return False
        return not (
            (exc_title is not None and exc_title.search(a.title))
            or (exc_text is not None and exc_text.search(text))
        )

    def fingerprint(self) -> str:
        parts = json.dumps([self.feed.rules(), sorted(self.languages.items(), key=str)])
        return hashlib.sha256(parts.encode()).hexdigest()


def _meets(values: set[str], wanted: Iterable[str]) -> bool:
    return any(w.casefold() in values for w in wanted)


def _speaks(language: str | None, wanted: Iterable[str]) -> bool:
    """BCP 47 prefix matching (RFC 4647 basic filtering): "zh" matches "zh-CN"."""
    tag = (language or "").lower()
    return any(tag == w.lower() or tag.startswith(w.lower() + "-") for w in wanted)


def update_memberships(store: Store, config: Config, everything: bool) -> set[str]:
    """Bring every derived feed's membership up to date; the feeds whose membership or whose
    members changed (to be rendered again)."""
    members = Memberships(store)
    members.forget_except({f.name for f in config.feeds})  # all of them, when none is left
    if not config.feeds:
        return set()
    languages = {r.name: r.language or config.language for r in config.sources}
    dirty: set[str] = set()
    rules = [Rule(feed, languages) for feed in config.feeds]
    full = [r for r in rules if everything or members.fingerprint(r.feed.name) != r.fingerprint()]
    if full:  # one streamed scan of the archive for every feed whose rules changed
        found: dict[str, list[str]] = {r.feed.name: [] for r in full}
        for entry in store.all_entries():
            for rule in full:
                if rule.matches(entry):
                    found[rule.feed.name].append(entry.article.url)
        for rule in full:
            members.replace(rule.feed.name, found[rule.feed.name])
            members.set_fingerprint(rule.feed.name, rule.fingerprint())
            dirty.add(rule.feed.name)
    rest = [r for r in rules if r not in full]
    if rest:
        changed, gone = store.changed_entries(), store.changed_urls()
        for rule in rest:
            if members.judge(rule.feed.name, changed, rule.matches, gone):
                dirty.add(rule.feed.name)
    return dirty
