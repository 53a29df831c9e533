"""Extraction workers run below the crawl process, so the reactor thread is never starved."""

from __future__ import annotations

import os

from scrapy.utils.test import get_crawler

from archiver.crawl.pipelines import ExtractionPipeline
from spiders.site import SiteSpider


def test_workers_run_at_a_lower_priority_than_the_crawl() -> None:
    pipeline = ExtractionPipeline.from_crawler(
        get_crawler(SiteSpider, {"EXTRACT_WORKERS": 1, "EXTRACT_ENABLED": True})
    )
    pipeline.open_spider()
    try:
        assert pipeline.pool is not None
        worker_niceness = pipeline.pool.submit(os.nice, 0).result(timeout=60)
    finally:
        pipeline.close_spider()
    assert worker_niceness >= min(os.nice(0) + 10, 19)
