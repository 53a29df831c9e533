"""What runs inside an extraction worker process: nothing of Scrapy or Twisted.

The pool pickles its initializer and task by reference, and a worker imports the modules they
come from: an initializer in the pipeline's module cost every worker Scrapy, Twisted and
SQLite (about 26 MB each). This module imports only what extraction needs.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
from collections.abc import Iterator

from archiver.extraction import heap
from archiver.extraction.analysis import PageAnalysis, analyse
from archiver.extraction.trafilatura_internals import (
    get_stoplist,
    get_stoplists,
    justext_stoplist,
    set_justext_stoplist,
)

# Hand freed heap back to the system after this many pages. lxml parses every 100-400 KB page
# into a tree several times its size; over 300 mirror pages a worker's high-water mark was
# 99 MB as it was, 93 MB trimming every 4 pages (0.2 ms a time), 88 MB trimming after every
# page, which cost about 8% more worker CPU in page faults.
TRIM_EVERY = 4
_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>

_tasks = 0


class AllStoplists:
    """Every justext stoplist's words, read afresh each time it is iterated.

    When a page's language has no stoplist of its own, trafilatura passes justext the union of
    all of them (154k words), which it keeps as a tuple in ``trafilatura.external.JT_STOPLIST``;
    justext turns it into a frozenset of lower-cased copies, cached under the tuple. Both stay:
    33 MB in every worker. Given this instead, justext caches the very same frozenset under an
    object that holds no words: 19 MB. The words, hence the extraction, are the same.
    """

    def __iter__(self) -> Iterator[str]:
        for language in sorted(get_stoplists()):
            yield from get_stoplist(language)


def share_stoplist() -> None:
    """Have trafilatura use :class:`AllStoplists` for justext, unless it built its tuple already."""
    if justext_stoplist() is None:
        set_justext_stoplist(AllStoplists())


def start_worker(parent: int | None = None) -> None:
    """Initializer of an extraction worker: deaf to Ctrl-C, dies with ``parent``, below the crawl.

    Every page waits on the crawl process's reactor thread (downloads, links, WARC, SQLite);
    a worker that held its core for a whole extraction stalled all of them. At nice 10 a
    worker still gets every cycle the reactor leaves.
    """
    ignore_interrupts()
    die_with_parent(parent)
    os.nice(10)
    share_stoplist()


def ignore_interrupts() -> None:
    """Leave Ctrl-C to the crawl: a terminal sends SIGINT to the whole process group.

    The pool starts workers with SIGINT blocked (:func:`sigint_blocked`), so one pressed while
    this interpreter was starting stays pending; ignored now, it is discarded.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def die_with_parent(parent: int | None) -> None:
    """Have the kernel SIGKILL this process when its parent dies (Linux), so none is orphaned.

    The crawl may have died before this ran: then the parent is no longer ``parent``.
    """
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if parent is not None and os.getppid() != parent:
        os._exit(1)


@contextlib.contextmanager
def sigint_blocked() -> Iterator[None]:
    """SIGINT blocked in this thread meanwhile: processes it starts inherit the blocked mask.

    A Ctrl-C meanwhile is not lost: it stays pending, or goes to another thread of the crawl.
    """
    before = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


def analyse_in_worker(
    body: bytes,
    url: str,
    content_type: str | None,
    min_chars: int,
    prune_xpath: tuple[str, ...] = (),
) -> PageAnalysis:
    """:func:`~archiver.extraction.analysis.analyse`, trimming the heap every ``TRIM_EVERY``."""
    global _tasks
    try:
        return analyse(body, url, content_type, min_chars, prune_xpath)
    finally:
        _tasks += 1
        if _tasks % TRIM_EVERY == 0:
            heap.trim()
