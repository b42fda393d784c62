"""The bleach engine: html5lib-based, the brief's original choice, under refeed's policy.

This is the only module that imports bleach (end-of-life since 2026-06: kept selectable,
`[policy] engine = "bleach"`, see docs/design.md). bleach's own URL check reads some
"scheme:digits" values as a host and port and keeps them, and it leaves relative URLs as they
are, so every URL attribute is judged by refeed (sanitize.judged_attribute) in a filter that
runs on bleach's output stream. bleach's tokenizer leaves character references undecoded in
attribute values, so the filter decodes them the way a browser does before judging, and
writes the judged URL back with every "&" escaped, so that a reader sees exactly that URL.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import partial
from html.entities import html5 as NAMED_REFERENCES
from typing import Any

import bleach

from refeed.ingest.policy import HtmlPolicy
from refeed.ingest.sanitize import Engine, judged_attribute

_REFERENCE = re.compile(r"&(?:#[0-9]+;?|#[xX][0-9a-fA-F]+;?|([A-Za-z][A-Za-z0-9]*)(;?))")
Token = dict[str, Any]


def make_engine(policy: HtmlPolicy) -> Engine:
    # bleach calls each filter with source=<its sanitized token stream> and iterates what it
    # returns; the stubs name html5lib's Filter class, which _JudgedUrls duck-types.
    filters: list[Any] = [partial(_JudgedUrls, policy=policy)]
    cleaner = bleach.Cleaner(
        tags=policy.allowed_tags,
        attributes={tag: sorted(names) for tag, names in policy.allowed_attributes.items()},
        protocols=policy.allowed_protocols,
        strip=True,
        strip_comments=True,
        filters=filters,
    )
    return cleaner.clean


class _JudgedUrls:
    """An html5lib filter: each URL attribute replaced by refeed's judgement of it."""

    def __init__(self, source: Iterable[Token], policy: HtmlPolicy) -> None:
        self.source = source
        self.policy = policy
        self.urls = policy.url_attributes | policy.srcset_attributes

    def __iter__(self) -> Iterator[Token]:
        urls = self.urls
        for token in self.source:
            if token["type"] in ("StartTag", "EmptyTag") and any(
                name in urls for _, name in token["data"]
            ):
                token["data"] = dict(self._judged(token["data"]))
            yield token

    def _judged(self, attrs: dict[tuple[str | None, str], str]) -> Iterator[Any]:
        for key, raw in attrs.items():
            namespace, name = key
            if namespace is not None or name not in self.urls:
                yield key, raw
                continue
            judged = judged_attribute(self.policy, name, decode_attribute(raw))
            if judged is not None:
                yield key, judged.replace("&", "&amp;")


def decode_attribute(raw: str) -> str:
    """An attribute value with its character references decoded as the HTML standard decodes
    them inside an attribute: numeric references with or without ";", named ones by the
    standard's table, except a legacy name with no ";" followed by "=" or a letter or digit
    ("?a=1&copy=2" keeps "&copy"), which the standard leaves as written."""
    if "&" not in raw:
        return raw

    def one(match: re.Match[str]) -> str:
        name, semicolon = match.group(1), match.group(2)
        if name is None:
            return _numeric_reference(match.group()[2:].rstrip(";"))
        if semicolon and name + ";" in NAMED_REFERENCES:
            return NAMED_REFERENCES[name + ";"]
        after = raw[match.end() : match.end() + 1]
        if not semicolon and name in NAMED_REFERENCES and after != "=":
            return NAMED_REFERENCES[name]
        return match.group()

    return _REFERENCE.sub(one, raw)


def _numeric_reference(digits: str) -> str:
    """The character "&#<digits>" stands for: U+FFFD for 0, surrogates and beyond U+10FFFF,
    0x80-0x9F read as windows-1252 where it defines them, any other code point as it is."""
    value = int(digits[1:], 16) if digits[0] in "xX" else int(digits)
    if value == 0 or value > 0x10FFFF or 0xD800 <= value <= 0xDFFF:
        return "\ufffd"
    if 0x80 <= value <= 0x9F:
        try:
            return bytes([value]).decode("cp1252")
        except UnicodeDecodeError:
            pass
    return chr(value)
