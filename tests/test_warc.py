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
