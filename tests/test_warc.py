"""The WARC writer and reader on real files: naming, rotation, headers, damage detection.

The reader tests read the small WARC files of tests/data, broken ones included.
"""

from __future__ import annotations

import dataclasses
import gzip
import random
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from storage.errors import ArchiveError
from storage.warc import (
    HttpExchange,
    WarcWriter,
    expand_prefix,
    format_warc_filename,
    payload_digest,
)
from storage.warcread import iter_responses, read_response, verify_warc, warc_files
from tests.conftest import WARC_DATA
from tests.data.make_warcs import ARTICLE_HTML, ARTICLE_URL, NOTICE_HTML, NOTICE_URL


def exchange(n: int, size: int = 1000) -> HttpExchange:
    return HttpExchange(
        url=f"http://127.0.0.1:8000/page/{n}",
        status=200,
        response_headers=[
            ("Content-Type", "text/html"),
            ("Set-Cookie", "a=1"),
            ("Set-Cookie", "b=2"),
            ("Transfer-Encoding", "chunked"),
        ],
        body=random.Random(n).randbytes(size),
        request_headers=[("User-Agent", "test")],
        ip_address="127.0.0.1",
    )


def test_file_names_carry_prefix_timestamp_and_serial() -> None:
    when = datetime(2026, 11, 27, 18, 5, 7, 123456, tzinfo=UTC)
    assert format_warc_filename("p", when, 3) == "p-20261127180507123-00003.warc.gz"
    assert re.fullmatch(r"archiver-.+-\d+", expand_prefix("archiver-{host}-{pid}"))


def test_files_rotate_at_the_size_limit_and_each_opens_with_warcinfo(tmp_path: Path) -> None:
    writer = WarcWriter(tmp_path, "t", max_bytes=20_000)
    refs = [writer.write_exchange(exchange(n, 8192)).ref for n in range(12)]
    writer.close()
    files = sorted(tmp_path.glob("*.warc.gz"))
    assert len(files) > 1
    assert {ref.filename for ref in refs} == {f.name for f in files}
    for path in files:
        assert verify_warc(path) >= 3
        with gzip.open(path) as fh:
            assert next(iter(ArchiveIterator(fh))).rec_type == "warcinfo"
    last = refs[-1]
    stored = read_response(tmp_path / last.filename, last.offset)
    assert stored.url.endswith("/page/11")


def test_repeated_headers_survive_and_transfer_encoding_is_dropped(tmp_path: Path) -> None:
    writer = WarcWriter(tmp_path, "t")
    ref = writer.write_exchange(exchange(1)).ref
    writer.close()
    stored = read_response(tmp_path / ref.filename, ref.offset)
    assert [v for k, v in stored.headers if k == "Set-Cookie"] == ["a=1", "b=2"]
    assert all(k.lower() != "transfer-encoding" for k, _ in stored.headers)
    assert stored.body == exchange(1).body


def test_the_request_record_starts_with_an_http_request_line(tmp_path: Path) -> None:
    writer = WarcWriter(tmp_path, "t")
    page = exchange(2)
    writer.write_exchange(dataclasses.replace(page, url=page.url + "?lang=en"))
    writer.close()
    (path,) = tmp_path.glob("*.warc.gz")
    data = gzip.decompress(path.read_bytes())
    record = data[data.index(b"WARC-Type: request") :]
    head = record[record.index(b"\r\n\r\n") + 4 :].split(b"\r\n")
    assert head[0] == b"GET /page/2?lang=en HTTP/1.1"  # not "HTTP/1.1 GET /page/2"
    assert b"Host: 127.0.0.1:8000" in head


@pytest.mark.parametrize("name", ["valid.warc.gz", "valid.warc"])
def test_the_valid_data_files_verify_whole(name: str) -> None:
    assert verify_warc(WARC_DATA / name) == 7


def test_each_record_of_the_valid_file_is_warc_1_1_in_a_gzip_member_of_its_own() -> None:
    path = WARC_DATA / "valid.warc.gz"
    with open(path, "rb") as fh:
        records = ArchiveIterator(fh)
        seen = [
            (r.rec_type, r.rec_headers.protocol, records.get_record_offset(),
             records.get_record_length())
            for r in records
        ]  # fmt: skip
    assert [kind for kind, *_ in seen] == [
        "warcinfo", "response", "request", "response", "request", "revisit", "request",
    ]  # fmt: skip
    assert {version for _, version, _, _ in seen} == {"WARC/1.1"}
    data = path.read_bytes()
    ends = [offset + length for _, _, offset, length in seen]
    assert [offset for _, _, offset, _ in seen] == [0, *ends[:-1]]
    assert ends[-1] == len(data)
    for _, _, offset, length in seen:  # each slice is a gzip member holding exactly one record
        record = gzip.decompress(data[offset : offset + length])
        assert record.startswith(b"WARC/1.1\r\n") and record.count(b"WARC/1.1\r\n") == 1


@pytest.mark.parametrize("name", ["valid.warc.gz", "valid.warc"])
def test_iterating_the_valid_file_yields_its_two_responses_and_the_revisit(name: str) -> None:
    path = WARC_DATA / name
    (article_ref, article), (notice_ref, notice), (revisit_ref, revisit) = iter_responses(path)
    assert [article.url, notice.url, revisit.url] == [ARTICLE_URL, NOTICE_URL, ARTICLE_URL]
    assert [r.record_type for r in (article, notice, revisit)] == ["response"] * 2 + ["revisit"]
    assert [r.status for r in (article, notice, revisit)] == [200] * 3
    assert article.warc_date == "2026-11-03T09:15:00Z"
    assert article.body == article.raw_body == ARTICLE_HTML
    assert article.payload_digest == payload_digest(ARTICLE_HTML)
    assert article.header("etag") == '"tide-1"'
    # sent gzip-encoded: stored as sent, read back decoded
    assert notice.header("Content-Encoding") == "gzip"
    assert gzip.decompress(notice.raw_body) == notice.body == NOTICE_HTML
    assert notice.mime == "text/html"
    # the revisit stores no body: it names the capture whose payload it repeats
    assert revisit.raw_body == revisit.body == b""
    assert revisit.warc_date == "2026-11-04T09:15:00Z"
    assert (revisit.refers_to_url, revisit.refers_to_date) == (ARTICLE_URL, article.warc_date)
    assert revisit.payload_digest == article.payload_digest
    assert len({article.record_id, notice.record_id, revisit.record_id}) == 3
    # each reference leads back to its record
    assert read_response(path, article_ref.offset) == article
    assert read_response(path, notice_ref.offset) == notice
    with pytest.raises(ArchiveError, match=f"{name}@{revisit_ref.offset} is a revisit record"):
        read_response(path, revisit_ref.offset)
    assert article_ref.filename == name
    assert article_ref.record_id == article.record_id
    assert article_ref.offset + article_ref.length < notice_ref.offset  # its request in between


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("torn.warc.gz", "Compressed file ended before the end-of-stream marker was reached"),
        ("bad-crc.warc.gz", "CRC check failed"),
        # which check trips depends on where the bits fall (a bad code, a bad CRC, ...)
        ("flipped-byte.warc.gz", ".+"),
        ("not-gzip.warc.gz", re.escape("Not a gzipped file (b'WA')")),
        ("bad-digest.warc.gz", "payload digest failed"),
    ],
    ids=["torn", "bad-crc", "flipped-byte", "not-gzip", "bad-digest"],
)
def test_verification_names_the_damage_of_each_broken_file(name: str, error: str) -> None:
    with pytest.raises(ArchiveError) as caught:
        verify_warc(WARC_DATA / name)
    assert type(caught.value) is ArchiveError
    assert re.fullmatch(
        rf"{re.escape(name)} is damaged after \d+ records: {error}.*", str(caught.value)
    )


def test_a_bad_digest_is_found_at_its_record() -> None:
    """The gzip members are sound; the check that fails is the response record's digest."""
    data = (WARC_DATA / "bad-digest.warc.gz").read_bytes()
    assert gzip.decompress(data).count(b"WARC/1.1\r\n") == 7
    with pytest.raises(ArchiveError, match=r"after 1 records: payload digest failed sha1:"):
        verify_warc(WARC_DATA / "bad-digest.warc.gz")  # the warcinfo record before it passed


def test_the_reader_reads_a_torn_file_up_to_its_whole_members() -> None:
    """What a reextract of a crawl killed mid-write reads: every response before the tear."""
    valid = [(r.offset, r.length, s) for r, s in iter_responses(WARC_DATA / "valid.warc.gz")]
    torn = [(r.offset, r.length, s) for r, s in iter_responses(WARC_DATA / "torn.warc.gz")]
    assert len(torn) == 3
    assert torn == valid  # the tear is in the last request record, after every response


def test_an_unwritable_warc_dir_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ArchiveError, match="cannot create WARC directory"):
        WarcWriter(blocker / "warcs", "t")


def test_bodies_compressed_on_the_wire_are_stored_and_others_deflated(tmp_path: Path) -> None:
    text = b"<p>The council said the harbour wall was repaired after the storm.</p>\n" * 400
    encoded = gzip.compress(text)
    headers = [("Content-Type", "text/html")]
    plain = HttpExchange("http://127.0.0.1:8000/plain", 200, headers, text)
    wire = HttpExchange(
        "http://127.0.0.1:8000/gz", 200, [*headers, ("Content-Encoding", "gzip")], encoded
    )
    writer = WarcWriter(tmp_path, "t")
    plain_ref, wire_ref = (writer.write_exchange(e).ref for e in (plain, wire))
    writer.close()
    path = tmp_path / plain_ref.filename
    assert verify_warc(path) == 5
    data = path.read_bytes()
    plain_member = data[plain_ref.offset : plain_ref.offset + plain_ref.length]
    wire_member = data[wire_ref.offset : wire_ref.offset + wire_ref.length]
    assert len(plain_member) < len(text) // 10 and b"WARC-Type" not in plain_member
    # Deflating gzip bytes again gains nothing: the record sits uncompressed in its member.
    assert b"WARC-Type: response" in wire_member and encoded in wire_member
    assert read_response(path, wire_ref.offset).body == text  # read back decoded
    assert read_response(path, plain_ref.offset).body == text


def test_the_warc_files_of_a_folder_are_its_visible_files_by_name(tmp_path: Path) -> None:
    for name in ("b.warc.gz", "a.warc", ".hidden.warc.gz", "notes.txt", "c.warc.gz.part"):
        (tmp_path / name).write_bytes(b"")
    (tmp_path / "folder.warc.gz").mkdir()
    assert [p.name for p in warc_files(tmp_path)] == ["a.warc", "b.warc.gz"]
    assert [p.name for p in warc_files(tmp_path, suffixes=(".warc.gz",))] == ["b.warc.gz"]
    assert [p.name for p in warc_files(WARC_DATA)] == sorted(
        p.name for p in WARC_DATA.iterdir() if p.name.endswith((".warc", ".warc.gz"))
    )
