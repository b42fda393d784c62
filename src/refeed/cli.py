"""The `refeed` command. Parses arguments and maps outcomes to exit codes; no logic of its own.

Exit codes: 0 all published; 1 some seed files were rejected, the rest published;
2 a usage or configuration error, nothing written.
"""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime
from pathlib import Path

import click

from refeed import __version__
from refeed.config import DEFAULT_CONFIG_PATH, Config, load_config
from refeed.errors import ConfigError
from refeed.pipeline import BuildReport, build

EXIT_OK, EXIT_REJECTED, EXIT_USAGE = 0, 1, 2

_dir = click.Path(file_okay=False, path_type=Path)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="refeed")
def cli() -> None:
    """refeed turns a folder of archived articles (seed files) into clean Atom feeds."""
    logging.basicConfig(level=logging.WARNING, format="refeed: %(levelname)s: %(message)s")


@cli.command("build")
@click.option(
    "--seeds",
    "seeds_dir",
    type=_dir,
    default=Path("seeds"),
    show_default=True,
    help="Folder of seed files (*.txt, sub-folders included).",
)
@click.option(
    "--out",
    "out_dir",
    type=_dir,
    default=Path("feeds"),
    show_default=True,
    help="Folder the feeds are written into.",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help=f"Config file [default: {DEFAULT_CONFIG_PATH} if it exists].",
)
def build_command(seeds_dir: Path, out_dir: Path, config_path: Path | None) -> None:
    """Read every seed file once and write one feed per source plus all.atom.

    Prints a one-line summary; each rejected file is named on stderr with the reason.
    """
    try:
        config = _config(config_path)
    except ConfigError as exc:
        raise click.UsageError(f"config: {exc}") from exc
    if not seeds_dir.is_dir():
        raise click.BadParameter(f"{seeds_dir} is not a folder", param_hint="--seeds")
    report = build(seeds_dir, out_dir, config, now=datetime.now(UTC))
    for rejection in report.rejected:
        click.echo(f"refeed: rejected {seeds_dir / rejection.seed}: {rejection.reason}", err=True)
    click.echo(summary(report, out_dir))
    sys.exit(EXIT_REJECTED if report.rejected else EXIT_OK)


def _config(path: Path | None) -> Config:
    if path is not None:
        return load_config(path)
    if DEFAULT_CONFIG_PATH.exists():
        return load_config(DEFAULT_CONFIG_PATH)
    return Config()


def summary(report: BuildReport, out_dir: Path) -> str:
    feeds = ", ".join(f"{name} {count}" for name, count in sorted(report.published.items()))
    parts = [
        f"{report.files_read} seed files read",
        f"{len(report.rejected)} rejected",
    ]
    if report.duplicates:
        parts.append(f"{report.duplicates} duplicate URLs merged")
    parts.append(f"published to {out_dir}/: {feeds or 'nothing'}")
    parts.append(f"{len(report.written)} feeds changed")
    return "refeed build: " + "; ".join(parts)


def main() -> None:
    cli(prog_name="refeed")
