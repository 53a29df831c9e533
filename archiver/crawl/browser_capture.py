"""What a browser page does while it renders, recorded: every HTTP exchange it makes, as WARC.

The page itself is not fetched again: its navigation is answered with the bytes the crawl already
archived, so the browser builds the DOM from exactly the response the WARC holds. Everything
else the page loads (scripts, styles, the JSON a script fetches) is written as a response record
with its request, as browsertrix records a page.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page, Route
from playwright.async_api import Request as BrowserRequest
from playwright.async_api import Response as BrowserResponse
from scrapy.crawler import Crawler
from scrapy.http import Request
from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler

from archiver.crawl.capture_meta import recorder_of
from storage.warc import HttpExchange

log = logging.getLogger(__name__)

_SHARED = "_archiver_playwright_handler"  # the crawler's one handler

# Headers that describe the bytes as sent: the browser hands over bodies already decoded.
_DESCRIBE_WIRE = frozenset({"content-encoding", "content-length", "transfer-encoding"})

Archive = Callable[[HttpExchange], object]
Guard = Callable[[str], Awaitable[bool]]  # whether the browser may fetch a URL


class PageRecorder:
    """One page's render: the archived page to answer its navigation with, and its exchanges."""

    def __init__(
        self,
        url: str,
        body: bytes,
        content_type: str | None,
        archive: Archive | None,
        timeout: float,
        guard: Guard | None = None,
    ) -> None:
        self.url = url
        self.guard = guard  # None: the browser may fetch anything
        self.body = body
        self.content_type = content_type or "text/html"
        self.archive = archive  # None: WARC capture is off, nothing is written
        self.deadline = time.monotonic() + timeout
        self.pending: set[asyncio.Task[None]] = set()
        self.served: BrowserRequest | None = None  # the navigation answered from the archive
        self.recorded = 0

    async def route(self, route: Route, request: BrowserRequest) -> None:
        """Answer the page's own navigation from the archive; hand every other request on."""
        if self.served is None and request.is_navigation_request() and request.url == self.url:
            self.served = request
            headers = {"Content-Type": self.content_type}
            await route.fulfill(status=200, headers=headers, body=self.body)
            return
        if self.guard is not None and not await self.guard(request.url):
            await route.abort("blockedbyclient")
            return
        await route.fallback()

    def on_response(self, response: BrowserResponse) -> None:
        """Record the exchange once its body is in (a task, awaited before the DOM is read)."""
        if response.request is self.served or self.archive is None:
            return
        if not response.url.startswith(("http://", "https://")):
            return
        task = asyncio.ensure_future(self._record(response))
        self.pending.add(task)
        task.add_done_callback(self.pending.discard)

    async def _record(self, response: BrowserResponse) -> None:
        try:
            exchange = await exchange_of(response)
        except PlaywrightError as exc:  # the page closed, or the body was never received
            log.debug("browser response not recorded: %s (%s)", response.url, exc)
            return
        if self.archive is not None:
            self.archive(exchange)
            self.recorded += 1

    async def settle(self) -> None:
        """Wait, within the page's time, for every exchange seen so far to be written."""
        while True:
            pending = [task for task in self.pending if not task.done()]
            left = self.deadline - time.monotonic()
            if not pending or left <= 0:
                return
            await asyncio.wait(pending, timeout=left)


async def exchange_of(response: BrowserResponse) -> HttpExchange:
    """The browser's request and response, as the WARC writer takes them."""
    request = response.request
    try:
        body = await response.body()
    except PlaywrightError:
        if 300 <= response.status < 400:  # a redirect has no body to read
            body = b""
        else:
            raise
    headers = [
        (h["name"], h["value"])
        for h in await response.headers_array()
        if h["name"].lower() not in _DESCRIBE_WIRE
    ]
    headers.append(("Content-Length", str(len(body))))
    address = await response.server_addr()
    return HttpExchange(
        url=response.url,
        status=response.status,
        response_headers=headers,
        body=body,
        method=request.method,
        request_headers=[(h["name"], h["value"]) for h in await request.headers_array()],
        request_body=request.post_data_buffer or b"",
        ip_address=address["ipAddress"] if address else None,
        fetched_at=datetime.now(UTC),
    )


class SharedPlaywrightHandler(ScrapyPlaywrightDownloadHandler):  # type: ignore[misc]
    """scrapy-playwright's handler, one for both schemes: one Playwright driver, one browser.

    Scrapy builds a handler per scheme; two would start two drivers and two browsers.
    """

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SharedPlaywrightHandler:
        shared = getattr(crawler, _SHARED, None)
        if not isinstance(shared, cls):
            shared = cls(crawler)
            setattr(crawler, _SHARED, shared)
        return shared

    async def close(self) -> None:
        """Close once, however many schemes it served."""
        if getattr(self, "_closed", False):
            return
        self._closed = True
        await super().close()


async def prepare_page(page: Page, request: Request) -> None:
    """scrapy-playwright's page init callback: route the page and record what it fetches."""
    recorder = recorder_of(request.meta)
    if recorder is None:
        return
    assert isinstance(recorder, PageRecorder)
    recorder.served = None  # a new page (a retry after the browser died) navigates afresh
    await page.route("**", recorder.route)  # the latest route runs first, before the handler's
    page.on("response", recorder.on_response)


async def settle_page(page: Page, recorder: PageRecorder, *args: Any) -> None:
    """A page method run once the page has loaded: let its scripts finish, within its time."""
    left = recorder.deadline - time.monotonic()
    if left > 0:
        with contextlib.suppress(PlaywrightError):  # a page that never goes quiet: read it now
            await page.wait_for_load_state("networkidle", timeout=left * 1000)
    await recorder.settle()
