"""A crawl's counters, read out of Scrapy's stats for progress, summary and ``crawls``."""

from __future__ import annotations

from typing import Any

ERROR_PREFIX = "archiver/errors/"
SKIPPED_PREFIX = "archiver/skipped/"
# Articles stored behind a paywall or a meter, by access ("paywalled", "metered").
ACCESS_PREFIX = "archiver/articles/access/"
# Why the crawl stopped before its end (a WARC file that cannot be written), if it did.
FAILURE = "archiver/failure"


def error_kinds(stats: dict[str, Any]) -> dict[str, int]:
    """Errors by kind (``http 404``, ``ConnectionRefused``, …), counted once per failed request."""
    return {
        key.removeprefix(ERROR_PREFIX): int(value)
        for key, value in sorted(stats.items())
        if key.startswith(ERROR_PREFIX)
    }


def skipped_kinds(stats: dict[str, Any]) -> dict[str, int]:
    """Requests not made, by reason: robots.txt, off the crawl's hosts, private address, …"""
    kinds = {
        "forbidden by robots.txt": int(stats.get("robotstxt/forbidden", 0)),
        "off the crawl's hosts": int(stats.get("offsite/filtered", 0)),
    }
    kinds.update(
        (key.removeprefix(SKIPPED_PREFIX), int(value))
        for key, value in sorted(stats.items())
        if key.startswith(SKIPPED_PREFIX)
    )
    return {kind: count for kind, count in kinds.items() if count}


def crawl_counters(stats: dict[str, Any]) -> dict[str, Any]:
    """The figures a crawl reports: pages, articles, errors by kind, WARC files and bytes."""
    kinds = error_kinds(stats)
    from_warc = int(stats.get("archiver/job/from_warc", 0))
    renders = int(stats.get("archiver/render/responses", 0))  # pages shown again, in a browser
    return {
        "pages": int(stats.get("response_received_count", 0)) - from_warc - renders,
        "from_warc": from_warc,
        "skipped": skipped_kinds(stats),
        "articles": int(stats.get("archiver/articles/new", 0))
        + int(stats.get("archiver/articles/updated", 0)),
        "articles_unchanged": int(stats.get("archiver/articles/unchanged", 0)),
        "access": {
            key.removeprefix(ACCESS_PREFIX): int(value)
            for key, value in sorted(stats.items())
            if key.startswith(ACCESS_PREFIX)
        },
        "errors": sum(kinds.values()),
        "error_kinds": kinds,
        "revisits": int(stats.get("archiver/warc/revisits", 0)),
        "images": int(stats.get("archiver/images/stored", 0)),
        "images_requested": int(stats.get("archiver/images/requested", 0)),
        "warc_files": int(stats.get("archiver/warc/files", 0)),
        "warc_bytes": int(stats.get("archiver/warc/bytes", 0)),
        "crawl_id": stats.get("archiver/crawl_id"),
        "failure": stats.get(FAILURE),
        "seeds": int(stats.get("archiver/seeds/given", 0)),
        "seeds_failed": int(stats.get("archiver/seeds/failed", 0)),
        "rendered": int(stats.get("archiver/render/pages", 0)),
        "render_failed": int(stats.get("archiver/render/failed", 0)),
        "empty_shells": int(stats.get("archiver/render/empty shells", 0)),
    }
