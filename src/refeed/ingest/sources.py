"""Which source an article belongs to, decided by its URL (routing only: how a source's feed
presents itself is refeed.output.feeds' business, read at render time).

Configured rules match on host and path prefix; the longest matching prefix wins, so a rule for
`www.rfi.fr/cn/` beats one for `www.rfi.fr/`. An article whose host no rule matches gets a source
derived from the host (`www.dw.com` -> feed `dw.com`), so a new site needs no configuration.
"""

from __future__ import annotations

import contextlib
import re
import uuid
import zoneinfo
from datetime import tzinfo
from urllib.parse import unquote, urlsplit

from refeed.config import COMBINED_NAME, Config, SourceRule

_NOT_NAME_CHARS = re.compile(r"[^a-z0-9.-]+")


def entry_id(canonical_url: str) -> str:
    """An entry's id: a name-based UUID of the article's canonical URL, the same in every feed."""
    return uuid.uuid5(uuid.NAMESPACE_URL, canonical_url).urn


class SourceResolver:
    """Maps article URLs to sources, and to the categories their paths name, for one Config."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.rules: dict[str, SourceRule] = {r.name: r for r in config.sources}
        # (host, prefix, rule), most specific prefix first
        self._matchers = sorted(
            ((host, prefix, rule) for rule in config.sources for host, prefix in rule.match),
            key=lambda m: (-len(m[1]), m[2].name),
        )

    def source_for(self, url: str) -> str:
        """The name of the source that `url` (a canonical article URL) belongs to."""
        rule = self._rule_for(url)
        if rule is not None:
            return rule.name
        name = derived_name(urlsplit(url).hostname or "unknown")
        # a host outside a configured source's prefix must not slip into that source's feed
        return f"{name}-other" if name in self.rules else name

    def _rule_for(self, url: str) -> SourceRule | None:
        parts = urlsplit(url)
        host, path = (parts.hostname or "").lower(), parts.path or "/"
        for rule_host, prefix, rule in self._matchers:
            if host == rule_host and _path_has_prefix(path, prefix):
                return rule
        return None

    def zone_for(self, url: str) -> tzinfo | None:
        """The time zone of dates written without an offset on `url`'s pages, if configured."""
        rule = self._rule_for(url)
        if rule is None or rule.timezone is None:
            return None
        return zoneinfo.ZoneInfo(rule.timezone)

    def url_categories(self, url: str) -> tuple[str, ...]:
        """The section named by the URL path, for sources with `section_from_path`.

        It is the first path segment after the rule's prefix, when more segments follow it
        and it is not a number: /cn/亚洲/20230809-slug -> 亚洲, /china/20230714/x/ -> china.
        """
        rule = self._rule_for(url)
        if rule is None or not rule.section_from_path:
            return ()
        path = urlsplit(url).path
        prefix = next(p for h, p, r in self._matchers if r is rule and _path_has_prefix(path, p))
        segments = [s for s in path[len(prefix) :].split("/") if s]
        if len(segments) < 2 or segments[0].isdigit():
            return ()
        section = unquote(segments[0]).strip()
        return (section,) if section else ()


def derived_name(host: str) -> str:
    """A feed name from a host: lower case, without `www.`, only a-z 0-9 . - characters."""
    host = host.lower().rstrip(".").removeprefix("www.")
    with contextlib.suppress(UnicodeError):  # not an IDNA host: the substitution below copes
        host = host.encode("idna").decode("ascii")
    name = _NOT_NAME_CHARS.sub("-", host).strip(".-")[:64] or "unknown"
    return name if name != COMBINED_NAME else f"{name}-host"


def _path_has_prefix(path: str, prefix: str) -> bool:
    """'/cn/x' has prefix '/cn/' and '/cn'; '/cnn' has neither."""
    if prefix.endswith("/"):
        return path.startswith(prefix) or path == prefix.rstrip("/")
    return path == prefix or path.startswith(prefix + "/")
