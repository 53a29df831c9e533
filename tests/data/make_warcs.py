"""Write the small test WARC files: one valid file as our writer makes it, then damaged
copies of it, each damaged in one known way.

The test session writes them afresh into ``.cache/test-warcs`` (``tests/conftest.py``), so they
always come from today's writer and none is committed; to look at them, run from the repository
root ``.venv/bin/python -m tests.data.make_warcs [FOLDER]``. The pages are our own text. Record
IDs and the warcinfo record's date are new on every run (warcio draws and stamps them); the
rest, the damage included, comes out the same, and the tests hold either way.
"""

from __future__ import annotations

import gzip
import sys
import zlib
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from tempfile import TemporaryDirectory

from storage.warc import HttpExchange, RevisitOf, WarcWriter, gzip_member, payload_digest

OUT = Path(__file__).resolve().parents[2] / ".cache" / "test-warcs"  # what the tests read
JOB = "tests-data"
# Stands in for the machine's name, which a committed file has no business carrying.
HOSTNAME = "archiver.example.test"

ARTICLE_URL = "http://gazette.example.test/2026/11/tide-gauge-replaced.html"
NOTICE_URL = "http://gazette.example.test/notices/winter-ferry-timetable.html"
ARTICLE_AT = datetime(2026, 11, 3, 9, 15, 0, tzinfo=UTC)
NOTICE_AT = ARTICLE_AT + timedelta(seconds=2)
REVISIT_AT = ARTICLE_AT + timedelta(days=1)

ARTICLE_HTML = b"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Tide gauge on the old pier is replaced after forty years</title></head>
<body><article>
<h1>Tide gauge on the old pier is replaced after forty years</h1>
<p class="byline">By Maren Osei, 3 November 2026</p>
<p>The float gauge that has measured the harbour's tides since 1986 was lifted off the old pier
on Monday morning and replaced with a radar sensor the size of a shoebox.</p>
<p>Harbour master Idris Calloway said the old gauge had drifted by almost four centimetres over the
last decade. The new sensor reports every minute, and its readings go to the public tide table
on the harbour office's noticeboard as well as to the coastguard.</p>
<p>The brass dial of the old gauge will be kept in the museum on Quay Street.</p>
</article></body></html>
"""

NOTICE_HTML = b"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Winter ferry timetable</title></head>
<body><main>
<h1>Winter ferry timetable</h1>
<p>From 1 December the island ferry leaves the harbour at 07:10, 12:40 and 17:30 on weekdays,
and at 09:00 and 16:00 at weekends. The last crossing waits for the evening bus from town.</p>
<p>Crossings are cancelled when the wind at the pier head is above force 7.</p>
</main></body></html>
"""


def exchanges() -> tuple[HttpExchange, HttpExchange, HttpExchange]:
    """The article, a notice sent gzip-encoded on the wire, the article again unchanged."""
    html = [("Content-Type", "text/html; charset=utf-8")]
    asked = [("User-Agent", "news-archiver tests"), ("Accept-Encoding", "gzip")]
    article = HttpExchange(
        ARTICLE_URL,
        200,
        [*html, ("ETag", '"tide-1"')],
        ARTICLE_HTML,
        request_headers=asked,
        ip_address="192.0.2.10",
        fetched_at=ARTICLE_AT,
    )
    notice = HttpExchange(
        NOTICE_URL,
        200,
        [*html, ("Content-Encoding", "gzip")],
        gzip.compress(NOTICE_HTML, mtime=0),  # mtime 0: the same bytes on every run
        request_headers=asked,
        ip_address="192.0.2.10",
        fetched_at=NOTICE_AT,
    )
    again = replace(article, fetched_at=REVISIT_AT)  # same bytes: written as a revisit
    return article, notice, again


def valid_warc() -> bytes:
    """The file WarcWriter writes for the three exchanges, the third as a revisit of the first.

    Seven records, each its own gzip member: warcinfo, then response and request twice, then the
    revisit and its request.
    """
    article, notice, again = exchanges()
    with TemporaryDirectory() as tmp:
        writer = WarcWriter(Path(tmp), "tests", info={"isPartOf": JOB, "hostname": HOSTNAME})
        first = writer.write_exchange(article)
        writer.write_exchange(notice)
        writer.write_exchange(again, RevisitOf(ARTICLE_URL, first.warc_date))
        writer.close()
        (path,) = writer.files
        return path.read_bytes()


def members(data: bytes) -> list[bytes]:
    """The gzip members of ``data``, found by inflating each to its end."""
    found = []
    offset = 0
    while offset < len(data):
        inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
        inflater.decompress(data[offset:])
        end = len(data) - len(inflater.unused_data)
        found.append(data[offset:end])
        offset = end
    return found


def torn(valid: bytes) -> bytes:
    """As a killed writer leaves the file: its last member (the revisit's request) cut halfway."""
    last = members(valid)[-1]
    return valid[: len(valid) - len(last) + len(last) // 2]


def bad_digest(valid: bytes) -> bytes:
    """The article's response record claims the payload digest of other bytes; gzip is sound."""
    parts = members(valid)
    record = gzip.decompress(parts[1])
    real = payload_digest(ARTICLE_HTML).encode()
    assert record.count(real) == 1, "the article's response record has moved"
    parts[1] = gzip_member(record.replace(real, payload_digest(b"some other page").encode()))
    return b"".join(parts)


def bad_crc(valid: bytes) -> bytes:
    """One bit of the CRC-32 in the article response member's trailer flipped; data inflates."""
    parts = members(valid)
    member = bytearray(parts[1])
    member[-8] ^= 0x01  # the trailer is CRC-32 then the inflated size, 4 bytes each
    parts[1] = bytes(member)
    return b"".join(parts)


def flipped_byte(valid: bytes) -> bytes:
    """One byte in the middle of the article response member's deflate data inverted."""
    parts = members(valid)
    member = bytearray(parts[1])
    member[len(member) // 2] ^= 0xFF
    parts[1] = bytes(member)
    return b"".join(parts)


def write_all(folder: Path) -> dict[str, int]:
    """Write every test WARC file into ``folder`` from one run of the writer; name -> size."""
    folder.mkdir(parents=True, exist_ok=True)
    valid = valid_warc()
    files = {
        "valid.warc.gz": valid,
        "valid.warc": gzip.decompress(valid),  # the same records, uncompressed
        "torn.warc.gz": torn(valid),
        "bad-digest.warc.gz": bad_digest(valid),
        "bad-crc.warc.gz": bad_crc(valid),
        "flipped-byte.warc.gz": flipped_byte(valid),
        "not-gzip.warc.gz": gzip.decompress(valid),  # a plain WARC behind a .gz name
    }
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return {name: len(data) for name, data in files.items()}


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else OUT
    for name, size in write_all(out).items():
        print(f"{out / name}: {size} bytes")
