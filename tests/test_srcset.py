"""srcset splitting: the fast path (one regular expression) agrees with the standard's loop."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from refeed.ingest.urls import _parse_srcset_loop, parse_srcset

PIECES = st.sampled_from(
    ["a.jpg", "b.png?w=1,2", " ", ",", ",,", "\t", "\n", "\u3000", "1x", "640w", "2.5x", "x"]
)


@given(st.lists(PIECES, max_size=12).map("".join))
def test_fast_path_splits_as_the_loop(value: str) -> None:
    assert parse_srcset(value) == _parse_srcset_loop(value)


@given(st.text(alphabet=" ,\t\nab1xw.", max_size=30))
def test_fast_path_on_any_text(value: str) -> None:
    assert parse_srcset(value) == _parse_srcset_loop(value)
