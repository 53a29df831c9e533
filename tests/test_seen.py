"""SeenRequestFilter drops only what Scrapy's dupefilter would drop, before it costs anything."""

from __future__ import annotations

from scrapy import Request
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from archiver.crawl.seen import SeenRequestFilter
from spiders.site import SiteSpider


def test_repeated_links_are_dropped_and_counted() -> None:
    crawler = get_crawler(SiteSpider)
    middleware = SeenRequestFilter.from_crawler(crawler)
    page = HtmlResponse("http://127.0.0.1/", body=b"<html></html>")
    a, b = "http://127.0.0.1/news/a.html", "http://127.0.0.1/news/b.html"
    output = [
        Request(a),
        {"item": 1},
        Request(b),
        Request(a),  # repeated: dropped
        Request(a, dont_filter=True),  # the dupefilter would let it through: so do we
        Request(a, method="POST", body=b"x=1"),
        Request(b + "#part"),  # another URL, same fingerprint: left to the dupefilter
    ]
    kept = list(middleware.process_spider_output(page, output))
    assert kept == [output[0], output[1], output[2], output[4], output[5], output[6]]
    again = list(middleware.process_spider_output(page, [Request(b), Request(a + "?x")]))
    assert [r.url for r in again] == [a + "?x"]
    middleware.spider_closed()
    assert crawler.stats is not None
    assert crawler.stats.get_value("archiver/links/already_requested") == 2


def test_start_requests_are_not_remembered() -> None:
    middleware = SeenRequestFilter.from_crawler(get_crawler(SiteSpider))
    seed = Request("http://127.0.0.1/")
    assert middleware.get_processed_request(seed, None) is seed
    page = HtmlResponse("http://127.0.0.1/", body=b"")
    link = Request("http://127.0.0.1/")
    assert middleware.get_processed_request(link, page) is link  # the dupefilter's decision
