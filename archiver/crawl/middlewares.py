"""Downloader middlewares that bound where a crawl goes: no private addresses, no redirect
loops, per-site page limits."""

from __future__ import annotations

import logging
from typing import Self
from urllib.parse import urljoin, urlsplit

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Request, Response
from scrapy.utils.defer import deferred_from_coro, maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from w3lib.url import safe_url_string

from archiver.crawl.capture_meta import is_rendering
from archiver.crawl.plan import CrawlPlan
from archiver.extraction.urls import non_public_address

log = logging.getLogger(__name__)

# A spider attribute set once the crawl is closing for a limit: no new requests are wanted.
FRONTIER_CLOSED = "archiver_frontier_closed"


def crawl_plan(crawler: Crawler) -> CrawlPlan | None:
    """The running spider's plan, when it has one."""
    plan = getattr(crawler.spider, "plan", None)
    return plan if isinstance(plan, CrawlPlan) else None


class PrivateAddressGuard:
    """Refuse requests to loopback, private and link-local addresses unless a seed named the host.

    Every request passes here, redirects included (Scrapy schedules a redirect as a new
    request), so a public page cannot lead the crawler into the network it runs in. Host names are
    resolved first (through Scrapy's caching resolver) and judged by their address.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.refused: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("ADDRESS_GUARD_ENABLED"):
            raise NotConfigured("ADDRESS_GUARD_ENABLED is off")
        return cls(crawler)

    async def process_request(self, request: Request) -> None:
        host = (urlparse_cached(request).hostname or "").lower()
        plan = crawl_plan(self.crawler)
        if not host or plan is None or host in plan.named_hosts:
            return
        if non_public_address(host) or non_public_address(await self._address(host)):
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("archiver/skipped/private address")
            if host not in self.refused:
                self.refused.add(host)
                log.warning("refusing %s: %s is not a public address", request.url, host)
            raise IgnoreRequest(f"{host} is not a public address and no seed named it")

    @staticmethod
    async def _address(host: str) -> str:
        """The address ``host`` resolves to; the name itself when it does not resolve."""
        from twisted.internet import reactor

        try:
            address = await maybe_deferred_to_future(reactor.resolve(host))  # type: ignore[arg-type]
        except Exception:  # a name that does not resolve is the download's failure to report
            return host
        return str(address)


class OriginGuard:
    """Refuse requests, redirects included, that leave the crawl's sites: a site is scheme, host
    and port, so a seed's host on another port is another site unless ``--allow-host`` names it.

    Scrapy's offsite check compares host names only. Feeds and sitemaps a site declares on
    another host carry ``allow_offsite`` and pass, as they pass Scrapy's.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        plan = crawl_plan(self.crawler)
        if plan is None or request.meta.get("allow_offsite") or plan.allows(request.url):
            return
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("archiver/skipped/off the crawl's ports")
        raise IgnoreRequest(f"{request.url} is on a port no seed or --allow-host named")


class PageLimits:
    """Let through at most ``CLOSESPIDER_PAGECOUNT`` requests, and ``max_pages`` per site.

    Scrapy's page count closes the spider once enough responses have arrived, but every request
    already queued for download still goes out, and responses that fail (too large, timed out)
    never count. Counting requests as they are let through makes ``--max-pages`` a bound; the
    first request over it closes the crawl, so the queue is dropped at once rather than refused
    request by request. robots.txt is not counted. A job (``JOB_NAME``) keeps Scrapy's own
    behaviour: a request refused here would be gone from the frontier it saves for the next run.
    """

    def __init__(self, crawler: Crawler, limit: int) -> None:
        self.crawler = crawler
        self.limit = limit
        self.passed = 0
        self.per_site: dict[str, int] = {}
        self.closing = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        limit = 0 if settings.get("JOB_NAME") else settings.getint("CLOSESPIDER_PAGECOUNT")
        limits = cls(crawler, limit)
        crawler.signals.connect(limits.spider_closed, signal=signals.spider_closed)
        return limits

    def process_request(self, request: Request) -> None:
        if urlsplit(request.url).path == "/robots.txt":  # Scrapy's own fetch, or the spider's
            return
        if is_rendering(request.meta):  # a page already fetched, and counted, shown in a browser
            return
        if self.limit and self.passed >= self.limit:
            self._close()
            self._refuse("over --max-pages", f"the crawl reached {self.limit} pages")
        plan = crawl_plan(self.crawler)
        site = plan.site_for(request.url) if plan else None
        if site is not None and site.max_pages is not None:
            count = self.per_site.get(site.name, 0)
            if count >= site.max_pages:
                self._refuse("site page limit", f"site {site.name} reached {site.max_pages}")
            self.per_site[site.name] = count + 1
        self.passed += 1

    def _close(self) -> None:
        """Close the crawl once: what is downloading finishes, the queue is dropped."""
        if self.closing:
            return
        self.closing = True
        engine = self.crawler.engine
        assert engine is not None
        log.info("--max-pages: %s requests sent; closing the crawl", self.limit)
        # The spider stops turning links into requests: a sitemap of 100,000 entries read now
        # would otherwise keep the closing crawl busy scheduling what will never be sent.
        setattr(self.crawler.spider, FRONTIER_CLOSED, True)
        deferred_from_coro(engine.close_spider_async(reason="closespider_pagecount"))

    def spider_closed(self) -> None:
        """Count the requests still queued when the page limit closed the crawl."""
        engine = self.crawler.engine
        if not self.closing or engine is None or engine.scheduler is None:
            return
        left = len(engine.scheduler)  # type: ignore[arg-type]
        if left:
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("archiver/skipped/over --max-pages", left)

    def _refuse(self, reason: str, message: str) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(f"archiver/skipped/{reason}")
        raise IgnoreRequest(message)


class RedirectLoopGuard:
    """Fail a redirect back to a URL of its own chain, so that a loop is counted, not lost.

    Scrapy would schedule the looping redirect, and its duplicate filter would drop it without
    a word; raising here sends the request to the spider's errback as a ``redirect loop``.
    """

    def process_response(self, request: Request, response: Response) -> Response:
        location = response.headers.get(b"Location")
        if response.status not in {301, 302, 303, 307, 308} or not location:
            return response
        target = safe_url_string(urljoin(request.url, location.decode("latin-1")))
        chain = [*request.meta.get("redirect_urls", []), request.url]
        if target in chain:
            raise IgnoreRequest(f"redirect loop: {' -> '.join([*chain, target])}")
        return response
