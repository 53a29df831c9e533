"""Item pipelines: extraction in a process pool, then storage in the SQLite archive."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Self

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.statscollectors import StatsCollector

from archiver.crawl.archive_database import ArchiveDatabaseExtension
from archiver.crawl.article_row import article_row
from archiver.crawl.items import PageItem
from archiver.extraction.pagekind import ARTICLE
from archiver.extraction.worker import analyse_in_worker, start_worker
from storage.clock import now_iso

log = logging.getLogger(__name__)


class ExtractionPipeline:
    """Extract articles off the reactor thread, with a bounded number of pages in flight."""

    def __init__(self, stats: StatsCollector, workers: int, max_pending: int, min_chars: int):
        self.stats = stats
        self.workers = workers
        self.min_chars = min_chars
        self.slots = asyncio.Semaphore(max_pending)
        self.pool: ProcessPoolExecutor | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        if not settings.getbool("EXTRACT_ENABLED"):
            raise NotConfigured("EXTRACT_ENABLED is off")
        workers = settings.getint("EXTRACT_WORKERS") or os.cpu_count() or 1
        max_pending = settings.getint("EXTRACT_MAX_PENDING") or 4 * workers
        assert crawler.stats is not None
        return cls(crawler.stats, workers, max_pending, settings.getint("ARTICLE_MIN_CHARS"))

    def open_spider(self) -> None:
        self.pool = self._new_pool()

    def _new_pool(self) -> ProcessPoolExecutor:
        """Workers that import :mod:`archiver.extraction.worker` and nothing of the crawl.

        Spawned, not forked from a forkserver: one preloading extraction was a resident process
        of its own (39 MB) whose pages the workers soon copied for themselves anyway (6 MB of
        each stayed shared).
        """
        return ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=start_worker,
        )

    def close_spider(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)

    async def process_item(self, item: object) -> object:
        if not isinstance(item, PageItem) or self.pool is None:
            return item
        if item.revisit:  # the same bytes were extracted when first archived
            self.stats.inc_value("archiver/pages/revisit")
            item.body = b""
            return item
        if item.kind is not None:  # the spider already knows (a page of links past the cap)
            self.stats.inc_value(f"archiver/pages/{item.kind}")
            return item
        async with self.slots:
            pool = self.pool
            future = pool.submit(
                analyse_in_worker,
                item.body,
                item.url,
                item.content_type,
                self.min_chars,
                item.prune,
            )
            try:
                analysis = await asyncio.wrap_future(future)
            except BrokenProcessPool:
                # a worker died (killed, out of memory): replace the pool, count the page
                log.error("extraction worker died on %s; starting new workers", item.url)
                self.stats.inc_value("archiver/errors/extraction worker died")
                if self.pool is pool:  # only the first of the pages in flight replaces it
                    pool.shutdown(wait=False, cancel_futures=True)
                    self.pool = self._new_pool()
                return item
            except Exception:
                log.exception("extraction failed on %s", item.url)
                self.stats.inc_value("archiver/errors/extraction failed")
                return item
        item.article, item.kind = analysis.article, analysis.kind
        self.stats.inc_value(f"archiver/pages/{analysis.kind}")
        if analysis.evidence.invalid_utf8:  # stored all the same, decoded by what the bytes are
            self.stats.inc_value("archiver/errors/invalid utf-8")
            log.warning("invalid utf-8: %s declares UTF-8 but is not", item.url)
        return item


class ArticleStoragePipeline:
    """Store extracted articles and each page's kind in the SQLite archive."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.database: ArchiveDatabaseExtension | None = None

    def open_spider(self) -> None:
        self.database = self.crawler.get_extension(ArchiveDatabaseExtension)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_item(self, item: object) -> object:
        database = self.database
        if not isinstance(item, PageItem) or database is None or item.kind is None:
            return item
        item.body = b""  # the WARC holds the bytes; do not keep them alive with the item
        store = database.store
        if item.capture_id is not None:
            store.set_capture_kind(item.capture_id, item.kind)
        if item.kind != ARTICLE or item.article is None:
            return item
        assert self.crawler.stats is not None
        row = article_row(
            item.article, item.capture_id, item.fetched_at or now_iso(), database.crawl_id
        )
        outcome = store.save_article(row)
        self.crawler.stats.inc_value(f"archiver/articles/{outcome}")
        return item
