"""WARC capture: every response archived exactly as it came off the wire, before decoding."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Self

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Request, Response
from scrapy.utils.defer import deferred_from_coro

from archiver.crawl.archive_database import ArchiveDatabaseExtension
from archiver.crawl.capture_meta import is_rendering, record_capture, record_revisit
from archiver.crawl.exchange import exchange_from
from archiver.crawl.stats import FAILURE
from archiver.crawl.stop import on_reactor_stop
from archiver.extraction.pagekind import ARTICLE
from storage.errors import ArchiveError
from storage.jobarchive import JobArchive, recover_job
from storage.rows import CaptureRow, PriorCapture
from storage.warc import HttpExchange, RevisitOf, WarcWriter, expand_prefix, payload_digest

log = logging.getLogger(__name__)


class WarcCapture:
    """Archive every response exactly as it came off the wire, with its request."""

    def __init__(self, crawler: Crawler, writer: WarcWriter) -> None:
        self.crawler = crawler
        self.writer = writer
        self.database: ArchiveDatabaseExtension | None = None
        self.job_archive: JobArchive | None = None  # what a resumed job already holds
        self.stopped = False
        self._closing: object = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        if not settings.getbool("WARC_ENABLED"):
            raise NotConfigured("WARC_ENABLED is off")
        prefix = expand_prefix(settings.get("WARC_PREFIX") or "archiver-{host}-{pid}")
        robots = "obey" if settings.getbool("ROBOTSTXT_OBEY") else "ignore"
        info = {"robots": robots, "http-header-user-agent": settings.get("USER_AGENT", "")}
        if settings.get("JOB_NAME"):  # how a resumed job finds its files
            info["isPartOf"] = str(settings["JOB_NAME"])
        writer = WarcWriter(
            Path(settings["WARC_DIR"]),
            prefix,
            max_bytes=settings.getint("WARC_MAX_BYTES"),
            info=info,
        )
        ext = cls(crawler, writer)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.capture, signal=signals.response_downloaded)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider: Spider) -> None:
        self.database = self.crawler.get_extension(ArchiveDatabaseExtension)
        # a second Ctrl-C stops the reactor without closing the spider: close the file anyway
        on_reactor_stop(self.stop)
        job = self.crawler.settings.get("JOB_NAME")
        if job and self.database is not None:
            self.job_archive = resume_job(self.crawler, self.database, self.writer, str(job))

    def capture(self, response: Response, request: Request, spider: Spider) -> None:
        """Write the exchange to WARC (as a revisit if its payload is unchanged) and index it."""
        if self.stopped or is_rendering(request.meta):  # a render's exchanges come one by one
            return
        archived = self.archive(exchange_from(response, request))
        if archived is not None:
            capture_id, fetched_at, revisit = archived
            record_capture(request.meta, capture_id, fetched_at)
            record_revisit(request.meta, revisit)

    def archive(self, exchange: HttpExchange) -> tuple[int, str, bool] | None:
        """Write one exchange and index it: its capture id, WARC-Date and whether it is a
        revisit; ``None`` when nothing was indexed (no archive database, or writing failed)."""
        if self.stopped:
            return None
        store = self.database.store if self.database else None
        prior = store.last_response(exchange.url) if store else None
        digest = payload_digest(exchange.body)
        revisit = _is_revisit(exchange, digest, prior)
        stats = self.crawler.stats
        assert stats is not None
        try:
            written = self.writer.write_exchange(
                exchange,
                RevisitOf(prior.url, prior.fetched_at) if revisit and prior else None,
                digest,
            )
        except ArchiveError as exc:
            self._fail(str(exc))
            return None
        stats.inc_value("archiver/warc/records", 2)
        stats.inc_value("archiver/warc/revisits" if revisit else "archiver/warc/responses")
        if revisit and prior and prior.kind == ARTICLE:
            stats.inc_value("archiver/articles/unchanged")
        self._file_stats()
        if store is None or self.database is None or self.database.crawl_id is None:
            return None
        row = CaptureRow(
            url=exchange.url,
            status=exchange.status,
            mime=_header(exchange, "Content-Type", lower=True),
            fetched_at=written.warc_date,
            ref=written.ref,
            payload_digest=written.payload_digest,
            content_length=len(exchange.body),
            crawl_id=self.database.crawl_id,
            record_type="revisit" if revisit else "response",
            kind=prior.kind if revisit and prior else None,
            etag=_header(exchange, "ETag"),
            last_modified=_header(exchange, "Last-Modified"),
            refers_to=prior.id if revisit and prior else None,
        )
        return store.add_capture(row), written.warc_date, revisit

    def write_dom(self, url: str, dom: bytes, content_type: str, capture_id: int) -> bool:
        """Write the DOM a browser built from the page captured as ``capture_id``, beside its
        response record, and mark that capture rendered; whether it was written."""
        store = self.database.store if self.database else None
        record_id = store.record_id_of(capture_id) if store else None
        if self.stopped or store is None or record_id is None:
            return False
        try:
            self.writer.write_resource(url, dom, content_type, record_id, datetime.now(UTC))
        except ArchiveError as exc:
            self._fail(str(exc))
            return False
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("archiver/warc/records")
        self._file_stats()
        store.mark_rendered(capture_id)
        return True

    def _file_stats(self) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.set_value("archiver/warc/bytes", self.writer.bytes_written)
        self.crawler.stats.set_value("archiver/warc/files", len(self.writer.files))

    def _fail(self, why: str) -> None:
        """A record could not be written (the writer cut it away): stop the crawl, say why.

        Nothing more is written or stored: a page without its record would be text with no
        source behind it. The crawl closes with reason ``warc write failed`` and the command
        exits non-zero with ``why``.
        """
        self.stop()
        log.error("%s; stopping the crawl", why)
        assert self.crawler.stats is not None and self.crawler.engine is not None
        self.crawler.stats.set_value(FAILURE, why)
        self._closing = deferred_from_coro(
            self.crawler.engine.close_spider_async(reason="warc write failed")
        )

    def spider_closed(self, spider: Spider) -> None:
        self.stop()

    def stop(self) -> None:
        """Close the WARC file and write no more: on close, or as the reactor stops outright."""
        self.stopped = True
        self.writer.close()


def _is_revisit(exchange: HttpExchange, digest: str, prior: PriorCapture | None) -> bool:
    """Same URL, same status 200, same payload digest as its latest full response."""
    return (
        prior is not None
        and exchange.status == 200
        and prior.status == 200
        and bool(exchange.body)
        and prior.payload_digest == digest
    )


def _header(exchange: HttpExchange, name: str, lower: bool = False) -> str | None:
    """The last value of a response header, as Scrapy's ``headers.get`` reads it."""
    values = [v for k, v in exchange.response_headers if k.lower() == name.lower()]
    text = values[-1].strip() if values else ""
    if not text:
        return None
    return text.split(";")[0].strip().lower() if lower else text


def resume_job(
    crawler: Crawler, database: ArchiveDatabaseExtension, writer: WarcWriter, job: str
) -> JobArchive:
    """Make the job's WARC files whole and index what the last run wrote but did not commit."""
    archive = recover_job(database.store, writer.directory, job, database.crawl_id)
    assert crawler.stats is not None
    crawler.stats.set_value("archiver/job/indexed from warc", archive.indexed)
    crawler.stats.set_value("archiver/job/torn bytes cut", archive.cut_bytes)
    if archive.indexed or archive.cut_bytes:
        log.warning(
            "job %s: indexed %d records written after the last commit, cut %d torn bytes",
            job,
            archive.indexed,
            archive.cut_bytes,
        )
    return archive
