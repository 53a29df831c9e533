"""A WARC file torn by a killed writer is cut back to its last whole exchange."""

from __future__ import annotations

import random
import re
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from storage.errors import ArchiveError
from storage.warc import SOFTWARE, HttpExchange, WarcWriter
from storage.warcread import iter_responses, read_response, verify_warc
from storage.warcrecover import Damage, recover_tail, warcinfo_fields
from tests.conftest import WARC_DATA
from tests.data.make_warcs import ARTICLE_URL, HOSTNAME, JOB, NOTICE_URL


def exchange(n: int, size: int = 5000) -> HttpExchange:
    return HttpExchange(
        url=f"http://127.0.0.1:8000/page/{n}",
        status=200,
        response_headers=[("Content-Type", "text/html")],
        body=random.Random(n).randbytes(size),
        request_headers=[("User-Agent", "test")],
    )


def written(tmp_path: Path, count: int) -> tuple[Path, list[int]]:
    """A WARC file with ``count`` exchanges; the end offset of each exchange's request record."""
    writer = WarcWriter(tmp_path, "t", info={"isPartOf": "job-a"})
    ends = []
    for n in range(count):
        ref = writer.write_exchange(exchange(n)).ref
        assert writer.current_path is not None
        ends.append(writer.current_path.stat().st_size)
        assert ref.offset < ends[-1]
    path = writer.current_path
    writer.close()
    assert path is not None
    return path, ends


def test_a_whole_file_is_left_alone(tmp_path: Path) -> None:
    path, ends = written(tmp_path, 3)
    recovery = recover_tail(path)
    assert recovery.cut == 0 and recovery.end == ends[-1] == path.stat().st_size
    assert [m.record_type for m in recovery.members] == ["warcinfo"] + ["response", "request"] * 3


@pytest.mark.parametrize("keep", [1, 50, 4000, 5700])
def test_a_torn_last_exchange_is_cut_off(tmp_path: Path, keep: int) -> None:
    path, ends = written(tmp_path, 3)
    with open(path, "r+b") as fh:  # the kill came `keep` bytes into the third exchange
        fh.truncate(ends[1] + keep)
    with pytest.raises(ArchiveError):
        verify_warc(path)
    recovery = recover_tail(path)
    assert recovery.end == ends[1] == path.stat().st_size
    assert recovery.cut == keep
    assert verify_warc(path) == 5
    assert [stored.url[-1] for _, stored in iter_responses(path)] == ["0", "1"]


def test_a_response_without_its_request_is_cut_too(tmp_path: Path) -> None:
    path, ends = written(tmp_path, 2)
    members = recover_tail(path).members
    request_of_second = members[-1]
    with open(path, "r+b") as fh:
        fh.truncate(request_of_second.offset + 10)
    recovery = recover_tail(path)
    assert recovery.end == ends[0]
    assert verify_warc(path) == 3


def test_scanning_can_start_at_a_known_boundary(tmp_path: Path) -> None:
    path, ends = written(tmp_path, 4)
    with open(path, "r+b") as fh:
        fh.truncate(ends[3] - 3)
    recovery = recover_tail(path, start=ends[1])
    assert [m.offset for m in recovery.members] == [ends[1], recovery.members[1].offset]
    assert recovery.end == ends[2]


def test_garbage_after_the_last_record_is_cut(tmp_path: Path) -> None:
    path, ends = written(tmp_path, 1)
    with open(path, "ab") as fh:
        fh.write(b"\x1f\x8b\x08\x00garbage")
    assert recover_tail(path).end == ends[0]
    assert verify_warc(path) == 3


def test_warcinfo_fields_name_the_job(tmp_path: Path) -> None:
    path, _ = written(tmp_path, 1)
    fields = warcinfo_fields(path)
    assert fields["isPartOf"] == "job-a"
    assert fields["format"] == "WARC File Format 1.1"
    empty = tmp_path / "empty.warc.gz"
    empty.write_bytes(b"")
    assert warcinfo_fields(empty) == {}


def data_copy(name: str, tmp_path: Path) -> Path:
    """A copy of the tests/data file ``name``: recovery truncates in place."""
    return Path(shutil.copy(WARC_DATA / name, tmp_path / name))


def test_the_torn_data_file_is_cut_back_to_its_last_whole_exchange(tmp_path: Path) -> None:
    torn = data_copy("torn.warc.gz", tmp_path)
    valid = (WARC_DATA / "valid.warc.gz").read_bytes()
    size = torn.stat().st_size
    *_, (revisit, _) = iter_responses(WARC_DATA / "valid.warc.gz")
    assert revisit.offset < size < len(valid)
    recovery = recover_tail(torn)
    # the tear is in the revisit's request; the revisit, left without it, is cut too
    assert recovery.end == revisit.offset == torn.stat().st_size
    assert recovery.cut == size - revisit.offset
    assert [m.record_type for m in recovery.members] == ["warcinfo"] + ["response", "request"] * 2
    assert torn.read_bytes() == valid[: revisit.offset]  # whole members are kept byte for byte
    assert verify_warc(torn) == 5
    assert [stored.url for _, stored in iter_responses(torn)] == [ARTICLE_URL, NOTICE_URL]
    again = recover_tail(torn)
    assert (again.end, again.cut) == (revisit.offset, 0)


@pytest.mark.parametrize("name", ["valid.warc.gz", "bad-digest.warc.gz"])
def test_a_data_file_of_whole_members_is_left_alone(tmp_path: Path, name: str) -> None:
    """A bad digest is no tear: every member inflates, so recovery keeps them all."""
    path = data_copy(name, tmp_path)
    recovery = recover_tail(path)
    assert (recovery.end, recovery.cut) == (path.stat().st_size, 0)
    assert [m.record_type for m in recovery.members] == [
        "warcinfo", "response", "request", "response", "request", "revisit", "request",
    ]  # fmt: skip
    ends = [m.offset + m.length for m in recovery.members]
    assert [m.offset for m in recovery.members] == [0, *ends[:-1]]
    assert path.read_bytes() == (WARC_DATA / name).read_bytes()


def test_warcinfo_fields_of_the_data_files() -> None:
    fields = warcinfo_fields(WARC_DATA / "valid.warc.gz")
    assert fields["isPartOf"] == JOB
    assert fields["hostname"] == HOSTNAME
    assert fields["software"] == SOFTWARE
    assert fields["format"] == "WARC File Format 1.1"
    # a tear at the end leaves the first record readable
    assert warcinfo_fields(WARC_DATA / "torn.warc.gz") == fields
    # not gzip member by member: nothing to read, whatever the name says
    assert warcinfo_fields(WARC_DATA / "not-gzip.warc.gz") == {}
    assert warcinfo_fields(WARC_DATA / "valid.warc") == {}


def test_a_job_is_recovered_from_its_files_alone(tmp_path: Path) -> None:
    """Records past the last committed row are indexed; a torn tail is cut; other jobs ignored."""
    from storage.jobarchive import job_files, recover_job
    from storage.rows import CaptureRow
    from storage.store import ArticleStore

    warcs = tmp_path / "w"
    ours = WarcWriter(warcs, "ours", info={"isPartOf": "daily"})
    theirs = WarcWriter(warcs, "theirs", info={"isPartOf": "weekly"})
    theirs.write_exchange(exchange(99))
    theirs.close()
    with ArticleStore(tmp_path / "a.db") as store:
        crawl = store.start_crawl(["http://127.0.0.1:8000/"], {"JOB_NAME": "daily"})
        for n in range(4):
            written = ours.write_exchange(exchange(n))
            if n < 2:  # the kill came before the rows of the last two were committed
                store.add_capture(
                    CaptureRow(
                        url=f"http://127.0.0.1:8000/page/{n}",
                        status=200,
                        mime="text/html",
                        fetched_at=written.warc_date,
                        ref=written.ref,
                        payload_digest=written.payload_digest,
                        content_length=5000,
                        crawl_id=crawl,
                    )
                )
        path = ours.current_path
        assert path is not None
        ours.close()
        with open(path, "ab") as fh:
            fh.write(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03torn")
        store.commit()
        assert job_files(warcs, "daily") == [path]
        resumed = store.start_crawl(["http://127.0.0.1:8000/"], {"JOB_NAME": "daily"})
        archive = recover_job(store, warcs, "daily", resumed)
        assert archive.indexed == 2 and archive.cut_bytes == 14
        assert verify_warc(path) == 9
        assert sorted(archive.captures) == [f"http://127.0.0.1:8000/page/{n}" for n in range(4)]
        assert not any(c.processed for c in archive.captures.values())
        rows = store.db.execute("SELECT crawl_id FROM captures ORDER BY id").fetchall()
        assert [row[0] for row in rows] == [crawl] * 4
        statuses = store.db.execute("SELECT status FROM crawls ORDER BY id").fetchall()
        assert [row[0] for row in statuses] == ["interrupted", "running"]
        again = recover_job(store, warcs, "daily", resumed)
        assert again.indexed == 0 and again.cut_bytes == 0 and store.count("captures") == 4


def test_a_not_modified_capture_is_answered_with_the_copy_it_confirmed(tmp_path: Path) -> None:
    from dataclasses import replace

    from storage.jobarchive import archived_captures
    from storage.rows import CaptureRow
    from storage.store import ArticleStore

    earlier = WarcWriter(tmp_path, "earlier")
    job = WarcWriter(tmp_path, "job", info={"isPartOf": "daily"})
    full = earlier.write_exchange(exchange(1))
    not_modified = job.write_exchange(replace(exchange(1), status=304, body=b""))
    earlier.close()
    job.close()
    with ArticleStore(tmp_path / "a.db") as store:
        for written, status in ((full, 200), (not_modified, 304)):
            store.add_capture(
                CaptureRow(
                    url="http://127.0.0.1:8000/page/1",
                    status=status,
                    mime="text/html",
                    fetched_at=written.warc_date,
                    ref=written.ref,
                    payload_digest=written.payload_digest,
                    content_length=0,
                    kind="hub" if status == 200 else None,
                )
            )
        (capture,) = archived_captures(store.db, [not_modified.ref.filename]).values()
    assert capture.status == 200 and capture.processed
    assert (capture.filename, capture.offset) == (full.ref.filename, full.ref.offset)


@pytest.mark.parametrize("name", ["valid.warc", "not-gzip.warc.gz"])
def test_a_file_not_gzip_per_record_is_left_as_it_is(tmp_path: Path, name: str) -> None:
    path = data_copy(name, tmp_path)
    with pytest.raises(ArchiveError, match="not a gzip-per-record WARC file; left as it is"):
        recover_tail(path)
    assert path.read_bytes() == (WARC_DATA / name).read_bytes()


@pytest.mark.parametrize("name", ["bad-crc.warc.gz", "flipped-byte.warc.gz"])
def test_a_damaged_record_in_the_middle_is_cut_and_the_records_after_it_kept(
    tmp_path: Path, name: str
) -> None:
    path = data_copy(name, tmp_path)
    with pytest.raises(ArchiveError, match=rf"{re.escape(name)} is damaged after 1 records: "):
        verify_warc(path)
    recovery = recover_tail(path)
    assert recovery.moved
    # the article's response is damaged; its request, left alone, goes too
    assert [m.record_type for m in recovery.members] == [
        "warcinfo", "response", "request", "revisit", "request",
    ]  # fmt: skip
    assert verify_warc(path) == 5
    assert [stored.url for _, stored in iter_responses(path)] == [NOTICE_URL, ARTICLE_URL]
    assert [ref.offset for ref, _ in iter_responses(path)] == [
        recovery.members[1].offset,
        recovery.members[3].offset,
    ]


def test_reading_skips_a_damaged_record_and_notes_it(tmp_path: Path) -> None:
    damaged: list[Damage] = []
    urls = [stored.url for _, stored in iter_responses(WARC_DATA / "bad-crc.warc.gz", 0, damaged)]
    assert urls == [NOTICE_URL, ARTICLE_URL]  # the notice and the revisit of the article
    (damage,) = damaged
    first = recover_tail(data_copy("valid.warc.gz", tmp_path)).members[1]
    assert (damage.offset, damage.length) == (first.offset, first.length)


def test_a_torn_record_in_the_middle_is_cut_and_the_rows_follow_their_records(
    tmp_path: Path,
) -> None:
    """As the old writer left a file when the disk filled and then had room again."""
    from storage.jobarchive import recover_job
    from storage.store import ArticleStore

    warcs = tmp_path / "w"
    writer = WarcWriter(warcs, "ours", info={"isPartOf": "daily"})
    written = [writer.write_exchange(exchange(n)) for n in range(6)]
    path = writer.current_path
    assert path is not None
    writer.close()
    data = path.read_bytes()
    tear = written[3].ref.offset  # the fourth exchange's response, torn 1000 bytes in
    torn_member = data[tear : tear + 1000]
    path.write_bytes(data[:tear] + torn_member + data[tear:])
    with ArticleStore(tmp_path / "a.db") as store:
        crawl = store.start_crawl(["http://127.0.0.1:8000/"], {"JOB_NAME": "daily"})
        for done in written:
            moved = 1000 if done.ref.offset >= tear else 0
            ref = replace(done.ref, offset=done.ref.offset + moved)
            store.index_record(ref, read_response(path, ref.offset), crawl)
        store.commit()
        resumed = store.start_crawl(["http://127.0.0.1:8000/"], {"JOB_NAME": "daily"})
        archive = recover_job(store, warcs, "daily", resumed)
        assert archive.cut_bytes == 1000 and archive.indexed == 0 and archive.moved == 3
        assert path.read_bytes() == data
        offsets = store.db.execute("SELECT warc_offset FROM captures ORDER BY id").fetchall()
        assert [row[0] for row in offsets] == [done.ref.offset for done in written]
        again = recover_job(store, warcs, "daily", resumed)
        assert (again.cut_bytes, again.moved, again.indexed) == (0, 0, 0)
    assert verify_warc(path) == 13


def test_reextract_skips_a_record_with_a_bad_crc_and_counts_it(tmp_path: Path) -> None:
    from tests.conftest import rows, run_archiver

    (tmp_path / "w").mkdir()
    data_copy("bad-crc.warc.gz", tmp_path / "w")
    result = run_archiver("reextract", "--warc-dir", "w", "--db", "r.db", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    assert "1 WARC files, 2 responses, 1 damaged records skipped;" in result.stdout
    assert "bad-crc.warc.gz: a damaged record at byte" in result.stderr
    urls = [url for (url,) in rows(tmp_path / "r.db", "SELECT url FROM captures ORDER BY id")]
    assert urls == [NOTICE_URL, ARTICLE_URL]
