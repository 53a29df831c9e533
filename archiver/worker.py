"""What runs inside an extraction worker process: nothing of Scrapy or Twisted.

The pool pickles its initializer and task by reference, and a worker imports the modules they
come from: an initializer in the pipeline's module cost every worker Scrapy, Twisted and
SQLite (about 26 MB each). This module imports only what extraction needs.
"""

from __future__ import annotations

import ctypes
import os
from collections.abc import Callable
from typing import cast

from archiver.analysis import PageAnalysis, analyse

# Hand freed heap back to the system after this many pages. lxml parses every 100-400 KB page
# into a tree several times its size; glibc keeps the freed pieces, scattered between live
# ones, and a worker's resident size crept from 90 to 100 MB over a few dozen pages.
TRIM_EVERY = 4

_trim_every = TRIM_EVERY
_tasks = 0
_malloc_trim: Callable[[int], int] | None = None


def _find_malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, which returns free heap pages to the system; None elsewhere."""
    trim = getattr(ctypes.CDLL(None), "malloc_trim", None)  # the process's own symbols: libc's
    if trim is None:
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return cast(Callable[[int], int], trim)


def start_worker(trim_every: int = TRIM_EVERY) -> None:
    """Initializer of an extraction worker: run below the crawl, trim the heap now and then.

    Every page waits on the crawl process's reactor thread (downloads, links, WARC, SQLite);
    a worker that held its core for a whole extraction stalled all of them. At nice 10 a
    worker still gets every cycle the reactor leaves.
    """
    global _trim_every, _malloc_trim
    os.nice(10)
    _trim_every = trim_every
    _malloc_trim = _find_malloc_trim()


def analyse_in_worker(
    body: bytes,
    url: str,
    content_type: str | None,
    min_chars: int,
    prune_xpath: tuple[str, ...] = (),
) -> PageAnalysis:
    """:func:`archiver.analysis.analyse`, then give freed heap back every ``trim_every`` pages."""
    global _tasks
    try:
        return analyse(body, url, content_type, min_chars, prune_xpath)
    finally:
        _tasks += 1
        if _malloc_trim is not None and _trim_every > 0 and _tasks % _trim_every == 0:
            _malloc_trim(0)
