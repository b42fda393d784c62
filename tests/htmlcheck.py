"""Checks on published HTML made the way a reader makes them: with a browser's HTML parser
(html5lib) and a browser's URL parser (ada, the WHATWG URL parser Node.js uses). Independent of
refeed's own URL code: this is what the sanitizer is judged by."""

from __future__ import annotations

from xml.etree.ElementTree import Element

import ada_url
import html5lib

from refeed.ingest.policy import HtmlPolicy
from refeed.ingest.urls import parse_srcset

URL_ATTRS = {
    "href",
    "src",
    "cite",
    "action",
    "formaction",
    "poster",
    "background",
    "data",
    "longdesc",
    "xlink:href",
    "ping",
    "usemap",
    "codebase",
    "dynsrc",
    "lowsrc",
}
_ANY_BASE = "https://base.invalid/dir/page"


def parse_fragment(html: str) -> Element:
    root: Element = html5lib.parseFragment(html, treebuilder="etree", namespaceHTMLElements=False)
    return root


def browser_url(url: str, base: str | None = None) -> str | None:
    """The URL a browser makes of an attribute value (href), or None where it makes none."""
    try:
        return str(ada_url.URL(url, base).href) if base else str(ada_url.URL(url).href)
    except ValueError:
        return None


def url_problem(url: str, allowed: frozenset[str]) -> str | None:
    """Why a published URL is unsafe: a scheme outside `allowed`, or no scheme at all (a reader
    would resolve it against a base refeed does not control). A URL no browser can parse at
    all leads nowhere and is no problem."""
    read = browser_url(url)
    if read is None:
        return "relative URL" if browser_url(url, _ANY_BASE) is not None else None
    scheme = read.split(":", 1)[0]
    return None if scheme in allowed else f"{scheme}: URL"


def unsafe_constructs(html: str, policy: HtmlPolicy) -> list[str]:
    """Every element, attribute or URL in `html` that the policy does not allow."""
    problems = []
    for el in parse_fragment(html).iter():
        if not isinstance(el.tag, str) or el.tag == "DOCUMENT_FRAGMENT":
            continue
        if el.tag not in policy.allowed_tags:
            problems.append(f"element <{el.tag}>")
        for name, value in el.attrib.items():
            allowed = policy.allowed_attributes.get(el.tag, frozenset())
            if name.lower().startswith("on") or name not in allowed:
                problems.append(f"attribute {name} on <{el.tag}>")
            urls = [u for u, _ in parse_srcset(value)] if name == "srcset" else [value]
            if name in URL_ATTRS or name == "srcset":
                for url in urls:
                    problem = url_problem(url, policy.allowed_protocols)
                    if problem is not None:
                        problems.append(f"{problem} in {name} on <{el.tag}>: {url!r}")
    return problems
