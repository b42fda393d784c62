"""Feed models built by hand for the page and OPML tests, and one built from the sample seeds.

The renderers are pure functions of the model, so their tests build the model directly: the
golden site is written out here (text taken from the sample seeds), and `seed_site` runs the
real seed parser and cleaner over a folder for text nobody chose.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from refeed.ingest.clean import clean_article
from refeed.ingest.policy import default_policy
from refeed.ingest.seeds import parse_seed
from refeed.models import CleanArticle
from refeed.output.model import Feed, FeedMeta, Item, Media, Site

from .conftest import NOW

BASE = "https://feeds.example.org/refeed/"
SUFFIXES = {"atom": ".atom", "rss": ".rss", "json": ".json", "html": ".html"}


def meta(
    name: str,
    title: str,
    *,
    kind: str = "source",
    homepage: str = "https://www.rfi.fr/cn/",
    author: str = "refeed",
    subtitle: str | None = None,
    language: str | None = "zh-CN",
    formats: Iterable[str] = SUFFIXES,
) -> FeedMeta:
    return FeedMeta(
        name=name,
        kind=kind,
        feed_id=f"urn:uuid:00000000-0000-5000-8000-{len(name):012d}",
        title=title,
        homepage=homepage,
        author=author,
        urls={f: BASE + name + SUFFIXES[f] for f in formats},
        subtitle=subtitle,
        language=language,
    )


def at(day: int, hour: int = 8) -> datetime:
    return datetime(2023, 8, day, hour, 30, tzinfo=UTC)


RFI = meta(
    "rfi-cn",
    "法国国际广播电台 RFI 中文",
    author="RFI 华语",
    subtitle="RFI 华语：国际、中国、亚洲新闻",
)
NYT = meta(
    "nytimes-cn",
    "纽约时报中文网",
    homepage="https://cn.nytimes.com/",
    author="纽约时报中文网",
    subtitle="纽约时报中文网：国际新闻、中国、美国",
)
ALL = meta(
    "all",
    "refeed: 国际新闻中文精选",
    kind="combined",
    homepage=BASE,
    subtitle="RFI 中文与纽约时报中文网的文章，去除分享按钮、广告与追踪",
)

RFI_ITEMS = (
    Item(
        entry_id="urn:uuid:6f1c8a52-0b7e-5a3e-9d43-1c2b3a4d5e6f",
        url="https://www.rfi.fr/cn/%E4%BA%9A%E6%B4%B2/20230809-biden-vietnam",
        title="拜登称将很快访问越南，美越拟升级伙伴关系",
        summary="美国总统拜登周二表示，他将很快访问越南，两国准备升级双边关系。",
        content_html="<p>CONTENT-HTML-NEVER-SHOWN</p>",
        published=at(9),
        updated=at(9, 10),
        authors=("RFI 华语",),
        categories=("亚洲",),
        image=Media("https://s.rfi.fr/media/display/biden.jpg", "image", "image/jpeg", alt="拜登"),
    ),
    Item(
        entry_id="urn:uuid:0d3e2c1b-4a59-5687-a9b8-c7d6e5f4a3b2",
        url="https://www.rfi.fr/cn/%E4%B8%AD%E5%9B%BD/20230617-blinken",
        title="布林肯访华前与日韩外长通话 拜登称希望在未来数月与习近平会面",
        summary="",
        content_html="<p>CONTENT-HTML-NEVER-SHOWN</p>",
        published=at(1),
        updated=at(1),
        authors=("安德烈",),
    ),
)
NYT_ITEMS = (
    Item(
        entry_id="urn:uuid:9a8b7c6d-5e4f-5a3b-8c2d-1e0f9a8b7c6d",
        url="https://cn.nytimes.com/china/20230714/china-us-blinken-wang-diplomacy/",
        title="中美加强外交互动，布林肯会见王毅",
        summary="在雅加达举行的东盟会议间隙，美国国务卿布林肯与中国外交官员王毅会面。",
        content_html="<p>CONTENT-HTML-NEVER-SHOWN</p>",
        published=at(5, 2),
        updated=at(5, 2),
        authors=("纽约时报中文网",),
        image=Media("https://static01.nyt.com/images/blinken.jpg", "image"),
    ),
)


def _in_combined(item: Item, source: Feed) -> Item:
    return Item(
        entry_id=item.entry_id,
        url=item.url,
        title=item.title,
        summary=item.summary,
        content_html=item.content_html,
        published=item.published,
        updated=item.updated,
        authors=item.authors,
        categories=item.categories,
        image=item.image,
        source=source.meta,
        source_updated=source.updated,
    )


def combine(feed_meta: FeedMeta, feeds: Iterable[Feed]) -> Feed:
    sources = list(feeds)
    items = [_in_combined(i, f) for f in sources for i in f.items]
    items.sort(key=lambda i: (i.updated, i.entry_id), reverse=True)
    updated = max(f.updated for f in sources)
    return Feed(feed_meta, tuple(items), updated, sum(f.total for f in sources))


def small_site() -> Site:
    """The golden site: a combined feed and two sources, one capped (total > items shown)."""
    rfi = Feed(RFI, RFI_ITEMS, at(9, 10), total=57)
    nyt = Feed(NYT, NYT_ITEMS, at(5, 2), total=1)
    return Site(
        base_url=BASE,
        title="refeed: 国际新闻中文精选",
        description="RFI 中文与纽约时报中文网的文章",
        feeds=(combine(ALL, [rfi, nyt]), nyt, rfi),
    )


def seed_articles(folder: Path) -> list[CleanArticle]:
    """The real parser and cleaner over every seed file in `folder` (newest first)."""
    policy = default_policy()
    articles = [
        clean_article(parse_seed(p.name, p.read_bytes(), NOW, timedelta(hours=24)), policy)
        for p in sorted(folder.glob("*.txt"))
    ]
    return sorted(articles, key=lambda a: (a.published, a.url), reverse=True)


def article_item(article: CleanArticle, categories: tuple[str, ...] | None = None) -> Item:
    """The feed item a cleaned article becomes (updated when published)."""
    return Item(
        entry_id=article.entry_id,
        url=article.url,
        title=article.title,
        summary=article.summary,
        content_html=article.content_html,
        published=article.published,
        updated=article.published,
        authors=(article.author,) if article.author else (),
        categories=article.categories if categories is None else categories,
    )


def seed_site(folder: Path) -> Site:
    """A site with one feed per host of the seeds in `folder`, plus the combined feed."""
    by_host: dict[str, list[Item]] = {}
    for article in seed_articles(folder):
        item = article_item(article)
        by_host.setdefault(urlsplit(article.url).hostname or "", []).append(item)
    feeds = [
        Feed(
            meta(host.removeprefix("www."), host, homepage=f"https://{host}/", language=None),
            tuple(items),
            max(i.updated for i in items),
            len(items),
        )
        for host, items in sorted(by_host.items())
    ]
    return Site(BASE, "refeed samples", None, (combine(ALL, feeds), *feeds))
