"""Checks on published HTML made the way a reader makes them: with a browser's HTML parser."""

from __future__ import annotations

import re
from xml.etree.ElementTree import Element

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
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")  # WHATWG URL scheme grammar
_STRIPPED = re.compile(r"[\x00-\x20\x7f-\xa0]+")


def parse_fragment(html: str) -> Element:
    root: Element = html5lib.parseFragment(html, treebuilder="etree", namespaceHTMLElements=False)
    return root


def url_scheme(url: str) -> str | None:
    match = _SCHEME.match(_STRIPPED.sub("", url))
    return match.group(1).lower() if match else None


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
                    scheme = url_scheme(url)
                    if scheme is not None and scheme not in policy.allowed_protocols:
                        problems.append(f"{scheme}: URL in {name} on <{el.tag}>")
    return problems
