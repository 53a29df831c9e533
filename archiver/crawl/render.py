"""Pages built by scripts: rendered in headless Chromium (scrapy-playwright), their DOM archived.

A page is always fetched over plain HTTP first and archived as it came. It is then rendered when
its site says ``render = "browser"`` (or ``RENDER=always``), or, with ``RENDER=auto``, when it
looks like an article and its HTML alone gives no article text (an "empty shell"). The browser
is handed the archived bytes for the page itself; what the page's scripts fetch is archived as it
arrives (:mod:`archiver.crawl.browser_capture`), then the DOM the browser built is written as a
``resource`` record beside the page's response, and extraction runs on that DOM.
"""

from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Self
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Request, TextResponse
from scrapy.settings import BaseSettings, Settings

from archiver.crawl.capture import WarcCapture
from archiver.crawl.capture_meta import record_rendering
from archiver.crawl.items import PageItem
from archiver.crawl.plan import CrawlPlan
from archiver.crawl.sitesfile import SitesFileError, load_sites
from archiver.extraction.analysis import PageAnalysis
from archiver.extraction.pagekind import ARTICLE, looks_like_article
from archiver.extraction.urls import non_public_address

if TYPE_CHECKING:  # Playwright loads only in a crawl that renders (87 ms, and its driver)
    from archiver.crawl.browser_capture import PageRecorder

log = logging.getLogger(__name__)

NEVER, AUTO, ALWAYS = "never", "auto", "always"
MODES = (NEVER, AUTO, ALWAYS)
# The DOM is stored, and extracted, as UTF-8 whatever the page was served in.
DOM_CONTENT_TYPE = "text/html; charset=utf-8"
HANDLER = "archiver.crawl.browser_capture.SharedPlaywrightHandler"
# Chromium as Debian ships it, headless, quiet: no sandbox (root in CI), no calls home.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
# Stats keys
RENDERED = "archiver/render/pages"
FAILED = "archiver/render/failed"
SHELLS = "archiver/render/empty shells"
RESPONSES = "archiver/render/responses"  # Scrapy counts each render as a response received


def render_mode(settings: BaseSettings) -> str:
    """The ``RENDER`` setting, checked."""
    mode = str(settings.get("RENDER") or NEVER).strip().lower()
    if mode not in MODES:
        raise ValueError(f"RENDER must be one of {', '.join(MODES)}, not {mode!r}")
    return mode


def rendering_possible(settings: BaseSettings) -> bool:
    """Whether any page of the crawl may be rendered: ``RENDER`` or a site's ``render``."""
    if render_mode(settings) != NEVER:
        return True
    sites_file = settings.get("CRAWL_SITES_FILE")
    if not sites_file:
        return False
    try:
        sites = load_sites(Path(sites_file))
    except SitesFileError:  # the spider reports it
        return False
    return any(site.render not in (None, NEVER) for site in sites)


class RenderSettings:
    """Load scrapy-playwright's download handler only when some page may be rendered.

    A crawl that renders nothing keeps Scrapy's own handler: no Playwright driver is started.
    """

    def update_settings(self, settings: Settings) -> None:
        """Called by Scrapy's add-on manager before any component reads its settings."""
        if not rendering_possible(settings):
            return
        os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")  # never download one
        handlers = dict(settings.getdict("DOWNLOAD_HANDLERS"))
        handlers.update({"http": HANDLER, "https": HANDLER})
        settings.set("DOWNLOAD_HANDLERS", handlers, priority="addon")
        launch = {"executable_path": str(settings.get("RENDER_BROWSER")), "args": CHROMIUM_ARGS}
        timeout_ms = settings.getfloat("RENDER_PAGE_TIMEOUT") * 1000
        values = {
            "PLAYWRIGHT_BROWSER_TYPE": "chromium",
            "PLAYWRIGHT_LAUNCH_OPTIONS": launch,
            "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": max(1, settings.getint("RENDER_MAX_PAGES")),
            "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": timeout_ms,
            "PLAYWRIGHT_RESTART_DISCONNECTED_BROWSER": True,
        }
        for name, value in values.items():
            settings.set(name, value, priority="addon")


async def _resolves_public(host: str) -> bool:
    """Whether every address ``host`` resolves to is public (a name that does not resolve is
    left to the browser, which fails on it)."""
    try:
        found = await asyncio.get_running_loop().getaddrinfo(host, None)
    except OSError:
        return True
    return not any(non_public_address(str(info[4][0])) for info in found)


def _without_traceback(record: logging.LogRecord) -> bool:
    """Keep the record, without its traceback."""
    record.exc_info, record.exc_text = None, None
    return True


def is_empty_shell(url: str, analysis: PageAnalysis, min_chars: int) -> bool:
    """An article-looking page whose HTML alone gives no article text."""
    if analysis.kind == ARTICLE:
        return False
    article = analysis.article
    if article is not None and len(article.text) >= min_chars // 4:
        return False
    page_type = article.page_type if article is not None else None
    return looks_like_article(url, analysis.evidence, page_type)


class BrowserRendering:
    """Render pages in the browser, at most ``RENDER_MAX_PAGES`` at once, and archive the DOM."""

    def __init__(self, crawler: Crawler, mode: str, max_pages: int, timeout: float) -> None:
        self.crawler = crawler
        self.mode = mode
        self.pages = asyncio.Semaphore(max_pages)
        self.timeout = timeout
        self.capture: WarcCapture | None = None
        self.guarded = crawler.settings.getbool("ADDRESS_GUARD_ENABLED")
        self.public: dict[str, bool] = {}  # host: whether it resolved to public addresses only

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        if not rendering_possible(settings):
            raise NotConfigured  # RENDER is never and no site renders: off, and said by no one
        ext = cls(
            crawler,
            render_mode(settings),
            max(1, settings.getint("RENDER_MAX_PAGES")),
            settings.getfloat("RENDER_PAGE_TIMEOUT"),
        )
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        # its failures are logged here, in one line: scrapy-playwright's own carry a traceback
        logging.getLogger("scrapy-playwright").addFilter(_without_traceback)
        return ext

    def spider_opened(self) -> None:
        self.capture = self.crawler.get_extension(WarcCapture)

    def mode_for(self, url: str) -> str:
        """How ``url``'s pages are fetched: its site's ``render``, else ``RENDER``."""
        plan = getattr(self.crawler.spider, "plan", None)
        site = plan.site_for(url) if isinstance(plan, CrawlPlan) else None
        return site.render if site is not None and site.render else self.mode

    async def render(self, item: PageItem) -> bytes | None:
        """The page's DOM once its scripts have run (UTF-8), archived; ``None`` if that failed."""
        stats, engine = self.crawler.stats, self.crawler.engine
        assert stats is not None and engine is not None
        from archiver.crawl.browser_capture import PageRecorder

        archive = self.capture.archive if self.capture is not None else None
        async with self.pages:
            guard = self.may_fetch if self.guarded else None
            recorder = PageRecorder(
                item.url, item.body, item.content_type, archive, self.timeout, guard
            )
            try:
                response = await engine.download_async(self._request(item, recorder))
            except Exception as exc:  # a timeout, a browser that died, a page that crashed
                stats.inc_value(FAILED)
                log.warning("render failed: %s (%s)", item.url, str(exc).splitlines()[0])
                return None
        stats.inc_value(RESPONSES)
        if not isinstance(response, TextResponse):
            stats.inc_value(FAILED)
            return None
        dom = response.text.encode("utf-8")
        if self.capture is not None and item.capture_id is not None:
            self.capture.write_dom(item.url, dom, DOM_CONTENT_TYPE, item.capture_id)
        stats.inc_value(RENDERED)
        stats.inc_value("archiver/render/exchanges", recorder.recorded)
        return dom

    async def may_fetch(self, url: str) -> bool:
        """The address guard, for what a page's scripts fetch: no loopback, private or
        link-local address unless a seed named the host (names resolved, once per host)."""
        host = (urlsplit(url).hostname or "").lower()
        plan = getattr(self.crawler.spider, "plan", None)
        if not host or not isinstance(plan, CrawlPlan) or host in plan.named_hosts:
            return True
        if host not in self.public:
            self.public[host] = not non_public_address(host) and await _resolves_public(host)
        if not self.public[host]:
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("archiver/skipped/private address")
        return self.public[host]

    def _request(self, item: PageItem, recorder: PageRecorder) -> Request:
        from scrapy_playwright.page import PageMethod

        from archiver.crawl.browser_capture import prepare_page, settle_page

        meta = {
            "playwright": True,
            "playwright_context": "render",
            "playwright_context_kwargs": {
                "user_agent": str(self.crawler.settings.get("USER_AGENT")),
                "service_workers": "block",  # what a worker fetches would not be recorded
            },
            "playwright_page_init_callback": f"{prepare_page.__module__}.prepare_page",
            "playwright_page_goto_kwargs": {"wait_until": "load"},
            "playwright_page_methods": [PageMethod(settle_page, recorder)],
            "dont_obey_robotstxt": True,  # the page was allowed when it was fetched
            "dont_redirect": True,
            "dont_retry": True,
            "handle_httpstatus_all": True,
        }
        record_rendering(meta, recorder)
        return Request(item.url, meta=meta, dont_filter=True)
