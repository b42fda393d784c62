"""BeautifulSoup, imported without paying for CSS selectors refeed never runs.

bs4 imports soupsieve (its CSS selector engine) as it is imported, and soupsieve compiles its
grammar's regular expressions then: 40-60 ms, a fifth of a one-shot build with one new file,
and again in every worker process. refeed calls no `select`, so soupsieve is registered as a
module whose code runs on first use: bs4's `import soupsieve` costs nothing, and
the module loads for real on its first use, should anyone select. Every refeed module takes
BeautifulSoup's names from here.
"""

from __future__ import annotations

import sys
from importlib.util import find_spec, module_from_spec
from types import ModuleType
from typing import Any


class _Deferred(ModuleType):
    """A module whose code runs on the first attribute it lacks. Importing it reads only
    `__spec__`, which it has; importing a submodule reads `__path__`, which it lacks until
    it has run, so the package always runs before its submodules. (importlib's LazyLoader
    runs on any attribute, `__spec__` included, and so on the next `import` statement.)"""

    def __getattr__(self, name: str) -> Any:
        spec = self.__spec__
        if spec is None or spec.loader is None:
            raise AttributeError(name)
        self.__class__ = ModuleType  # type: ignore[assignment]  # an ordinary module again
        if spec.submodule_search_locations is not None:
            self.__path__ = spec.submodule_search_locations
        spec.loader.exec_module(self)
        return getattr(self, name)


def _defer(name: str) -> None:
    if name in sys.modules:
        return
    spec = find_spec(name)
    if spec is None or spec.loader is None:  # not installed: bs4 copes without it
        return
    module = module_from_spec(spec)
    del module.__path__
    module.__class__ = _Deferred
    sys.modules[name] = module


_defer("soupsieve")

from bs4 import BeautifulSoup  # noqa: E402
from bs4.builder import HTMLTreeBuilder  # noqa: E402
from bs4.element import NavigableString, PageElement, Tag  # noqa: E402

__all__ = ["BeautifulSoup", "HTMLTreeBuilder", "NavigableString", "PageElement", "Tag"]
