"""A feed in the other Chinese script: zh-Hant from simplified sources, zh-Hans from traditional.

Feed -> Feed, pure: the variant is a function of the feed (and the HTML policy), so two builds
give byte-identical variants. OpenCC itself runs in a child process (opencc_process.py).

What is converted: the feed's title and subtitle, each item's title, summary, categories and the
text nodes of its (already sanitized) content HTML; the HTML is then sanitized again, so that
nothing a conversion produces can reach a reader unescaped. What is not: URLs and every other
attribute (an href such as https://www.rfi.fr/cn/亚洲/... stays byte-identical), and names
(authors, the feed's author, an item's source feed): a name is written as its owner writes it,
and character conversion is least reliable on names (范 -> 範, 于 -> 於).
See docs/design.md, "Simplified and traditional Chinese".
"""

from __future__ import annotations

import hashlib
import html
import re
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from html.parser import HTMLParser
from itertools import islice
from typing import Protocol
from urllib.parse import urlsplit, urlunsplit

from refeed.ingest.policy import HtmlPolicy
from refeed.ingest.sanitize import sanitize_html
from refeed.output.feeds import feed_id
from refeed.output.model import Feed, FeedMeta
from refeed.output.opencc_process import OpenccProcess

Convert = Callable[[str], str]
UrlsFor = Callable[[str], Mapping[str, str]]  # feed name -> {format name: absolute URL}


@dataclass(frozen=True, slots=True)
class Variant:
    """A script a feed can be published in: its BCP 47 tag and the OpenCC configuration.

    Both are character-level: `s2tw` is `s2t` followed by Taiwan's standard character forms
    (為, 裡, 床, not OpenCC's 爲, 裏, 牀), with no vocabulary table (`s2twp` rewrites words:
    軟件 -> 軟體, and mistranslates news text). `t2s` is the brief's choice for traditional
    sources of any region.
    """

    tag: str  # BCP 47, as published in xml:lang / language / hreflang
    opencc_config: str

    @property
    def suffix(self) -> str:
        """What the variant adds to a feed name: rfi-cn -> rfi-cn.zh-hant."""
        return "." + self.tag.lower()


VARIANTS: Mapping[str, Variant] = {
    v.tag.lower(): v for v in (Variant("zh-Hant", "s2tw"), Variant("zh-Hans", "t2s"))
}
MAX_NAME = 64  # a feed file name: 1-64 of a-z 0-9 . _ -


def variant_for(tag: str) -> Variant:
    """The Variant a config value names (BCP 47 tags compare case-insensitively)."""
    try:
        return VARIANTS[tag.strip().lower()]
    except KeyError:
        known = ", ".join(repr(v.tag) for v in VARIANTS.values())
        raise ValueError(f"unknown variant {tag!r}: refeed publishes {known}") from None


def variant_name(feed_name: str, tag: str) -> str:
    """The variant's feed name (its file stem): rfi-cn + zh-Hant -> rfi-cn.zh-hant."""
    name = feed_name + variant_for(tag).suffix
    if len(name) > MAX_NAME:
        raise ValueError(
            f"feed name {feed_name!r} is too long for a variant: {name!r} has more than "
            f"{MAX_NAME} characters"
        )
    return name


def variant_entry_id(entry_id: str, tag: str) -> str:
    """An entry's id in a variant: a name-based UUID (RFC 4122 section 4.3) in the namespace of
    the original entry's UUID, named by the variant's tag. The same article has this id in
    every feed of that variant (source, combined, derived), and never the original's id."""
    return uuid.uuid5(uuid.UUID(entry_id), variant_for(tag).tag).urn


def make_variant(
    feed: Feed,
    variant: str,
    *,
    policy: HtmlPolicy,
    urls_for: UrlsFor | None = None,
    remembered: Remembered | None = None,
) -> Feed:
    """`feed` in the script `variant` names ("zh-Hant" or "zh-Hans").

    `urls_for(name)` gives the variant's URLs per format; without it, each of the original's
    URLs is renamed (https://x/rfi-cn.atom -> https://x/rfi-cn.zh-hant.atom). The feed id is
    derived from the variant's Atom URL, like every feed's; a feed whose homepage is its own
    page (a derived feed's) links the variant's page instead. `alternates` is left empty:
    `make_variants` links a feed and its variants to each other. `remembered`: conversions
    kept across processes (the state's); OpenCC runs only for a text nothing holds.
    """
    v = variant_for(variant)
    meta = feed.meta
    wanted = [("text", meta.title)] + ([("text", meta.subtitle)] if meta.subtitle else [])
    for item in feed.items:
        wanted += [("text", item.title), ("text", item.summary), ("html", item.content_html)]
        wanted += [("text", category) for category in item.categories]
    done = iter(CONVERTED.converted_all(wanted, v.opencc_config, policy, remembered))
    name = variant_name(meta.name, v.tag)
    urls = dict(urls_for(name)) if urls_for is not None else _renamed_urls(meta, name)
    own_page = meta.homepage == meta.urls.get("html")  # a derived feed's: its page on this site
    variant_meta = replace(
        meta,
        name=name,
        feed_id=feed_id(urls.get("atom") or next(iter(urls.values()))),
        homepage=urls.get("html", meta.homepage) if own_page else meta.homepage,
        title=next(done),
        subtitle=next(done) if meta.subtitle else meta.subtitle,
        language=v.tag,
        urls=urls,
        alternates=(),
        variant_of=meta.name,
    )
    items = tuple(
        replace(
            item,
            entry_id=variant_entry_id(item.entry_id, v.tag),
            title=next(done),
            summary=next(done),
            content_html=next(done),
            categories=tuple(dict.fromkeys(next(done) for _ in item.categories)),
        )
        for item in feed.items
    )
    return replace(feed, meta=variant_meta, items=items)


def make_variants(
    feed: Feed,
    variants: Iterable[str],
    *,
    policy: HtmlPolicy,
    urls_for: UrlsFor | None = None,
    remembered: Remembered | None = None,
) -> tuple[Feed, ...]:
    """`feed` and each of its variants, every one linked to all the others (`alternates`):
    the original first, then the variants in the order given, without repeats."""
    tags = dict.fromkeys(variant_for(t).tag for t in variants)
    versions = [feed] + [
        make_variant(feed, t, policy=policy, urls_for=urls_for, remembered=remembered) for t in tags
    ]
    metas = [replace(f.meta, alternates=()) for f in versions]
    return tuple(
        replace(f, meta=replace(f.meta, alternates=tuple(m for m in metas if m is not metas[i])))
        for i, f in enumerate(versions)
    )


def convert_html(content_html: str, convert: Convert, policy: HtmlPolicy) -> str:
    """Sanitized HTML with `convert` applied to its text nodes, sanitized again."""
    return _sanitize(_split_html(content_html).converted(convert), policy)


@dataclass(slots=True)
class _Split:
    """HTML cut into its markup and its text nodes (decoded), to convert the texts and put
    them back: `out` holds the markup, with an empty place at each index of `places`."""

    out: list[str]
    places: list[int]
    texts: list[str]

    def filled(self, converted: list[str]) -> str:
        """The HTML with each text replaced by its conversion, escaped again: a text that
        converts into markup stays text. Once: `out` is filled in place."""
        out = self.out
        for place, text in zip(self.places, converted, strict=True):
            out[place] = html.escape(text, quote=False)
        return "".join(out)

    def converted(self, convert: Convert) -> str:
        """The HTML with `convert` applied to its texts (joined for as few calls as can be)."""
        return self.filled(_convert_all(self.texts, convert))


def _split_html(content_html: str) -> _Split:
    return _split_plain(content_html) or _TextNodes.split(content_html)


# What a sanitizer writes: start tags with double-quoted attribute values (">" may be inside
# them), lower-case end tags, and text with character references, nothing else. Such HTML is
# split by one expression, the same tokens HTMLParser finds in it at a fifth of the cost
# (it was a seventh of a full build's output step); anything else (a comment, CDATA, an
# unquoted value, a stray "<", script or style) is left to _TextNodes.
_PLAIN_TOKEN = re.compile(
    r"""(<([a-zA-Z][a-zA-Z0-9]*)(?:\s+[^\s"'<>/=]+(?:="[^"]*")?)*\s*/?>|</[a-z][a-z0-9]*>)"""
    r"|([^<]+)"
)
_RAW_TEXT = frozenset(HTMLParser.CDATA_CONTENT_ELEMENTS)  # script, style: not text to convert


def _split_plain(content_html: str) -> _Split | None:
    """What `_TextNodes.split` gives for HTML made only of sanitizer tokens; None for any
    other HTML."""
    split = _Split([], [], [])
    out, places, texts = split.out, split.places, split.texts
    match, at, end = _PLAIN_TOKEN.match, 0, len(content_html)
    while at < end:
        token = match(content_html, at)
        if token is None:
            return None
        tag, name, text = token.groups()
        if text is not None:
            places.append(len(out))
            texts.append(html.unescape(text))
            out.append("")  # its place, filled once every text is converted
        elif name is not None and name.lower() in _RAW_TEXT:
            return None
        else:
            out.append(tag)
        at = token.end()
    return split


def converter(opencc_config: str) -> OpenccProcess:
    """One OpenCC converter per configuration, run by a child process started on its first
    call (loading the dictionaries takes ~0.2 s and 43 MiB, which the child holds and this
    process never does; a conversion takes microseconds). Characters OpenCC could only
    write with a rare Unicode extension that fonts lack (its "tofu risk" tables) are left
    as they are."""
    made = _CONVERTERS.get(opencc_config)
    if made is None:
        made = _CONVERTERS[opencc_config] = OpenccProcess(opencc_config)
    return made


_CONVERTERS: dict[str, OpenccProcess] = {}


class Remembered(Protocol):
    """Conversions kept beyond this process (state/conversions.py), by `conversion_key`."""

    def get(self, key: bytes) -> str | None: ...

    def put(self, key: bytes, value: str) -> None: ...


def conversion_key(kind: str, opencc_config: str, text: str) -> bytes:
    """What names a conversion: its kind ("text", or "html": converted and sanitized again),
    the OpenCC configuration and a digest of the original (which is not kept alive)."""
    data = f"{kind}\0{opencc_config}\0{text}".encode("utf-8", "surrogatepass")
    return hashlib.blake2b(data, digest_size=20).digest()


class ConvertedContents:
    """Conversions, remembered: an article is in several feeds of a variant (its source's,
    the combined, derived ones) and in every pass's feeds, and re-sanitizing is most of the
    cost of converting a content. In memory, bounded by the characters held (articles run to
    200 KB; the working set is the variant feeds' windows); behind that, what the caller
    keeps across processes (`Remembered`), so that a one-shot build converts only what is new
    and starts OpenCC's process (0.1-0.2 s, 43 MiB) only then."""

    def __init__(self, budget_chars: int) -> None:
        self.budget = budget_chars
        self.held = 0
        self._items: OrderedDict[tuple[bytes, HtmlPolicy | None], str] = OrderedDict()

    def converted_all(
        self,
        wanted: list[tuple[str, str]],
        opencc_config: str,
        policy: HtmlPolicy,
        remembered: Remembered | None = None,
    ) -> list[str]:
        """Each (kind, text) of `wanted` converted: kind "text" as OpenCC writes it, kind
        "html" by `convert_html` with `policy`. What neither memory holds is converted in
        one call into OpenCC, a feed's worth at once."""
        done: list[str | bytes] = []  # a conversion, or the key of one to make
        todo: dict[bytes, tuple[str, str]] = {}
        for kind, text in wanted:
            key = conversion_key(kind, opencc_config, text)
            memory_key = _memory_key(key, kind, policy)
            found = self._items.get(memory_key)
            if found is not None:
                self._items.move_to_end(memory_key)
                if remembered is not None and remembered.get(key) is None:
                    remembered.put(key, found)  # the state keeps what this process held
            elif remembered is not None and (found := remembered.get(key)) is not None:
                self._hold(memory_key, found)
            else:
                todo.setdefault(key, (kind, text))
            done.append(key if found is None else found)
        values = _convert_many(list(todo.values()), opencc_config, policy)
        made = dict(zip(todo, values, strict=True))
        for key, value in made.items():
            if remembered is not None:
                remembered.put(key, value)
            self._hold(_memory_key(key, todo[key][0], policy), value)
        return [made[value] if isinstance(value, bytes) else value for value in done]

    def _hold(self, key: tuple[bytes, HtmlPolicy | None], value: str) -> None:
        if len(value) <= self.budget:
            self._items[key] = value
            self.held += len(value)
            while self.held > self.budget:
                self.held -= len(self._items.popitem(last=False)[1])

    def clear(self) -> None:
        self._items.clear()
        self.held = 0


def _memory_key(key: bytes, kind: str, policy: HtmlPolicy) -> tuple[bytes, HtmlPolicy | None]:
    """What an in-memory conversion is kept under: an HTML one also by its policy (hashed by
    identity: a new policy converts anew)."""
    return key, policy if kind == "html" else None


def _convert_many(todo: list[tuple[str, str]], opencc_config: str, policy: HtmlPolicy) -> list[str]:
    """Each (kind, text) converted, every text and every text node of every HTML in one
    call into OpenCC (none when there is nothing to convert: its process is not started)."""
    if not todo:
        return []
    splits = [_split_html(text) if kind == "html" else None for kind, text in todo]
    texts: list[str] = []
    for (_, text), split in zip(todo, splits, strict=True):
        texts += split.texts if split is not None else [text]
    converted = iter(_convert_all(texts, converter(opencc_config)))
    return [
        next(converted)
        if split is None
        else _sanitize(split.filled(list(islice(converted, len(split.texts)))), policy)
        for split in splits
    ]


# Half a million characters (1-2 MiB). Each feed's conversions are kept in the state as well
# (state/conversions.py), so this spares only converting an article again for its other
# variant feeds in the same pass (source, combined, derived): the newest articles, converted
# last. It was four times this, and the largest allocation of a full build after OpenCC.
CONVERTED = ConvertedContents(budget_chars=500_000)


def unload() -> None:
    """End the converters' processes and drop the conversions held in memory (a daemon
    then holds neither between passes). The next conversion starts its process again
    (~0.2 s)."""
    for made in _CONVERTERS.values():
        made.close()
    _CONVERTERS.clear()
    CONVERTED.clear()


def _renamed_urls(meta: FeedMeta, name: str) -> dict[str, str]:
    """The original's URLs with the file stem `meta.name` replaced by `name`."""
    urls: dict[str, str] = {}
    for fmt, url in meta.urls.items():
        parts = urlsplit(url)
        folder, _, file = parts.path.rpartition("/")
        if not file.startswith(meta.name):
            raise ValueError(f"cannot derive a variant URL from {url!r}: pass urls_for")
        path = f"{folder}/{name}{file[len(meta.name) :]}"
        urls[fmt] = urlunsplit(parts._replace(path=path))
    return urls


class _TextNodes(HTMLParser):
    """Re-emits HTML token by token, converting text only.

    Every start tag is copied from the input as written (`get_starttag_text`), so attribute
    values (quoted, `>` inside them included) are never seen as text. Text arrives with its
    character references decoded; it is converted and escaped again (`&`, `<`, `>`), so a
    text that converts into markup stays text. Runs of text are joined before converting, so
    a phrase is never split. Raw-text elements (script, style) and comments, declarations and
    CDATA sections pass through unconverted; sanitized HTML holds none of them, and the
    sanitizer that follows decides about them if it ever does.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._split = _Split([], [], [])
        self._out = self._split.out
        self._text: list[str] = []
        self._raw_text_element: str | None = None

    @classmethod
    def split(cls, content_html: str) -> _Split:
        parser = cls()
        parser.feed(content_html)
        parser.close()
        parser._flush()
        return parser._split

    @classmethod
    def convert(cls, content_html: str, convert: Convert) -> str:
        return cls.split(content_html).converted(convert)

    def _flush(self) -> None:
        if self._text:
            text = "".join(self._text)
            self._text.clear()
            if self._raw_text_element is not None:
                self._out.append(text)
            else:
                self._split.places.append(len(self._out))
                self._split.texts.append(text)
                self._out.append("")  # its place, filled once every text is converted

    def _emit(self, markup: str) -> None:
        self._flush()
        self._out.append(markup)

    def handle_data(self, data: str) -> None:
        self._text.append(data)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._emit(self.get_starttag_text() or "")
        if tag in self.CDATA_CONTENT_ELEMENTS:
            self._raw_text_element = tag

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._emit(self.get_starttag_text() or "")

    def handle_endtag(self, tag: str) -> None:
        self._emit(f"</{tag}>")
        if tag == self._raw_text_element:
            self._raw_text_element = None

    def handle_comment(self, data: str) -> None:
        self._emit(f"<!--{data}-->")

    def handle_decl(self, decl: str) -> None:
        self._emit(f"<!{decl}>")

    def handle_pi(self, data: str) -> None:
        self._emit(f"<?{data}>")

    def unknown_decl(self, data: str) -> None:
        self._emit(f"<![{data}]>")


# Joins texts for one call into OpenCC (a call per text node was a third of a full build's
# rendering, and each call is a round trip to OpenCC's process): a private-use character is
# in no dictionary, so no phrase spans it and each text converts as it would alone.
_BETWEEN = "\ue000"


# The most characters joined for one call: what OpenCC's process holds at once is bounded
# (a window of a hundred 200 KB articles would be 20 million), and a call this large costs
# 40-80 times a round trip.
BATCH_CHARS = 1_000_000


def _convert_all(texts: list[str], convert: Convert) -> list[str]:
    """`convert` of each text, joined for as few calls as BATCH_CHARS allows (a text the
    separator could be confused in goes alone)."""
    converted = [""] * len(texts)
    for batch in _batches(texts):
        if len(batch) == 1:
            converted[batch[0]] = convert(texts[batch[0]])
            continue
        parts = convert(_BETWEEN.join(texts[i] for i in batch)).split(_BETWEEN)
        if len(parts) != len(batch):  # never seen: OpenCC keeps private-use characters
            parts = [convert(texts[i]) for i in batch]
        for i, part in zip(batch, parts, strict=True):
            converted[i] = part
    return converted


def _batches(texts: list[str]) -> Iterator[list[int]]:
    """The texts' indexes in order, in groups to be joined for one call each."""
    batch: list[int] = []
    held = 0
    for i, text in enumerate(texts):
        if _BETWEEN in text:
            yield [i]
            continue
        if batch and held + len(text) > BATCH_CHARS:
            yield batch
            batch, held = [], 0
        batch.append(i)
        held += len(text) + 1
    if batch:
        yield batch


def _sanitize(content_html: str, policy: HtmlPolicy) -> str:
    """The one call into refeed's sanitizer (whatever engine it runs)."""
    return sanitize_html(content_html, policy, base=None)  # its URLs are absolute already
