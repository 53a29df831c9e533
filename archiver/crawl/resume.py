"""Resume a killed job: answer the URLs it already archived from its WARC files, not the network."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Self

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Headers, Request, Response
from scrapy.responsetypes import responsetypes

from storage.errors import ArchiveError
from storage.jobarchive import ArchivedCapture, JobArchive
from storage.warcread import read_response

log = logging.getLogger(__name__)

# request.meta keys set on a response answered from the archive
ARCHIVED = "archived"  # True: the response came from the job's WARC files
ARCHIVED_PROCESSED = "archived_processed"  # True: its page was already extracted and stored


class ArchivedResponses:
    """Downloader middleware: a URL the job has archived is answered from its WARC record.

    The response comes back as it was received (still Content-Encoded), so every later
    middleware and the spider treat it as a download: links are followed again, which rebuilds
    the frontier of a killed run, but nothing is fetched or written to WARC twice.
    """

    def __init__(self, crawler: Crawler, warc_dir: Path) -> None:
        self.crawler = crawler
        self.warc_dir = warc_dir

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.get("JOB_NAME"):
            raise NotConfigured  # a one-off crawl: nothing to resume (and nothing to log)
        return cls(crawler, Path(crawler.settings["WARC_DIR"]))

    def process_request(self, request: Request) -> Response | None:
        if request.method != "GET":
            return None
        archive = self._archive()
        archived = archive.get(request.url) if archive else None
        if archived is None:
            return None
        response = self._response(archived)
        if response is None:
            return None
        request.meta.update(
            {
                "capture_id": archived.capture_id,
                "capture_fetched_at": archived.fetched_at,
                ARCHIVED: True,
                ARCHIVED_PROCESSED: archived.processed,
            }
        )
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("archiver/job/from_warc")
        return response

    def _archive(self) -> JobArchive | None:
        from archiver.crawl.capture import WarcCapture  # imported late: extensions import storage

        capture = self.crawler.get_extension(WarcCapture)
        return getattr(capture, "job_archive", None)

    def _response(self, archived: ArchivedCapture) -> Response | None:
        try:
            stored = read_response(self.warc_dir / archived.filename, archived.offset)
        except (ArchiveError, OSError) as exc:
            log.warning("cannot read the archived copy of %s: %s", archived.url, exc)
            return None
        values: dict[str, list[str]] = {}
        for name, value in stored.headers:  # repeated headers (Set-Cookie, Link) all survive
            values.setdefault(name, []).append(value)
        headers = Headers(values)
        cls = responsetypes.from_args(headers=headers, url=archived.url, body=stored.raw_body)
        return cls(
            url=archived.url,
            status=archived.status,
            headers=headers,
            body=stored.raw_body,
            flags=["archived"],
        )
