"""The article body read the way a browser reads it: HTML5 tree construction (lexbor).

Scraped markup is broken markup, and what a reader sees of it is what an HTML5 parser makes of
it: an unclosed `<svg>` ends where HTML content resumes, a stray `</body>` ends nothing, text
in a `<table>` is moved before it. libxml2 reads such markup its own way (the rest of the
article inside the `<svg>`, or gone), so it is not used for article bodies. lexbor is a
C implementation of the WHATWG parsing algorithm, 3x faster than libxml2 behind BeautifulSoup
(measured: bench/README.md), and iterative, so 10,000-deep nesting costs nothing special.

This is the only module importing selectolax (lexbor's binding). It hands the body over as
calls, in document order, so the caller builds its own tree (BeautifulSoup, in clean.py)
without parsing twice. Comments are not handed over, nor elements in `skip`, with all they
hold: the cleaner would remove them first thing, and never building them is cheaper.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

from selectolax.lexbor import LexborHTMLParser, LexborNode

# Elements whose content HTML5 reads as literal text, shown as preformatted text by browsers;
# handed over as <pre>, whose text every later parser (the sanitizer's, a reader's) reads as
# text too. Left under their own name, a sanitizer would re-read the escaped text as raw text.
LITERAL_TEXT_AS = {"plaintext": "pre", "xmp": "pre"}

Start = Callable[[str, dict[str, str]], object]
End = Callable[[str], object]
Text = Callable[[str], object]


def walk_body(html: str, start: Start, end: End, text: Text, skip: Collection[str]) -> None:
    """Parse `html` as the body of a document and report the body's content: `start(name,
    attributes)` and `end(name)` around each element, `text(data)` for each text node."""
    # With scripting on, as in browsers: <noscript> holds raw text (the cleaner drops it).
    # Off, a <noscript> opening the body would hand its <img> tracker to the body.
    body = LexborHTMLParser(html, scripting=True).body
    if body is None:  # a frameset document: a browser shows no body text either
        return
    rename = LITERAL_TEXT_AS.get
    open_elements: list[tuple[LexborNode, str]] = []
    node: LexborNode | None = body.first_child
    while node is not None:
        tag = node.tag
        if tag == "-text":
            text(node.text_content or "")
        elif tag is not None and tag[0] != "-" and tag not in skip:
            name = rename(tag, tag)
            attrs = node.attributes
            start(name, {k: "" if v is None else v for k, v in attrs.items()} if attrs else {})
            child = node.first_child
            if child is not None:  # descend; the element ends after its last child
                open_elements.append((node, name))
                node = child
                continue
            end(name)
        # next sibling, else close finished parents until one has a next sibling
        while (sibling := node.next) is None and open_elements:
            node, name = open_elements.pop()
            end(name)
        node = sibling
