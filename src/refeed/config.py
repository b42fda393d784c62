"""config/refeed.toml -> a frozen Config. All validation happens here.

Every key is declared once, as a dataclass field made by `setting()`: its name, type (the
annotation), default, check and help. One generic reader walks the TOML tables against those
declarations, so adding a key is one line. Every error names the file and the dotted key at
fault; unknown keys are errors, so a typo never silently falls back to a default.
"""

from __future__ import annotations

import math
import re
import tomllib
import types
import typing
import zoneinfo
from collections.abc import Callable, Iterator
from dataclasses import MISSING, Field, dataclass, field, fields, is_dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, get_type_hints
from urllib.parse import urlsplit

from refeed.errors import ConfigError
from refeed.ingest.policy import ENGINES, HtmlPolicy, default_policy
from refeed.ingest.urls import is_web_url
from refeed.output.formats import DEFAULT_FORMATS, FEED_FORMATS

DEFAULT_CONFIG_PATH = Path("config/refeed.toml")
COMBINED_NAME = "all"
NAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
LANGUAGE_PATTERN = re.compile(r"[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*")  # BCP 47 shape

Check = Callable[[Any], str | None]  # a problem with the value, or None
Parse = Callable[["_Reader", Any, str], Any]  # TOML value -> field value, for special types


def setting(
    default: Any = MISSING,
    help: str = "",
    check: Check | None = None,
    *,
    parse: Parse | None = None,
    factory: Callable[[], Any] | None = None,
    toml: bool = True,
) -> Any:
    """A config key: a dataclass field carrying its check and help. No default: required.
    `parse` reads a value the type alone cannot describe; `toml=False`: not a file key."""
    metadata = {"help": help, "check": check, "parse": parse, "toml": toml}
    if factory is not None:
        return field(default_factory=factory, metadata=metadata)
    return field(default=default, metadata=metadata)


# -- checks ------------------------------------------------------------------------------


def at_least(low: float) -> Check:
    return lambda v: None if v >= low else f"must be at least {low:g}"


def _not_negative(value: float) -> str | None:
    return None if value >= 0 else "must not be negative"


def _seconds(value: float) -> str | None:
    return None if value >= 0 else f"must be a number of seconds, not {value!r}"


def _positive_seconds(value: float) -> str | None:
    return _seconds(value) or (None if value > 0 else "must be more than 0")


def _nonempty(value: str) -> str | None:
    return None if value.strip() else "must not be empty"


def _web_url(value: str) -> str | None:
    return None if is_web_url(value) else f"{value!r} is not an absolute http(s) URL"


def _language(value: str) -> str | None:
    return None if LANGUAGE_PATTERN.fullmatch(value) else f"{value!r} is not a language tag"


def _zone(value: str) -> str | None:
    try:
        zoneinfo.ZoneInfo(value)
    except (ValueError, zoneinfo.ZoneInfoNotFoundError):
        return f'{value!r} is not an IANA time zone (e.g. "Asia/Shanghai")'
    return None


def _source_name(value: str) -> str | None:
    if not NAME_PATTERN.fullmatch(value):
        return "must be 1-64 of a-z 0-9 . _ - (it names the feed file)"
    if value == COMBINED_NAME:
        return f"{COMBINED_NAME!r} is reserved for the combined feed"
    return None


def _cron(value: str | None) -> str | None:
    if value is not None and len(value.split()) != 5:
        return f"{value!r} is not a 5-field crontab expression"
    return None


def _port(value: int) -> str | None:
    return None if 0 <= value <= 65535 else f"{value} is not a TCP port"


def _formats(value: tuple[str, ...]) -> str | None:
    unknown = [name for name in value if name not in FEED_FORMATS]
    if unknown:
        return f"{unknown[0]!r} is not a format (known: {', '.join(FEED_FORMATS)})"
    return None if value else "must name at least one format"


def _regexes(value: tuple[str, ...]) -> str | None:
    for pattern in value:
        try:
            re.compile(pattern)
        except re.error as exc:
            return f"{pattern!r} is not a regex: {exc}"
    return None


# -- parsers for values the type alone does not describe ------------------------------


def _base_url(reader: _Reader, value: Any, key: str) -> str:
    text: str = reader.typed(value, str, key)
    return text if text.endswith("/") else text + "/"


def _match_rules(reader: _Reader, value: Any, key: str) -> tuple[tuple[str, str], ...]:
    """['www.rfi.fr/cn/'] -> (('www.rfi.fr', '/cn/'),); a scheme, if given, is ignored."""
    rules = []
    for item in reader.typed(value, tuple[str, ...], key):
        text = item.strip()
        if "://" not in text:
            text = "https://" + text
        parts = urlsplit(text)
        if not parts.hostname or parts.query or parts.fragment:
            raise reader.fail(key, f"{item!r} is not a host with an optional path prefix")
        rules.append((parts.hostname.lower(), parts.path or "/"))
    if not rules:
        raise reader.fail(key, "must list at least one host/path prefix")
    return tuple(rules)


def _text(reader: _Reader, value: Any, key: str) -> str:
    text: str = reader.typed(value, str, key)
    return text.strip()


def _text_or_none(reader: _Reader, value: Any, key: str) -> str | None:
    return _text(reader, value, key) or None


def _path(reader: _Reader, value: Any, key: str) -> Path:
    text = _text(reader, value, key)
    if not text:
        raise reader.fail(key, "must not be empty")
    return Path(text)


def _unique_formats(reader: _Reader, value: Any, key: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(reader.typed(value, tuple[str, ...], key)))


def _feed_name(value: str) -> str | None:
    if NAME_PATTERN.fullmatch(value):
        return None
    return "must be 1-64 of a-z 0-9 . _ - (it names the feed file)"


SCRIPT_VARIANTS = ("zh-Hant", "zh-Hans")  # what output/variants.py converts into


def _variants(value: tuple[str, ...]) -> str | None:
    known = {v.lower() for v in SCRIPT_VARIANTS}
    unknown = [v for v in value if v.strip().lower() not in known]
    if unknown:
        return f"{unknown[0]!r} is not a variant refeed publishes ({', '.join(SCRIPT_VARIANTS)})"
    return None


def _languages(value: tuple[str, ...]) -> str | None:
    return next((p for p in map(_language, value) if p), None)


def _hub_seconds(value: float) -> str | None:
    return None if 0 < value < math.inf else f"must be seconds above 0, not {value!r}"


def _hubs(reader: _Reader, value: Any, key: str) -> tuple[str, ...]:
    hubs: tuple[str, ...] = reader.typed(value, tuple[str, ...], key)
    for i, hub in enumerate(hubs):
        problem = _web_url(hub)
        if problem is None and (urlsplit(hub).fragment or any(c.isspace() for c in hub)):
            problem = f"{hub!r} must not carry a #fragment or white space"
        if problem is None and hub in hubs[:i]:
            problem = f"{hub!r} is listed twice"
        if problem:
            raise reader.fail(f"{key}[{i}]", problem)
    return hubs


def _websub(reader: _Reader, value: Any, key: str) -> WebSubSettings:
    settings: WebSubSettings = reader.read(WebSubSettings, value, key)
    if settings.max_retry_seconds < settings.retry_seconds:
        raise reader.fail(f"{key}.max_retry_seconds", "must not be less than retry_seconds")
    return settings


def _policy(reader: _Reader, value: Any, key: str) -> HtmlPolicy:
    overrides = reader.read(PolicyOverrides, value, key)
    stricter = {f.name: getattr(overrides, f.name) for f in fields(PolicyOverrides)}
    engine = stricter.pop("engine")
    policy = default_policy().with_overrides(**stricter).with_engine(engine)
    for name, combined in (("extra_share_url_patterns", "share_url_re"),
                           ("extra_promo_text_patterns", "promo_text_re")):  # fmt: skip
        if getattr(overrides, name):  # each compiled alone; now with the built-in ones
            try:
                getattr(policy, combined)
            except re.error as exc:
                raise reader.fail(
                    f"{key}.{name}", f"does not combine with the others: {exc}"
                ) from None
    return policy


def _engine(value: str) -> str | None:
    return None if value in ENGINES else f"{value!r} is not one of {', '.join(ENGINES)}"


# -- the configuration -------------------------------------------------------------------


@dataclass(frozen=True)
class SourceRule:
    """A configured source: which article URLs belong to it and how its feed presents itself."""

    name: str = setting(help="names the feed file (<name>.atom ...)", check=_source_name)
    title: str = setting(help="the feed's title", check=_nonempty, parse=_text)
    homepage: str = setting(help="the site the feed is about", check=_web_url)
    match: tuple[tuple[str, str], ...] = setting(
        help="host/path prefixes whose articles are this source's", parse=_match_rules
    )
    subtitle: str | None = setting(None, "the feed's description")
    language: str | None = setting(None, "BCP 47 tag; default: the top-level language", _language)
    icon: str | None = setting(None, "a small square image URL", _web_url)
    author: str | None = setting(None, "the feed's author; default: its title",
                                 parse=_text_or_none)  # fmt: skip
    section_from_path: bool = setting(
        False, "the first path segment after the prefix is a category"
    )
    timezone: str | None = setting(None, "IANA zone of dates pages write without an offset", _zone)
    variants: tuple[str, ...] = setting((), "also publish the feed in these scripts", _variants)

    def routing(self) -> tuple[object, ...]:
        """What decides which articles are this source's and what ingesting stores for them;
        the rest is presentation, read when feeds are rendered."""
        return (self.name, self.match, self.section_from_path, self.timezone)


@dataclass(frozen=True)
class CombinedFeed:
    """How the combined feed (every source's entries) presents itself."""

    title: str = setting("All sources", "the combined feed's title", _nonempty, parse=_text)
    subtitle: str | None = setting(
        "Every article refeed publishes, newest first", "its description"
    )
    author: str = setting("refeed", "its author", _nonempty, parse=_text)
    icon: str | None = setting(None, "a small square image URL", _web_url)
    language: str | None = setting(None, "BCP 47 tag; default: the top-level language", _language)
    variants: tuple[str, ...] = setting((), "also publish the feed in these scripts", _variants)


@dataclass(frozen=True)
class SeedLimits:
    """What a seed file may be."""

    max_bytes: int = setting(10 * 1024 * 1024, "larger files are rejected", at_least(64))
    max_future_hours: int = setting(24, "later timestamps than now + this are rejected",
                                    _not_negative)  # fmt: skip


@dataclass(frozen=True)
class DerivedFeed:
    """A feed cut from the others by rules (`[[feeds]]`): filtered first, then capped.

    Every list is a condition only when it is not empty; patterns are regular expressions,
    searched case-insensitively unless `case_sensitive`.
    """

    name: str = setting(help="names the feed file (<name>.atom ...)", check=_feed_name)
    title: str = setting(help="the feed's title", check=_nonempty, parse=_text)
    subtitle: str | None = setting(None, "the feed's description")
    author: str | None = setting(None, "the feed's author; default: [combined] author",
                                 parse=_text_or_none)  # fmt: skip
    icon: str | None = setting(None, "a small square image URL", _web_url)
    language: str | None = setting(None, "BCP 47 tag; default: the top-level language", _language)
    sources: tuple[str, ...] = setting((), "source feed names; default: every source")
    categories: tuple[str, ...] = setting((), "any of these categories (case-insensitive)")
    authors: tuple[str, ...] = setting((), "any of these bylines (case-insensitive)")
    languages: tuple[str, ...] = setting((), "source feed languages, BCP 47 prefixes", _languages)
    include_title: tuple[str, ...] = setting((), "regexes: in when one finds the title", _regexes)
    include_text: tuple[str, ...] = setting((), "regexes: ... or the text", _regexes)
    exclude_title: tuple[str, ...] = setting((), "regexes: out when one finds the title", _regexes)
    exclude_text: tuple[str, ...] = setting((), "regexes: ... or the text", _regexes)
    case_sensitive: bool = setting(False, "patterns match case as written")
    variants: tuple[str, ...] = setting((), "also publish the feed in these scripts", _variants)

    def rules(self) -> tuple[object, ...]:
        """What decides membership (a change judges every entry again; the rest only
        re-renders)."""
        return (self.sources, self.categories, self.authors, self.languages,
                self.include_title, self.include_text, self.exclude_title, self.exclude_text,
                self.case_sensitive)  # fmt: skip


@dataclass(frozen=True)
class Archives:
    """RFC 5005 archives: every feed's complete history, in pages of `page_size` entries."""

    enabled: bool = setting(True, "publish every feed's complete history")
    page_size: int = setting(100, "entries per archive page (fixed once pages exist)",
                             at_least(1))  # fmt: skip


@dataclass(frozen=True)
class Outputs:
    """What is published: the feed formats every feed is written in."""

    formats: tuple[str, ...] = setting(
        DEFAULT_FORMATS, f"any of {', '.join(FEED_FORMATS)}", _formats, parse=_unique_formats
    )


@dataclass(frozen=True)
class PolicyOverrides:
    """Stricter-only overrides of the built-in HTML policy (refeed.ingest.policy)."""

    extra_tracking_parameters: tuple[str, ...] = setting((), "query parameters to remove")
    extra_share_url_patterns: tuple[str, ...] = setting((), "regexes of share-link URLs", _regexes)
    extra_promo_text_patterns: tuple[str, ...] = setting((), "regexes of promo text", _regexes)
    deny_tags: tuple[str, ...] = setting((), "allowed tags to remove, e.g. img")
    engine: str = setting(ENGINES[0], f"the sanitizer: {' or '.join(ENGINES)}", _engine)


@dataclass(frozen=True)
class Paths:
    """Where refeed reads and writes; relative paths are taken from the working directory."""

    seeds: Path = setting(Path("seeds"), "the seed files", parse=_path)
    out: Path = setting(Path("feeds"), "where feeds are written", parse=_path)
    state: Path = setting(Path("state/refeed.sqlite"), "the state database", parse=_path)


@dataclass(frozen=True)
class RunSettings:
    """The daemon (`refeed run`) and the server (`refeed serve`)."""

    interval_seconds: float = setting(30.0, "time between passes", _positive_seconds)
    cron: str | None = setting(None, "crontab expression (UTC) instead of the interval", _cron,
                               parse=_text_or_none)  # fmt: skip
    settle_seconds: float = setting(2.0, "a file is taken once unchanged this long", _seconds)
    misfire_grace_seconds: int = setting(60, "how late a pass may still start", _not_negative)
    lock_wait_seconds: float = setting(5.0, "wait for the state lock, then exit 3", _seconds)
    host: str = setting("127.0.0.1", "address to serve on", _nonempty, parse=_text)
    port: int = setting(8080, "port to serve on", _port)
    serve: bool = setting(True, "serve feeds/ while running")
    jobs: int = setting(0, "worker processes for large passes; 0: one per core", _not_negative)
    watch: bool = setting(True, "change notifications: a pass looks only at what changed")
    full_scan_seconds: float = setting(600.0, "...and still checks every file this often", _seconds)
    health_max_age_seconds: float = setting(
        0.0, "/healthz answers 503 past this; 0: three passes' time, at least 60 s", _seconds
    )


@dataclass(frozen=True)
class WebSubSettings:
    """`[websub]`: the hubs told when a subscription document changes (service/websub.py)."""

    hubs: tuple[str, ...] = setting((), "WebSub hub URLs told of every changed feed", parse=_hubs)
    timeout_seconds: float = setting(5.0, "per request, capped by the budget", _hub_seconds)
    budget_seconds: float = setting(15.0, "for all pings of one pass", _hub_seconds)
    max_attempts: int = setting(10, "then the ping is marked failed", at_least(1))
    retry_seconds: float = setting(60.0, "first retry; doubles with each failure", _hub_seconds)
    max_retry_seconds: float = setting(3600.0, "cap on the backoff and on Retry-After",
                                       _hub_seconds)  # fmt: skip


@dataclass(frozen=True)
class Config:
    """Everything a build needs besides the seeds folder and the output folder."""

    path: str = setting("(built-in defaults)", toml=False)
    base_url: str = setting(
        "http://127.0.0.1:8080/", "where feeds/ is served from", _web_url, parse=_base_url
    )
    max_entries: int = setting(100, "entries per feed, newest first", at_least(1))
    language: str | None = setting(None, "default BCP 47 language of feeds", _language)
    seeds: SeedLimits = setting(SeedLimits(), "[seeds]")
    combined: CombinedFeed = setting(CombinedFeed(), "[combined]")
    sources: tuple[SourceRule, ...] = setting((), "[[sources]]")
    policy: HtmlPolicy = setting(factory=default_policy, help="[policy]", parse=_policy)
    outputs: Outputs = setting(Outputs(), "[outputs]")
    archives: Archives = setting(Archives(), "[archives]")
    feeds: tuple[DerivedFeed, ...] = setting((), "[[feeds]]")
    paths: Paths = setting(Paths(), "[paths]")
    run: RunSettings = setting(RunSettings(), "[run]")
    websub: WebSubSettings = setting(WebSubSettings(), "[websub]", parse=_websub)

    @property
    def max_seed_bytes(self) -> int:
        return self.seeds.max_bytes

    @property
    def max_future(self) -> timedelta:
        return timedelta(hours=self.seeds.max_future_hours)


def load_config(path: Path) -> Config:
    """Read and validate a config file; raises ConfigError naming the file and key."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(path, None, "no such file") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(path, None, f"cannot be read: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, None, f"not valid TOML: {exc}") from exc
    config: Config = _Reader(path).read(Config, raw, "")
    return config


def reference(cls: type[Any] = Config, prefix: str = "") -> Iterator[tuple[str, str, str]]:
    """(dotted key, default, help) of every key a config file may set, for documentation."""
    hints = get_type_hints(cls)
    for f in _file_fields(cls):
        key = _join(prefix, f.name)
        kind = _element(hints[f.name]) or hints[f.name]
        if f.name == "policy":
            yield from reference(PolicyOverrides, key)
        elif isinstance(kind, type) and is_dataclass(kind):
            yield from reference(kind, f"{key}[]" if _element(hints[f.name]) else key)
        else:
            default = "(required)" if f.default is MISSING else repr(f.default)
            yield key, default, f.metadata["help"]


_KIND_NAMES = {str: "a string", int: "a whole number", bool: "true or false", float: "a number"}


class _Reader:
    """Reads TOML tables into the dataclasses above, checking each key as it goes."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, key: str, message: str) -> ConfigError:
        return ConfigError(self.path, key, message)

    def read(self, cls: type[Any], raw: Any, prefix: str) -> Any:
        """One table into `cls`: unknown keys refused, required keys demanded."""
        if not isinstance(raw, dict):
            raise self.fail(prefix, "must be a table")
        known = {f.name: f for f in _file_fields(cls)}
        unknown = sorted(set(raw) - set(known))
        if unknown:
            raise self.fail(
                _join(prefix, unknown[0]), f"unknown key (known: {', '.join(sorted(known))})"
            )
        hints = get_type_hints(cls)
        values = {}
        for name, f in known.items():
            key = _join(prefix, name)
            if name not in raw:
                if f.default is MISSING and f.default_factory is MISSING:
                    raise self.fail(key, "is required")
                continue
            values[name] = self.value(f, hints[name], raw[name], key)
        if prefix == "":
            values["path"] = str(self.path)
            _distinct_feed_names(self, values)
        return cls(**values)

    def value(self, f: Field[Any], kind: Any, raw: Any, key: str) -> Any:
        parse: Parse | None = f.metadata.get("parse")
        element = _element(kind)
        if parse is not None:
            value = parse(self, raw, key)
        elif is_dataclass(kind):
            value = self.read(kind, raw, key)  # type: ignore[arg-type]
        elif element is not None and is_dataclass(element):
            tables = self.typed(raw, list, key)
            value = tuple(self.read(element, t, f"{key}[{i}]") for i, t in enumerate(tables))  # type: ignore[arg-type]
            _unique_names(self, value, key)
        else:
            value = self.typed(raw, kind, key)
        check: Check | None = f.metadata.get("check")
        problem = check(value) if check is not None and value is not None else None
        if problem:
            raise self.fail(key, problem)
        return value

    def typed(self, raw: Any, kind: Any, key: str) -> Any:
        """`raw` as `kind` (str, int, float, bool, Path, tuple[str, ...], X | None)."""
        options = [k for k in typing.get_args(kind) if k is not type(None)]
        if isinstance(kind, types.UnionType) and len(options) == 1:
            kind = options[0]
        if _element(kind) is str:
            if not isinstance(raw, list) or not all(isinstance(v, str) for v in raw):
                raise self.fail(key, "must be a list of strings")
            return tuple(raw)
        if kind is float and isinstance(raw, int) and not isinstance(raw, bool):
            return float(raw)
        if kind is list and isinstance(raw, list):
            return raw
        if (kind in (int, float) and isinstance(raw, bool)) or not isinstance(raw, kind):
            name = _KIND_NAMES.get(kind, "a list")
            raise self.fail(key, f"must be {name}, not {raw!r}")
        return raw


def _file_fields(cls: type[Any]) -> list[Field[Any]]:
    return [f for f in fields(cls) if f.metadata.get("toml", True)]


def _element(kind: Any) -> Any:
    """T for tuple[T, ...], else None."""
    if typing.get_origin(kind) is tuple:
        args = typing.get_args(kind)
        if len(args) == 2 and args[1] is Ellipsis:
            return args[0]
    return None


def _unique_names(reader: _Reader, tables: tuple[Any, ...], key: str) -> None:
    names = [getattr(t, "name", None) for t in tables]
    for i, name in enumerate(names):
        if name is not None and name in names[:i]:
            raise reader.fail(f"{key}[{i}].name", f"{name!r} is used by an earlier source")


def _distinct_feed_names(reader: _Reader, values: dict[str, Any]) -> None:
    """A derived feed's name must name no other feed (a source, the combined feed)."""
    taken = {COMBINED_NAME, *(s.name for s in values.get("sources", ()))}
    for i, feed in enumerate(values.get("feeds", ())):
        if feed.name in taken:
            raise reader.fail(f"feeds[{i}].name", f"{feed.name!r} already names a feed")
        taken.add(feed.name)


def _join(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key
