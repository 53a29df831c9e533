"""Let go of a page's parsed tree as soon as the spider has read it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from typing import Any

from scrapy.http import Response, TextResponse


class ParsedPageRelease:
    """Spider middleware: once the spider is done with a page, drop its parsed tree and text.

    Scrapy keeps a response alive until every item it produced is through the pipelines, and
    with it the selector's lxml tree and the decoded text it caches: ten to twenty times the
    body's size. Pages wait for the extraction pool, so dozens of trees piled up. Nothing reads
    them after the spider; should anything, the page is parsed again.
    """

    def process_spider_output(self, response: Response, result: Iterable[Any]) -> Iterable[Any]:
        yield from result
        release(response)

    async def process_spider_output_async(
        self, response: Response, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        async for entry in result:
            yield entry
        release(response)


def release(response: Response) -> None:
    """Drop the parsed tree and decoded text a text response caches (rebuilt if asked again)."""
    if isinstance(response, TextResponse):
        response._cached_selector = None
        response._cached_ubody = None
