"""OpenCC in its own process: what it converts, and how it ends."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator

import opencc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from refeed.errors import ConversionError
from refeed.output.opencc_process import OpenccProcess

IN_PROCESS = opencc.OpenCC("s2tw", include_tofu_risk_dictionaries=False).convert


@pytest.fixture(scope="module")
def s2tw() -> Iterator[OpenccProcess]:
    converter = OpenccProcess("s2tw")
    yield converter
    converter.close()


@settings(max_examples=100)
@given(st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=300))
def test_property_the_child_converts_as_opencc_does_in_process(
    s2tw: OpenccProcess, text: str
) -> None:
    assert s2tw(text) == IN_PROCESS(text)


def test_large_texts_cross_the_pipe_whole(s2tw: OpenccProcess) -> None:
    """Texts far beyond a pipe's buffer (64 KiB) in both directions."""
    text = "头发里为什么发展" * 100_000  # 2.4 MB of UTF-8
    assert s2tw(text) == IN_PROCESS(text)
    assert s2tw("") == ""


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_close_ends_the_child_and_a_later_call_starts_another() -> None:
    converter = OpenccProcess("t2s")
    assert converter.pid is None  # nothing starts before the first call
    assert converter("頭髮") == "头发"
    first = converter.pid
    assert first is not None
    assert converter.close()
    assert not _running(first)  # ended and waited for
    assert not converter.close()
    assert converter("頭髮") == "头发"
    assert converter.pid not in (None, first)
    converter.close()


@pytest.fixture
def child() -> Iterator[tuple[OpenccProcess, int]]:
    """An s2tw converter whose child has started, and the child's pid."""
    converter = OpenccProcess("s2tw")
    converter("发")
    assert converter.pid is not None
    yield converter, converter.pid
    converter.close()


def test_a_child_that_dies_is_an_error_naming_it_then_replaced(
    child: tuple[OpenccProcess, int],
) -> None:
    converter, pid = child
    os.kill(pid, signal.SIGKILL)
    with pytest.raises(ConversionError, match=r"OpenCC's process \(s2tw\) ended"):
        converter("发展")
    assert converter("发展") == "發展"  # the next call has a new child
    assert converter.pid != pid


def test_a_configuration_opencc_cannot_load_is_an_error_with_opencc_s_reason() -> None:
    converter = OpenccProcess("no-such-config")
    with pytest.raises(ConversionError, match=r"cannot load 'no-such-config'"):
        converter("发")
    converter.close()


def test_the_child_ignores_the_signals_a_terminal_sends_its_whole_group(
    child: tuple[OpenccProcess, int],
) -> None:
    """Ctrl-C reaches every process of the group: the parent decides whether to stop."""
    converter, pid = child
    os.kill(pid, signal.SIGINT)
    os.kill(pid, signal.SIGTERM)
    assert converter("发展") == "發展"
    assert converter.pid == pid
