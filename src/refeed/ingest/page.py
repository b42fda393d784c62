"""What a page says beyond its article text: lead image, audio/video, its own dates.

Applied to a cleaned article as the cleaner's last step. The content is already sanitized;
the only change made to it is a `<time datetime>` value rewritten to a valid one, built
from digits and `-:+T` only, so the sanitizer's guarantee still holds.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import tzinfo

from refeed.ingest.dates import fix_time_elements, page_modified
from refeed.ingest.media import enclosures, lead_image
from refeed.models import CleanArticle


def with_page_facts(article: CleanArticle, raw_html: str, zone: tzinfo | None) -> CleanArticle:
    """`article` with its media and page dates; `zone` is the source's configured time zone."""
    content = fix_time_elements(article.content_html, zone)
    return replace(
        article,
        content_html=content,
        image=lead_image(content, raw_html, article.url),
        enclosures=enclosures(raw_html, article.url),
        modified=page_modified(raw_html, zone),
    )
