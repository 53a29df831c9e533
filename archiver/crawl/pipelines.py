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
from archiver.crawl.render import (
    ALWAYS,
    AUTO,
    DOM_CONTENT_TYPE,
    NEVER,
    SHELLS,
    BrowserRendering,
    is_empty_shell,
)
from archiver.crawl.stats import ACCESS_PREFIX
from archiver.crawl.stop import on_reactor_stop
from archiver.extraction.access import METERED, PAYWALLED
from archiver.extraction.analysis import PageAnalysis
from archiver.extraction.pagekind import ARTICLE
from archiver.extraction.worker import analyse_in_worker, sigint_blocked, start_worker
from storage.clock import now_iso

log = logging.getLogger(__name__)

# Tries per page: a page in flight when a worker dies is sent to the new workers; one that
# kills them each time is left out after this many.
ATTEMPTS = 3
# Pages in extraction per worker, by default. At four, workers sat idle between pages on the
# crawl benchmark (0.80 of plain Scrapy's pages/s on two cores, 0.87 at eight or sixteen).
PENDING_PER_WORKER = 8


class ExtractionPipeline:
    """Extract articles off the reactor thread, with a bounded number of pages in flight."""

    def __init__(self, stats: StatsCollector, workers: int, max_pending: int, min_chars: int):
        self.stats = stats
        self.workers = workers
        self.min_chars = min_chars
        self.slots = asyncio.Semaphore(max_pending)
        self.pool: ProcessPoolExecutor | None = None
        self.crawler: Crawler | None = None
        self.renderer: BrowserRendering | None = None  # None: no page is rendered

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        if not settings.getbool("EXTRACT_ENABLED"):
            raise NotConfigured("EXTRACT_ENABLED is off")
        workers = settings.getint("EXTRACT_WORKERS") or os.cpu_count() or 1
        max_pending = settings.getint("EXTRACT_MAX_PENDING") or PENDING_PER_WORKER * workers
        assert crawler.stats is not None
        pipeline = cls(crawler.stats, workers, max_pending, settings.getint("ARTICLE_MIN_CHARS"))
        pipeline.crawler = crawler
        return pipeline

    def open_spider(self) -> None:
        self.pool = self._new_pool()
        if self.crawler is not None:
            self.renderer = self.crawler.get_extension(BrowserRendering)
        # a second Ctrl-C stops the reactor without closing the spider: drop the queued pages
        on_reactor_stop(self._stop_now)

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
            initargs=(os.getpid(),),
        )

    def close_spider(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None

    def _stop_now(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=False, cancel_futures=True)
            self.pool = None

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
        analysis = await self._page_analysis(item)
        if analysis is None:
            return item
        item.article, item.kind = analysis.article, analysis.kind
        self.stats.inc_value(f"archiver/pages/{analysis.kind}")
        if analysis.evidence.invalid_utf8:  # stored all the same, decoded by what the bytes are
            self.stats.inc_value("archiver/errors/invalid utf-8")
            log.warning("invalid utf-8: %s declares UTF-8 but is not", item.url)
        return item

    async def _page_analysis(self, item: PageItem) -> PageAnalysis | None:
        """The page's analysis, from the DOM a browser built when the page is to be rendered."""
        mode = self.renderer.mode_for(item.url) if self.renderer else NEVER
        analysis = None if mode == ALWAYS else await self._analyse_in_slot(item)
        shell = analysis is not None and is_empty_shell(item.url, analysis, self.min_chars)
        if self.renderer is None or not (mode == ALWAYS or (mode == AUTO and shell)):
            if shell and mode == NEVER:  # rendering would give it its text: say so
                self.stats.inc_value(SHELLS)
            return analysis
        dom = await self.renderer.render(item)
        if dom is None:  # the browser failed: the page as served
            return analysis or await self._analyse_in_slot(item)
        item.body, item.content_type = dom, DOM_CONTENT_TYPE
        return await self._analyse_in_slot(item)

    async def _analyse_in_slot(self, item: PageItem) -> PageAnalysis | None:
        async with self.slots:
            return await self._analyse(item)

    async def _analyse(self, item: PageItem) -> PageAnalysis | None:
        """The page's analysis; a page in flight when a worker dies goes to the new workers."""
        for _ in range(ATTEMPTS):
            pool = self.pool
            if pool is None:  # the crawl was stopped outright
                return None
            try:
                with sigint_blocked():  # workers it starts begin deaf to Ctrl-C
                    future = pool.submit(
                        analyse_in_worker,
                        item.body,
                        item.url,
                        item.content_type,
                        self.min_chars,
                        item.prune,
                    )
                return await asyncio.wrap_future(future)
            except BrokenProcessPool:
                self._replace(pool)
            except Exception:
                log.exception("extraction failed on %s", item.url)
                self.stats.inc_value("archiver/errors/extraction failed")
                return None
        log.error("extraction workers died %d times on %s; page left out", ATTEMPTS, item.url)
        self.stats.inc_value("archiver/errors/extraction worker died")
        return None

    def _replace(self, pool: ProcessPoolExecutor) -> None:
        """Replace a broken pool once, however many of its pages in flight found it broken."""
        if self.pool is not pool:
            return
        log.error("an extraction worker died; starting new workers for the pages in flight")
        self.stats.inc_value("archiver/extraction/workers replaced")
        pool.shutdown(wait=False, cancel_futures=True)
        self.pool = self._new_pool()


class ArticleStoragePipeline:
    """Store extracted articles and each page's kind in the SQLite archive."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.database: ArchiveDatabaseExtension | None = None
        self.archived = crawler.settings.getbool("WARC_ENABLED")  # every page has its capture

    def open_spider(self) -> None:
        self.database = self.crawler.get_extension(ArchiveDatabaseExtension)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_item(self, item: object) -> object:
        database = self.database
        if not isinstance(item, PageItem) or database is None or item.kind is None:
            return item
        if database.closed:  # stopped outright: the crawl's row is final, nothing more is stored
            return item
        assert self.crawler.stats is not None
        if self.archived and item.capture_id is None:  # its record was not written: no source
            self.crawler.stats.inc_value("archiver/errors/not written to WARC")
            return item
        item.body = b""  # the WARC holds the bytes; do not keep them alive with the item
        store = database.store
        if item.capture_id is not None:
            store.set_capture_kind(item.capture_id, item.kind)
        if item.kind != ARTICLE or item.article is None:
            return item
        row = article_row(
            item.article,
            item.capture_id,
            item.fetched_at or now_iso(),
            database.crawl_id,
            item.listed,
        )
        outcome = store.save_article(row)
        self.crawler.stats.inc_value(f"archiver/articles/{outcome}")
        if row.access in (PAYWALLED, METERED) and outcome != "duplicate":
            self.crawler.stats.inc_value(f"{ACCESS_PREFIX}{row.access}")
        if outcome in ("new", "updated") and row.images:
            self.crawler.stats.inc_value("archiver/images/stored", len(row.images))
        return item
