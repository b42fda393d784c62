"""ParsedArticle -> CleanArticle: the article and only the article, safe to publish.

The order matters and is the same for every article:
 1. parse as a browser does (HTML5, html5.walk_body) into a BeautifulSoup tree, leaving out
    comments and the elements dropped with their content (script, iframe, svg, ...); forms
    go with their content only while small;
 2. flatten absurd nesting;
 3. read the metadata the page carries (author byline, rel="tag" categories);
 4. drop clutter: custom elements, share widgets and their labels, promo blocks, pixels;
 5. fix URLs: lazy images get a real src, every URL absolute and free of tracking parameters,
    links get rel="noopener noreferrer";
 6. prune wrappers left empty, take the lead paragraph as summary;
 7. sanitize LAST (sanitize.sanitize_html): whatever the steps above missed, the allowlist stops.
Steps 1-6 make the content clean; only step 7 makes it safe.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import tzinfo

from refeed.errors import SeedError
from refeed.ingest.html5 import walk_body
from refeed.ingest.page import with_page_facts
from refeed.ingest.policy import HtmlPolicy
from refeed.ingest.sanitize import sanitize_html, xml_safe_text
from refeed.ingest.soup import BeautifulSoup, HTMLTreeBuilder, NavigableString, PageElement, Tag
from refeed.ingest.sources import entry_id
from refeed.ingest.urls import absolutize, canonical_url, is_web_url, rewrite_srcset, strip_tracking
from refeed.models import CleanArticle, ParsedArticle

MEDIA = frozenset({"img", "picture", "video", "audio"})
# Elements that mean something even when empty; every other element with no text and no
# media inside is a wrapper left behind and goes.
KEEP_EMPTY = frozenset(
    {"img", "picture", "source", "br", "hr", "wbr", "td", "th", "tr", "col", "colgroup"}
)
KEEP_FLAT = frozenset({"img", "br"})  # elements kept when deep nesting is flattened
BLOCKS = frozenset(
    {"div", "p", "section", "aside", "article", "header", "footer", "li", "blockquote", "figure"}
)
_SIZE = re.compile(r"(?:^|;)\s*(width|height)\s*:\s*(\d+)(?:px)?\s*(?:;|$)", re.I)
_HIDDEN = re.compile(r"(?:^|;)\s*(display\s*:\s*none|visibility\s*:\s*hidden)", re.I)
_PLACEHOLDER = re.compile(
    r"^(data:|about:)|(blank|spacer|placeholder|lazy|transparent)\.(gif|png)", re.I
)
AUTHOR_MAX_CHARS = 120


def clean_article(
    article: ParsedArticle, policy: HtmlPolicy, zone: tzinfo | None = None
) -> CleanArticle:
    """Clean and sanitize one article; SeedError if nothing worth publishing is left.
    `zone`: the source's time zone, for page dates written without an offset."""
    # Every step walks one list of the elements (in document order, made while parsing)
    # instead of searching the tree again; an element a step removes is marked decomposed
    # and skipped after it.
    builder = _Html5TreeBuilder(policy.drop_with_content - policy.drop_unless_large)
    root: Tag = BeautifulSoup(article.body_html, builder=builder)
    base = article.url
    tags = _drop_unless_large(builder.tags, policy)
    tags = _flatten_deep(root, tags, policy.max_nesting)
    author = _take_author(tags)
    categories = _page_categories(tags)
    resolve = _Resolver(base)  # each distinct URL of the article resolved once
    promo = policy.promo_text_re.search("".join(builder.texts)) is not None
    _drop_clutter(root, tags, policy, resolve, promo)
    _fix_urls(tags, resolve, policy)
    _prune_empty(tags)
    _trim_edges(root)
    tags = [t for t in tags if not _gone(t)]
    if not root.get_text(strip=True) and not any(t.name in MEDIA for t in tags):
        raise SeedError(
            article.seed, "nothing left after cleaning: the body holds no text and no image"
        )
    summary = _lead_text(root, tags, policy.summary_max_chars)
    content = sanitize_html(_serialize(root, policy.allowed_tags), policy, base=article.url)
    url = canonical_url(article.url, policy.is_tracking_parameter)
    title = xml_safe_text(article.title).strip() or _shorten(summary, 80) or url
    clean = CleanArticle(
        seed=article.seed,
        entry_id=entry_id(url),
        url=url,
        title=title,
        published=article.published,
        author=author,
        summary=summary,
        content_html=content,
        categories=categories,
    )
    return with_page_facts(clean, article.body_html, zone)


class _Html5TreeBuilder(HTMLTreeBuilder):
    """Builds the soup from the HTML5 parser's tree (html5.walk_body), not from libxml2's
    reading; `tags` lists the elements built, in document order."""

    NAME = "refeed-html5"
    features = (NAME, "html")

    def __init__(self, skip: frozenset[str]) -> None:
        super().__init__()
        self.skip = skip
        self.tags: list[Tag] = []
        self.texts: list[str] = []  # every text node, for a search of the whole text at once

    def prepare_markup(  # type: ignore[override]
        self, markup: str, *args: object, **kwargs: object
    ) -> Iterator[tuple[str, None, None, bool]]:
        yield markup, None, None, False

    def feed(self, markup: str) -> None:  # type: ignore[override]
        soup = self.soup
        assert soup is not None
        handle_start, built = soup.handle_starttag, self.tags.append

        def start(name: str, attrs: dict[str, str]) -> None:
            tag = handle_start(name, None, None, attrs)
            if tag is not None:
                built(tag)

        handle_data, seen = soup.handle_data, self.texts.append

        def text(data: str) -> None:
            seen(data)
            handle_data(data)

        walk_body(markup, start, soup.handle_endtag, text, self.skip)


class _Resolver(dict[str, str | None]):
    """absolutize() against the article URL, remembered: an image's URL comes back in its
    srcset and its lazy-loading attribute, a link's in the share-link check."""

    def __init__(self, base: str) -> None:
        super().__init__()
        self.base = base

    def __missing__(self, url: str) -> str | None:
        resolved = self[url] = absolutize(url, self.base)
        return resolved


def _drop_unless_large(tags: list[Tag], policy: HtmlPolicy) -> list[Tag]:
    """Forms and their kin go with their content while small; one that holds more (the rest of
    the article, when its end tag is missing) stays for the sanitizer to unwrap."""
    dropped = False
    for el in tags:
        guarded = el.name in policy.drop_unless_large and not _gone(el)
        if guarded and len(el.get_text()) <= policy.clutter_max_text:
            el.decompose()
            dropped = True
    return [t for t in tags if not _gone(t)] if dropped else tags


def _flatten_deep(root: Tag, tags: list[Tag], max_depth: int) -> list[Tag]:
    """Flatten what is nested deeper than `max_depth`: its text and images are kept, lifted
    into the element at the limit, and the deeper elements go. Linear in the document size
    (bs4's unwrap() is not, for a deep chain)."""
    depth: dict[int, int] = {id(root): 0}
    at_limit: list[Tag] = []
    for el in tags:
        d = depth[id(el)] = depth.get(id(el.parent), 0) + 1
        if d == max_depth and any(isinstance(c, Tag) for c in el.contents):
            at_limit.append(el)
    if not at_limit:
        return tags
    for el in at_limit:
        keep = [
            n
            for n in el.descendants
            if type(n) is NavigableString or (isinstance(n, Tag) and n.name in KEEP_FLAT)
        ]
        for node in keep:
            node.extract()
        el.clear(decompose=True)
        el.extend(keep)
    return [t for t in tags if not _gone(t)]


def _take_author(tags: list[Tag]) -> str | None:
    """The byline: an <address> (removed, it becomes metadata), else a rel/itemprop author."""
    address = next((t for t in tags if t.name == "address"), None)
    if address is not None:
        name = _text(address)
        address.decompose()
        if 0 < len(name) <= AUTHOR_MAX_CHARS:
            return xml_safe_text(name)
    for el in tags:
        if _gone(el):
            continue
        if "author" in _tokens(el, "rel") or "author" in _tokens(el, "itemprop"):
            name = _text(el)
            if 0 < len(name) <= AUTHOR_MAX_CHARS:
                return xml_safe_text(name)
    return None


def _page_categories(tags: list[Tag]) -> tuple[str, ...]:
    """Categories the page names with rel="tag" links, in page order, without repeats."""
    found = [_text(a) for a in tags if a.name == "a" and "tag" in _tokens(a, "rel")]
    return tuple(dict.fromkeys(xml_safe_text(t) for t in found if t))


def _drop_clutter(
    root: Tag, tags: list[Tag], policy: HtmlPolicy, resolve: _Resolver, promo: bool
) -> None:
    """Custom elements, share/promo-marked elements, share links, promo blocks (looked for
    text node by text node only if the whole text has a `promo` match), pixels."""
    for el in tags:
        if _gone(el):
            continue
        custom = "-" in el.name  # <share-button>, <share-modal> and every other custom element
        marked = _is_marked_clutter(el, policy) and len(el.get_text()) <= policy.clutter_max_text
        if custom or marked:
            el.decompose()
    for a in tags:
        if a.name != "a" or _gone(a) or "href" not in a.attrs:
            continue
        href = resolve[str(a["href"])]
        if href is not None and policy.share_url_re.match(href):
            parent = a.parent
            a.decompose()
            _drop_if_label_only(parent, root, policy)
    for node in root.find_all(string=policy.promo_text_re) if promo else ():
        if isinstance(node, NavigableString) and node.parent is not None:
            _drop_promo_block(node, root, policy)
    for img in tags:
        if (
            img.name == "img"
            and not _gone(img)
            and _is_tracking_pixel(img, policy.tracking_pixel_max)
        ):
            img.decompose()


def _is_marked_clutter(el: Tag, policy: HtmlPolicy) -> bool:
    if any(policy.clutter_attribute_re.fullmatch(name) for name in el.attrs):
        return True
    tokens = _tokens(el, "class") + _tokens(el, "id")
    return any(policy.clutter_token_re.fullmatch(t) for t in tokens)


def _drop_if_label_only(el: Tag | None, root: Tag, policy: HtmlPolicy) -> None:
    """Walk up from a removed share link, removing containers left with only a share label."""
    while el is not None and el is not root and not _gone(el):
        text = el.get_text()
        if el.find(MEDIA) is not None or not (
            not text.strip() or policy.share_label_re.fullmatch(text)
        ):
            return
        parent = el.parent
        el.decompose()
        el = parent


def _drop_promo_block(node: NavigableString, root: Tag, policy: HtmlPolicy) -> None:
    """Remove the smallest block holding a promo text, or the text alone if that block is big."""
    block = node.parent
    while block is not None and block is not root and block.name not in BLOCKS:
        block = block.parent
    if block is not None and block is not root and len(block.get_text()) <= policy.clutter_max_text:
        block.decompose()
    else:
        node.extract()


def _is_tracking_pixel(img: Tag, max_side: int) -> bool:
    style = str(img.get("style", ""))
    if _HIDDEN.search(style):
        return True
    sides = {k.lower(): int(v) for k, v in _SIZE.findall(style)}
    for side in ("width", "height"):
        value = str(img.get(side, "")).strip().removesuffix("px")
        if value.isdigit():
            sides[side] = int(value)
    if any(v == 0 for v in sides.values()):
        return True
    return len(sides) == 2 and all(v <= max_side for v in sides.values())


def _fix_urls(tags: list[Tag], resolve: _Resolver, policy: HtmlPolicy) -> None:
    """Lazy images made real; URLs absolute and untracked; links opened safely."""

    fixed: dict[str, str | None] = {}

    def fix(url: str) -> str | None:
        if url in fixed:
            return fixed[url]
        resolved = resolve[url]
        if resolved is not None and is_web_url(resolved):
            resolved = strip_tracking(resolved, policy.is_tracking_parameter)
        fixed[url] = resolved
        return resolved

    for el in tags:
        if _gone(el):
            continue
        if el.name in ("img", "source"):
            _unlazy(el, policy)
        for name, raw in list(el.attrs.items()):
            if not isinstance(raw, str):  # multi-valued (class, rel): never a URL
                continue
            value: str = raw
            if name in policy.url_attributes:
                new = fix(value)
            elif name in policy.srcset_attributes:
                new = rewrite_srcset(value, fix) or None
            else:
                continue
            if new is None:
                del el[name]
            else:
                el[name] = new
        if el.name == "a":
            el["rel"] = "noopener noreferrer"


def _unlazy(el: Tag, policy: HtmlPolicy) -> None:
    """Move a lazy-loading URL (data-src, ...) where a reader will load it."""
    for lazy, real in policy.lazy_image_attributes:
        lazy_url = str(el.get(lazy, "")).strip()
        current = str(el.get(real, "")).strip()
        if lazy_url and (not current or _PLACEHOLDER.search(current)):
            el[real] = lazy_url


def _prune_empty(tags: list[Tag]) -> None:
    """Remove elements left with no text and no media, innermost first, in one pass."""
    for el in reversed(tags):
        if el.name in KEEP_EMPTY or _gone(el):
            continue
        if all(
            (isinstance(c, NavigableString) and not c.strip())
            or (isinstance(c, Tag) and c.name == "br")
            for c in el.contents
        ):
            el.decompose()


def _trim_edges(root: Tag) -> None:
    """Line breaks, rules and blank text at the very start or end of the article go."""
    for pick in (0, -1):
        while root.contents:
            edge = root.contents[pick]
            if isinstance(edge, Tag) and edge.name in ("br", "hr"):
                edge.decompose()
            elif isinstance(edge, NavigableString) and not edge.strip():
                edge.extract()
            else:
                break


def _lead_text(root: Tag, tags: list[Tag], max_chars: int) -> str:
    """The first paragraph with text, as plain text, cut to `max_chars`."""
    for p in tags:
        if p.name != "p":
            continue
        text = _text(p)
        if text:
            return xml_safe_text(_shorten(text, max_chars))
    return xml_safe_text(_shorten(_text(root), max_chars))


def _serialize(root: Tag, allowed: frozenset[str]) -> str:
    """The tree as HTML, for the sanitizer to parse: what bs4's decode() writes (attributes
    sorted, text and attribute values escaped, void elements self-closed; only a value holding
    a `"` is quoted differently, and parses the same), without its per-node formatter
    machinery, which cost a fifth of the clean stage. Iterative: no recursion limit.

    Elements the policy does not allow are written as their content alone: the sanitizer
    would remove them anyway, and an engine may take their content with them (ammonia drops
    what is inside a stray MathML <mi>), which would lose text a browser shows."""
    parts: list[str] = []
    write = parts.append
    stack: list[tuple[Iterator[PageElement], str]] = [(iter(root.contents), "")]
    while stack:
        children, end = stack[-1]
        for node in children:
            if isinstance(node, Tag):
                name = node.name
                if name not in allowed:
                    stack.append((iter(node.contents), ""))
                    break
                attrs = "".join(
                    f' {k}="{_escape_attr(" ".join(v) if isinstance(v, list) else v)}"'
                    for k, v in sorted(node.attrs.items())
                )
                if node.contents:
                    write(f"<{name}{attrs}>")
                    stack.append((iter(node.contents), f"</{name}>"))
                    break
                write(
                    f"<{name}{attrs}/>"
                    if node.can_be_empty_element
                    else f"<{name}{attrs}></{name}>"
                )
            elif isinstance(node, str):  # NavigableString: comments and the like were never built
                write(node.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))
        else:
            stack.pop()
            write(end)
    return "".join(parts)


def _escape_attr(value: str) -> str:
    return (
        value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def _shorten(text: str, max_chars: int) -> str:
    if len(text) <= max_chars:
        return text
    cut = text[: max_chars - 1]
    space = cut.rfind(" ")
    if space > max_chars * 0.6:  # text with spaces: do not cut a word in half
        cut = cut[:space]
    return cut.rstrip(" ,.;:，。；：、") + "…"


def _gone(el: Tag) -> bool:
    """Whether `el` was decomposed. bs4's own `el.decomposed` is a getattr() that, on a tag
    never decomposed, falls through to Tag.__getattr__: a search of the whole subtree for a
    child named "_decomposed", which makes a pass over a deep tree quadratic."""
    return bool(el.__dict__.get("_decomposed", False))


def _text(el: Tag) -> str:
    """Text as a reader sees it: inline runs joined as written, white space collapsed."""
    return " ".join(el.get_text().split())


def _tokens(el: Tag, attr: str) -> list[str]:
    value = el.get(attr)
    if value is None:
        return []
    return (
        [str(v).lower() for v in value] if isinstance(value, list) else str(value).lower().split()
    )
