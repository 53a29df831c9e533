"""Read WARC files back: find them, verify them whole, iterate their records, fetch one."""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from storage.errors import ArchiveError
from storage.warc import WarcRef

WARC_SUFFIXES = (".warc.gz", ".warc")


def warc_files(folder: Path, suffixes: tuple[str, ...] = WARC_SUFFIXES) -> list[Path]:
    """The WARC files directly in ``folder``, by name (hidden files and folders left out)."""
    return sorted(
        path
        for path in folder.iterdir()
        if path.name.endswith(suffixes) and not path.name.startswith(".") and path.is_file()
    )


@dataclass(frozen=True, slots=True)
class StoredResponse:
    """A response record read back: its headers and its body with Content-Encoding undone."""

    url: str
    record_id: str
    warc_date: str
    status: int
    headers: list[tuple[str, str]]
    raw_body: bytes
    body: bytes
    payload_digest: str | None = None
    record_type: str = "response"
    refers_to_url: str | None = None
    refers_to_date: str | None = None

    @property
    def mime(self) -> str | None:
        """The media type of the body, without parameters."""
        value = self.header("Content-Type")
        return value.split(";")[0].strip().lower() if value else None

    def header(self, name: str) -> str | None:
        """The last value of an HTTP header, case-insensitively."""
        values = [v for k, v in self.headers if k.lower() == name.lower()]
        return values[-1] if values else None


def verify_warc(path: Path) -> int:
    """Inflate every gzip member (checking CRCs) and every record digest; return the record count.

    ``warcio check`` and ArchiveIterator stop quietly at a damaged gzip member, so the file is
    first inflated whole with :mod:`gzip`, which raises on a bad CRC or a truncated member.
    """
    count = 0
    try:
        if path.name.endswith(".gz"):
            with gzip.open(path, "rb") as fh:
                while fh.read(1 << 20):
                    pass
        with open(path, "rb") as raw:
            for record in ArchiveIterator(raw, check_digests="raise"):
                record.content_stream().read()
                count += 1
    except (OSError, EOFError, zlib.error, ArchiveLoadFailed, ValueError) as exc:
        raise ArchiveError(f"{path.name} is damaged after {count} records: {exc}") from exc
    return count


def read_response(path: Path, offset: int) -> StoredResponse:
    """The response record that starts at ``offset`` of the WARC file at ``path``."""
    with open(path, "rb") as fh:
        fh.seek(offset)
        for record in ArchiveIterator(fh):
            if record.rec_type != "response":
                raise ArchiveError(f"{path.name}@{offset} is a {record.rec_type} record")
            return _stored(record)
    raise ArchiveError(f"no record at {path.name}@{offset}")


def iter_responses(path: Path, start: int = 0) -> Iterator[tuple[WarcRef, StoredResponse]]:
    """Every response and revisit record of one WARC file, in order, with where it lives.

    ``start`` skips to a record boundary (the end of a record already indexed).
    """
    with open(path, "rb") as fh:
        fh.seek(start)
        records = ArchiveIterator(fh)
        for record in records:
            if record.rec_type not in {"response", "revisit"}:
                continue
            stored = _stored(record)
            ref = WarcRef(
                path.name,
                records.get_record_offset(),
                records.get_record_length(),
                stored.record_id,
            )
            yield ref, stored


def _stored(record: object) -> StoredResponse:
    raw = record.raw_stream.read()  # type: ignore[attr-defined]
    http = record.http_headers  # type: ignore[attr-defined]
    headers = [(k, v) for k, v in http.headers]
    encoding = (http.get_header("Content-Encoding") or "").lower()
    rec = record.rec_headers  # type: ignore[attr-defined]
    return StoredResponse(
        url=rec.get_header("WARC-Target-URI"),
        record_id=rec.get_header("WARC-Record-ID"),
        warc_date=rec.get_header("WARC-Date"),
        status=int(http.get_statuscode() or 0),
        headers=headers,
        raw_body=raw,
        body=decode_content(raw, encoding),
        payload_digest=rec.get_header("WARC-Payload-Digest"),
        record_type=record.rec_type,  # type: ignore[attr-defined]
        refers_to_url=rec.get_header("WARC-Refers-To-Target-URI"),
        refers_to_date=rec.get_header("WARC-Refers-To-Date"),
    )


def decode_content(body: bytes, encoding: str) -> bytes:
    """Undo a Content-Encoding (gzip, deflate, br); bodies that fail to decode stay as they are."""
    try:
        if encoding in {"gzip", "x-gzip"}:
            return gzip.decompress(body)
        if encoding == "deflate":
            try:
                return zlib.decompress(body)
            except zlib.error:
                return zlib.decompress(body, -zlib.MAX_WBITS)
        if encoding == "br":
            import brotli  # type: ignore[import-untyped,import-not-found,unused-ignore]

            return bytes(brotli.decompress(body))
    except (OSError, EOFError, zlib.error, ImportError):
        return body
    return body
