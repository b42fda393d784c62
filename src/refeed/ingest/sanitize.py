"""The security boundary: the final allowlist every piece of published HTML passes through.

This is the only module that imports bleach (end-of-life since 2026-06, see docs/design.md).
The decisions live in `policy.HtmlPolicy`; this module only applies them, so replacing the
engine (nh3, justhtml, ...) means rewriting this file and nothing else. The contract, checked
by tests/test_sanitize.py against a table of attack vectors and with hypothesis:

- only `policy.allowed_tags` survive, with only their `policy.allowed_attributes`;
- every URL attribute, srcset candidates included, uses an allowed protocol;
- the output parses, in a browser's HTML parser, to the same allowed structure;
- sanitizing is idempotent, and the output contains only characters XML 1.0 allows.
"""

from __future__ import annotations

import re
from functools import lru_cache

import bleach

from refeed.ingest.policy import HtmlPolicy
from refeed.ingest.urls import parse_srcset

# Characters XML 1.0 forbids (lxml refuses to write them); a feed must never contain them.
XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")


def sanitize_html(html: str, policy: HtmlPolicy) -> str:
    """`html` reduced to what the policy allows; safe to show in any feed reader."""
    return XML_INVALID.sub("", _cleaner(policy).clean(XML_INVALID.sub("", html)))


def xml_safe_text(text: str) -> str:
    """Plain text with the characters XML 1.0 forbids removed."""
    return XML_INVALID.sub("", text)


@lru_cache(maxsize=8)
def _cleaner(policy: HtmlPolicy) -> bleach.Cleaner:
    protocols = policy.allowed_protocols

    def allow_attribute(tag: str, name: str, value: str) -> bool:
        if name not in policy.allowed_attributes.get(tag, ()):
            return False
        if name in policy.srcset_attributes:
            return all(_has_allowed_scheme(u, protocols) for u, _ in parse_srcset(value))
        return True

    return bleach.Cleaner(
        tags=policy.allowed_tags,
        attributes=allow_attribute,
        protocols=protocols,
        strip=True,
        strip_comments=True,
    )


def _has_allowed_scheme(url: str, protocols: frozenset[str]) -> bool:
    """True for a URL whose scheme is allowed; a srcset candidate must be absolute."""
    match = _SCHEME.match(url.strip())
    return match is not None and match.group(1).lower() in protocols
