"""Shared fixtures: fixture folders, the test config, a fixed clock, and --update-golden."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import settings

from refeed.config import Config, load_config
from refeed.pipeline import PassReport, run_pass
from refeed.state.store import open_store

DATA = Path(__file__).parent / "data"
VALID_SEEDS = DATA / "seeds" / "valid"
INVALID_SEEDS = DATA / "seeds" / "invalid"
GOLDEN = DATA / "golden"
TEST_CONFIG = DATA / "refeed.toml"
# The clock the tests run at: after every fixture's timestamp, so none is "in the future".
NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)

# No per-example deadline: it is a timing assertion, and timing belongs in bench/. On a busy
# 2-core CI machine an example that writes files took 319 ms against the default 200 ms.
settings.register_profile("refeed", deadline=None)
settings.load_profile("refeed")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="rewrite tests/data/golden/ from the current output (review the diff!)",
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture(scope="session")
def config() -> Config:
    return load_config(TEST_CONFIG)


def build(
    seeds: Path, out: Path, config: Config, now: datetime = NOW, **kwargs: object
) -> PassReport:
    """One pass with its own state database beside `out` (as `refeed build` does)."""
    store = open_store(out.parent / f"{out.name}.state" / "refeed.sqlite")
    try:
        return run_pass(seeds, out, config, store, now, **kwargs)  # type: ignore[arg-type]
    finally:
        store.close()


@pytest.fixture(scope="session")
def client_site(tmp_path_factory: pytest.TempPathFactory, config: Config) -> dict[str, list[Path]]:
    """The documents every real-client test reads (tests/clientcheck.py), built once."""
    from .clientcheck import build_client_site  # clientcheck imports this module

    return build_client_site(tmp_path_factory, config)
