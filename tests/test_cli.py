"""The command line: exit codes, the summary line, named rejections, and --help everywhere."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from refeed.cli import cli

from .conftest import INVALID_SEEDS, TEST_CONFIG, VALID_SEEDS

ROOT = Path(__file__).parents[1]


def run(*args: str) -> click.testing.Result:
    """The CLI in-process; `build` gets a state database of its own beside its --out."""
    args_list = list(args)
    if "--out" in args_list and "--state" not in args_list:
        out = Path(args_list[args_list.index("--out") + 1])
        args_list += ["--state", str(out.parent / f"{out.name}.state" / "refeed.sqlite")]
    return CliRunner().invoke(cli, args_list, catch_exceptions=False)


def test_build_exits_0_and_prints_one_summary_line(tmp_path: Path) -> None:
    result = run(
        "build", "--seeds", str(VALID_SEEDS), "--out", str(tmp_path), "--config", str(TEST_CONFIG)
    )
    assert result.exit_code == 0  # a merge is not an error
    line, *merges = result.stdout.splitlines()
    assert line.startswith(
        "refeed build: 15 seed files (15 new, 0 changed, 0 removed, 0 renamed); 0 rejected; "
        "1 merged into another file's entry (same URL; 1 new, listed below)"
    )
    assert "all.atom 14" in line
    assert "rfi-cn.atom 6" in line
    assert "22 files written" in line  # 5 feeds x (atom, rss, json, html) + index.html, .opml
    assert merges == [DUPLICATES_MERGED]


DUP_URL = "https://www.rfi.fr/cn/%E4%BA%9A%E6%B4%B2/20231114-same-article"
DUPLICATES_MERGED = f"refeed: merged dup_a_older.txt into dup_b_newer.txt (same URL {DUP_URL})"


def test_each_merge_is_named_once_and_again_when_it_changes(tmp_path: Path) -> None:
    """No seed file vanishes unnamed: the build that merges a file into another's entry names
    both, the URL and the winner; later builds do not repeat it unless the merge changes."""
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    shutil.copy(VALID_SEEDS / "dup_a_older.txt", seeds)
    args = ["build", "--seeds", str(seeds), "--out", str(tmp_path / "out"),
            "--config", str(TEST_CONFIG)]  # fmt: skip
    assert run(*args).stdout.count("\n") == 1  # one file: nothing merged
    shutil.copy(VALID_SEEDS / "dup_b_newer.txt", seeds)
    result = run(*args)
    assert result.exit_code == 0
    assert result.stdout.splitlines()[1:] == [DUPLICATES_MERGED]
    again = run(*args)
    assert "1 merged into another file's entry (same URL; see status)" in again.stdout
    assert again.stdout.splitlines()[1:] == []
    # a third file with the same URL, newer than both: the merge changed, so it is named again
    third = (VALID_SEEDS / "dup_b_newer.txt").read_text(encoding="utf-8")
    (seeds / "dup_c.txt").write_text(third.replace("1700000400000", "1700000500000"), "utf-8")
    assert run(*args).stdout.splitlines()[1:] == [
        f"refeed: merged dup_a_older.txt, dup_b_newer.txt into dup_c.txt (same URL {DUP_URL})"
    ]
    (seeds / "dup_c.txt").unlink()  # back to the first merge: named once more
    assert run(*args).stdout.splitlines()[1:] == [DUPLICATES_MERGED]
    assert run(*args, "--full").stdout.splitlines()[1:] == [DUPLICATES_MERGED]  # a rebuild


def test_build_exits_1_and_names_each_rejected_file(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    shutil.copytree(VALID_SEEDS, seeds)
    shutil.copy(INVALID_SEEDS / "seconds_timestamp.txt", seeds)
    shutil.copy(INVALID_SEEDS / "binary.txt", seeds)
    result = run(
        "build", "--seeds", str(seeds), "--out", str(tmp_path / "out"), "--config", str(TEST_CONFIG)
    )
    assert result.exit_code == 1
    assert (
        f"rejected {seeds / 'seconds_timestamp.txt'}: line 1: timestamp 1691590501 looks like "
        "seconds" in result.stderr
    )
    assert f"rejected {seeds / 'binary.txt'}: binary file" in result.stderr
    assert "17 seed files (15 new, 0 changed, 0 removed, 0 renamed); 2 rejected" in result.stdout
    assert (tmp_path / "out" / "all.atom").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["--config", "nope.toml"], "nope.toml: no such file", id="missing-config"),
        pytest.param(["--seeds", "no-such-dir"], "no-such-dir is not a folder", id="missing-seeds"),
        pytest.param(["--frobnicate"], "No such option", id="unknown-option"),
    ],
)
def test_usage_and_config_errors_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    result = run("build", "--out", str(tmp_path), *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert not list(tmp_path.iterdir())


def test_bad_config_key_is_named(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text("[[sources]]\nname = 'x'\n")
    result = run(
        "build", "--seeds", str(VALID_SEEDS), "--out", str(tmp_path / "o"), "--config", str(config)
    )
    assert result.exit_code == 2
    assert f"{config}: sources[0].title: is required" in result.stderr


def test_every_command_has_help() -> None:
    assert isinstance(cli, click.Group)
    for name, command in cli.commands.items():
        result = run(name, "--help")
        assert result.exit_code == 0
        assert command.help
        first_line = command.help.split("\n")[0]
        assert " ".join(first_line.split()) in " ".join(result.stdout.split())  # click wraps


def test_python_dash_m_runs_the_same_cli(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "refeed",
            "build",
            "--seeds",
            str(VALID_SEEDS),
            "--out",
            str(tmp_path),
            "--config",
            str(TEST_CONFIG),
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "all.atom").exists()


def test_default_paths_use_the_bundled_config(tmp_path: Path) -> None:
    """`refeed build` with no options, from a checkout: seeds/ and config/ -> feeds/."""
    shutil.copytree(ROOT / "seeds", tmp_path / "seeds")
    shutil.copytree(ROOT / "config", tmp_path / "config")
    result = subprocess.run(
        [sys.executable, "-m", "refeed", "build"],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "feeds").glob("*.atom")) == [
        "all.atom",
        "china-us.atom",
        "china-us.zh-hant.atom",
        "nytimes-cn.atom",
        "rfi-cn.atom",
    ]


def _built_state(tmp_path: Path) -> list[str]:
    """The valid fixtures (one merge) plus a rejected file, built: the `status` options."""
    seeds = tmp_path / "seeds"
    shutil.copytree(VALID_SEEDS, seeds)
    shutil.copy(INVALID_SEEDS / "no_separator.txt", seeds)
    state = str(tmp_path / "state" / "refeed.sqlite")
    common = ["--state", state, "--config", str(TEST_CONFIG)]
    result = run("build", "--seeds", str(seeds), "--out", str(tmp_path / "out"), *common)
    assert result.exit_code == 1
    return common


def test_status_shows_feeds_last_pass_merges_and_rejections(tmp_path: Path) -> None:
    result = run("status", *_built_state(tmp_path))
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[1] == "seed files: 16 (1 rejected, 1 URLs merged); entries: 14"
    assert re.fullmatch(
        r"last pass: \S+\+00:00, completed in \d+\.\d{3}s: 16 seen, 15 new, 0 changed, "
        r"0 removed, 0 renamed, 1 rejected, 0 pending, 1 merged; 22 files written",
        lines[2],
    )
    assert re.fullmatch(r"libraries: beautifulsoup4 \S+, bleach \S+, .*nh3 \S+, .*", lines[3])
    assert any(line.split()[:3] == ["rfi-cn.atom", "6", "entries"] for line in lines)
    assert any(line.split()[:3] == ["all.atom", "14", "entries"] for line in lines)
    assert any("newest 2024-04-03T19:45:01+00:00" in line for line in lines)
    assert lines[-2] == "merged dup_a_older.txt, dup_b_newer.txt: dup_b_newer.txt is published"
    assert lines[-1].startswith("rejected no_separator.txt: line 3: expected the separator")


def test_status_json_is_one_object_with_stable_keys(tmp_path: Path) -> None:
    common = _built_state(tmp_path)
    result = run("status", "--json", *common)
    assert result.exit_code == 0
    status = json.loads(result.stdout)
    assert list(status) == [
        "state", "seed_files", "entries", "rejected", "merges", "feeds", "last_pass", "pings",
        "libraries",
    ]  # fmt: skip
    from importlib.metadata import version

    assert status["libraries"]["nh3"] == version("nh3")  # the sanitizer that cleaned them
    assert set(status["libraries"]) >= {"bleach", "beautifulsoup4", "feedgen", "opencc"}
    assert status["state"] == common[1]
    assert (status["seed_files"], status["entries"]) == (16, 14)
    assert [r["path"] for r in status["rejected"]] == ["no_separator.txt"]
    assert status["rejected"][0]["reason"].startswith("line 3: expected the separator")
    assert status["merges"] == [
        {"url": DUP_URL, "files": ["dup_a_older.txt", "dup_b_newer.txt"],
         "winner": "dup_b_newer.txt"}
    ]  # fmt: skip
    feeds = {feed["name"]: feed for feed in status["feeds"]}
    assert list(feeds) == ["en.example.org.atom", "example.com.atom", "nytimes-cn.atom",
                           "rfi-cn.atom", "all.atom"]  # fmt: skip
    assert feeds["rfi-cn.atom"] == {
        "name": "rfi-cn.atom", "entries": 6, "newest": "2024-04-03T19:45:01+00:00",
    }  # fmt: skip
    assert feeds["all.atom"]["entries"] == 14
    last = status["last_pass"]
    assert list(last) == ["time", "result", "counts", "files_written", "seconds"]
    assert last["result"] == "completed"
    assert last["counts"] == {"seen": 16, "new": 15, "changed": 0, "removed": 0, "renamed": 0,
                              "rejected": 1, "pending": 0, "merged": 1}  # fmt: skip
    assert last["files_written"] == 22  # 5 feeds x 4 formats, index.html, index.opml
    assert result.stdout == run("status", "--json", *common).stdout  # stable


def test_status_without_state_is_a_usage_error(tmp_path: Path) -> None:
    result = run("status", "--state", str(tmp_path / "none.sqlite"))
    assert result.exit_code == 2
    assert "run `refeed build` first" in result.stderr


def test_large_build_reports_progress_without_a_terminal(tmp_path: Path) -> None:
    from .corpus import make_corpus

    make_corpus(tmp_path / "seeds", 120)
    result = run("build", "--seeds", str(tmp_path / "seeds"), "--out", str(tmp_path / "out"),
                 "--config", str(TEST_CONFIG))  # fmt: skip
    assert result.exit_code == 0
    progress = [line for line in result.stderr.splitlines() if "ingested" in line]
    assert progress[0] == "refeed: ingested 12/120 seed files"
    assert progress[-1] == "refeed: ingested 120/120 seed files"
    assert len(progress) == 10


def test_serve_command_serves_and_exits_0_on_sigterm(tmp_path: Path) -> None:
    import signal

    from .processes import Refeed
    from .servers import get

    run("build", "--seeds", str(VALID_SEEDS), "--out", str(tmp_path / "feeds"), "--config",
        str(TEST_CONFIG))  # fmt: skip
    server = Refeed("serve", "--out", str(tmp_path / "feeds"), "--port", "0", "--config",
                    str(TEST_CONFIG), cwd=tmp_path)  # fmt: skip
    try:
        port = int(server.wait_for_line(r"on http://127\.0\.0\.1:(\d+)/").group(1))
        status, headers, _ = get(port, "/all.atom")
        assert status == 200
        assert headers["cache-control"] == "public, max-age=30"
    finally:
        assert server.stop(signal.SIGTERM) == 0, server.output()


def test_run_without_a_seeds_folder_exits_2_before_starting(tmp_path: Path) -> None:
    result = run("run", "--no-serve", "--seeds", str(tmp_path / "nowhere"), "--state",
                 str(tmp_path / "state" / "refeed.sqlite"))  # fmt: skip
    assert result.exit_code == 2
    assert "nowhere is not a folder" in result.stderr
    assert not (tmp_path / "state").exists()


def test_a_build_with_nothing_new_imports_no_output_layer_or_http_client(tmp_path: Path) -> None:
    """The summary of a build that renders nothing comes from what the last render
    published (the same line), and with no WebSub hub configured no HTTP client is loaded."""
    args = ["build", "--seeds", str(VALID_SEEDS), "--out", str(tmp_path / "feeds"),
            "--config", str(TEST_CONFIG), "--state", str(tmp_path / "state.sqlite")]  # fmt: skip
    first = run(*args).stdout.splitlines()[0]
    modules = ("refeed.output.feeds", "refeed.output.model", "refeed.service.websub",
               "urllib.request", "http.client")  # fmt: skip
    code = (
        "import sys\nfrom refeed.cli import cli\n"
        f"try:\n    cli({args!r})\nexcept SystemExit:\n    pass\n"
        f"print(sorted(m for m in {modules!r} if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, cwd=ROOT)  # fmt: skip
    summary, imported = result.stdout.splitlines()
    assert imported == "[]"
    assert (
        summary
        == first.replace("(15 new,", "(0 new,")
        .replace("1 new, listed below", "see status")
        .split("; 22 files written")[0]
        + "; 0 files written"
    )


def test_status_names_the_newest_entry_of_a_derived_feed_too(tmp_path: Path) -> None:
    """The bundled config's derived feed, as a new user's `refeed status` shows it."""
    args = ["--seeds", str(ROOT / "seeds"), "--out", str(tmp_path / "feeds"),
            "--config", str(ROOT / "config" / "refeed.toml"),
            "--state", str(tmp_path / "state.sqlite")]  # fmt: skip
    assert run("build", *args).exit_code == 0
    status = json.loads(run("status", "--json", *args[4:]).stdout)  # --config, --state
    feeds = {feed["name"]: feed for feed in status["feeds"]}
    assert feeds["china-us.atom"]["entries"] == 3
    assert feeds["china-us.atom"]["newest"] is not None
    assert feeds["china-us.atom"]["newest"] <= feeds["all.atom"]["newest"]


def test_status_names_the_newest_time_the_feed_shows(tmp_path: Path) -> None:
    """Seeds at one instant are shown a microsecond apart (the tie-break); status names the
    time the feed itself says is its newest, not the shared stored one."""
    seeds = tmp_path / "seeds"
    shutil.copytree(ROOT / "seeds", seeds)
    newest = max(seeds.iterdir(), key=lambda p: int(p.read_text(encoding="utf-8")[4:17]))
    text = newest.read_text(encoding="utf-8")
    for n in (1, 2):  # the same instant, other articles of the same site
        other = re.sub(r"\]\((https://[^)]+)\)", rf"](\1-{n})", text, count=1)
        (seeds / f"zz-{n}.txt").write_text(other, encoding="utf-8")
    args = ["--config", str(ROOT / "config" / "refeed.toml"),
            "--state", str(tmp_path / "state.sqlite")]  # fmt: skip
    assert (
        run("build", "--seeds", str(seeds), "--out", str(tmp_path / "feeds"), *args).exit_code == 0
    )
    status = json.loads(run("status", "--json", *args).stdout)
    shown = {feed["name"]: feed["newest"] for feed in status["feeds"]}
    for name, when in shown.items():
        if when is not None:
            feed = (tmp_path / "feeds" / name).read_text(encoding="utf-8")
            updated = re.search(r"<updated>([^<]+)</updated>", feed)
            assert updated is not None
            assert datetime.fromisoformat(updated[1]) == datetime.fromisoformat(when), name
    assert datetime.fromisoformat(shown["all.atom"]).microsecond % 1000 == 2  # third of three
