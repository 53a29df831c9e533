"""Handing freed heap back to the system: glibc's ``malloc_trim``, for long-running processes.

A crawl allocates and frees big buffers all the time (bodies of 100-400 KB, their gunzipped
copies, lxml trees several times their size). glibc keeps what is freed between live blocks
for reuse, and a process's resident size creeps up over it; ``malloc_trim(0)`` returns those
free pages to the system. Elsewhere than glibc, :func:`trim` does nothing.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable
from typing import cast


def _find_malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``; None where the C library has none."""
    try:
        libc = ctypes.CDLL(None)  # the process's own symbols, the C library's among them
    except OSError:
        return None
    function = getattr(libc, "malloc_trim", None)
    if function is None:
        return None
    function.argtypes = [ctypes.c_size_t]
    function.restype = ctypes.c_int
    return cast(Callable[[int], int], function)


_malloc_trim = _find_malloc_trim()


def available() -> bool:
    """Whether :func:`trim` can give memory back here (glibc)."""
    return _malloc_trim is not None


def trim() -> None:
    """Give the free pages of every malloc arena back to the system (a few ms)."""
    if _malloc_trim is not None:
        _malloc_trim(0)
