"""Read a crawl's counters out of Scrapy's stats, for the progress display, summary and ``crawls``."""

from __future__ import annotations

from typing import Any

_EXCEPTION_PREFIX = "downloader/exception_type_count/"
_STATUS_PREFIX = "downloader/response_status_count/"
_ARCHIVER_ERROR_PREFIX = "archiver/errors/"


def error_kinds(stats: dict[str, Any]) -> dict[str, int]:
    """Errors by kind: HTTP statuses of 400 and above, network exceptions, archiver failures."""
    kinds: dict[str, int] = {}
    for key, value in stats.items():
        if key.startswith(_STATUS_PREFIX):
            status = key.removeprefix(_STATUS_PREFIX)
            # robots.txt answering 404 is normal, not an error of the crawl
            count = int(value) - int(stats.get(f"robotstxt/response_status_count/{status}", 0))
            if status.isdigit() and int(status) >= 400 and count > 0:
                kinds[f"http {status}"] = count
        elif key.startswith(_EXCEPTION_PREFIX):
            name = key.removeprefix(_EXCEPTION_PREFIX).rsplit(".", 1)[-1]
            kinds[name] = kinds.get(name, 0) + int(value)
        elif key.startswith(_ARCHIVER_ERROR_PREFIX):
            kinds[key.removeprefix(_ARCHIVER_ERROR_PREFIX)] = int(value)
    return dict(sorted(kinds.items()))


def crawl_counters(stats: dict[str, Any]) -> dict[str, Any]:
    """The figures a crawl reports: pages, articles, errors by kind, WARC files and bytes."""
    kinds = error_kinds(stats)
    return {
        "pages": int(stats.get("response_received_count", 0)),
        "articles": int(stats.get("archiver/articles/new", 0))
        + int(stats.get("archiver/articles/updated", 0)),
        "articles_unchanged": int(stats.get("archiver/articles/unchanged", 0)),
        "errors": sum(kinds.values()),
        "error_kinds": kinds,
        "warc_files": int(stats.get("archiver/warc/files", 0)),
        "warc_bytes": int(stats.get("archiver/warc/bytes", 0)),
        "crawl_id": stats.get("archiver/crawl_id"),
    }
