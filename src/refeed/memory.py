"""Give the memory a process has freed back to the system.

Freed Python objects return to CPython's arenas and to the C library's heap, and glibc keeps
the free pages of its heap for later allocations instead of returning them: a process's
resident size stays at its high-water mark. So when a daemon's pass has unloaded OpenCC's
dictionaries (43 MiB, output/variants.py), the free pages are returned with glibc's
`malloc_trim`: without it the daemon would wait for its next pass just as large. Elsewhere
(musl, macOS) only the collection is done; the C library there returns memory as it sees
fit. (Trimming before the dictionaries load does not lower a build's peak: the pages given
back are those the renders after it take again.)
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from functools import cache


def give_back() -> None:
    """Collect garbage, then return every free page of the C heap to the system (glibc)."""
    gc.collect()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's `malloc_trim`, or None where the C library has none."""
    import ctypes  # deferred: only a process that frees much memory calls this

    try:
        trim: Callable[[int], int] = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return None
    return trim
