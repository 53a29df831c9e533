"""Run (a) of the crawl benchmark: plain Scrapy following every link on one host, nothing else.

``benchmarks/crawl.py --plain-spider URL`` runs it in a process of its own, so that it is measured
as ``archiver crawl`` is.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from urllib.parse import urlsplit


def run_plain_spider(url: str, concurrency: int) -> None:
    """Crawl ``url``'s host following every link and doing nothing else (Scrapy's defaults)."""
    import scrapy
    from scrapy.crawler import CrawlerProcess
    from scrapy.http import HtmlResponse, Response
    from scrapy.linkextractors import LinkExtractor

    links = LinkExtractor(unique=True, deny_extensions=[])
    host = urlsplit(url).hostname

    class PlainSpider(scrapy.Spider):
        """Follow links on one host."""

        name = "plain"

        async def start(self) -> AsyncIterator[scrapy.Request]:
            yield scrapy.Request(url)

        def parse(self, response: Response) -> Iterator[scrapy.Request]:
            if not isinstance(response, HtmlResponse):
                return
            for link in links.extract_links(response):
                if urlsplit(link.url).hostname == host:
                    yield response.follow(link.url, callback=self.parse)

    process = CrawlerProcess(
        {
            "CONCURRENT_REQUESTS": concurrency,
            "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency,
            "DOWNLOAD_DELAY": 0,
            "ROBOTSTXT_OBEY": False,
            "AUTOTHROTTLE_ENABLED": False,
            "TELNETCONSOLE_ENABLED": False,
            "LOG_LEVEL": "INFO",
        }
    )
    process.crawl(PlainSpider)
    process.start()
