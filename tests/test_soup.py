"""refeed.ingest.soup: BeautifulSoup without soupsieve's import cost, and soupsieve intact for
whoever does use it. Each case runs in a fresh interpreter: what is imported is the point."""

from __future__ import annotations

import subprocess
import sys

import pytest


def run(code: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


def test_cleaning_an_article_never_runs_soupsieve() -> None:
    code = (
        "import sys\n"
        "from refeed.ingest.clean import clean_article\n"
        "from refeed.ingest.policy import HtmlPolicy\n"
        "from tests.conftest import VALID_SEEDS, NOW\n"
        "from refeed.ingest.seeds import parse_seed\n"
        "from datetime import timedelta\n"
        "for path in sorted(VALID_SEEDS.iterdir()):\n"
        "    article = parse_seed(path.name, path.read_bytes(), NOW, timedelta(hours=24))\n"
        "    clean_article(article, HtmlPolicy())\n"
        "print(sorted(m for m in sys.modules if m.startswith('soupsieve.')))\n"
    )
    assert run(code) == "[]"


@pytest.mark.parametrize(
    "code",
    [
        # bs4's own selectors, as a user of the same process would call them
        "from bs4 import BeautifulSoup\n"
        "print(BeautifulSoup('<p class=a>x</p><p>y</p>', 'html.parser').select('p.a'))",
        # soupsieve used directly, its attributes first
        "import soupsieve\nprint(soupsieve.select('p.a', "
        "__import__('bs4').BeautifulSoup('<p class=a>x</p>', 'html.parser')))",
        # a submodule imported before anything of the package is used: the package runs first
        "import soupsieve.css_match, soupsieve\n"
        "print(soupsieve.select('p.a', __import__('bs4').BeautifulSoup('<p class=a>x</p>', "
        "'html.parser')))",
    ],
)
def test_soupsieve_still_selects(code: str) -> None:
    assert run(f"import refeed.ingest.soup\n{code}") == '[<p class="a">x</p>]'


def test_a_soupsieve_imported_before_is_left_alone() -> None:
    code = (
        "import soupsieve, types\n"
        "import refeed.ingest.soup, sys\n"
        "print(sys.modules['soupsieve'] is soupsieve, type(soupsieve) is types.ModuleType)"
    )
    assert run(code) == "True True"
