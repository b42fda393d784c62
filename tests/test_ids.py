"""Entry ids never change: subscribers' readers know entries by them.

tests/data/ids.json pins the entry id of every bundled sample (seeds/ and the valid test
fixtures). An id that changes shows every subscriber the article again as new: if this test
fails, the change is the bug, not the fixture. Never regenerate the file for existing seeds.
"""

from __future__ import annotations

import json
from pathlib import Path

import feedparser
import pytest
from lxml import etree

from refeed.config import Config, load_config
from refeed.output.variants import variant_entry_id

from .conftest import DATA, NOW, VALID_SEEDS, build

ROOT = Path(__file__).parents[1]
PINNED = json.loads((DATA / "ids.json").read_text(encoding="utf-8"))
FOLDERS = {"seeds": ROOT / "seeds", "tests/data/seeds/valid": VALID_SEEDS}


@pytest.fixture(scope="module", params=sorted(FOLDERS))
def built(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[str, Path]:
    folder = request.param
    config: Config = load_config(ROOT / "config" / "refeed.toml")
    out = tmp_path_factory.mktemp("ids") / "feeds"
    build(FOLDERS[folder], out, config, NOW)
    return folder, out


def _ids_by_link(out: Path) -> dict[str, dict[str, set[str]]]:
    """article URL -> format -> the ids it has in every feed of that format."""
    found: dict[str, dict[str, set[str]]] = {}
    for path in out.iterdir():
        if ".zh-han" in path.name:  # script variants have ids of their own (below)
            continue
        if path.suffix == ".json":
            pairs = [(i["url"], i["id"]) for i in json.loads(path.read_bytes())["items"]]
        else:
            pairs = [(e.link, e.id) for e in feedparser.parse(path).entries]
        for link, entry_id in pairs:
            found.setdefault(link, {}).setdefault(path.suffix, set()).add(entry_id)
    return found


def test_pinned_ids_are_the_published_ids(built: tuple[str, Path]) -> None:
    folder, out = built
    pinned = PINNED[folder]
    found = _ids_by_link(out)
    assert set(found) == set(pinned)  # every sample's article, and no other
    for url, by_format in found.items():
        assert set(by_format) == {".atom", ".rss", ".json"}
        for fmt, ids in by_format.items():
            assert ids == {pinned[url]}, (url, fmt)  # one id in every feed and format


def test_rss_guid_is_the_entry_id_and_no_permalink(built: tuple[str, Path]) -> None:
    _, out = built
    for path in out.glob("*.rss"):
        if ".zh-han" in path.name:
            continue
        for guid in etree.parse(str(path)).getroot().iter("guid"):
            assert guid.get("isPermaLink") == "false"
            assert guid.text in set(PINNED[built[0]].values())


def test_a_variant_entry_id_derives_from_the_pinned_id(built: tuple[str, Path]) -> None:
    """The bundled config publishes china-us also in zh-Hant: its ids are name-based UUIDs of
    the pinned ids (docs/design.md), as stable as they are."""
    folder, out = built
    variant = feedparser.parse(out / "china-us.zh-hant.atom").entries
    assert variant
    for entry in variant:
        assert entry.id == variant_entry_id(PINNED[folder][entry.link], "zh-Hant")
