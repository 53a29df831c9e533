"""A job folder on a full disk: the crawl stops in one clear line, and the next run loses nothing.

A named job keeps its frontier on disk (``JOBDIR``): the queue of requests, the fingerprints of
those seen, the spider's state. When that disk filled, Scrapy's scheduler raised out of its
calls, dropping requests with tracebacks, and the crawl ended as if finished. Here a request
that cannot be queued on disk stays in memory for the rest of the run, and the crawl stops as it
does when a WARC file cannot be written (reason ``job write failed``; the command exits non-zero
naming the folder and the cause). The job's running marker stays, so the next run sets the torn
frontier aside and resumes from the WARC files, as after a kill, finding again what was queued.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from scrapy import Request
from scrapy.core.scheduler import Scheduler
from scrapy.extensions.spiderstate import SpiderState
from scrapy.spiders import Spider
from scrapy.utils.defer import deferred_from_coro

from archiver.crawl.stats import FAILURE

log = logging.getLogger(__name__)

REASON = "job write failed"


class JobScheduler(Scheduler):
    """:class:`scrapy.core.scheduler.Scheduler`, stopping cleanly when the job folder is full."""

    failed = False

    def enqueue_request(self, request: Request) -> bool:
        try:
            return super().enqueue_request(request)
        except OSError as exc:
            self._fail(exc)
            self._mqpush(request)  # this run still fetches it; the next finds it again
            return True

    def next_request(self) -> Request | None:
        try:
            return super().next_request()
        except OSError as exc:  # a disk queue could not record what it gave out
            self._fail(exc)
            return None

    def close(self, reason: str) -> Any:
        try:
            return super().close(reason)
        except OSError as exc:  # the queue's state could not be written: set aside next run
            self._fail(exc)
        try:
            return self.df.close(reason)
        except OSError:  # its file could not be flushed: set aside next run too
            return None

    def _fail(self, exc: OSError) -> None:
        """Say once why the crawl stops, and close it."""
        if self.failed:
            return
        self.failed = True
        folder = Path(self.dqdir).parent if self.dqdir else "?"
        why = f"cannot write to the job folder {folder}: {exc.strerror or exc}"
        log.error("%s; stopping the crawl", why)
        crawler = self.crawler
        if crawler is None or crawler.stats is None:
            return
        if not crawler.stats.get_value(FAILURE):
            crawler.stats.set_value(FAILURE, why)
        if crawler.engine is not None and crawler.engine.running:
            deferred_from_coro(crawler.engine.close_spider_async(reason=REASON))


class JobSpiderState(SpiderState):
    """Scrapy's ``SpiderState``, whose file a full disk leaves unwritten without a traceback:
    the next run sets the job's frontier aside all the same."""

    def spider_closed(self, spider: Spider) -> None:
        try:
            super().spider_closed(spider)
        except OSError as exc:
            log.warning("the job's spider state was not written: %s", exc.strerror or exc)
