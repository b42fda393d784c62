"""The code stays lint-clean and strictly typed: CI runs these with the rest of the suite."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]


@pytest.mark.parametrize(
    "command",
    [
        pytest.param(["ruff", "check", "src", "tests", "bench"], id="ruff"),
        pytest.param(["ruff", "format", "--check", "src", "tests", "bench"], id="ruff-format"),
        pytest.param(["mypy"], id="mypy-strict"),
    ],
)
def test_tool_is_clean(command: list[str]) -> None:
    tool = shutil.which(command[0], path=str(Path(sys.executable).parent))
    assert tool is not None, f"{command[0]} is a test dependency: pip install -e '.[test]'"
    result = subprocess.run(
        [tool, *command[1:]], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


# The import fence: each fenced library (every third-party package the code imports, and the
# stdlib modules whose use is one module's job) -> the modules allowed to import it.
# TO EXTEND: a module that comes to own a library (prometheus_client in service/, feedgen in
# output/rss.py, a new HTML parser in ingest/clean.py ...) adds or edits one line here. A
# third-party library missing from this table cannot be imported by src/ at all
# (test_every_third_party_import_is_fenced); one listed with no owner is reserved.
FENCE: dict[str, frozenset[str]] = {
    "apscheduler": frozenset({"refeed.service.daemon"}),
    "bleach": frozenset({"refeed.ingest.sanitize_bleach"}),
    "bs4": frozenset({"refeed.ingest.soup"}),  # clean.py takes its names from there
    "click": frozenset({"refeed.cli"}),
    "feedgen": frozenset({"refeed.output.atom"}),
    "dateutil": frozenset({"refeed.ingest.dates"}),
    "jinja2": frozenset({"refeed.output.pages"}),
    # the XML writers: feedgen's engine for Atom, and RSS written directly
    "lxml": frozenset({"refeed.output.atom", "refeed.output.rss"}),
    "nh3": frozenset({"refeed.ingest.sanitize_nh3"}),
    "opencc": frozenset({"refeed.output.opencc_process"}),  # run in a child process
    "prometheus_client": frozenset({"refeed.service.metrics"}),
    "selectolax": frozenset({"refeed.ingest.html5"}),
    "sqlite3": frozenset({"refeed.state.store"}),
    "starlette": frozenset({"refeed.service.serve"}),
    "uvicorn": frozenset({"refeed.service.serve"}),
    "watchdog": frozenset({"refeed.service.watch"}),
}
SRC = ROOT / "src"


def imported_libraries(source: str) -> list[tuple[int, str]]:
    """(line, top-level name) of every absolute import in `source`: import statements at any
    depth (functions, TYPE_CHECKING blocks included) and importlib.import_module("...") or
    __import__("...") with a literal name."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
        elif (
            isinstance(node, ast.Call)
            and (
                (isinstance(node.func, ast.Attribute) and node.func.attr == "import_module")
                or (isinstance(node.func, ast.Name) and node.func.id == "__import__")
            )
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.append((node.lineno, node.args[0].value))
    return [(line, name.split(".")[0]) for line, name in found]


def fence_breaches(module: str, source: str) -> list[str]:
    """Imports of a fenced library by a module that does not own it."""
    return [
        f"{module}:{line} imports {library}, which lives in "
        + (" / ".join(sorted(FENCE[library])) or "no module yet (name its owner in FENCE)")
        + " only"
        for line, library in imported_libraries(source)
        if library in FENCE and module not in FENCE[library]
    ]


def src_modules() -> dict[str, str]:
    modules = {}
    for path in sorted(SRC.rglob("*.py")):
        parts = path.relative_to(SRC).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        modules[name] = path.read_text(encoding="utf-8")
    return modules


def test_import_fence() -> None:
    breaches = [b for module, src in src_modules().items() for b in fence_breaches(module, src)]
    assert breaches == []


def test_every_third_party_import_is_fenced() -> None:
    unfenced = {
        f"{module}:{line} imports {library}"
        for module, source in src_modules().items()
        for line, library in imported_libraries(source)
        if library not in sys.stdlib_module_names
        and library not in ("refeed", "__future__")
        and library not in FENCE
    }
    assert unfenced == set(), "add the library and its one owning module to FENCE"


def test_every_owner_exists() -> None:
    assert {o for owners in FENCE.values() for o in owners} <= set(src_modules())


@pytest.mark.parametrize(
    ("module", "source"),
    [
        pytest.param("refeed.ingest.clean", "import sqlite3\n", id="clean-imports-sqlite3"),
        pytest.param("refeed.ingest.clean", "from bleach import Cleaner\n", id="from-import"),
        pytest.param("refeed.ingest.clean", "import bleach.sanitizer as s\n", id="submodule"),
        pytest.param(
            "refeed.ingest.sanitize_bleach", "import bleach\nimport nh3\n", id="owner-of-another"
        ),
        pytest.param(
            "refeed.ingest.sanitize",
            "def f():\n    import importlib\n    return importlib.import_module('nh3')\n",
            id="import-module-in-a-function",
        ),
        pytest.param(
            "refeed.cli",
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import bs4\n",
            id="type-checking-block",
        ),
    ],
)
def test_the_fence_catches(module: str, source: str) -> None:
    """The fence is only worth something if it fails where it should."""
    assert len(fence_breaches(module, source)) == 1
