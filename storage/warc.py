"""Write HTTP exchanges to rotating, gzip-per-record WARC/1.1 files."""

from __future__ import annotations

import base64
import errno
import hashlib
import os
import socket
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from io import BytesIO
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date
from warcio.warcwriter import WARCWriter

from storage.errors import ArchiveError, WarcWriteError

SOFTWARE = "news-archiver/0.1 (warcio)"
WARC_VERSION = "WARC/1.1"
# The target URI of a rendered page's DOM record: its own URI, so replay still serves the response.
DOM_URI_PREFIX = "urn:dom:"
# Twisted has already de-chunked the body, so these headers would describe bytes we do not store.
_DROPPED_HEADERS = frozenset({"transfer-encoding"})
# zlib's default, as gzip(1) uses: warcio's level 9 costs 50% more time for 0.3% smaller HTML.
GZIP_LEVEL = 6
# A body compressed on the wire (or a compressed media type) does not shrink again: its record is
# stored in its gzip member uncompressed, a copy instead of about 1 ms of deflate per 40 KB.
_ENCODED = frozenset({"gzip", "x-gzip", "deflate", "br", "zstd", "compress"})
_COMPRESSED_MEDIA = ("image/jpeg", "image/png", "image/gif", "image/webp", "image/avif", "video/")


@dataclass(frozen=True, slots=True)
class WarcRef:
    """Where one record lives inside a WARC file."""

    filename: str
    offset: int
    length: int
    record_id: str


@dataclass(frozen=True, slots=True)
class HttpExchange:
    """One request and its response, with the response body exactly as received."""

    url: str
    status: int
    response_headers: list[tuple[str, str]]
    body: bytes
    method: str = "GET"
    request_headers: list[tuple[str, str]] = field(default_factory=list)
    request_body: bytes = b""
    protocol: str = "HTTP/1.1"
    ip_address: str | None = None
    fetched_at: datetime = field(default_factory=lambda: datetime.now(UTC))


@dataclass(frozen=True, slots=True)
class RevisitOf:
    """The earlier response whose payload a new response repeats byte for byte."""

    url: str
    warc_date: str


@dataclass(frozen=True, slots=True)
class WrittenResponse:
    """What the archive needs to know about a response record just written."""

    ref: WarcRef
    payload_digest: str
    warc_date: str


def payload_digest(body: bytes) -> str:
    """``sha1:<base32>``, the WARC-Payload-Digest of a body as sent."""
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode("ascii")


def format_warc_filename(prefix: str, when: datetime, serial: int) -> str:
    """``<prefix>-<UTC timestamp>-<serial>.warc.gz``, with a 17-digit timestamp like Heritrix."""
    stamp = when.astimezone(UTC).strftime("%Y%m%d%H%M%S%f")[:17]
    return f"{prefix}-{stamp}-{serial:05d}.warc.gz"


def expand_prefix(template: str) -> str:
    """Fill ``{host}`` and ``{pid}``, so that parallel writers never share a file name."""
    return template.format(host=socket.gethostname(), pid=os.getpid())


class WarcWriter:
    """Append exchanges to WARC files in ``directory``, starting a new file past ``max_bytes``."""

    def __init__(
        self,
        directory: Path,
        prefix: str,
        max_bytes: int = 1 << 30,
        info: Mapping[str, str] | None = None,
    ) -> None:
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ArchiveError(f"cannot create WARC directory {directory}: {exc.strerror}") from exc
        self.directory = directory
        self.prefix = prefix
        self.max_bytes = max_bytes
        self.info = dict(info or {})
        self.serial = 0
        self.files: list[Path] = []
        self.bytes_written = 0
        self._fh: BinaryIO | None = None
        self._writer: WARCWriter | None = None
        self._record = BytesIO()  # one record at a time, before it becomes a gzip member

    @property
    def current_path(self) -> Path | None:
        """The file being written, if one is open."""
        return self.files[-1] if self._fh is not None else None

    def write_exchange(
        self,
        exchange: HttpExchange,
        revisit_of: RevisitOf | None = None,
        digest: str | None = None,
    ) -> WrittenResponse:
        """Write the response record and its request record; return where the response lives.

        With ``revisit_of``, the response is written as a ``revisit`` record (profile
        identical-payload-digest): its HTTP headers, and a reference instead of the body.
        """
        writer, fh = self._open_for_write()
        warc_date = datetime_to_iso_date(
            exchange.fetched_at.astimezone(UTC).replace(tzinfo=None), use_micros=True
        )
        digest = digest or payload_digest(exchange.body)
        headers = {**_ip_header(exchange, warc_date), "WARC-Payload-Digest": digest}
        if revisit_of is None:
            response = writer.create_warc_record(
                exchange.url,
                "response",
                payload=BytesIO(exchange.body),
                length=len(exchange.body),
                http_headers=_response_headers(exchange),
                warc_headers_dict=headers,
            )
        else:
            del headers["WARC-Payload-Digest"]
            response = writer.create_revisit_record(
                exchange.url,
                digest,
                revisit_of.url,
                revisit_of.warc_date,
                http_headers=_response_headers(exchange),
                warc_headers_dict=headers,
            )
        response_id = response.rec_headers.get_header("WARC-Record-ID")
        request = writer.create_warc_record(
            exchange.url,
            "request",
            payload=BytesIO(exchange.request_body),
            length=len(exchange.request_body),
            http_headers=_request_headers(exchange),
            warc_headers_dict={"WARC-Date": warc_date, "WARC-Concurrent-To": response_id},
        )
        level = 0 if revisit_of is None and _already_compressed(exchange) else GZIP_LEVEL
        start, before = fh.tell(), self.bytes_written
        try:
            ref = self._write(writer, fh, response, response_id, level)
            self._write(writer, fh, request, request.rec_headers.get_header("WARC-Record-ID"))
        except OSError as exc:
            raise self._abandon(start, before, exc) from exc
        return WrittenResponse(ref=ref, payload_digest=digest, warc_date=warc_date)

    def write_resource(
        self, url: str, body: bytes, content_type: str, concurrent_to: str, fetched_at: datetime
    ) -> WarcRef:
        """Write a ``resource`` record (a page's DOM as a browser built it) beside the response
        record ``concurrent_to``, under the URI ``urn:dom:<url>`` that replay leaves alone."""
        writer, fh = self._open_for_write()
        warc_date = datetime_to_iso_date(
            fetched_at.astimezone(UTC).replace(tzinfo=None), use_micros=True
        )
        record = writer.create_warc_record(
            DOM_URI_PREFIX + url,
            "resource",
            payload=BytesIO(body),
            length=len(body),
            warc_content_type=content_type,
            warc_headers_dict={"WARC-Date": warc_date, "WARC-Concurrent-To": concurrent_to},
        )
        start, before = fh.tell(), self.bytes_written
        try:
            return self._write(writer, fh, record, record.rec_headers.get_header("WARC-Record-ID"))
        except OSError as exc:
            raise self._abandon(start, before, exc) from exc

    def close(self) -> None:
        """Close the current file."""
        if self._fh is not None:
            self._fh.close()
            self._fh = None
            self._writer = None

    def _abandon(self, start: int, before: int, exc: OSError) -> WarcWriteError:
        """Cut the exchange that failed half-written off the file and close it (nothing torn
        stays behind); a file left without its warcinfo record is removed."""
        path = self.files[-1]
        assert self._fh is not None
        try:
            os.ftruncate(self._fh.fileno(), start)
        finally:
            self.close()
            self.bytes_written = before
        if start == 0:
            path.unlink(missing_ok=True)
            self.files.pop()
        return WarcWriteError(f"cannot write WARC file {path}: {exc.strerror or exc}")

    def _write(
        self,
        writer: WARCWriter,
        fh: BinaryIO,
        record: object,
        record_id: str,
        level: int = GZIP_LEVEL,
    ) -> WarcRef:
        self._record.seek(0)
        self._record.truncate()
        writer.write_record(record)
        with self._record.getbuffer() as raw:
            member = gzip_member(raw, level)
        offset = fh.tell()
        view = memoryview(member)
        while view:  # unbuffered: nothing is left in a buffer to land after a failed write
            done = fh.write(view)
            if not done:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            view = view[done:]
        self.bytes_written += len(member)
        return WarcRef(self.files[-1].name, offset, len(member), record_id)

    def _open_for_write(self) -> tuple[WARCWriter, BinaryIO]:
        if self._fh is not None and self._writer is not None and self._fh.tell() < self.max_bytes:
            return self._writer, self._fh
        self.close()
        path = self._next_path()
        try:
            fh: BinaryIO = open(path, "xb", buffering=0)  # noqa: SIM115 - kept open across records
        except OSError as exc:
            raise ArchiveError(f"cannot write WARC file {path}: {exc.strerror}") from exc
        # warcio writes the record into a buffer; _write makes it one gzip member of its own.
        writer = WARCWriter(self._record, gzip=False, warc_version=WARC_VERSION)
        self._fh, self._writer = fh, writer
        self.files.append(path)
        info = {
            "software": SOFTWARE,
            "hostname": socket.gethostname(),
            "format": "WARC File Format 1.1",
            "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
            **self.info,
        }
        record = writer.create_warcinfo_record(path.name, info)
        try:
            self._write(writer, fh, record, record.rec_headers.get_header("WARC-Record-ID"))
        except OSError as exc:
            raise self._abandon(0, self.bytes_written, exc) from exc
        return writer, fh

    def _next_path(self) -> Path:
        while True:
            path = self.directory / format_warc_filename(
                self.prefix, datetime.now(UTC), self.serial
            )
            self.serial += 1
            if not path.exists():
                return path


def gzip_member(data: bytes | memoryview, level: int = GZIP_LEVEL) -> bytes:
    """``data`` as one gzip member, the form each WARC record takes in a ``.warc.gz`` file."""
    compressor = zlib.compressobj(level, zlib.DEFLATED, zlib.MAX_WBITS + 16)
    return compressor.compress(data) + compressor.flush()


def _already_compressed(exchange: HttpExchange) -> bool:
    """Whether the body is compressed as sent: a Content-Encoding, or a compressed media type."""
    for name, value in exchange.response_headers:
        lowered = name.lower()
        if lowered == "content-encoding" and value.strip().lower() in _ENCODED:
            return True
        if lowered == "content-type" and value.strip().lower().startswith(_COMPRESSED_MEDIA):
            return True
    return False


def _response_headers(exchange: HttpExchange) -> StatusAndHeaders:
    try:
        reason = HTTPStatus(exchange.status).phrase
    except ValueError:
        reason = ""
    headers = [(k, v) for k, v in exchange.response_headers if k.lower() not in _DROPPED_HEADERS]
    statusline = f"{exchange.status} {reason}".strip()
    return StatusAndHeaders(statusline, headers, protocol=exchange.protocol)


def _request_headers(exchange: HttpExchange) -> StatusAndHeaders:
    parts = urlsplit(exchange.url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = list(exchange.request_headers)
    if not any(k.lower() == "host" for k, _ in headers):
        headers.insert(0, ("Host", parts.netloc))
    # A request line is "GET /path HTTP/1.1": the method where a response has its protocol.
    line = f"{exchange.method} {target} {exchange.protocol}"
    return StatusAndHeaders(line, headers, is_http_request=True)


def _ip_header(exchange: HttpExchange, warc_date: str) -> dict[str, str]:
    headers = {"WARC-Date": warc_date}
    if exchange.ip_address:
        headers["WARC-IP-Address"] = exchange.ip_address
    return headers
