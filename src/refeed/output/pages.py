"""The pages a person reads: index.html (every feed) and <feed>.html (one feed's entries).

Site / Feed -> views of checked, plain values -> Jinja2 templates (autoescaped) -> bytes

The only module that imports Jinja2. Every value from the seeds reaches the templates through
the views below: text stripped of unwritable characters, URLs checked (web_url) so that a
`javascript:` or malformed URL becomes no link at all; the templates then escape everything
(autoescape, no `|safe` anywhere). A Content-Security-Policy in each page allows no script
and only its own stylesheet, by hash: even markup that slipped through could not run.
Rendering is a pure function of the model: no clock, no locale, no environment.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any
from urllib.parse import quote

import jinja2

from refeed.output.formats import FEED_FORMATS, FEED_PAGE, SITE_DOCUMENTS
from refeed.output.model import Feed, FeedMeta, Item, Site
from refeed.output.webtext import plain_text, web_url

# How pages name each format to a person; a format missing here is shown by its name.
FORMAT_LABELS = {"atom": "Atom", "rss": "RSS", "json": "JSON Feed"}
UNKNOWN_LANGUAGE = "und"  # BCP 47 "undetermined": honest where a feed names no language
STYLESHEET = "style.css"


@dataclass(frozen=True, slots=True)
class Link:
    label: str
    href: str
    media_type: str


@dataclass(frozen=True, slots=True)
class ScriptLink:
    """The same feed's page in the other Chinese script (a variant, or the original)."""

    label: str  # in the script it names: 繁體中文 / 简体中文
    href: str
    lang: str | None  # BCP 47, for hreflang and lang; None when the source names none


@dataclass(frozen=True, slots=True)
class ItemView:
    title: str
    href: str | None
    iso_date: str
    date_text: str
    source: str | None
    source_href: str | None
    authors: str
    summary: str
    image: str | None
    image_alt: str


@dataclass(frozen=True, slots=True)
class FeedView:
    name: str
    kind: str
    title: str
    subtitle: str
    lang: str
    page_href: str
    homepage: str | None
    homepage_text: str
    subscribe: tuple[Link, ...]
    items: tuple[ItemView, ...]
    total: int
    scripts: tuple[ScriptLink, ...] = ()


def render_feed_page(feed: Feed) -> bytes:
    """<name>.html: the feed's entries to skim, what the index links to first."""
    return _render("feed.html", feed=_feed_view(feed, FEED_FORMATS))


def render_index(site: Site) -> bytes:
    """index.html: every feed with its subscribe links, and autodiscovery for readers."""
    formats = [name for name in site.formats if name in FEED_FORMATS]
    feeds = [_feed_view(feed, formats, newest_only=True) for feed in site.feeds]
    opml = web_url(_join(site.base_url, "index" + SITE_DOCUMENTS["index.opml"].suffix))
    return _render(
        "index.html",
        title=plain_text(site.title).strip(),
        description=plain_text(site.description or ""),
        feeds=feeds,
        opml_href=opml,
        opml_type=SITE_DOCUMENTS["index.opml"].media_type,
    )


def _feed_view(feed: Feed, formats: Iterable[str], newest_only: bool = False) -> FeedView:
    """The feed's checked values; the index shows only its newest item, so builds only that."""
    meta = feed.meta
    items = feed.items[:1] if newest_only else feed.items
    homepage = web_url(meta.homepage)
    return FeedView(
        name=meta.name,
        kind=meta.kind,
        title=plain_text(meta.title).strip() or plain_text(meta.name),
        subtitle=plain_text(meta.subtitle or ""),
        lang=_language(meta.language),
        page_href=_page_href(meta),
        homepage=homepage,
        homepage_text=_without_scheme(homepage or ""),
        subscribe=tuple(_subscribe_links(meta.urls, formats)),
        items=tuple(_item_view(item, meta) for item in items),
        total=feed.total,
        scripts=tuple(_script_link(alt) for alt in meta.alternates),
    )


def _script_link(alternate: FeedMeta) -> ScriptLink:
    """A link a reader of either script recognises: the script's name, written in it."""
    tag = plain_text(alternate.language or "").strip() or None
    return ScriptLink(_script_label(tag), _page_href(alternate), tag)


def _script_label(tag: str | None) -> str:
    subtags = (tag or "").lower().split("-")
    if subtags[0] != "zh":
        return tag or "原文"  # (variants are Chinese; an untagged original is "the original")
    traditional = {"hant", "tw", "hk", "mo"}
    return "繁體中文" if traditional & set(subtags[1:]) else "简体中文"


def _subscribe_links(urls: Mapping[str, str], formats: Iterable[str]) -> Iterable[Link]:
    """A link per enabled format the feed is published in, in the registry's order."""
    for name in FEED_FORMATS:
        href = web_url(urls.get(name))
        if name in formats and href:
            yield Link(FORMAT_LABELS.get(name, name), href, FEED_FORMATS[name].media_type)


def _item_view(item: Item, meta: FeedMeta) -> ItemView:
    source = item.source
    defaults = {meta.author, source.author if source else meta.author}
    image = item.image if item.image and item.image.medium == "image" else None
    return ItemView(
        title=plain_text(item.title).strip() or plain_text(_without_scheme(item.url)),
        href=web_url(item.url),
        iso_date=_iso(item.published),
        date_text=_readable(item.published),
        source=(plain_text(source.title).strip() or plain_text(source.name)) if source else None,
        source_href=_page_href(source) if source else None,
        # A byline that only repeats the feed's own author says nothing on this page.
        authors=plain_text(", ".join(a for a in item.authors if a not in defaults)),
        summary=plain_text(item.summary),
        image=web_url(image.url) if image else None,
        image_alt=plain_text(image.alt) if image else "",
    )


def _page_href(meta: FeedMeta) -> str:
    """The feed page, relative: pages link to each other wherever the folder is served.

    Every character but letters, digits and `_.-~` is percent-encoded, so no name can turn
    the link into another scheme (`x:`) or another host (`//x`).
    """
    return quote(meta.name, safe="") + FEED_PAGE.suffix


def _language(tag: str | None) -> str:
    return plain_text(tag or "").strip() or UNKNOWN_LANGUAGE


def _iso(moment: datetime) -> str:
    """A valid global date and time string (HTML's <time datetime>), in UTC."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _readable(moment: datetime) -> str:
    """The date as people read it everywhere, whatever the process locale: no month names."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _without_scheme(url: str) -> str:
    return url.partition("://")[2].rstrip("/") or url


def _join(base: str, name: str) -> str:
    return base.rstrip("/") + "/" + name


def _render(template: str, **values: Any) -> bytes:
    env = _environment()
    page = env.get_template(template).render(csp=_content_security_policy(), **values)
    return page.encode("utf-8")


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("refeed.output", "templates"),
        autoescape=True,  # every page is HTML: escape every value, attributes included
        undefined=jinja2.StrictUndefined,  # a misspelt name is an error, not an empty string
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


@cache
def _content_security_policy() -> str:
    """No script, no plugin, no frame, no form; images from the web; our stylesheet only."""
    css = _environment().get_template(STYLESHEET).render()
    digest = base64.b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode("ascii")
    return (
        "default-src 'none'; img-src http: https:; "
        f"style-src 'sha256-{digest}'; base-uri 'none'; form-action 'none'"
    )
