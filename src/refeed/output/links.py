"""What every feed format says of a document's place (RFC 5005) and its hubs (WebSub).

The renderers share these rules so that Atom, RSS and JSON Feed never disagree: which
history links a document carries, which fh: marks, and which hubs it names.
"""

from __future__ import annotations

from refeed.output.model import Feed, FeedMeta, History

FH_NS = "http://purl.org/syndication/history/1.0"  # RFC 5005 archived feeds
# RFC 5005 link relations, in the order they are written, and the History field of each.
HISTORY_RELS = (
    ("current", "current"),
    ("prev-archive", "prev_archive"),
    ("next-archive", "next_archive"),
)


def history_links(history: History | None, format_name: str) -> list[tuple[str, str]]:
    """(rel, href) of the RFC 5005 links of the document in `format_name`.

    Each link points at the same document in the same format. A complete feed carries none:
    RFC 5005 section 2 allows it no archive links, and the W3C validator reports any as
    FeedRelInCompleteFeed.
    """
    if history is None or (history.complete and not history.archive):
        return []
    links = []
    for rel, field in HISTORY_RELS:
        urls = getattr(history, field)
        if urls is not None and format_name in urls:
            links.append((rel, urls[format_name]))
    return links


def history_marks(history: History | None) -> list[str]:
    """The fh: elements the document carries, in order: "archive", "complete"."""
    if history is None:
        return []
    return [
        name for name, on in (("archive", history.archive), ("complete", history.complete)) if on
    ]


def subscription_hubs(feed: Feed) -> tuple[str, ...]:
    """The WebSub hubs a document names: a subscription document's, never an archive page's
    (a page that never changes is never announced, so no hub would ever tell of it)."""
    if feed.history is not None and feed.history.archive:
        return ()
    return feed.meta.hubs


# RFC 4287 section 4.2.7.2: a rel name is the relation named by this IRI followed by the name.
# An Atom feed links the same feed in the other script with the IRI form of "alternate":
# readers take the feed's website from its links by the string "alternate", some the first
# such link (Tiny Tiny RSS) and some the last (newsboat), so the page must be the only one.
ALTERNATE_IRI = "http://www.iana.org/assignments/relation/alternate"


def alternate_links(meta: FeedMeta, format_name: str) -> list[tuple[str, str | None]]:
    """(href, hreflang) of the same feed in the other script, in `format_name`. A variant
    always names its language; an original whose source names none is linked without
    hreflang (it is still the only alternate of its type without one)."""
    return [
        (alt.urls[format_name], alt.language) for alt in meta.alternates if format_name in alt.urls
    ]
