"""Seed files: the format parsed exactly, and every malformed file rejected with its reason."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from refeed.errors import SeedError
from refeed.ingest.seeds import (
    find_seed_files,
    parse_seed,
    read_seed,
    scan_changes,
    scan_folder,
    stat_named,
)
from refeed.models import SeedFile

from .conftest import INVALID_SEEDS, NOW, VALID_SEEDS

DAY = timedelta(days=1)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MAX_BYTES = 10 * 1024 * 1024


def parse_file(path: Path, max_bytes: int = MAX_BYTES) -> object:
    seed = next(s for s in find_seed_files(path.parent) if s.name == path.name)
    return parse_seed(seed.name, read_seed(seed, max_bytes), NOW, DAY)


@pytest.mark.parametrize(
    ("name", "published", "title", "url"),
    [
        pytest.param(
            "000_ebac911fd3aa736d.txt",
            datetime(2023, 8, 9, 14, 15, 1, tzinfo=UTC),
            "拜登称将很快访问越南，美越拟升级伙伴关系",
            "https://www.rfi.fr/cn/%E4%BA%9A%E6%B4%B2/20230809-%E6%8B%9C%E7%99%BB%E7%A7%B0%E5%B0%86"
            "%E5%BE%88%E5%BF%AB%E8%AE%BF%E9%97%AE%E8%B6%8A%E5%8D%97%EF%BC%8C%E7%BE%8E%E8%B6%8A%E6"
            "%8B%9F%E5%8D%87%E7%BA%A7%E4%BC%99%E4%BC%B4%E5%85%B3%E7%B3%BB",
            id="sample-rfi",
        ),
        pytest.param(
            "crlf_bom.txt",
            datetime(2023, 11, 14, 22, 13, 20, 123000, tzinfo=UTC),
            "CRLF 与 BOM 的文件",
            "https://www.rfi.fr/cn/%E4%B8%AD%E5%9B%BD/20231114-crlf-bom",
            id="crlf-and-bom-milliseconds-kept",
        ),
        pytest.param(
            "brackets_in_title.txt",
            datetime(2023, 11, 14, 22, 15, tzinfo=UTC),
            "[独家] 标题里有 [方括号] 也没问题",
            "https://cn.nytimes.com/world/20231114/brackets-in-title/",
            id="brackets-in-title",
        ),
        pytest.param(
            "parens_in_url.txt",
            datetime(2023, 11, 14, 22, 16, 40, tzinfo=UTC),
            "Parentheses (in the URL) too",
            "https://en.example.org/wiki/Feed_(syndication)?utm_source=rss&id=7",
            id="parentheses-in-url",
        ),
        pytest.param(
            "entities_in_title.txt",
            datetime(2023, 11, 14, 22, 26, 40, tzinfo=UTC),
            'AT&T and "quotes"',
            "https://www.example.com/news/2023/entities.html",
            id="entities-decoded",
        ),
    ],
)
def test_valid_seed_is_parsed_exactly(name: str, published: datetime, title: str, url: str) -> None:
    article = parse_file(VALID_SEEDS / name)
    assert article.published == published  # type: ignore[attr-defined]
    assert article.published.tzinfo is UTC  # type: ignore[attr-defined]
    assert article.title == title  # type: ignore[attr-defined]
    assert article.url == url  # type: ignore[attr-defined]
    assert article.body_html.startswith("<")  # type: ignore[attr-defined]


def test_millisecond_timestamp_from_the_brief() -> None:
    data = b"<!--1691590501000-->\n[t](https://www.rfi.fr/cn/x)\n------\n\n<p>x</p>"
    article = parse_seed("x.txt", data, NOW, DAY)
    assert article.published.isoformat() == "2023-08-09T14:15:01+00:00"


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        pytest.param("no_timestamp.txt", "line 1: expected a timestamp comment", id="no-timestamp"),
        pytest.param("non_numeric_timestamp.txt", "not a whole number", id="non-numeric"),
        pytest.param("seconds_timestamp.txt", "looks like seconds", id="seconds"),
        pytest.param("far_future_timestamp.txt", "too far in the future", id="future"),
        pytest.param("no_link.txt", "line 2: expected a Markdown link", id="no-link"),
        pytest.param("link_not_http.txt", "not an absolute http(s) URL", id="javascript-link"),
        pytest.param("relative_link.txt", "not an absolute http(s) URL", id="relative-link"),
        pytest.param("no_separator.txt", "line 3: expected the separator", id="no-separator"),
        pytest.param("empty_body.txt", "empty body", id="empty-body"),
        pytest.param("header_only.txt", "line 2: expected a Markdown link", id="header-only"),
        pytest.param("empty_file.txt", "empty file", id="empty-file"),
        pytest.param("not_utf8.txt", "not UTF-8", id="not-utf8"),
        pytest.param("binary.txt", "binary file", id="binary"),
    ],
)
def test_invalid_seed_is_rejected_with_reason(name: str, reason: str) -> None:
    with pytest.raises(SeedError) as caught:
        parse_file(INVALID_SEEDS / name)
    assert caught.value.seed == name
    assert reason in caught.value.reason


def test_every_invalid_fixture_is_covered() -> None:
    """A new bad-file fixture must come with its expected reason in a table above."""
    source = Path(__file__).read_text(encoding="utf-8") + Path(__file__).with_name(
        "test_pipeline.py"
    ).read_text(encoding="utf-8")
    missing = [p.name for p in INVALID_SEEDS.iterdir() if f'"{p.name}"' not in source]
    assert missing == []


def test_file_over_size_limit_is_rejected_before_reading() -> None:
    path = VALID_SEEDS / "000_ebac911fd3aa736d.txt"
    with pytest.raises(SeedError, match=r"file is 4,294 bytes, over the limit of 1,000"):
        parse_file(path, max_bytes=1000)


def test_future_limit_is_relative_to_the_given_clock() -> None:
    data = b"<!--1700000000000-->\n[t](https://x.example/a)\n------\n\n<p>x</p>"
    before = datetime(2023, 11, 13, tzinfo=UTC)  # 1 day 22 h before the timestamp
    with pytest.raises(SeedError, match="too far in the future"):
        parse_seed("x.txt", data, before, DAY)
    assert parse_seed("x.txt", data, before, 2 * DAY).title == "t"


def test_find_seed_files_is_sorted_recursive_and_skips_hidden(tmp_path: Path) -> None:
    for rel in ["b.txt", "a.txt", "sub/c.txt", ".hidden.txt", ".git/d.txt", "notes.md"]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x")
    assert [s.name for s in find_seed_files(tmp_path)] == ["a.txt", "b.txt", "sub/c.txt"]


def test_unreadable_file_is_rejected(tmp_path: Path) -> None:
    seed = SeedFile(tmp_path, "gone.txt", 10, 0)
    with pytest.raises(SeedError, match="cannot be read"):
        read_seed(seed, MAX_BYTES)


@pytest.mark.parametrize("grown_to", [12, 200, MAX_BYTES, MAX_BYTES + 1])
def test_file_that_grew_after_the_scan(tmp_path: Path, grown_to: int) -> None:
    """read_seed reads the size the scan saw; a file that grew since is read whole, up to the
    limit, and refused past it."""
    (tmp_path / "grew.txt").write_bytes(b"x" * grown_to)
    seed = SeedFile(tmp_path, "grew.txt", 10, 0)
    if grown_to > MAX_BYTES:
        with pytest.raises(SeedError, match="grew over the limit"):
            read_seed(seed, MAX_BYTES)
    else:
        assert read_seed(seed, MAX_BYTES) == b"x" * grown_to


# Property: whatever a writer puts in the four fields, the parser gives it back.
titles = (
    st.text(st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="&"), min_size=1)
    .map(lambda s: " ".join(s.split()))
    .filter(bool)
)
paths = st.text(st.sampled_from("abcXYZ019-_.~()[]%/"), max_size=30)
millis = st.integers(min_value=100_000_000_000, max_value=int(NOW.timestamp() * 1000))
bodies = st.text(min_size=1).map(lambda s: "<p>" + s.strip() + "</p>")


@given(millis=millis, title=titles, path=paths, body=bodies, crlf=st.booleans(), bom=st.booleans())
@example(millis=100_000_000_000, title="0", path="", body="<p>0\r\n0</p>", crlf=False, bom=False)
def test_parse_round_trips(
    millis: int, title: str, path: str, body: str, crlf: bool, bom: bool
) -> None:
    url = f"https://www.example.com/{path}"
    text = f"<!--{millis}-->\n[{title}]({url})\n------\n\n{body}\n"
    if crlf:
        text = text.replace("\n", "\r\n")
    data = (("\ufeff" if bom else "") + text).encode("utf-8")
    article = parse_seed("p.txt", data, NOW, DAY)
    assert article.title == title
    assert article.url == url
    assert article.published == EPOCH + timedelta(milliseconds=millis)
    # every CRLF comes back as LF, the body's own too (as HTML parsing would read it anyway)
    written = body.replace("\n", "\r\n") if crlf else body
    assert article.body_html == written.strip().replace("\r\n", "\n")


@given(st.binary(max_size=300))
def test_arbitrary_bytes_never_crash(data: bytes) -> None:
    with contextlib.suppress(SeedError):  # a SeedError is the one allowed outcome besides success
        parse_seed("fuzz.txt", data, NOW, DAY)


def test_scans_agree_and_follow_file_links_not_folder_links(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    (seeds / "2024" / "05").mkdir(parents=True)
    (tmp_path / "elsewhere").mkdir()
    for rel in ["a.txt", "2024/b.txt", "2024/05/c.txt", "2024/.d.txt", "e.md"]:
        (seeds / rel).write_text("x")
    (tmp_path / "elsewhere" / "f.txt").write_text("x")
    (seeds / "linked.txt").symlink_to(tmp_path / "elsewhere" / "f.txt")
    (seeds / "loop").symlink_to(seeds)  # a link to a folder: never followed
    (seeds / "dir.txt").mkdir()  # a folder named like a seed file is not one
    expected = {"a.txt", "2024/b.txt", "2024/05/c.txt", "linked.txt"}
    assert set(scan_folder(seeds).names) == expected
    unchanged, others = scan_changes(seeds, {"a.txt": (1, (seeds / "a.txt").stat().st_mtime_ns)})
    assert unchanged == 1
    assert {name for name, _, _ in others} == expected - {"a.txt"}
    changed, missing = stat_named(seeds, ["a.txt", "gone.txt", "dir.txt", ".h.txt"], {})
    assert [name for name, _, _ in changed] == ["a.txt"]
    assert missing == ["gone.txt", "dir.txt"]


def _signature(folder: Path) -> str:
    return scan_folder(folder).signature


def test_the_signature_changes_with_any_name_size_or_mtime(tmp_path: Path) -> None:
    """What a pass trusts without comparing file by file: equal signatures only for a folder
    whose seed files have the same names, sizes and mtimes (pairing included)."""
    seeds = tmp_path / "seeds"
    (seeds / "sub").mkdir(parents=True)
    for name, text, mtime in [("a.txt", "aaaa", 1), ("b.txt", "bbbbbb", 2), ("sub/c.txt", "c", 3)]:
        (seeds / name).write_text(text)
        os.utime(seeds / name, ns=(mtime, mtime))
    before = _signature(seeds)
    assert _signature(seeds) == before  # nothing changed
    (seeds / ".hidden.txt").write_text("x")
    (seeds / "notes.md").write_text("x")
    assert _signature(seeds) == before  # not seed files

    def changed(step: Callable[[], object]) -> str:
        step()
        after = _signature(seeds)
        assert after != before
        return after

    before = changed(lambda: os.utime(seeds / "a.txt", ns=(5, 5)))  # touched
    before = changed(lambda: (seeds / "a.txt").write_text("AAAA"))  # same size, new mtime
    os.utime(seeds / "a.txt", ns=(5, 5))
    before = _signature(seeds)
    # two files swap names: same names, same stats, paired differently
    (seeds / "a.txt").rename(seeds / "t")
    (seeds / "b.txt").rename(seeds / "a.txt")
    before = changed(lambda: (seeds / "t").rename(seeds / "b.txt"))
    before = changed(lambda: (seeds / "sub/c.txt").rename(seeds / "c.txt"))  # moved up
    before = changed(lambda: (seeds / "d.txt").write_text(""))  # added, empty
    before = changed(lambda: (seeds / "d.txt").unlink())  # removed
    copy = tmp_path / "copy"
    shutil.copytree(seeds, copy)
    for path in seeds.rglob("*.txt"):
        st = path.stat()
        os.utime(copy / path.relative_to(seeds), ns=(st.st_atime_ns, st.st_mtime_ns))
    assert scan_folder(copy).stats == scan_folder(seeds).stats
    assert _signature(copy) != before  # another folder


@given(
    st.dictionaries(st.sampled_from(["a.txt", "b.txt", "c.txt", "d/e.txt"]),
                    st.tuples(st.integers(0, 3), st.integers(0, 2)), max_size=4),
    st.dictionaries(st.sampled_from(["a.txt", "b.txt", "c.txt", "d/e.txt"]),
                    st.tuples(st.integers(0, 3), st.integers(0, 2)), max_size=4),
)  # fmt: skip
def test_folders_that_differ_never_share_a_signature(
    first: dict[str, tuple[int, int]], second: dict[str, tuple[int, int]]
) -> None:
    """Any two states of one folder (name -> (size, mtime)) that differ have different
    signatures; the same state always has the same one."""
    with tempfile.TemporaryDirectory() as tmp:
        seeds = Path(tmp) / "seeds"
        signatures = []
        for files in (first, second):
            shutil.rmtree(seeds, ignore_errors=True)
            seeds.mkdir()
            for name, (size, mtime) in files.items():
                (seeds / name).parent.mkdir(exist_ok=True)
                (seeds / name).write_bytes(b"x" * size)
                os.utime(seeds / name, ns=(mtime, mtime))
            signatures.append(_signature(seeds))
            assert _signature(seeds) == signatures[-1]
        if first != second:
            assert signatures[0] != signatures[1]


def test_a_signature_is_the_same_in_every_process(tmp_path: Path) -> None:
    """Each one-shot build is a new process, with its own salt for str hashes: a signature
    that depended on one would never match, and every pass would compare every file."""
    for i in range(3):
        (tmp_path / f"{i}.txt").write_text("x" * i)
    code = "import sys; from pathlib import Path; from refeed.ingest.seeds import scan_folder;"
    code += f"print(scan_folder(Path({str(tmp_path)!r})).signature)"
    env = dict(os.environ)
    signatures = set()
    for seed in ("1", "2", "random"):
        env["PYTHONHASHSEED"] = seed
        run = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                             text=True, check=True)  # fmt: skip
        signatures.add(run.stdout)
    assert signatures == {_signature(tmp_path) + "\n"}
