"""Configuration: the bundled file is valid; every error names the file and the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from refeed.config import Config, load_config, reference
from refeed.errors import ConfigError

BUNDLED = Path(__file__).parents[1] / "config" / "refeed.toml"


def test_bundled_config_covers_the_sample_sites() -> None:
    config = load_config(BUNDLED)
    assert [s.name for s in config.sources] == ["rfi-cn", "nytimes-cn"]
    assert config.sources[0].match == (("www.rfi.fr", "/cn/"),)
    assert all(s.title and s.language == "zh-CN" for s in config.sources)


def test_defaults_without_a_file() -> None:
    config = Config()
    assert config.max_entries == 100
    assert config.base_url.endswith("/")


@pytest.mark.parametrize(
    ("toml", "key", "message"),
    [
        pytest.param(
            "bse_url = 'https://x.example/'", "bse_url", "unknown key", id="unknown-top-key"
        ),
        pytest.param(
            "base_url = 'ftp://x.example/'",
            "base_url",
            "not an absolute http(s) URL",
            id="bad-base-url",
        ),
        pytest.param("max_entries = 0", "max_entries", "at least 1", id="zero-entries"),
        pytest.param("max_entries = '5'", "max_entries", "must be a whole number", id="wrong-type"),
        pytest.param(
            "max_entries = true", "max_entries", "must be a whole number", id="bool-not-int"
        ),
        pytest.param(
            "language = 'chinese please'", "language", "not a language tag", id="bad-language"
        ),
        pytest.param(
            "[seeds]\nmax_byte = 1", "seeds.max_byte", "unknown key", id="unknown-seeds-key"
        ),
        pytest.param(
            "[seeds]\nmax_future_hours = -1",
            "seeds.max_future_hours",
            "not be negative",
            id="negative-future",
        ),
        pytest.param("[combined]\ntitle = ''", "combined.title", "not be empty", id="empty-title"),
        pytest.param(
            "[policy]\nextra_share_url_patterns = ['(']",
            "policy.extra_share_url_patterns",
            "not a regex",
            id="bad-regex",
        ),
        pytest.param(
            "[policy]\nextra_promo_text_patterns = ['(?P<ad>a)', '(?P<ad>b)']",
            "policy.extra_promo_text_patterns",
            "does not combine",
            id="regexes-that-do-not-combine",
        ),
        pytest.param(
            "[policy]\ndeny_tags = 'img'", "policy.deny_tags", "must be a list", id="not-a-list"
        ),
        pytest.param(
            "[[sources]]\nname = 'a'\ntitle = 'A'\nhomepage = 'https://a.example/'",
            "sources[0].match",
            "is required",
            id="missing-match",
        ),
        pytest.param(
            "[[sources]]\nname = 'A B'\ntitle = 'A'\nhomepage = 'https://a.example/'\n"
            "match = ['a.example']",
            "sources[0].name",
            "a-z 0-9",
            id="bad-name",
        ),
        pytest.param(
            "[[sources]]\nname = 'all'\ntitle = 'A'\nhomepage = 'https://a.example/'\n"
            "match = ['a.example']",
            "sources[0].name",
            "reserved",
            id="reserved-name",
        ),
        pytest.param(
            "[[sources]]\nname = 'a'\ntitle = 'A'\nhomepage = 'https://a.example/'\n"
            "match = ['a.example']\ncolour = 'red'",
            "sources[0].colour",
            "unknown key",
            id="unknown-source-key",
        ),
        pytest.param(
            "[[sources]]\nname = 'a'\ntitle = 'A'\nhomepage = 'https://a.example/'\n"
            "match = ['a.example']\n[[sources]]\nname = 'a'\ntitle = 'B'\n"
            "homepage = 'https://b.example/'\nmatch = ['b.example']",
            "sources[1].name",
            "earlier source",
            id="duplicate-name",
        ),
        pytest.param(
            "[outputs]\nformats = ['atom', 'rdf']", "outputs.formats", "not a format", id="format"
        ),
        pytest.param("[outputs]\nformats = []", "outputs.formats", "at least one", id="no-format"),
        pytest.param(
            "[outputs]\nformat = ['atom']", "outputs.format", "unknown key", id="outputs-typo"
        ),
        pytest.param(
            "[[sources]]\nname = 'a'\ntitle = 'A'\nhomepage = 'https://a.example/'\n"
            "match = ['a.example']\ntimezone = 'Beijing'",
            "sources[0].timezone",
            "not an IANA time zone",
            id="bad-timezone",
        ),
    ],
)
def test_config_error_names_file_and_key(tmp_path: Path, toml: str, key: str, message: str) -> None:
    path = tmp_path / "refeed.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.key == key
    assert message in caught.value.message
    assert str(caught.value).startswith(f"{path}: {key}: ")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(None, "no such file", id="missing"),
        pytest.param(b"base_url = ", "not valid TOML", id="bad-toml"),
        pytest.param(b"\xff\xfe", "cannot be read", id="not-utf8"),
    ],
)
def test_unreadable_config(tmp_path: Path, content: bytes | None, message: str) -> None:
    path = tmp_path / "refeed.toml"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(ConfigError, match=message) as caught:
        load_config(path)
    assert caught.value.path == str(path)


def test_policy_overrides_reach_the_policy(tmp_path: Path) -> None:
    path = tmp_path / "refeed.toml"
    path.write_text("[policy]\nextra_tracking_parameters = ['sessionid']\ndeny_tags = ['img']\n")
    policy = load_config(path).policy
    assert policy.is_tracking_parameter("SessionID")
    assert "img" not in policy.allowed_tags


def test_outputs_default_to_every_format(tmp_path: Path) -> None:
    assert Config().outputs.formats == ("atom", "rss", "json")
    path = tmp_path / "refeed.toml"
    path.write_text("[outputs]\nformats = ['json', 'atom', 'json']\n")
    assert load_config(path).outputs.formats == ("json", "atom")


def test_source_timezone_is_read(tmp_path: Path) -> None:
    config = load_config(BUNDLED)
    assert [s.timezone for s in config.sources] == [None, "Asia/Shanghai"]


def test_every_key_is_in_the_readme() -> None:
    """Keys are declared once, in config.py; the README's reference must name each of them."""
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Configuration") : readme.index("## Outputs")]
    rows = [line for line in section.splitlines() if line.startswith("|")]
    missing = []
    for key, _default, help_text in reference():
        table, _, name = key.rpartition(".")
        if table.endswith("[]"):
            found = any(f"`{name}`" in row for row in rows)
        elif table:
            found = any(f"[{table}]" in row and f"{name}`" in row for row in rows)
        else:
            found = any(row.startswith(f"| `{name}`") for row in rows)
        if not found:
            missing.append(key)
        assert help_text, key
    assert missing == []
