"""The nh3 engine (the default): ammonia, in Rust, on the html5ever parser, under refeed's policy.

This is the only module that imports nh3. ammonia parses as a browser does and checks href/src
schemes itself; refeed still judges every URL attribute (sanitize.judged_attribute) through
ammonia's attribute filter, which sees each allowed attribute with its character references
decoded, because ammonia leaves others (cite, srcset) unchecked and relative URLs unresolved.
"""

from __future__ import annotations

import nh3

from refeed.ingest.policy import HtmlPolicy
from refeed.ingest.sanitize import Engine, judged_attribute


def make_engine(policy: HtmlPolicy) -> Engine:
    def attribute(tag: str, name: str, value: str) -> str | None:
        return judged_attribute(policy, name, value)

    cleaner = nh3.Cleaner(
        tags=set(policy.allowed_tags),
        # what the policy drops with its content, the sanitizer drops with its content too
        clean_content_tags=set(policy.drop_with_content - policy.allowed_tags),
        # "*": no attribute on every tag (ammonia's default would allow lang and title)
        attributes={"*": set()}
        | {tag: set(names) for tag, names in policy.allowed_attributes.items()},
        generic_attribute_prefixes=set(),
        attribute_filter=attribute,
        strip_comments=True,
        link_rel=None,  # rel is an allowed attribute; the cleaner sets it on every link
        url_schemes=set(policy.allowed_protocols),
        url_relative="pass_through",  # resolved by judged_attribute, against the article URL
    )
    return cleaner.clean
