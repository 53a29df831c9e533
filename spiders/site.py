"""Discover a news site's pages the ways it publishes them: links, feeds, sitemaps, robots.txt."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any, Self
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.http import HtmlResponse, Request, Response, TextResponse
from scrapy.http.request import NO_CALLBACK
from twisted.python.failure import Failure

from archiver.crawl.article_row import ListedDate
from archiver.crawl.capture_meta import CaptureMeta
from archiver.crawl.items import PageItem
from archiver.crawl.middlewares import FRONTIER_CLOSED
from archiver.crawl.plan import CrawlPlan, plan_from
from archiver.crawl.stats import ERROR_PREFIX, SKIPPED_PREFIX
from archiver.extraction.pagekind import HUB
from archiver.extraction.urls import is_crawlable
from spiders.documents import (
    FEED,
    GZIP,
    HTML,
    OTHER,
    SITEMAP,
    DecompressionError,
    InflatesTooFar,
    gunzip,
    looks_like_html,
    robots_sitemaps,
    sniff,
)
from spiders.entries import Listing, published_before
from spiders.failures import TOO_LARGE_INFLATED, failure_kind
from spiders.feeds import parse_feed
from spiders.links import LinkCleaner, page_links
from spiders.sitemaps import parse_sitemap

# request.meta key: what the request is expected to return ("feed", "sitemap", "robots")
EXPECT = "archiver_expect"
ROBOTS = "robots"
SEED = "archiver_seed"  # request.meta: a start URL, whose failure alone may fail the crawl
# request.meta: [day, "feed" or "sitemap"], the publication day a listing gave the page's URL
LISTED = "archiver_listed"
# Listed days remembered by URL for pages whose request was another's (a homepage link came
# first, the feed's request was a duplicate); past this many, new ones travel in meta alone.
LISTED_REMEMBERED = 100_000


# Page requisites: what a browser loads to show the page, archived so that replay shows it too.
_REQUISITE_XPATH = (
    "//link[contains(concat(' ', normalize-space(@rel), ' '), ' stylesheet ')]/@href"
    " | //link[contains(@rel, 'icon')]/@href | //img/@src | //script/@src"
    " | //source/@src | //video/@poster"
)
# Feeds a page announces: <link rel="alternate" type="application/rss+xml" href="...">
_FEED_XPATH = (
    "//link[contains(concat(' ', normalize-space(@rel), ' '), ' alternate ')]"
    "[contains(@type, 'rss') or contains(@type, 'atom') or contains(@type, 'rdf')]/@href"
)
_XML_TYPES = ("application/xml", "text/xml", "application/rss+xml", "application/atom+xml")


def parse_seeds(value: str | list[str] | tuple[str, ...]) -> list[str]:
    """Seeds given as a list, or as one string separated by spaces, commas or newlines."""
    items = value.replace(",", " ").split() if isinstance(value, str) else list(value)
    return [seed if "://" in seed else f"http://{seed}" for seed in items]


class SiteSpider(scrapy.Spider):
    """Crawl each site of the plan: its seeds, feeds and sitemaps, and every page they lead to.

    A seed may be any of a homepage or section page, a feed, a sitemap (index, news, gzipped) or
    a robots.txt: what a response is comes from its bytes, not from how it was named.
    """

    name = "site"
    plan: CrawlPlan
    allowed_domains: list[str]

    def __init__(self, seeds: str | list[str] = "", *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.seeds = parse_seeds(seeds)
        self.listed: dict[str, list[str]] = {}  # URL: [day, source], as in LISTED

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.plan = plan_from(spider.seeds, crawler.settings)
        spider.seeds = spider.plan.seeds
        spider.allowed_domains = list(spider.plan.hosts)
        crawler.signals.connect(spider.response_received, signal=signals.response_received)
        crawler.signals.connect(spider.article_stored, signal=signals.item_scraped)
        return spider

    async def start(self) -> AsyncIterator[Request]:
        assert self.crawler.stats is not None
        self.crawler.stats.set_value("archiver/seeds/given", len(self.seeds))
        for site in self.plan.sites:
            for url in site.seeds:
                robots = urlsplit(url).path == "/robots.txt"
                expect = ROBOTS if robots else None
                yield self._request(url, expect, dont_obey_robotstxt=robots, **{SEED: True})
            for url in site.feeds:
                yield self._request(url, FEED, **{SEED: True})
            for url in site.sitemaps:
                yield self._request(url, SITEMAP, **{SEED: True})
        if not self.settings.getbool("ROBOTSTXT_OBEY"):  # else robots.txt comes with the first page
            roots = dict.fromkeys(
                f"{urlsplit(u).scheme}://{urlsplit(u).netloc}" for u in self.seeds
            )
            for root in roots:
                yield self._request(f"{root}/robots.txt", ROBOTS)

    def parse(self, response: Response) -> Iterator[PageItem | Request]:
        """Tell what the response is from its bytes, then read it as a page, feed or sitemap."""
        expect = response.meta.get(EXPECT)
        if expect == ROBOTS:
            yield from self._robots(response)
            return
        body = response.body
        kind = sniff(body)
        if kind == GZIP:  # a .xml.gz sitemap, sent without Content-Encoding
            try:
                body = gunzip(body, self.settings.getint("DOWNLOAD_MAXSIZE"))
            except InflatesTooFar as exc:
                self.bad_input(TOO_LARGE_INFLATED, response.url, exc)
                return
            except DecompressionError as exc:
                self.bad_input(f"malformed {expect or 'gzip body'}", response.url, exc)
                return
            kind = sniff(body)
        declared = (_header(response, b"Content-Type") or "").split(";")[0].strip().lower()
        if kind in (FEED, SITEMAP):
            if declared in {"text/html", "application/xhtml+xml"}:
                self.bad_input("xml served as html", response.url, declared)
            yield from self._listing(response, body, kind)
            return
        if expect in (FEED, SITEMAP):
            self.bad_input(f"malformed {expect}", response.url, f"not a {expect}")
        if kind == HTML or (kind == OTHER and isinstance(response, HtmlResponse)):
            if declared in _XML_TYPES:
                self.bad_input("html served as xml", response.url, declared)
            if not isinstance(response, HtmlResponse):
                response = response.replace(cls=HtmlResponse, body=body)
            assert isinstance(response, HtmlResponse)
            yield from self._page(response)

    def parse_requisite(self, response: Response) -> Iterator[PageItem | Request]:
        """Stylesheets, images and scripts are archived by capture alone; HTML is followed."""
        if isinstance(response, HtmlResponse):
            yield from self._page(response)

    def response_received(self, response: Response, request: Request) -> None:
        """Read the ``Sitemap:`` lines of the robots.txt Scrapy fetched to obey it."""
        if request.callback is not NO_CALLBACK or not request.meta.get("dont_obey_robotstxt"):
            return
        if urlsplit(response.url).path != "/robots.txt" or not self.plan.allows(response.url):
            return
        assert self.crawler.engine is not None
        for found in self._robots(response):
            self.crawler.engine.crawl(found)

    def article_stored(self, item: object) -> None:
        """Fetch the body images of a stored article (``CRAWL_FETCH_IMAGES`` or the site's
        ``fetch_images``), on the crawl's hosts like every page requisite."""
        article = getattr(item, "article", None)
        if not isinstance(item, PageItem) or article is None or not article.images:
            return
        if not self.plan.fetch_images_for(item.url, self.settings.getbool("CRAWL_FETCH_IMAGES")):
            return
        assert self.crawler.engine is not None
        for image in article.images:
            if getattr(self, FRONTIER_CLOSED, False) or not self.plan.allows(image.src):
                continue
            request = Request(image.src, callback=self.parse_requisite, errback=self.failed)
            self.crawler.engine.crawl(request)
            self._count("archiver/images/requested")

    def failed(self, failure: Failure) -> None:
        """Count a request that failed for good, by kind, and log one line (no traceback)."""
        kind = failure_kind(failure)
        request = getattr(failure, "request", None)
        status = getattr(getattr(failure.value, "response", None), "status", None)
        if request is not None and request.meta.get(SEED) and status != 304:
            self._count("archiver/seeds/failed")  # 304: asked "changed since?", told "no"
        if kind is None:
            return
        self.bad_input(kind, request.url if request else "?", failure.value)

    def bad_input(self, kind: str, url: str, why: object) -> None:
        """Count one bad response or failed request under ``kind`` and log one line."""
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(f"{ERROR_PREFIX}{kind}")
        self.logger.warning("%s: %s (%s)", kind, url, why)

    # -- reading each kind of response -------------------------------------------------------
    def _page(self, response: HtmlResponse) -> Iterator[PageItem | Request]:
        capture = CaptureMeta.of(response.meta)
        links = page_links(response)
        cap = self.settings.getint("CRAWL_MAX_LINKS_PER_PAGE")
        if not capture.already_stored:
            yield PageItem(
                url=response.url,
                body=response.body,
                content_type=_header(response, b"Content-Type"),
                capture_id=capture.capture_id,
                fetched_at=capture.fetched_at,
                revisit=capture.revisit,
                prune=self.plan.prune_for(response.url),
                # more links than the cap: a list of links, never an article; not extracted
                kind=HUB if cap and len(links) > cap else None,
                listed=self._listed_date(response),
            )
        yield from self._follow(response, self._capped(links, "CRAWL_MAX_LINKS_PER_PAGE"))
        feeds = response.xpath(_FEED_XPATH).getall()
        yield from self._follow(response, feeds, FEED, declared_by_site=True)
        if self.settings.getbool("CRAWL_PAGE_REQUISITES"):
            clean = LinkCleaner(response)
            for src in _requisites(response):
                if url := self._crawlable(clean, src):
                    yield response.follow(url, callback=self.parse_requisite, errback=self.failed)

    def _listing(self, response: Response, body: bytes, kind: str) -> Iterator[Request]:
        listing: Listing = (
            parse_feed(body, response.url) if kind == FEED else parse_sitemap(body, response.url)
        )
        if listing.malformed:
            self.bad_input(f"malformed {kind}", response.url, "XML damaged or of the wrong shape")
        for problem in dict.fromkeys(listing.bad):  # one line per kind, not per entry
            count = listing.bad.count(problem)
            self._count(f"{ERROR_PREFIX}{problem} in {kind}", count)
            self.logger.warning("%s in %s: %s entries (%s)", problem, kind, count, response.url)
        since = self.plan.since_for(response.url)
        fresh = [entry.url for entry in listing.entries if not published_before(entry, since)]
        self._skipped("before --since", len(listing.entries) - len(fresh))
        self._count(f"archiver/discovery/{kind} entries", len(listing.entries))
        expect = SITEMAP if listing.kind == "sitemapindex" else None
        days = self._listed_days(listing)
        urls = self._capped(fresh, "CRAWL_MAX_LISTING_ENTRIES")
        yield from self._follow(response, urls, expect, listed=days)

    def _listed_days(self, listing: Listing) -> dict[str, list[str]]:
        """The publication day of each dated page a feed or sitemap lists, with its source."""
        if listing.kind == "sitemapindex":
            return {}
        source = "feed" if listing.kind == "feed" else "sitemap"
        days = {entry.url: [entry.day, source] for entry in listing.entries if entry.day}
        for url, value in days.items():
            if url in self.listed or len(self.listed) < LISTED_REMEMBERED:
                self.listed[url] = value
        return days

    def _listed_date(self, response: Response) -> ListedDate | None:
        """The date a feed or sitemap listed the page with: its request's, else remembered."""
        value = response.meta.get(LISTED) or self.listed.get(response.url)
        if not value or len(value) != 2:
            return None
        return ListedDate(day=str(value[0]), source=str(value[1]))

    def _robots(self, response: Response) -> Iterator[Request]:
        if response.status != 200:
            return
        if looks_like_html(response.body):
            self.bad_input("robots.txt is html", response.url, "an HTML page, not robots rules")
            return
        sitemaps = robots_sitemaps(response.body)  # resolved and checked one by one in _follow
        yield from self._follow(response, sitemaps, SITEMAP, declared_by_site=True)

    # -- requests --------------------------------------------------------------------------
    def _follow(
        self,
        response: Response,
        urls: Iterable[str],
        expect: str | None = None,
        declared_by_site: bool = False,
        listed: dict[str, list[str]] | None = None,
    ) -> Iterator[Request]:
        """Requests for ``urls``, cleaned, on the crawl's hosts and within the site's depth.

        Feeds and sitemaps a site declares (``<link rel=alternate>``, robots.txt) may live on
        another host; they are fetched, but what they list must be on the crawl's hosts.
        """
        site = self.plan.site_for(response.url)
        depth = int(response.meta.get("depth", 0)) + 1
        if site is not None and site.depth is not None and depth > site.depth:
            return
        clean = LinkCleaner(response)
        for raw in urls:
            if getattr(self, FRONTIER_CLOSED, False):  # --max-pages reached: the crawl is closing
                self._skipped("over --max-pages", 1)
                continue
            url = self._crawlable(clean, raw)
            if url is None:
                continue
            offsite = not self.plan.allows(url)
            if offsite and not declared_by_site:
                continue
            day = listed.get(url) if listed else None
            yield self._request(url, expect, allow_offsite=offsite, **{LISTED: day})

    def _crawlable(self, clean: LinkCleaner, link: str) -> str | None:
        """``link`` cleaned, or ``None`` when no request is made for it: a URL of another
        scheme (``mailto:``, ``javascript:``, ``data:``…), or one that cannot be requested (a
        broken IPv6 literal, a port out of range…), which is counted."""
        try:
            url = clean(link)
        except ValueError:  # BadUrl is one
            self._skipped("bad link URL", 1)
            return None
        return url if is_crawlable(url) else None

    def _request(self, url: str, expect: str | None = None, **meta: Any) -> Request:
        values = {key: value for key, value in meta.items() if value}
        if expect:
            values[EXPECT] = expect
        return Request(url, callback=self.parse, errback=self.failed, meta=values)

    def _capped(self, urls: list[str], setting: str) -> list[str]:
        """The first ``setting`` URLs (0: all); those past the cap are counted, not followed."""
        cap = self.settings.getint(setting)
        if cap and len(urls) > cap:
            self._skipped(f"past {setting}", len(urls) - cap)
            self.logger.info("%s: following %s of %s URLs", setting, cap, len(urls))
            return urls[:cap]
        return urls

    def _skipped(self, reason: str, count: int) -> None:
        if count:
            self._count(f"{SKIPPED_PREFIX}{reason}", count)

    def _count(self, key: str, count: int = 1) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(key, count)


def _requisites(response: TextResponse) -> list[str]:
    return [src.strip() for src in response.xpath(_REQUISITE_XPATH).getall() if src.strip()]


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None
