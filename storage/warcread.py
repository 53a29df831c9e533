"""Read WARC files back: find them, verify them whole, iterate their records, fetch one."""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from storage.errors import ArchiveError
from storage.warc import DOM_URI_PREFIX, WarcRef
from storage.warcrecover import Damage, scan

WARC_SUFFIXES = (".warc.gz", ".warc")
_RESPONSES = frozenset({"response", "revisit"})


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

    ``warcio check`` and ArchiveIterator stop quietly at a damaged gzip member, so the members
    of a ``.warc.gz`` are first inflated one by one, and the first damaged one is named.
    """
    if path.name.endswith(".gz"):
        members = 0
        try:
            with open(path, "rb") as fh:
                for item in scan(fh):
                    if isinstance(item, Damage):
                        fh.seek(item.offset)
                        why = _gzip_error(fh.read(min(item.length, 1 << 24)))
                        raise ArchiveError(
                            f"{path.name} is damaged after {members} records: {why}"
                            f" (at byte {item.offset})"
                        )
                    members += 1
        except OSError as exc:
            raise ArchiveError(f"cannot read {path.name}: {exc.strerror}") from exc
    count = 0
    try:
        with open(path, "rb") as raw:
            for record in ArchiveIterator(raw, check_digests="raise"):
                record.content_stream().read()
                count += 1
    except (OSError, EOFError, zlib.error, ArchiveLoadFailed, ValueError) as exc:
        raise ArchiveError(f"{path.name} is damaged after {count} records: {exc}") from exc
    return count


def _gzip_error(data: bytes) -> str:
    """What :mod:`gzip` says of damaged bytes: a bad CRC, a torn member, not gzip at all."""
    try:
        gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as exc:
        return str(exc)
    return "not a whole gzip member"


def read_response(path: Path, offset: int) -> StoredResponse:
    """The response record that starts at ``offset`` of the WARC file at ``path``."""
    with open(path, "rb") as fh:
        fh.seek(offset)
        for record in ArchiveIterator(fh):
            if record.rec_type != "response":
                raise ArchiveError(f"{path.name}@{offset} is a {record.rec_type} record")
            return _stored(record)
    raise ArchiveError(f"no record at {path.name}@{offset}")


def iter_rendered(path: Path) -> Iterator[tuple[str, WarcRef]]:
    """Each rendered-DOM record of one WARC file: the page's response record id (its
    ``WARC-Concurrent-To``) and where the DOM lives. Reading stops quietly at damage."""
    try:
        with open(path, "rb") as fh:
            records = ArchiveIterator(fh)
            for record in records:
                rec = record.rec_headers
                uri = rec.get_header("WARC-Target-URI") or ""
                if record.rec_type != "resource" or not uri.startswith(DOM_URI_PREFIX):
                    continue
                record.content_stream().read()  # to the record's end, where its length is known
                ref = WarcRef(
                    path.name,
                    records.get_record_offset(),
                    records.get_record_length(),
                    rec.get_header("WARC-Record-ID"),
                )
                yield rec.get_header("WARC-Concurrent-To") or "", ref
    except (OSError, EOFError, zlib.error, ArchiveLoadFailed, ValueError):
        return


def read_rendered(path: Path, offset: int) -> tuple[bytes, str | None]:
    """The body and Content-Type of the rendered-DOM record at ``offset``."""
    with open(path, "rb") as fh:
        fh.seek(offset)
        for record in ArchiveIterator(fh):
            if record.rec_type != "resource":
                raise ArchiveError(f"{path.name}@{offset} is a {record.rec_type} record")
            return record.content_stream().read(), record.rec_headers.get_header("Content-Type")
    raise ArchiveError(f"no record at {path.name}@{offset}")


def iter_responses(
    path: Path, start: int = 0, damaged: list[Damage] | None = None
) -> Iterator[tuple[WarcRef, StoredResponse]]:
    """Every response and revisit record of one WARC file, in order, with where it lives.

    ``start`` skips to a record boundary (the end of a record already indexed). A damaged
    record is skipped, and added to ``damaged``: reading goes on at the next whole one.
    """
    found = damaged if damaged is not None else []
    if not path.name.endswith(".gz"):
        yield from _iter_plain(path, start, found)
        return
    with open(path, "rb") as fh:
        for item in scan(fh, start):
            if isinstance(item, Damage):
                found.append(item)
            elif item.record_type in _RESPONSES:
                fh.seek(item.offset)
                stored = _parse_one(fh.read(item.length))
                if stored is None:
                    found.append(Damage(item.offset, item.length))
                    continue
                yield WarcRef(path.name, item.offset, item.length, stored.record_id), stored


def _parse_one(data: bytes) -> StoredResponse | None:
    """The record one whole gzip member holds, or ``None`` when its WARC or HTTP part is bad."""
    try:
        for record in ArchiveIterator(BytesIO(data)):
            return _stored(record)
    except (EOFError, zlib.error, ArchiveLoadFailed, ValueError, TypeError):
        return None
    return None


def _iter_plain(
    path: Path, start: int, damaged: list[Damage]
) -> Iterator[tuple[WarcRef, StoredResponse]]:
    """Records of an uncompressed WARC file; reading stops at damage, which is noted."""
    with open(path, "rb") as fh:
        fh.seek(start)
        records = ArchiveIterator(fh)
        offset = start
        try:
            for record in records:
                if record.rec_type not in _RESPONSES:
                    continue
                stored = _stored(record)  # before the offset, which reads to the record's end
                offset = records.get_record_offset()
                length = records.get_record_length()
                yield WarcRef(path.name, offset, length, stored.record_id), stored
        except (EOFError, zlib.error, ArchiveLoadFailed, ValueError):
            damaged.append(Damage(offset, path.stat().st_size - offset))


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
