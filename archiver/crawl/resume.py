"""Resume a killed job: answer the URLs it already archived from its WARC files, not the network."""

from __future__ import annotations

from pathlib import Path
from typing import Self

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Request, Response

from archiver.crawl.archived_response import archived_response
from archiver.crawl.capture import WarcCapture
from archiver.crawl.capture_meta import is_rendering, record_archived, record_capture
from storage.jobarchive import ArchivedCapture, JobArchive


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
        middleware = cls(crawler, Path(crawler.settings["WARC_DIR"]))
        crawler.signals.connect(middleware.response_received, signal=signals.response_received)
        return middleware

    def process_request(self, request: Request) -> Response | None:
        if request.method != "GET" or is_rendering(request.meta):
            return None
        archive = self._archive()
        archived = archive.get(request.url) if archive else None
        if archived is None:
            return None
        response = self._response(archived)
        if response is None:
            return None
        record_capture(request.meta, archived.capture_id, archived.fetched_at)
        record_archived(request.meta, archived.processed)
        return response

    def response_received(self, response: Response) -> None:
        """Count a read-back response where Scrapy counts received ones, so ``pages`` (received
        minus read back) stays whole: a redirect or retry turned into a new request is neither."""
        if "archived" in response.flags:
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("archiver/job/from_warc")

    def _archive(self) -> JobArchive | None:
        capture = self.crawler.get_extension(WarcCapture)
        return getattr(capture, "job_archive", None)

    def _response(self, archived: ArchivedCapture) -> Response | None:
        return archived_response(
            self.warc_dir,
            archived.filename,
            archived.offset,
            archived.url,
            archived.status,
            decoded=False,
            flags=["archived"],
        )
