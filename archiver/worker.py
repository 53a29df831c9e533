"""What runs inside an extraction worker process: nothing of Scrapy or Twisted.

The pool pickles its initializer and task by reference, and a worker imports the modules they
come from: an initializer in the pipeline's module cost every worker Scrapy, Twisted and
SQLite (about 26 MB each). This module imports only what extraction needs.
"""

from __future__ import annotations

import os

from archiver import heap
from archiver.analysis import PageAnalysis, analyse

# Hand freed heap back to the system after this many pages. lxml parses every 100-400 KB page
# into a tree several times its size; over 300 mirror pages a worker's high-water mark was
# 99 MB as it was, 93 MB trimming every 4 pages (0.2 ms a time), 88 MB trimming after every
# page, which cost about 8% more worker CPU in page faults.
TRIM_EVERY = 4

_trim_every = TRIM_EVERY
_tasks = 0


def start_worker(trim_every: int = TRIM_EVERY) -> None:
    """Initializer of an extraction worker: run below the crawl, trim the heap now and then.

    Every page waits on the crawl process's reactor thread (downloads, links, WARC, SQLite);
    a worker that held its core for a whole extraction stalled all of them. At nice 10 a
    worker still gets every cycle the reactor leaves.
    """
    global _trim_every
    os.nice(10)
    _trim_every = trim_every


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
        if _trim_every > 0 and _tasks % _trim_every == 0:
            heap.trim()
