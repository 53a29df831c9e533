"""Drop links the crawl has already requested before Scrapy pays for scheduling them again."""

from __future__ import annotations

from typing import Self

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.spidermiddlewares.base import BaseSpiderMiddleware


class SeenRequestFilter(BaseSpiderMiddleware):
    """Spider middleware: a link to a URL the crawl already requested goes no further.

    A news page links to a hundred or more pages of its site, nearly all of them requested
    already; Scrapy's dupefilter drops them only after the referer middleware, the engine's
    ``request_scheduled`` signal and a request fingerprint have each been paid for. Exactly
    the same URL means the same fingerprint, so nothing is dropped that the dupefilter would
    let through. It sits after the depth middleware (900), so a link first seen beyond the
    depth limit is not remembered, and before the referer middleware (700).
    """

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.seen: set[str] = set()
        self.dropped = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        middleware = cls(crawler)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def get_processed_request(self, request: Request, response: Response | None) -> Request | None:
        if response is None or request.dont_filter or request.method != "GET" or request.body:
            return request  # start requests, and what the dupefilter would not filter either
        if request.url in self.seen:
            self.dropped += 1
            return None
        self.seen.add(request.url)
        return request

    def spider_closed(self) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.set_value("archiver/links/already_requested", self.dropped)
