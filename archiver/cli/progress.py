"""The CLI's view of a running crawl: a live line on a terminal, log lines otherwise."""

from __future__ import annotations

import logging
import time
from typing import Any

from rich.console import Console
from rich.live import Live
from rich.text import Text
from scrapy import signals
from scrapy.crawler import Crawler
from twisted.internet.task import LoopingCall

from archiver.crawl.stats import crawl_counters

log = logging.getLogger(__name__)


class CrawlProgress:
    """Show pages, articles, errors and pages/s while a crawl runs."""

    def __init__(self, console: Console, interval: float) -> None:
        self.console = console
        self.live_mode = console.is_terminal
        self.interval = 0.5 if self.live_mode else interval
        self.started = time.monotonic()
        self.crawler: Crawler | None = None
        self.live: Live | None = None
        self.loop: LoopingCall | None = None  # created on start: it binds the running reactor

    def attach(self, crawler: Crawler) -> None:
        """Start updating when the spider opens, stop when it closes."""
        self.crawler = crawler
        crawler.signals.connect(self.start, signal=signals.spider_opened)
        crawler.signals.connect(self.stop, signal=signals.spider_closed)

    def start(self) -> None:
        self.started = time.monotonic()
        if not self.live_mode and self.interval <= 0:
            return  # PROGRESS_INTERVAL = 0: no progress lines
        if self.live_mode:
            self.live = Live(Text(""), console=self.console, transient=True, auto_refresh=False)
            self.live.start()
        self.loop = LoopingCall(self.update)
        self.loop.start(self.interval, now=False)

    def stop(self) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        if self.live is not None:
            self.live.stop()
            self.live = None

    def update(self) -> None:
        """Render the current counters."""
        if self.crawler is None or self.crawler.stats is None:
            return
        line = self.describe(crawl_counters(self.crawler.stats.get_stats()))
        if self.live is not None:
            self.live.update(Text(line), refresh=True)
        else:
            log.info("progress: %s", line)

    def describe(self, counters: dict[str, Any]) -> str:
        """One line: pages, articles, errors, pages/s, elapsed time."""
        elapsed = max(time.monotonic() - self.started, 1e-6)
        pages = counters["pages"]
        return (
            f"{pages} pages, {counters['articles']} articles, {counters['errors']} errors, "
            f"{pages / elapsed:.1f} pages/s, {elapsed:.0f}s"
        )
