"""config/refeed.toml -> a frozen Config. All validation happens here.

Every error names the file and the dotted key at fault; unknown keys are errors, so a typo
never silently falls back to a default.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from refeed.errors import ConfigError
from refeed.ingest.policy import ENGINES, HtmlPolicy, default_policy
from refeed.ingest.urls import is_web_url

DEFAULT_CONFIG_PATH = Path("config/refeed.toml")
COMBINED_NAME = "all"
NAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
LANGUAGE_PATTERN = re.compile(r"[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*")  # BCP 47 shape

T = TypeVar("T")


@dataclass(frozen=True)
class SourceRule:
    """A configured source: which article URLs belong to it and how its feed presents itself."""

    name: str
    title: str
    homepage: str
    match: tuple[tuple[str, str], ...]  # (host, path prefix)
    subtitle: str | None = None
    language: str | None = None
    icon: str | None = None
    author: str | None = None
    section_from_path: bool = False


@dataclass(frozen=True)
class CombinedFeed:
    """How the combined feed (every source's entries) presents itself."""

    title: str = "All sources"
    subtitle: str | None = "Every article refeed publishes, newest first"
    author: str = "refeed"
    icon: str | None = None
    language: str | None = None


@dataclass(frozen=True)
class Paths:
    """Where refeed reads and writes; relative paths are taken from the working directory."""

    seeds: Path = Path("seeds")
    out: Path = Path("feeds")
    state: Path = Path("state/refeed.sqlite")


@dataclass(frozen=True)
class RunSettings:
    """The daemon (`refeed run`) and the server (`refeed serve`)."""

    interval_seconds: float = 30.0
    cron: str | None = None  # a crontab expression; replaces the interval when set
    settle_seconds: float = 2.0
    misfire_grace_seconds: int = 60
    lock_wait_seconds: float = 5.0
    host: str = "127.0.0.1"
    port: int = 8080
    serve: bool = True
    jobs: int = 0  # worker processes for large passes; 0: one per core
    watch: bool = True  # change notifications: a daemon pass looks only at what changed
    full_scan_seconds: float = 600.0  # ...and still stats every file this often


@dataclass(frozen=True)
class Config:
    """Everything a build needs besides the seeds folder and the output folder."""

    path: str = "(built-in defaults)"
    base_url: str = "http://127.0.0.1:8080/"
    max_entries: int = 100
    language: str | None = None
    max_seed_bytes: int = 10 * 1024 * 1024
    max_future: timedelta = timedelta(days=1)
    combined: CombinedFeed = CombinedFeed()
    sources: tuple[SourceRule, ...] = ()
    policy: HtmlPolicy = field(default_factory=default_policy)
    paths: Paths = Paths()
    run: RunSettings = RunSettings()


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
    return _Reader(path).config(raw)


class _Reader:
    """Walks the TOML tables, checking each key's type and value as it goes."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, key: str, message: str) -> ConfigError:
        return ConfigError(self.path, key, message)

    def table(self, raw: Any, key: str, allowed: set[str]) -> dict[str, Any]:
        if not isinstance(raw, dict):
            raise self.fail(key, "must be a table")
        unknown = sorted(set(raw) - allowed)
        if unknown:
            where = f"{key}.{unknown[0]}" if key else unknown[0]
            raise self.fail(where, f"unknown key (known: {', '.join(sorted(allowed))})")
        return raw

    def get(self, raw: dict[str, Any], prefix: str, key: str, kind: type[T], default: T) -> T:
        if key not in raw:
            return default
        value = raw[key]
        if (kind is int and isinstance(value, bool)) or not isinstance(value, kind):
            raise self.fail(_join(prefix, key), f"must be {_KIND_NAMES[kind]}, not {value!r}")
        return value

    def checked(
        self,
        raw: dict[str, Any],
        prefix: str,
        key: str,
        check: Callable[[str], str | None],
        default: str | None = None,
    ) -> str | None:
        value = self.get(raw, prefix, key, str, default)
        if value is None:
            return None
        problem = check(value)
        if problem:
            raise self.fail(_join(prefix, key), problem)
        return value

    def strings(self, raw: dict[str, Any], prefix: str, key: str) -> tuple[str, ...]:
        values = self.get(raw, prefix, key, list, [])
        if not all(isinstance(v, str) for v in values):
            raise self.fail(_join(prefix, key), "must be a list of strings")
        return tuple(values)

    def config(self, raw: dict[str, Any]) -> Config:
        top = self.table(
            raw,
            "",
            {
                "base_url",
                "max_entries",
                "language",
                "seeds",
                "combined",
                "policy",
                "sources",
                "paths",
                "run",
            },
        )
        base_url = self.checked(top, "", "base_url", _web_url, Config.base_url) or Config.base_url
        if not base_url.endswith("/"):
            base_url += "/"
        max_entries = self.get(top, "", "max_entries", int, Config.max_entries)
        if max_entries < 1:
            raise self.fail("max_entries", "must be at least 1")
        seeds = self.table(top.get("seeds", {}), "seeds", {"max_bytes", "max_future_hours"})
        max_bytes = self.get(seeds, "seeds", "max_bytes", int, Config.max_seed_bytes)
        if max_bytes < 64:
            raise self.fail("seeds.max_bytes", "must be at least 64")
        future_hours = self.get(seeds, "seeds", "max_future_hours", int, 24)
        if future_hours < 0:
            raise self.fail("seeds.max_future_hours", "must not be negative")
        sources_raw = self.get(top, "", "sources", list, [])
        sources = tuple(self.source(s, f"sources[{i}]") for i, s in enumerate(sources_raw))
        names = [s.name for s in sources]
        for i, name in enumerate(names):
            if name in names[:i]:
                raise self.fail(f"sources[{i}].name", f"{name!r} is used by an earlier source")
        return Config(
            path=str(self.path),
            base_url=base_url,
            max_entries=max_entries,
            language=self.checked(top, "", "language", _language),
            max_seed_bytes=max_bytes,
            max_future=timedelta(hours=future_hours),
            combined=self.combined(top.get("combined", {})),
            sources=sources,
            policy=self.policy(top.get("policy", {})),
            paths=self.paths(top.get("paths", {})),
            run=self.run(top.get("run", {})),
        )

    def paths(self, raw: Any) -> Paths:
        t = self.table(raw, "paths", {"seeds", "out", "state"})
        d = Paths()
        return Paths(
            seeds=Path(_nonempty(self, t, "paths", "seeds", str(d.seeds))),
            out=Path(_nonempty(self, t, "paths", "out", str(d.out))),
            state=Path(_nonempty(self, t, "paths", "state", str(d.state))),
        )

    def run(self, raw: Any) -> RunSettings:
        keys = {f.name for f in fields(RunSettings)}
        t = self.table(raw, "run", keys)
        d = RunSettings()
        number = (int, float)
        values: dict[str, Any] = {}
        for key in ("interval_seconds", "settle_seconds", "lock_wait_seconds", "full_scan_seconds"):
            value = t.get(key, getattr(d, key))
            if isinstance(value, bool) or not isinstance(value, number) or value < 0:
                raise self.fail(f"run.{key}", f"must be a number of seconds, not {value!r}")
            values[key] = float(value)
        if values["interval_seconds"] <= 0:
            raise self.fail("run.interval_seconds", "must be more than 0")
        cron = self.get(t, "run", "cron", str, "").strip() or None
        if cron is not None and len(cron.split()) != 5:
            raise self.fail("run.cron", f"{cron!r} is not a 5-field crontab expression")
        jobs = self.get(t, "run", "jobs", int, d.jobs)
        if jobs < 0:
            raise self.fail("run.jobs", "must be 0 (one per core) or more")
        port = self.get(t, "run", "port", int, d.port)
        if not 0 <= port <= 65535:
            raise self.fail("run.port", f"{port} is not a TCP port")
        return RunSettings(
            cron=cron,
            misfire_grace_seconds=self.get(t, "run", "misfire_grace_seconds", int, 60),
            host=_nonempty(self, t, "run", "host", d.host),
            port=port,
            serve=self.get(t, "run", "serve", bool, d.serve),
            jobs=jobs,
            watch=self.get(t, "run", "watch", bool, d.watch),
            **values,
        )

    def combined(self, raw: Any) -> CombinedFeed:
        t = self.table(raw, "combined", {"title", "subtitle", "author", "icon", "language"})
        d = CombinedFeed()
        return CombinedFeed(
            title=_nonempty(self, t, "combined", "title", d.title),
            subtitle=self.get(t, "combined", "subtitle", str, d.subtitle),
            author=_nonempty(self, t, "combined", "author", d.author),
            icon=self.checked(t, "combined", "icon", _web_url),
            language=self.checked(t, "combined", "language", _language),
        )

    def source(self, raw: Any, key: str) -> SourceRule:
        t = self.table(
            raw,
            key,
            {
                "name", "title", "subtitle", "homepage", "match", "language", "icon", "author",
                "section_from_path",
            },
        )  # fmt: skip
        for required in ("name", "title", "homepage", "match"):
            if required not in t:
                raise self.fail(f"{key}.{required}", "is required")
        name = self.get(t, key, "name", str, "")
        if not NAME_PATTERN.fullmatch(name):
            raise self.fail(f"{key}.name", "must be 1-64 of a-z 0-9 . _ - (it names the feed file)")
        if name == COMBINED_NAME:
            raise self.fail(f"{key}.name", f"{COMBINED_NAME!r} is reserved for the combined feed")
        match = self.strings(t, key, "match")
        if not match:
            raise self.fail(f"{key}.match", "must list at least one host/path prefix")
        return SourceRule(
            name=name,
            title=_nonempty(self, t, key, "title", ""),
            homepage=self.checked(t, key, "homepage", _web_url) or "",
            match=tuple(self.match_rule(m, f"{key}.match") for m in match),
            subtitle=self.get(t, key, "subtitle", str, None),
            language=self.checked(t, key, "language", _language),
            icon=self.checked(t, key, "icon", _web_url),
            author=self.get(t, key, "author", str, None) or None,
            section_from_path=self.get(t, key, "section_from_path", bool, False),
        )

    def match_rule(self, value: str, key: str) -> tuple[str, str]:
        """'www.rfi.fr/cn/' -> ('www.rfi.fr', '/cn/'); a scheme, if given, is ignored."""
        text = value.strip()
        if "://" not in text:
            text = "https://" + text
        parts = urlsplit(text)
        if not parts.hostname or parts.query or parts.fragment:
            raise self.fail(key, f"{value!r} is not a host with an optional path prefix")
        return parts.hostname.lower(), parts.path or "/"

    def policy(self, raw: Any) -> HtmlPolicy:
        keys = {
            "extra_tracking_parameters",
            "extra_share_url_patterns",
            "extra_promo_text_patterns",
            "deny_tags",
        }
        t = self.table(raw, "policy", keys | {"engine"})
        engine = self.get(t, "policy", "engine", str, ENGINES[0])
        if engine not in ENGINES:
            raise self.fail("policy.engine", f"{engine!r} is not one of {', '.join(ENGINES)}")
        values = {k: self.strings(t, "policy", k) for k in keys}
        for k in ("extra_share_url_patterns", "extra_promo_text_patterns"):
            for pattern in values[k]:
                try:
                    re.compile(pattern)
                except re.error as exc:
                    raise self.fail(f"policy.{k}", f"{pattern!r} is not a regex: {exc}") from exc
        return default_policy().with_overrides(**values).with_engine(engine)


_KIND_NAMES = {str: "a string", int: "a whole number", bool: "true or false", list: "a list"}


def _join(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


def _nonempty(reader: _Reader, raw: dict[str, Any], prefix: str, key: str, default: str) -> str:
    value = reader.get(raw, prefix, key, str, default).strip()
    if not value:
        raise reader.fail(_join(prefix, key), "must not be empty")
    return value


def _web_url(value: str) -> str | None:
    return None if is_web_url(value) else f"{value!r} is not an absolute http(s) URL"


def _language(value: str) -> str | None:
    return None if LANGUAGE_PATTERN.fullmatch(value) else f"{value!r} is not a language tag"
