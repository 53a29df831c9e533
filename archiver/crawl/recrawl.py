"""Recrawling: skip articles already archived, ask hubs only whether they changed."""

from __future__ import annotations

from pathlib import Path
from typing import Self

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, Request, Response

from archiver.crawl.archive_database import ArchiveDatabaseExtension
from archiver.crawl.archived_response import archived_response
from archiver.crawl.capture_meta import is_rendering, record_revisit


class RecrawlMiddleware:
    """Downloader middleware for crawls over an archive that already holds some of the site.

    - An article URL already in ``articles`` is not fetched again unless ``CRAWL_REFRESH`` is on;
      then it is fetched in full, so an unchanged page is archived as a revisit.
    - Any other URL with a stored ``ETag`` or ``Last-Modified`` is fetched conditionally; on
      ``304 Not Modified`` (archived as such) the spider gets the archived body instead, so it
      still follows the page's links.
    """

    def __init__(self, crawler: Crawler, refresh: bool, warc_dir: Path) -> None:
        self.crawler = crawler
        self.refresh = refresh
        self.warc_dir = warc_dir
        self.database: ArchiveDatabaseExtension | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        middleware = cls(crawler, settings.getbool("CRAWL_REFRESH"), Path(settings["WARC_DIR"]))
        crawler.signals.connect(middleware.spider_opened, signal=signals.spider_opened)
        return middleware

    def spider_opened(self, spider: Spider) -> None:
        self.database = self.crawler.get_extension(ArchiveDatabaseExtension)

    def process_request(self, request: Request) -> None:
        if self.database is None or request.method != "GET" or is_rendering(request.meta):
            return
        store = self.database.store
        if store.has_article(request.url):
            if self.refresh:  # fetched in full: an unchanged page becomes a WARC revisit
                return
            self._count("archiver/recrawl/skipped_articles")
            raise IgnoreRequest(f"already archived: {request.url}")
        validators = store.validators(request.url)
        if validators is None:
            return
        etag, last_modified, _ = validators
        if etag:
            request.headers.setdefault(b"If-None-Match", etag.encode("latin-1"))
        if last_modified:
            request.headers.setdefault(b"If-Modified-Since", last_modified.encode("latin-1"))
        request.meta["recrawl_conditional"] = True

    def process_response(self, request: Request, response: Response) -> Response:
        if response.status != 304 or not request.meta.get("recrawl_conditional"):
            return response
        self._count("archiver/recrawl/not_modified")
        archived = self._archived(request.url)
        if archived is None:
            return response
        record_revisit(request.meta)  # nothing new to extract
        return archived

    def _archived(self, url: str) -> Response | None:
        """The archived 200 response of ``url``, decoded, as the spider would have seen it."""
        assert self.database is not None
        validators = self.database.store.validators(url)
        if validators is None:
            return None
        filename, offset = validators[2]
        return archived_response(
            self.warc_dir, filename, offset, url, 200, decoded=True, response_class=HtmlResponse
        )

    def _count(self, key: str) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(key)
