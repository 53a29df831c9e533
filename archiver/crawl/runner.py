"""Run one crawl in this process: settings assembled, spider started, counters returned."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.settings import Settings

from archiver.crawl.stats import crawl_counters

# The discovery spider, found by name in SPIDER_MODULES: the crawl does not import spiders/.
SPIDER = "site"

# Called with the crawler before it starts, e.g. to attach a progress display.
CrawlHook = Callable[[Crawler], None]


@dataclass(slots=True)
class CrawlResult:
    """What a finished crawl reports."""

    reason: str = "unknown"
    counters: dict[str, Any] = field(default_factory=dict)
    stopped_outright: bool = False  # the reactor stopped before the spider closed (2nd Ctrl-C)


def project_settings(overrides: Mapping[str, Any] | None = None) -> Settings:
    """The archiver's settings, with command-line overrides on top (as ``scrapy crawl -s``)."""
    settings = Settings()
    settings.setmodule("archiver.crawl.settings", priority="project")
    for name, value in (overrides or {}).items():
        settings.set(name, value, priority="cmdline")
    return settings


def crawl_overrides(
    db: Path,
    warc_dir: Path,
    max_pages: int | None = None,
    depth: int | None = None,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Settings for the common crawl options; ``extra`` (from ``-s``) wins over all of them."""
    values: dict[str, Any] = {"ARCHIVE_DB": str(db), "WARC_DIR": str(warc_dir)}
    if max_pages is not None:
        values["CLOSESPIDER_PAGECOUNT"] = max_pages
    if depth is not None:
        values["DEPTH_LIMIT"] = depth
    values.update(extra or {})
    return values


def discovery_overrides(
    since: date | None = None,
    allow_hosts: Sequence[str] = (),
    sites: Path | None = None,
    job: str | None = None,
) -> dict[str, Any]:
    """Settings for ``--since``, ``--allow-host``, ``--sites`` and ``--job``."""
    values: dict[str, Any] = {}
    if since is not None:
        values["CRAWL_SINCE"] = since.isoformat()
    if allow_hosts:
        values["CRAWL_ALLOW_HOSTS"] = [host.strip().lower() for host in allow_hosts]
    if sites is not None:
        values["CRAWL_SITES_FILE"] = str(sites)
    if job:
        values["JOB_NAME"] = job
    return values


def run_crawl(seeds: list[str], settings: Settings, hook: CrawlHook | None = None) -> CrawlResult:
    """Crawl ``seeds`` to the end; blocks until the crawl has closed its WARC and database."""
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(SPIDER)
    result = CrawlResult()

    def closed(spider: object, reason: str) -> None:
        assert crawler.stats is not None
        result.reason = reason
        result.counters = crawl_counters(crawler.stats.get_stats())

    crawler.signals.connect(closed, signal=signals.spider_closed)
    if hook is not None:
        hook(crawler)
    process.crawl(crawler, seeds=seeds)
    process.start()
    if not result.counters and crawler.stats and crawler.stats.get_value("archiver/crawl_id"):
        result.reason, result.stopped_outright = "interrupted", True
        result.counters = crawl_counters(crawler.stats.get_stats())
    return result
