"""ParsedPageRelease drops a page's parsed tree once the spider's output is through."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from scrapy.http import HtmlResponse

from archiver.crawl.release import ParsedPageRelease

PAGE = b"<html><body><p>Harbour wall repaired</p><a href='/next'>next</a></body></html>"


def page() -> HtmlResponse:
    return HtmlResponse("http://127.0.0.1/news/a.html", body=PAGE, encoding="utf-8")


def test_the_tree_is_let_go_once_the_output_is_consumed() -> None:
    response = page()
    selector = response.selector
    output = iter(["item", "request"])
    passed = ParsedPageRelease().process_spider_output(response, output)
    assert next(iter(passed)) == "item"
    assert response.selector is selector  # the spider may still be reading it
    assert list(passed) == ["request"]
    assert response.selector is not selector  # parsed again on demand
    assert response.xpath("//a/@href").get() == "/next"


def test_async_output_is_passed_through_and_released() -> None:
    response = page()
    selector = response.selector

    async def spider_output() -> AsyncIterator[str]:
        yield "item"

    async def consume() -> list[str]:
        middleware = ParsedPageRelease()
        return [o async for o in middleware.process_spider_output_async(response, spider_output())]

    assert asyncio.run(consume()) == ["item"]
    assert response.selector is not selector and "Harbour" in response.text
