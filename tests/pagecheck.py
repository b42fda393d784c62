"""Reading refeed's pages as a browser does (html5lib) and listing what must never be there."""

from __future__ import annotations

import re
from xml.etree.ElementTree import Element

import html5lib

from .htmlcheck import URL_ATTRS, browser_url

# Elements a page of refeed has no use for, each a way to run or embed something.
FORBIDDEN_ELEMENTS = {"script", "iframe", "frame", "object", "embed", "form", "base", "svg", "math"}
# Relative links stay among refeed's own documents in the same folder.
OWN_DOCUMENT = re.compile(r"^[A-Za-z0-9._~%-]+\.(?:html|opml)$")


def parse_page(data: bytes) -> Element:
    """The document tree; AssertionError naming every parse error (html5lib strict)."""
    parser = html5lib.HTMLParser(
        tree=html5lib.getTreeBuilder("etree"), strict=False, namespaceHTMLElements=False
    )
    root: Element = parser.parse(data, transport_encoding="utf-8")
    errors = [f"line {line}:{col} {code} {info}" for (line, col), code, info in parser.errors]
    assert not errors, "HTML parse errors:\n" + "\n".join(errors)
    return root


def elements(root: Element, tag: str) -> list[Element]:
    return [el for el in root.iter() if el.tag == tag]


def alternates(root: Element) -> list[dict[str, str]]:
    return [dict(el.attrib) for el in elements(root, "link") if el.get("rel") == "alternate"]


def anchors(root: Element) -> dict[str, str]:
    """href -> the link's visible text (whitespace collapsed)."""
    return {el.get("href", ""): text_of(el) for el in elements(root, "a")}


def text_of(el: Element) -> str:
    return " ".join("".join(el.itertext()).split())


def visible_text(root: Element) -> str:
    body = elements(root, "body")[0]
    return text_of(body)


def unsafe_constructs(root: Element) -> list[str]:
    """Every script-capable element, event handler, inline style or non-web URL in a page."""
    problems = []
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        if el.tag in FORBIDDEN_ELEMENTS:
            problems.append(f"element <{el.tag}>")
        if el.tag == "meta" and el.get("http-equiv", "").lower() == "refresh":
            problems.append("meta refresh")
        for name, value in el.attrib.items():
            if name.lower().startswith("on") or name.lower() == "style":
                problems.append(f"attribute {name} on <{el.tag}>")
            if name in URL_ATTRS or name == "srcset":
                read = browser_url(value)  # read by the WHATWG rules, as a browser would
                scheme = read.split(":", 1)[0] if read else None
                if scheme is None and not OWN_DOCUMENT.match(value):
                    problems.append(f"relative URL {value!r} in {name} on <{el.tag}>")
                elif scheme is not None and scheme not in ("http", "https"):
                    problems.append(f"{scheme}: URL in {name} on <{el.tag}>")
    return problems
