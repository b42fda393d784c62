"""RSS 2.0 checks the project runs on its own output: the RSS 2.0 specification's required
elements and the RSS Best Practices Profile rules the W3C validator applies (guid, self link,
RFC 822 dates, one enclosure, e-mail-only <author>), and a real client (feedparser)."""

from __future__ import annotations

import re
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import urlsplit

import feedparser
from lxml import etree

ATOM = "{http://www.w3.org/2005/Atom}"
CONTENT = "{http://purl.org/rss/1.0/modules/content/}"
# RFC 822 as the profile writes it: day name, 4-digit year, seconds, a zone
RFC822 = re.compile(
    r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
    r"\d{4} \d\d:\d\d:\d\d (GMT|[+-]\d{4})\Z"
)


def rss_problems(path: Path) -> list[str]:
    data = path.read_bytes()
    root = etree.fromstring(data)
    problems = []
    if root.tag != "rss" or root.get("version") != "2.0":
        return ["not an RSS 2.0 document"]
    channel = root.find("channel")
    if channel is None:
        return ["no channel"]
    for tag in ("title", "link", "description"):
        if not (channel.findtext(tag) or "").strip():
            problems.append(f"channel has no {tag}")
    selfs = channel.findall(f"{ATOM}link[@rel='self']")
    if len(selfs) != 1 or selfs[0].get("href") != _expected_self(path, selfs):
        problems.append("channel needs exactly one atom:link rel=self to its own .rss URL")
    dates = [channel.findtext("lastBuildDate") or ""]
    guids = []
    for item in channel.iter("item"):
        guid = item.find("guid")
        if guid is None or guid.get("isPermaLink") != "false" or not guid.text:
            problems.append("item without a non-permalink guid")
        else:
            guids.append(guid.text)
        if not item.findtext("title") and not item.findtext("description"):
            problems.append("item with neither title nor description")
        if len(item.findall("enclosure")) > 1:
            problems.append("item with more than one enclosure")
        for enclosure in item.findall("enclosure"):
            if not enclosure.get("type") or not (enclosure.get("length") or "").isdigit():
                problems.append("enclosure without type or length")
        if item.find("author") is not None:
            problems.append("<author> must be an e-mail address: use dc:creator")
        if item.find(f"{CONTENT}encoded") is None:
            problems.append("item without content:encoded")
        dates.append(item.findtext("pubDate") or "")
        urls = [item.findtext("link") or ""] + [e.get("url", "") for e in item.iter("enclosure")]
        problems += [f"not an absolute URL: {u!r}" for u in urls if not urlsplit(u).scheme]
    for date in dates:
        if not RFC822.match(date):
            problems.append(f"date {date!r} is not RFC 822 as the profile writes it")
    pubs = [parsedate_to_datetime(d) for d in dates[1:] if RFC822.match(d)]
    if pubs and RFC822.match(dates[0]) and parsedate_to_datetime(dates[0]) < max(pubs):
        problems.append("lastBuildDate is older than an item")
    if len(guids) != len(set(guids)):
        problems.append("duplicate guids")
    parsed = feedparser.parse(data)
    if parsed.bozo:
        problems.append(f"feedparser: {parsed.bozo_exception}")
    if len(parsed.entries) != len(channel.findall("item")):
        problems.append("feedparser sees a different number of items")
    return problems


def _expected_self(path: Path, selfs: list[etree._Element]) -> str:
    href = selfs[0].get("href", "") if selfs else ""
    return href if href.endswith("/" + path.name) else f"(a URL ending in /{path.name})"
