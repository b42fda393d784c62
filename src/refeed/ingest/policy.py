"""HTML policy as data: what a feed reader may be shown, and what counts as clutter.

Every table that decides what survives cleaning lives here, and both sanitizer engines (nh3,
the default, and bleach, end-of-life since 2026-06) apply these same tables, so switching
engines changes how the policy is carried out, never what it is. Nothing here imports an HTML
library. The tables are passed around inside an `HtmlPolicy`; config can extend
the clutter tables and remove allowed tags, never add tags or protocols (see `with_overrides`).

Sources:
- Allowed tags/attributes: Miniflux internal/reader/sanitizer/sanitizer.go allowlist, reduced
  to the structure an article needs (no media players, no forms, no inline style).
- Tracking parameters: Miniflux internal/reader/urlcleaner/urlcleaner.go, Firefox's query
  stripping list, and the ClearURLs "globalRules" provider.
- Share URL patterns: the share endpoints documented by each network (Facebook sharer and
  share dialog, X/Twitter web intents, WhatsApp click-to-chat, Telegram share, LINE, LinkedIn
  share-offsite, Reddit submit, Weibo/QQ share widgets, Pinterest, VK, Pocket, Tumblr,
  Hacker News), plus the `/share?u=` form many sites' own share widgets use.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property

ALLOWED_TAGS: frozenset[str] = frozenset(
    {
        # structure and text
        "p", "br", "hr", "div", "span", "section", "article", "header", "footer", "main",
        "address", "time", "small", "sub", "sup", "abbr", "cite", "q", "dfn", "mark",
        "del", "ins", "s", "u", "wbr", "pre", "code", "kbd", "samp", "var",
        # emphasis
        "b", "strong", "i", "em",
        # links and images
        "a", "img", "picture", "source", "figure", "figcaption",
        # lists, quotes, tables, headings
        "ul", "ol", "li", "dl", "dt", "dd", "blockquote",
        "table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td", "colgroup", "col",
        "h1", "h2", "h3", "h4", "h5", "h6",
    }
)  # fmt: skip

ALLOWED_ATTRIBUTES: Mapping[str, frozenset[str]] = {
    "a": frozenset({"href", "title", "rel", "hreflang"}),
    "img": frozenset({"src", "srcset", "sizes", "alt", "title", "width", "height"}),
    "source": frozenset({"srcset", "sizes", "media", "type"}),
    "abbr": frozenset({"title"}),
    "time": frozenset({"datetime"}),
    "blockquote": frozenset({"cite"}),
    "q": frozenset({"cite"}),
    "del": frozenset({"cite", "datetime"}),
    "ins": frozenset({"cite", "datetime"}),
    "ol": frozenset({"start", "reversed", "type"}),
    "li": frozenset({"value"}),
    "td": frozenset({"colspan", "rowspan", "headers"}),
    "th": frozenset({"colspan", "rowspan", "headers", "scope", "abbr"}),
    "col": frozenset({"span"}),
    "colgroup": frozenset({"span"}),
}

ALLOWED_PROTOCOLS: frozenset[str] = frozenset({"http", "https", "mailto"})

# Removed with everything inside them, before anything else looks at the tree.
DROP_WITH_CONTENT: frozenset[str] = frozenset(
    {
        "script", "style", "noscript", "template", "iframe", "frame", "frameset", "object",
        "embed", "applet", "form", "input", "button", "select", "textarea", "option", "label",
        "fieldset", "dialog", "canvas", "svg", "math", "link", "meta", "base", "title", "head",
        "nav", "menu", "audio", "video", "track", "map", "area", "portal", "slot",
    }
)  # fmt: skip

# Of those, the ones a browser renders with what they hold, and that an HTML5 parser leaves open
# to the end of the article when their end tag is missing: they go only while they hold at most
# CLUTTER_MAX_TEXT characters (a search box, a sign-up form), so an unclosed <form> never takes
# the article with it. The controls inside them go in any case.
DROP_UNLESS_LARGE: frozenset[str] = frozenset({"form", "fieldset", "label", "button"})

# The sanitizer engines (modules refeed.ingest.sanitize_<name>); the first is the default.
# nh3 (ammonia) is maintained and an order of magnitude cheaper; bleach is end-of-life.
ENGINES: tuple[str, ...] = ("nh3", "bleach")

# Attributes that hold URLs: resolved against the article URL by the cleaner, and judged by
# urls.judge_url inside the sanitizer. Every URL-bearing attribute an allowed tag may carry
# must be listed here (tests/test_sanitize.py checks that against the HTML standard's list).
URL_ATTRIBUTES: frozenset[str] = frozenset({"href", "src", "cite", "poster", "longdesc"})
SRCSET_ATTRIBUTES: frozenset[str] = frozenset({"srcset"})

# Lazy-loading attributes, in order of preference, and where their value really belongs.
LAZY_IMAGE_ATTRIBUTES: tuple[tuple[str, str], ...] = (
    ("data-src", "src"),
    ("data-original", "src"),
    ("data-lazy-src", "src"),
    ("data-url", "src"),
    ("data-srcset", "srcset"),
    ("data-lazy-srcset", "srcset"),
)

# Query parameters that only identify a campaign or a click (matched case-insensitively).
TRACKING_PARAMETERS: frozenset[str] = frozenset(
    {
        "fbclid", "gclid", "gclsrc", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "ysclid",
        "twclid", "ttclid", "igshid", "igsh", "li_fat_id", "epik", "srsltid",
        "mc_cid", "mc_eid", "mkt_tok", "_ga", "_gl", "_ke", "_kx",
        "_hsenc", "_hsmi", "__hssc", "__hstc", "__hsfp", "hsctatracking",
        "oly_anon_id", "oly_enc_id", "rb_clickid", "s_cid", "vero_conv", "vero_id",
        "wickedid", "ref_src", "ref_url", "spm", "share_token", "sc_cid", "cmpid",
        "at_medium", "at_campaign", "at_custom1", "at_custom2", "at_custom3", "at_custom4",
        "xtor", "__twitter_impression", "_branch_match_id", "_branch_referrer",
    }
)  # fmt: skip
TRACKING_PARAMETER_PREFIXES: tuple[str, ...] = ("utm_", "pk_", "mtm_", "piwik_", "matomo_")

# Share endpoints: a link matching one of these is a share button, never content.
# Matched against the absolute URL, case-insensitively, from its start.
_HOST = r"https?://([a-z0-9-]+\.)*"  # any subdomain
_END = r"(\.php)?([/?#]|$)"  # the endpoint name ends here: /shareholders is not /share
SHARE_URL_PATTERNS: tuple[str, ...] = (
    r"(whatsapp|tg|viber|weixin|fb-messenger|sms):",
    r"mailto:\?",  # a mail link with no recipient is "share by mail"
    _HOST + r"facebook\.com/(sharer|share|dialog/(share|feed|send))" + _END,
    _HOST + r"(twitter|x)\.com/(intent/\w+|share)" + _END,
    _HOST + r"whatsapp\.com/send" + _END,
    r"https?://wa\.me/\?",
    r"https?://(telegram\.me|t\.me)/share" + _END,
    r"https?://(social-plugins\.line\.me|lineit\.line\.me|line\.me/r/msg)/",
    _HOST + r"linkedin\.com/(sharearticle|sharing/share-offsite|cws/share|share)" + _END,
    _HOST + r"reddit\.com/submit" + _END,
    _HOST + r"weibo\.com/share" + _END,
    r"https?://v\.t\.sina\.com\.cn/share/",
    r"https?://(connect\.qq\.com/widget/shareqq|sns\.qzone\.qq\.com/cgi-bin/qzshare)",
    _HOST + r"pinterest\.[a-z.]+/pin/create/",
    r"https?://vk\.com/share\.php",
    r"https?://getpocket\.com/(save|edit)" + _END,
    _HOST + r"tumblr\.com/(widgets/share|share)" + _END,
    r"https?://news\.ycombinator\.com/submitlink" + _END,
    _HOST + r"(plurk|douban|mix|flipboard)\.com/(share|bookmarklet)" + _END,
)

# Share widget labels: a container left holding only one of these is removed.
SHARE_LABEL_PATTERN = (
    r"(分享|分享到|转发|分享此文|share|share this|share on|share article|teilen|partager)\s*[:：]?"
)

# Attribute names, and class/id tokens, that mark share widgets and promotional slots.
CLUTTER_ATTRIBUTE_PATTERN = (
    r"data-(root-)?share(-.*)?|data-(self)?promo(-.*)?|data-ad(s)?(-.*)?|data-sponsor(ed)?(-.*)?"
    r"|data-newsletter(-.*)?"
)
CLUTTER_TOKEN_PATTERN = (
    r"share|sharing|share-.*|.*-share|social-share.*|sharebar|ad|ads|ad-.*|advert.*|"
    r"promo|promo-.*|.*-promo|sponsor(ed)?|newsletter-signup|outbrain|taboola"
)

# A share/promo-marked element holding more text than this is not removed: a mis-classed
# wrapper must never take the article with it.
CLUTTER_MAX_TEXT = 300

# Text that opens a block injected by scrapers or publishers to advertise themselves.
PROMO_TEXT_PATTERNS: tuple[str, ...] = (
    r"获取更多RSS",
    r"更多(精彩)?内容(请)?(访问|关注)",
    r"(download|get) (our|the) app",
    r"subscribe to our newsletter",
)

# Images of at most this many pixels on each side are tracking pixels.
TRACKING_PIXEL_MAX = 1

# Elements nested deeper than this are unwrapped (their content kept): real articles stay
# far below it, and hostile 10,000-deep nesting stops being quadratic for the parsers.
MAX_NESTING = 96

# Summary: the lead paragraph as plain text, cut to this many characters.
SUMMARY_MAX_CHARS = 280


@dataclass(frozen=True, eq=False)  # hashed by identity: the sanitizer caches its engine per policy
class HtmlPolicy:
    """Everything the cleaner and the sanitizer decide by; build it with `default_policy()`."""

    allowed_tags: frozenset[str] = ALLOWED_TAGS
    allowed_attributes: Mapping[str, frozenset[str]] = field(
        default_factory=lambda: dict(ALLOWED_ATTRIBUTES)
    )
    allowed_protocols: frozenset[str] = ALLOWED_PROTOCOLS
    drop_with_content: frozenset[str] = DROP_WITH_CONTENT
    drop_unless_large: frozenset[str] = DROP_UNLESS_LARGE
    url_attributes: frozenset[str] = URL_ATTRIBUTES
    srcset_attributes: frozenset[str] = SRCSET_ATTRIBUTES
    lazy_image_attributes: tuple[tuple[str, str], ...] = LAZY_IMAGE_ATTRIBUTES
    tracking_parameters: frozenset[str] = TRACKING_PARAMETERS
    tracking_parameter_prefixes: tuple[str, ...] = TRACKING_PARAMETER_PREFIXES
    share_url_patterns: tuple[str, ...] = SHARE_URL_PATTERNS
    share_label_pattern: str = SHARE_LABEL_PATTERN
    clutter_attribute_pattern: str = CLUTTER_ATTRIBUTE_PATTERN
    clutter_token_pattern: str = CLUTTER_TOKEN_PATTERN
    promo_text_patterns: tuple[str, ...] = PROMO_TEXT_PATTERNS
    clutter_max_text: int = CLUTTER_MAX_TEXT
    tracking_pixel_max: int = TRACKING_PIXEL_MAX
    max_nesting: int = MAX_NESTING
    summary_max_chars: int = SUMMARY_MAX_CHARS
    engine: str = ENGINES[0]

    def __post_init__(self) -> None:
        if self.engine not in ENGINES:
            raise ValueError(f"unknown sanitizer engine {self.engine!r} (known: {ENGINES})")

    # Compiled forms, derived once per policy when first used: a pass that cleans nothing
    # (most passes) does not pay for compiling them. Each user pattern was checked alone
    # when the configuration was read (config.py), and together with the others there too.

    @cached_property
    def share_url_re(self) -> re.Pattern[str]:
        return _alternatives(self.share_url_patterns, prefix=r"\s*")

    @cached_property
    def share_label_re(self) -> re.Pattern[str]:
        return re.compile(rf"\s*({self.share_label_pattern})\s*", re.I)

    @cached_property
    def clutter_attribute_re(self) -> re.Pattern[str]:
        return re.compile(self.clutter_attribute_pattern, re.I)

    @cached_property
    def clutter_token_re(self) -> re.Pattern[str]:
        return re.compile(self.clutter_token_pattern, re.I)

    @cached_property
    def promo_text_re(self) -> re.Pattern[str]:
        return _alternatives(self.promo_text_patterns, prefix=r"\s*")

    def is_tracking_parameter(self, name: str) -> bool:
        key = name.lower()
        return key in self.tracking_parameters or key.startswith(self.tracking_parameter_prefixes)

    def with_overrides(
        self,
        *,
        extra_tracking_parameters: Iterable[str] = (),
        extra_share_url_patterns: Iterable[str] = (),
        extra_promo_text_patterns: Iterable[str] = (),
        deny_tags: Iterable[str] = (),
    ) -> HtmlPolicy:
        """A stricter policy: more clutter recognised, fewer tags allowed. Never more permissive."""
        denied = {t.lower() for t in deny_tags}
        return replace(
            self,
            allowed_tags=self.allowed_tags - denied,
            tracking_parameters=self.tracking_parameters
            | {p.lower() for p in extra_tracking_parameters},
            share_url_patterns=self.share_url_patterns + tuple(extra_share_url_patterns),
            promo_text_patterns=self.promo_text_patterns + tuple(extra_promo_text_patterns),
        )

    def with_engine(self, engine: str) -> HtmlPolicy:
        """The same policy, carried out by another sanitizer engine (one of ENGINES)."""
        return replace(self, engine=engine)


def _alternatives(patterns: Iterable[str], prefix: str) -> re.Pattern[str]:
    body = "|".join(f"(?:{p})" for p in patterns) or r"(?!)"
    return re.compile(f"{prefix}(?:{body})", re.I)


def default_policy() -> HtmlPolicy:
    return HtmlPolicy()
