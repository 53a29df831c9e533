"""The crawl's archive database: opened for the crawl, its start and end recorded in ``crawls``."""

from __future__ import annotations

from pathlib import Path
from typing import Self

from scrapy import Spider, signals
from scrapy.crawler import Crawler

from archiver.crawl.plan import crawl_settings
from archiver.crawl.stats import crawl_counters
from archiver.crawl.stop import on_reactor_stop
from storage.store import ArticleStore


class ArchiveDatabaseExtension:
    """Open the SQLite archive for a crawl and record the crawl's start and end in ``crawls``."""

    def __init__(self, crawler: Crawler, store: ArticleStore) -> None:
        self.crawler = crawler
        self.store = store
        self.crawl_id: int | None = None
        self.closed = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        store = ArticleStore(
            Path(crawler.settings["ARCHIVE_DB"]),
            boilerplate_min_pages=crawler.settings.getint("BOILERPLATE_MIN_PAGES"),
        )
        ext = cls(crawler, store)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider: Spider) -> None:
        seeds = list(getattr(spider, "seeds", []))
        settings = crawl_settings(self.crawler.settings)
        schedule = self.crawler.settings.get("ARCHIVE_SCHEDULE_ID")
        schedule_id = int(schedule) if schedule not in (None, "") else None
        self.crawl_id = self.store.start_crawl(seeds, settings, schedule_id=schedule_id)
        assert self.crawler.stats is not None
        self.crawler.stats.set_value("archiver/crawl_id", self.crawl_id)
        on_reactor_stop(self.stopped_outright)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        assert self.crawler.stats is not None
        counters = crawl_counters(self.crawler.stats.get_stats())
        status = "finished" if reason in {"finished", "closespider_pagecount"} else reason
        self._finish(status, counters)

    def stopped_outright(self) -> None:
        """The reactor stops before the spider closed (a second Ctrl-C): the crawl is interrupted.

        Every article and capture row is committed as it is written, so what is stored stays.
        """
        if not self.closed:
            assert self.crawler.stats is not None
            self._finish("interrupted", crawl_counters(self.crawler.stats.get_stats()))

    def _finish(self, status: str, counters: dict[str, object]) -> None:
        self.closed = True
        if self.crawl_id is not None:
            self.store.finish_crawl(self.crawl_id, status, counters)
        self.store.close()
