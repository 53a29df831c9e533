"""The WARC writer and reader on real files: naming, rotation, headers, damage detection."""

from __future__ import annotations

import gzip
import random
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from storage.errors import ArchiveError
from storage.warc import HttpExchange, WarcWriter, expand_prefix, format_warc_filename
from storage.warcread import read_response, verify_warc


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


def test_verification_catches_a_torn_or_corrupted_file(tmp_path: Path) -> None:
    writer = WarcWriter(tmp_path, "t")
    for n in range(3):
        writer.write_exchange(exchange(n))
    writer.close()
    (path,) = tmp_path.glob("*.warc.gz")
    data = path.read_bytes()
    torn = tmp_path / "torn.warc.gz"
    torn.write_bytes(data[:-50])
    with pytest.raises(ArchiveError, match="damaged"):
        verify_warc(torn)
    flipped = bytearray(data)
    flipped[len(data) // 2] ^= 0xFF
    corrupt = tmp_path / "corrupt.warc.gz"
    corrupt.write_bytes(bytes(flipped))
    with pytest.raises(ArchiveError):
        verify_warc(corrupt)


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
