"""A full disk under the WARC folder: the crawl stops with one clear error, and loses nothing."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from storage.warcread import verify_warc
from tests import newssite
from tests.conftest import rows, run_archiver
from tests.siteserver import SiteServer
from tests.test_crawl_resume import captures, response_records

FREE = 300 * 1024  # what the filler leaves free on the 2 MiB disk: room for about 150 pages
ARGS = ("--db", "a.db", "--warc-dir", "disk/w", "--job", "full", "-s", "JOBS_DIR=jobs")
# a record torn by the old writer when the disk filled: a gzip header and half a deflate stream
TORN = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\xed\xbdk\x93\xdbF\x92 half a record"


def leave_free(disk: Path, free: int) -> None:
    """Refill ``disk`` so that ``free`` bytes of it are left."""
    filler = disk / "filler"
    filler.unlink(missing_ok=True)
    stat = os.statvfs(disk)
    filler.write_bytes(b"\0" * max(0, stat.f_bavail * stat.f_frsize - free))


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 2 MiB tmpfs at ``tmp_path/disk``, nearly filled; unmounted after the test."""
    if os.geteuid() != 0:
        pytest.skip("mounting a 2 MiB tmpfs needs root (make test runs as root)")
    disk = tmp_path / "disk"
    disk.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(disk)], check=True)
    try:
        leave_free(disk, FREE)
        yield disk
    finally:
        subprocess.run(["umount", str(disk)], check=True)


def cdxj_lines(warcs: Path) -> int:
    """How many records pywb's indexer (cdxj-indexer) finds in the WARC folder."""
    indexer = Path(sys.executable).with_name("cdxj-indexer")
    done = subprocess.run(
        [str(indexer), *map(str, sorted(warcs.glob("*.warc.gz")))],
        capture_output=True,
        text=True,
        check=False,  # it fails at a torn record, having printed the lines before it
    )
    return len(done.stdout.splitlines())


def assert_stopped_once(
    run: subprocess.CompletedProcess[str], db: Path, status: str, error: str
) -> None:
    """The crawl exited 1 without a traceback, logged one ERROR line holding ``error`` and
    recorded ``status`` as its crawl's."""
    assert run.returncode == 1, run.stderr[-3000:]
    assert "Traceback" not in run.stderr, run.stderr[-6000:]
    errors = [line for line in run.stderr.splitlines() if " ERROR: " in line]
    assert len(errors) == 1 and error in errors[0], errors
    ((found,),) = rows(db, "SELECT status FROM crawls")
    assert found == status


def splice_torn_record(db: Path, path: Path, at_record: int) -> int:
    """Put a torn record in the middle of ``path`` as the old writer left it; return its offset.

    The old writer went on after the torn record once space was freed: the records after it,
    and their ``captures`` rows, sit ``len(TORN)`` bytes further on.
    """
    data = path.read_bytes()
    offset = sorted(offset for name, offset, _ in captures(db) if name == path.name)[at_record]
    path.write_bytes(data[:offset] + TORN + data[offset:])
    with sqlite3.connect(db) as conn:
        conn.execute(
            "UPDATE captures SET warc_offset = warc_offset + ? WHERE warc_filename = ?"
            " AND warc_offset >= ?",
            [len(TORN), path.name, offset],
        )
    return offset


def test_a_full_disk_stops_the_crawl_and_a_resume_repairs_a_torn_record_anywhere(
    tmp_path: Path, small_disk: Path
) -> None:
    site = SiteServer("127.0.0.81")
    stories = newssite.build_many(site, 300)
    with site:
        full = run_archiver("crawl", site.url, *ARGS, cwd=tmp_path)
        db, warcs = tmp_path / "a.db", small_disk / "w"
        assert_stopped_once(
            full, db, "warc write failed", "No space left on device; stopping the crawl"
        )
        last = full.stderr.strip().splitlines()[-1]
        assert last.startswith("Error: cannot write WARC file disk/w/archiver-")
        assert last.endswith(
            ": No space left on device; the crawl stopped there: make room and crawl again"
        )
        # nothing torn is left, every row has its record and every article its capture
        for path in warcs.glob("*.warc.gz"):
            verify_warc(path)
        assert sorted(captures(db)) == sorted(response_records(warcs))
        stored = rows(db, "SELECT a.capture_id, c.id FROM articles a LEFT JOIN captures c"
                          " ON c.id = a.capture_id")  # fmt: skip
        assert 0 < len(stored) < len(stories)
        assert all(capture is not None for _, capture in stored)
        assert f"articles stored: {len(stored)} " in full.stdout

        # as an older version left it: a torn record with whole records after it, written
        # once room was made (the full disk may not have the torn bytes' page to spare)
        (path,) = warcs.glob("*.warc.gz")
        indexed = cdxj_lines(warcs)
        assert indexed == len(stored_records := response_records(warcs))
        (small_disk / "filler").unlink()  # room made
        splice_torn_record(db, path, at_record=20)
        assert cdxj_lines(warcs) < indexed / 2  # pywb's indexer stops at the torn record
        again = run_archiver("crawl", site.url, *ARGS, cwd=tmp_path)
        assert again.returncode == 0, again.stderr[-3000:]

    assert "Traceback" not in again.stderr
    assert f"cut {len(TORN)} torn bytes" in again.stderr
    for path in warcs.glob("*.warc.gz"):
        verify_warc(path)
    records = response_records(warcs)
    assert sorted(captures(db)) == sorted(records)  # the rows follow the records that moved
    assert len(records) > len(stored_records)
    assert cdxj_lines(warcs) == len(records)  # pywb's indexer reads every record again
    urls = [url for (url,) in rows(db, "SELECT url FROM articles")]
    assert sorted(urls) == sorted(story.url(site.url) for story in stories)


JOB_ARGS = ("--db", "a.db", "--warc-dir", "w", "--job", "full", "-s", "JOBS_DIR=disk/jobs")
JOB_ROOM = 24 * 1024  # free on the job's disk: its frontier outgrows it a few hundred pages in


def test_a_full_job_folder_stops_the_crawl_in_one_line_and_the_next_run_loses_nothing(
    tmp_path: Path, small_disk: Path
) -> None:
    site = SiteServer("127.0.0.82")
    stories = newssite.build_many(site, 1000)
    with site:
        leave_free(small_disk, 0)
        refused = run_archiver("crawl", site.url, *JOB_ARGS, cwd=tmp_path)
        assert refused.returncode == 1
        assert refused.stderr.strip().splitlines() == [
            "Error: cannot write to the job folder disk/jobs/full: No space left on device;"
            " make room and crawl again"
        ]
        assert not (tmp_path / "w").exists()  # nothing fetched

        leave_free(small_disk, JOB_ROOM)
        full = run_archiver("crawl", site.url, *JOB_ARGS, cwd=tmp_path)
        assert_stopped_once(full, tmp_path / "a.db", "job write failed", "job folder")
        assert full.stderr.strip().splitlines()[-1] == (
            "Error: cannot write to the job folder disk/jobs/full: No space left on device;"
            " the crawl stopped there: make room and crawl again"
        )
        first = len(rows(tmp_path / "a.db", "SELECT id FROM articles"))
        assert 0 < first < len(stories)

        (small_disk / "filler").unlink()  # room made
        again = run_archiver("crawl", site.url, *JOB_ARGS, cwd=tmp_path)
        assert again.returncode == 0, again.stderr[-3000:]
        assert "resuming from its WARC files" in again.stderr
    urls = [url for (url,) in rows(tmp_path / "a.db", "SELECT url FROM articles")]
    assert sorted(urls) == sorted(story.url(site.url) for story in stories)
