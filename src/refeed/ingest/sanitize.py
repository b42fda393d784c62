"""The security boundary: the final allowlist every piece of published HTML passes through.

Engine-neutral: the decisions live in `policy.HtmlPolicy`, and `policy.engine` names the module
that carries them out (refeed.ingest.sanitize_nh3, the default, or sanitize_bleach; each is the
only importer of its library, imported only when chosen). The contract, the same for every
engine and checked by tests/test_sanitize.py against both with a table of attack vectors, a
table of URL shapes and hypothesis:

- only `policy.allowed_tags` survive, with only their `policy.allowed_attributes`;
- every URL attribute (`policy.url_attributes`, each `policy.srcset_attributes` candidate) is
  what `urls.judge_url` makes of it: absolute, resolved against the article URL, with an
  allowed scheme as a browser reads it. refeed judges these itself, whatever the engine's
  own URL handling, so the promise holds by construction;
- the output parses, in a browser's HTML parser, to the same allowed structure;
- sanitizing is idempotent, and the output contains only characters XML 1.0 allows. A
  carriage return (only a character reference, `&#13;`, puts one in the parsed tree) is
  written as `&#13;`: written raw, every HTML and XML parser reads it back as a line feed.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from contextvars import ContextVar
from functools import lru_cache

from refeed.ingest.policy import HtmlPolicy
from refeed.ingest.urls import judge_url, rewrite_srcset

# Characters XML 1.0 forbids (lxml refuses to write them); a feed must never contain them.
XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

Engine = Callable[[str], str]
# The article URL of the sanitize_html call in progress. The engines are built once per policy
# and call back into `judged_attribute` from inside their parse, so the per-call base travels
# in a context variable rather than in the cached engine.
_BASE: ContextVar[str | None] = ContextVar("refeed_sanitize_base", default=None)


def sanitize_html(html: str, policy: HtmlPolicy, *, base: str | None) -> str:
    """`html` reduced to what the policy allows; safe to show in any feed reader.

    `base` is the article URL relative URLs are resolved against; with None they are dropped.
    """
    token = _BASE.set(base)
    try:
        out = _engine(policy)(XML_INVALID.sub("", html))
        return XML_INVALID.sub("", out).replace("\r", "&#13;")
    finally:
        _BASE.reset(token)


def xml_safe_text(text: str) -> str:
    """Plain text with the characters XML 1.0 forbids removed."""
    return XML_INVALID.sub("", text)


def judged_attribute(policy: HtmlPolicy, name: str, value: str) -> str | None:
    """What an allowed attribute becomes: a URL attribute judged (None: drop it), a srcset
    keeping only its judged candidates, any other attribute unchanged. `value` is the
    attribute as a browser's HTML parser reads it (character references decoded)."""
    if name in policy.url_attributes:
        return judge_url(value, _BASE.get(), policy.allowed_protocols)
    if name in policy.srcset_attributes:
        base, allowed = _BASE.get(), policy.allowed_protocols

        def candidate(url: str) -> str | None:
            judged = judge_url(url, base, allowed)
            # a candidate URL ending in "," would be read back without it: not writable
            return None if judged is None or judged.endswith(",") else judged

        return rewrite_srcset(value, candidate) or None
    return value


@lru_cache(maxsize=8)
def _engine(policy: HtmlPolicy) -> Engine:
    module = importlib.import_module(f"refeed.ingest.sanitize_{policy.engine}")
    engine: Engine = module.make_engine(policy)
    return engine
