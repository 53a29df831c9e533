"""Follow links from seed pages across the seeds' own hosts."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, Request, Response, TextResponse
from scrapy.linkextractors import LinkExtractor
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from archiver.items import PageItem
from archiver.stats import ERROR_PREFIX

# Page requisites: what a browser loads to show the page, archived so that replay shows it too.
_REQUISITE_XPATH = (
    "//link[contains(concat(' ', normalize-space(@rel), ' '), ' stylesheet ')]/@href"
    " | //link[contains(@rel, 'icon')]/@href | //img/@src | //script/@src"
    " | //source/@src | //video/@poster"
)
# LinkExtractor's allow_domains does not match IP-address hosts, so hosts are checked here.
_LINKS = LinkExtractor(unique=True, deny_extensions=[])


def parse_seeds(value: str | list[str] | tuple[str, ...]) -> list[str]:
    """Seeds given as a list, or as one string separated by spaces, commas or newlines."""
    items = value.replace(",", " ").split() if isinstance(value, str) else list(value)
    return [seed if "://" in seed else f"http://{seed}" for seed in items]


class SiteSpider(scrapy.Spider):
    """Crawl each seed's site: every page reachable by links on the seed hosts."""

    name = "site"

    def __init__(self, seeds: str | list[str] = "", *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.seeds = parse_seeds(seeds)
        self.allowed_domains = sorted({urlsplit(seed).hostname or "" for seed in self.seeds})

    async def start(self) -> AsyncIterator[Request]:
        if not self.seeds:
            self.seeds = parse_seeds(self.settings.getlist("CRAWL_SEEDS"))
            self.allowed_domains = sorted({urlsplit(s).hostname or "" for s in self.seeds})
        for seed in self.seeds:
            yield Request(seed, callback=self.parse, errback=self.failed)

    def parse(self, response: Response) -> Iterator[PageItem | Request]:
        """Hand HTML pages to the pipelines and follow their links; archive everything else."""
        if not isinstance(response, HtmlResponse):
            return
        yield PageItem(
            url=response.url,
            body=response.body,
            content_type=_header(response, b"Content-Type"),
            capture_id=response.meta.get("capture_id"),
            fetched_at=response.meta.get("capture_fetched_at"),
            revisit=bool(response.meta.get("capture_revisit")),
        )
        hosts = set(self.allowed_domains)
        for link in _LINKS.extract_links(response):
            if urlsplit(link.url).hostname in hosts:
                yield response.follow(link.url, callback=self.parse, errback=self.failed)
        if self.settings.getbool("CRAWL_PAGE_REQUISITES"):
            for src in _requisites(response):
                yield response.follow(src, callback=self.parse_requisite, errback=self.failed)

    def parse_requisite(self, response: Response) -> Iterator[PageItem | Request]:
        """Stylesheets, images and scripts are archived by capture alone; HTML is followed."""
        if isinstance(response, HtmlResponse):
            yield from self.parse(response)

    def failed(self, failure: Failure) -> None:
        """Count a request that failed for good, by kind, and log one line (no traceback)."""
        kind = failure_kind(failure)
        if kind is None:
            return
        self.crawler.stats.inc_value(f"{ERROR_PREFIX}{kind}")
        request = getattr(failure, "request", None)
        self.logger.warning("%s: %s (%s)", kind, request.url if request else "?", failure.value)


def failure_kind(failure: Failure) -> str | None:
    """A short name for why a request failed; ``None`` for requests deliberately not made."""
    error = failure.value
    if isinstance(error, HttpError):
        status = error.response.status
        return None if status == 304 else f"http {status}"  # 304: asked "changed?", got "no"
    if isinstance(error, IgnoreRequest):
        return None
    name = type(error).__name__
    return name.removeprefix("Download") if name.startswith("Download") else name


def _requisites(response: TextResponse) -> list[str]:
    return [src.strip() for src in response.xpath(_REQUISITE_XPATH).getall() if src.strip()]


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None
